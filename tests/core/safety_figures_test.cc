// The patrol weeks and the questionnaire tally (core/safety_figures.h) on
// hand-worked examples; tests/client_sdk/safety_figures_test.cc checks them
// against a brute-force count of random histories on the server and phone.
#include "core/safety_figures.h"

#include "gtest/gtest.h"

using gridsync::v1::CheckPolicy;

namespace gridsync::core {
namespace {

constexpr int64_t kWeek = 7 * kDayMs;

// 2026-11-02 00:00 in Beijing, a Monday.
int64_t Nov2() { return MonthRange("2026-11")->first + kDayMs; }

// Patrols without police, at the given starts.
std::vector<PatrolStart> Starts(const std::vector<int64_t>& ms) {
  std::vector<PatrolStart> out;
  for (int64_t m : ms) out.push_back({m, false});
  return out;
}

PatrolRules PerWeek(int n) { return PatrolRules{n, NightWindow{}}; }

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
  // All start at night (20:00 to 06:00).
  const auto starts =
      Starts({nov.first + 3600000, w1 + 20 * 3600000, w1 + 2 * kDayMs, w3 + kDayMs});
  auto row = CountVillagePatrols("410185001201", starts, PerWeek(1), p);
  EXPECT_EQ(row.patrols(), 4);          // the 1st is November's, though its week is October's
  EXPECT_EQ(row.weeks(), 3);            // weeks 1 and 2 ended; 3 runs and is met
  EXPECT_EQ(row.weeks_patrolled(), 2);  // 1 and 3
  // Two a week: week 1 met, week 3 still running and not met is not counted.
  row = CountVillagePatrols("410185001201", starts, PerWeek(2), p);
  EXPECT_EQ(row.weeks(), 2);
  EXPECT_EQ(row.weeks_patrolled(), 1);
  EXPECT_DOUBLE_EQ(row.rate(), 0.5);
  // After the month: the week of the 30th counts from patrols up to 6 Dec.
  p.now_ms = w5 + kWeek;
  row = CountVillagePatrols("410185001201", Starts({w5 + 5 * kDayMs}), PerWeek(1), p);
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

// 夜巡 means night: a patrol at 15:00 is counted apart and meets no week; the
// county's window wraps past midnight; a week with a police officer on a
// night patrol is counted.
TEST(SafetyFigures, OnlyNightPatrolsCountAndPoliceWeeksAreCounted) {
  const auto nov = *MonthRange("2026-11");
  const int64_t w1 = Nov2(), hour = 3600000;
  ResolvedPeriod p{nov.first, nov.second, {0, false}, 202611, nov.second + 7 * kDayMs};
  const std::vector<PatrolStart> starts = {{w1 + 15 * hour, true},               // Monday 15:00
                                           {w1 + kWeek + 19 * hour, false},      // 19:59 below
                                           {w1 + kWeek + 23 * hour, true},       // 23:00, police
                                           {w1 + 2 * kWeek + 5 * hour, false}};  // 05:00
  std::vector<PatrolStart> sorted = starts;
  sorted[1].ms += 59 * 60000;
  auto row = CountVillagePatrols("410185001201", sorted, PerWeek(1), p);
  EXPECT_EQ(row.daytime(), 2);  // 15:00 and 19:59
  EXPECT_EQ(row.patrols(), 2);
  EXPECT_EQ(row.weeks(), 5);
  EXPECT_EQ(row.weeks_patrolled(), 2);    // weeks 2 and 3
  EXPECT_EQ(row.weeks_with_police(), 1);  // week 2's; week 1's police came by day
  // A county that patrols from 18:00 to 24:00 counts 19:59 and 23:00, not 05:00.
  gridsync::v1::CheckPolicy policy;
  policy.set_night_from_minute(18 * 60);
  policy.set_night_to_minute(0);
  const NightWindow evening = NightWindowOf(policy);
  EXPECT_TRUE(evening.Contains(w1 + 23 * hour + 59 * 60000));
  EXPECT_FALSE(evening.Contains(w1 + kDayMs));  // midnight
  row = CountVillagePatrols("410185001201", sorted, PatrolRules{1, evening}, p);
  EXPECT_EQ(row.patrols(), 2);
  EXPECT_EQ(row.weeks_patrolled(), 1);  // week 2 only
  // Unset or out of range: 20:00 to 06:00.
  policy.set_night_to_minute(18 * 60);
  EXPECT_EQ(NightWindowOf(policy).from_minute, 20 * 60);
  policy.set_night_to_minute(5000);
  EXPECT_EQ(NightWindowOf(policy).to_minute, 6 * 60);
  EXPECT_TRUE(NightWindow{}.Contains(w1 - 1));          // Sunday 23:59:59.999
  EXPECT_FALSE(NightWindow{}.Contains(w1 + 6 * hour));  // 06:00 is morning
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
  QuestionPurposes none_marked;
  SurveyTally t(SatisfactionPoints(CheckPolicy()), &none_marked);
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
  EXPECT_EQ(c.safety_answers(), 3);            // 不清楚 counts as an answer, not as safe
  EXPECT_DOUBLE_EQ(c.safety_rate(), 1.0 / 3);  // the older 很安全 read as 安全; 一般 is not
  EXPECT_EQ(c.satisfaction_answers(), 2);      // one left it unanswered
  EXPECT_DOUBLE_EQ(c.satisfaction_rate(), 0.5);
  // On the official scale: 安全 1 (很安全), 不太安全 1 (一般), 不清楚 1.
  EXPECT_EQ(std::vector<int64_t>(c.safety_levels().begin(), c.safety_levels().end()),
            (std::vector<int64_t>{1, 0, 1, 0, 1}));
  EXPECT_EQ(c.satisfaction_scored(), 2);  // 满意 100, 不满意 0
  EXPECT_DOUBLE_EQ(c.satisfaction_score(), 50);
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
  // Nothing asked: zeros, and a distribution of five zeros.
  const auto none = SurveyTally(SatisfactionPoints(CheckPolicy()), &none_marked).Finish();
  EXPECT_EQ(none.safety_levels_size(), 5);
  EXPECT_DOUBLE_EQ(none.safety_rate(), 0);
}

// The official scale: 安全感率 is 安全 + 基本安全 over all answers, 不清楚
// included; every older answer reads as one official level, and the older
// top two are exactly what 安全 + 基本安全 counts, so old rates do not move.
TEST(SafetyFigures, TheOfficialScaleAndTheOlderAnswersOnIt) {
  using namespace gridsync::v1;  // NOLINT: the enums' long names
  EXPECT_EQ(OfficialLevel(SAFETY_ANSWER_SAFE), 0);
  EXPECT_EQ(OfficialLevel(SAFETY_ANSWER_BASICALLY_SAFE), 1);
  EXPECT_EQ(OfficialLevel(SAFETY_ANSWER_NOT_VERY_SAFE), 2);
  EXPECT_EQ(OfficialLevel(SAFETY_ANSWER_UNSAFE), 3);
  EXPECT_EQ(OfficialLevel(SAFETY_ANSWER_DONT_KNOW), 4);
  EXPECT_EQ(OfficialLevel(SAFETY_ANSWER_UNSPECIFIED), -1);
  EXPECT_EQ(OfficialLevel(static_cast<SafetyAnswer>(8)), -1);  // a newer phone's
  for (int v = 1; v <= 7; ++v) {
    const bool old_top_two = v == SAFETY_ANSWER_VERY_SAFE || v == SAFETY_ANSWER_SAFE;
    const bool official_top_two = OfficialLevel(static_cast<SafetyAnswer>(v)) <= 1;
    if (v != SAFETY_ANSWER_BASICALLY_SAFE) EXPECT_EQ(old_top_two, official_top_two) << v;
    EXPECT_EQ(OfficialLevel(static_cast<SafetyAnswer>(v)),
              OfficialLevel(static_cast<SatisfactionAnswer>(v)))
        << v;
  }
  const std::string a = "4101850012010010001";
  CheckPolicy policy;
  for (int points : {100, 90, 60, 0}) policy.add_satisfaction_points(points);
  QuestionPurposes none_marked;
  SurveyTally t(SatisfactionPoints(policy), &none_marked);
  t.Add(Answered(a, SAFETY_ANSWER_SAFE, SATISFACTION_ANSWER_SATISFIED));
  t.Add(Answered(a, SAFETY_ANSWER_BASICALLY_SAFE, SATISFACTION_ANSWER_BASICALLY_SATISFIED));
  t.Add(Answered(a, SAFETY_ANSWER_NOT_VERY_SAFE, SATISFACTION_ANSWER_NOT_VERY_SATISFIED));
  t.Add(Answered(a, SAFETY_ANSWER_DONT_KNOW, SATISFACTION_ANSWER_DONT_KNOW));
  const auto c = t.Finish();
  EXPECT_DOUBLE_EQ(c.safety_rate(), 0.5);  // 2 of 4, 不清楚 in the denominator
  EXPECT_DOUBLE_EQ(c.satisfaction_rate(), 0.5);
  EXPECT_EQ(c.satisfaction_scored(), 3);  // 不清楚 has no points
  EXPECT_DOUBLE_EQ(c.satisfaction_score(), (100 + 90 + 60) / 3.0);
  EXPECT_EQ(std::vector<int64_t>(c.satisfaction_levels().begin(), c.satisfaction_levels().end()),
            (std::vector<int64_t>{1, 1, 1, 0, 1}));
}

// 知晓率 and 参与率 count the answers to the questions a form marks, by the
// choices it names, under the form the questionnaire was asked with.
TEST(SafetyFigures, AwarenessAndParticipationFromTheFormsMarkedQuestions) {
  using namespace gridsync::v1;  // NOLINT: the enums' long names
  SurveyForm form;
  form.set_version("2026-Q4");
  auto* know = form.add_questions();
  know->set_id("know");
  for (const char* c : {"知道", "基本知道", "不知道"}) know->add_choices(c);
  know->set_purpose(QUESTION_PURPOSE_AWARENESS);
  know->add_counted_choices(1);
  know->add_counted_choices(2);
  auto* joined = form.add_questions();
  joined->set_id("joined");
  for (const char* c : {"参加过", "没参加过"}) joined->add_choices(c);
  joined->set_purpose(QUESTION_PURPOSE_PARTICIPATION);
  joined->add_counted_choices(1);
  auto* other = form.add_questions();
  other->set_id("road");
  other->add_choices("好");
  QuestionPurposes purposes;
  purposes.AddForm(form);
  SurveyTally t(SatisfactionPoints(CheckPolicy()), &purposes);
  const std::string a = "4101850012010010001";
  auto with = [&](std::vector<std::pair<std::string, int32_t>> choices,
                  const std::string& version = "2026-Q4") {
    SurveyMark m = Answered(a, SAFETY_ANSWER_UNSPECIFIED, SATISFACTION_ANSWER_UNSPECIFIED);
    m.form_version = version;
    m.choices = std::move(choices);
    return m;
  };
  t.Add(with({{"know", 1}, {"joined", 2}, {"road", 1}}));
  t.Add(with({{"know", 2}, {"joined", 1}}));
  t.Add(with({{"know", 3}}));
  t.Add(with({{"know", 1}}, "2026-Q3"));  // another form: its question is unmarked
  const auto c = t.Finish();
  EXPECT_EQ(c.awareness_answers(), 3);
  EXPECT_EQ(c.aware(), 2);
  EXPECT_DOUBLE_EQ(c.awareness_rate(), 2.0 / 3);
  EXPECT_EQ(c.participation_answers(), 2);
  EXPECT_DOUBLE_EQ(c.participation_rate(), 0.5);
  EXPECT_DOUBLE_EQ(c.by_village(0).awareness_rate(), 2.0 / 3);
}

}  // namespace
}  // namespace gridsync::core
