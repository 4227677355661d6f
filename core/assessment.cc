#include "core/assessment.h"

#include <array>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace gridsync::core {
namespace {

// A rate the counting set already (SurveyTally, AddVillagePatrols), present
// when it had something to count.
std::optional<double> Given(double rate, int64_t den) {
  if (den <= 0) return std::nullopt;
  return rate;
}

constexpr std::array<NamedFigure, 18> kWeights = {{
    {"入户率", "visit", &ScoreWeights::visit, &AssessmentFigures::visit_rate},
    {"管控率", "check", &ScoreWeights::check, &AssessmentFigures::check_rate},
    {"关爱率", "care", &ScoreWeights::care, &AssessmentFigures::care_rate},
    {"化解在基层率", "grassroots", &ScoreWeights::grassroots, &AssessmentFigures::grassroots_rate},
    {"回访率", "follow_up", &ScoreWeights::follow_up, &AssessmentFigures::follow_up_rate},
    {"回访满意率", "follow_up_satisfaction", &ScoreWeights::follow_up_satisfaction,
     &AssessmentFigures::follow_up_satisfaction_rate},
    {"积案化解率", "backlog", &ScoreWeights::backlog, &AssessmentFigures::backlog_clearance_rate},
    {"排查上报率", "screening", &ScoreWeights::screening, &AssessmentFigures::screening_rate},
    {"排查整治率", "trouble_spot", &ScoreWeights::trouble_spot,
     &AssessmentFigures::trouble_spot_rate},
    {"督办按期办结率", "task", &ScoreWeights::task, &AssessmentFigures::task_rate},
    {"核实率", "verification", &ScoreWeights::verification, &AssessmentFigures::verification_rate},
    {"干部参与率", "cadre", &ScoreWeights::cadre, &AssessmentFigures::cadre_rate},
    {"巡逻率", "patrol", &ScoreWeights::patrol, &AssessmentFigures::patrol_rate},
    {"安全感率", "safety", &ScoreWeights::safety, &AssessmentFigures::safety_rate},
    {"满意率", "satisfaction", &ScoreWeights::satisfaction, &AssessmentFigures::satisfaction_rate},
    {"满意度得分", "satisfaction_score", &ScoreWeights::satisfaction_score,
     &AssessmentFigures::satisfaction_score},
    {"知晓率", "awareness", &ScoreWeights::awareness, &AssessmentFigures::awareness_rate},
    {"参与率", "participation", &ScoreWeights::participation,
     &AssessmentFigures::participation_rate},
}};

}  // namespace

std::span<const NamedFigure> ScorableFigures() { return kWeights; }

std::optional<double> RateOf(int64_t num, int64_t den) {
  if (den <= 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

AssessmentFigures FiguresOf(const gridsync::v1::GetCoverageResponse& c) {
  AssessmentFigures f;
  f.visit_rate = RateOf(c.visits().visited(), c.visits().households());
  f.check_rate = RateOf(c.checks().persons() - c.checks().overdue(), c.checks().persons());
  f.care_rate = RateOf(c.care().persons() - c.care().overdue(), c.care().persons());
  const auto& cases = c.cases();
  f.grassroots_rate = RateOf(cases.resolved(), cases.registered());
  f.mediation_rate = RateOf(cases.resolved(), cases.registered() - cases.escalated());
  f.follow_up_rate = RateOf(cases.followed_up_both(), cases.resolved());
  f.follow_up_satisfaction_rate = RateOf(cases.follow_ups_satisfied(), cases.follow_ups());
  f.backlog_clearance_rate = RateOf(cases.backlog_cleared(), cases.backlog());
  f.patrol_rate = Given(c.patrols().rate(), c.patrols().weeks());
  f.screening_rate = RateOf(c.screening().reported(), c.screening().village_months());
  f.trouble_spot_rate = RateOf(c.trouble_spots().rectified(), c.trouble_spots().spots());
  f.task_rate = RateOf(c.tasks().on_time(), c.tasks().due());
  f.verification_rate = RateOf(c.verification().confirmed(), c.verification().verified());
  f.cadre_rate = RateOf(c.cadres().met(), c.cadres().cadres());
  const auto& q = c.surveys();
  f.safety_rate = Given(q.safety_rate(), q.safety_answers());
  f.satisfaction_rate = Given(q.satisfaction_rate(), q.satisfaction_answers());
  const std::optional<double> points = Given(q.satisfaction_score(), q.satisfaction_scored());
  if (points) f.satisfaction_score = *points / 100;
  f.awareness_rate = RateOf(q.aware(), q.awareness_answers());
  f.participation_rate = RateOf(q.participated(), q.participation_answers());
  return f;
}

std::optional<double> Score(const AssessmentFigures& f, const ScoreWeights& w) {
  double sum = 0, weights = 0;
  for (const NamedFigure& n : kWeights) {
    const std::optional<double>& rate = f.*n.figure;
    if (!rate || w.*n.weight <= 0) continue;
    sum += *rate * (w.*n.weight);
    weights += w.*n.weight;
  }
  if (weights <= 0) return std::nullopt;
  return sum / weights;
}

absl::StatusOr<ScoreWeights> ParseWeights(std::string_view text) {
  ScoreWeights w;
  for (const NamedFigure& n : kWeights) w.*n.weight = 0;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    const absl::string_view name = absl::StripAsciiWhitespace(kv.first);
    const NamedFigure* found = nullptr;
    for (const NamedFigure& n : kWeights) {
      if (name == n.chinese || name == n.english) found = &n;
    }
    double value = -1;
    if (found == nullptr || !absl::SimpleAtod(absl::StripAsciiWhitespace(kv.second), &value) ||
        !(value >= 0 && value <= 1000)) {
      std::string names;
      for (const NamedFigure& n : kWeights) absl::StrAppend(&names, " ", n.chinese);
      return absl::InvalidArgumentError(absl::StrCat(
          "weights line ", line_no, " '", line,
          "': write 'figure = weight', a weight from 0 to 1000, the figure one of", names));
    }
    w.*found->weight = value;
  }
  for (const NamedFigure& n : kWeights) {
    if (w.*n.weight > 0) return w;
  }
  return absl::InvalidArgumentError("weights: no figure weighs more than 0");
}

std::string DescribeWeights(const ScoreWeights& w) {
  double total = 0;
  for (const NamedFigure& n : kWeights) total += w.*n.weight;
  std::string out;
  for (const NamedFigure& n : kWeights) {
    if (w.*n.weight <= 0) continue;
    absl::StrAppend(&out, out.empty() ? "" : ", ", n.chinese, " ",
                    static_cast<int>(w.*n.weight / total * 100 + 0.5), "%");
  }
  return out;
}

}  // namespace gridsync::core
