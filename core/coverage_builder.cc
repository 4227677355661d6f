#include "core/coverage_builder.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "core/case_level.h"
#include "core/ids.h"

namespace gridsync::core {

CoverageBuilder::CoverageBuilder(std::string scope_prefix, const ResolvedPeriod& period,
                                 const gridsync::v1::CheckPolicy& policy)
    : prefix_(std::move(scope_prefix)),
      period_(period),
      receiving_(ReceivingLevelOf(prefix_)),
      patrol_rules_(PatrolRulesOf(policy)),
      backlog_age_ms_(BacklogAgeMs(policy)),
      surveys_(SatisfactionPoints(policy), &purposes_) {
  out_.set_from_ms(period.from_ms);
  out_.set_to_ms(period.to_ms);
  out_.set_as_of_ms(period.as_of.ms);
  out_.mutable_cases()->set_backlog_days(BacklogDays(policy));
  if (receiving_ != gridsync::v1::CASE_LEVEL_UNSPECIFIED)
    out_.mutable_received()->set_backlog_days(BacklogDays(policy));
}

void CoverageBuilder::AddHouseholds(const std::string& grid, int64_t n) {
  auto& g = grids_[grid];
  g.set_households(g.households() + n);
}

void CoverageBuilder::AddVisited(const std::string& grid, int64_t n) {
  auto& g = grids_[grid];
  g.set_visited(g.visited() + n);
}

void CoverageBuilder::AddWorkerHouseholds(const std::string& worker, int64_t n) {
  // A running counter taken back to nothing leaves no row.
  if ((workers_[worker] += n) == 0) workers_.erase(worker);
}

void CoverageBuilder::AddPhotoVisits(int64_t n) {
  auto* v = out_.mutable_visits();
  v->set_with_photos(v->with_photos() + n);
}

std::vector<std::string> CoverageBuilder::Grids() const {
  std::vector<std::string> out;
  for (const auto& [code, g] : grids_) out.push_back(code);
  return out;
}

void CoverageBuilder::AddPerson(const PersonDue& due) { CountPerson(due, &out_); }

// 化解在基层率 and 调处率 are over the cases registered in the period where
// there are households to mediate among: a case of a grid without any is
// listed (open, escalated) but not in the village's registered count.
void CoverageBuilder::AddRegisteredCase(const gridsync::v1::CaseSummary& c) {
  if (!absl::StartsWith(c.grid_code(), prefix_) || !grids_.count(c.grid_code())) return;
  if (c.registered_at_ms() < period_.from_ms || c.registered_at_ms() >= period_.to_ms) return;
  CountRegisteredCase(c, period_.as_of, out_.mutable_cases());
}

void CoverageBuilder::AddOpenCase(const gridsync::v1::CaseSummary& c) {
  if (!absl::StartsWith(c.grid_code(), prefix_)) return;
  CountOpenCase(c, gridsync::v1::CASE_LEVEL_VILLAGE, period_.as_of, out_.mutable_cases());
}

void CoverageBuilder::AddEscalatedCase(const gridsync::v1::CaseSummary& c) {
  if (receiving_ == gridsync::v1::CASE_LEVEL_UNSPECIFIED) return;
  if (!absl::StartsWith(c.grid_code(), prefix_)) return;
  CountReceivedCase(c, receiving_, period_.from_ms, period_.to_ms, period_.as_of,
                    out_.mutable_received());
  CountOpenCase(c, receiving_, period_.as_of, out_.mutable_received());
}

void CoverageBuilder::AddAgedCase(const gridsync::v1::CaseSummary& c) {
  if (!absl::StartsWith(c.grid_code(), prefix_)) return;
  const auto& q = period_;
  CountBacklogCase(c, gridsync::v1::CASE_LEVEL_VILLAGE, q.from_ms, q.as_of, backlog_age_ms_,
                   out_.mutable_cases());
  if (receiving_ == gridsync::v1::CASE_LEVEL_UNSPECIFIED) return;
  CountBacklogCase(c, receiving_, q.from_ms, q.as_of, backlog_age_ms_, out_.mutable_received());
}

std::string CoverageBuilder::village_prefix() const { return prefix_.substr(0, kVillageCodeLen); }

std::pair<int64_t, int64_t> CoverageBuilder::patrol_span() const {
  return PatrolSpan(period_.from_ms, period_.to_ms);
}

void CoverageBuilder::AddVillage(const std::string& village_code) { patrols_[village_code]; }

void CoverageBuilder::AddPatrol(const std::string& grid_code, const PatrolStart& start) {
  if (!absl::StartsWith(grid_code, prefix_)) return;
  const auto [from, to] = patrol_span();
  if (start.ms < from || start.ms >= to) return;
  auto v = patrols_.find(grid_code.substr(0, kVillageCodeLen));
  if (v != patrols_.end()) v->second.push_back(start);
}

void CoverageBuilder::AddForm(const gridsync::v1::SurveyForm& form) { purposes_.AddForm(form); }

void CoverageBuilder::AddSurvey(const SurveyMark& m) {
  if (!absl::StartsWith(m.household_id, prefix_)) return;
  if (m.at_ms < period_.from_ms || m.at_ms >= period_.to_ms) return;
  surveys_.Add(m);
}

void CoverageBuilder::FinishVisits() {
  auto* visits = out_.mutable_visits();
  for (auto& [code, g] : grids_) {
    g.set_grid_code(code);
    visits->set_households(visits->households() + g.households());
    visits->set_visited(visits->visited() + g.visited());
    *visits->add_by_grid() = g;
  }
  visits->set_workers_visiting(static_cast<int64_t>(workers_.size()));
  for (const auto& [worker, n] : workers_) {
    auto* row = visits->add_by_worker();
    SetWorker(worker, row);
    row->set_households_visited(n);
  }
}

void CoverageBuilder::FinishPatrols() {
  auto* out = out_.mutable_patrols();
  SetPatrolRules(patrol_rules_, out);
  for (auto& [village, starts] : patrols_) {
    std::sort(starts.begin(), starts.end());
    AddVillagePatrols(CountVillagePatrols(village, starts, patrol_rules_, period_), out);
  }
}

gridsync::v1::GetCoverageResponse CoverageBuilder::Finish() && {
  FinishVisits();
  SetRates(&out_);
  FinishPatrols();
  *out_.mutable_surveys() = surveys_.Finish();
  return std::move(out_);
}

}  // namespace gridsync::core
