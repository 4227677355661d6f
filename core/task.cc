#include "core/task.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "core/view.h"

namespace gridsync::core {
namespace {

using gridsync::v1::TaskAction;
using gridsync::v1::TaskItem;
using gridsync::v1::TaskState;

struct Step {
  uint64_t hlc;
  std::string element_id;
  gridsync::v1::TaskStep step;
};

// The steps in the order they were written.
std::vector<Step> StepsOf(const gridsync::v1::RecordState& s) {
  std::vector<Step> steps;
  for (const auto& log : s.logs()) {
    if (log.log() != "steps") continue;
    for (const auto& e : log.elements()) {
      Step st{e.hlc(), e.element_id(), {}};
      if (st.step.ParseFromString(e.payload())) steps.push_back(std::move(st));
    }
  }
  std::sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
    return std::tie(a.hlc, a.element_id) < std::tie(b.hlc, b.element_id);
  });
  return steps;
}

// `t` after the step `action` made at `at_ms`; false when it does not fit.
bool Apply(TaskAction action, int64_t at_ms, TaskItem* t) {
  if (!TaskStepFits(t->state(), action)) return false;
  switch (action) {
    case gridsync::v1::TASK_ACTION_ACCEPT:
      if (t->accepted_at_ms() == 0) t->set_accepted_at_ms(at_ms);
      t->set_state(gridsync::v1::TASK_STATE_ACCEPTED);
      return true;
    case gridsync::v1::TASK_ACTION_REPORT_DONE:
      t->set_done_at_ms(at_ms);
      t->set_state(gridsync::v1::TASK_STATE_DONE);
      return true;
    case gridsync::v1::TASK_ACTION_CONFIRM:
      t->set_confirmed_at_ms(at_ms);
      t->set_state(gridsync::v1::TASK_STATE_CONFIRMED);
      return true;
    default:  // SEND_BACK: the report refused no longer counts
      t->set_done_at_ms(0);
      t->set_returned(t->returned() + 1);
      t->set_state(gridsync::v1::TASK_STATE_RETURNED);
      return true;
  }
}

bool IsOffice(gridsync::v1::Role role) { return role == gridsync::v1::ROLE_TOWN_OFFICE; }
bool IsVillage(gridsync::v1::Role role) {
  return role == gridsync::v1::ROLE_GRID_WORKER || role == gridsync::v1::ROLE_VILLAGE_SECRETARY;
}

std::optional<FieldViolation> Refuse(const std::string& field, const std::string& what,
                                     gridsync::v1::Role role) {
  return FieldViolation{field,
                        absl::StrCat(what, "; this device is a ", gridsync::v1::Role_Name(role))};
}

int64_t DaysUp(int64_t ms) { return (ms + kDayMs - 1) / kDayMs; }

// Whether `ms` is before `as_of`: anything recorded while the period runs.
bool Before(int64_t ms, AsOf as_of) { return !as_of.ended || ms < as_of.ms; }

}  // namespace

bool TaskStepFits(TaskState state, TaskAction action) {
  switch (action) {
    case gridsync::v1::TASK_ACTION_ACCEPT:
      return state == gridsync::v1::TASK_STATE_ASSIGNED ||
             state == gridsync::v1::TASK_STATE_RETURNED;
    case gridsync::v1::TASK_ACTION_REPORT_DONE:
      return state != gridsync::v1::TASK_STATE_DONE && state != gridsync::v1::TASK_STATE_CONFIRMED;
    case gridsync::v1::TASK_ACTION_CONFIRM:
    case gridsync::v1::TASK_ACTION_SEND_BACK:
      return state == gridsync::v1::TASK_STATE_DONE;
    default:
      return false;
  }
}

TaskItem TaskItemOf(const gridsync::v1::RecordState& s) {
  const gridsync::v1::Record view = BuildView(s);
  const gridsync::v1::Task& task = view.task();
  TaskItem t;
  t.set_record_id(s.record_id());
  t.set_grid_code(s.header().grid_code());
  t.set_household_id(task.household_id());
  t.set_title(task.title());
  t.set_category(task.category());
  t.set_whole_village(task.whole_village());
  t.set_issued_by(s.header().created_by());
  t.set_assigned_at_ms(HlcWallMs(s.header().created_hlc()));
  t.set_deadline_ms(task.deadline_ms());
  t.set_related_record_id(task.related_record_id());
  t.set_photos(task.photos_size());
  t.set_state(gridsync::v1::TASK_STATE_ASSIGNED);
  for (const Step& st : StepsOf(s)) {
    if (Apply(st.step.action(), HlcWallMs(st.hlc), &t) && !st.step.note().empty()) {
      t.set_last_note(st.step.note());
    }
  }
  return t;
}

std::optional<FieldViolation> TaskWriteRefusal(gridsync::v1::Role role,
                                               const gridsync::v1::Mutation& m) {
  switch (m.op_case()) {
    case gridsync::v1::Mutation::kAppendLog: {
      if (m.append_log().log() != "steps") return std::nullopt;  // photos: anyone in scope
      gridsync::v1::TaskStep step;
      step.ParseFromString(m.append_log().payload());
      const TaskAction a = step.action();
      if (a == gridsync::v1::TASK_ACTION_ACCEPT || a == gridsync::v1::TASK_ACTION_REPORT_DONE) {
        if (IsVillage(role)) return std::nullopt;
        return Refuse("append_log.payload.action",
                      "a task is accepted (签收) and reported done (报结) by its village: a grid "
                      "worker or the village secretary",
                      role);
      }
      if (IsOffice(role)) return std::nullopt;
      return Refuse("append_log.payload.action",
                    "only the town office that gave a task confirms it (确认办结) or sends it "
                    "back (退回重办)",
                    role);
    }
    case gridsync::v1::Mutation::kCreate:
    case gridsync::v1::Mutation::kSetField:
    case gridsync::v1::Mutation::kVoidRecord:
      if (IsOffice(role)) return std::nullopt;
      return Refuse(m.has_create()      ? "create"
                    : m.has_set_field() ? "set_field"
                                        : "void_record",
                    "only the town office gives, changes or voids a task (督办); the village "
                    "accepts it and reports it done",
                    role);
    default:
      return std::nullopt;
  }
}

void CountTask(const TaskItem& t, int64_t from_ms, int64_t to_ms, AsOf as_of,
               gridsync::v1::TaskCoverage* out) {
  if (!Before(t.assigned_at_ms(), as_of)) return;
  if (t.assigned_at_ms() >= from_ms) out->set_assigned(out->assigned() + 1);
  const bool confirmed = t.confirmed_at_ms() > 0;
  if (t.deadline_ms() >= from_ms && t.deadline_ms() < to_ms) {
    out->set_due(out->due() + 1);
    if (confirmed && t.done_at_ms() <= t.deadline_ms()) out->set_on_time(out->on_time() + 1);
    if (confirmed && t.done_at_ms() > t.deadline_ms()) out->set_late(out->late() + 1);
  }
  if (confirmed && Before(t.confirmed_at_ms(), as_of)) return;
  out->set_open(out->open() + 1);
  if (TaskOverdue(t, as_of)) out->set_overdue(out->overdue() + 1);
  if (t.done_at_ms() > 0 && Before(t.done_at_ms(), as_of)) {
    out->set_awaiting_confirmation(out->awaiting_confirmation() + 1);
  }
}

bool TaskOverdue(const TaskItem& t, AsOf as_of) {
  if (t.confirmed_at_ms() > 0 && Before(t.confirmed_at_ms(), as_of)) return false;
  const bool reported_in_time =
      t.done_at_ms() > 0 && t.done_at_ms() <= t.deadline_ms() && Before(t.done_at_ms(), as_of);
  return t.deadline_ms() < as_of.ms && !reported_in_time;
}

gridsync::v1::ListTasksResponse TaskListOf(std::vector<TaskItem> tasks, int64_t now_ms,
                                           bool open_only, int64_t offset, int64_t limit) {
  gridsync::v1::ListTasksResponse out;
  std::erase_if(tasks, [&](const TaskItem& t) {
    return open_only && t.state() == gridsync::v1::TASK_STATE_CONFIRMED;
  });
  for (TaskItem& t : tasks) {
    const bool overdue = TaskOverdue(t, {now_ms, false});
    t.set_overdue(overdue);
    t.set_days_overdue(overdue ? static_cast<int32_t>(DaysUp(now_ms - t.deadline_ms())) : 0);
    out.set_open(out.open() + (t.state() != gridsync::v1::TASK_STATE_CONFIRMED));
    out.set_overdue(out.overdue() + overdue);
  }
  auto rank = [](const TaskItem& t) {
    const bool confirmed = t.state() == gridsync::v1::TASK_STATE_CONFIRMED;
    return std::make_tuple(confirmed, !t.overdue(), confirmed ? -t.confirmed_at_ms() : 0,
                           t.deadline_ms(), std::string_view(t.record_id()));
  };
  std::sort(tasks.begin(), tasks.end(),
            [&](const TaskItem& a, const TaskItem& b) { return rank(a) < rank(b); });
  out.set_total(static_cast<int64_t>(tasks.size()));
  const int64_t end = std::min<int64_t>(offset + limit, static_cast<int64_t>(tasks.size()));
  for (int64_t i = offset; i < end; ++i) *out.add_tasks() = std::move(tasks[i]);
  return out;
}

}  // namespace gridsync::core
