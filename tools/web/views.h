// The console's pages (gridsync-web), as HTML fragments the page script
// puts in place: built here from gridsyncd's answers under the account's
// token and from its replica, with every text a phone or an import wrote
// escaped (HtmlEscape). Figures are those of core/assessment.h, as the
// report and the secretary's phone show them; each figure's cell carries
// its counts (data-num, data-den) for whoever checks them.
#ifndef GRIDSYNC_TOOLS_WEB_VIEWS_H_
#define GRIDSYNC_TOOLS_WEB_VIEWS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "tools/web/office.h"
#include "tools/web/view_util.h"

namespace gridsync::web {

// A town's or the county's month at a glance (`code`, default the
// account's scope): its units ranked on the assessment with last month and
// the year, the units below 100% named, and for a town this week's night
// patrols by village and the questionnaire's progress against its quota.
absl::StatusOr<std::string> OverviewView(Office& office, const Params& params);
// A town, village or grid (`code`): its figures, its grids and workers, the
// households not yet visited, persons due and overdue, and open cases.
absl::StatusOr<std::string> UnitView(Office& office, const Params& params);
// One phone (`device`) in a unit (`code`): the visits it recorded this
// month, grid by grid, and its grids' households not yet visited (from the
// replica; a login without one sees the count).
absl::StatusOr<std::string> WorkerView(Office& office, const Params& params);
// One record (`id`) as gridsyncd gives it to the account
// (SyncService.ReadRecord): its fields, status history, conflicts, photos
// and who wrote what when.
absl::StatusOr<std::string> RecordView(Office& office, const Params& params);
// The escalated cases the account's level holds, with the acts on them.
absl::StatusOr<std::string> QueueView(Office& office, const Params& params);
// The registry proposals of the scope: pending ones to approve or refuse.
absl::StatusOr<std::string> ProposalsView(Office& office, const Params& params);
// Persons overdue (管控 and 关爱) and cases past deadline.
absl::StatusOr<std::string> OverdueView(Office& office, const Params& params);

// 督办: the scope's tasks from the town office, overdue first (as
// CoverageService.ListTasks lists them); a town office gives tasks to its
// villages here and confirms or sends back what they report done.
absl::StatusOr<std::string> TasksView(Office& office, const Params& params);

// 复查 / 电话抽查: a village's (`village`, default the first) month's sample
// as gridsyncd draws it, with what each household said; a town office
// records the answers here.
absl::StatusOr<std::string> VerifyView(Office& office, const Params& params);

// The acts the pages offer (POST /api/act): `what` is "decide" (id,
// approve=1|0, note), "case" (id, status=ACCEPTED|MEDIATING|RESOLVED|
// ESCALATED|CLOSED), "task" (village, title, category, deadline
// YYYY-MM-DD, description: a town office gives a task) or "task-step" (id,
// step=confirm|send-back, note) or "verify" (id = the visit,
// said=confirmed|not-made|unsure|unreached, note: by phone). Returns what
// to tell the person.
absl::StatusOr<std::string> Act(Office& office, const Params& params);

}  // namespace gridsync::web

#endif  // GRIDSYNC_TOOLS_WEB_VIEWS_H_
