#include "core/safety_figures.h"

#include <algorithm>

#include "core/assessment.h"
#include "core/ids.h"

namespace gridsync::core {
namespace {

constexpr int64_t kWeekMs = 7 * kDayMs;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

int32_t PatrolsPerWeek(const gridsync::v1::CheckPolicy& policy) {
  const int32_t n = policy.patrols_per_week();
  return n >= 1 && n <= 7 ? n : 1;
}

int64_t WeekStart(int64_t ms) {
  // Day 0 (1970-01-01) was a Thursday: Monday is day 4 of the week counted
  // from it.
  const int64_t day = FloorDiv(ms + kChinaOffsetMs, kDayMs);
  const int64_t monday = day - ((day + 3) % 7 + 7) % 7;
  return monday * kDayMs - kChinaOffsetMs;
}

std::vector<int64_t> WeeksOf(int64_t from_ms, int64_t to_ms) {
  std::vector<int64_t> out;
  int64_t w = WeekStart(from_ms);
  if (w < from_ms) w += kWeekMs;
  for (; w < to_ms; w += kWeekMs) out.push_back(w);
  return out;
}

std::pair<int64_t, int64_t> PatrolSpan(int64_t from_ms, int64_t to_ms) {
  const auto weeks = WeeksOf(from_ms, to_ms);
  if (weeks.empty()) return {from_ms, to_ms};
  return {std::min(from_ms, weeks.front()), std::max(to_ms, weeks.back() + kWeekMs)};
}

bool NightWindow::Contains(int64_t ms) const {
  constexpr int64_t kMinuteMs = 60 * 1000, kDayMinutes = 24 * 60;
  const int64_t minute = FloorDiv(ms + kChinaOffsetMs, kMinuteMs) % kDayMinutes;
  const int64_t m = minute < 0 ? minute + kDayMinutes : minute;
  if (from_minute <= to_minute) return m >= from_minute && m < to_minute;
  return m >= from_minute || m < to_minute;
}

NightWindow NightWindowOf(const gridsync::v1::CheckPolicy& policy) {
  const int32_t from = policy.night_from_minute(), to = policy.night_to_minute();
  auto valid = [](int32_t m) { return m >= 0 && m < 24 * 60; };
  if (from == to || !valid(from) || !valid(to)) return NightWindow{};
  return NightWindow{from, to};
}

PatrolRules PatrolRulesOf(const gridsync::v1::CheckPolicy& policy) {
  return PatrolRules{PatrolsPerWeek(policy), NightWindowOf(policy)};
}

gridsync::v1::VillagePatrols CountVillagePatrols(const std::string& village_code,
                                                 const std::vector<PatrolStart>& starts,
                                                 const PatrolRules& rules,
                                                 const ResolvedPeriod& period) {
  gridsync::v1::VillagePatrols row;
  row.set_village_code(village_code);
  std::vector<PatrolStart> night;
  for (const PatrolStart& p : starts) {
    if (rules.night.Contains(p.ms)) {
      night.push_back(p);
    } else if (p.ms >= period.from_ms && p.ms < period.to_ms) {
      row.set_daytime(row.daytime() + 1);
    }
  }
  // The night patrols started in [from, to).
  auto in = [&](int64_t from, int64_t to) {
    return std::pair{std::lower_bound(night.begin(), night.end(), PatrolStart{from, false}),
                     std::lower_bound(night.begin(), night.end(), PatrolStart{to, false})};
  };
  const auto [first, last] = in(period.from_ms, period.to_ms);
  row.set_patrols(last - first);
  for (int64_t monday : WeeksOf(period.from_ms, period.to_ms)) {
    const int64_t end = monday + kWeekMs;
    // What has happened by now: a week still running counts only once met.
    const auto [b, e] = in(monday, std::min(end, period.now_ms));
    const bool met = e - b >= rules.per_week;
    if (end > period.now_ms && !met) continue;
    row.set_weeks(row.weeks() + 1);
    if (met) row.set_weeks_patrolled(row.weeks_patrolled() + 1);
    if (std::any_of(b, e, [](const PatrolStart& p) { return p.police; })) {
      row.set_weeks_with_police(row.weeks_with_police() + 1);
    }
  }
  row.set_rate(RateOf(row.weeks_patrolled(), row.weeks()).value_or(0));
  return row;
}

void SetPatrolRules(const PatrolRules& rules, gridsync::v1::PatrolCoverage* out) {
  out->set_per_week(rules.per_week);
  out->set_night_from_minute(rules.night.from_minute);
  out->set_night_to_minute(rules.night.to_minute);
}

void AddVillagePatrols(const gridsync::v1::VillagePatrols& row, gridsync::v1::PatrolCoverage* out) {
  *out->add_by_village() = row;
  out->set_patrols(out->patrols() + row.patrols());
  out->set_daytime(out->daytime() + row.daytime());
  out->set_weeks(out->weeks() + row.weeks());
  out->set_weeks_patrolled(out->weeks_patrolled() + row.weeks_patrolled());
  out->set_weeks_with_police(out->weeks_with_police() + row.weeks_with_police());
  out->set_villages(out->villages() + 1);
  if (row.weeks() > 0 && row.weeks_patrolled() == row.weeks()) {
    out->set_villages_every_week(out->villages_every_week() + 1);
  }
  out->set_rate(RateOf(out->weeks_patrolled(), out->weeks()).value_or(0));
}

namespace {

// Both scales share their numbering (records.proto): 1 and 2 are the
// top level, 7 the second, 3 and 4 the third, 5 the fourth, 6 不清楚.
int OfficialLevelOf(int answer) {
  constexpr int kLevelOf[] = {-1, 0, 0, 2, 2, 3, 4, 1};
  return answer >= 1 && answer <= 7 ? kLevelOf[answer] : -1;
}

}  // namespace

int OfficialLevel(gridsync::v1::SafetyAnswer a) { return OfficialLevelOf(a); }
int OfficialLevel(gridsync::v1::SatisfactionAnswer a) { return OfficialLevelOf(a); }

std::vector<int32_t> SatisfactionPoints(const gridsync::v1::CheckPolicy& policy) {
  if (policy.satisfaction_points_size() == kOfficialLevels - 1) {
    return {policy.satisfaction_points().begin(), policy.satisfaction_points().end()};
  }
  return {100, 80, 40, 0};
}

void QuestionPurposes::AddForm(const gridsync::v1::SurveyForm& form) {
  for (const auto& q : form.questions()) {
    if (q.purpose() == gridsync::v1::QUESTION_PURPOSE_UNSPECIFIED) continue;
    questions_[{form.version(), q.id()}] = {
        q.purpose(), std::set<int32_t>(q.counted_choices().begin(), q.counted_choices().end())};
  }
}

std::optional<QuestionPurposes::Counted> QuestionPurposes::Of(const std::string& version,
                                                              const std::string& question_id,
                                                              int32_t choice) const {
  auto it = questions_.find({version, question_id});
  if (it == questions_.end()) return std::nullopt;
  return Counted{it->second.first, it->second.second.count(choice) > 0};
}

SurveyTally::SurveyTally(std::vector<int32_t> points, const QuestionPurposes* purposes)
    : points_(std::move(points)), purposes_(purposes) {}

void SurveyTally::Count(const SurveyMark& m, Counts* k) const {
  ++k->answered;
  if (const int level = OfficialLevel(m.safety); level >= 0) {
    ++k->safety_answers;
    k->safety_top += level <= 1 ? 1 : 0;
  }
  if (const int level = OfficialLevel(m.satisfaction); level >= 0) {
    ++k->satisfaction_answers;
    k->satisfaction_top += level <= 1 ? 1 : 0;
    if (level < kOfficialLevels - 1) {
      ++k->scored;
      k->points += points_[static_cast<size_t>(level)];
    }
  }
  for (const auto& [question, choice] : m.choices) {
    const auto c = purposes_->Of(m.form_version, question, choice);
    if (!c) continue;
    const bool awareness = c->purpose == gridsync::v1::QUESTION_PURPOSE_AWARENESS;
    ++(awareness ? k->awareness_answers : k->participation_answers);
    if (c->counts) ++(awareness ? k->aware : k->participated);
  }
}

void SurveyTally::Fill(const Counts& k, gridsync::v1::SurveyGroup* g) {
  g->set_answered(k.answered);
  g->set_safety_rate(RateOf(k.safety_top, k.safety_answers).value_or(0));
  g->set_satisfaction_rate(RateOf(k.satisfaction_top, k.satisfaction_answers).value_or(0));
  g->set_satisfaction_score(RateOf(k.points, k.scored).value_or(0));
  g->set_awareness_rate(RateOf(k.aware, k.awareness_answers).value_or(0));
  g->set_participation_rate(RateOf(k.participated, k.participation_answers).value_or(0));
}

void SurveyTally::Add(const SurveyMark& m) {
  c_.set_asked(c_.asked() + 1);
  switch (m.outcome) {
    case gridsync::v1::SURVEY_OUTCOME_REFUSED:
      c_.set_refused(c_.refused() + 1);
      return;
    case gridsync::v1::SURVEY_OUTCOME_NOBODY_HOME:
      c_.set_nobody_home(c_.nobody_home() + 1);
      return;
    case gridsync::v1::SURVEY_OUTCOME_ANSWERED:
      break;
    default:
      return;  // no outcome recorded: asked, and nothing more is known
  }
  if (c_.safety_levels_size() == 0) {
    c_.mutable_safety_levels()->Resize(kOfficialLevels, 0);
    c_.mutable_satisfaction_levels()->Resize(kOfficialLevels, 0);
  }
  households_.insert(m.household_id);
  Count(m, &all_);
  Count(m, &grids_[m.household_id.substr(0, kGridCodeLen)]);
  Count(m, &villages_[m.household_id.substr(0, kVillageCodeLen)]);
  if (const int level = OfficialLevel(m.safety); level >= 0) {
    ++(*c_.mutable_safety_levels())[level];
  }
  if (const int level = OfficialLevel(m.satisfaction); level >= 0) {
    ++(*c_.mutable_satisfaction_levels())[level];
  }
  for (auto t : m.topics) ++topics_[t];
}

gridsync::v1::SurveyCoverage SurveyTally::Finish() const {
  gridsync::v1::SurveyCoverage out = c_;
  if (out.safety_levels_size() == 0) {
    out.mutable_safety_levels()->Resize(kOfficialLevels, 0);
    out.mutable_satisfaction_levels()->Resize(kOfficialLevels, 0);
  }
  out.set_answered(all_.answered);
  out.set_households(static_cast<int64_t>(households_.size()));
  out.set_safety_answers(all_.safety_answers);
  out.set_safety_rate(RateOf(all_.safety_top, all_.safety_answers).value_or(0));
  out.set_satisfaction_answers(all_.satisfaction_answers);
  out.set_satisfaction_rate(RateOf(all_.satisfaction_top, all_.satisfaction_answers).value_or(0));
  out.set_satisfaction_scored(all_.scored);
  out.set_satisfaction_score(RateOf(all_.points, all_.scored).value_or(0));
  out.set_awareness_answers(all_.awareness_answers);
  out.set_aware(all_.aware);
  out.set_awareness_rate(RateOf(all_.aware, all_.awareness_answers).value_or(0));
  out.set_participation_answers(all_.participation_answers);
  out.set_participated(all_.participated);
  out.set_participation_rate(RateOf(all_.participated, all_.participation_answers).value_or(0));
  std::vector<std::pair<int, int64_t>> topics(topics_.begin(), topics_.end());
  std::stable_sort(topics.begin(), topics.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [topic, n] : topics) {
    auto* o = out.add_opinions();
    o->set_topic(static_cast<gridsync::v1::OpinionTopic>(topic));
    o->set_count(n);
  }
  for (const auto& [code, k] : grids_) {
    auto* g = out.add_by_grid();
    g->set_code(code);
    Fill(k, g);
  }
  for (const auto& [code, k] : villages_) {
    auto* g = out.add_by_village();
    g->set_code(code);
    Fill(k, g);
  }
  return out;
}

}  // namespace gridsync::core
