#include "core/safety_figures.h"

#include <algorithm>

#include "core/assessment.h"
#include "core/ids.h"

namespace gridsync::core {
namespace {

constexpr int64_t kWeekMs = 7 * kDayMs;
constexpr int kLevels = 6;  // the scales' five levels and 说不清

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

gridsync::v1::VillagePatrols CountVillagePatrols(const std::string& village_code,
                                                 const std::vector<int64_t>& starts,
                                                 int32_t per_week, const ResolvedPeriod& period) {
  gridsync::v1::VillagePatrols row;
  row.set_village_code(village_code);
  auto count_in = [&](int64_t from, int64_t to) {
    return std::lower_bound(starts.begin(), starts.end(), to) -
           std::lower_bound(starts.begin(), starts.end(), from);
  };
  row.set_patrols(count_in(period.from_ms, period.to_ms));
  for (int64_t monday : WeeksOf(period.from_ms, period.to_ms)) {
    const int64_t end = monday + kWeekMs;
    // What has happened by now: a week still running counts only once met.
    const bool met = count_in(monday, std::min(end, period.now_ms)) >= per_week;
    if (end > period.now_ms && !met) continue;
    row.set_weeks(row.weeks() + 1);
    if (met) row.set_weeks_patrolled(row.weeks_patrolled() + 1);
  }
  row.set_rate(RateOf(row.weeks_patrolled(), row.weeks()).value_or(0));
  return row;
}

void AddVillagePatrols(const gridsync::v1::VillagePatrols& row, gridsync::v1::PatrolCoverage* out) {
  *out->add_by_village() = row;
  out->set_patrols(out->patrols() + row.patrols());
  out->set_weeks(out->weeks() + row.weeks());
  out->set_weeks_patrolled(out->weeks_patrolled() + row.weeks_patrolled());
  out->set_villages(out->villages() + 1);
  if (row.weeks() > 0 && row.weeks_patrolled() == row.weeks()) {
    out->set_villages_every_week(out->villages_every_week() + 1);
  }
  out->set_rate(RateOf(out->weeks_patrolled(), out->weeks()).value_or(0));
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
    c_.mutable_safety_levels()->Resize(kLevels, 0);
    c_.mutable_satisfaction_levels()->Resize(kLevels, 0);
  }
  households_.insert(m.household_id);
  Counts& grid = grids_[m.household_id.substr(0, kGridCodeLen)];
  Counts& village = villages_[m.household_id.substr(0, kVillageCodeLen)];
  for (Counts* k : {&all_, &grid, &village}) {
    ++k->answered;
    if (m.safety != gridsync::v1::SAFETY_ANSWER_UNSPECIFIED) {
      ++k->safety_answers;
      k->safety_top += m.safety <= gridsync::v1::SAFETY_ANSWER_SAFE ? 1 : 0;
    }
    if (m.satisfaction != gridsync::v1::SATISFACTION_ANSWER_UNSPECIFIED) {
      ++k->satisfaction_answers;
      k->satisfaction_top += m.satisfaction <= gridsync::v1::SATISFACTION_ANSWER_SATISFIED ? 1 : 0;
    }
  }
  if (m.safety != gridsync::v1::SAFETY_ANSWER_UNSPECIFIED) {
    ++(*c_.mutable_safety_levels())[m.safety - 1];
  }
  if (m.satisfaction != gridsync::v1::SATISFACTION_ANSWER_UNSPECIFIED) {
    ++(*c_.mutable_satisfaction_levels())[m.satisfaction - 1];
  }
  for (auto t : m.topics) ++topics_[t];
}

gridsync::v1::SurveyCoverage SurveyTally::Finish() const {
  gridsync::v1::SurveyCoverage out = c_;
  if (out.safety_levels_size() == 0) {
    out.mutable_safety_levels()->Resize(kLevels, 0);
    out.mutable_satisfaction_levels()->Resize(kLevels, 0);
  }
  out.set_answered(all_.answered);
  out.set_households(static_cast<int64_t>(households_.size()));
  out.set_safety_answers(all_.safety_answers);
  out.set_safety_rate(RateOf(all_.safety_top, all_.safety_answers).value_or(0));
  out.set_satisfaction_answers(all_.satisfaction_answers);
  out.set_satisfaction_rate(RateOf(all_.satisfaction_top, all_.satisfaction_answers).value_or(0));
  std::vector<std::pair<int, int64_t>> topics(topics_.begin(), topics_.end());
  std::stable_sort(topics.begin(), topics.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [topic, n] : topics) {
    auto* o = out.add_opinions();
    o->set_topic(static_cast<gridsync::v1::OpinionTopic>(topic));
    o->set_count(n);
  }
  auto groups = [](const std::map<std::string, Counts>& by,
                   google::protobuf::RepeatedPtrField<gridsync::v1::SurveyGroup>* rows) {
    for (const auto& [code, k] : by) {
      auto* g = rows->Add();
      g->set_code(code);
      g->set_answered(k.answered);
      g->set_safety_rate(RateOf(k.safety_top, k.safety_answers).value_or(0));
      g->set_satisfaction_rate(RateOf(k.satisfaction_top, k.satisfaction_answers).value_or(0));
    }
  };
  groups(grids_, out.mutable_by_grid());
  groups(villages_, out.mutable_by_village());
  return out;
}

}  // namespace gridsync::core
