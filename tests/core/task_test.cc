#include "core/task.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "core/merge.h"
#include "core/retention.h"
#include "core/validate.h"
#include "tests/core/test_mutations.h"

namespace gridsync::core {
namespace {

using gridsync::v1::Mutation;
using gridsync::v1::RecordState;
using gridsync::v1::TaskAction;
using gridsync::v1::TaskItem;
using testing::kTestGrid;

constexpr char kTask[] = "01JDQ3ZV0000000000000000TK";
constexpr int64_t kT0 = 1'790'000'000'000;  // 2026-09

Mutation TaskMutation(const std::string& device, uint64_t seq, int64_t ms) {
  Mutation m = testing::CaseMutation(device, seq, ms, kTask);
  m.set_kind(gridsync::v1::RECORD_KIND_TASK);
  return m;
}

Mutation Create(int64_t ms, int64_t deadline_ms) {
  Mutation m = TaskMutation("office", 1, ms);
  auto* c = m.mutable_create();
  auto* f = c->add_fields();
  f->set_field("title");
  f->mutable_value()->set_string_value("核查村东砖厂路口夜间照明");
  f = c->add_fields();
  f->set_field("deadline_ms");
  f->mutable_value()->set_int_value(deadline_ms);
  return m;
}

Mutation Step(const std::string& device, uint64_t seq, int64_t ms, TaskAction action,
              const std::string& note = "") {
  Mutation m = TaskMutation(device, seq, ms);
  gridsync::v1::TaskStep step;
  step.set_action(action);
  step.set_note(note);
  m.mutable_append_log()->set_log("steps");
  m.mutable_append_log()->set_element_id(absl::StrCat(device, seq));
  m.mutable_append_log()->set_payload(step.SerializeAsString());
  return m;
}

RecordState Task(const std::vector<Mutation>& ms) {
  RecordState s;
  for (const auto& m : ms) {
    EXPECT_FALSE(ValidateMutation(m).has_value()) << m.ShortDebugString();
    Apply(&s, m);
  }
  return s;
}

TEST(Task, StateIsReadFromTheStepsInTheOrderWritten) {
  const int64_t deadline = kT0 + 10 * kDayMs;
  const RecordState s =
      Task({Create(kT0, deadline), Step("phone", 1, kT0 + kDayMs, gridsync::v1::TASK_ACTION_ACCEPT),
            Step("phone", 2, kT0 + 2 * kDayMs, gridsync::v1::TASK_ACTION_REPORT_DONE, "已安装路灯"),
            Step("office", 2, kT0 + 3 * kDayMs, gridsync::v1::TASK_ACTION_SEND_BACK, "无照片"),
            Step("phone", 3, kT0 + 12 * kDayMs, gridsync::v1::TASK_ACTION_REPORT_DONE, "补照片"),
            Step("office", 3, kT0 + 13 * kDayMs, gridsync::v1::TASK_ACTION_CONFIRM)});
  const TaskItem t = TaskItemOf(s);
  EXPECT_EQ(t.state(), gridsync::v1::TASK_STATE_CONFIRMED);
  EXPECT_EQ(t.accepted_at_ms(), kT0 + kDayMs);
  EXPECT_EQ(t.done_at_ms(), kT0 + 12 * kDayMs);  // the report confirmed: after the deadline
  EXPECT_EQ(t.confirmed_at_ms(), kT0 + 13 * kDayMs);
  EXPECT_EQ(t.returned(), 1);
  EXPECT_EQ(t.last_note(), "补照片");
  EXPECT_EQ(t.title(), "核查村东砖厂路口夜间照明");
  EXPECT_EQ(t.deadline_ms(), deadline);
  EXPECT_EQ(t.assigned_at_ms(), kT0);
  ASSERT_TRUE(MarksOf(s).task.has_value());
  EXPECT_EQ(MarksOf(s).task->item.state(), gridsync::v1::TASK_STATE_CONFIRMED);
}

// Two offline writes that cross: both replicas, whatever order they merged
// in, read the same state; a step that does not fit is kept and ignored.
TEST(Task, StepsThatDoNotFitChangeNothingOnEveryReplica) {
  const int64_t deadline = kT0 + 10 * kDayMs;
  const Mutation create = Create(kT0, deadline);
  const Mutation done = Step("phone", 1, kT0 + kDayMs, gridsync::v1::TASK_ACTION_REPORT_DONE);
  const Mutation done_again =
      Step("secretary", 1, kT0 + kDayMs + 5, gridsync::v1::TASK_ACTION_REPORT_DONE);
  const Mutation confirm = Step("office", 2, kT0 + 2 * kDayMs, gridsync::v1::TASK_ACTION_CONFIRM);
  const Mutation back = Step("office", 3, kT0 + 3 * kDayMs, gridsync::v1::TASK_ACTION_SEND_BACK);
  const TaskItem a = TaskItemOf(Task({create, done, done_again, confirm, back}));
  const TaskItem b = TaskItemOf(Task({back, confirm, done_again, create, done}));
  EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
  EXPECT_EQ(a.state(), gridsync::v1::TASK_STATE_CONFIRMED);  // the send-back came after: ignored
  EXPECT_EQ(a.done_at_ms(), kT0 + kDayMs);                   // the first report of the round
  EXPECT_EQ(a.returned(), 0);

  const TaskItem early =
      TaskItemOf(Task({create, Step("office", 2, kT0 + 1, gridsync::v1::TASK_ACTION_CONFIRM)}));
  EXPECT_EQ(early.state(), gridsync::v1::TASK_STATE_ASSIGNED);  // nothing to confirm yet
}

// A phone keeps a task until a year after it was confirmed, however old.
TEST(Task, APhoneKeepsATaskUntilAYearAfterItWasConfirmed) {
  const int64_t year = 365 * kDayMs;
  const Mutation create = Create(kT0, kT0 + kDayMs);
  const Mutation done = Step("phone", 1, kT0 + 400 * kDayMs, gridsync::v1::TASK_ACTION_REPORT_DONE);
  const Mutation confirm = Step("office", 2, kT0 + 401 * kDayMs, gridsync::v1::TASK_ACTION_CONFIRM);
  const PhoneRetention policy;
  EXPECT_TRUE(KeepOnPhone(Task({create, done}), false, kT0 + 3 * year, policy));  // still open
  const RecordState finished = Task({create, done, confirm});
  EXPECT_TRUE(KeepOnPhone(finished, false, kT0 + 401 * kDayMs + year, policy));
  EXPECT_FALSE(KeepOnPhone(finished, false, kT0 + 402 * kDayMs + year, policy));
}

TEST(Task, WhoWritesWhat) {
  const Mutation create = Create(kT0, kT0 + kDayMs);
  const Mutation accept = Step("phone", 1, kT0, gridsync::v1::TASK_ACTION_ACCEPT);
  const Mutation done = Step("phone", 2, kT0, gridsync::v1::TASK_ACTION_REPORT_DONE);
  const Mutation confirm = Step("office", 2, kT0, gridsync::v1::TASK_ACTION_CONFIRM);
  const Mutation back = Step("office", 3, kT0, gridsync::v1::TASK_ACTION_SEND_BACK);
  Mutation photo = TaskMutation("phone", 3, kT0);
  photo.mutable_append_log()->set_log("photos");
  Mutation voided = TaskMutation("phone", 4, kT0);
  voided.mutable_void_record()->set_reason("不做了");
  const Mutation retitle = testing::SetString(TaskMutation("phone", 5, kT0), "title", "改");

  const auto office = gridsync::v1::ROLE_TOWN_OFFICE;
  for (const auto village :
       {gridsync::v1::ROLE_GRID_WORKER, gridsync::v1::ROLE_VILLAGE_SECRETARY}) {
    EXPECT_FALSE(TaskWriteRefusal(village, accept));
    EXPECT_FALSE(TaskWriteRefusal(village, done));
    EXPECT_FALSE(TaskWriteRefusal(village, photo));
    for (const Mutation& m : {create, confirm, back, voided, retitle}) {
      auto v = TaskWriteRefusal(village, m);
      ASSERT_TRUE(v) << m.ShortDebugString();
      EXPECT_NE(v->message.find(gridsync::v1::Role_Name(village)), std::string::npos) << v->message;
    }
  }
  for (const Mutation& m : {create, confirm, back, voided, retitle, photo}) {
    EXPECT_FALSE(TaskWriteRefusal(office, m)) << m.ShortDebugString();
  }
  auto v = TaskWriteRefusal(office, accept);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "append_log.payload.action");
  EXPECT_TRUE(TaskWriteRefusal(office, done));
}

TEST(Task, ValidationWantsTitleDeadlineAndAnAction) {
  Mutation no_deadline = TaskMutation("office", 1, kT0);
  auto* f = no_deadline.mutable_create()->add_fields();
  f->set_field("title");
  f->mutable_value()->set_string_value("x");
  auto v = ValidateMutation(no_deadline);
  ASSERT_TRUE(v);
  EXPECT_NE(v->message.find("deadline"), std::string::npos) << v->message;
  v = ValidateMutation(Step("phone", 1, kT0, gridsync::v1::TASK_ACTION_UNSPECIFIED));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "append_log.payload.action");
  // A deadline is not a time something was done: it may lie ahead.
  EXPECT_FALSE(CheckDomainTimes(Create(kT0, kT0 + 30 * kDayMs), kT0, kDefaultMaxSkewMs));
}

TaskItem Item(int64_t assigned, int64_t deadline, int64_t done = 0, int64_t confirmed = 0) {
  TaskItem t;
  t.set_grid_code(kTestGrid);
  t.set_assigned_at_ms(assigned);
  t.set_deadline_ms(deadline);
  t.set_done_at_ms(done);
  t.set_confirmed_at_ms(confirmed);
  t.set_state(confirmed ? gridsync::v1::TASK_STATE_CONFIRMED
              : done    ? gridsync::v1::TASK_STATE_DONE
                        : gridsync::v1::TASK_STATE_ACCEPTED);
  return t;
}

// 督办按期办结率 to the millisecond: due in the period; on time when the
// report the office confirmed was made by the deadline, whenever confirmed.
TEST(Task, CountsByDeadlineInThePeriod) {
  const int64_t from = kT0, to = kT0 + 30 * kDayMs;
  const AsOf as_of{to, true};
  gridsync::v1::TaskCoverage c;
  CountTask(Item(from - kDayMs, from + kDayMs, from + kDayMs, to + kDayMs), from, to, as_of,
            &c);  // done at the deadline's millisecond, confirmed next month: on time
  CountTask(Item(from, from + 2 * kDayMs, from + 2 * kDayMs + 1, from + 3 * kDayMs), from, to,
            as_of, &c);                                               // 1 ms late
  CountTask(Item(from, to - 1, from + kDayMs), from, to, as_of, &c);  // awaiting the office
  CountTask(Item(from, from + kDayMs), from, to, as_of, &c);          // overdue
  CountTask(Item(from, to), from, to, as_of, &c);                     // due next month: open
  CountTask(Item(to, to + kDayMs), from, to, as_of, &c);              // assigned after: out
  CountTask(Item(from - 40 * kDayMs, from - 1, from - 2, from - 1), from, to, as_of,
            &c);  // confirmed before: out
  EXPECT_EQ(c.due(), 4);
  EXPECT_EQ(c.on_time(), 1);
  EXPECT_EQ(c.late(), 1);
  EXPECT_EQ(c.open(), 4);     // the first (confirmed after as_of), awaiting, overdue, next month's
  EXPECT_EQ(c.overdue(), 1);  // reported in time, the first and the third wait on the office
  EXPECT_EQ(c.awaiting_confirmation(), 2);
  EXPECT_EQ(c.assigned(), 4);

  // While a period runs, what was recorded so far counts, even stamped a
  // few ms after the clock that asks (a phone's clock a little ahead).
  gridsync::v1::TaskCoverage running;
  CountTask(Item(from, to - 1, from + 5, 0), from, to, {from + 3, false}, &running);
  EXPECT_EQ(running.awaiting_confirmation(), 1);
  EXPECT_EQ(running.open(), 1);
}

TEST(Task, ListShowsOverdueFirstThenByDeadlineThenConfirmed) {
  const int64_t now = kT0 + 20 * kDayMs;
  std::vector<TaskItem> tasks = {Item(kT0, kT0 + 25 * kDayMs), Item(kT0, kT0 + 18 * kDayMs),
                                 Item(kT0, kT0 + 2 * kDayMs, kT0 + kDayMs, kT0 + 3 * kDayMs),
                                 Item(kT0, kT0 + 5 * kDayMs),
                                 Item(kT0, kT0 + 30 * kDayMs, kT0 + kDayMs, kT0 + 4 * kDayMs)};
  for (size_t i = 0; i < tasks.size(); ++i) tasks[i].set_record_id(absl::StrCat("t", i));
  const auto all = TaskListOf(tasks, now, false, 0, 10);
  ASSERT_EQ(all.tasks_size(), 5);
  EXPECT_EQ(all.total(), 5);
  EXPECT_EQ(all.open(), 3);
  EXPECT_EQ(all.overdue(), 2);
  std::vector<std::string> order;
  for (const auto& t : all.tasks()) order.push_back(t.record_id());
  EXPECT_EQ(order, (std::vector<std::string>{"t3", "t1", "t0", "t4", "t2"}));
  EXPECT_EQ(all.tasks(0).days_overdue(), 15);
  EXPECT_TRUE(all.tasks(1).overdue());
  EXPECT_FALSE(all.tasks(2).overdue());
  const auto open = TaskListOf(tasks, now, true, 1, 1);
  EXPECT_EQ(open.total(), 3);
  ASSERT_EQ(open.tasks_size(), 1);
  EXPECT_EQ(open.tasks(0).record_id(), "t1");
}

}  // namespace
}  // namespace gridsync::core
