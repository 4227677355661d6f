// The monthly assessment report over a small county whose figures are
// known by construction: village AB (grids A, B) visited 30 of 40
// households, checked 20 of 40 persons, resolved both of its 2 cases;
// village C did nothing and has 1 case open past its deadline; village D
// visited 5 of 20 households. For the two rounds' sections: AB patrolled
// once (now) and 4 of its respondents gave 安全感 3 of 4 in the top two
// levels (满意 1 of 3), one refused; C's 2 respondents felt unsafe but were
// satisfied and both raised fraud; D asked nobody.
#include "tools/gridsyncctl/report.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "core/safety_figures.h"
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

  Mutation Survey(tools::Phone& p, const std::string& grid, int household,
                  gridsync::v1::SurveyOutcome outcome, int safety, int satisfaction) {
    return testing::Survey(p, grid, household, t_, outcome, safety, satisfaction);
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
    auto patrol = b->Begin(gridsync::v1::RECORD_KIND_PATROL, b->NewRecordId(), kGridB);
    patrol.mutable_create();
    tools::AddCreateField(&patrol, "started_at_ms", tools::IntValue(t_));
    PushAll(*b, {patrol, Survey(*b, kGridB, 1, gridsync::v1::SURVEY_OUTCOME_ANSWERED, 1, 1),
                 Survey(*b, kGridB, 2, gridsync::v1::SURVEY_OUTCOME_ANSWERED, 2, 4),
                 Survey(*b, kGridB, 3, gridsync::v1::SURVEY_OUTCOME_ANSWERED, 3, 5),
                 Survey(*b, kGridB, 4, gridsync::v1::SURVEY_OUTCOME_ANSWERED, 1, 0),
                 Survey(*b, kGridB, 5, gridsync::v1::SURVEY_OUTCOME_REFUSED, 0, 0)});
    std::vector<Mutation> asked_c;
    for (int i = 1; i <= 2; ++i) {
      asked_c.push_back(Survey(*c, kGridC, i, gridsync::v1::SURVEY_OUTCOME_ANSWERED, 3 + i, 2));
      gridsync::v1::SurveyOpinion o;
      o.set_topic(gridsync::v1::OPINION_TOPIC_FRAUD);
      o.set_text("老人接到诈骗电话");
      auto l = c->Begin(gridsync::v1::RECORD_KIND_SURVEY, asked_c.back().record_id(), kGridC);
      l.mutable_append_log()->set_log("opinions");
      l.mutable_append_log()->set_element_id(c->NewRecordId());
      l.mutable_append_log()->set_payload(o.SerializeAsString());
      asked_c.push_back(l);
    }
    PushAll(*c, asked_c);
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
  EXPECT_EQ(svgs, 6u);  // three rates, the patrol rate, 安全感率 and 满意率
  EXPECT_TRUE(absl::StrContains(html, "电信网络诈骗")) << html;
  EXPECT_TRUE(absl::StrContains(html, "平安夜巡")) << html;
  EXPECT_TRUE(absl::StrContains(html, "&lt;script&gt;邻里纠纷&lt;/script&gt;"));
  EXPECT_FALSE(absl::StrContains(html, "<script>"));
  EXPECT_TRUE(absl::StrContains(html, "已超期"));
  EXPECT_FALSE(absl::StrContains(html, "src=\"http"));  // self-contained
}

TEST_F(ReportTest, ThePatrolAndQuestionnaireSectionsPutTheLowestVillageFirst) {
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty});
  auto r = tools::BuildMonthlyReport(channel_, job, kCounty, month_);
  ASSERT_TRUE(r.ok()) << r.status();
  std::map<std::string, const tools::UnitRow*> by_code;
  for (const auto& v : r->villages) by_code[v.unit.code()] = &v;
  const auto& ab = *by_code.at(kVillageAB);
  const auto& c = *by_code.at("410185001202");
  const auto& d = *by_code.at("410185100201");
  EXPECT_EQ(ab.coverage.patrols().patrols(), 1);
  // The patrol counts for its week when the week began this month.
  const bool week_in_month = core::MonthOf(core::WeekStart(t_)) == core::MonthOf(t_);
  EXPECT_EQ(ab.coverage.patrols().weeks_patrolled(), week_in_month ? 1 : 0);
  EXPECT_DOUBLE_EQ(*ab.safety_rate, 0.75);
  EXPECT_DOUBLE_EQ(*ab.satisfaction_rate, 1.0 / 3);
  EXPECT_EQ(ab.coverage.surveys().refused(), 1);
  EXPECT_DOUBLE_EQ(*c.safety_rate, 0);
  EXPECT_DOUBLE_EQ(*c.satisfaction_rate, 1);
  EXPECT_FALSE(d.safety_rate.has_value());  // nobody asked: no rate, not 0%
  ASSERT_EQ(r->county.coverage.surveys().opinions_size(), 1);
  EXPECT_EQ(r->county.coverage.surveys().opinions(0).count(), 2);

  // Towns too: ABC (AB's 75% and C's 0% over 6 answers: 3/6) before D (none).
  std::map<std::string, const tools::UnitRow*> towns;
  for (const auto& t : r->towns) towns[t.unit.code()] = &t;
  EXPECT_DOUBLE_EQ(*towns.at(kTownABC)->safety_rate, 0.5);

  const std::string table = tools::RenderReportTable(*r);
  ASSERT_NE(table.find("乡镇 (安全感率低者在前)"), std::string::npos) << table;
  const size_t section = table.find("村 (安全感率低者在前)");
  ASSERT_NE(section, std::string::npos) << table;
  const std::string rest = table.substr(section);
  EXPECT_LT(rest.find(r->names.at("410185001202")), rest.find(r->names.at(kVillageAB))) << table;
  EXPECT_TRUE(absl::StrContains(table, "群众反映最多的问题: 电信网络诈骗 2")) << table;
  EXPECT_TRUE(absl::StrContains(table, "受访 6 人")) << table;

  // In the HTML, the 安全感率 chart lists C (0%) above AB (75%).
  const std::string html = tools::RenderReportHtml(*r);
  const size_t chart = html.find("安全感率 (低者在前)");
  ASSERT_NE(chart, std::string::npos);
  const size_t end = html.find("</svg>", chart);
  const std::string svg = html.substr(chart, end - chart);
  EXPECT_LT(svg.find(r->names.at("410185001202")), svg.find(r->names.at(kVillageAB))) << svg;
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
