// The monthly assessment (一月一考核): the figures a township ranks its
// villages on and the county its towns, each defined once, here, from the
// counts of coverage_service.proto Coverage. The server sets the rates of
// its answers with them (SetRates), the phone its offline figures, and the
// report and the export read them from there: a township official reading
// the report finds the secretary's number on the phone.
//
// A figure with nothing to count (no households, nobody supervised, no
// case registered, no week ended, nobody answering) is absent, not 0%: it
// neither lowers nor raises a score.
#ifndef GRIDSYNC_CORE_ASSESSMENT_H_
#define GRIDSYNC_CORE_ASSESSMENT_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "gridsync/v1/coverage_service.pb.h"

namespace gridsync::core {

struct AssessmentFigures {
  // 入户率: households visited (somebody home) / households in the registry.
  std::optional<double> visit_rate;
  // 管控率: (supervised persons - overdue) / supervised persons: checked in
  // their interval, or under the policy for less than one interval.
  // Over the groups under supervision only (监管).
  std::optional<double> check_rate;
  // 关爱率: the same over the care groups (孤寡老人, 留守儿童, 残疾人).
  std::optional<double> care_rate;
  // 化解在基层率: cases resolved by the unit itself / cases registered. A
  // case escalated (上交) is not the unit's, whatever became of it after.
  std::optional<double> grassroots_rate;
  // 调处率: cases resolved by the unit / (registered - escalated): of the
  // cases it kept, how many it settled. Shown beside 化解在基层率, never
  // scored: escalating a case would raise it.
  std::optional<double> mediation_rate;
  // 回访率: resolved cases with every party followed up / resolved cases.
  std::optional<double> follow_up_rate;
  // 回访满意率: follow-ups of those cases with the party satisfied /
  // follow-ups of those cases.
  std::optional<double> follow_up_satisfaction_rate;
  // 积案化解率: backlog cases (积案, open past the county's backlog age at
  // some time in the period) the unit resolved itself by as_of / backlog
  // cases (core/coverage.h CountBacklogCase).
  std::optional<double> backlog_clearance_rate;
  // 排查上报率: the months each village reported its dispute screening for
  // (a 零报告 included) / the months it was to report for
  // (coverage_service.proto ScreeningCoverage).
  std::optional<double> screening_rate;
  // 排查整治率: trouble spots on the register in the period rectified by
  // as_of / trouble spots on it (coverage_service.proto
  // TroubleSpotCoverage).
  std::optional<double> trouble_spot_rate;
  // 督办按期办结率: the office's tasks due in the period that it confirmed
  // done by their deadline / tasks due (coverage_service.proto
  // TaskCoverage).
  std::optional<double> task_rate;
  // 核实率 (复查 / 电话抽查): visits verified that the household confirmed /
  // visits verified, the household reached (VerificationCoverage).
  std::optional<double> verification_rate;
  // 干部参与率: cadres and party members who visited their quota of
  // households / those on the rosters (CadreCoverage).
  std::optional<double> cadre_rate;
  // 巡逻率 (平安夜巡): weeks that met the policy / weeks counted, as
  // AddVillagePatrols sets it (core/safety_figures.h).
  std::optional<double> patrol_rate;
  // 安全感率 and 满意率: the official scale's top two levels (安全 + 基本安全,
  // 满意 + 基本满意) / those who answered the question, 不清楚 included,
  // as SurveyTally sets them (core/safety_figures.h).
  std::optional<double> safety_rate;
  std::optional<double> satisfaction_rate;
  // 满意度得分 / 100: the county's points of the satisfaction answers
  // other than 不清楚, averaged (CheckPolicy.satisfaction_points), so that it
  // weighs like a rate; reports print it as points (85.0 分).
  std::optional<double> satisfaction_score;
  // 知晓率 and 参与率: answers with a counted choice / answers, over the
  // questions a form marks (SurveyQuestion.purpose).
  std::optional<double> awareness_rate;
  std::optional<double> participation_rate;
};

// The figures of `c`'s counts.
AssessmentFigures FiguresOf(const gridsync::v1::GetCoverageResponse& c);

// `num / den`; absent when den <= 0.
std::optional<double> RateOf(int64_t num, int64_t den);

// How much each figure weighs in a unit's score (综合得分), as the county
// sets them (gridsyncctl report --weights FILE). A score is the weighted
// mean of the unit's present figures, so weights are relative: 40/30/30
// and 4/3/3 score alike. 调处率 has none (see above).
struct ScoreWeights {
  double visit = 1, check = 1, grassroots = 1, follow_up = 0, patrol = 0, safety = 0,
         satisfaction = 0, care = 0, follow_up_satisfaction = 0, satisfaction_score = 0,
         awareness = 0, participation = 0, backlog = 0, screening = 0, trouble_spot = 0, task = 0,
         verification = 0, cadre = 0;
};

// A figure that can be scored, as reports and the county's weights name it.
struct NamedFigure {
  const char* chinese;  // 入户率
  const char* english;  // visit
  double ScoreWeights::*weight;
  std::optional<double> AssessmentFigures::*figure;
};
// Every figure that can be scored, in the order reports print them.
std::span<const NamedFigure> ScorableFigures();

// The weighted mean of the present figures whose weight is above 0, from
// 0 to 1; absent when none is.
std::optional<double> Score(const AssessmentFigures& f, const ScoreWeights& w);

// Weights from text a county writes: one "figure = weight" a line, the
// figure by its Chinese name (入户率, 管控率, 关爱率, 化解在基层率, 回访率,
// 回访满意率, 积案化解率, 排查上报率, 排查整治率, 督办按期办结率, 核实率,
// 干部参与率, 巡逻率,
// 安全感率, 满意率, 满意度得分, 知晓率, 参与率) or its English one (visit,
// check, care, grassroots, follow_up, follow_up_satisfaction, backlog,
// screening, trouble_spot, task, verification, cadre, patrol, safety, satisfaction,
// satisfaction_score, awareness, participation); '#' starts a comment. Figures
// not named weigh 0. INVALID_ARGUMENT naming the line for an unknown
// figure, a weight that is not a number from 0 to 1000, or no weight above
// 0.
absl::StatusOr<ScoreWeights> ParseWeights(std::string_view text);

// "入户率 40%, 管控率 30%, 化解在基层率 30%": the weights as shares, for the
// report to print.
std::string DescribeWeights(const ScoreWeights& w);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_ASSESSMENT_H_
