// The monthly report as a spreadsheet (.xlsx), for the township office that
// sorts, filters and forwards it: one sheet per table of the HTML report
// (汇总, 乡镇排名 for a county, 村排名, 未达标, 逾期未管控, 未按期关爱,
// 未结纠纷). Rates are numbers formatted as percentages, so a clerk can sort
// and sum them; a figure with nothing to count is an empty cell, not 0.
// Written with Debian's libxlsxwriter.
#ifndef GRIDSYNC_TOOLS_COMMON_REPORT_XLSX_H_
#define GRIDSYNC_TOOLS_COMMON_REPORT_XLSX_H_

#include <string>

#include "absl/status/status.h"
#include "tools/common/report.h"

namespace gridsync::tools {

// Writes `r` to `path` (replacing it). INTERNAL naming libxlsxwriter's
// error when the file cannot be written.
absl::Status WriteReportXlsx(const MonthlyReport& r, const std::string& path);

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_REPORT_XLSX_H_
