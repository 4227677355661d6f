// The monthly assessment report (一月一考核): towns and villages of a county
// ranked by households visited (入户率), supervised persons checked in
// their interval (管控率) and disputes mediated (调处率), with the overdue
// persons and the open cases; and the town's two reports after every round
// (对每次民调情况和平安夜巡情况及时通报): the patrol rate per village
// (巡逻率) and the questionnaire's 安全感率 and 满意率 per village, lowest
// first, with the opinions raised most often. Built from CoverageService answers; rendered
// as a terminal table and as a self-contained HTML page with SVG charts.
#ifndef GRIDSYNC_TOOLS_GRIDSYNCCTL_REPORT_H_
#define GRIDSYNC_TOOLS_GRIDSYNCCTL_REPORT_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"

namespace gridsync::tools {

struct UnitRow {
  gridsync::v1::OrgUnit unit;
  gridsync::v1::Coverage coverage;
  // A rate is absent when there is nothing to count (no households, no
  // supervised persons, no case to mediate); it then does not count for
  // the score.
  std::optional<double> visit_rate, check_rate, mediation_rate;
  double score = 0;  // mean of the present rates
  // Reported beside the score, not in it: absent with no week counted or
  // nobody answering.
  std::optional<double> patrol_rate, safety_rate, satisfaction_rate;
  int rank = 0;  // 1 = best; units without any rate are not ranked (0)
};

struct MonthlyReport {
  std::string county_code, county_name, month;
  int64_t generated_at_ms = 0;
  UnitRow county;                        // the whole county, scored like its towns (not ranked)
  std::vector<UnitRow> towns, villages;  // ranked, best first
  std::vector<gridsync::v1::OverduePerson>
      overdue;  // absent or out of contact first, then most overdue
  int64_t overdue_total = 0;
  std::vector<gridsync::v1::CaseSummary> open_cases;  // past deadline first
  std::vector<bool> past_deadline;
  int64_t open_total = 0;
  std::map<std::string, std::string> names;  // org code -> name
};

// Asks the server; `list_limit` bounds the overdue and open lists.
absl::StatusOr<MonthlyReport> BuildMonthlyReport(const std::shared_ptr<grpc::Channel>& channel,
                                                 const std::string& token,
                                                 const std::string& county_code,
                                                 const std::string& month, int list_limit = 200);

std::string RenderReportTable(const MonthlyReport& r);
std::string RenderReportHtml(const MonthlyReport& r);

// Columns of a terminal: CJK and other wide characters take two.
int DisplayWidth(const std::string& utf8);

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_GRIDSYNCCTL_REPORT_H_
