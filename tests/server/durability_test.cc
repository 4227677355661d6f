// A gridsyncd child process is killed with SIGKILL at random points while
// phones push; after each restart every acknowledged mutation is there, and
// the change log stays gap-free.
#include <atomic>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/hlc.h"
#include "core/ids.h"
#include "server/rocks_store.h"
#include "tests/server/server_process.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {

constexpr uint64_t kSeed = 424242;
constexpr int kRounds = 6;
constexpr int kPhones = 4;

// The server is gone for good (stopped), not busy.
bool proc_gone(const absl::Status& st) { return st.code() == absl::StatusCode::kUnavailable; }

TEST(Durability, AcknowledgedMutationsSurviveSigkillAtRandomPoints) {
  std::mt19937_64 rng(kSeed);
  const std::string dir = TempDir("durability");
  ASSERT_TRUE(server::InitDataDir(dir).ok());
  auto admin_token = tools::ReadTokenFile(dir + "/admin.token");
  ASSERT_TRUE(admin_token.ok());
  ServerProcess proc(dir);
  ASSERT_TRUE(proc.Start()) << "gridsyncd did not start; see " << dir << ".log";

  // Registry and phones, enrolled once: their tokens must survive the kills.
  struct PhoneState {
    std::string token, device_id;
    std::string grid;
    uint64_t next_seq = 1;
    std::vector<gridsync::v1::Mutation> unacked;  // the outbox
  };
  std::vector<PhoneState> phones(kPhones);
  uint64_t registry_changes = 0;  // the change log before the phones push
  {
    auto ch = tools::Connect(proc.addr());
    ASSERT_TRUE(tools::WaitReady(ch, std::chrono::seconds(10)).ok());
    auto admin = gridsync::v1::AdminService::NewStub(ch);
    const auto ir = ImportTestRegistry(admin.get(), *admin_token);
    // Its entries, the import itself and the admin's enrolment (the audit
    // trail), and each phone's enrolment below.
    registry_changes = static_cast<uint64_t>(ir.created() + ir.updated()) + 2 + kPhones;
    for (int i = 0; i < kPhones; ++i) {
      phones[i].grid = i % 2 ? kGridA : kGridD;
      const auto resp = EnrollWorker(admin.get(), *admin_token, phones[i].grid);
      phones[i].token = resp.token();
      phones[i].device_id = resp.device_id();
    }
  }

  std::set<std::string> acked;  // record ids whose create was acknowledged
  std::set<std::string> created;
  std::mutex mu;
  for (int round = 0; round < kRounds; ++round) {
    if (round > 0) {
      ASSERT_TRUE(proc.Start()) << "restart " << round;
    }
    auto ch = tools::Connect(proc.addr());
    ASSERT_TRUE(tools::WaitReady(ch, std::chrono::seconds(10)).ok());
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < kPhones; ++i) {
      threads.emplace_back([&, i] {
        PhoneState& ps = phones[i];
        auto stub = gridsync::v1::SyncService::NewStub(ch);
        std::mt19937_64 prng(kSeed + static_cast<uint64_t>(round * 100 + i));
        core::HybridClock clock;
        for (int b = 0; b < 10000 && !stop; ++b) {
          // The outbox: what was not acknowledged, plus new visits.
          while (ps.unacked.size() < 50) {
            gridsync::v1::Mutation m;
            m.set_device_seq(ps.next_seq++);
            m.set_record_id(core::NewUlid(clock.WallMs(), prng));
            m.set_kind(gridsync::v1::RECORD_KIND_VISIT);
            m.set_grid_code(ps.grid);
            m.set_hlc(clock.Now());
            m.mutable_create()->set_subject_id(
                Household(ps.grid, 1 + static_cast<int>(prng() % 20)));
            ps.unacked.push_back(m);
            std::lock_guard<std::mutex> l(mu);
            created.insert(m.record_id());
          }
          gridsync::v1::PushRequest req;
          for (const auto& m : ps.unacked) *req.add_mutations() = m;
          gridsync::v1::PushResponse resp;
          auto ctx = tools::CallContext(ps.token, std::chrono::seconds(5));
          if (!stub->Push(ctx.get(), req, &resp).ok()) return;  // the server died
          std::lock_guard<std::mutex> l(mu);
          for (const auto& r : resp.results()) {
            EXPECT_NE(r.outcome(), gridsync::v1::MUTATION_OUTCOME_REJECTED) << r.message();
            acked.insert(r.record_id());
          }
          ps.unacked.clear();
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 400));
    const int rc = proc.Kill(SIGKILL);
    EXPECT_EQ(rc, 128 + SIGKILL);
    stop = true;
    for (auto& t : threads) t.join();
  }

  // Last round: push the remaining outboxes (retries of unacknowledged
  // mutations are applied once), then stop with SIGTERM: exit 0.
  ASSERT_TRUE(proc.Start());
  {
    auto ch = tools::Connect(proc.addr());
    ASSERT_TRUE(tools::WaitReady(ch, std::chrono::seconds(10)).ok());
    auto stub = gridsync::v1::SyncService::NewStub(ch);
    for (auto& ps : phones) {
      if (ps.unacked.empty()) continue;
      gridsync::v1::PushRequest req;
      for (const auto& m : ps.unacked) *req.add_mutations() = m;
      gridsync::v1::PushResponse resp;
      auto ctx = tools::CallContext(ps.token);
      ASSERT_TRUE(stub->Push(ctx.get(), req, &resp).ok());
      for (const auto& r : resp.results()) acked.insert(r.record_id());
    }
  }
  EXPECT_EQ(proc.Kill(SIGTERM), 0);
  EXPECT_EQ(acked, created);  // after the final retry, every mutation was acknowledged
  EXPECT_GT(acked.size(), 200u) << "the kills came too early to test anything";
  printf("durability: %zu mutations acknowledged across %d SIGKILLs (seed %lu)\n", acked.size(),
         kRounds, kSeed);

  auto store = server::RocksStore::Open(dir, {});
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<std::string> ids(acked.begin(), acked.end());
  auto exist = (*store)->RecordsExist(ids);
  ASSERT_TRUE(exist.ok());
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_TRUE((*exist)[i]) << "lost " << ids[i];
  EXPECT_TRUE((*store)->CheckChangeLogGapFree().ok()) << (*store)->CheckChangeLogGapFree();
  auto stats = (*store)->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->records, acked.size());                             // no duplicates
  EXPECT_EQ(stats->last_change_seq, registry_changes + acked.size());  // one per visit, none twice
  store->reset();
  std::filesystem::remove_all(dir);
}

// SIGTERM while phones push as fast as they can: gridsyncd stops taking
// calls, finishes those running, and exits 0 within its 10 s grace; every
// push it answered is stored, and none is applied twice.
TEST(Durability, SigtermUnderLoadDrainsInBoundedTime) {
  const std::string dir = TempDir("sigterm");
  ASSERT_TRUE(server::InitDataDir(dir).ok());
  auto admin_token = tools::ReadTokenFile(dir + "/admin.token");
  ASSERT_TRUE(admin_token.ok());
  ServerProcess proc(dir);
  ASSERT_TRUE(proc.Start());
  auto ch = tools::Connect(proc.addr());
  ASSERT_TRUE(tools::WaitReady(ch, std::chrono::seconds(10)).ok());
  auto admin = gridsync::v1::AdminService::NewStub(ch);
  ImportTestRegistry(admin.get(), *admin_token);
  std::vector<std::unique_ptr<tools::Phone>> phones;
  for (int i = 0; i < kPhones; ++i) {
    const auto resp = EnrollWorker(admin.get(), *admin_token, kGridA);
    phones.push_back(std::make_unique<tools::Phone>(ch, resp.token(), resp.device_id(), "", i));
  }

  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, refused{0};
  std::vector<std::thread> threads;
  for (auto& phone : phones) {
    threads.emplace_back([&, p = phone.get()] {
      for (int i = 0; i < 100000 && !stop.load(); ++i) {
        std::vector<gridsync::v1::Mutation> ms;
        for (int k = 0; k < 100; ++k) ms.push_back(Visit(*p, kGridA, 1 + k % 20));
        auto r = p->Push(ms);
        if (!r.ok()) {
          ++refused;
          if (proc_gone(r.status())) return;
          continue;
        }
        ++answered;
        std::lock_guard<std::mutex> lock(mu);
        for (const auto& res : r->results()) {
          if (res.outcome() == gridsync::v1::MUTATION_OUTCOME_APPLIED)
            acked.insert(res.record_id());
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto t0 = std::chrono::steady_clock::now();
  const int code = proc.Kill(SIGTERM);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(code, 0);
  EXPECT_LT(took, 11.0);
  printf("sigterm: exited %d after %.2f s with %d pushes answered under load\n", code, took,
         answered.load());
  // The memtables were flushed at close: the next start replays no WAL.
  uintmax_t wal_bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".log") wal_bytes += e.file_size();
  }
  EXPECT_EQ(wal_bytes, 0u);

  auto store = server::RocksStore::Open(dir, {});
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<std::string> ids(acked.begin(), acked.end());
  auto exist = (*store)->RecordsExist(ids);
  ASSERT_TRUE(exist.ok());
  size_t lost = 0;
  for (bool e : *exist) lost += !e;
  EXPECT_EQ(lost, 0u) << "of " << ids.size();
  auto stats = (*store)->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_GE(stats->records, acked.size());  // answered ones, and any whose answer was cut off
  EXPECT_TRUE((*store)->CheckChangeLogGapFree().ok());
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gridsync::testing
