// The monthly assessment report over a small county whose figures are
// known by construction: village AB (grids A, B) visited 30 of 40
// households, checked 20 of 40 persons, resolved both of its 2 cases;
// village C did nothing and has 1 case open past its deadline; village D
// visited 5 of 20 households.
#include "tools/gridsyncctl/report.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "tests/server/server_process.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {

using gridsync::v1::Mutation;

class ReportTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    t_ = core::SystemWallMs() - 60 * 1000;
    month_ = core::MonthName(core::MonthOf(t_));
    Fill();
  }

  void PushAll(tools::Phone& p, const std::vector<Mutation>& ms) {
    auto r = p.Push(ms);
    ASSERT_TRUE(r.ok()) << r.status();
    for (const auto& res : r->results())
      ASSERT_EQ(res.outcome(), gridsync::v1::MUTATION_OUTCOME_APPLIED) << res.message();
  }

  std::vector<Mutation> Visits(tools::Phone& p, const std::string& grid, int n) {
    std::vector<Mutation> ms;
    for (int i = 1; i <= n; ++i) {
      auto m = Visit(p, grid, i);
      tools::AddCreateField(&m, "visited_at_ms", tools::IntValue(t_));
      ms.push_back(m);
    }
    return ms;
  }

  Mutation Case(tools::Phone& p, const std::string& grid, const std::string& title,
                int64_t deadline) {
    auto m = p.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, p.NewRecordId(), grid);
    m.mutable_create()->set_subject_id(Household(grid, 1));
    tools::AddCreateField(&m, "title", tools::StrValue(title));
    tools::AddCreateField(&m, "registered_at_ms", tools::IntValue(t_));
    if (deadline) tools::AddCreateField(&m, "deadline_ms", tools::IntValue(deadline));
    return m;
  }

  void Fill() {
    auto a = NewPhone(kGridA), b = NewPhone(kGridB), c = NewPhone(kGridC), d = NewPhone(kGridD);
    auto ms = Visits(*a, kGridA, 20);
    for (int i = 1; i <= 20; ++i) {
      auto m = a->Begin(gridsync::v1::RECORD_KIND_SPECIAL_CHECK, a->NewRecordId(), kGridA);
      m.mutable_create()->set_subject_id(Person(kGridA, i));
      tools::AddCreateField(&m, "checked_at_ms", tools::IntValue(t_));
      ms.push_back(m);
    }
    for (int i = 0; i < 2; ++i) {
      auto k = Case(*a, kGridA, "土地纠纷" + std::to_string(i), 0);
      ms.push_back(k);
      auto s = a->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, k.record_id(), kGridA);
      s.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_RESOLVED);
      ms.push_back(s);
    }
    PushAll(*a, ms);
    PushAll(*b, Visits(*b, kGridB, 10));
    PushAll(*c, {Case(*c, kGridC, "<script>邻里纠纷</script>", t_ - 1000)});
    PushAll(*d, Visits(*d, kGridD, 5));
  }

  int64_t t_ = 0;
  std::string month_;
};

TEST_F(ReportTest, RanksVillagesAndTownsByTheThreeRates) {
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty});
  auto r = tools::BuildMonthlyReport(channel_, job, kCounty, month_);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->villages.size(), 3u);
  EXPECT_EQ(r->villages[0].unit.code(), kVillageAB);
  EXPECT_EQ(r->villages[1].unit.code(), "410185100201");  // D: (0.25 + 0) / 2
  EXPECT_EQ(r->villages[2].unit.code(), "410185001202");  // C: all zero
  EXPECT_DOUBLE_EQ(*r->villages[0].visit_rate, 0.75);
  EXPECT_DOUBLE_EQ(*r->villages[0].check_rate, 0.5);
  EXPECT_DOUBLE_EQ(*r->villages[0].mediation_rate, 1.0);
  EXPECT_DOUBLE_EQ(r->villages[0].score, 0.75);
  EXPECT_FALSE(r->villages[1].mediation_rate.has_value());  // no case: not counted
  EXPECT_DOUBLE_EQ(r->villages[1].score, 0.125);
  EXPECT_EQ(r->villages[2].rank, 3);
  ASSERT_EQ(r->towns.size(), 2u);
  EXPECT_EQ(r->towns[0].unit.code(), kTownABC);
  EXPECT_DOUBLE_EQ(r->towns[0].score, (0.5 + 20.0 / 60 + 2.0 / 3) / 3);
  EXPECT_EQ(r->overdue_total, 80 - 20);  // 4 grids x 20 persons, 20 checked
  EXPECT_EQ(r->open_total, 1);
  ASSERT_EQ(r->past_deadline.size(), 1u);
  EXPECT_TRUE(r->past_deadline[0]);

  const std::string table = tools::RenderReportTable(*r);
  EXPECT_TRUE(absl::StrContains(table, "75.0%")) << table;
  EXPECT_LT(table.find(kVillageAB), table.find("410185100201")) << table;
  EXPECT_LT(table.find("410185100201"), table.find("410185001202")) << table;

  const std::string html = tools::RenderReportHtml(*r);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  size_t svgs = 0;
  for (size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) ++svgs;
  EXPECT_EQ(svgs, 3u);
  EXPECT_TRUE(absl::StrContains(html, "&lt;script&gt;邻里纠纷&lt;/script&gt;"));
  EXPECT_FALSE(absl::StrContains(html, "<script>"));
  EXPECT_TRUE(absl::StrContains(html, "已超期"));
  EXPECT_FALSE(absl::StrContains(html, "src=\"http"));  // self-contained
}

TEST_F(ReportTest, TheCommandWritesTheHtmlFileAndASecretaryCannotReportOnTheCounty) {
  const std::string dir = dir_ + ".report";
  std::filesystem::create_directories(dir);
  const std::string token_file = dir + "/admin.token";
  std::ofstream(token_file) << admin_token_ << "\n";
  std::string out;
  const std::string cmd =
      absl::StrCat("cd '", dir, "' && '", GRIDSYNCCTL_PATH, "' --server ", addr(),
                   " --token-file admin.token report --county ", kCounty, " --month ", month_);
  ASSERT_EQ(RunCommand({"/bin/sh", "-c", cmd}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "村排名")) << out;
  const std::string file = absl::StrCat(dir, "/report-", kCounty, "-", month_, ".html");
  ASSERT_TRUE(std::filesystem::exists(file)) << out;
  std::stringstream html;
  html << std::ifstream(file).rdbuf();
  EXPECT_TRUE(absl::StrContains(html.str(), "</svg>"));
  EXPECT_EQ(RunCommand({GRIDSYNCCTL_PATH, "--server", addr(), "--token-file", token_file, "report",
                        "--county", kCounty, "--month", "2026-13"}),
            1);

  const std::string secretary = Enroll(gridsync::v1::ROLE_VILLAGE_SECRETARY, {kVillageAB});
  auto denied = tools::BuildMonthlyReport(channel_, secretary, kCounty, month_);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied) << denied.status();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gridsync::testing
