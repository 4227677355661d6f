// A slow disk (issue 12): every sync of the WAL takes 100 ms (a RocksDB
// FileSystem wrapper, as a dm-delay device would). The store keeps
// acknowledging: concurrent pushes share one sync in larger commit groups,
// and the commit metrics show both the slow syncs and the larger groups.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "absl/strings/match.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "server/rocks_store.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {

constexpr auto kSyncDelay = std::chrono::milliseconds(100);

class SlowSyncFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  using FSWritableFileOwnerWrapper::FSWritableFileOwnerWrapper;
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
    std::this_thread::sleep_for(kSyncDelay);
    return target()->Sync(o, d);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
    std::this_thread::sleep_for(kSyncDelay);
    return target()->Fsync(o, d);
  }
};

// Slows the syncs of WAL files (*.log), the ones a durable commit waits for.
class SlowWalFs : public rocksdb::FileSystemWrapper {
 public:
  using FileSystemWrapper::FileSystemWrapper;
  const char* Name() const override { return "SlowWalFs"; }
  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* d) override {
    auto s = target()->NewWritableFile(f, o, r, d);
    if (s.ok() && absl::EndsWith(f, ".log")) *r = std::make_unique<SlowSyncFile>(std::move(*r));
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                                      const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* d) override {
    auto s = target()->ReuseWritableFile(f, old, o, r, d);
    if (s.ok() && absl::EndsWith(f, ".log")) *r = std::make_unique<SlowSyncFile>(std::move(*r));
    return s;
  }
};

TEST(SlowDisk, AcknowledgesOnWithLargerGroupsAndTheMetricsShowIt) {
  const std::string dir = TempDir("slow-disk");
  std::shared_ptr<rocksdb::Env> env =
      rocksdb::NewCompositeEnv(std::make_shared<SlowWalFs>(rocksdb::FileSystem::Default()));
  auto store = server::RocksStore::Open(dir, {.create_if_missing = true, .env = env});
  ASSERT_TRUE(store.ok()) << store.status();
  gridsync::v1::Actor admin;
  admin.set_holder("test");
  ASSERT_TRUE((*store)->registry()->ImportRegistry(TestRegistry(), admin).ok());

  // 32 phones, each pushing 10 visits one at a time, all at once.
  constexpr int kPhones = 32, kEach = 10;
  std::atomic<int> acked{0}, failed{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < kPhones; ++i) {
    threads.emplace_back([&, i] {
      // The phone only makes mutations here; its channel is never used.
      tools::Phone phone(tools::Connect("127.0.0.1:1"), "", "phone-" + std::to_string(i), "王芳",
                         i);
      for (int k = 0; k < kEach; ++k) {
        gridsync::v1::Mutation m = Visit(phone, kGridA, 1 + k);
        m.set_device_id(phone.device_id());
        m.set_author("王芳");
        auto r = (*store)->Commit({m});
        (r.ok() && (*r)[0].outcome() == gridsync::v1::MUTATION_OUTCOME_APPLIED ? acked : failed)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const std::string metrics = [&] {
    std::string page;
    (*store)->commit_group_mutations().Render("groups", "", &page);
    (*store)->commit_write_seconds().Render("writes", "", &page);
    return page;
  }();
  auto value = [&](const std::string& name) {
    const size_t at = metrics.find(name + " ");
    return at == std::string::npos ? -1.0 : std::stod(metrics.substr(at + name.size() + 1));
  };
  const double groups = value("groups_count"), write_secs = value("writes_sum");
  printf(
      "slow disk (%lld ms per WAL sync): %d of %d pushes acknowledged in %.2f s; %.0f commit "
      "groups of %.1f mutations on average; %.0f ms per group write\n",
      static_cast<long long>(kSyncDelay.count()), acked.load(), kPhones * kEach, secs, groups,
      acked.load() / groups, 1000 * write_secs / groups);
  EXPECT_EQ(acked.load(), kPhones * kEach);
  EXPECT_EQ(failed.load(), 0);
  // One at a time they would take 320 syncs, 32 s; in groups a fraction.
  EXPECT_LT(groups, kPhones * kEach / 4.0);
  EXPECT_LT(secs, 12.0);
  EXPECT_GE(write_secs / groups, 0.09);  // the metrics show the slow syncs
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gridsync::testing
