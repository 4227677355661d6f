#include "core/coverage.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "core/assessment.h"
#include "core/hlc.h"
#include "core/merge.h"
#include "core/record_limits.h"
#include "gtest/gtest.h"
#include "tests/core/test_mutations.h"

namespace gridsync::core {
namespace {
using gridsync::v1::Mutation;
using gridsync::v1::RecordState;

TEST(Coverage, MonthsAreInChinaTime) {
  auto nov = MonthRange("2026-11");
  ASSERT_TRUE(nov.ok());
  // 2026-11-01 00:00 in Beijing is 2026-10-31 16:00 UTC.
  EXPECT_EQ(nov->first, 1793462400000);
  EXPECT_EQ(MonthOf(nov->first), 202611);
  EXPECT_EQ(MonthOf(nov->first - 1), 202610);
  EXPECT_EQ(MonthOf(nov->second - 1), 202611);
  EXPECT_EQ(MonthOf(nov->second), 202612);
  EXPECT_EQ(nov->second - nov->first, 30 * kDayMs);
  EXPECT_EQ(MonthName(202612), "2026-12");
  auto dec = MonthRange("2026-12");
  EXPECT_EQ(dec->first, nov->second);
  EXPECT_FALSE(MonthRange("2026-13").ok());
  EXPECT_FALSE(MonthRange("26-11").ok());
  EXPECT_EQ(DayOf(nov->first) + 1, DayOf(nov->first + kDayMs));
}

TEST(Coverage, PolicyRowsHoldUpToTheNextRiskLevel) {
  const auto p = DefaultCheckPolicy();
  using gridsync::v1::PERSON_CATEGORY_SEVERE_MENTAL_DISORDER;
  EXPECT_EQ(RequiredIntervalDays(p, PERSON_CATEGORY_SEVERE_MENTAL_DISORDER, 0), 90);
  EXPECT_EQ(RequiredIntervalDays(p, PERSON_CATEGORY_SEVERE_MENTAL_DISORDER, 2), 14);
  EXPECT_EQ(RequiredIntervalDays(p, PERSON_CATEGORY_SEVERE_MENTAL_DISORDER, 5), 7);
  EXPECT_EQ(RequiredIntervalDays(p, gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS, 1), 30);
  // 社区矫正 on its own scale: 普管 monthly, 严管 weekly.
  EXPECT_EQ(RequiredIntervalDays(p, gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS, 2), 7);
  EXPECT_EQ(RequiredIntervalDays(p, gridsync::v1::PERSON_CATEGORY_UNSPECIFIED, 1), 30);
}

gridsync::v1::Mutation Visit(int64_t at_ms, bool nobody_home) {
  auto m = testing::CaseMutation("dev-a", 1, at_ms, "01JDQ3ZV0000000000000000VV");
  m.set_kind(gridsync::v1::RECORD_KIND_VISIT);
  m.mutable_create()->set_subject_id(testing::kTestHousehold);
  auto* f = m.mutable_create()->add_fields();
  f->set_field("visited_at_ms");
  f->mutable_value()->set_int_value(at_ms - 40 * kDayMs);  // recorded late
  f = m.mutable_create()->add_fields();
  f->set_field("nobody_home");
  f->mutable_value()->set_bool_value(nobody_home);
  return m;
}

TEST(Coverage, AVisitCountsOnItsOwnDateUnlessNobodyWasHomeOrItIsVoided) {
  const int64_t now = 1793462400000;
  RecordState s;
  Apply(&s, Visit(now, false));
  auto marks = MarksOf(s);
  ASSERT_TRUE(marks.visit.has_value());
  EXPECT_EQ(marks.visit->household_id, testing::kTestHousehold);
  EXPECT_EQ(marks.visit->worker, WorkerKey("dev-a", "worker dev-a"));  // per phone, named
  EXPECT_EQ(MonthOf(marks.visit->at_ms), MonthOf(now - 40 * kDayMs));

  RecordState away;
  Apply(&away, Visit(now, true));
  EXPECT_TRUE(MarksOf(away).empty());

  auto v = testing::CaseMutation("dev-a", 2, now + 1, "01JDQ3ZV0000000000000000VV");
  v.set_kind(gridsync::v1::RECORD_KIND_VISIT);
  v.mutable_void_record()->set_reason("wrong household");
  Apply(&s, v);
  EXPECT_TRUE(MarksOf(s).empty());
}

TEST(Coverage, ACaseIsFollowedUpWhenEveryPartyWas) {
  const int64_t now = 1793462400000;
  RecordState s;
  auto c = testing::CaseMutation("dev-a", 1, now);
  c.mutable_create()->set_subject_id(testing::kTestHousehold);
  Apply(&s, c);
  uint64_t seq = 1;
  auto log = [&](const char* name, const google::protobuf::Message& payload) {
    ++seq;
    auto m = testing::CaseMutation("dev-a", seq, now + static_cast<int64_t>(seq));
    m.mutable_append_log()->set_log(name);
    m.mutable_append_log()->set_element_id("e" + std::to_string(seq));
    m.mutable_append_log()->set_payload(payload.SerializeAsString());
    Apply(&s, m);
  };
  gridsync::v1::Party p;
  p.set_name("王家");
  log("parties", p);
  p.set_name("张家");
  log("parties", p);
  gridsync::v1::FollowUp f;
  f.set_party_name("王家");
  log("follow_ups", f);
  ASSERT_TRUE(MarksOf(s).dispute.has_value());
  EXPECT_FALSE(MarksOf(s).dispute->followed_up_both);
  EXPECT_EQ(MarksOf(s).dispute->status, gridsync::v1::CASE_STATUS_REGISTERED);
  f.set_party_name("张家");
  log("follow_ups", f);
  EXPECT_TRUE(MarksOf(s).dispute->followed_up_both);
}

// A case's status at a past time comes from when each stage was reached:
// concurrent writers keep the earliest time, a reopen starts a new epoch,
// and a case stored before history was kept answers its current status.
TEST(Coverage, ACasesStatusAtAPastTimeIsTheOneReachedByThen) {
  const int64_t t0 = 1793462400000;
  RecordState s;
  Apply(&s, testing::CaseMutation("dev-a", 1, t0));
  auto status = [](const char* dev, uint64_t seq, int64_t at, gridsync::v1::CaseStatus st,
                   uint32_t epoch) {
    auto m = testing::CaseMutation(dev, seq, at);
    m.mutable_set_status()->set_status(st);
    m.mutable_set_status()->set_epoch(epoch);
    return m;
  };
  Apply(&s, status("dev-a", 2, t0 + 5 * kDayMs, gridsync::v1::CASE_STATUS_MEDIATING, 0));
  // Two phones resolved it; the one that did so first sets the time.
  RecordState other = s;
  Apply(&s, status("dev-a", 3, t0 + 9 * kDayMs, gridsync::v1::CASE_STATUS_RESOLVED, 0));
  Apply(&other, status("dev-b", 1, t0 + 8 * kDayMs, gridsync::v1::CASE_STATUS_RESOLVED, 0));
  Join(&s, other);
  auto reopen = testing::CaseMutation("dev-b", 2, t0 + 20 * kDayMs);
  reopen.mutable_reopen()->set_seen_status(gridsync::v1::CASE_STATUS_RESOLVED);
  reopen.mutable_reopen()->set_to_status(gridsync::v1::CASE_STATUS_MEDIATING);
  Apply(&s, reopen);

  const auto& h = s.status().history();
  EXPECT_EQ(StatusAt(h, {}, t0 - 1), gridsync::v1::CASE_STATUS_REGISTERED);  // registered on paper
  EXPECT_EQ(StatusAt(h, {}, t0 + 1), gridsync::v1::CASE_STATUS_REGISTERED);
  EXPECT_EQ(StatusAt(h, {}, t0 + 5 * kDayMs), gridsync::v1::CASE_STATUS_REGISTERED);  // not yet
  EXPECT_EQ(StatusAt(h, {}, t0 + 5 * kDayMs + 1), gridsync::v1::CASE_STATUS_MEDIATING);
  EXPECT_EQ(StatusAt(h, {}, t0 + 8 * kDayMs + 1), gridsync::v1::CASE_STATUS_RESOLVED);
  EXPECT_EQ(StatusAt(h, {}, t0 + 20 * kDayMs), gridsync::v1::CASE_STATUS_RESOLVED);
  EXPECT_EQ(StatusAt(h, {}, t0 + 20 * kDayMs + 1), gridsync::v1::CASE_STATUS_MEDIATING);
  EXPECT_EQ(StatusAt(h, {}, t0 + 400 * kDayMs), DisplayStatus(s.status()));

  // The summary coverage keeps answers the same, and only once the period
  // has ended: while it runs the status is the current one.
  const auto summary = CaseSummaryOf(*MarksOf(s).dispute, s.record_id());
  EXPECT_EQ(CaseStatusAsOf(summary, {t0 + 10 * kDayMs, true}), gridsync::v1::CASE_STATUS_RESOLVED);
  EXPECT_EQ(CaseStatusAsOf(summary, {t0 + 10 * kDayMs, false}),
            gridsync::v1::CASE_STATUS_MEDIATING);

  RecordState legacy = s;
  legacy.mutable_status()->clear_history();
  EXPECT_EQ(StatusAt(legacy.status().history(), DisplayStatus(legacy.status()), t0),
            gridsync::v1::CASE_STATUS_MEDIATING);
}

// The figures of a period count a case at its status then: 调处率 over the
// cases not escalated, 回访率 over the resolved only (never above 1).
TEST(Coverage, CaseFiguresAtTheirEdges) {
  const int64_t end = 1793462400000;
  auto summary = [&](gridsync::v1::CaseStatus now, std::vector<std::pair<int, int64_t>> steps,
                     bool both) {
    gridsync::v1::CaseSummary c;
    c.set_status(now);
    c.set_registered_at_ms(end - 20 * kDayMs);
    c.set_followed_up_both(both);
    auto* r = c.add_history();
    r->set_stage(gridsync::v1::CASE_STATUS_REGISTERED);
    r->set_at_ms(end - 20 * kDayMs);
    for (auto [stage, at] : steps) {
      r = c.add_history();
      r->set_stage(static_cast<gridsync::v1::CaseStatus>(stage));
      r->set_at_ms(at);
    }
    return c;
  };
  gridsync::v1::GetCoverageResponse cov;
  auto* cases = cov.mutable_cases();
  const AsOf as_of{end, true};
  // Resolved a millisecond before the end, and followed up.
  CountRegisteredCase(summary(gridsync::v1::CASE_STATUS_FOLLOWED_UP,
                              {{gridsync::v1::CASE_STATUS_RESOLVED, end - 1},
                               {gridsync::v1::CASE_STATUS_FOLLOWED_UP, end + kDayMs}},
                              true),
                      as_of, cases);
  // Resolved exactly at the end, the first millisecond of the next period:
  // open in this one.
  CountRegisteredCase(summary(gridsync::v1::CASE_STATUS_RESOLVED,
                              {{gridsync::v1::CASE_STATUS_RESOLVED, end}}, false),
                      as_of, cases);
  // Escalated with both parties followed up: not in 回访率 at all.
  CountRegisteredCase(summary(gridsync::v1::CASE_STATUS_ESCALATED,
                              {{gridsync::v1::CASE_STATUS_ESCALATED, end - 9}}, true),
                      as_of, cases);
  // Resolved after the end: open then, past its deadline.
  auto late = summary(gridsync::v1::CASE_STATUS_RESOLVED,
                      {{gridsync::v1::CASE_STATUS_RESOLVED, end + 1}}, false);
  late.set_deadline_ms(end - 1);
  CountRegisteredCase(late, as_of, cases);
  EXPECT_TRUE(CountOpenCase(late, gridsync::v1::CASE_LEVEL_VILLAGE, as_of, cases));
  EXPECT_FALSE(CountOpenCase(late, gridsync::v1::CASE_LEVEL_VILLAGE, {end + 2, true}, cases));
  SetRates(&cov);
  EXPECT_EQ(cases->registered(), 4);
  EXPECT_EQ(cases->resolved(), 1);
  EXPECT_EQ(cases->escalated(), 1);
  EXPECT_EQ(cases->open(), 2);
  EXPECT_EQ(cases->followed_up_both(), 1);
  EXPECT_EQ(cases->open_now(), 1);
  EXPECT_EQ(cases->open_past_deadline(), 1);
  EXPECT_DOUBLE_EQ(cases->mediation_rate(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(cases->follow_up_rate(), 1.0);
}

// 积案: a case the level held open past the backlog age at some time in the
// period; cleared when the level resolved it by the end, open when it
// still holds it; one escalated is the village's, not cleared, and the
// town's from when it reached it.
TEST(Coverage, ABacklogCaseIsOneHeldOpenPastItsAgeInThePeriod) {
  using gridsync::v1::CaseStatus;
  const auto nov = *MonthRange("2026-11");
  const int64_t from = nov.first, to = nov.second;
  gridsync::v1::CheckPolicy policy;
  EXPECT_EQ(BacklogDays(policy), 90);  // the default
  policy.set_backlog_days(30);
  const int64_t age = BacklogAgeMs(policy);
  ASSERT_EQ(age, 30 * kDayMs);
  struct Step {
    uint32_t epoch;
    CaseStatus stage;
    int64_t at;
  };
  auto summary = [](int64_t registered, std::vector<Step> steps) {
    gridsync::v1::CaseSummary c;
    c.set_registered_at_ms(registered);
    steps.insert(steps.begin(), {0, gridsync::v1::CASE_STATUS_REGISTERED, registered});
    std::sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
      return std::tie(a.epoch, a.stage) < std::tie(b.epoch, b.stage);
    });
    for (const Step& s : steps) {
      auto* h = c.add_history();
      h->set_epoch(s.epoch);
      h->set_stage(s.stage);
      h->set_at_ms(s.at);
    }
    return c;
  };
  const int64_t old = from - 40 * kDayMs;
  const auto open = summary(old, {});
  const auto cleared = summary(old, {{0, gridsync::v1::CASE_STATUS_RESOLVED, from + 5 * kDayMs}});
  const auto before = summary(old, {{0, gridsync::v1::CASE_STATUS_RESOLVED, from - 1}});
  // Past the age at the end (seen as of it, by a millisecond), and just not.
  const auto last_ms = summary(to - age - 1, {});
  const auto too_young = summary(to - age, {});
  // Resolved before it was old, though within the period.
  const auto young = summary(from, {{0, gridsync::v1::CASE_STATUS_RESOLVED, from + kDayMs}});
  const int64_t up = from + 3 * kDayMs;
  const auto escalated = summary(old, {{0, gridsync::v1::CASE_STATUS_ESCALATED, up},
                                       {1, gridsync::v1::CASE_STATUS_REGISTERED, up}});
  const AsOf end{to, true};
  gridsync::v1::CaseCoverage village, town;
  for (const auto* c : {&open, &cleared, &before, &last_ms, &too_young, &young, &escalated}) {
    CountBacklogCase(*c, gridsync::v1::CASE_LEVEL_VILLAGE, from, end, age, &village);
    CountBacklogCase(*c, gridsync::v1::CASE_LEVEL_TOWN, from, end, age, &town);
  }
  EXPECT_EQ(village.backlog(), 4);  // open, cleared, last_ms, escalated
  EXPECT_EQ(village.backlog_cleared(), 1);
  EXPECT_EQ(village.backlog_open(), 2);  // open, last_ms
  EXPECT_EQ(town.backlog(), 1);          // escalated, the town's since `up`
  EXPECT_EQ(town.backlog_open(), 1);
  EXPECT_EQ(town.backlog_cleared(), 0);
  // The lists mark what backlog_open counts.
  EXPECT_TRUE(IsBacklog(open, gridsync::v1::CASE_LEVEL_VILLAGE, end, age));
  EXPECT_TRUE(IsBacklog(last_ms, gridsync::v1::CASE_LEVEL_VILLAGE, end, age));
  EXPECT_FALSE(IsBacklog(too_young, gridsync::v1::CASE_LEVEL_VILLAGE, end, age));
  EXPECT_FALSE(IsBacklog(escalated, gridsync::v1::CASE_LEVEL_VILLAGE, end, age));
  EXPECT_TRUE(IsBacklog(escalated, gridsync::v1::CASE_LEVEL_TOWN, end, age));
  // 积案化解率 as the assessment defines it.
  gridsync::v1::GetCoverageResponse cov;
  *cov.mutable_cases() = village;
  SetRates(&cov);
  EXPECT_DOUBLE_EQ(cov.cases().backlog_clearance_rate(), 0.25);
  EXPECT_DOUBLE_EQ(*FiguresOf(cov).backlog_clearance_rate, 0.25);
  // What an export keeps to count them in SQL.
  EXPECT_EQ(ClosedAt(open, gridsync::v1::CASE_LEVEL_VILLAGE).at_ms, 0);
  const LevelClosed c = ClosedAt(cleared, gridsync::v1::CASE_LEVEL_VILLAGE);
  EXPECT_EQ(c.at_ms, from + 5 * kDayMs);
  EXPECT_TRUE(c.resolved);
  const LevelClosed e = ClosedAt(escalated, gridsync::v1::CASE_LEVEL_VILLAGE);
  EXPECT_EQ(e.at_ms, up);
  EXPECT_FALSE(e.resolved);
  EXPECT_EQ(ClosedAt(escalated, gridsync::v1::CASE_LEVEL_TOWN).at_ms, 0);  // open there
  const auto at_once = summary(old, {{0, gridsync::v1::CASE_STATUS_RESOLVED, old}});
  EXPECT_EQ(ClosedAt(at_once, gridsync::v1::CASE_LEVEL_VILLAGE).at_ms, old);
}

// 管控率's edges: in interval to the millisecond, days overdue counted up,
// and a person never checked due one interval after coming under the policy.
TEST(Coverage, APersonIsDueOneIntervalAfterTheLastCheckOrTheStartOfSupervision) {
  const auto policy = DefaultCheckPolicy();
  const int64_t as_of = 1793462400000;
  gridsync::v1::SupervisedPerson p;
  p.set_person_id("410185001201001000101");
  p.set_category(gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS);
  p.set_risk_level(1);  // 30 days
  p.set_supervised_since_ms(as_of - 100 * kDayMs);
  CheckMark last{.person_id = p.person_id(), .at_ms = as_of - 30 * kDayMs};

  auto d = EvaluatePerson(p, &last, policy, as_of);
  EXPECT_TRUE(d.in_interval);  // exactly 30 x 24 h
  EXPECT_FALSE(d.overdue);
  last.at_ms -= 1;
  d = EvaluatePerson(p, &last, policy, as_of);
  EXPECT_TRUE(d.overdue);  // a millisecond late
  EXPECT_EQ(d.row.days_overdue(), 1);
  last.at_ms = as_of - 30 * kDayMs - kDayMs / 2;  // 30.5 days on a 30-day interval
  EXPECT_EQ(EvaluatePerson(p, &last, policy, as_of).row.days_overdue(), 1);
  last.at_ms = as_of - 32 * kDayMs;
  EXPECT_EQ(EvaluatePerson(p, &last, policy, as_of).row.days_overdue(), 2);
  // A risk level observed at the check overrides the registry's: 7 days.
  last.at_ms = as_of - 8 * kDayMs;
  last.risk_level = 3;
  d = EvaluatePerson(p, &last, policy, as_of);
  EXPECT_EQ(d.row.interval_days(), 7);
  EXPECT_EQ(d.row.days_overdue(), 1);
  EXPECT_EQ(d.row.risk_level(), 3);

  // Never checked: overdue from one interval after the start, not 0 days.
  d = EvaluatePerson(p, nullptr, policy, as_of);
  EXPECT_TRUE(d.overdue);
  EXPECT_TRUE(d.row.never_checked());
  EXPECT_EQ(d.row.days_overdue(), 70);
  EXPECT_TRUE(d.NeedsAttention());
  p.set_supervised_since_ms(as_of - 30 * kDayMs);
  d = EvaluatePerson(p, nullptr, policy, as_of);
  EXPECT_TRUE(d.not_yet_due);
  EXPECT_FALSE(d.overdue);
  EXPECT_TRUE(d.NeedsAttention());  // still on the list: a first check is due
  // Under supervision only from as_of on: not counted.
  p.set_supervised_since_ms(as_of);
  d = EvaluatePerson(p, nullptr, policy, as_of);
  EXPECT_FALSE(d.under_policy);
  EXPECT_FALSE(d.NeedsAttention());

  gridsync::v1::GetCoverageResponse cov;
  p.set_supervised_since_ms(as_of - 10 * kDayMs);
  CountPerson(EvaluatePerson(p, nullptr, policy, as_of), &cov);  // not yet due
  last = {.person_id = p.person_id(), .at_ms = as_of - 31 * kDayMs, .absent = true};
  CountPerson(EvaluatePerson(p, &last, policy, as_of), &cov);  // overdue
  last.at_ms = as_of - kDayMs;
  last.absent = false;
  CountPerson(EvaluatePerson(p, &last, policy, as_of), &cov);  // in interval
  p.set_supervised_since_ms(as_of + 1);
  CountPerson(EvaluatePerson(p, nullptr, policy, as_of), &cov);  // not yet
  SetRates(&cov);
  EXPECT_EQ(cov.checks().persons(), 3);
  EXPECT_EQ(cov.checks().checked_in_interval(), 1);
  EXPECT_EQ(cov.checks().not_yet_due(), 1);
  EXPECT_EQ(cov.checks().overdue(), 1);
  EXPECT_EQ(cov.checks().never_checked(), 1);
  EXPECT_EQ(cov.checks().absent_or_out_of_contact(), 1);
  EXPECT_DOUBLE_EQ(cov.checks().rate(), 2.0 / 3);
  EXPECT_EQ(cov.care().persons(), 0);
}

// 关爱 apart from 管控: a left-behind child's overdue visit lowers 关爱率, not
// 管控率, and is on the care list, not the supervised one.
TEST(Coverage, CareGroupsAreCountedApartFromTheSupervised) {
  const auto policy = DefaultCheckPolicy();
  const int64_t as_of = 1793462400000;
  gridsync::v1::GetCoverageResponse cov;
  auto person = [&](gridsync::v1::PersonCategory category, int64_t last_check_days_ago) {
    gridsync::v1::SupervisedPerson p;
    p.set_person_id(absl::StrCat("41018500120100100010", static_cast<int>(category)));
    p.set_category(category);
    p.set_supervised_since_ms(as_of - 400 * kDayMs);
    CheckMark last{.person_id = p.person_id(), .at_ms = as_of - last_check_days_ago * kDayMs};
    return EvaluatePerson(p, &last, policy, as_of);
  };
  CountPerson(person(gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS, 1), &cov);
  CountPerson(person(gridsync::v1::PERSON_CATEGORY_FLOATING_POPULATION, 2), &cov);
  const PersonDue child = person(gridsync::v1::PERSON_CATEGORY_LEFT_BEHIND_CHILD, 45);
  CountPerson(child, &cov);
  CountPerson(person(gridsync::v1::PERSON_CATEGORY_ELDERLY_ALONE, 3), &cov);
  SetRates(&cov);
  EXPECT_EQ(cov.checks().persons(), 2);
  EXPECT_DOUBLE_EQ(cov.checks().rate(), 1.0);
  EXPECT_EQ(cov.care().persons(), 2);
  EXPECT_EQ(cov.care().overdue(), 1);
  EXPECT_DOUBLE_EQ(cov.care().rate(), 0.5);
  EXPECT_DOUBLE_EQ(*FiguresOf(cov).care_rate, 0.5);
  EXPECT_DOUBLE_EQ(*FiguresOf(cov).check_rate, 1.0);
  EXPECT_TRUE(InGroup(child.row.person().category(), gridsync::v1::PERSON_GROUP_CARE));
  EXPECT_FALSE(InGroup(child.row.person().category(), gridsync::v1::PERSON_GROUP_SUPERVISED));
  EXPECT_TRUE(InGroup(child.row.person().category(), gridsync::v1::PERSON_GROUP_UNSPECIFIED));
  EXPECT_FALSE(IsCareCategory(gridsync::v1::PERSON_CATEGORY_IDLE_YOUTH));
}

}  // namespace
}  // namespace gridsync::core

namespace gridsync::core {
namespace {

// One phone's answers to 150 made-up question ids keep no more than a form
// can ask (kMaxFormQuestions) in the survey's mark, so the index does not
// grow with them.
TEST(Coverage, ASurveysMarkKeepsAtMostAFormsQuestions) {
  gridsync::v1::RecordState s;
  s.mutable_header()->set_kind(gridsync::v1::RECORD_KIND_SURVEY);
  s.mutable_header()->set_subject_id("410185001201001000101");
  auto* log = s.add_logs();
  log->set_log("answers");
  for (int i = 0; i < 150; ++i) {
    gridsync::v1::SurveyAnswer a;
    a.set_question_id(absl::StrCat("q", 1000 + i));
    a.set_choice(1);
    auto* e = log->add_elements();
    e->set_element_id(absl::StrCat("e", 1000 + i));
    e->set_hlc(static_cast<uint64_t>(i + 1));
    e->set_payload(a.SerializeAsString());
  }
  const auto marks = MarksOf(s);
  ASSERT_TRUE(marks.survey.has_value());
  EXPECT_EQ(static_cast<int>(marks.survey->choices.size()), kMaxFormQuestions);
}

}  // namespace
}  // namespace gridsync::core
