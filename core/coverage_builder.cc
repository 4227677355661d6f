#include "core/coverage_builder.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "core/assessment.h"
#include "core/case_level.h"
#include "core/ids.h"
#include "core/task.h"
#include "core/verification.h"

namespace gridsync::core {
namespace {

// The calendar months (yyyymm) that begin within [from_ms, to_ms).
std::vector<int32_t> MonthsBeginningIn(int64_t from_ms, int64_t to_ms) {
  std::vector<int32_t> out;
  for (int64_t t = from_ms; t < to_ms;) {
    auto month = MonthRange(MonthName(MonthOf(t)));
    if (!month.ok()) break;
    if (month->first >= from_ms) out.push_back(MonthOf(t));
    t = month->second;
  }
  return out;
}

}  // namespace

CoverageBuilder::CoverageBuilder(std::string scope_prefix, const ResolvedPeriod& period,
                                 const gridsync::v1::CheckPolicy& policy)
    : prefix_(std::move(scope_prefix)),
      period_(period),
      receiving_(ReceivingLevelOf(prefix_)),
      patrol_rules_(PatrolRulesOf(policy)),
      backlog_age_ms_(BacklogAgeMs(policy)),
      screening_months_(MonthsBeginningIn(period.from_ms, period.to_ms)),
      verification_sample_(VerificationSample(policy)),
      cadre_quota_(CadreQuota(policy, gridsync::v1::CADRE_KIND_CADRE)),
      party_member_quota_(CadreQuota(policy, gridsync::v1::CADRE_KIND_PARTY_MEMBER)),
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

void CoverageBuilder::AddVillage(const std::string& village_code) {
  patrols_[village_code];
  auto& months = screenings_[village_code];
  for (int32_t m : screening_months_) months[m];
}

void CoverageBuilder::AddTroubleSpot(const TroubleSpotMark& m) {
  if (!absl::StartsWith(m.grid_code, prefix_)) return;
  CountTroubleSpot(m, period_.from_ms, period_.to_ms, period_.as_of, out_.mutable_trouble_spots());
}

void CoverageBuilder::AddTask(const gridsync::v1::TaskItem& t) {
  if (!absl::StartsWith(t.grid_code(), prefix_)) return;
  CountTask(t, period_.from_ms, period_.to_ms, period_.as_of, out_.mutable_tasks());
}

void CoverageBuilder::AddScreening(const ScreeningMark& m) {
  if (!absl::StartsWith(m.grid_code, prefix_)) return;
  auto village = screenings_.find(m.grid_code.substr(0, kVillageCodeLen));
  if (village == screenings_.end()) return;
  auto month = village->second.find(m.month);
  if (month == village->second.end()) return;
  auto& s = month->second;
  s.set_reports(s.reports() + 1);
  s.set_disputes_found(s.disputes_found() + m.disputes_found);
  s.set_hazards_found(s.hazards_found() + m.hazards_found);
}

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

void CoverageBuilder::AddVerification(const VerifyMark& m) {
  if (!absl::StartsWith(m.grid_code, prefix_)) return;
  if (m.visited_at_ms < period_.from_ms || m.visited_at_ms >= period_.to_ms) return;
  auto& row = verifiers_[m.worker];
  row.set_verified(row.verified() + 1);
  switch (m.confirmation) {
    case gridsync::v1::VISIT_CONFIRMATION_CONFIRMED:
      row.set_confirmed(row.confirmed() + 1);
      break;
    case gridsync::v1::VISIT_CONFIRMATION_NOT_MADE:
      row.set_not_made(row.not_made() + 1);
      ++not_made_[m.grid_code.substr(0, kVillageCodeLen)];
      break;
    default:
      break;
  }
}

// The workers' rows, their sum, and each village's sample: min(sample a
// month × the months beginning in the period, households visited there
// with those found not made).
void CoverageBuilder::FinishVerification() {
  auto* out = out_.mutable_verification();
  out->set_sample_per_village(verification_sample_);
  for (auto& [worker, row] : verifiers_) {
    gridsync::v1::WorkerVisits who;
    SetWorker(worker, &who);
    row.set_worker(who.worker());
    row.set_device_id(who.device_id());
    row.set_rate(RateOf(row.confirmed(), row.verified()).value_or(0));
    out->set_verified(out->verified() + row.verified());
    out->set_confirmed(out->confirmed() + row.confirmed());
    out->set_not_made(out->not_made() + row.not_made());
    *out->add_by_worker() = row;
  }
  out->set_unsure(out->verified() - out->confirmed() - out->not_made());
  std::map<std::string, int64_t> reached = not_made_;  // by village
  for (const auto& [grid, g] : grids_) reached[grid.substr(0, kVillageCodeLen)] += g.visited();
  const int64_t draws = static_cast<int64_t>(verification_sample_) *
                        std::max<int64_t>(1, static_cast<int64_t>(screening_months_.size()));
  for (const auto& [village, n] : reached) {
    out->set_sampled(out->sampled() + std::clamp<int64_t>(n, 0, draws));
  }
  out->set_rate(FiguresOf(out_).verification_rate.value_or(0));
}

void CoverageBuilder::AddCadre(const gridsync::v1::Cadre& c) {
  if (c.active() && absl::StartsWith(c.village_code(), village_prefix())) cadres_.push_back(c);
}

// Each cadre's distinct households in the period against its quota a month
// times the months beginning in it.
void CoverageBuilder::FinishCadres() {
  auto* out = out_.mutable_cadres();
  out->set_cadre_quota(cadre_quota_);
  out->set_party_member_quota(party_member_quota_);
  const int64_t months = std::max<int64_t>(1, static_cast<int64_t>(screening_months_.size()));
  std::sort(cadres_.begin(), cadres_.end(), [](const auto& a, const auto& b) {
    return std::tie(a.village_code(), a.name(), a.device_id()) <
           std::tie(b.village_code(), b.name(), b.device_id());
  });
  for (const auto& c : cadres_) {
    auto row = out->add_by_cadre();
    row->set_device_id(c.device_id());
    row->set_name(c.name());
    row->set_village_code(c.village_code());
    row->set_kind(c.kind());
    const auto it = workers_.find(WorkerKey(c.device_id(), c.name()));
    row->set_households_visited(it == workers_.end() ? 0 : it->second);
    row->set_quota(months * (c.kind() == gridsync::v1::CADRE_KIND_PARTY_MEMBER ? party_member_quota_
                                                                               : cadre_quota_));
    row->set_met(row->households_visited() >= row->quota());
    out->set_cadres(out->cadres() + 1);
    out->set_met(out->met() + row->met());
    out->set_households_visited(out->households_visited() + row->households_visited());
  }
  out->set_rate(FiguresOf(out_).cadre_rate.value_or(0));
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

// Each village's months: reported when at least one report came, a 零报告
// when its reports found nothing at all.
void CoverageBuilder::FinishScreening() {
  auto* out = out_.mutable_screening();
  for (const auto& [village, months] : screenings_) {
    gridsync::v1::VillageScreening row;
    row.set_village_code(village);
    for (const auto& [month, s] : months) {
      row.set_months(row.months() + 1);
      if (s.reports() == 0) continue;
      row.set_months_reported(row.months_reported() + 1);
      if (s.disputes_found() == 0 && s.hazards_found() == 0)
        row.set_zero_reports(row.zero_reports() + 1);
      row.set_reports(row.reports() + s.reports());
      row.set_disputes_found(row.disputes_found() + s.disputes_found());
      row.set_hazards_found(row.hazards_found() + s.hazards_found());
    }
    out->set_villages(out->villages() + 1);
    out->set_village_months(out->village_months() + row.months());
    out->set_reported(out->reported() + row.months_reported());
    out->set_zero_reports(out->zero_reports() + row.zero_reports());
    out->set_disputes_found(out->disputes_found() + row.disputes_found());
    out->set_hazards_found(out->hazards_found() + row.hazards_found());
    if (row.months_reported() < row.months())
      out->set_villages_not_reported(out->villages_not_reported() + 1);
    *out->add_by_village() = std::move(row);
  }
  out->set_rate(FiguresOf(out_).screening_rate.value_or(0));
}

gridsync::v1::GetCoverageResponse CoverageBuilder::Finish() && {
  FinishVisits();
  SetRates(&out_);
  FinishPatrols();
  FinishScreening();
  out_.mutable_trouble_spots()->set_rate(FiguresOf(out_).trouble_spot_rate.value_or(0));
  out_.mutable_tasks()->set_rate(FiguresOf(out_).task_rate.value_or(0));
  FinishVerification();
  FinishCadres();
  *out_.mutable_surveys() = surveys_.Finish();
  return std::move(out_);
}

}  // namespace gridsync::core
