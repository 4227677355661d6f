// The monthly assessment report over a small county whose figures are
// known by construction: village AB (grids A, B) visited 30 of 40
// households, checked 20 of 40 persons, resolved both of its 2 cases;
// village C did nothing and has 1 case open past its deadline; village D
// visited 5 of 20 households. For the two rounds' sections: AB patrolled
// once (now) and 4 of its respondents gave 安全感 3 of 4 in the top two
// levels (满意 1 of 3), one refused; C's 2 respondents felt unsafe but were
// satisfied and both raised fraud; D asked nobody.
#include "tools/common/report.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "core/assessment.h"
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
    night_ = core::DayOf(t_) * core::kDayMs - core::kChinaOffsetMs + 1;  // 00:00:00.001
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
      // 回访: the first case's two parties, one of them satisfied.
      for (int party = 0; i == 0 && party < 2; ++party) {
        gridsync::v1::FollowUp f;
        f.set_at_ms(t_);
        f.set_party_name(party ? "李四" : "张三");
        f.set_satisfied(party == 0);
        auto l = a->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, k.record_id(), kGridA);
        l.mutable_append_log()->set_log("follow_ups");
        l.mutable_append_log()->set_element_id(a->NewRecordId());
        l.mutable_append_log()->set_payload(f.SerializeAsString());
        ms.push_back(l);
      }
    }
    PushAll(*a, ms);
    PushAll(*b, Visits(*b, kGridB, 10));
    // A night patrol (夜巡: 00:00 to 06:00 is night) with a police officer,
    // on the day of t_; and a daytime one that counts for nothing.
    auto patrol = b->Begin(gridsync::v1::RECORD_KIND_PATROL, b->NewRecordId(), kGridB);
    patrol.mutable_create();
    tools::AddCreateField(&patrol, "started_at_ms", tools::IntValue(night_));
    gridsync::v1::PatrolMember police;
    police.set_name("民警");
    police.set_role(gridsync::v1::PATROL_ROLE_POLICE);
    auto member = b->Begin(gridsync::v1::RECORD_KIND_PATROL, patrol.record_id(), kGridB);
    member.mutable_append_log()->set_log("members");
    member.mutable_append_log()->set_element_id(b->NewRecordId());
    member.mutable_append_log()->set_payload(police.SerializeAsString());
    PushAll(*b, {patrol, member, Survey(*b, kGridB, 1, gridsync::v1::SURVEY_OUTCOME_ANSWERED, 1, 1),
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

  int64_t t_ = 0, night_ = 0;
  std::string month_;
};

TEST_F(ReportTest, RanksVillagesAndTownsByTheAssessmentFigures) {
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty});
  auto r = tools::BuildMonthlyReport(channel_, job, kCounty, month_);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->villages.size(), 3u);
  EXPECT_EQ(r->villages[0].unit.code(), kVillageAB);
  EXPECT_EQ(r->villages[1].unit.code(), "410185100201");  // D: (0.25 + 0) / 2
  EXPECT_EQ(r->villages[2].unit.code(), "410185001202");  // C: all zero
  // 管控率 is (persons - overdue) / persons: the 20 checked and those never
  // checked but under the policy for less than an interval.
  auto check_rate = [](const tools::UnitRow& u) {
    const auto& k = u.coverage.checks();
    return static_cast<double>(k.persons() - k.overdue()) / static_cast<double>(k.persons());
  };
  const auto& ab = r->villages[0];
  // Household 20's person of each grid is a left-behind child: 关爱, not 管控.
  EXPECT_EQ(ab.coverage.checks().persons(), 38);
  EXPECT_GE(ab.coverage.checks().persons() - ab.coverage.checks().overdue(), 19);
  EXPECT_EQ(ab.coverage.care().persons(), 2);
  EXPECT_DOUBLE_EQ(*ab.figures.care_rate, 0.5);  // A's checked, B's overdue
  EXPECT_DOUBLE_EQ(*ab.figures.visit_rate, 0.75);
  EXPECT_DOUBLE_EQ(*ab.figures.check_rate, check_rate(ab));
  EXPECT_DOUBLE_EQ(*ab.figures.mediation_rate, 1.0);
  EXPECT_DOUBLE_EQ(*ab.figures.grassroots_rate, 1.0);
  EXPECT_EQ(ab.coverage.cases().follow_ups(), 2);
  EXPECT_DOUBLE_EQ(*ab.figures.follow_up_satisfaction_rate, 0.5);  // 回访满意率
  EXPECT_FALSE(r->villages[1].figures.follow_up_satisfaction_rate.has_value());
  EXPECT_DOUBLE_EQ(*ab.score, (0.75 + check_rate(ab) + 1) / 3);
  EXPECT_FALSE(r->villages[1].figures.grassroots_rate.has_value());  // no case: not counted
  EXPECT_DOUBLE_EQ(*r->villages[1].score, (0.25 + check_rate(r->villages[1])) / 2);
  EXPECT_EQ(r->villages[2].rank, 3);
  ASSERT_EQ(r->towns.size(), 2u);
  EXPECT_EQ(r->towns[0].unit.code(), kTownABC);
  EXPECT_DOUBLE_EQ(*r->towns[0].score, (0.5 + check_rate(r->towns[0]) + 2.0 / 3) / 3);
  EXPECT_EQ(r->overdue_total, 76 - 19);  // 4 grids x 19 supervised, 19 checked
  EXPECT_EQ(r->care_due_total, 4 - 1);   // 4 grids x 1 child, 1 checked
  for (const auto& p : r->care_due) EXPECT_TRUE(core::IsCareCategory(p.person().category()));
  for (const auto& p : r->overdue) EXPECT_FALSE(core::IsCareCategory(p.person().category()));
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
  EXPECT_EQ(svgs, 6u);  // three scored rates, the patrol rate, 安全感率 and 满意率
  EXPECT_TRUE(absl::StrContains(html, "电信网络诈骗")) << html;
  EXPECT_TRUE(absl::StrContains(html, "平安夜巡")) << html;
  EXPECT_TRUE(absl::StrContains(html, "未按期关爱的孤寡老人、留守儿童、残疾人 (3 人)")) << html;
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
  const bool week_in_month = core::MonthOf(core::WeekStart(night_)) == core::MonthOf(t_);
  EXPECT_EQ(ab.coverage.patrols().weeks_patrolled(), week_in_month ? 1 : 0);
  EXPECT_EQ(ab.coverage.patrols().weeks_with_police(), week_in_month ? 1 : 0);
  EXPECT_DOUBLE_EQ(*ab.figures.safety_rate, 0.75);
  EXPECT_DOUBLE_EQ(*ab.figures.satisfaction_rate, 1.0 / 3);
  EXPECT_EQ(ab.coverage.surveys().refused(), 1);
  EXPECT_DOUBLE_EQ(*c.figures.safety_rate, 0);
  EXPECT_DOUBLE_EQ(*c.figures.satisfaction_rate, 1);
  EXPECT_FALSE(d.figures.safety_rate.has_value());  // nobody asked: no rate, not 0%
  ASSERT_EQ(r->scope.coverage.surveys().opinions_size(), 1);
  EXPECT_EQ(r->scope.coverage.surveys().opinions(0).count(), 2);

  // Towns too: ABC (AB's 75% and C's 0% over 6 answers: 3/6) before D (none).
  std::map<std::string, const tools::UnitRow*> towns;
  for (const auto& t : r->towns) towns[t.unit.code()] = &t;
  EXPECT_DOUBLE_EQ(*towns.at(kTownABC)->figures.safety_rate, 0.5);

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

// The town's report as the office prints it: headless chromium prints the
// HTML to PDF on A4 in a few pages, with a Chinese font embedded (the text
// is drawn, not boxes).
TEST_F(ReportTest, ATownsReportPrintsOnAFewA4PagesInChinese) {
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty});
  auto r = tools::BuildMonthlyReport(channel_, job, kTownABC, month_);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string dir = dir_ + ".print";
  std::filesystem::create_directories(dir + "/profile");
  std::ofstream(dir + "/town.html") << tools::RenderReportHtml(*r);
  std::string out;
  ASSERT_EQ(
      RunCommand({"/usr/bin/timeout", "120", "/usr/bin/chromium", "--headless", "--no-sandbox",
                  "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--user-data-dir=" + dir + "/profile", "--no-pdf-header-footer",
                  "--print-to-pdf=" + dir + "/town.pdf", "file://" + dir + "/town.html"},
                 &out),
      0)
      << out;
  std::stringstream pdf;
  pdf << std::ifstream(dir + "/town.pdf", std::ios::binary).rdbuf();
  const std::string bytes = pdf.str();
  int pages = 0;
  for (size_t at = bytes.find("/Type /Page"); at != std::string::npos;
       at = bytes.find("/Type /Page", at + 1)) {
    if (bytes.compare(at, 12, "/Type /Pages") != 0) ++pages;
  }
  EXPECT_GE(pages, 1) << out;
  EXPECT_LE(pages, 4) << "a town's report prints on a few pages";
  const bool cjk_font = absl::StrContains(bytes, "WenQuanYi") || absl::StrContains(bytes, "CJK");
  EXPECT_TRUE(cjk_font) << "no Chinese font embedded: the text would print as boxes";
  std::filesystem::remove_all(dir);
}

// 年度累计: the mean of the year's monthly scores so far, each the score of
// the server's answer for that month.
// The console's report brought up to date after a new case, asking anew
// only the rows it touches, is the report built whole after it.
TEST_F(ReportTest, ARefreshAfterANewCaseEqualsTheReportBuiltAfterIt) {
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty});
  for (const char* scope : {kTownABC, kCounty}) {
    auto before = tools::BuildMonthlyReport(channel_, job, scope, month_);
    ASSERT_TRUE(before.ok()) << before.status();
    auto phone = NewPhone(kGridB);
    PushAll(*phone, {Case(*phone, kGridB, "新的纠纷", 0)});
    auto refreshed = tools::RefreshMonthlyReport(channel_, job, *before, {kGridB});
    auto built = tools::BuildMonthlyReport(channel_, job, scope, month_);
    ASSERT_TRUE(refreshed.ok() && built.ok()) << refreshed.status() << built.status();
    EXPECT_EQ(before->scope.coverage.cases().registered() + 1,
              built->scope.coverage.cases().registered());
    auto same = [](const tools::UnitRow& a, const tools::UnitRow& b) {
      return a.unit.code() == b.unit.code() && a.rank == b.rank && a.score == b.score &&
             a.last_month_score == b.last_month_score && a.year_score == b.year_score &&
             a.coverage.visits().SerializeAsString() == b.coverage.visits().SerializeAsString() &&
             a.coverage.cases().SerializeAsString() == b.coverage.cases().SerializeAsString();
    };
    EXPECT_TRUE(same(refreshed->scope, built->scope)) << scope;
    for (auto rows : {&tools::MonthlyReport::towns, &tools::MonthlyReport::villages}) {
      ASSERT_EQ(((*refreshed).*rows).size(), ((*built).*rows).size());
      for (size_t i = 0; i < ((*built).*rows).size(); ++i)
        EXPECT_TRUE(same(((*refreshed).*rows)[i], ((*built).*rows)[i])) << scope << " row " << i;
    }
    EXPECT_EQ(refreshed->open_total, built->open_total);
    EXPECT_EQ(refreshed->overdue_total, built->overdue_total);
  }
}

TEST_F(ReportTest, TheYearToDateIsTheMeanOfTheYearsMonthlyScores) {
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty});
  auto stub = gridsync::v1::CoverageService::NewStub(channel_);
  // A visit last month (when it is of this year): the year counts from
  // then, not from the empty months before the county began.
  std::vector<std::string> months = {month_};
  const std::string before = *tools::PreviousMonth(month_);
  if (before.substr(0, 4) == month_.substr(0, 4)) {
    auto phone = NewPhone(kGridD);
    auto m = Visit(*phone, kGridD, 7);
    tools::AddCreateField(&m, "visited_at_ms",
                          tools::IntValue(core::MonthRange(before)->first + core::kDayMs));
    PushAll(*phone, {m});
    months.insert(months.begin(), before);
  }
  auto r = tools::BuildMonthlyReport(channel_, job, kCounty, month_);
  ASSERT_TRUE(r.ok()) << r.status();
  for (const auto* row : {&r->scope, &r->villages[0]}) {
    double sum = 0;
    int n = 0;
    for (const auto& m : months) {
      gridsync::v1::GetCoverageRequest req;
      req.set_scope_code(row->unit.code());
      req.mutable_period()->set_month(m);
      gridsync::v1::GetCoverageResponse c;
      auto ctx = tools::CallContext(job);
      ASSERT_TRUE(stub->GetCoverage(ctx.get(), req, &c).ok());
      if (auto s = core::Score(core::FiguresOf(c), r->weights)) sum += *s, ++n;
    }
    EXPECT_EQ(row->year_months, n) << row->unit.code();
    ASSERT_TRUE(row->year_score.has_value());
    EXPECT_DOUBLE_EQ(*row->year_score, sum / n) << row->unit.code();
  }
  // In the HTML, the village table has the column and each row a cell for it.
  const std::string html = tools::RenderReportHtml(*r);
  EXPECT_TRUE(absl::StrContains(html, "<th>年度累计</th>")) << html;
  EXPECT_TRUE(absl::StrContains(
      html, absl::StrFormat("<td>%.1f</td></tr>", *r->villages[0].year_score * 100)))
      << html;
  // The terminal table has the column, and every row as many cells as the
  // header (each padded, so no row is longer than the widest possible).
  const std::string table = tools::RenderReportTable(*r);
  EXPECT_TRUE(absl::StrContains(table, "年累计")) << table;
  EXPECT_LT(table.size(), 20000u) << table;
  EXPECT_TRUE(tools::EarlierMonthsOfYear("2026-01").empty());
  EXPECT_EQ(tools::EarlierMonthsOfYear("2026-03"),
            (std::vector<std::string>{"2026-01", "2026-02"}));
}

// One definition: every figure the report shows for a village is the one
// the server answers the village's secretary with (and the phone computes
// with the same core functions, client_sdk tests' ExpectSameFigures).
TEST_F(ReportTest, EveryVillagesFiguresAreTheServersAnswerToItsSecretary) {
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty});
  auto r = tools::BuildMonthlyReport(channel_, job, kCounty, month_);
  ASSERT_TRUE(r.ok()) << r.status();
  auto stub = gridsync::v1::CoverageService::NewStub(channel_);
  for (const auto& v : r->villages) {
    const std::string secretary =
        Enroll(gridsync::v1::ROLE_VILLAGE_SECRETARY, {v.unit.code()}, "村书记");
    gridsync::v1::GetCoverageRequest req;
    req.set_scope_code(v.unit.code());
    req.mutable_period()->set_month(month_);
    gridsync::v1::GetCoverageResponse c;
    auto ctx = tools::CallContext(secretary);
    ASSERT_TRUE(stub->GetCoverage(ctx.get(), req, &c).ok());
    EXPECT_DOUBLE_EQ(v.figures.visit_rate.value_or(0), c.visits().rate()) << v.unit.code();
    EXPECT_DOUBLE_EQ(v.figures.check_rate.value_or(0), c.checks().rate()) << v.unit.code();
    EXPECT_DOUBLE_EQ(v.figures.grassroots_rate.value_or(0), c.cases().grassroots_rate());
    EXPECT_DOUBLE_EQ(v.figures.mediation_rate.value_or(0), c.cases().mediation_rate());
    EXPECT_DOUBLE_EQ(v.figures.follow_up_rate.value_or(0), c.cases().follow_up_rate());
    EXPECT_DOUBLE_EQ(v.figures.safety_rate.value_or(0), c.surveys().safety_rate());
    // 管控率 counts the persons not overdue: the row's own counts add up.
    EXPECT_EQ(v.coverage.checks().persons(), c.checks().persons());
    EXPECT_EQ(v.coverage.checks().overdue(), c.checks().overdue());
  }
}

// A case the village escalated (上交) is not the village's to credit, even
// once the level above closed it: 化解在基层率 counts it as not resolved,
// 调处率 leaves it out, and the report shows it in its own column.
TEST_F(ReportTest, AnEscalatedCaseIsNotCreditedToTheVillageEvenWhenClosedAbove) {
  auto d = NewPhone(kGridD);
  auto k = Case(*d, kGridD, "宅基地纠纷", 0);
  // Escalated (epoch 0 ends), then closed by the town in the next epoch.
  auto town = NewPhone("410185100000", gridsync::v1::ROLE_TOWN_OFFICE, "镇综治中心");
  for (auto stage : {gridsync::v1::CASE_STATUS_ESCALATED, gridsync::v1::CASE_STATUS_CLOSED}) {
    tools::Phone& by = stage == gridsync::v1::CASE_STATUS_CLOSED ? *town : *d;
    auto st = by.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, k.record_id(), kGridD);
    st.mutable_set_status()->set_status(stage);
    st.mutable_set_status()->set_epoch(stage == gridsync::v1::CASE_STATUS_CLOSED ? 1 : 0);
    PushAll(by, stage == gridsync::v1::CASE_STATUS_CLOSED ? std::vector<Mutation>{st}
                                                          : std::vector<Mutation>{k, st});
  }
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty});
  auto r = tools::BuildMonthlyReport(channel_, job, kCounty, month_);
  ASSERT_TRUE(r.ok()) << r.status();
  const tools::UnitRow* village_d = nullptr;
  for (const auto& v : r->villages) {
    if (v.unit.code() == "410185100201") village_d = &v;
  }
  ASSERT_NE(village_d, nullptr);
  EXPECT_EQ(village_d->coverage.cases().registered(), 1);
  EXPECT_EQ(village_d->coverage.cases().escalated(), 1);
  EXPECT_EQ(village_d->coverage.cases().resolved(), 0);
  EXPECT_DOUBLE_EQ(*village_d->figures.grassroots_rate, 0);
  EXPECT_FALSE(village_d->figures.mediation_rate.has_value());  // none kept
  const auto& checks = village_d->coverage.checks();
  EXPECT_DOUBLE_EQ(
      *village_d->score,
      (0.25 + static_cast<double>(checks.persons() - checks.overdue()) / checks.persons() + 0) / 3);
  EXPECT_TRUE(absl::StrContains(tools::RenderReportHtml(*r), "<th>上交</th>"));
  // The town that received it closed it: credited to the town (上交受理).
  const tools::UnitRow* town_d = nullptr;
  for (const auto& t : r->towns) {
    if (absl::StartsWith("410185100201", t.unit.code().substr(0, 9))) town_d = &t;
  }
  ASSERT_NE(town_d, nullptr);
  EXPECT_EQ(town_d->coverage.received().registered(), 1);
  EXPECT_EQ(town_d->coverage.received().resolved(), 1);
  EXPECT_EQ(town_d->coverage.received().open_now(), 0);
  EXPECT_EQ(town_d->coverage.cases().resolved(), 0);        // not the town's villages'
  EXPECT_EQ(r->scope.coverage.received().registered(), 0);  // nothing reached the county
  EXPECT_TRUE(absl::StrContains(tools::RenderReportHtml(*r), "上交受理"));
}

// A town's office reports on its own villages: ranked, the ones below 100%
// named, the last three called out, each against last month.
TEST_F(ReportTest, ATownsReportRanksItsVillagesAndNamesTheShortfalls) {
  const std::string office = Enroll(gridsync::v1::ROLE_TOWN_OFFICE, {kTownABC}, "综治中心");
  auto r = tools::BuildMonthlyReport(channel_, office, kTownABC, month_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->level, gridsync::v1::ORG_LEVEL_TOWN);
  EXPECT_TRUE(r->towns.empty());
  ASSERT_EQ(r->villages.size(), 2u);  // AB and C, not D of the other town
  EXPECT_EQ(r->villages[0].unit.code(), kVillageAB);
  // Last month the town recorded nothing (it had not begun): no score to
  // compare with, rather than one of an empty month.
  EXPECT_FALSE(r->villages[0].last_month_score.has_value());
  EXPECT_FALSE(r->scope.last_month_score.has_value());
  // Once it has work last month, 较上月 compares with it.
  const std::string before = *tools::PreviousMonth(month_);
  auto phone = NewPhone(kGridC);
  auto m = Visit(*phone, kGridC, 3);
  tools::AddCreateField(&m, "visited_at_ms",
                        tools::IntValue(core::MonthRange(before)->first + core::kDayMs));
  PushAll(*phone, {m});
  r = tools::BuildMonthlyReport(channel_, office, kTownABC, month_);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->villages[0].last_month_score.has_value());
  EXPECT_LT(*r->villages[0].last_month_score, *r->villages[0].score);
  const std::string table = tools::RenderReportTable(*r);
  EXPECT_TRUE(absl::StrContains(table, "全镇: 入户率 50.0% (30/60 户)")) << table;
  EXPECT_TRUE(absl::StrContains(table, "入户率未达100%: 2 个")) << table;
  EXPECT_TRUE(absl::StrContains(table, "后三名: 2. ")) << table;
  EXPECT_EQ(r->scope.coverage.visits().households(), 60);
  // A row per phone, named by its holder, fewest households first: two
  // phones of one name are two rows.
  for (int i = 0; i < 2; ++i) {
    auto twin = NewPhone(kGridC, gridsync::v1::ROLE_GRID_WORKER, "同名网格员");
    PushAll(*twin, {Visit(*twin, kGridC, 4 + i)});
  }
  r = tools::BuildMonthlyReport(channel_, office, kTownABC, month_);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto workers = tools::WorkerRows(*r);
  ASSERT_GE(workers.size(), 3u);
  EXPECT_EQ(workers[0].worker(), "同名网格员");
  EXPECT_EQ(workers[1].worker(), "同名网格员");
  EXPECT_NE(workers[0].device_id(), workers[1].device_id());
  EXPECT_EQ(workers[0].households_visited(), 1);
  EXPECT_LE(workers[1].households_visited(), workers[2].households_visited());
  for (const auto& w : workers) EXPECT_FALSE(w.device_id().empty()) << w.worker();
  const std::string html = tools::RenderReportHtml(*r);
  EXPECT_TRUE(absl::StrContains(html, workers[0].device_id()));
  EXPECT_TRUE(absl::StrContains(html, "网格员入户走访"));
  // The county's code is refused to a town office by the server itself.
  EXPECT_EQ(tools::BuildMonthlyReport(channel_, office, kCounty, month_).status().code(),
            absl::StatusCode::kPermissionDenied);
  // A village is no report's scope.
  EXPECT_EQ(tools::BuildMonthlyReport(channel_, office, kVillageAB, month_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReportWeightsTest, TheCountysWeightsFileSetsTheScore) {
  auto w = core::ParseWeights("# 2026年考核细则\n入户率 = 40\n管控率=30\nsafety = 30\n");
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(core::DescribeWeights(*w), "入户率 40%, 管控率 30%, 安全感率 30%");
  core::AssessmentFigures f;
  f.visit_rate = 1;
  f.check_rate = 0.5;
  f.grassroots_rate = 0;                                      // weighs 0 here
  EXPECT_DOUBLE_EQ(*core::Score(f, *w), (0.4 + 0.15) / 0.7);  // 安全感率 absent: not counted
  EXPECT_FALSE(core::ParseWeights("入户率 = lots").ok());
  EXPECT_FALSE(core::ParseWeights("考勤率 = 10").ok());
  EXPECT_FALSE(core::ParseWeights("入户率 = 0\n").ok());
  EXPECT_FALSE(core::Score(core::AssessmentFigures(), core::ScoreWeights()).has_value());
}

TEST_F(ReportTest, TheCommandWritesTheHtmlFileAndASecretaryCannotReportOnTheCounty) {
  const std::string dir = dir_ + ".report";
  std::filesystem::create_directories(dir);
  const std::string token_file = dir + "/admin.token";
  std::ofstream(token_file) << admin_token_ << "\n";
  std::string out;
  const std::string cmd = absl::StrCat("cd '", dir, "' && '", GRIDSYNCCTL_PATH, "' --server ",
                                       addr(), " --token-file admin.token report --scope ", kCounty,
                                       " --month ", month_, " --weights weights.txt");
  std::ofstream(dir + "/weights.txt") << "入户率 = 50\n管控率 = 25\n化解在基层率 = 25\n";
  ASSERT_EQ(RunCommand({"/bin/sh", "-c", cmd}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "村排名")) << out;
  EXPECT_TRUE(absl::StrContains(out, "综合得分权重: 入户率 50%, 管控率 25%, 化解在基层率 25%"))
      << out;
  const std::string file = absl::StrCat(dir, "/report-", kCounty, "-", month_, ".html");
  ASSERT_TRUE(std::filesystem::exists(file)) << out;
  std::stringstream html;
  html << std::ifstream(file).rdbuf();
  EXPECT_TRUE(absl::StrContains(html.str(), "</svg>"));

  // The spreadsheet beside it, opened by another program (openpyxl): a
  // sheet per table, and AB's row holds the report's figures as numbers.
  const std::string xlsx = absl::StrCat(dir, "/report-", kCounty, "-", month_, ".xlsx");
  std::string cells;
  ASSERT_EQ(RunCommand({"/usr/bin/python3", READ_XLSX_PATH, xlsx}, &cells), 0) << cells;
  EXPECT_TRUE(absl::StrContains(cells,
                                "SHEETS\t汇总\t乡镇排名\t村排名\t未达标\t逾期未管控\t未按期关爱\t未"
                                "结纠纷\t上交受理\t督办任务\t网格员\n"))
      << cells;
  std::map<std::pair<std::string, int>, std::vector<std::string>> rows;  // (sheet, row) -> cells
  for (absl::string_view line : absl::StrSplit(cells, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() != 4 || f[0] == "SHEETS") continue;
    auto& row = rows[{f[0], std::stoi(f[1])}];
    row.resize(std::max<size_t>(row.size(), std::stoul(f[2])));
    row[std::stoul(f[2]) - 1] = f[3];
  }
  EXPECT_TRUE(absl::StrContains(rows[{"汇总", 1}].at(0), "月度考核"));
  bool found = false;
  for (const auto& [key, row] : rows) {
    if (key.first != "村排名" || row.size() < 9 || row[1] != kVillageAB) continue;
    found = true;
    EXPECT_EQ(row[3], "40");    // households
    EXPECT_EQ(row[5], "0.75");  // 入户率, a number formatted as a percentage
    EXPECT_EQ(row[0], "1");     // ranked first
  }
  EXPECT_TRUE(found) << cells;
  std::ofstream(dir + "/broken.xlsx") << "not a zip";
  EXPECT_NE(RunCommand({"/usr/bin/python3", READ_XLSX_PATH, dir + "/broken.xlsx"}, &cells), 0);
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
