// The store on an embedded RocksDB: the records and their change log, with
// the commit queue every change goes through, and the owner of the other
// parts (registry, devices, coverage) on the same database.
//
// Column families:
//   records     record_id -> RecordState (canonical bytes)
//   changes     be64(seq) -> Change (the mutation as applied: who, what, when)
//   scoped      grid_code + be64(seq) -> record_id  (pull by org scope), and
//               'r' + code + '\0' + be64(seq) -> registry key, for registry
//               changes under a grid or of an org unit ("" for the policy)
//   idempotency device_id + '\0' + be64(device_seq) -> MutationResult{change_seq,
//               content_hash}
//   registry    server/registry_keys.h (server/rocks_registry.h writes it)
//   devices     device_id -> Device (server/rocks_devices.h)
//   coverage    aggregates for CoverageService (server/coverage_index.h)
//   default     meta: last change seq, record counters, coverage version
#ifndef GRIDSYNC_SERVER_ROCKS_STORE_H_
#define GRIDSYNC_SERVER_ROCKS_STORE_H_

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/coverage.h"
#include "rocksdb/db.h"
#include "server/coverage_index.h"
#include "server/logged_write.h"
#include "server/metrics.h"
#include "server/rocks_devices.h"
#include "server/rocks_registry.h"
#include "server/store.h"

namespace gridsync::server {

class RocksStore : public RecordStore, private ChangeLogger {
 public:
  struct Options {
    bool create_if_missing = false;
    bool sync_writes = true;  // false only in tests of things other than durability
    // Writes are refused (RESOURCE_EXHAUSTED) while the data disk has less
    // free than this, so that RocksDB never meets a full disk in a write or
    // a flush; they resume by themselves when space returns. 0: no check.
    uint64_t min_free_bytes = 64 << 20;
    // The Env RocksDB runs on; null for the default. For tests of a slow or
    // failing disk.
    std::shared_ptr<rocksdb::Env> env = nullptr;
  };
  static absl::StatusOr<std::unique_ptr<RocksStore>> Open(const std::string& dir, Options opts);
  ~RocksStore() override;

  // The store's other parts, on the same database and commit queue; they
  // live as long as this.
  RegistryStore* registry() { return registry_.get(); }
  DeviceStore* devices() { return devices_.get(); }
  CoverageStore* coverage() { return coverage_.get(); }

  absl::StatusOr<std::vector<gridsync::v1::MutationResult>> Commit(
      std::vector<gridsync::v1::Mutation> mutations) override;
  absl::StatusOr<std::vector<std::optional<gridsync::v1::MutationResult>>> LookupResults(
      const std::string& device_id,
      const std::vector<const gridsync::v1::Mutation*>& mutations) override;
  absl::StatusOr<PullPage> Pull(const std::vector<std::string>& prefixes, uint64_t cursor,
                                int page_size, bool registry_only = false) override;
  absl::StatusOr<std::optional<gridsync::v1::RecordState>> GetRecord(
      const std::string& record_id) override;
  absl::StatusOr<std::vector<bool>> RecordsExist(const std::vector<std::string>& ids) override;
  uint64_t Epoch() const override { return epoch_; }
  int64_t RestoredAtMs() const override { return restored_at_ms_; }
  absl::StatusOr<std::vector<gridsync::v1::RefillResult>> Refill(
      std::vector<RefillState> states, const std::string& device_id,
      const std::string& author) override;
  absl::StatusOr<std::vector<gridsync::v1::Change>> HeldRefills(uint64_t cursor, int max) override;
  absl::StatusOr<gridsync::v1::RefillResult> ApplyHeldRefill(
      uint64_t seq, const gridsync::v1::Actor& by) override;
  uint64_t LastChangeSeq() const override { return committed_seq_.load(std::memory_order_acquire); }
  uint64_t WaitForChange(uint64_t after, std::chrono::milliseconds timeout) override;
  absl::StatusOr<FeedPage> ReadChanges(uint64_t cursor, const std::string& prefix,
                                       int max) override;
  absl::StatusOr<StoreStats> Stats() override;

  absl::Status LogAdminAct(const gridsync::v1::AdminAct& act) override;
  absl::Status LogBlobStored(const gridsync::v1::BlobStored& blob) override;
  absl::StatusOr<bool> BlobLogged(const std::string& sha256) override;

  absl::StatusOr<gridsync::v1::BackupResponse> Backup(const std::string& dir, int keep) override;

  // Every change number from 1 to LastChangeSeq() present exactly once.
  // What `gridsyncd check` reports: every SST's checksums, the change log
  // gap-free up to the last change, the coverage aggregates equal to a
  // recount of the records. One line per problem; empty when all is well.
  // REQUIRES: the store not serving (opened by the check alone).
  absl::StatusOr<std::vector<std::string>> Check();
  // Records stored before the limits and over them (core/record_limits.h),
  // one line each: readers get them trimmed; `gridsyncd check` names them.
  absl::StatusOr<std::vector<std::string>> RecordsOverLimits();

  // For the metrics page: commit-group sizes and WAL write times so far, and
  // the store's and RocksDB's figures now.
  const Histogram& commit_group_mutations() const { return commit_group_mutations_; }
  const Histogram& commit_write_seconds() const { return commit_write_seconds_; }
  std::vector<Sample> Gauges();

  // What each column family holds on disk now (table files; memtables not
  // counted): for the metrics page and the storage benchmark.
  struct FamilySize {
    std::string name;
    uint64_t sst_bytes = 0;
    uint64_t keys = 0;  // RocksDB's estimate
  };
  std::vector<FamilySize> FamilySizes();
  // Flushes the memtables and compacts every column family to its bottom
  // level (what `gridsyncd compact` and the storage benchmark do).
  absl::Status CompactAll();
  absl::Status CheckChangeLogGapFree();

 private:
  enum Cf {
    kDefault,
    kRecords,
    kChanges,
    kScoped,
    kIdempotency,
    kRegistry,
    kDevices,
    kCoverage,
    kNumCf
  };
  struct Prepared;
  struct RefillWrite;
  struct Writer;
  // What a record counted for before a commit merged into it.
  struct RecordBefore {
    core::CoverageMarks marks;
    bool had_conflict = false;
    bool was_approved = false;  // a registry proposal, approved
    static RecordBefore Of(const gridsync::v1::RecordState& state);
  };
  struct WorkingState;  // a record's state while the leader merges a group into it
  using StateMap = std::unordered_map<std::string, WorkingState>;

  RocksStore() = default;
  // Every column family's options, on the database's `options`.
  static std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilies(
      const rocksdb::Options& options);
  // Open's steps once the database is open: the counters, the indexes
  // (rebuilt when of another version), the epoch, and a restore's audit.
  absl::Status Load(bool sync);
  absl::Status LoadCounters();
  // Rebuilds the coverage aggregates when they are missing or of another
  // version than this build's.
  absl::Status CheckCoverageVersion(bool sync);
  // The store's epoch (Store::Epoch): a new one for a new store or one
  // `restored` from a backup, with the time of the restore.
  absl::Status LoadEpoch(bool restored);
  // Logs the restore the marker file describes as an administrative act,
  // then removes the marker.
  absl::Status LogRestore(const std::string& marker_path);
  // Merges and writes a group. REQUIRES: called only by the commit-queue
  // leader. Leaves the group's record states in *states, for the caller to
  // free after it has handed leadership on.
  absl::Status CommitGroup(const std::vector<Writer*>& group, StateMap* states);
  // CommitGroup's steps. GroupWrite: what the group's write holds so far.
  struct GroupWrite;
  // The group's records into *states (with how often the group touches
  // each, and what each counted for before); returns the stored results of
  // its (device, seq) pairs, in queue order. Adds to *bytes what the
  // group's batch will take.
  absl::StatusOr<std::vector<std::optional<std::string>>> ReadGroup(
      const std::vector<Writer*>& group, StateMap* states, size_t* bytes) const;
  // Whether `p`'s (device, seq) was answered before, in an earlier commit
  // (`earlier`) or in this group: then *r is its answer (DUPLICATE or
  // SEQ_REUSED).
  absl::StatusOr<bool> AnsweredBefore(const Prepared& p, const std::optional<std::string>& earlier,
                                      const GroupWrite& g, gridsync::v1::MutationResult* r) const;
  // Whether `m` is refused against the record as the group left it (another
  // grid's record, or a write its state does not allow): then *r says why.
  static bool Refused(const WorkingState& wk, const gridsync::v1::Mutation& m,
                      gridsync::v1::MutationResult* r);
  // Merges `p` into its record (or, a new record written once, takes its
  // delta as the state) and puts its change, idempotency and scope entries
  // into g's batch under the next change number.
  absl::Status Apply(Prepared& p, WorkingState& wk, GroupWrite* g, gridsync::v1::MutationResult* r);
  // Queues `w` and returns when it is committed (by this thread as the
  // leader, or by another).
  absl::Status RunInQueue(Writer* w);
  // Logs registry changes (and the administrative act that made them) and
  // writes them. REQUIRES: the leader, alone.
  absl::Status CommitRegistry(LoggedWrite* r);
  // What every commit that merged into a record ends with for it: `bytes`
  // (its canonical state) into `batch`, its coverage marks moved from
  // `before`'s to the state's, the conflict counter moved, and a proposal
  // approved by the merge added to *approvals. REQUIRES: the leader.
  absl::Status WriteMerged(const std::string& id, const gridsync::v1::RecordState& state,
                           std::string bytes, const RecordBefore& before,
                           CoverageIndex::Update* coverage, rocksdb::WriteBatch* batch,
                           StoreStats* counters,
                           std::vector<const gridsync::v1::RecordState*>* approvals) const;
  // ChangeLogger: `w` through the commit queue, alone.
  absl::Status Log(LoggedWrite* w) override;
  absl::Status CommitRefill(RefillWrite* r);
  // CommitRefill's step for one record (`state`: as stored, or as an
  // earlier entry of the same request left it): merged into g's batch, held
  // for review, unchanged, or refused in *res.
  absl::Status RefillRecord(RefillState& in, bool existed, const RefillWrite& r, int64_t now_ms,
                            gridsync::v1::RecordState* state, GroupWrite* g,
                            gridsync::v1::RefillResult* res);
  // Logs a refilled state (held: for review, without a pull index entry)
  // under the next change number; returns it.
  uint64_t LogRefill(const gridsync::v1::RecordState& state, bool held, const RefillWrite& r,
                     int64_t now_ms, GroupWrite* g) const;
  // What every commit-queue write ends with: `batch` with the last change
  // number `seq` and `counters`, in one synced write, then both made
  // visible (counters_, Stats, feed readers). An error names `what`.
  // REQUIRES: the leader.
  absl::Status WriteAndPublish(rocksdb::WriteBatch* batch, uint64_t seq, StoreStats counters,
                               const char* what);
  // OK while the data disk has min_free_bytes free; logs when writes stop
  // and when they resume. Thread-safe.
  absl::Status CheckSpace();
  // The registry changes of the proposals `approvals` (approved in this
  // group), logged after its mutations (*seq moves) in `batch`.
  absl::Status ApplyApprovals(const std::vector<const gridsync::v1::RecordState*>& approvals,
                              rocksdb::WriteBatch* batch, uint64_t* seq);
  // Adds the pull index entries of the registry changes already in the
  // change log (a store made before phones pulled the registry). REQUIRES:
  // at open, before serving.
  absl::Status IndexRegistryChanges(bool sync);
  // Advances committed_seq_ and wakes feed readers.
  void Publish(uint64_t seq);
  rocksdb::ColumnFamilyHandle* cf(Cf c) const { return handles_[c]; }
  // The answer to a mutation whose (device, seq) has the stored result
  // `stored`: DUPLICATE when `content_hash` matches, else SEQ_REUSED.
  absl::StatusOr<gridsync::v1::MutationResult> AnswerAgain(const std::string& device_id,
                                                           const std::string& stored,
                                                           const gridsync::v1::Mutation& m,
                                                           uint64_t content_hash) const;
  // A record or registry entry a pull page holds, at its first change.
  struct Pulled {
    uint64_t seq;
    std::string key;  // a record id, or a registry key
    bool registry;
  };
  // What a pull reads: the scope's prefixes, after `cursor`, up to `head`.
  struct PullScope {
    const std::vector<std::string>& prefixes;
    uint64_t cursor;
    uint64_t head;
    bool registry_only;
  };
  struct PullOrder;
  // Pull's order of a page: from the change log (a county-wide reader), or
  // merged from the scope's grid and registry indexes (everyone else).
  // Sets the page's cursor and caught_up.
  absl::Status OrderFromChangeLog(const PullScope& scope, const rocksdb::ReadOptions& ro,
                                  PullOrder* o) const;
  absl::Status OrderFromIndexes(const PullScope& scope, const rocksdb::ReadOptions& ro,
                                PullOrder* o) const;
  // The grids under `prefixes`, and the registry codes whose entries their
  // phones hold: the grids, the units above them and "" (the policy).
  void ScopeGridsAndUnits(const std::vector<std::string>& prefixes, const rocksdb::ReadOptions& ro,
                          std::set<std::string>* grids, std::set<std::string>* units) const;
  // Reads the records and registry entries of `order` into *page until the
  // next would take it past kMaxPageBytes (the first always goes in, a
  // record over the limits trimmed to them); a page cut short resumes at
  // the first one left out.
  absl::Status ReadPulled(const std::vector<Pulled>& order, const rocksdb::ReadOptions& ro,
                          PullPage* page) const;
  // The states of the records whose first changes in *page are at `where`
  // (their ids at `id_at` in those changes' bytes), read from `ro`, until
  // the page would pass kMaxPageBytes (`page_bytes` are taken already): the
  // page is then cut before the first record left out.
  absl::Status ReadFeedStates(const std::vector<size_t>& where,
                              const std::vector<std::pair<size_t, size_t>>& id_at,
                              const rocksdb::ReadOptions& ro, size_t page_bytes,
                              FeedPage* page) const;
  // The record that change `seq` (a mutation) wrote to.
  absl::StatusOr<std::string> RecordOfChange(uint64_t seq) const;
  // The highest device seq applied for `device_id` (0 for none).
  absl::StatusOr<uint64_t> HighestSeq(const std::string& device_id) const;
  // MultiGetIn (rocks_util.h) in column family `c`.
  absl::StatusOr<std::vector<std::optional<std::string>>> MultiGetIn(
      Cf c, const std::vector<rocksdb::Slice>& keys, const char* what,
      const rocksdb::ReadOptions& ro = rocksdb::ReadOptions()) const;

  std::string dir_;
  std::shared_ptr<rocksdb::Env> env_;  // Options::env, kept while the DB lives
  uint64_t min_free_bytes_ = 0;
  std::atomic<bool> out_of_space_{false};  // as CheckSpace last found
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::WriteOptions write_opts_;

  // The commit queue: writers wait here; the front one commits the group.
  absl::Mutex queue_mu_;
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(queue_mu_);
  // Invariant: every change <= committed_seq_ is durable, and no change
  // <= committed_seq_ will ever be written again. Only the leader advances it.
  std::atomic<uint64_t> committed_seq_{0};
  absl::Mutex commit_mu_;    // with commit_cv_: feed readers wait for new changes
  absl::CondVar commit_cv_;  // committed_seq_ advanced
  StoreStats counters_;      // owned by the leader; published under stats_mu_
  mutable absl::Mutex stats_mu_;
  StoreStats published_ ABSL_GUARDED_BY(stats_mu_);
  uint64_t epoch_ = 0;          // Store::Epoch
  int64_t restored_at_ms_ = 0;  // Store::RestoredAtMs
  std::unique_ptr<CoverageIndex> coverage_;
  std::unique_ptr<RocksRegistry> registry_;
  std::unique_ptr<RocksDevices> devices_;
  Histogram commit_group_mutations_{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 8192}};
  Histogram commit_write_seconds_{LatencyBounds()};
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_ROCKS_STORE_H_
