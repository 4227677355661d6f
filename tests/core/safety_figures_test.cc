// The patrol weeks and the questionnaire tally (core/safety_figures.h) on
// hand-worked examples; tests/client_sdk/safety_figures_test.cc checks them
// against a brute-force count of random histories on the server and phone.
#include "core/safety_figures.h"

#include "gtest/gtest.h"

namespace gridsync::core {
namespace {

constexpr int64_t kWeek = 7 * kDayMs;

// 2026-11-02 00:00 in Beijing, a Monday.
int64_t Nov2() { return MonthRange("2026-11")->first + kDayMs; }

TEST(SafetyFigures, WeeksStartOnMondayInChinaTime) {
  const int64_t monday = Nov2();
  EXPECT_EQ(WeekStart(monday), monday);
  EXPECT_EQ(WeekStart(monday - 1), monday - kWeek);  // Sunday 23:59:59.999
  EXPECT_EQ(WeekStart(monday + kWeek - 1), monday);
  // 2026-11-01 was a Sunday: November's weeks begin on the 2nd, 9th, 16th,
  // 23rd and 30th; the week of the 30th runs into December.
  const auto nov = *MonthRange("2026-11");
  const auto weeks = WeeksOf(nov.first, nov.second);
  ASSERT_EQ(weeks.size(), 5u);
  EXPECT_EQ(weeks.front(), monday);
  EXPECT_EQ(weeks.back(), monday + 4 * kWeek);
  EXPECT_EQ(PatrolSpan(nov.first, nov.second), std::make_pair(nov.first, monday + 5 * kWeek));
  // A range without a Monday has no weeks.
  EXPECT_TRUE(WeeksOf(monday + kDayMs, monday + 6 * kDayMs).empty());
  EXPECT_EQ(PatrolsPerWeek(gridsync::v1::CheckPolicy()), 1);
}

TEST(SafetyFigures, AWeekCountsOnceEndedOrAlreadyMet) {
  const auto nov = *MonthRange("2026-11");
  const int64_t w1 = Nov2(), w3 = w1 + 2 * kWeek, w5 = w1 + 4 * kWeek;
  ResolvedPeriod p{nov.first, nov.second, {0, false}, 202611, 0};
  p.now_ms = w3 + 3 * kDayMs;  // Thursday of the third week
  // Patrols: the Sunday before (October's last week), week 1 twice, week 3
  // once so far.
  const std::vector<int64_t> starts = {nov.first + 3600000, w1 + 20 * 3600000, w1 + 2 * kDayMs,
                                       w3 + kDayMs};
  auto row = CountVillagePatrols("410185001201", starts, 1, p);
  EXPECT_EQ(row.patrols(), 4);          // the 1st is November's, though its week is October's
  EXPECT_EQ(row.weeks(), 3);            // weeks 1 and 2 ended; 3 runs and is met
  EXPECT_EQ(row.weeks_patrolled(), 2);  // 1 and 3
  // Two a week: week 1 met, week 3 still running and not met is not counted.
  row = CountVillagePatrols("410185001201", starts, 2, p);
  EXPECT_EQ(row.weeks(), 2);
  EXPECT_EQ(row.weeks_patrolled(), 1);
  EXPECT_DOUBLE_EQ(row.rate(), 0.5);
  // After the month: the week of the 30th counts from patrols up to 6 Dec.
  p.now_ms = w5 + kWeek;
  row = CountVillagePatrols("410185001201", {w5 + 5 * kDayMs}, 1, p);
  EXPECT_EQ(row.patrols(), 0);  // 5 December is not November's
  EXPECT_EQ(row.weeks(), 5);
  EXPECT_EQ(row.weeks_patrolled(), 1);

  gridsync::v1::PatrolCoverage total;
  AddVillagePatrols(row, &total);
  gridsync::v1::VillagePatrols every;
  every.set_weeks(5);
  every.set_weeks_patrolled(5);
  AddVillagePatrols(every, &total);
  EXPECT_EQ(total.villages(), 2);
  EXPECT_EQ(total.villages_every_week(), 1);
  EXPECT_DOUBLE_EQ(total.rate(), 0.6);
}

SurveyMark Answered(const std::string& household, gridsync::v1::SafetyAnswer safety,
                    gridsync::v1::SatisfactionAnswer satisfaction,
                    std::vector<gridsync::v1::OpinionTopic> topics = {}) {
  SurveyMark m;
  m.household_id = household;
  m.outcome = gridsync::v1::SURVEY_OUTCOME_ANSWERED;
  m.safety = safety;
  m.satisfaction = satisfaction;
  m.topics = std::move(topics);
  return m;
}

TEST(SafetyFigures, TheTopTwoLevelsOfThoseWhoAnswered) {
  using namespace gridsync::v1;  // NOLINT: the enums' long names
  const std::string a = "4101850012010010001", b = "4101850012010020001";
  SurveyTally t;
  t.Add(Answered(a, SAFETY_ANSWER_VERY_SAFE, SATISFACTION_ANSWER_SATISFIED,
                 {OPINION_TOPIC_FRAUD, OPINION_TOPIC_TRAFFIC}));
  t.Add(Answered(a, SAFETY_ANSWER_FAIR, SATISFACTION_ANSWER_UNSPECIFIED, {OPINION_TOPIC_FRAUD}));
  t.Add(Answered(b, SAFETY_ANSWER_DONT_KNOW, SATISFACTION_ANSWER_DISSATISFIED));
  SurveyMark refused;
  refused.household_id = b;
  refused.outcome = SURVEY_OUTCOME_REFUSED;
  refused.safety = SAFETY_ANSWER_VERY_SAFE;  // not counted: the outcome says refused
  t.Add(refused);
  SurveyMark nobody = refused;
  nobody.outcome = SURVEY_OUTCOME_NOBODY_HOME;
  t.Add(nobody);
  const auto c = t.Finish();
  EXPECT_EQ(c.asked(), 5);
  EXPECT_EQ(c.answered(), 3);
  EXPECT_EQ(c.refused(), 1);
  EXPECT_EQ(c.nobody_home(), 1);
  EXPECT_EQ(c.households(), 2);
  EXPECT_EQ(c.safety_answers(), 3);            // 说不清 counts as an answer, not as safe
  EXPECT_DOUBLE_EQ(c.safety_rate(), 1.0 / 3);  // 很安全 only
  EXPECT_EQ(c.satisfaction_answers(), 2);      // one left it unanswered
  EXPECT_DOUBLE_EQ(c.satisfaction_rate(), 0.5);
  EXPECT_EQ(std::vector<int64_t>(c.safety_levels().begin(), c.safety_levels().end()),
            (std::vector<int64_t>{1, 0, 1, 0, 0, 1}));
  ASSERT_EQ(c.opinions_size(), 2);
  EXPECT_EQ(c.opinions(0).topic(), OPINION_TOPIC_FRAUD);
  EXPECT_EQ(c.opinions(0).count(), 2);
  EXPECT_EQ(c.opinions(1).topic(), OPINION_TOPIC_TRAFFIC);
  ASSERT_EQ(c.by_grid_size(), 2);
  EXPECT_EQ(c.by_grid(0).code(), a.substr(0, 15));
  EXPECT_DOUBLE_EQ(c.by_grid(0).safety_rate(), 0.5);
  EXPECT_DOUBLE_EQ(c.by_grid(1).safety_rate(), 0);
  ASSERT_EQ(c.by_village_size(), 1);  // both grids are of one village
  EXPECT_EQ(c.by_village(0).code(), a.substr(0, 12));
  EXPECT_DOUBLE_EQ(c.by_village(0).safety_rate(), 1.0 / 3);
  // Nothing asked: zeros, and a distribution of six zeros.
  const auto none = SurveyTally().Finish();
  EXPECT_EQ(none.safety_levels_size(), 6);
  EXPECT_DOUBLE_EQ(none.safety_rate(), 0);
}

}  // namespace
}  // namespace gridsync::core
