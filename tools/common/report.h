// The monthly assessment report (一月一考核): the villages of a town, or the
// towns and villages of a county, ranked by a score of the figures of
// core/assessment.h (入户率, 管控率, 关爱率, 化解在基层率, and what the county's
// weights add), against last month, with the units below 100% named and the
// last three called out; the overdue persons and the open cases; and the town's two reports after
// every round (对每次民调情况和平安夜巡情况及时通报): the patrol rate per village (巡逻率) and the
// questionnaire's 安全感率 and 满意率 per village, lowest first, with the opinions raised most
// often. Built from CoverageService answers; rendered as a terminal table and as a self-contained
// HTML page with SVG charts.
#ifndef GRIDSYNC_TOOLS_COMMON_REPORT_H_
#define GRIDSYNC_TOOLS_COMMON_REPORT_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/assessment.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"

namespace gridsync::tools {

struct UnitRow {
  gridsync::v1::OrgUnit unit;
  gridsync::v1::GetCoverageResponse coverage;
  // As core/assessment.h defines them: the numbers of the server's answers
  // and of the secretary's phone. A rate is absent when there is nothing to
  // count; it then does not count for the score.
  core::AssessmentFigures figures;
  std::optional<double> score;             // core::Score under the report's weights
  std::optional<double> last_month_score;  // the same for the month before
  // 年度累计: the mean of the scores of the year's months up to this one,
  // from the first in which the report's whole scope recorded any work
  // (months without a score left out); absent when none has one.
  std::optional<double> year_score;
  int year_months = 0;  // the months it is the mean of
  int rank = 0;         // 1 = best; units without a score are not ranked (0)
};

struct MonthlyReport {
  std::string scope_code, scope_name, month;
  gridsync::v1::OrgLevel level = gridsync::v1::ORG_LEVEL_UNSPECIFIED;  // a town or the county
  core::ScoreWeights weights;
  int64_t generated_at_ms = 0;
  UnitRow scope;                  // the whole scope, scored like its units (not ranked)
  std::vector<UnitRow> towns;     // a county's towns, ranked, best first
  std::vector<UnitRow> villages;  // the scope's villages, ranked, best first
  // The supervised (管控) needing a visit: absent or out of contact first,
  // then most overdue.
  std::vector<gridsync::v1::OverduePerson> overdue;
  int64_t overdue_total = 0;
  // The same for the care groups (关爱).
  std::vector<gridsync::v1::OverduePerson> care_due;
  int64_t care_due_total = 0;
  // Open at the month's end (or now, while it runs), past deadline first,
  // each with its status then.
  std::vector<gridsync::v1::CaseSummary> open_cases;
  std::vector<gridsync::v1::CaseStatus> status_then;
  std::vector<bool> past_deadline;
  std::vector<bool> backlog;  // 积案 then (CheckPolicy.backlog_days)
  int64_t open_total = 0;
  // 督办: the office's tasks not yet confirmed, overdue first, as they stand
  // when the report is made (core::TaskListOf).
  std::vector<gridsync::v1::TaskItem> open_tasks;
  int64_t open_tasks_total = 0, overdue_tasks = 0;
  std::map<std::string, std::string> names;  // org code -> name
  // The months the rows were compared with: last month ("" when the scope
  // had not begun then) and the year's earlier months 年度累计 counts.
  std::string last_month;
  std::vector<std::string> year;
  // When BuildMonthlyReport asked every row (RefreshMonthlyReport keeps it).
  int64_t rows_asked_at_ms = 0;
};

// "2026-10" for "2026-11"; INVALID_ARGUMENT for a month that is not YYYY-MM.
absl::StatusOr<std::string> PreviousMonth(const std::string& month);
// The months of `month`'s year before it: "2026-01" ... "2026-10" for
// "2026-11"; none for January.
std::vector<std::string> EarlierMonthsOfYear(const std::string& month);

// Asks the server for a town's or the county's month (`scope_code`): its
// units' coverage this month and last, ranked under `weights`, and the
// overdue and open lists (`list_limit` rows each).
absl::StatusOr<MonthlyReport> BuildMonthlyReport(const std::shared_ptr<grpc::Channel>& channel,
                                                 const std::string& token,
                                                 const std::string& scope_code,
                                                 const std::string& month,
                                                 const core::ScoreWeights& weights = {},
                                                 int list_limit = 200);

// `r` brought up to date after changes under `changed` (grid codes, or
// household or person ids, which begin with their grid's): the whole
// scope's row, the rows of the units holding a changed code and the lists
// asked anew, the other rows kept, then ranked again. The same report
// BuildMonthlyReport makes when nothing outside `changed` moved and the
// months compared are still those of `r` (a month's first work can add one:
// rebuild now and then).
absl::StatusOr<MonthlyReport> RefreshMonthlyReport(const std::shared_ptr<grpc::Channel>& channel,
                                                   const std::string& token, const MonthlyReport& r,
                                                   const std::vector<std::string>& changed,
                                                   int list_limit = 200);

// --- What the renderings (table, HTML, spreadsheet) share ------------------

// The village of a code within it, after its town in a county's report.
std::string VillageOf(const MonthlyReport& r, const std::string& code);
// A unit's row name: a village as VillageOf names it; a town alone.
std::string RowName(const MonthlyReport& r, const UnitRow& row);
// The units a report ranks: a county's towns, a town's villages.
const std::vector<UnitRow>& Ranked(const MonthlyReport& r);
// 治安, 电信网络诈骗 ...: how reports name an opinion's topic.
const char* OpinionTopicWord(gridsync::v1::OpinionTopic t);
// 已登记, 调解中, 已上交 ...
std::string CaseStatusWord(gridsync::v1::CaseStatus s);
// The scope's workers, a row per phone named by its holder, fewest
// households visited first (who to ask first).
std::vector<gridsync::v1::WorkerVisits> WorkerRows(const MonthlyReport& r);
// A phone's visits verified (复查) in the report's month: its row of
// VerificationCoverage.by_worker, empty when none was.
gridsync::v1::WorkerVerification VerificationOf(const MonthlyReport& r,
                                                const std::string& device_id);
// 村, 镇 or 县: who holds a case (core/case_level.h).
std::string CaseLevelWord(gridsync::v1::CaseLevel level);
// Who answers for an open case: its mediator (else who registered it) while
// the village holds it; the office of the level above once escalated, with
// the village's holder after it.
std::string CaseHolderText(const gridsync::v1::CaseSummary& c);
// The units whose office receives escalated cases, with the level it
// receives at (上交受理): the scope's own (a town, or the county), then for
// the county each town.
std::vector<std::pair<const UnitRow*, gridsync::v1::CaseLevel>> ReceivingUnits(
    const MonthlyReport& r);
// 排查未上报: the villages of the scope that missed reporting their dispute
// screening for the month (ScreeningCoverage), named as VillageOf names
// them, in code order.
std::vector<std::string> UnreportedVillages(const MonthlyReport& r);

// "积案 急大难 民转刑", as the open-case list marks a case (积案 when
// `backlog`: ListOpenCasesResponse.backlog); "" for none.
std::string CaseMarks(const gridsync::v1::CaseSummary& c, bool backlog);

// 未达标: a scored figure's units below 100%, lowest first.
struct Shortfall {
  const char* figure;
  std::optional<double> core::AssessmentFigures::*rate;
  std::vector<const UnitRow*> units;
};
std::vector<Shortfall> Shortfalls(const MonthlyReport& r, const std::vector<UnitRow>& rows);
// The last three ranked units (后三名), last first.
std::vector<const UnitRow*> LastThree(const std::vector<UnitRow>& rows);

std::string RenderReportTable(const MonthlyReport& r);
std::string RenderReportHtml(const MonthlyReport& r);

// Columns of a terminal: CJK and other wide characters take two.
int DisplayWidth(const std::string& utf8);

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_REPORT_H_
