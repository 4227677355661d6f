// CoverageBuilder assembles a scope's GetCoverageResponse for a period from
// the entities its caller finds: the server from its coverage index
// (server/coverage_index.cc), the phone from its replica
// (client_sdk/day_view.cc). Each finds them its own way; what they add up to,
// and every roll-up and rate, is decided here once, so that the phone and
// the server give the same figures for the same records.
//
// A new figure is added in coverage_service.proto and here: every form the
// figures cross (the C API, JNI, Java, the report's JSON) carries the
// message whole.
//
// The figures' definitions are in coverage_service.proto and
// core/assessment.h; the per-entity counting is in core/coverage.h and
// core/safety_figures.h.
//
// Example:
//   CoverageBuilder b(ScopePrefix(scope_code), period, policy);
//   b.AddHouseholds(grid, 40);  b.AddVisited(grid, 31);  ...
//   GetCoverageResponse c = std::move(b).Finish();
//
// Not thread-safe; one builder makes one answer.
#ifndef GRIDSYNC_CORE_COVERAGE_BUILDER_H_
#define GRIDSYNC_CORE_COVERAGE_BUILDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/coverage.h"
#include "core/safety_figures.h"
#include "gridsync/v1/coverage_service.pb.h"

namespace gridsync::core {

class CoverageBuilder {
 public:
  // `scope_prefix` is core::ScopePrefix of the scope's code (the caller
  // sets the answer's scope_code); `policy` gives the patrol rules and the
  // satisfaction points.
  CoverageBuilder(std::string scope_prefix, const ResolvedPeriod& period,
                  const gridsync::v1::CheckPolicy& policy);

  // The org-code prefix of the scope: a caller finds the entities under it.
  const std::string& prefix() const { return prefix_; }
  const ResolvedPeriod& period() const { return period_; }
  // The level whose 上交受理 the scope's office counts (a town's or the
  // county's), or UNSPECIFIED for a village or grid.
  gridsync::v1::CaseLevel receiving_level() const { return receiving_; }

  // --- 入户 ------------------------------------------------------------------
  // Visits count for active households only (a household moved out or
  // standing empty is out of the figures). A grid is in the figures once it
  // has households.

  // `n` more active households in `grid`.
  void AddHouseholds(const std::string& grid, int64_t n);
  // `n` more of the grid's active households visited (a counting visit,
  // somebody home) in the period; a negative `n` takes back what a caller's
  // running counters held for households no longer active.
  void AddVisited(const std::string& grid, int64_t n);
  // `n` more distinct households the worker (core::WorkerKey) visited.
  void AddWorkerHouseholds(const std::string& worker, int64_t n);
  // `n` more counting visits carrying an attachment (evidence).
  void AddPhotoVisits(int64_t n);
  // The grids with households so far, in code order.
  std::vector<std::string> Grids() const;

  // --- 管控 / 关爱 -------------------------------------------------------------

  // A supervised person evaluated at the period's as_of (EvaluatePerson).
  void AddPerson(const PersonDue& due);

  // --- 矛盾纠纷 ---------------------------------------------------------------
  // Any case of the scope may be offered to each: the builder counts only
  // those the figures' definitions take.

  // Counted as registered when it was registered in the period in a grid
  // with households (so after the AddHouseholds calls).
  void AddRegisteredCase(const gridsync::v1::CaseSummary& c);
  // Counted as open when the village held it open at as_of.
  void AddOpenCase(const gridsync::v1::CaseSummary& c);
  // A town's or the county's office: counted in `received` when the case
  // reached receiving_level() in the period or it held it open at as_of.
  // No effect for a village or grid.
  void AddEscalatedCase(const gridsync::v1::CaseSummary& c);
  // 积案: a case can be one in the period only if registered before
  // aged_before() (the period's end less the backlog age); a caller offers
  // every case of the scope registered before then, each once. Counted at
  // the village and, for a town's or the county's office, at its level
  // (core/coverage.h CountBacklogCase).
  int64_t aged_before() const { return period_.to_ms - backlog_age_ms_; }
  void AddAgedCase(const gridsync::v1::CaseSummary& c);

  // --- 平安夜巡 ---------------------------------------------------------------
  // Patrols count for their village's weeks over PatrolSpan(from, to).

  // Where a caller finds them: the villages under village_prefix() (a
  // grid's scope is its village), the patrols under prefix() started in
  // [patrol_span().first, patrol_span().second).
  std::string village_prefix() const;
  std::pair<int64_t, int64_t> patrol_span() const;
  // A village of the scope (every one is listed, patrolled or not).
  void AddVillage(const std::string& village_code);
  // A patrol started in a grid of the scope; counted for the grid's
  // village when that village was added and the start is in patrol_span().
  void AddPatrol(const std::string& grid_code, const PatrolStart& start);

  // --- 矛盾纠纷排查上报 (排查零报告) ----------------------------------------------
  // Each village added (AddVillage) is to report for every calendar month
  // that begins within the period.

  // Those months (yyyymm), in order: where a caller finds the reports.
  const std::vector<int32_t>& screening_months() const { return screening_months_; }
  // A report recorded in a grid of the scope; counted for the grid's
  // village when that village was added and its month is one of
  // screening_months(). REQUIRES: its record is not voided.
  void AddScreening(const ScreeningMark& m);

  // --- 排查整治 ------------------------------------------------------------------
  // A trouble spot recorded in a grid of the scope (every one of them may be
  // offered: the register is counted whole, CountTroubleSpot). REQUIRES: its
  // record is not voided.
  void AddTroubleSpot(const TroubleSpotMark& m);

  // --- 督办 ----------------------------------------------------------------------
  // A task of the town office recorded in a grid of the scope (every one may
  // be offered: CountTask picks the period's). REQUIRES: its record is not
  // voided.
  void AddTask(const gridsync::v1::TaskItem& t);

  // --- 复查 / 电话抽查 -----------------------------------------------------------
  // A verified visit of a grid of the scope (any may be offered: those
  // visited in the period count). `sampled` is reckoned per village from
  // the households visited there (AddVisited) and the visits found not made.
  void AddVerification(const VerifyMark& m);

  // --- 干部参与率 -----------------------------------------------------------------
  // A cadre on the roster of a village under village_prefix() (inactive
  // ones are not counted). Their households come from the workers' counts
  // (AddWorkerHouseholds under core::WorkerKey of the device and name).
  void AddCadre(const gridsync::v1::Cadre& c);

  // --- 安全感 / 满意度 ----------------------------------------------------------

  // A form the server published, whose further questions count for 知晓率
  // and 参与率. REQUIRES: before the first AddSurvey.
  void AddForm(const gridsync::v1::SurveyForm& form);
  // A questionnaire of a household of the scope, counted when asked in the
  // period. REQUIRES: its record is not voided.
  void AddSurvey(const SurveyMark& m);

  // The answer: roll-ups over grids, workers and villages, then the rates.
  gridsync::v1::GetCoverageResponse Finish() &&;

 private:
  void FinishVisits();
  void FinishPatrols();
  void FinishScreening();
  void FinishVerification();
  void FinishCadres();

  const std::string prefix_;
  const ResolvedPeriod period_;
  const gridsync::v1::CaseLevel receiving_;
  const PatrolRules patrol_rules_;
  const int64_t backlog_age_ms_;
  gridsync::v1::GetCoverageResponse out_;
  std::map<std::string, gridsync::v1::GridVisits> grids_;    // by grid code
  std::map<std::string, int64_t> workers_;                   // WorkerKey -> households
  std::map<std::string, std::vector<PatrolStart>> patrols_;  // by village code
  const std::vector<int32_t> screening_months_;
  // By village code, then month: the reports' sum (reports, found, hazards).
  std::map<std::string, std::map<int32_t, gridsync::v1::VillageScreening>> screenings_;
  const int32_t verification_sample_;
  const int32_t cadre_quota_, party_member_quota_;
  std::vector<gridsync::v1::Cadre> cadres_;
  std::map<std::string, gridsync::v1::WorkerVerification> verifiers_;  // by the visit's WorkerKey
  std::map<std::string, int64_t> not_made_;                            // by village code
  QuestionPurposes purposes_;                                          // before surveys_
  SurveyTally surveys_;
};

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_COVERAGE_BUILDER_H_
