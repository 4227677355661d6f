// The township's 通报 after each round (对每次民调情况和平安夜巡情况及时通报),
// as pages to print on A4 from the browser: a week's night patrols by
// village, and a month's questionnaire by village against the county's
// quota. Whole HTML pages with their own print stylesheet and no script.
// (The month's assessment is the report of tools/gridsyncctl/report.h.)
#ifndef GRIDSYNC_TOOLS_WEB_NOTICES_H_
#define GRIDSYNC_TOOLS_WEB_NOTICES_H_

#include <string>

#include "absl/status/statusor.h"
#include "tools/web/office.h"
#include "tools/web/view_util.h"

namespace gridsync::web {

// The week holding `params["week"]` (YYYY-MM-DD, any day of it; default:
// last week, the one a Monday's 通报 is about), Monday to Sunday.
absl::StatusOr<std::string> PatrolNotice(Office& office, const Params& params);
// The month `params["month"]` (default: the current one).
absl::StatusOr<std::string> SurveyNotice(Office& office, const Params& params);

}  // namespace gridsync::web

#endif  // GRIDSYNC_TOOLS_WEB_NOTICES_H_
