// The township's 通报 after each round (对每次民调情况和平安夜巡情况及时通报):
// a week's night patrols by village, and a month's questionnaire by village
// against the county's quota. Each is one table with its title and the
// paragraph the office reads out, rendered as a page to print on A4 from
// the browser (its own print stylesheet, no script) and as a workbook.
// (The month's assessment is the report of tools/common/report.h.)
#ifndef GRIDSYNC_TOOLS_WEB_NOTICES_H_
#define GRIDSYNC_TOOLS_WEB_NOTICES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/common/xlsx_book.h"
#include "tools/web/office.h"
#include "tools/web/view_util.h"

namespace gridsync::web {

struct Notice {
  std::string title;     // "大金店镇 2026-11-30 至 2026-12-06 平安夜巡情况通报"
  std::string standard;  // the line under it: what meets the mark
  std::string summary;   // the paragraph: who fell short, what was raised
  std::string file;      // the workbook's name, without ".xlsx"
  std::vector<std::string> header;
  std::vector<std::vector<tools::XlsxCell>> rows;
  std::vector<bool> short_of;  // per row: below the mark (printed in red)
};

// The week holding `params["week"]` (YYYY-MM-DD, any day of it; default:
// last week, the one a Monday's 通报 is about), Monday to Sunday.
absl::StatusOr<Notice> PatrolNotice(Office& office, const Params& params);
// The month `params["month"]` (default: the current one).
absl::StatusOr<Notice> SurveyNotice(Office& office, const Params& params);

std::string NoticeHtml(const Notice& n);
// Writes `n` as a workbook at `path` (one sheet).
absl::Status WriteNoticeXlsx(const Notice& n, const std::string& path);

}  // namespace gridsync::web

#endif  // GRIDSYNC_TOOLS_WEB_NOTICES_H_
