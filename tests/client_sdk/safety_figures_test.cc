// 平安夜巡 and the 安全感/满意度 questionnaire (issue 15) in the figures: over
// a random history (patrols and questionnaires in four grids of three
// villages, some voided, some corrected later), the server's
// CoverageService equals a brute-force count of what was sent, for the
// county, a town, a village and a grid, this month and last, under two
// patrol policies; the village secretary's and the grid worker's phones
// give the same figures offline. Published questionnaire forms reach the
// phones and stay apart from the check policy.
#include <map>
#include <random>
#include <set>

#include "absl/time/civil_time.h"
#include "core/coverage.h"
#include "core/ids.h"
#include "tests/client_sdk/sdk_test.h"

namespace gridsync::testing {
namespace {

using gridsync::v1::Mutation;
constexpr int64_t kDay = core::kDayMs;

// What the test sent, as the test itself understands it.
struct SentPatrol {
  std::string grid;
  int64_t start = 0;
  bool voided = false;
  bool police = false;
};
struct SentSurvey {
  std::string household;
  int64_t at = 0;
  int outcome = 0, safety = 0, satisfaction = 0;
  std::vector<int> topics;
  bool voided = false;
};

bool Under(const std::string& code, const std::string& prefix) {
  return code.compare(0, prefix.size(), prefix) == 0;
}

double Ratio(int64_t n, int64_t d) { return d > 0 ? static_cast<double>(n) / d : 0; }

// 夜巡 by the default window: from 20:00 to 06:00 in Beijing.
bool AtNight(int64_t ms) {
  const int64_t hour = (ms + core::kChinaOffsetMs) / 3600000 % 24;
  return hour >= 20 || hour < 6;
}

// The official level (0 安全 ... 4 不清楚) of a stored answer, older scale
// included, and the default points of 满意 ... 不满意.
int Official(int answer) {
  static const std::map<int, int> kLevel = {{1, 0}, {2, 0}, {7, 1}, {3, 2}, {4, 2}, {5, 3}, {6, 4}};
  return kLevel.at(answer);
}
constexpr int kPoints[] = {100, 80, 40, 0};

// Mondays by the calendar (absl's weekday), not by core's arithmetic.
bool IsMonday(int64_t ms) {
  const absl::CivilDay d = absl::CivilDay(1970, 1, 1) + (ms + core::kChinaOffsetMs) / kDay;
  return absl::GetWeekday(d) == absl::Weekday::monday;
}

gridsync::v1::PatrolCoverage ExpectedPatrols(const std::vector<SentPatrol>& sent,
                                             const std::vector<std::string>& villages,
                                             const std::string& prefix, int per_week, int64_t from,
                                             int64_t to, int64_t now) {
  gridsync::v1::PatrolCoverage out;
  out.set_per_week(per_week);
  out.set_night_from_minute(20 * 60);
  out.set_night_to_minute(6 * 60);
  for (const auto& v : villages) {
    std::vector<const SentPatrol*> mine;
    for (const auto& p : sent) {
      if (!p.voided && Under(p.grid, prefix) && Under(p.grid, v)) mine.push_back(&p);
    }
    auto in = [&](int64_t a, int64_t b, bool night, bool police = false) {
      return std::count_if(mine.begin(), mine.end(), [&](const SentPatrol* p) {
        return p->start >= a && p->start < b && AtNight(p->start) == night &&
               (!police || p->police);
      });
    };
    auto* row = out.add_by_village();
    row->set_village_code(v);
    row->set_patrols(in(from, to, true));
    row->set_daytime(in(from, to, false));
    for (int64_t day = from; day < to; day += kDay) {
      if (!IsMonday(day)) continue;
      const int64_t end = std::min(day + 7 * kDay, now);
      const bool met = in(day, end, true) >= per_week;
      if (day + 7 * kDay > now && !met) continue;
      row->set_weeks(row->weeks() + 1);
      row->set_weeks_patrolled(row->weeks_patrolled() + (met ? 1 : 0));
      row->set_weeks_with_police(row->weeks_with_police() + (in(day, end, true, true) ? 1 : 0));
    }
    row->set_rate(Ratio(row->weeks_patrolled(), row->weeks()));
    out.set_patrols(out.patrols() + row->patrols());
    out.set_daytime(out.daytime() + row->daytime());
    out.set_weeks(out.weeks() + row->weeks());
    out.set_weeks_patrolled(out.weeks_patrolled() + row->weeks_patrolled());
    out.set_weeks_with_police(out.weeks_with_police() + row->weeks_with_police());
    out.set_villages(out.villages() + 1);
    if (row->weeks() > 0 && row->weeks() == row->weeks_patrolled())
      out.set_villages_every_week(out.villages_every_week() + 1);
  }
  out.set_rate(Ratio(out.weeks_patrolled(), out.weeks()));
  return out;
}

gridsync::v1::SurveyCoverage ExpectedSurveys(const std::vector<SentSurvey>& sent,
                                             const std::string& prefix, int64_t from, int64_t to) {
  gridsync::v1::SurveyCoverage out;
  std::vector<int64_t> safety(5), satisfaction(5);
  std::map<int, int64_t> topics;
  std::set<std::string> households;
  struct Grid {
    int64_t answered = 0, s = 0, st = 0, f = 0, ft = 0, scored = 0, points = 0;
  };
  std::map<std::string, Grid> grids, villages;
  Grid all;
  for (const auto& q : sent) {
    if (q.voided || !Under(q.household, prefix) || q.at < from || q.at >= to) continue;
    out.set_asked(out.asked() + 1);
    if (q.outcome == gridsync::v1::SURVEY_OUTCOME_REFUSED) out.set_refused(out.refused() + 1);
    if (q.outcome == gridsync::v1::SURVEY_OUTCOME_NOBODY_HOME)
      out.set_nobody_home(out.nobody_home() + 1);
    if (q.outcome != gridsync::v1::SURVEY_OUTCOME_ANSWERED) continue;
    households.insert(q.household);
    for (Grid* g :
         {&all, &grids[q.household.substr(0, 15)], &villages[q.household.substr(0, 12)]}) {
      ++g->answered;
      if (q.safety) ++g->s, g->st += Official(q.safety) <= 1;
      if (q.satisfaction) ++g->f, g->ft += Official(q.satisfaction) <= 1;
      if (q.satisfaction && Official(q.satisfaction) < 4) {
        ++g->scored;
        g->points += kPoints[Official(q.satisfaction)];
      }
    }
    if (q.safety) ++safety[Official(q.safety)];
    if (q.satisfaction) ++satisfaction[Official(q.satisfaction)];
    for (int t : q.topics) ++topics[t];
  }
  out.set_answered(all.answered);
  out.set_safety_answers(all.s);
  for (auto n : safety) out.add_safety_levels(n);
  out.set_safety_rate(Ratio(all.st, all.s));
  out.set_satisfaction_answers(all.f);
  for (auto n : satisfaction) out.add_satisfaction_levels(n);
  out.set_satisfaction_rate(Ratio(all.ft, all.f));
  out.set_satisfaction_scored(all.scored);
  out.set_satisfaction_score(Ratio(all.points, all.scored));
  std::vector<std::pair<int, int64_t>> ranked(topics.begin(), topics.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [t, n] : ranked) {
    auto* o = out.add_opinions();
    o->set_topic(static_cast<gridsync::v1::OpinionTopic>(t));
    o->set_count(n);
  }
  out.set_households(static_cast<int64_t>(households.size()));
  for (auto [by, rows] :
       {std::pair{&grids, out.mutable_by_grid()}, std::pair{&villages, out.mutable_by_village()}}) {
    for (const auto& [code, g] : *by) {
      auto* row = rows->Add();
      row->set_code(code);
      row->set_answered(g.answered);
      row->set_safety_rate(Ratio(g.st, g.s));
      row->set_satisfaction_rate(Ratio(g.ft, g.f));
      row->set_satisfaction_score(Ratio(g.points, g.scored));
    }
  }
  return out;
}

class SafetyFiguresTest : public SdkTest {
 protected:
  // A random history in `grid`, pushed by a raw phone with the times the
  // work was done, into `patrols` and `surveys`.
  void History(const std::string& grid, std::mt19937_64& rng, int64_t from, int64_t now,
               std::vector<SentPatrol>* patrols, std::vector<SentSurvey>* surveys) {
    auto worker = ServerTest::NewPhone(grid, gridsync::v1::ROLE_GRID_WORKER, "网格员");
    auto at = [&] {
      return from + static_cast<int64_t>(rng() % static_cast<uint64_t>(now - from));
    };
    std::vector<Mutation> ms;
    const int n = 4 + static_cast<int>(rng() % 14);
    for (int i = 0; i < n; ++i) {
      SentPatrol p{grid, at()};
      auto m = worker->Begin(gridsync::v1::RECORD_KIND_PATROL, worker->NewRecordId(), grid);
      m.mutable_create();
      tools::AddCreateField(&m, "started_at_ms", tools::IntValue(p.start));
      ms.push_back(m);
      if (rng() % 3 == 0) {  // a police officer went along (民警参与)
        gridsync::v1::PatrolMember member;
        member.set_name("民警小李");
        member.set_role(gridsync::v1::PATROL_ROLE_POLICE);
        auto l = worker->Begin(gridsync::v1::RECORD_KIND_PATROL, m.record_id(), grid);
        l.mutable_append_log()->set_log("members");
        l.mutable_append_log()->set_element_id(worker->NewRecordId());
        l.mutable_append_log()->set_payload(member.SerializeAsString());
        ms.push_back(l);
        p.police = true;
      }
      if (rng() % 8 == 0) {  // moved: the start was entered wrong
        p.start = at();
        auto s = worker->Begin(gridsync::v1::RECORD_KIND_PATROL, m.record_id(), grid);
        s.mutable_set_field()->set_field("started_at_ms");
        *s.mutable_set_field()->mutable_value() = tools::IntValue(p.start);
        ms.push_back(s);
      }
      if (rng() % 8 == 0) {
        auto v = worker->Begin(gridsync::v1::RECORD_KIND_PATROL, m.record_id(), grid);
        v.mutable_void_record()->set_reason("重复录入");
        ms.push_back(v);
        p.voided = true;
      }
      patrols->push_back(p);
    }
    for (int i = 0; i < 25; ++i) {
      SentSurvey q;
      q.household = Household(grid, 1 + static_cast<int>(rng() % 20));
      q.at = at();
      auto m = worker->Begin(gridsync::v1::RECORD_KIND_SURVEY, worker->NewRecordId(), grid);
      m.mutable_create()->set_subject_id(q.household);
      tools::AddCreateField(&m, "form_version", tools::StrValue("2026-Q4"));
      tools::AddCreateField(&m, "asked_at_ms", tools::IntValue(q.at));
      q.outcome = static_cast<int>(rng() % 5);  // 4: none recorded
      if (q.outcome >= 1 && q.outcome <= 3)
        tools::AddCreateField(&m, "outcome", tools::IntValue(q.outcome));
      else
        q.outcome = 0;
      q.safety = static_cast<int>(rng() % 8);  // both scales: 7 is 基本安全
      if (q.safety) tools::AddCreateField(&m, "safety", tools::IntValue(q.safety));
      q.satisfaction = static_cast<int>(rng() % 8);
      if (q.satisfaction)
        tools::AddCreateField(&m, "satisfaction", tools::IntValue(q.satisfaction));
      ms.push_back(m);
      for (int k = static_cast<int>(rng() % 3); k > 0; --k) {
        gridsync::v1::SurveyOpinion o;
        o.set_topic(static_cast<gridsync::v1::OpinionTopic>(1 + rng() % 4));
        o.set_text("路灯不亮，晚上不敢出门");
        q.topics.push_back(o.topic());
        auto l = worker->Begin(gridsync::v1::RECORD_KIND_SURVEY, m.record_id(), grid);
        l.mutable_append_log()->set_log("opinions");
        l.mutable_append_log()->set_element_id(worker->NewRecordId());
        l.mutable_append_log()->set_payload(o.SerializeAsString());
        ms.push_back(l);
      }
      if (rng() % 6 == 0) {  // the worker corrects a tap on the wrong level
        q.safety = 1 + static_cast<int>(rng() % 7);
        auto s = worker->Begin(gridsync::v1::RECORD_KIND_SURVEY, m.record_id(), grid);
        s.mutable_set_field()->set_field("safety");
        *s.mutable_set_field()->mutable_value() = tools::IntValue(q.safety);
        ms.push_back(s);
      }
      if (rng() % 10 == 0) {
        auto v = worker->Begin(gridsync::v1::RECORD_KIND_SURVEY, m.record_id(), grid);
        v.mutable_void_record()->set_reason("问错了户");
        ms.push_back(v);
        q.voided = true;
      }
      surveys->push_back(q);
    }
    auto r = worker->Push(ms);
    ASSERT_TRUE(r.ok()) << r.status();
    for (const auto& res : r->results()) ASSERT_EQ(res.code(), 0) << res.message();
  }

  std::vector<std::string> Villages() {
    gridsync::v1::ListScopeUnitsRequest req;
    req.set_scope_code(kCounty);
    req.set_level(gridsync::v1::ORG_LEVEL_VILLAGE);
    gridsync::v1::ListScopeUnitsResponse resp;
    auto ctx = tools::CallContext(admin_token_);
    EXPECT_TRUE(gridsync::v1::CoverageService::NewStub(channel_)
                    ->ListScopeUnits(ctx.get(), req, &resp)
                    .ok());
    std::vector<std::string> out;
    for (const auto& u : resp.org_units()) out.push_back(u.code());
    std::sort(out.begin(), out.end());
    return out;
  }

  void SetPatrolsPerWeek(int n) {
    auto policy = core::DefaultCheckPolicy();
    policy.set_patrols_per_week(n);
    SetCheckPolicy(policy);
  }
};

TEST_F(SafetyFiguresTest, ServerAndPhonesEqualABruteForceCount) {
  std::mt19937_64 rng(20261128);
  const int64_t now = core::SystemWallMs();
  const int32_t this_month = core::MonthOf(now);
  const int32_t last_month = this_month % 100 == 1 ? this_month - 89 : this_month - 1;
  const int64_t from = core::MonthRange(core::MonthName(last_month))->first - 7 * kDay;
  std::vector<SentPatrol> patrols;
  std::vector<SentSurvey> surveys;
  for (const char* grid : {kGridA, kGridB, kGridC, kGridD}) {
    History(grid, rng, from, now - 3600000, &patrols, &surveys);
  }
  const auto villages = Villages();
  ASSERT_GE(villages.size(), 3u);
  Phone secretary = NewReplica(gridsync::v1::ROLE_VILLAGE_SECRETARY, kVillageAB, "村书记");
  Phone worker = NewPhone(kGridA, "网格员甲");
  SyncOk(secretary);
  SyncOk(worker);
  struct {
    int64_t weeks_patrolled = 0, weeks_with_police = 0, daytime = 0;
  } counted;
  for (int per_week : {1, 2}) {
    if (per_week == 2) {
      SetPatrolsPerWeek(2);
      SyncOk(secretary);
      SyncOk(worker);
    }
    for (int32_t month : {last_month, this_month}) {
      const auto [mfrom, mto] = *core::MonthRange(core::MonthName(month));
      for (const std::string& scope : {std::string(kCounty), std::string("410185001000"),
                                       std::string(kVillageAB), std::string(kGridA)}) {
        SCOPED_TRACE(scope + " " + core::MonthName(month) + " per week " +
                     std::to_string(per_week));
        const std::string prefix = core::ScopePrefix(scope);
        std::vector<std::string> in_scope;
        for (const auto& v : villages) {
          if (Under(v, prefix.substr(0, core::kVillageCodeLen))) in_scope.push_back(v);
        }
        const auto c = ServerCoverage(scope, core::MonthName(month));
        const auto want_patrols =
            ExpectedPatrols(patrols, in_scope, prefix, per_week, mfrom, mto, core::SystemWallMs());
        EXPECT_EQ(c.patrols().DebugString(), want_patrols.DebugString());
        counted.weeks_patrolled += c.patrols().weeks_patrolled();
        counted.weeks_with_police += c.patrols().weeks_with_police();
        counted.daytime += c.patrols().daytime();
        EXPECT_EQ(c.surveys().DebugString(),
                  ExpectedSurveys(surveys, prefix, mfrom, mto).DebugString());
      }
      ExpectSameFigures(secretary, kVillageAB, core::MonthName(month));
      {
        // The grid worker's phone is not sent the questionnaires others
        // asked in its grid (core::SentToPhone; here all of them): its
        // figures are the server's but for those.
        auto phone = worker->GetCoverage(kGridA, core::MonthName(month));
        ASSERT_TRUE(phone.ok()) << phone.status();
        auto server = ServerCoverage(kGridA, core::MonthName(month));
        EXPECT_EQ(phone->surveys().asked(), 0);
        for (auto* c : {&*phone, &server}) {
          c->clear_as_of_ms();
          c->clear_surveys();
        }
        EXPECT_EQ(phone->DebugString(), server.DebugString());
      }
    }
  }
  // Something was counted, so the comparisons above could fail.
  EXPECT_GT(counted.weeks_patrolled, 0);
  EXPECT_GT(counted.weeks_with_police, 0);
  EXPECT_GT(counted.daytime, 0);
  const auto county = ServerCoverage(kCounty, core::MonthName(last_month));
  EXPECT_GT(county.surveys().satisfaction_scored(), 0);
  EXPECT_GT(county.surveys().answered(), 0);
  EXPECT_GT(county.surveys().opinions_size(), 0);
}

// The county's night window and 满意度 points are checked when set, and the
// figures say which window they were counted under.
TEST_F(SafetyFiguresTest, TheNightWindowAndPointsAreCheckedAndUsed) {
  auto coverage = gridsync::v1::CoverageService::NewStub(channel_);
  auto set = [&](const gridsync::v1::CheckPolicy& p) {
    gridsync::v1::SetCheckPolicyRequest req;
    *req.mutable_policy() = p;
    gridsync::v1::CheckPolicy out;
    auto ctx = tools::CallContext(admin_token_);
    return coverage->SetCheckPolicy(ctx.get(), req, &out);
  };
  auto policy = core::DefaultCheckPolicy();
  for (int points : {100, 90, 60}) policy.add_satisfaction_points(points);
  EXPECT_EQ(set(policy).error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // three, not four
  policy.add_satisfaction_points(101);
  EXPECT_EQ(set(policy).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  policy.set_satisfaction_points(3, 0);
  policy.set_night_from_minute(24 * 60);
  EXPECT_EQ(set(policy).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  policy.set_night_from_minute(18 * 60);  // 18:00 to midnight
  policy.set_night_to_minute(0);
  ASSERT_TRUE(set(policy).ok());
  gridsync::v1::GetCoverageRequest req;
  req.set_scope_code(kCounty);
  gridsync::v1::GetCoverageResponse c;
  auto ctx = tools::CallContext(admin_token_);
  ASSERT_TRUE(coverage->GetCoverage(ctx.get(), req, &c).ok());
  EXPECT_EQ(c.patrols().night_from_minute(), 18 * 60);
  EXPECT_EQ(c.patrols().night_to_minute(), 0);
}

TEST_F(SafetyFiguresTest, PublishedFormsReachThePhonesAndLeaveThePolicyAlone) {
  // A server whose clock stands still: both versions are published in the
  // same millisecond, and still have an order.
  const int64_t frozen = core::SystemWallMs();
  options_.wall_clock = [frozen] { return frozen; };
  RestartServer();
  auto coverage = gridsync::v1::CoverageService::NewStub(channel_);
  SetPatrolsPerWeek(3);
  auto publish = [&](const gridsync::v1::SurveyForm& f, const std::string& token) {
    gridsync::v1::PublishSurveyFormRequest req;
    *req.mutable_form() = f;
    gridsync::v1::SurveyForm out;
    auto ctx = tools::CallContext(token);
    return coverage->PublishSurveyForm(ctx.get(), req, &out);
  };
  gridsync::v1::SurveyForm q3;
  q3.set_version("2026-Q3");
  q3.set_title("登封市平安建设群众安全感和满意度调查");
  q3.set_safety_question("您觉得您所在的村（社区）安全吗？");
  q3.set_satisfaction_question("您对本地平安建设工作满意吗？");
  auto* extra = q3.add_questions();
  extra->set_id("q3");
  extra->set_text("您最担心的治安问题是？");
  extra->add_choices("盗窃");
  extra->add_choices("电信诈骗");
  ASSERT_TRUE(publish(q3, admin_token_).ok());
  gridsync::v1::SurveyForm q4 = q3;
  q4.set_version("2026-Q4");
  q4.mutable_questions(0)->add_choices("𠮷𡒄 (其他)");
  ASSERT_TRUE(publish(q4, admin_token_).ok());

  // Refusals, each with a clear status.
  EXPECT_EQ(publish(q4, admin_token_).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  const std::string worker_token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA}, "甲");
  EXPECT_EQ(publish(q4, worker_token).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  gridsync::v1::SurveyForm bad = q4;
  bad.set_version("2026 Q5");
  auto st = publish(bad, admin_token_);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("form.version"), std::string::npos) << st.error_message();
  bad = q4;
  bad.set_version("2026-Q5");
  *bad.add_questions() = q4.questions(0);
  st = publish(bad, admin_token_);
  EXPECT_NE(st.error_message().find("form.questions[1].id"), std::string::npos)
      << st.error_message();
  bad.clear_questions();
  bad.clear_safety_question();
  EXPECT_EQ(publish(bad, admin_token_).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  gridsync::v1::ListSurveyFormsResponse listed;
  {
    auto ctx = tools::CallContext(worker_token);
    ASSERT_TRUE(coverage->ListSurveyForms(ctx.get(), {}, &listed).ok());
  }
  ASSERT_EQ(listed.forms_size(), 2);
  EXPECT_EQ(listed.forms(0).version(), "2026-Q4");  // newest first
  EXPECT_GT(listed.forms(0).published_at_ms(), listed.forms(1).published_at_ms());

  // On the phone, before and after it reopens from its replica: the forms,
  // and the check policy the forms arrived after.
  Phone phone = NewPhone(kGridA, "网格员甲");
  SyncOk(phone);
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "synced" : "reopened");
    auto forms = phone->SurveyForms();
    ASSERT_TRUE(forms.ok()) << forms.status();
    ASSERT_EQ(forms->forms_size(), 2);
    ASSERT_EQ(forms->forms(0).version(), "2026-Q4");
    ASSERT_EQ(forms->forms(0).questions(0).choices_size(), 3);
    EXPECT_EQ(forms->forms(0).questions(0).choices(2), "𠮷𡒄 (其他)");
    auto c = phone->GetCoverage(kGridA);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->patrols().per_week(), 3);
    Reopen(phone);
  }
}

TEST_F(SafetyFiguresTest, AQuestionnaireIsValidatedFieldByField) {
  Phone a = NewPhone(kGridA, "网格员甲");
  const std::string household = Household(kGridA, 2);
  auto bad = [&](std::vector<sdk::Field> fields, const std::string& subject) {
    return a->Create(gridsync::v1::RECORD_KIND_SURVEY, kGridA, subject, std::move(fields)).status();
  };
  // No household; a form version with a space; a visit that is not a record
  // id; a level off the scale.
  EXPECT_EQ(bad({F("form_version", tools::StrValue("2026-Q4"))}, "").code(),
            absl::StatusCode::kInvalidArgument);
  auto st = bad({F("form_version", tools::StrValue("2026 Q4"))}, household);
  EXPECT_NE(st.message().find("form_version"), std::string::npos) << st;
  st = bad({F("visit_record_id", tools::StrValue("yesterday"))}, household);
  EXPECT_NE(st.message().find("visit_record_id"), std::string::npos) << st;
  st = bad({F("safety", tools::IntValue(8))}, household);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("SafetyAnswer"), std::string::npos) << st;
  // Answers and opinions need something in them.
  auto q = a->Create(gridsync::v1::RECORD_KIND_SURVEY, kGridA, household,
                     {F("form_version", tools::StrValue("2026-Q4")),
                      F("outcome", tools::IntValue(gridsync::v1::SURVEY_OUTCOME_ANSWERED)),
                      F("asked_at_ms", tools::IntValue(a->NowMs()))});
  ASSERT_TRUE(q.ok()) << q.status();
  gridsync::v1::SurveyAnswer empty_answer;
  empty_answer.set_question_id("q3");
  EXPECT_EQ(a->AppendLog(*q, "answers", empty_answer).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a->AppendLog(*q, "opinions", gridsync::v1::SurveyOpinion()).status().code(),
            absl::StatusCode::kInvalidArgument);
  gridsync::v1::SurveyAnswer answer;
  answer.set_question_id("q3");
  answer.set_choice(2);
  ASSERT_TRUE(a->AppendLog(*q, "answers", answer).ok());
  gridsync::v1::SurveyOpinion said;
  said.set_topic(gridsync::v1::OPINION_TOPIC_INFRASTRUCTURE);
  said.set_text("村口𠮷家巷缺路灯");
  ASSERT_TRUE(a->AppendLog(*q, "opinions", said).ok());
  SyncOk(a);
  auto rec = a->Get(*q);
  ASSERT_TRUE(rec.ok()) << rec.status();
  ASSERT_TRUE(rec->has_survey());
  EXPECT_EQ(rec->survey().safety(), gridsync::v1::SAFETY_ANSWER_UNSPECIFIED);  // never filled in
  EXPECT_EQ(rec->survey().opinions(0).text(), "村口𠮷家巷缺路灯");
  ExpectSameAsServer(a, *q);
  // Another village's worker does not get it.
  Phone c = NewPhone(kGridC, "外村网格员");
  SyncOk(c);
  EXPECT_EQ(c->Get(*q).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace gridsync::testing
