// Network faults under a sync: the server stopped and restarted in the
// middle of a push and of a pull, and a network that cuts connections in
// the middle of a stream. Sync completes; the server holds every mutation
// exactly once (one change per mutation) and phones match the server.
#include <atomic>
#include <iostream>
#include <thread>

#include "core/hlc.h"
#include "core/merge.h"
#include "tests/client_sdk/sdk_test.h"

namespace gridsync::testing {
namespace {

using tools::BoolValue;
using tools::IntValue;
using tools::StrValue;

constexpr int kMaxSyncAttempts = 300;

class NetworkFaultTest : public SdkTest {
 protected:
  std::vector<std::string> WriteVisits(Phone& p, int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      auto id = p->Create(gridsync::v1::RECORD_KIND_VISIT, kGridA, Household(kGridA, 1 + i % 20),
                          {F("visited_at_ms", IntValue(core::SystemWallMs())),
                           F("talked_with_household", BoolValue(true)),
                           F("notes", StrValue("第" + std::to_string(i) + "次走访"))});
      EXPECT_TRUE(id.ok()) << id.status();
      ids.push_back(*id);
    }
    return ids;
  }
  // Syncs until one sync succeeds (bounded); returns the failures seen.
  int SyncUntilDone(Phone& p, const sdk::ProgressFn& progress = nullptr) {
    int failures = 0;
    for (int i = 0; i < kMaxSyncAttempts; ++i) {
      auto r = p->Sync(progress);
      if (r.ok()) return failures;
      ++failures;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "sync did not complete in " << kMaxSyncAttempts << " attempts";
    return failures;
  }
  // Exactly once: one record and one change per create, nothing else.
  void ExpectServerHoldsExactly(size_t n) {
    const auto stats = Stats();
    EXPECT_EQ(stats.records(), n);
    EXPECT_EQ(stats.last_change_seq(), base_seq_ + n) << "a mutation was applied twice";
  }
  void ExpectSameAsServer(Phone& p, const std::vector<std::string>& ids) {
    EXPECT_EQ(p->List().size(), ids.size());
    for (size_t i = 0; i < ids.size(); i += 97) {  // a sample; List covers the rest
      auto local = p->GetState(ids[i]);
      ASSERT_TRUE(local.ok()) << local.status();
      EXPECT_EQ(core::SerializeCanonical(*local),
                core::SerializeCanonical(GetRecord(ids[i]).state()));
    }
  }
  // Restarts the server from another thread once `trigger` turns true.
  std::thread RestartWhen(std::atomic<bool>& trigger, std::atomic<bool>& done) {
    return std::thread([&] {
      for (int i = 0; i < 6000 && !trigger && !done; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (trigger) RestartServer();
    });
  }
};

TEST_F(NetworkFaultTest, ServerRestartedInTheMiddleOfAPush) {
  auto p = NewPhone(kGridA, "王芳");
  p.options.push_batch = 100;
  Reopen(p);
  const auto ids = WriteVisits(p, 3000);
  std::atomic<bool> trigger{false}, done{false};
  std::thread restarter = RestartWhen(trigger, done);
  const int failures = SyncUntilDone(p, [&](const sdk::SyncProgress& pr) {
    if (pr.phase == sdk::SyncProgress::Phase::kPush && pr.pushed >= 1000) trigger = true;
  });
  done = true;
  restarter.join();
  EXPECT_TRUE(trigger.load());
  std::cout << "failed syncs during the restart: " << failures << "\n";
  EXPECT_GE(failures, 1) << "the restart did not interrupt the push";
  EXPECT_EQ(p->Stats().pending, 0);
  ExpectServerHoldsExactly(ids.size());
  ExpectSameAsServer(p, ids);
}

TEST_F(NetworkFaultTest, ServerRestartedInTheMiddleOfAPull) {
  auto writer = NewPhone(kGridA, "王芳");
  const auto ids = WriteVisits(writer, 3000);
  ASSERT_EQ(SyncUntilDone(writer), 0);
  auto reader = NewPhone(kGridA, "李强");
  reader.options.pull_page = 100;
  Reopen(reader);
  std::atomic<bool> trigger{false}, done{false};
  std::thread restarter = RestartWhen(trigger, done);
  const int failures = SyncUntilDone(reader, [&](const sdk::SyncProgress& pr) {
    if (pr.phase == sdk::SyncProgress::Phase::kPull && pr.pulled >= 1000) trigger = true;
  });
  done = true;
  restarter.join();
  std::cout << "failed syncs during the restart: " << failures << "\n";
  EXPECT_GE(failures, 1) << "the restart did not interrupt the pull";
  ExpectServerHoldsExactly(ids.size());
  ExpectSameAsServer(reader, ids);
}

TEST_F(NetworkFaultTest, ConnectionsCutMidStreamLoseAndDuplicateNothing) {
  auto p = NewPhone(kGridA, "王芳");
  p.options.push_batch = 50;
  p.options.pull_page = 50;
  Reopen(p);
  const auto ids = WriteVisits(p, 2000);
  proxy_->set_cut_after_bytes(48 * 1024);  // every connection dies after 48 KB
  const int push_failures = SyncUntilDone(p);
  auto reader = NewPhone(kGridA, "李强");
  reader.options.pull_page = 50;
  Reopen(reader);
  const int pull_failures = SyncUntilDone(reader);
  std::cout << "cuts " << proxy_->cuts() << ", failed syncs: push " << push_failures << ", pull "
            << pull_failures << "\n";
  EXPECT_GE(proxy_->cuts(), 3);
  EXPECT_GE(push_failures + pull_failures, 3);
  proxy_->set_cut_after_bytes(0);
  ASSERT_EQ(SyncUntilDone(p), 0);
  ExpectServerHoldsExactly(ids.size());
  ExpectSameAsServer(p, ids);
  ExpectSameAsServer(reader, ids);
}

}  // namespace
}  // namespace gridsync::testing
