// 督办 (一月一调度): the town office's tasks to its villages (records.proto
// Task), who may write what on them, and their state.
//
// A task's state is never stored: it is read from its steps (an add-wins
// log, so offline phones and the office never conflict over it), taken in
// the order they were written (each step's stamp, then its element id) as a
// small machine:
//
//   ASSIGNED --签收--> ACCEPTED --报结--> DONE --确认--> CONFIRMED (final)
//       |                                  |
//       +-------------报结-----------------+ <--报结-- RETURNED <--退回-- DONE
//
// A step that does not fit the state it meets (a confirmation of a task not
// reported done, anything after CONFIRMED, a second report while one
// awaits the office) changes nothing: two phones reporting the same task
// offline, or an office confirming a report the village has meanwhile
// amended, give every replica the same state.
#ifndef GRIDSYNC_CORE_TASK_H_
#define GRIDSYNC_CORE_TASK_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "core/coverage.h"
#include "core/validate.h"
#include "gridsync/v1/coverage_service.pb.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/record_state.pb.h"
#include "gridsync/v1/registry.pb.h"

namespace gridsync::core {

// The task `s` as lists show it, its state read from its steps. Its
// `overdue` and `days_overdue` are left for TaskListOf, which knows when.
// REQUIRES: s is a task (RECORD_KIND_TASK).
gridsync::v1::TaskItem TaskItemOf(const gridsync::v1::RecordState& s);

// Whether a step `action` changes a task in state `state` (a step that
// does not is kept in the log and ignored).
bool TaskStepFits(gridsync::v1::TaskState state, gridsync::v1::TaskAction action);

// Why a device of `role` may not make the write `m` on a task (a
// PERMISSION_DENIED, the field naming the part refused); nullopt when it
// may. The town office gives, changes, confirms, sends back and voids
// tasks; the village (a grid worker, the secretary) accepts them and
// reports them done; both may add photos. Nothing here needs the task's
// state: only a town office writes tasks, and only within its own town, so
// the office that confirms is the one that gave it.
// REQUIRES: m passed ValidateMutation and is of RECORD_KIND_TASK.
std::optional<FieldViolation> TaskWriteRefusal(gridsync::v1::Role role,
                                               const gridsync::v1::Mutation& m);

// Adds `t` to the period [from_ms, to_ms)'s figures seen at `as_of`
// (coverage_service.proto TaskCoverage, 督办按期办结率). While the period
// runs, everything recorded so far counts as before as_of (a step stamped
// by a phone whose clock runs a few ms ahead is not left out); once it has
// ended, only what happened before as_of.ms.
void CountTask(const gridsync::v1::TaskItem& t, int64_t from_ms, int64_t to_ms, AsOf as_of,
               gridsync::v1::TaskCoverage* out);

// Whether `t` is overdue at `as_of` (what happened before it, as
// CountTask): not confirmed, past its deadline, and not reported done by
// the deadline (a task the village reported in time waits on the office,
// and is not the village's delay).
bool TaskOverdue(const gridsync::v1::TaskItem& t, AsOf as_of);

// The list of `tasks` at `now_ms`, as phone and server show it: open ones
// first, overdue first (longest overdue first), then by deadline; then the
// confirmed ones, latest confirmed first; `open_only` leaves those out.
// The page is [offset, offset + limit); total, open and overdue count the
// whole list. REQUIRES: offset >= 0, limit > 0.
gridsync::v1::ListTasksResponse TaskListOf(std::vector<gridsync::v1::TaskItem> tasks,
                                           int64_t now_ms, bool open_only, int64_t offset,
                                           int64_t limit);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_TASK_H_
