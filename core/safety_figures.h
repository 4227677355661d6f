// The programme's two figures besides coverage (coverage_service.proto
// PatrolCoverage and SurveyCoverage): the patrol rate of 平安夜巡 and the
// questionnaire's 安全感率 and 满意率. Pure counting over the marks of
// core/coverage.h, shared by the server's CoverageService and the SDK's
// offline figures, so that both give the same numbers for the same records.
#ifndef GRIDSYNC_CORE_SAFETY_FIGURES_H_
#define GRIDSYNC_CORE_SAFETY_FIGURES_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/coverage.h"
#include "gridsync/v1/coverage_service.pb.h"
#include "gridsync/v1/registry.pb.h"

namespace gridsync::core {

// --- 平安夜巡 ---------------------------------------------------------------

// The policy's patrols a week, 1..7 (0 or anything else reads as 1).
int32_t PatrolsPerWeek(const gridsync::v1::CheckPolicy& policy);

// 00:00 China time on the Monday of the week holding `ms`.
int64_t WeekStart(int64_t ms);

// The Mondays of the weeks that begin in [from_ms, to_ms), in order.
std::vector<int64_t> WeeksOf(int64_t from_ms, int64_t to_ms);

// The span of start times a village's figures for [from_ms, to_ms) read:
// the period itself and the whole of its weeks.
std::pair<int64_t, int64_t> PatrolSpan(int64_t from_ms, int64_t to_ms);

// One village's figures for `period` (coverage_service.proto
// VillagePatrols).
// REQUIRES: `starts` is sorted and holds the start of every patrol of the
// village within PatrolSpan(period); starts outside it are ignored.
gridsync::v1::VillagePatrols CountVillagePatrols(const std::string& village_code,
                                                 const std::vector<int64_t>& starts,
                                                 int32_t per_week, const ResolvedPeriod& period);

// Adds a village's row to the totals (and to by_village) and sets the rate.
void AddVillagePatrols(const gridsync::v1::VillagePatrols& row, gridsync::v1::PatrolCoverage* out);

// --- 安全感 and 满意度 ---------------------------------------------------------

// The questionnaires of a scope and period, added one at a time.
class SurveyTally {
 public:
  // REQUIRES: `m` was asked within the period and its record is not voided.
  void Add(const SurveyMark& m);
  // The figures of everything added (rates with no answers are 0).
  gridsync::v1::SurveyCoverage Finish() const;

 private:
  struct Counts {
    int64_t answered = 0;
    int64_t safety_answers = 0, safety_top = 0;
    int64_t satisfaction_answers = 0, satisfaction_top = 0;
  };
  gridsync::v1::SurveyCoverage c_;
  Counts all_;
  std::map<std::string, Counts> grids_, villages_;
  std::set<std::string> households_;
  std::map<int, int64_t> topics_;
};

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_SAFETY_FIGURES_H_
