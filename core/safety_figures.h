// The programme's two figures besides coverage (coverage_service.proto
// PatrolCoverage and SurveyCoverage): the patrol rate of 平安夜巡 and the
// questionnaire's 安全感率 and 满意率. Pure counting over the marks of
// core/coverage.h, shared by the server's CoverageService and the SDK's
// offline figures, so that both give the same numbers for the same records.
#ifndef GRIDSYNC_CORE_SAFETY_FIGURES_H_
#define GRIDSYNC_CORE_SAFETY_FIGURES_H_

#include <cstdint>
#include <map>
#include <optional>
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

// When a patrol is 夜巡: it starts within [from_minute, to_minute) of a day
// in China time, running past midnight when from_minute > to_minute.
struct NightWindow {
  int32_t from_minute = 20 * 60, to_minute = 6 * 60;
  bool Contains(int64_t ms) const;
};
// The county's window (CheckPolicy.night_from_minute); 20:00 to 06:00 when
// unset (from == to) or out of 0..1439.
NightWindow NightWindowOf(const gridsync::v1::CheckPolicy& policy);

// A patrol as the figures count it.
struct PatrolStart {
  int64_t ms = 0;
  bool police = false;  // PatrolMark::police
  auto operator<=>(const PatrolStart&) const = default;
};

// What a village's figures count patrols under.
struct PatrolRules {
  int32_t per_week = 1;
  NightWindow night;
};
PatrolRules PatrolRulesOf(const gridsync::v1::CheckPolicy& policy);

// One village's figures for `period` (coverage_service.proto
// VillagePatrols): only night patrols count; the others are `daytime`.
// REQUIRES: `starts` is sorted and holds every patrol of the village
// started within PatrolSpan(period); starts outside it are ignored.
gridsync::v1::VillagePatrols CountVillagePatrols(const std::string& village_code,
                                                 const std::vector<PatrolStart>& starts,
                                                 const PatrolRules& rules,
                                                 const ResolvedPeriod& period);

// Adds a village's row to the totals (and to by_village) and sets the rate.
// REQUIRES: out's per_week and night window were set (SetPatrolRules).
void AddVillagePatrols(const gridsync::v1::VillagePatrols& row, gridsync::v1::PatrolCoverage* out);
// Records the rules the figures are counted under.
void SetPatrolRules(const PatrolRules& rules, gridsync::v1::PatrolCoverage* out);

// --- 安全感 and 满意度 ---------------------------------------------------------

// The official scale's level of an answer (records.proto SafetyAnswer):
// 0 安全, 1 基本安全, 2 不太安全, 3 不安全, 4 不清楚, an answer of the older
// scale read on it; -1 for none or a value this build does not know.
int OfficialLevel(gridsync::v1::SafetyAnswer a);
// The same for 满意度: 0 满意 ... 4 不清楚.
int OfficialLevel(gridsync::v1::SatisfactionAnswer a);
inline constexpr int kOfficialLevels = 5;

// The points of 满意, 基本满意, 不太满意 and 不满意 (CheckPolicy.
// satisfaction_points; 100, 80, 40, 0 unless the county set four).
std::vector<int32_t> SatisfactionPoints(const gridsync::v1::CheckPolicy& policy);

// The questions the forms mark as measuring 知晓 or 参与, and which of
// their choices count.
class QuestionPurposes {
 public:
  void AddForm(const gridsync::v1::SurveyForm& form);
  struct Counted {
    gridsync::v1::QuestionPurpose purpose;
    bool counts;  // the choice is one of counted_choices
  };
  // What choice `choice` of question `question_id` of form `version`
  // counts for; nullopt when the question has no purpose.
  std::optional<Counted> Of(const std::string& version, const std::string& question_id,
                            int32_t choice) const;

 private:
  std::map<std::pair<std::string, std::string>,
           std::pair<gridsync::v1::QuestionPurpose, std::set<int32_t>>>
      questions_;
};

// The questionnaires of a scope and period, added one at a time.
class SurveyTally {
 public:
  // `points` from SatisfactionPoints; `purposes` must outlive the tally.
  SurveyTally(std::vector<int32_t> points, const QuestionPurposes* purposes);
  // REQUIRES: `m` was asked within the period and its record is not voided.
  void Add(const SurveyMark& m);
  // The figures of everything added (rates with no answers are 0).
  gridsync::v1::SurveyCoverage Finish() const;

 private:
  struct Counts {
    int64_t answered = 0;
    int64_t safety_answers = 0, safety_top = 0;
    int64_t satisfaction_answers = 0, satisfaction_top = 0;
    int64_t scored = 0, points = 0;  // 满意度得分
    int64_t awareness_answers = 0, aware = 0;
    int64_t participation_answers = 0, participated = 0;
  };
  void Count(const SurveyMark& m, Counts* k) const;
  static void Fill(const Counts& k, gridsync::v1::SurveyGroup* g);

  std::vector<int32_t> points_;
  const QuestionPurposes* purposes_;
  gridsync::v1::SurveyCoverage c_;
  Counts all_;
  std::map<std::string, Counts> grids_, villages_;
  std::set<std::string> households_;
  std::map<int, int64_t> topics_;
};

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_SAFETY_FIGURES_H_
