// The worker's and the secretary's day on the phone: the registry arrives
// with the records, and the lists and figures computed offline equal the
// server's CoverageService after a sync, over a randomized history (late
// syncs, voids, nobody home, risk changes, cases moving on after a month's
// end, unsent writes).
#include <filesystem>
#include <random>
#include <set>

#include "core/coverage.h"
#include "core/verification.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "rocksdb/db.h"
#include "tests/client_sdk/sdk_test.h"

namespace gridsync::testing {
namespace {

using gridsync::v1::Mutation;
constexpr int64_t kDay = core::kDayMs;

class DayTest : public SdkTest {
 protected:
  void SetUp() override {
    SdkTest::SetUp();
    coverage_ = gridsync::v1::CoverageService::NewStub(channel_);
  }

  // A randomized month and a half of work in `grid`, pushed by raw phones
  // with stamps of when it was done (so that past months have a history).
  void History(const std::string& grid, std::mt19937_64& rng, int64_t from, int64_t now) {
    auto worker =
        ServerTest::NewPhone(grid, gridsync::v1::ROLE_GRID_WORKER, "网格员" + grid.substr(12));
    auto helper =
        ServerTest::NewPhone(grid, gridsync::v1::ROLE_GRID_WORKER, "协管员" + grid.substr(12));
    auto at = [&](int64_t lo) {
      return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(now - lo));
    };
    std::vector<Mutation> ms, hs, later;
    for (int i = 0; i < 50; ++i) {
      tools::Phone& p = i % 3 == 0 ? *helper : *worker;
      auto m = p.Begin(gridsync::v1::RECORD_KIND_VISIT, p.NewRecordId(), grid);
      m.mutable_create()->set_subject_id(Household(grid, 1 + static_cast<int>(rng() % 20)));
      tools::AddCreateField(&m, "visited_at_ms", tools::IntValue(at(from)));
      tools::AddCreateField(&m, "nobody_home", tools::BoolValue(rng() % 6 == 0));
      (i % 3 == 0 ? hs : ms).push_back(m);
      if (rng() % 8 == 0) {
        auto v = p.Begin(gridsync::v1::RECORD_KIND_VISIT, m.record_id(), grid);
        v.mutable_void_record()->set_reason("录错户了");
        (i % 3 == 0 ? hs : later).push_back(v);
      }
    }
    for (int i = 0; i < 30; ++i) {
      auto m = worker->Begin(gridsync::v1::RECORD_KIND_SPECIAL_CHECK, worker->NewRecordId(), grid);
      m.mutable_create()->set_subject_id(Person(grid, 1 + static_cast<int>(rng() % 20)));
      tools::AddCreateField(&m, "checked_at_ms", tools::IntValue(at(from - 30 * kDay)));
      if (rng() % 2)
        tools::AddCreateField(&m, "risk_level", tools::IntValue(rng() % 3 == 0 ? 3 : 1));
      tools::AddCreateField(&m, "person_absent", tools::BoolValue(rng() % 7 == 0));
      ms.push_back(m);
    }
    for (int i = 0; i < 10; ++i) {
      const std::string id = worker->NewRecordId();
      const int64_t registered = at(from);
      auto c = worker->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, grid);
      c.mutable_create()->set_subject_id(Household(grid, 1 + i));
      tools::AddCreateField(&c, "title", tools::StrValue("纠纷" + std::to_string(i)));
      tools::AddCreateField(&c, "registered_at_ms", tools::IntValue(registered));
      if (rng() % 2)
        tools::AddCreateField(&c, "deadline_ms", tools::IntValue(registered + 15 * kDay));
      ms.push_back(c);
      for (const char* name : {"王家", "张家"}) {
        gridsync::v1::Party party;
        party.set_name(name);
        auto l = worker->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, grid);
        l.mutable_append_log()->set_log("parties");
        l.mutable_append_log()->set_element_id(worker->NewRecordId());
        l.mutable_append_log()->set_payload(party.SerializeAsString());
        ms.push_back(l);
      }
      const int path =
          static_cast<int>(rng() % 4);  // open, resolved, escalated, resolved+followed up
      if (path == 0) continue;
      auto s = worker->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, grid);
      s.set_hlc(core::PackHlc(at(registered), 0));
      s.mutable_set_status()->set_status(path == 2 ? gridsync::v1::CASE_STATUS_ESCALATED
                                                   : gridsync::v1::CASE_STATUS_RESOLVED);
      ms.push_back(s);
      for (int f = 0; path == 3 && f < 2; ++f) {
        gridsync::v1::FollowUp fu;
        fu.set_party_name(f == 0 ? "王家" : "张家");
        auto l = worker->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, grid);
        l.mutable_append_log()->set_log("follow_ups");
        l.mutable_append_log()->set_element_id(worker->NewRecordId());
        l.mutable_append_log()->set_payload(fu.SerializeAsString());
        ms.push_back(l);
      }
    }
    for (auto* batch : {&ms, &hs, &later}) {
      auto r = (batch == &hs ? helper : worker)->Push(*batch);
      ASSERT_TRUE(r.ok()) << r.status();
      for (const auto& res : r->results()) ASSERT_EQ(res.code(), 0) << res.message();
    }
  }
};

TEST_F(DayTest, PhoneFiguresEqualTheServersAfterASync) {
  std::mt19937_64 rng(11);
  const int64_t now = core::SystemWallMs();
  const auto this_month = *core::MonthRange(core::MonthName(core::MonthOf(now)));
  const auto last_month = *core::MonthRange(core::MonthName(core::MonthOf(this_month.first - 1)));
  for (const char* grid : {kGridA, kGridB}) {
    History(grid, rng, last_month.first, now);
    if (HasFatalFailure()) return;
  }
  {  // 积案 past 10 days, so that cases of the history are 积案 on both sides
    gridsync::v1::SetCheckPolicyRequest sp;
    *sp.mutable_policy() = core::DefaultCheckPolicy();
    sp.mutable_policy()->set_backlog_days(10);
    gridsync::v1::CheckPolicy set;
    auto ctx = tools::CallContext(admin_token_);
    auto stub = gridsync::v1::CoverageService::NewStub(channel_);
    ASSERT_TRUE(stub->SetCheckPolicy(ctx.get(), sp, &set).ok());
  }
  // Registry changes mid-month, approved by the secretary: two households of
  // grid A leave (visited or not this month), one arrives in grid B.
  {
    auto proposer = ServerTest::NewPhone(kGridA, gridsync::v1::ROLE_GRID_WORKER, "网格员");
    auto proposer_b = ServerTest::NewPhone(kGridB, gridsync::v1::ROLE_GRID_WORKER, "网格员");
    auto decider = ServerTest::NewPhone(kVillageAB, gridsync::v1::ROLE_VILLAGE_SECRETARY, "村书记");
    std::vector<std::string> ids;
    auto propose = [&](tools::Phone& p, const std::string& grid, gridsync::v1::ProposalAction a,
                       const std::string& household) {
      Mutation m = p.Begin(gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL, p.NewRecordId(), grid);
      m.mutable_create()->set_subject_id(household);
      tools::AddCreateField(&m, "action", tools::IntValue(a));
      if (household.empty()) tools::AddCreateField(&m, "head_name", tools::StrValue("新户"));
      auto r = p.Push({m});
      ASSERT_TRUE(r.ok()) << r.status();
      ASSERT_EQ(r->results(0).code(), 0) << r->results(0).message();
      ids.push_back(m.record_id());
    };
    propose(*proposer, kGridA, gridsync::v1::PROPOSAL_ACTION_MOVED_OUT,
            Household(kGridA, 1 + rng() % 20));
    propose(*proposer, kGridA, gridsync::v1::PROPOSAL_ACTION_EMPTY,
            Household(kGridA, 1 + rng() % 20));
    propose(*proposer_b, kGridB, gridsync::v1::PROPOSAL_ACTION_NEW_HOUSEHOLD, "");
    ASSERT_TRUE(decider->PullAll().ok());
    for (const auto& id : ids) {
      auto d = decider->SetField(*decider->Find(id), "decision",
                                 tools::IntValue(gridsync::v1::PROPOSAL_DECISION_APPROVED));
      auto r = decider->Push({d});
      ASSERT_TRUE(r.ok()) << r.status();
      ASSERT_EQ(r->results(0).code(), 0) << r->results(0).message();
    }
  }
  auto worker = NewPhone(kGridA, "网格员001");
  auto secretary = NewReplica(gridsync::v1::ROLE_VILLAGE_SECRETARY, kVillageAB, "村书记");
  SyncOk(worker);
  SyncOk(secretary);
  const std::string this_name = core::MonthName(core::MonthOf(now));
  const std::string last_name = core::MonthName(core::MonthOf(last_month.first));

  // Unsent work counts on the phone at once, before any sync.
  auto before = worker->ListHouseholds(kGridA);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_EQ(before->total(), 18);  // two of grid A's 20 left the registry mid-month
  ASSERT_GT(before->total(), before->visited()) << "the history left no household unvisited";
  const auto& first = before->households(0);
  ASSERT_NE(first.state(), gridsync::v1::VISIT_STATE_VISITED);  // unvisited first
  const std::string household = first.household().household_id();
  const int n = std::stoi(household.substr(15));
  NewVisit(worker, kGridA, n);
  auto after = worker->ListHouseholds(kGridA);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->visited(), before->visited() + 1);
  auto cov = worker->GetCoverage(kGridA);
  ASSERT_TRUE(cov.ok());
  EXPECT_EQ(cov->visits().visited(), ServerCoverage(kGridA, this_name).visits().visited() + 1);
  NewCase(worker, kGridA);  // an open case, registered now
  // Last month's screening of the village, nothing found (零报告), offline.
  auto screening = worker->Create(gridsync::v1::RECORD_KIND_SCREENING_REPORT, kGridA, "",
                                  {{"month", tools::IntValue(core::MonthOf(last_month.first))},
                                   {"disputes_found", tools::IntValue(0)}});
  ASSERT_TRUE(screening.ok()) << screening.status();
  auto offline = worker->GetCoverage(kGridA, core::MonthName(core::MonthOf(last_month.first)));
  ASSERT_TRUE(offline.ok());
  EXPECT_EQ(offline->screening().zero_reports(), 1);
  // A trouble spot found last month (排查整治), rectified now, on the phone.
  auto spot =
      worker->Create(gridsync::v1::RECORD_KIND_TROUBLE_SPOT, kGridA, "",
                     {{"place", tools::StrValue("𠮷家巷口")},
                      {"problem", tools::StrValue("夜间无照明")},
                      {"found_at_ms", tools::IntValue(last_month.first + core::kDayMs)},
                      {"state", tools::IntValue(gridsync::v1::RECTIFICATION_STATE_RECTIFYING)}});
  ASSERT_TRUE(spot.ok()) << spot.status();
  ASSERT_TRUE(
      worker->SetField(*spot, "state", tools::IntValue(gridsync::v1::RECTIFICATION_STATE_RECTIFIED))
          .ok());
  SyncOk(worker);
  SyncOk(secretary);

  for (const std::string& month : {this_name, last_name}) {
    ExpectSameFigures(worker, kGridA, month);
    for (const char* scope : {kVillageAB, kGridA, kGridB})
      ExpectSameFigures(secretary, scope, month);
  }
  const auto reported = ServerCoverage(kVillageAB, last_name).screening();
  EXPECT_EQ(reported.reported(), 1);
  EXPECT_EQ(reported.zero_reports(), 1);
  EXPECT_EQ(ServerCoverage(kVillageAB, this_name).screening().reported(), 0);
  const auto spots_then = ServerCoverage(kVillageAB, last_name).trouble_spots();
  EXPECT_EQ(spots_then.spots(), 1);  // open at last month's end
  EXPECT_EQ(spots_then.open(), 1);
  const auto spots_now = ServerCoverage(kVillageAB, this_name).trouble_spots();
  EXPECT_EQ(spots_now.rectified(), 1);  // when its state was set
  EXPECT_DOUBLE_EQ(spots_now.rate(), 1.0);
  const auto village = ServerCoverage(kVillageAB, this_name).cases();
  EXPECT_EQ(village.backlog_days(), 10);
  EXPECT_GT(village.backlog_open(), 0) << "the history left no 积案 to compare";

  // The lists agree with the server's.
  std::set<std::string> phone_unvisited, server_unvisited;
  auto list = secretary->ListHouseholds(kVillageAB, "", 0, 1000);
  ASSERT_TRUE(list.ok());
  for (const auto& h : list->households()) {
    if (h.state() != gridsync::v1::VISIT_STATE_VISITED)
      phone_unvisited.insert(h.household().household_id());
  }
  gridsync::v1::ListUnvisitedHouseholdsRequest ureq;
  ureq.set_scope_code(kVillageAB);
  ureq.set_page_size(1000);
  gridsync::v1::ListUnvisitedHouseholdsResponse uresp;
  auto ctx = tools::CallContext(admin_token_);
  ASSERT_TRUE(coverage_->ListUnvisitedHouseholds(ctx.get(), ureq, &uresp).ok());
  for (const auto& h : uresp.households()) server_unvisited.insert(h.household_id());
  EXPECT_EQ(phone_unvisited, server_unvisited);

  auto due = secretary->ListDueChecks(kVillageAB, 0, 0, 1000);
  ASSERT_TRUE(due.ok());
  gridsync::v1::ListOverduePersonsRequest oreq;
  oreq.set_scope_code(kVillageAB);
  oreq.set_page_size(1000);
  gridsync::v1::ListOverduePersonsResponse oresp;
  auto ctx2 = tools::CallContext(admin_token_);
  ASSERT_TRUE(coverage_->ListOverduePersons(ctx2.get(), oreq, &oresp).ok());
  std::vector<std::string> phone_due, server_due;
  for (const auto& p : due->persons()) phone_due.push_back(p.person().person_id());
  for (const auto& p : oresp.persons()) server_due.push_back(p.person().person_id());
  EXPECT_EQ(phone_due, server_due);  // the same persons, in the same order
  EXPECT_EQ(due->total(), oresp.total());

  auto cases = secretary->ListOpenCases(kVillageAB, 0, 1000);
  ASSERT_TRUE(cases.ok());
  gridsync::v1::ListOpenCasesRequest creq;
  creq.set_scope_code(kVillageAB);
  creq.set_page_size(1000);
  gridsync::v1::ListOpenCasesResponse cresp;
  auto ctx3 = tools::CallContext(admin_token_);
  ASSERT_TRUE(coverage_->ListOpenCases(ctx3.get(), creq, &cresp).ok());
  // The same cases in the same order, 积案 marked alike.
  std::vector<std::string> phone_open, server_open;
  for (const auto& c : cases->cases()) {
    if (!c.follow_up_due())
      phone_open.push_back(c.summary().record_id() + (c.backlog() ? " 积案" : ""));
  }
  int64_t village_backlog = 0;  // the figure counts the village's; the list, whoever holds it
  for (int i = 0; i < cresp.cases_size(); ++i) {
    server_open.push_back(cresp.cases(i).record_id() + (cresp.backlog(i) ? " 积案" : ""));
    village_backlog +=
        cresp.backlog(i) && cresp.cases(i).level() == gridsync::v1::CASE_LEVEL_VILLAGE;
  }
  EXPECT_EQ(phone_open, server_open);
  EXPECT_EQ(village_backlog, village.backlog_open());
  EXPECT_EQ(cases->open(), cresp.total());
  for (const auto& c : cases->cases()) {
    if (c.follow_up_due()) {
      EXPECT_FALSE(c.summary().followed_up_both());
    }
  }
}

// 督办: the town office gives tasks from its replica; the village accepts
// them and reports them done on phones; the office confirms one and sends
// one back. Each side is refused the steps that are not its own (the
// server too, for a write that skips the SDK), and phones' lists and
// figures equal the server's.
TEST_F(DayTest, TasksFromTheTownOfficeRunTheirCourseOnPhonesAndServer) {
  const int64_t now = core::SystemWallMs();
  auto office = NewReplica(gridsync::v1::ROLE_TOWN_OFFICE, kTownABC, "镇综治中心");
  auto worker = NewPhone(kGridA, "网格员001");
  auto secretary = NewReplica(gridsync::v1::ROLE_VILLAGE_SECRETARY, kVillageAB, "村书记");
  for (Phone* p : {&office, &worker, &secretary}) SyncOk(*p);
  gridsync::v1::Task t;
  t.set_title("核查𠮷家巷口夜间照明");
  t.set_category(gridsync::v1::TASK_CATEGORY_HAZARD);
  t.set_deadline_ms(now + 5 * kDay);
  EXPECT_EQ(worker->GiveTask(kGridA, t).status().code(), absl::StatusCode::kPermissionDenied);
  auto hazard = office->GiveTask(kGridA, t);
  ASSERT_TRUE(hazard.ok()) << hazard.status();
  t.set_title("复访王家");
  t.set_household_id(Household(kGridA, 3));
  t.set_category(gridsync::v1::TASK_CATEGORY_REVISIT);
  t.set_deadline_ms(now - 2 * kDay);
  auto revisit = office->GiveTask(kGridA, t);
  ASSERT_TRUE(revisit.ok()) << revisit.status();
  t.clear_household_id();
  t.set_title("全村排查出租房");
  t.set_whole_village(true);
  t.set_deadline_ms(now + 10 * kDay);
  auto rentals = office->GiveTask(kGridB, t);
  ASSERT_TRUE(rentals.ok()) << rentals.status();
  for (Phone* p : {&office, &worker, &secretary}) SyncOk(*p);

  auto list = worker->ListTasks(kGridA);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->total(), 2);
  EXPECT_EQ(list->tasks(0).record_id(), *revisit);  // overdue first
  EXPECT_TRUE(list->tasks(0).overdue());
  EXPECT_EQ(list->tasks(0).days_overdue(), 3);  // 2 days and some ms, counted up
  EXPECT_EQ(list->tasks(1).title(), "核查𠮷家巷口夜间照明");
  EXPECT_EQ(list->tasks(1).issued_by(), "镇综治中心");
  using gridsync::v1::TASK_ACTION_ACCEPT, gridsync::v1::TASK_ACTION_REPORT_DONE,
      gridsync::v1::TASK_ACTION_CONFIRM, gridsync::v1::TASK_ACTION_SEND_BACK;
  EXPECT_EQ(office->StepTask(*hazard, TASK_ACTION_ACCEPT).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(worker->StepTask(*hazard, TASK_ACTION_CONFIRM).code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(worker->StepTask(*hazard, TASK_ACTION_ACCEPT).ok());
  ASSERT_TRUE(worker->StepTask(*hazard, TASK_ACTION_REPORT_DONE, "已装路灯 2 盏").ok());
  EXPECT_EQ(worker->StepTask(*hazard, TASK_ACTION_REPORT_DONE).code(),
            absl::StatusCode::kFailedPrecondition);  // awaits the office
  ASSERT_TRUE(worker->StepTask(*revisit, TASK_ACTION_REPORT_DONE, "王家已复访").ok());
  ASSERT_TRUE(secretary->StepTask(*rentals, TASK_ACTION_ACCEPT).ok());
  auto offline = worker->GetCoverage(kGridA);
  ASSERT_TRUE(offline.ok());
  EXPECT_EQ(offline->tasks().awaiting_confirmation(), 2)  // counted before any sync
      << offline->tasks().DebugString() << offline->as_of_ms();
  for (Phone* p : {&worker, &secretary, &office}) SyncOk(*p);
  EXPECT_EQ(office->StepTask(*rentals, TASK_ACTION_CONFIRM).code(),
            absl::StatusCode::kFailedPrecondition);  // not reported done
  ASSERT_TRUE(office->StepTask(*hazard, TASK_ACTION_CONFIRM).ok());
  ASSERT_TRUE(office->StepTask(*revisit, TASK_ACTION_SEND_BACK, "无照片").ok());
  for (Phone* p : {&office, &worker, &secretary}) SyncOk(*p);

  // A grid worker's write that skips the SDK: the server refuses it.
  auto raw = ServerTest::NewPhone(kGridA, gridsync::v1::ROLE_GRID_WORKER, "网格员001");
  gridsync::v1::TaskStep forged;
  forged.set_action(TASK_ACTION_CONFIRM);
  Mutation m = raw->Begin(gridsync::v1::RECORD_KIND_TASK, *revisit, kGridA);
  m.mutable_append_log()->set_log("steps");
  m.mutable_append_log()->set_element_id(raw->NewRecordId());
  m.mutable_append_log()->set_payload(forged.SerializeAsString());
  Mutation create = raw->Begin(gridsync::v1::RECORD_KIND_TASK, raw->NewRecordId(), kGridA);
  tools::AddCreateField(&create, "title", tools::StrValue("自己派的"));
  tools::AddCreateField(&create, "deadline_ms", tools::IntValue(now));
  auto pushed = raw->Push({m, create});
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  for (const auto& r : pushed->results()) {
    EXPECT_EQ(r.code(), static_cast<int>(absl::StatusCode::kPermissionDenied)) << r.message();
  }

  gridsync::v1::ListTasksRequest req;
  req.set_scope_code(kVillageAB);
  gridsync::v1::ListTasksResponse server;
  auto ctx = tools::CallContext(admin_token_);
  ASSERT_TRUE(coverage_->ListTasks(ctx.get(), req, &server).ok());
  auto phone = secretary->ListTasks(kVillageAB);
  ASSERT_TRUE(phone.ok());
  EXPECT_EQ(phone->DebugString(), server.DebugString());
  ASSERT_EQ(server.total(), 3);
  EXPECT_EQ(server.tasks(0).record_id(), *revisit);  // sent back, overdue
  EXPECT_EQ(server.tasks(0).state(), gridsync::v1::TASK_STATE_RETURNED);
  EXPECT_EQ(server.tasks(0).last_note(), "无照片");
  EXPECT_EQ(server.tasks(1).record_id(), *rentals);
  EXPECT_EQ(server.tasks(2).state(), gridsync::v1::TASK_STATE_CONFIRMED);
  EXPECT_EQ(server.overdue(), 1);

  int64_t due = 0, on_time = 0;
  std::set<std::string> months;  // of the deadlines, whatever today is
  for (int64_t at : {now - 2 * kDay, now + 5 * kDay, now + 10 * kDay})
    months.insert(core::MonthName(core::MonthOf(at)));
  for (const std::string& month : months) {
    ExpectSameFigures(worker, kGridA, month);
    ExpectSameFigures(secretary, kVillageAB, month);
    ExpectSameFigures(office, kTownABC, month);
    const auto c = ServerCoverage(kTownABC, month).tasks();
    due += c.due();
    on_time += c.on_time();
  }
  EXPECT_EQ(due, 3);
  EXPECT_EQ(on_time, 1);  // the hazard, reported before its deadline and confirmed
}

// 复查 / 电话抽查: the town office draws the village's sample and records
// what the households said; a visit found not made leaves 入户率 on the
// phones and the server alike. A worker may not verify; nobody verifies a
// visit of their own device, even skipping the SDK.
TEST_F(DayTest, AVisitFoundNotMadeLeavesTheFiguresOnPhonesAndServer) {
  auto office = NewReplica(gridsync::v1::ROLE_TOWN_OFFICE, kTownABC, "镇综治中心");
  auto worker = NewPhone(kGridA, "网格员001");
  auto secretary = NewReplica(gridsync::v1::ROLE_VILLAGE_SECRETARY, kVillageAB, "村书记");
  for (Phone* p : {&office, &worker, &secretary}) SyncOk(*p);
  std::vector<std::string> visits;
  for (int n : {1, 2, 3}) visits.push_back(NewVisit(worker, kGridA, n));
  for (Phone* p : {&worker, &office, &secretary}) SyncOk(*p);
  const std::string month = core::MonthName(core::MonthOf(core::SystemWallMs()));
  const int64_t visited_before = ServerCoverage(kVillageAB, month).visits().visited();

  gridsync::v1::VisitVerification said;
  said.set_method(gridsync::v1::VERIFICATION_METHOD_PHONE);
  said.set_reached(true);
  said.set_confirmation(gridsync::v1::VISIT_CONFIRMATION_CONFIRMED);
  EXPECT_EQ(worker->VerifyVisit(visits[0], said).code(), absl::StatusCode::kPermissionDenied);

  gridsync::v1::DrawVerificationSampleRequest req;
  req.set_village_code(kVillageAB);
  gridsync::v1::DrawVerificationSampleResponse sample;
  auto ctx = tools::CallContext(admin_token_);
  ASSERT_TRUE(coverage_->DrawVerificationSample(ctx.get(), req, &sample).ok());
  EXPECT_EQ(sample.sample_size(), 10);
  ASSERT_EQ(sample.households_visited(), 3);
  ASSERT_EQ(sample.visits_size(), 3);
  for (const auto& v : sample.visits()) {
    EXPECT_EQ(v.worker(), "网格员001");
    EXPECT_NE(std::find(visits.begin(), visits.end(), v.visit_record_id()), visits.end());
  }
  // Ranked as anyone can rank them again.
  EXPECT_LT(core::SampleRank(kVillageAB, core::MonthOf(core::SystemWallMs()),
                             sample.visits(0).household_id()),
            core::SampleRank(kVillageAB, core::MonthOf(core::SystemWallMs()),
                             sample.visits(1).household_id()));

  ASSERT_TRUE(office->VerifyVisit(sample.visits(0).visit_record_id(), said).ok());
  said.set_confirmation(gridsync::v1::VISIT_CONFIRMATION_NOT_MADE);
  said.set_remark("住户说本月没人来过");
  ASSERT_TRUE(office->VerifyVisit(sample.visits(1).visit_record_id(), said).ok());
  auto offline = office->GetCoverage(kVillageAB);
  ASSERT_TRUE(offline.ok());
  EXPECT_EQ(offline->verification().not_made(), 1);  // counted on the office's replica at once
  EXPECT_EQ(offline->visits().visited(), visited_before - 1);
  for (Phone* p : {&office, &worker, &secretary}) SyncOk(*p);

  const auto server = ServerCoverage(kVillageAB, month);
  EXPECT_EQ(server.visits().visited(), visited_before - 1);
  EXPECT_EQ(server.verification().verified(), 2);
  EXPECT_EQ(server.verification().confirmed(), 1);
  EXPECT_EQ(server.verification().not_made(), 1);
  EXPECT_EQ(server.verification().sampled(), 3);
  ASSERT_EQ(server.verification().by_worker_size(), 1);
  EXPECT_EQ(server.verification().by_worker(0).worker(), "网格员001");
  ExpectSameFigures(worker, kGridA, month);
  ExpectSameFigures(secretary, kVillageAB, month);
  ExpectSameFigures(office, kTownABC, month);
  auto list = worker->ListHouseholds(kGridA);
  ASSERT_TRUE(list.ok());
  for (const auto& h : list->households()) {
    if (h.household().household_id() == sample.visits(1).household_id())
      EXPECT_NE(h.state(), gridsync::v1::VISIT_STATE_VISITED);  // to be visited again
  }
  // The visit stays, with what the household said, for the audit.
  auto rec = office->Get(sample.visits(1).visit_record_id());
  ASSERT_TRUE(rec.ok());
  ASSERT_EQ(rec->visit().verifications_size(), 1);
  EXPECT_EQ(rec->visit().verifications(0).remark(), "住户说本月没人来过");
  // Drawn again: the same households, the one not made among them, marked.
  gridsync::v1::DrawVerificationSampleResponse again;
  auto ctx2 = tools::CallContext(admin_token_);
  ASSERT_TRUE(coverage_->DrawVerificationSample(ctx2.get(), req, &again).ok());
  ASSERT_EQ(again.visits_size(), 3);
  EXPECT_EQ(again.visits(1).household_id(), sample.visits(1).household_id());
  EXPECT_EQ(again.visits(1).confirmation(), gridsync::v1::VISIT_CONFIRMATION_NOT_MADE);

  // A secretary's phone that skips the SDK, verifying its own visit: refused.
  auto raw = ServerTest::NewPhone(kVillageAB, gridsync::v1::ROLE_VILLAGE_SECRETARY, "村书记");
  const std::string own = raw->NewRecordId();
  Mutation create = raw->Begin(gridsync::v1::RECORD_KIND_VISIT, own, kGridA);
  create.mutable_create()->set_subject_id(Household(kGridA, 5));
  Mutation self = raw->Begin(gridsync::v1::RECORD_KIND_VISIT, own, kGridA);
  self.mutable_append_log()->set_log("verifications");
  self.mutable_append_log()->set_element_id(raw->NewRecordId());
  said.set_confirmation(gridsync::v1::VISIT_CONFIRMATION_CONFIRMED);
  self.mutable_append_log()->set_payload(said.SerializeAsString());
  auto pushed = raw->Push({create, self});
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(pushed->results(0).code(), 0) << pushed->results(0).message();
  EXPECT_EQ(pushed->results(1).code(), static_cast<int>(absl::StatusCode::kPermissionDenied))
      << pushed->results(1).message();
  // And a sample is not the village's to see beforehand.
  auto sctx = tools::CallContext(secretary.options.token);
  gridsync::v1::DrawVerificationSampleResponse refused;
  EXPECT_EQ(coverage_->DrawVerificationSample(sctx.get(), req, &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// 干部参与率: a cadre and a party member of the village visit households on
// their phones; their visits count for 入户, and for the figure once they
// reach their quota (10 and 5 a month by default). The roster reaches the
// secretary's phone, which counts as the server does; a revoked device
// leaves it. A cadre's phone writes visits only.
TEST_F(DayTest, CadresVisitsCountForTheirQuotaOnPhonesAndServer) {
  auto cadre =
      NewReplica(gridsync::v1::ROLE_CADRE, kVillageAB, "村干部𠮷", gridsync::v1::CADRE_KIND_CADRE);
  auto member = NewReplica(gridsync::v1::ROLE_CADRE, kVillageAB, "党员",
                           gridsync::v1::CADRE_KIND_PARTY_MEMBER);
  auto secretary = NewReplica(gridsync::v1::ROLE_VILLAGE_SECRETARY, kVillageAB, "村书记");
  for (Phone* p : {&cadre, &member, &secretary}) SyncOk(*p);
  const std::string month = core::MonthName(core::MonthOf(core::SystemWallMs()));
  const int64_t visited_before = ServerCoverage(kVillageAB, month).visits().visited();
  for (int n = 1; n <= 10; ++n) NewVisit(cadre, n <= 6 ? kGridA : kGridB, n);  // its quota
  for (int n = 11; n <= 14; ++n) NewVisit(member, kGridA, n);                  // one short of 5
  auto refused = cadre->Create(gridsync::v1::RECORD_KIND_DISPUTE_CASE, kGridA, Household(kGridA, 3),
                               {F("title", tools::StrValue("院墙纠纷"))});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << refused.status();
  auto offline = cadre->GetCoverage(kVillageAB);
  ASSERT_TRUE(offline.ok()) << offline.status();
  EXPECT_EQ(offline->cadres().cadres(), 2);
  EXPECT_EQ(offline->cadres().met(), 1);  // counted on the cadre's phone before any sync
  for (Phone* p : {&cadre, &member, &secretary}) SyncOk(*p);

  const auto server = ServerCoverage(kVillageAB, month);
  EXPECT_EQ(server.visits().visited(), visited_before + 14);  // 入户, like anyone's
  ASSERT_EQ(server.cadres().by_cadre_size(), 2);
  EXPECT_EQ(server.cadres().met(), 1);
  EXPECT_DOUBLE_EQ(server.cadres().rate(), 0.5);
  for (const auto& row : server.cadres().by_cadre()) {
    if (row.kind() == gridsync::v1::CADRE_KIND_CADRE) {
      EXPECT_EQ(row.name(), "村干部𠮷");
      EXPECT_EQ(row.households_visited(), 10);
      EXPECT_EQ(row.quota(), 10);
      EXPECT_TRUE(row.met());
    } else {
      EXPECT_EQ(row.households_visited(), 4);
      EXPECT_EQ(row.quota(), 5);
    }
  }
  ExpectSameFigures(secretary, kVillageAB, month);
  // A cadre's phone holds the village's visits only: its 干部参与率 and 入户
  // are the server's once it has pulled the member's.
  SyncOk(cadre);
  auto mine = cadre->GetCoverage(kVillageAB, month);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->cadres().DebugString(), server.cadres().DebugString());
  EXPECT_EQ(mine->visits().visited(), server.visits().visited());
  ExpectSameFigures(secretary, kGridA, month);

  // A raw cadre's case skipping the SDK: refused by the server.
  std::string device;
  const std::string token = Enroll(gridsync::v1::ROLE_CADRE, {kVillageAB}, "党员乙", &device,
                                   gridsync::v1::CADRE_KIND_PARTY_MEMBER);
  tools::Phone forger(channel_, token, device, "党员乙", 7);
  Mutation c = forger.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, forger.NewRecordId(), kGridA);
  c.mutable_create()->set_subject_id(Household(kGridA, 2));
  auto pushed = forger.Push({c});
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(pushed->results(0).code(), static_cast<int>(absl::StatusCode::kPermissionDenied));

  // Revoked, the party member leaves the roster on the server and phones.
  gridsync::v1::RevokeDeviceRequest rr;
  rr.set_device_id(member.options.device_id);
  gridsync::v1::RevokeDeviceResponse rresp;
  auto actx = tools::CallContext(admin_token_);
  ASSERT_TRUE(admin_->RevokeDevice(actx.get(), rr, &rresp).ok());
  SyncOk(secretary);
  EXPECT_EQ(ServerCoverage(kVillageAB, month).cadres().cadres(), 2);  // the cadre and 党员乙
  ExpectSameFigures(secretary, kVillageAB, month);
}

TEST_F(DayTest, ListsArePagedAndBadArgumentsAreClearErrors) {
  auto worker = NewPhone(kGridA, "网格员001");
  auto none = worker->ListHouseholds(kGridA);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound) << none.status();  // before a sync
  SyncOk(worker);
  std::set<std::string> seen;
  for (int offset = 0; offset < 40; offset += 7) {
    auto page = worker->ListHouseholds(kGridA, "", offset, 7);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->total(), 20);
    for (const auto& h : page->households())
      EXPECT_TRUE(seen.insert(h.household().household_id()).second);
  }
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_EQ(worker->ListHouseholds(kGridB).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(worker->ListHouseholds(kGridA, "2026-13").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(worker->ListHouseholds(kGridA, "", -1, 10).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(worker->ListDueChecks(kGridA, 0, 0, 1001).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(worker->ListDueChecks(kGridA, -1).status().code(), absl::StatusCode::kInvalidArgument);
  // The village and the units above the grid are there, for names.
  EXPECT_TRUE(worker->GetCoverage(kVillageAB).ok());
}

// A replica synced before phones held the registry fetches it once, with
// registry-only pulls: no record comes again.
TEST_F(DayTest, AReplicaFromBeforeTheRegistryFetchesItOnce) {
  auto worker = NewPhone(kGridA, "网格员001");
  NewVisit(worker, kGridA, 1);
  SyncOk(worker);
  worker.client.reset();
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), worker.options.data_dir, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(
        db->DeleteRange(rocksdb::WriteOptions(), db->DefaultColumnFamily(), "g/", "g0").ok());
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), "m/registry_synced").ok());
  }
  Reopen(worker);
  EXPECT_EQ(worker->ListHouseholds(kGridA).status().code(), absl::StatusCode::kNotFound);
  auto r = worker->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->pulled, 0);
  auto list = worker->ListHouseholds(kGridA);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->total(), 20);
  EXPECT_EQ(list->visited(), 1);
  Reopen(worker);  // kept on disk
  EXPECT_EQ(worker->ListHouseholds(kGridA)->visited(), 1);
}

// Registry proposals on phones: a worker proposes offline, only the
// secretary's phone decides, the registry and the lists change on both
// phones after the server applies the approval.
TEST_F(DayTest, AWorkersProposalApprovedOnTheSecretarysPhoneChangesBothPhonesLists) {
  auto worker = NewPhone(kGridA, "网格员 王芳");
  auto secretary = NewReplica(gridsync::v1::ROLE_VILLAGE_SECRETARY, kVillageAB, "村书记 李国华");
  NewVisit(worker, kGridA, 5);  // visited this month, then moves out: out of the figures
  NewVisit(worker, kGridA, 6);
  SyncOk(worker);
  SyncOk(secretary);

  gridsync::v1::RegistryProposal arrived;
  arrived.set_action(gridsync::v1::PROPOSAL_ACTION_NEW_HOUSEHOLD);
  arrived.set_head_name("𠮷大娘");
  arrived.set_address("3组21号");
  arrived.set_reason("新建房屋，已入住");
  gridsync::v1::RegistryProposal left;
  left.set_action(gridsync::v1::PROPOSAL_ACTION_MOVED_OUT);
  left.set_household_id(Household(kGridA, 5));
  auto a = worker->Propose(kGridA, arrived);
  auto b = worker->Propose(kGridA, left);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  gridsync::v1::RegistryProposal bad;
  bad.set_action(gridsync::v1::PROPOSAL_ACTION_CORRECT_HOUSEHOLD);
  bad.set_household_id(Household(kGridA, 6));
  EXPECT_EQ(worker->Propose(kGridA, bad).status().code(), absl::StatusCode::kInvalidArgument);
  auto mine = worker->ListProposals(kGridA);
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_EQ(mine->pending(), 2);
  EXPECT_EQ(mine->proposals(0).proposed_by(), "网格员 王芳");
  EXPECT_EQ(worker->Decide(*a, true).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(worker->ListHouseholds(kGridA)->total(), 20);  // a proposal changes nothing yet
  SyncOk(worker);

  SyncOk(secretary);
  auto pending = secretary->ListProposals(kVillageAB, /*pending_only=*/true);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->pending(), 2);
  const auto& first = pending->proposals(pending->proposals(0).record_id() == *a ? 0 : 1);
  EXPECT_EQ(first.record_id(), *a);
  EXPECT_EQ(first.proposal().head_name(), "𠮷大娘");
  EXPECT_EQ(first.proposal().reason(), "新建房屋，已入住");
  ASSERT_TRUE(secretary->Decide(*a, true, "已核实").ok());
  ASSERT_TRUE(secretary->Decide(*b, true).ok());
  EXPECT_EQ(secretary->Decide(*b, false).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(secretary->ListProposals(kVillageAB, true)->pending(), 0);
  SyncOk(secretary);
  SyncOk(worker);

  for (Phone* p : {&worker, &secretary}) {
    auto list = (*p)->ListHouseholds(kGridA, "", 0, 1000);
    ASSERT_TRUE(list.ok());
    std::set<std::string> ids;
    for (const auto& h : list->households()) ids.insert(h.household().household_id());
    EXPECT_EQ(list->total(), 20);  // +1 arrived, -1 moved out
    EXPECT_TRUE(ids.count(Household(kGridA, 21)));
    EXPECT_FALSE(ids.count(Household(kGridA, 5)));
  }
  auto decided = worker->ListProposals(kGridA);
  ASSERT_TRUE(decided.ok());
  EXPECT_EQ(decided->pending(), 0);
  EXPECT_EQ(decided->proposals(0).decided_by(), "村书记 李国华");
  ExpectSameFigures(worker, kGridA, "");
  ExpectSameFigures(secretary, kVillageAB, "");
  EXPECT_EQ(worker->GetCoverage(kGridA)->visits().visited(), 1);  // household 6 only
}

}  // namespace
}  // namespace gridsync::testing
