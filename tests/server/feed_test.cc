// The change feed: backlog then new changes, scoped, resumable exactly where
// it stopped, registry entries included.
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "core/coverage.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "gridsync/v1/feed_service.grpc.pb.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {

using gridsync::v1::SubscribeResponse;

class FeedTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    feed_ = gridsync::v1::FeedService::NewStub(channel_);
  }

  // Reads a non-following feed to its end.
  grpc::Status ReadAll(const std::string& token, uint64_t cursor, const std::string& scope,
                       std::vector<SubscribeResponse>* out) {
    gridsync::v1::SubscribeRequest req;
    req.set_cursor(cursor);
    req.set_scope_code(scope);
    auto ctx = tools::CallContext(token, std::chrono::seconds(30));
    auto reader = feed_->Subscribe(ctx.get(), req);
    SubscribeResponse m;
    while (reader->Read(&m)) out->push_back(m);
    return reader->Finish();
  }

  // The same through SubscribeBatched; `batches` counts the stream messages.
  grpc::Status ReadAllBatched(const std::string& token, uint64_t cursor, const std::string& scope,
                              std::vector<SubscribeResponse>* out, int* batches) {
    gridsync::v1::SubscribeBatchedRequest req;
    req.set_cursor(cursor);
    req.set_scope_code(scope);
    auto ctx = tools::CallContext(token, std::chrono::seconds(30));
    auto reader = feed_->SubscribeBatched(ctx.get(), req);
    gridsync::v1::SubscribeBatchedResponse b;
    while (reader->Read(&b)) {
      ++*batches;
      EXPECT_GT(b.messages_size(), 0);
      for (auto& m : *b.mutable_messages()) out->push_back(std::move(m));
    }
    return reader->Finish();
  }

  void PushVisits(tools::Phone& phone, const std::string& grid, int n) {
    std::vector<gridsync::v1::Mutation> ms;
    for (int i = 0; i < n; ++i) ms.push_back(Visit(phone, grid, 1 + i % 20));
    auto r = phone.Push(ms);
    ASSERT_TRUE(r.ok()) << r.status();
  }

  std::unique_ptr<gridsync::v1::FeedService::Stub> feed_;
};

TEST_F(FeedTest, BacklogHoldsRegistryAndRecordsInChangeOrderThenCaughtUp) {
  auto a = NewPhone(kGridA);
  auto d = NewPhone(kGridD);
  PushVisits(*a, kGridA, 30);
  PushVisits(*d, kGridD, 20);
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty}, "县委政法委");
  std::vector<SubscribeResponse> got;
  ASSERT_TRUE(ReadAll(job, 0, "", &got).ok());
  ASSERT_FALSE(got.empty());
  EXPECT_TRUE(got.back().caught_up());
  EXPECT_EQ(got.back().cursor(), base_seq_ + 50);
  uint64_t last = 0, last_cursor = 0;
  int visits = 0, households = 0, org_units = 0;
  for (const auto& m : got) {
    EXPECT_GE(m.cursor(), last_cursor);
    last_cursor = m.cursor();
    if (!m.has_change()) continue;
    EXPECT_EQ(m.cursor(), m.change().seq());
    EXPECT_GT(m.change().seq(), last);
    last = m.change().seq();
    if (m.change().has_mutation()) {
      ++visits;
      EXPECT_EQ(m.state().record_id(), m.change().mutation().record_id());
    }
    households += m.change().registry().has_household();
    org_units += m.change().registry().has_org_unit();
  }
  EXPECT_EQ(visits, 50);
  EXPECT_EQ(households, 80);  // 4 grids x 20
  EXPECT_GT(org_units, 0);
}

// Issue 12's audit trail: every administrative act is a change naming who
// did it, in the county's feed and nowhere else.
TEST_F(FeedTest, AdministrativeActsAreChangesNamingWhoDidThem) {
  std::string worker_id;
  Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA}, "王芳", &worker_id);
  gridsync::v1::ImportRegistryRequest imp;
  auto* h = imp.add_households();
  h->set_household_id(Household(kGridA, 31));
  h->set_grid_code(kGridA);
  h->set_head_name("新户主");
  *imp.add_households() = TestRegistry(registry_now_ms_).households(0);  // unchanged
  Import(imp);
  SetDefaultCheckInterval(20);
  gridsync::v1::BackupRequest breq;
  breq.set_dir(dir_ + "-backups");
  gridsync::v1::BackupResponse bresp;
  auto ctx3 = tools::CallContext(admin_token_);
  ASSERT_TRUE(admin_->Backup(ctx3.get(), breq, &bresp).ok());
  ASSERT_TRUE(RevokeDevice(admin_.get(), admin_token_, worker_id).ok());

  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty}, "县委政法委");
  std::vector<SubscribeResponse> got;
  ASSERT_TRUE(ReadAll(job, 0, "", &got).ok());
  std::vector<gridsync::v1::AdminAct> acts;
  std::string admin_device;
  int imported_by_admin = 0;
  for (const auto& m : got) {
    if (!m.has_change()) continue;
    if (m.change().has_admin()) acts.push_back(m.change().admin());
    if (m.change().registry().has_household() &&
        m.change().registry().household().head_name() == "新户主") {
      EXPECT_EQ(m.change().by().holder(), "admin");
      ++imported_by_admin;
    }
  }
  EXPECT_EQ(imported_by_admin, 1);
  std::vector<std::string> actions;
  for (const auto& a : acts) actions.push_back(a.action());
  // init's admin, the set-up's import, the worker, this import, the policy,
  // the backup, the revoke, the job.
  ASSERT_EQ(actions,
            (std::vector<std::string>{"enrol", "registry_import", "enrol", "registry_import",
                                      "check_policy", "backup", "revoke", "enrol"}));
  EXPECT_TRUE(absl::StrContains(acts[0].by().holder(), "local user")) << acts[0].by().holder();
  admin_device = acts[0].subject();
  for (size_t i = 1; i < acts.size(); ++i) {
    EXPECT_EQ(acts[i].by().device_id(), admin_device) << actions[i];
    EXPECT_EQ(acts[i].by().holder(), "admin") << actions[i];
  }
  EXPECT_EQ(acts[2].subject(), worker_id);
  EXPECT_TRUE(absl::StrContains(acts[2].detail(),
                                "ROLE_GRID_WORKER for [410185001201001] held "
                                "by '王芳'"))
      << acts[2].detail();
  EXPECT_EQ(acts[3].created(), 1);
  EXPECT_EQ(acts[3].unchanged(), 1);
  EXPECT_EQ(acts[5].subject(), dir_ + "-backups");
  EXPECT_EQ(acts[6].subject(), worker_id);

  // A town's feed has none of them.
  const std::string town = Enroll(gridsync::v1::ROLE_TOWN_OFFICE, {kTownABC}, "镇平安办");
  got.clear();
  ASSERT_TRUE(ReadAll(town, 0, "", &got).ok());
  for (const auto& m : got) EXPECT_FALSE(m.change().has_admin()) << m.change().seq();
}

TEST_F(FeedTest, ATownSeesOnlyItsTownAndResumesWhereItStopped) {
  auto a = NewPhone(kGridA);
  auto d = NewPhone(kGridD);
  const std::string town = Enroll(gridsync::v1::ROLE_TOWN_OFFICE, {kTownABC}, "镇平安办");
  PushVisits(*a, kGridA, 10);
  PushVisits(*d, kGridD, 10);
  std::vector<SubscribeResponse> first;
  ASSERT_TRUE(ReadAll(town, base_seq_, "", &first).ok());
  int first_visits = 0;
  for (const auto& m : first) {
    if (!m.has_change()) continue;
    ASSERT_TRUE(m.change().has_mutation());
    EXPECT_EQ(m.change().mutation().grid_code(), kGridA);
    ++first_visits;
  }
  EXPECT_EQ(first_visits, 10);
  // Resume from the last cursor: only what came after.
  const uint64_t cursor = first.back().cursor();
  EXPECT_EQ(cursor, base_seq_ + 20);  // past grid D's changes too
  PushVisits(*a, kGridA, 5);
  std::vector<SubscribeResponse> second;
  ASSERT_TRUE(ReadAll(town, cursor, "", &second).ok());
  std::set<uint64_t> seqs;
  for (const auto& m : second) {
    if (m.has_change()) seqs.insert(m.change().seq());
  }
  EXPECT_EQ(seqs, (std::set<uint64_t>{base_seq_ + 21, base_seq_ + 22, base_seq_ + 23,
                                      base_seq_ + 24, base_seq_ + 25}));
}

TEST_F(FeedTest, AFollowingStreamGetsNewChangesAsTheyCommit) {
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty});
  auto a = NewPhone(kGridA);
  gridsync::v1::SubscribeRequest req;
  req.set_cursor(base_seq_);
  req.set_follow(true);
  auto ctx = tools::CallContext(job, std::chrono::seconds(30));
  auto reader = feed_->Subscribe(ctx.get(), req);
  SubscribeResponse m;
  ASSERT_TRUE(reader->Read(&m));
  EXPECT_TRUE(m.caught_up());
  EXPECT_EQ(m.cursor(), base_seq_);
  std::thread writer([&] { PushVisits(*a, kGridA, 7); });
  int got = 0;
  while (got < 7 && reader->Read(&m)) {
    if (m.has_change()) {
      EXPECT_EQ(m.change().seq(), base_seq_ + 1 + got);
      ++got;
    }
  }
  writer.join();
  EXPECT_EQ(got, 7);
  ctx->TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

// A screen that shows live figures follows from now: none of the backlog,
// then what commits after it subscribed.
TEST_F(FeedTest, AStreamFromNowSkipsTheBacklog) {
  const std::string office = Enroll(gridsync::v1::ROLE_TOWN_OFFICE, {kTownABC});
  auto a = NewPhone(kGridA);
  PushVisits(*a, kGridA, 5);
  gridsync::v1::SubscribeRequest req;
  req.set_cursor(1);  // ignored
  req.set_from_now(true);
  req.set_follow(true);
  auto ctx = tools::CallContext(office, std::chrono::seconds(30));
  auto reader = feed_->Subscribe(ctx.get(), req);
  SubscribeResponse m;
  ASSERT_TRUE(reader->Read(&m));
  EXPECT_TRUE(m.caught_up());
  EXPECT_FALSE(m.has_change());
  EXPECT_EQ(m.cursor(), base_seq_ + 5);
  std::thread writer([&] { PushVisits(*a, kGridA, 2); });
  int got = 0;
  while (got < 2 && reader->Read(&m)) {
    if (m.has_change()) EXPECT_EQ(m.change().seq(), base_seq_ + 6 + got++);
  }
  writer.join();
  EXPECT_EQ(got, 2);
  ctx->TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(FeedTest, ShutdownEndsAFollowingStreamAtOnce) {
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty});
  gridsync::v1::SubscribeRequest req;
  req.set_follow(true);
  req.set_cursor(base_seq_);
  auto ctx = tools::CallContext(job, std::chrono::seconds(30));
  auto reader = feed_->Subscribe(ctx.get(), req);
  SubscribeResponse m;
  ASSERT_TRUE(reader->Read(&m));
  const auto t0 = std::chrono::steady_clock::now();
  StopServer(std::chrono::seconds(20));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  while (reader->Read(&m)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  StartServer();
}

// A job catching up reads a page's worth of messages at a time: the same
// messages, in the same order, with the same cursors, in a few stream
// messages instead of one each, and checked the same way.
TEST_F(FeedTest, BatchedFeedCarriesTheSameMessagesInFewerStreamMessages) {
  auto a = NewPhone(kGridA);
  auto d = NewPhone(kGridD);
  for (int round = 0; round < 6; ++round) {  // more than a page of 500 changes
    PushVisits(*a, kGridA, 100);
    PushVisits(*d, kGridD, 20);
  }
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty});
  const std::string town = Enroll(gridsync::v1::ROLE_TOWN_OFFICE, {kTownABC});
  for (const auto& [token, cursor] :
       std::vector<std::pair<std::string, uint64_t>>{{job, 0}, {town, 0}, {job, base_seq_ + 333}}) {
    std::vector<SubscribeResponse> one_by_one, batched;
    int batches = 0;
    ASSERT_TRUE(ReadAll(token, cursor, "", &one_by_one).ok());
    ASSERT_TRUE(ReadAllBatched(token, cursor, "", &batched, &batches).ok());
    ASSERT_EQ(batched.size(), one_by_one.size());
    for (size_t i = 0; i < batched.size(); ++i) {
      ASSERT_EQ(batched[i].SerializeAsString(), one_by_one[i].SerializeAsString()) << i;
    }
    EXPECT_TRUE(batched.back().caught_up());
    // A page of 500 changes to a stream message (the last with the caught-up
    // message), not one each.
    EXPECT_GE(batches * 500 + 1, static_cast<int>(batched.size()));
    EXPECT_LE(batches, static_cast<int>(batched.size()) / 100);
  }
  std::vector<SubscribeResponse> got;
  int batches = 0;
  const std::string worker = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA});
  EXPECT_EQ(ReadAllBatched(worker, 0, "", &got, &batches).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReadAllBatched(job, base_seq_ + 100000, "", &got, &batches).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(batches, 0);
}

TEST_F(FeedTest, ScopeAndCursorAreChecked) {
  const std::string secretary = Enroll(gridsync::v1::ROLE_VILLAGE_SECRETARY, {kVillageAB});
  const std::string worker = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA});
  std::vector<SubscribeResponse> got;
  EXPECT_EQ(ReadAll(secretary, 0, kCounty, &got).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReadAll(worker, 0, "", &got).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReadAll("no-such-token", 0, "", &got).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReadAll(secretary, 0, "41x", &got).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReadAll(secretary, base_seq_ + 1000, "", &got).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_TRUE(got.empty());
  ASSERT_TRUE(ReadAll(secretary, 0, "", &got).ok());
  for (const auto& m : got) {
    if (m.change().registry().has_household()) {
      EXPECT_EQ(m.change().registry().household().household_id().substr(0, 12), kVillageAB);
    }
  }
}

// Released clients send SubscribeRequest to SubscribeBatched (its request
// until 0.27.0), and the server parses either as one: the two must stay
// alike, field for field.
TEST(FeedSchemaTest, SubscribeBatchedRequestIsSubscribeRequestFieldForField) {
  const auto* a = gridsync::v1::SubscribeRequest::descriptor();
  const auto* b = gridsync::v1::SubscribeBatchedRequest::descriptor();
  ASSERT_EQ(a->field_count(), b->field_count());
  for (int i = 0; i < a->field_count(); ++i) {
    EXPECT_EQ(a->field(i)->name(), b->field(i)->name());
    EXPECT_EQ(a->field(i)->number(), b->field(i)->number());
    EXPECT_EQ(a->field(i)->type(), b->field(i)->type());
    EXPECT_EQ(a->field(i)->label(), b->field(i)->label());
  }
}

}  // namespace
}  // namespace gridsync::testing
