#include "server/rocks_store.h"

#include <openssl/sha.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "core/be64.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/merge.h"
#include "core/record_limits.h"
#include "core/refill.h"
#include "core/registry.h"
#include "core/validate.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "server/backup.h"
#include "server/change_route.h"
#include "server/log.h"
#include "server/proposals.h"
#include "server/registry_keys.h"
#include "server/rocks_util.h"

namespace gridsync::server {
namespace {
using gridsync::v1::Change;
using gridsync::v1::Mutation;
using gridsync::v1::MutationOutcome;
using gridsync::v1::MutationResult;
using gridsync::v1::RecordState;

const char* const kCfNames[] = {"default",     "records",  "changes", "scoped",
                                "idempotency", "registry", "devices", "coverage"};
constexpr char kCoverageVersionKey[] = "coverage_version";
constexpr char kRegistryIndexKey[] = "registry_pull_index";  // "1": the 'r' index is complete
constexpr char kEpochKey[] = "store_epoch";                  // be64, Store::Epoch
constexpr char kRestoredAtKey[] = "restored_at_ms";          // be64, Store::RestoredAtMs
constexpr char kCoverageVersion[] = "6";  // bump when the layout or the marks change
constexpr char kLastSeqKey[] = "last_change_seq";
constexpr char kCountersKey[] = "record_counters";
constexpr size_t kMaxGroupMutations = 8192;

using core::Be64;
using core::FromBe64;

// Bytes of the write-ahead log files in `dir`: what an open replays.
uint64_t WalBytes(const std::string& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".log") bytes += e.file_size(ec);
  }
  return bytes;
}

std::string IdemKey(const std::string& device, uint64_t seq) {
  std::string k = device;
  k.push_back('\0');
  k += Be64(seq);
  return k;
}

// RocksDB's own log, as lines of gridsyncd's (stderr, so the journal): its
// warnings and errors only. Not a file in the data folder: that file is one
// more write a full disk fails, and Debian's RocksDB 7.8 asserts when it
// writes to a file again after a failed write (facebook/rocksdb#12448).
class RocksLogger : public rocksdb::Logger {
 public:
  RocksLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buf[1024];
    vsnprintf(buf, sizeof(buf), format, ap);
    LogLine(level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? "error" : "warn",
            absl::StrCat("rocksdb: ", buf));
  }
};

// The grid and record id a change writes: a mutation's or a refill's.
// False for a registry change, an administrative act or a held refill.
bool RecordOf(const Change& c, std::string_view* grid, std::string_view* id) {
  if (c.has_mutation()) {
    *grid = c.mutation().grid_code();
    *id = c.mutation().record_id();
    return true;
  }
  if (c.has_refill() && !c.refill().held()) {  // a held one wrote nothing
    *grid = c.refill().state().header().grid_code();
    *id = c.refill().state().record_id();
    return true;
  }
  return false;
}

// Lists a refill held for review (Change.refill.held) by its change.
std::string HeldKey(uint64_t seq) { return "held/" + Be64(seq); }

// Marks a blob whose arrival is in the change log (Change.blob).
std::string BlobLoggedKey(const std::string& sha256) { return "blob/" + sha256; }

void CountNewRecord(gridsync::v1::RecordKind kind, StoreStats* counters) {
  ++counters->records;
  switch (kind) {
    case gridsync::v1::RECORD_KIND_VISIT:
      ++counters->visits;
      break;
    case gridsync::v1::RECORD_KIND_DISPUTE_CASE:
      ++counters->dispute_cases;
      break;
    case gridsync::v1::RECORD_KIND_SPECIAL_CHECK:
      ++counters->special_checks;
      break;
    default:
      break;
  }
}

// Encodes counters as a fixed string of be64 values.
std::string EncodeCounters(const StoreStats& s) {
  return Be64(s.records) + Be64(s.visits) + Be64(s.dispute_cases) + Be64(s.special_checks) +
         Be64(s.records_with_conflicts);
}

StoreStats DecodeCounters(std::string_view v) {
  StoreStats s;
  if (v.size() < 40) return s;
  s.records = FromBe64(v.substr(0));
  s.visits = FromBe64(v.substr(8));
  s.dispute_cases = FromBe64(v.substr(16));
  s.special_checks = FromBe64(v.substr(24));
  s.records_with_conflicts = FromBe64(v.substr(32));
  return s;
}

// What the idempotency family keeps of an applied mutation: its change
// number and content hash. The key holds the device and its seq, and the
// record id is the retried mutation's own (or its change's); entries
// written before this held the whole MutationResult, and still parse.
std::string StoredResult(uint64_t change_seq, uint64_t content_hash) {
  MutationResult r;
  r.set_change_seq(change_seq);
  r.set_content_hash(content_hash);
  return r.SerializeAsString();
}

// What a mutation writes, hashed: all but device_seq, hlc and the author
// fields. A retried mutation hashes the same even when the phone re-stamped
// it after a clock-skew refusal; a different mutation under a reused seq
// does not. 0 is kept for "unknown" (results stored before hashes were).
uint64_t ContentHash(const Mutation& m) {
  std::string in =
      absl::StrCat(m.record_id(), "|", m.kind(), "|", m.grid_code(), "|", m.op_case(), "|");
  const auto* oneof = Mutation::descriptor()->FindOneofByName("op");
  if (const auto* f = m.GetReflection()->GetOneofFieldDescriptor(m, oneof)) {
    in += core::SerializeCanonical(m.GetReflection()->GetMessage(m, f));
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | digest[i];
  return h == 0 ? 1 : h;
}

// Is a registry entry under `code` ("" for the policy) pulled by a reader of
// `prefixes`: inside the scope, or an org unit above it (its name).
bool RegistryInScope(const std::string& code, const std::vector<std::string>& prefixes) {
  if (code.empty()) return true;
  const std::string own = core::ScopePrefix(code);
  for (const auto& p : prefixes) {
    if (HasPrefix(code, p) || HasPrefix(p, own)) return true;
  }
  return false;
}

}  // namespace

// What each mutation's own RPC thread computes before it queues, so that
// the leader (the serial part) only merges and writes.
struct RocksStore::Prepared {
  Mutation* mutation;
  std::string idem_key;
  uint64_t content_hash = 0;  // ContentHash(*mutation)
  RecordState delta;
  // SerializeCanonical(delta): the stored state when the mutation creates
  // its record and nothing else in the group touches it (the common case).
  std::string delta_bytes;
  std::string change_tail;  // Change{mutation, committed_at_ms}, without seq
};

// A record's state while the leader merges a group into it.
struct RocksStore::WorkingState {
  RecordState state;
  bool existed = false;
  bool dirty = false;    // state changed: write it at the end of the group
  bool counted = false;  // counted as a new record
  int touches = 0;       // mutations of the group on this record
  RecordBefore before;   // as it was before the group
};

// Record states phones sent back after a restore, and who sent them.
struct RocksStore::RefillWrite {
  std::vector<RefillState> states;
  std::string device_id, author;
  // With a held refill's change: an administrator merges it after review
  // (its contexts taken as they are) and it leaves the held list.
  uint64_t held_seq = 0;
  std::vector<gridsync::v1::RefillResult> results;  // one per state
};

// A commit-queue entry: mutations of one push, or a registry write or a
// refill (each always committed in a group of its own).
struct RocksStore::Writer {
  std::vector<Prepared>* prepared = nullptr;
  std::vector<MutationResult>* results = nullptr;
  LoggedWrite* registry = nullptr;
  RefillWrite* refill = nullptr;
  bool alone() const { return registry != nullptr || refill != nullptr; }
  absl::Status status;
  bool done = false;  // status and done: under queue_mu_
  absl::CondVar cv;   // done, or this writer is at the front
};

// What a group's commit builds before its one write: the batch, the
// coverage aggregates' update riding in it, the change numbers given so
// far, the counters, and what the group applied.
struct RocksStore::GroupWrite {
  GroupWrite(const CoverageIndex& index, size_t bytes, uint64_t last_seq, StoreStats stats)
      : batch(bytes), coverage(index, &batch), seq(last_seq), counters(stats) {}
  rocksdb::WriteBatch batch;  // sized once: no doubling of a multi-MB buffer
  CoverageIndex::Update coverage;
  uint64_t seq;  // the last change number given
  StoreStats counters;
  // Each (device, seq) applied in this group: its result and content hash.
  std::unordered_map<std::string_view, std::pair<const MutationResult*, uint64_t>> in_group;
  std::vector<const RecordState*> approvals;  // proposals approved by this group
};

namespace {

// The database's options: its WAL bounded, its logs through ours.
rocksdb::Options DbOptions(const RocksStore::Options& opts) {
  rocksdb::Options options;
  options.create_if_missing = opts.create_if_missing;
  // A store from before a column family existed gets it (coverage is then
  // rebuilt at open).
  options.create_missing_column_families = true;
  options.IncreaseParallelism(2);
  options.write_buffer_size = 64 << 20;
  // A column family written rarely (devices, registry) keeps every WAL file
  // since its last flush alive; unbounded, a county's WAL grew to 4 GB and
  // took 10 s to replay at open. Past this total RocksDB flushes the column
  // families holding the oldest file, which bounds both.
  options.max_total_wal_size = 64 << 20;
  options.info_log = std::make_shared<RocksLogger>();
  if (opts.env) options.env = opts.env.get();
  return options;
}

}  // namespace

// Every column family's options: tables, compression, memtable filters.
std::vector<rocksdb::ColumnFamilyDescriptor> RocksStore::ColumnFamilies(
    const rocksdb::Options& options) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(256 << 20);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  // Storage (BENCHMARKS.md, a county-year after compaction): Snappy in 4 KB
  // blocks took 383 bytes a mutation; LZ4 above the bottom level and zstd
  // with a trained dictionary at it, in 16 KB blocks, take 218. The upper
  // levels, where pushes read, stay quick to decompress.
  table.block_size = 16 << 10;
  for (int c = 0; c < kNumCf; ++c) {
    rocksdb::ColumnFamilyOptions cfo(options);
    cfo.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    // Most of the data sits at the bottom level, so it is compressed as
    // the after-compaction figure says without a manual compaction.
    cfo.level_compaction_dynamic_level_bytes = true;
    cfo.compression = rocksdb::kLZ4Compression;
    cfo.bottommost_compression = rocksdb::kZSTD;
    if (c != kCoverage) {  // its small counters compress worse with a dictionary
      cfo.bottommost_compression_opts.enabled = true;
      cfo.bottommost_compression_opts.max_dict_bytes = 16 << 10;
      cfo.bottommost_compression_opts.zstd_max_train_bytes = 100 * (16 << 10);
      // Samples made into a dictionary without zstd's trainer: on a tenth of
      // the county, 1.4% more bytes (195.6 a mutation against 192.9) for
      // 6.5% more writes a second (the trainer ran in every compaction).
      cfo.bottommost_compression_opts.use_zstd_dict_trainer = false;
    }
    // Most lookups in a push miss (new records, new sequence numbers): a
    // memtable bloom filter answers those without walking the skiplist.
    cfo.memtable_prefix_bloom_size_ratio = 0.05;
    cfo.memtable_whole_key_filtering = true;
    cfs.emplace_back(kCfNames[c], cfo);
  }
  return cfs;
}

absl::StatusOr<std::unique_ptr<RocksStore>> RocksStore::Open(const std::string& dir, Options opts) {
  const rocksdb::Options options = DbOptions(opts);
  std::unique_ptr<RocksStore> store(new RocksStore());
  store->dir_ = dir;
  store->min_free_bytes_ = opts.min_free_bytes;
  store->env_ = opts.env;
  rocksdb::DB* db = nullptr;
  if (opts.create_if_missing) {  // RocksDB would log a missing folder as an error first
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
  }
  const auto t_open = std::chrono::steady_clock::now();
  const uint64_t wal_bytes = WalBytes(dir);
  rocksdb::Status s =
      rocksdb::DB::Open(options, dir, ColumnFamilies(options), &store->handles_, &db);
  if (!s.ok()) {
    if (!opts.create_if_missing &&
        (s.IsInvalidArgument() || s.IsNotFound() || s.IsPathNotFound())) {
      return absl::NotFoundError(absl::StrCat("no gridsync data in ", dir,
                                              "; create it with: gridsyncd init --data ", dir, " (",
                                              s.ToString(), ")"));
    }
    return absl::UnavailableError(absl::StrCat("cannot open ", dir, ": ", s.ToString()));
  }
  store->db_.reset(db);
  store->write_opts_.sync = opts.sync_writes;
  const double rocks_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_open).count();
  if (auto st = store->Load(opts.sync_writes); !st.ok()) return st;
  LogInfo("opened ", dir, " in ",
          absl::SixDigits(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t_open).count()),
          " s (RocksDB ", absl::SixDigits(rocks_s), " s, replaying ", wal_bytes >> 20,
          " MB of WAL); last change ", store->committed_seq_.load());
  return store;
}

absl::Status RocksStore::Load(bool sync) {
  if (auto st = LoadCounters(); !st.ok()) return st;
  rocksdb::DB* db = db_.get();
  coverage_ = std::make_unique<CoverageIndex>(db, cf(kCoverage), cf(kRegistry));
  registry_ = std::make_unique<RocksRegistry>(db, cf(kRegistry), coverage_.get(),
                                              static_cast<ChangeLogger*>(this));
  devices_ = std::make_unique<RocksDevices>(db, cf(kDevices), [this] { return CheckSpace(); });
  if (auto st = CheckCoverageVersion(sync); !st.ok()) return st;
  // A new epoch for a new store, and for one restored from a backup (the
  // restore leaves a marker file): phones then know their acks and cursor
  // may be ahead of it.
  const std::string restored_marker = dir_ + "/" + kRestoredMarker;
  const bool restored = std::filesystem::exists(restored_marker);
  if (auto st = LoadEpoch(restored); !st.ok()) return st;
  std::string v;
  auto s = db->Get(rocksdb::ReadOptions(), cf(kDefault), kRegistryIndexKey, &v);
  if (!s.ok()) {
    if (!s.IsNotFound()) return FromRocks(s, "reading the registry index version");
    if (auto st = IndexRegistryChanges(sync); !st.ok()) return st;
  }
  return restored ? LogRestore(restored_marker) : absl::OkStatus();
}

absl::Status RocksStore::LoadCounters() {
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), cf(kDefault), kLastSeqKey, &v);
  if (s.ok()) {
    committed_seq_ = FromBe64(v);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "reading the last change number");
  }
  s = db_->Get(rocksdb::ReadOptions(), cf(kDefault), kCountersKey, &v);
  if (s.ok()) counters_ = DecodeCounters(v);
  counters_.last_change_seq = committed_seq_;
  absl::MutexLock l(&stats_mu_);
  published_ = counters_;
  return absl::OkStatus();
}

absl::Status RocksStore::CheckCoverageVersion(bool sync) {
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), cf(kDefault), kCoverageVersionKey, &v);
  if (s.ok() && v == kCoverageVersion) return absl::OkStatus();
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading the coverage version");
  LogInfo("coverage aggregates are missing or of another version: rebuilding from the records");
  if (auto st = coverage_->Rebuild(cf(kRecords), sync); !st.ok()) return st;
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return FromRocks(db_->Put(wo, cf(kDefault), kCoverageVersionKey, kCoverageVersion),
                   "writing the coverage version");
}

absl::Status RocksStore::LoadEpoch(bool restored) {
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), cf(kDefault), kEpochKey, &v);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading the store epoch");
  if (s.ok() && !restored) {
    epoch_ = FromBe64(v);
  } else {
    std::random_device rd;
    epoch_ = (static_cast<uint64_t>(rd()) << 32 | rd()) | 1;
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db_->Put(wo, cf(kDefault), kEpochKey, Be64(epoch_));
    if (!s.ok()) return FromRocks(s, "writing the store epoch");
    if (restored) {
      restored_at_ms_ = core::SystemWallMs();
      s = db_->Put(wo, cf(kDefault), kRestoredAtKey, Be64(restored_at_ms_));
      if (!s.ok()) return FromRocks(s, "writing the time of the restore");
      LogInfo(
          "restored from a backup: new store epoch; phones will pull again and push what "
          "this store lacks");
    }
  }
  s = db_->Get(rocksdb::ReadOptions(), cf(kDefault), kRestoredAtKey, &v);
  if (s.ok()) restored_at_ms_ = static_cast<int64_t>(FromBe64(v));
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading the time of the restore");
  return absl::OkStatus();
}

// The restore is audited like any administrative act; the marker goes only
// once it is (a crash before gives a second new epoch, harmless).
absl::Status RocksStore::LogRestore(const std::string& marker_path) {
  gridsync::v1::AdminAct act;
  std::ifstream marker(marker_path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(marker)),
                          std::istreambuf_iterator<char>());
  if (!act.ParseFromString(bytes) || act.action().empty()) {
    act.Clear();
    act.set_action("restore");
    act.set_detail("restored from a backup (the restore left no details)");
  }
  if (auto st = LogAdminAct(act); !st.ok()) return st;
  std::filesystem::remove(marker_path);
  return absl::OkStatus();
}

RocksStore::~RocksStore() {
  if (db_) {
    // Memtables written to table files now are WAL the next open does not
    // replay: a stopped server starts in well under a second.
    if (auto s = db_->Flush(rocksdb::FlushOptions(), handles_); !s.ok()) {
      LogError("flushing the memtables at close: ", s.ToString(),
               " (the next start replays the WAL instead)");
    }
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
  }
}

absl::StatusOr<std::vector<std::optional<std::string>>> RocksStore::MultiGetIn(
    Cf c, const std::vector<rocksdb::Slice>& keys, const char* what,
    const rocksdb::ReadOptions& ro) const {
  return server::MultiGetIn(db_.get(), cf(c), keys, what, ro);
}

absl::StatusOr<std::vector<MutationResult>> RocksStore::Commit(std::vector<Mutation> mutations) {
  std::vector<MutationResult> results(mutations.size());
  if (mutations.empty()) return results;
  const int64_t now_ms = core::SystemWallMs();
  std::vector<Prepared> prepared(mutations.size());
  for (size_t i = 0; i < mutations.size(); ++i) {
    Prepared& p = prepared[i];
    p.mutation = &mutations[i];
    p.idem_key = IdemKey(mutations[i].device_id(), mutations[i].device_seq());
    p.content_hash = ContentHash(mutations[i]);
    p.delta = core::ToDelta(mutations[i]);
    if (mutations[i].has_create()) p.delta_bytes = core::SerializeCanonical(p.delta);
    Change tail;
    tail.set_committed_at_ms(now_ms);
    *tail.mutable_mutation() = mutations[i];
    p.change_tail = tail.SerializeAsString();
  }
  Writer w;
  w.prepared = &prepared;
  w.results = &results;
  if (auto st = RunInQueue(&w); !st.ok()) return st;
  return results;
}

absl::Status RocksStore::RunInQueue(Writer* w) {
  queue_mu_.Lock();
  writers_.push_back(w);
  while (!w->done && w != writers_.front()) w->cv.Wait(&queue_mu_);
  if (w->done) {
    absl::Status st = w->status;
    queue_mu_.Unlock();
    return st;
  }

  // This writer leads: it commits itself and the pushes queued behind it
  // (a registry write goes alone).
  std::vector<Writer*> group;
  size_t n = 0;
  for (Writer* x : writers_) {
    if (!group.empty() &&
        (x->alone() || group.front()->alone() || n + x->prepared->size() > kMaxGroupMutations)) {
      break;
    }
    group.push_back(x);
    if (x->prepared != nullptr) n += x->prepared->size();
  }
  queue_mu_.Unlock();
  StateMap states;
  const Writer* front = group.front();
  absl::Status st = CheckSpace();
  if (st.ok()) {
    st = front->registry != nullptr ? CommitRegistry(front->registry)
         : front->refill != nullptr ? CommitRefill(front->refill)
                                    : CommitGroup(group, &states);
  }
  queue_mu_.Lock();
  for (Writer* x : group) {
    writers_.pop_front();
    x->status = st;
    x->done = true;
    if (x != w) x->cv.Signal();
  }
  if (!writers_.empty()) writers_.front()->cv.Signal();
  queue_mu_.Unlock();
  states.clear();  // freed here, while the next leader already commits
  return st;
}

absl::Status RocksStore::CheckSpace() {
  struct statvfs fs;
  if (min_free_bytes_ == 0 || statvfs(dir_.c_str(), &fs) != 0) return absl::OkStatus();
  const uint64_t free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  const bool short_of_space = free < min_free_bytes_;
  if (out_of_space_.exchange(short_of_space) != short_of_space) {
    if (short_of_space) {
      LogError("the data disk is full: ", free >> 20, " MiB free, less than the ",
               min_free_bytes_ >> 20,
               " MiB kept for RocksDB; writes are refused until space "
               "returns, reads go on");
    } else {
      LogInfo("the data disk has ", free >> 20, " MiB free again: writes resume");
    }
  }
  if (!short_of_space) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "the server's disk is full (", free >> 20, " MiB free, ", min_free_bytes_ >> 20,
      " MiB are kept for the store's own work): nothing of this write was stored; it can be "
      "sent again later, writes resume by themselves when the server has space"));
}

absl::Status RocksStore::IndexRegistryChanges(bool sync) {
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kChanges)));
  int64_t indexed = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    Change c;
    if (!c.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) ||
        !c.has_registry()) {
      continue;
    }
    const auto [code, key] = RegistryPlace(c.registry());
    batch.Put(cf(kScoped), RegistryIndexKey(code, c.seq()), key);
    ++indexed;
  }
  if (auto st = FromRocks(it->status(), "reading the change log"); !st.ok()) return st;
  batch.Put(cf(kDefault), kRegistryIndexKey, "1");
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  if (auto st = FromRocks(db_->Write(wo, &batch), "writing the registry index"); !st.ok())
    return st;
  if (indexed > 0)
    LogInfo("indexed ", indexed, " registry changes of the change log for phones' pulls");
  return absl::OkStatus();
}

absl::Status RocksStore::ApplyApprovals(const std::vector<const RecordState*>& approvals,
                                        rocksdb::WriteBatch* batch, uint64_t* seq) {
  if (approvals.empty()) return absl::OkStatus();
  ProposalApplier applier(db_.get(), cf(kRegistry));
  const int64_t now_ms = core::SystemWallMs();
  for (const RecordState* s : approvals) {
    auto change = applier.Apply(*s, batch);
    if (!change.ok()) {
      // Approved, but what it changes left the registry meanwhile (an
      // import): the record keeps the decision, the registry is as it is.
      LogError("approved proposal ", s->record_id(),
               " changes nothing: ", change.status().message());
      continue;
    }
    Change c;
    c.set_seq(++*seq);
    c.set_committed_at_ms(now_ms);
    const auto [code, key] = RegistryPlace(*change);
    *c.mutable_registry() = std::move(*change);
    batch->Put(cf(kChanges), Be64(*seq), c.SerializeAsString());
    batch->Put(cf(kScoped), RegistryIndexKey(code, *seq), key);
  }
  for (const auto& h : applier.deactivated()) coverage_->SetInactive(h, true, batch);
  return coverage_->AddHouseholds(applier.household_deltas(), batch);
}

absl::Status RocksStore::CommitRegistry(LoggedWrite* r) {
  uint64_t seq = committed_seq_.load(std::memory_order_relaxed);
  const int64_t now_ms = core::SystemWallMs();
  for (auto& item : r->changes) {
    Change c;
    c.set_seq(++seq);
    c.set_committed_at_ms(now_ms);
    const auto [code, key] = RegistryPlace(item);
    r->batch->Put(cf(kScoped), RegistryIndexKey(code, seq), key);
    *c.mutable_registry() = std::move(item);
    *c.mutable_by() = r->by;
    r->batch->Put(cf(kChanges), Be64(seq), c.SerializeAsString());
  }
  if (r->act) {
    Change c;
    c.set_seq(++seq);
    c.set_committed_at_ms(now_ms);
    *c.mutable_admin() = std::move(*r->act);
    r->batch->Put(cf(kChanges), Be64(seq), c.SerializeAsString());
  }
  if (r->blob) {
    Change c;
    c.set_seq(++seq);
    c.set_committed_at_ms(now_ms);
    r->batch->Put(cf(kDefault), BlobLoggedKey(r->blob->sha256()), Be64(seq));
    *c.mutable_blob() = std::move(*r->blob);
    r->batch->Put(cf(kChanges), Be64(seq), c.SerializeAsString());
  }
  return WriteAndPublish(r->batch, seq, counters_, "writing the registry");
}

absl::Status RocksStore::WriteAndPublish(rocksdb::WriteBatch* batch, uint64_t seq,
                                         StoreStats counters, const char* what) {
  counters.last_change_seq = seq;
  batch->Put(cf(kDefault), kLastSeqKey, Be64(seq));
  batch->Put(cf(kDefault), kCountersKey, EncodeCounters(counters));
  if (auto st = FromRocks(db_->Write(write_opts_, batch), what); !st.ok()) {
    return st;  // nothing of it was acknowledged; seq is not advanced
  }
  counters_ = counters;
  {
    absl::MutexLock l(&stats_mu_);
    published_ = counters;
  }
  Publish(seq);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<gridsync::v1::RefillResult>> RocksStore::Refill(
    std::vector<RefillState> states, const std::string& device_id, const std::string& author) {
  RefillWrite r{std::move(states), device_id, author, 0, {}};
  Writer w;
  w.refill = &r;
  if (auto st = RunInQueue(&w); !st.ok()) return st;
  return std::move(r.results);
}

RocksStore::RecordBefore RocksStore::RecordBefore::Of(const RecordState& state) {
  return {core::MarksOf(state), core::HasConflict(state), ProposalApplier::IsApproved(state)};
}

absl::Status RocksStore::WriteMerged(const std::string& id, const RecordState& state,
                                     std::string bytes, const RecordBefore& before,
                                     CoverageIndex::Update* coverage, rocksdb::WriteBatch* batch,
                                     StoreStats* counters,
                                     std::vector<const RecordState*>* approvals) const {
  batch->Put(cf(kRecords), id, bytes);
  if (auto st = coverage->Replace(id, before.marks, core::MarksOf(state)); !st.ok()) return st;
  const bool conflict = core::HasConflict(state);
  if (conflict != before.had_conflict) counters->records_with_conflicts += conflict ? 1 : -1;
  if (!before.was_approved && ProposalApplier::IsApproved(state)) approvals->push_back(&state);
  return absl::OkStatus();
}

uint64_t RocksStore::LogRefill(const RecordState& state, bool held, const RefillWrite& r,
                               int64_t now_ms, GroupWrite* g) const {
  Change c;
  c.set_seq(++g->seq);
  c.set_committed_at_ms(now_ms);
  *c.mutable_refill()->mutable_state() = state;
  c.mutable_refill()->set_device_id(r.device_id);
  c.mutable_refill()->set_author(r.author);
  c.mutable_refill()->set_held(held);
  g->batch.Put(cf(kChanges), Be64(g->seq), c.SerializeAsString());
  // A held refill is not pulled (it wrote nothing); it is listed instead.
  g->batch.Put(held ? cf(kDefault) : cf(kScoped),
               held ? HeldKey(g->seq) : state.header().grid_code() + Be64(g->seq),
               held ? std::string() : state.record_id());
  return g->seq;
}

absl::Status RocksStore::RefillRecord(RefillState& in, bool existed, const RefillWrite& r,
                                      int64_t now_ms, RecordState* state, GroupWrite* g,
                                      gridsync::v1::RefillResult* res) {
  if (existed && (state->header().kind() != in.own.header().kind() ||
                  state->header().grid_code() != in.own.header().grid_code())) {
    res->set_outcome(gridsync::v1::REFILL_OUTCOME_REJECTED);
    res->set_code(static_cast<int>(absl::StatusCode::kNotFound));
    res->set_message(absl::StrCat("record ", in.own.record_id(), " was not found in grid ",
                                  in.own.header().grid_code()));
    return absl::OkStatus();
  }
  const std::string bytes_before = core::SerializeCanonical(*state);
  const RecordBefore before = RecordBefore::Of(*state);
  // The caller's writes make no record of their own: on a record the server
  // lacks they go in only with its create. Otherwise the whole state is
  // reviewed with the rest.
  const bool own_merges = existed || in.own.header().created_hlc() != 0;
  if (own_merges) {
    if (r.held_seq == 0) core::ClampContexts(&in.own, *state, r.device_id);
    core::Join(state, in.own);
  }
  std::string after = core::SerializeCanonical(*state);
  if (std::vector<std::string> over = core::OverLimits(*state);
      after.size() > bytes_before.size() && !over.empty()) {
    // A refill is held to the record's limits as pushes are.
    state->ParseFromString(bytes_before);
    res->set_outcome(gridsync::v1::REFILL_OUTCOME_REJECTED);
    res->set_code(static_cast<int>(absl::StatusCode::kResourceExhausted));
    res->set_message(absl::StrCat("record ", in.own.record_id(),
                                  " would pass its limits: ", absl::StrJoin(over, "; ")));
    return absl::OkStatus();
  }
  if (const RecordState& rest = own_merges ? in.others : in.sent; rest.has_header()) {
    RecordState with_rest = *state;
    core::Join(&with_rest, rest);
    if (core::SerializeCanonical(with_rest) != after) {
      LogRefill(in.sent, /*held=*/true, r, now_ms, g);
      res->set_held_for_review(true);
    }
  }
  if (after == bytes_before) {
    res->set_outcome(gridsync::v1::REFILL_OUTCOME_UNCHANGED);
    return absl::OkStatus();
  }
  if (!existed) CountNewRecord(in.own.header().kind(), &g->counters);
  if (auto st = WriteMerged(in.own.record_id(), *state, std::move(after), before, &g->coverage,
                            &g->batch, &g->counters, &g->approvals);
      !st.ok()) {
    return st;
  }
  res->set_outcome(gridsync::v1::REFILL_OUTCOME_MERGED);
  res->set_change_seq(LogRefill(in.own, /*held=*/false, r, now_ms, g));
  return absl::OkStatus();
}

// A refill commits alone, as a group commits: each record merged in turn
// into one batch (a record twice in one request: the second joins into the
// first), then one write.
absl::Status RocksStore::CommitRefill(RefillWrite* r) {
  std::vector<std::string> ids;
  for (const auto& s : r->states) ids.push_back(s.own.record_id());
  auto stored = MultiGetIn(kRecords, {ids.begin(), ids.end()}, "reading records");
  if (!stored.ok()) return stored.status();
  GroupWrite g(*coverage_, 0, committed_seq_.load(std::memory_order_relaxed), counters_);
  const int64_t now_ms = core::SystemWallMs();
  std::unordered_map<std::string, RecordState> merged;  // states written, by id
  r->results.resize(r->states.size());
  for (size_t i = 0; i < r->states.size(); ++i) {
    RefillState& in = r->states[i];
    gridsync::v1::RefillResult& res = r->results[i];
    res.set_record_id(in.own.record_id());
    auto [it, first] = merged.try_emplace(in.own.record_id());
    const bool existed = !first || (*stored)[i].has_value();
    if (first && (*stored)[i] && !it->second.ParseFromString(*(*stored)[i])) {
      return absl::DataLossError(absl::StrCat("record ", in.own.record_id(), " is unreadable"));
    }
    if (auto st = RefillRecord(in, existed, *r, now_ms, &it->second, &g, &res); !st.ok()) {
      return st;
    }
  }
  if (r->held_seq != 0) g.batch.Delete(cf(kDefault), HeldKey(r->held_seq));  // reviewed
  if (auto st = ApplyApprovals(g.approvals, &g.batch, &g.seq); !st.ok()) return st;
  if (g.batch.Count() == 0) return absl::OkStatus();
  g.coverage.Finish();
  if (auto st = WriteAndPublish(&g.batch, g.seq, g.counters, "committing a refill"); !st.ok()) {
    return st;
  }
  g.coverage.Committed();
  return absl::OkStatus();
}

absl::StatusOr<gridsync::v1::RefillResult> RocksStore::ApplyHeldRefill(
    uint64_t seq, const gridsync::v1::Actor& by) {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), cf(kDefault), HeldKey(seq), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat(
        "change ", seq, " is not a refill held for review (or it was applied already)"));
  }
  if (!s.ok()) return FromRocks(s, "reading the held refills");
  std::string bytes;
  s = db_->Get(rocksdb::ReadOptions(), cf(kChanges), Be64(seq), &bytes);
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading change ", seq));
  Change c;
  if (!c.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("change ", seq, " is unreadable"));
  }
  std::vector<RefillState> one(1);
  one[0].own = c.refill().state();
  RefillWrite r{
      std::move(one), by.device_id(), by.holder().empty() ? by.device_id() : by.holder(), seq, {}};
  Writer w;
  w.refill = &r;
  if (auto st = RunInQueue(&w); !st.ok()) return st;
  return std::move(r.results[0]);
}

absl::StatusOr<std::vector<Change>> RocksStore::HeldRefills(uint64_t cursor, int max) {
  std::vector<Change> out;
  const ScopedSnapshot snap(db_.get());
  const rocksdb::ReadOptions ro = snap.Read();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kDefault)));
  const std::string prefix = HeldKey(0).substr(0, HeldKey(0).size() - 8);
  for (it->Seek(HeldKey(cursor + 1)); it->Valid() && HasPrefix(it->key().ToStringView(), prefix) &&
                                      static_cast<int>(out.size()) < max;
       it->Next()) {
    const uint64_t seq = FromBe64(it->key().ToStringView().substr(prefix.size()));
    std::string bytes;
    auto s = db_->Get(ro, cf(kChanges), Be64(seq), &bytes);
    if (!s.ok()) return FromRocks(s, absl::StrCat("reading held refill ", seq));
    if (!out.emplace_back().ParseFromString(bytes)) {
      return absl::DataLossError(absl::StrCat("change ", seq, " is unreadable"));
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the held refills");
  return out;
}

std::vector<Sample> RocksStore::Gauges() {
  std::vector<Sample> out;
  StoreStats stats;
  {
    absl::MutexLock l(&stats_mu_);
    stats = published_;
  }
  out.push_back({"gridsync_last_change_seq", "The change log's last number.", "",
                 static_cast<double>(stats.last_change_seq)});
  out.push_back({"gridsync_records", "Records stored.", "", static_cast<double>(stats.records)});
  out.push_back({"gridsync_records_with_conflicts", "Records with a field in conflict.", "",
                 static_cast<double>(stats.records_with_conflicts)});
  auto rocks = [&](const std::string& property, const char* name, const char* help) {
    uint64_t v = 0;
    if (db_->GetAggregatedIntProperty(property, &v)) {
      out.push_back({name, help, "", static_cast<double>(v)});
    }
  };
  rocks(rocksdb::DB::Properties::kLiveSstFilesSize, "gridsync_rocksdb_live_sst_bytes",
        "Bytes of the table files the store uses.");
  rocks(rocksdb::DB::Properties::kEstimatePendingCompactionBytes,
        "gridsync_rocksdb_pending_compaction_bytes", "Bytes RocksDB estimates it must compact.");
  rocks(rocksdb::DB::Properties::kCurSizeAllMemTables, "gridsync_rocksdb_memtable_bytes",
        "Bytes in memtables.");
  uint64_t v = 0;
  if (db_->GetIntProperty(rocksdb::DB::Properties::kIsWriteStopped, &v)) {
    out.push_back({"gridsync_rocksdb_write_stopped", "1 while RocksDB stops writes.", "",
                   static_cast<double>(v)});
  }
  if (db_->GetIntProperty(rocksdb::DB::Properties::kActualDelayedWriteRate, &v)) {
    out.push_back({"gridsync_rocksdb_delayed_write_rate_bytes",
                   "The rate RocksDB slows writes to (0: not slowed).", "",
                   static_cast<double>(v)});
  }
  double stalls = 0;
  for (auto* h : handles_) {
    std::map<std::string, std::string> cf_stats;
    if (!db_->GetMapProperty(h, rocksdb::DB::Properties::kCFStats, &cf_stats)) continue;
    for (const char* key : {"io_stalls.total_stop", "io_stalls.total_slowdown"}) {
      if (auto it = cf_stats.find(key); it != cf_stats.end())
        stalls += std::atof(it->second.c_str());
    }
  }
  out.push_back({"gridsync_rocksdb_write_stalls_total", "Write stalls and slowdowns since start.",
                 "", stalls, /*counter=*/true});
  for (const FamilySize& f : FamilySizes()) {
    out.push_back({"gridsync_store_family_bytes", "Bytes of table files by column family.",
                   absl::StrCat("family=\"", f.name, "\""), static_cast<double>(f.sst_bytes)});
  }
  return out;
}

std::vector<RocksStore::FamilySize> RocksStore::FamilySizes() {
  std::vector<FamilySize> out;
  for (int c = 0; c < kNumCf; ++c) {
    FamilySize f{kCfNames[c]};
    db_->GetIntProperty(handles_[c], rocksdb::DB::Properties::kTotalSstFilesSize, &f.sst_bytes);
    db_->GetIntProperty(handles_[c], rocksdb::DB::Properties::kEstimateNumKeys, &f.keys);
    out.push_back(std::move(f));
  }
  return out;
}

absl::Status RocksStore::CompactAll() {
  rocksdb::FlushOptions fo;
  if (auto s = db_->Flush(fo, handles_); !s.ok()) return FromRocks(s, "flushing the memtables");
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (auto* h : handles_) {
    if (auto s = db_->CompactRange(co, h, nullptr, nullptr); !s.ok()) {
      return FromRocks(s, absl::StrCat("compacting ", h->GetName()));
    }
  }
  return absl::OkStatus();
}

void RocksStore::Publish(uint64_t seq) {
  {
    absl::MutexLock l(&commit_mu_);
    committed_seq_.store(seq, std::memory_order_release);
  }
  commit_cv_.SignalAll();
}

uint64_t RocksStore::WaitForChange(uint64_t after, std::chrono::milliseconds timeout) {
  const absl::Time deadline = absl::Now() + absl::FromChrono(timeout);
  absl::MutexLock l(&commit_mu_);
  while (committed_seq_.load(std::memory_order_acquire) <= after) {
    if (commit_cv_.WaitWithDeadline(&commit_mu_, deadline)) break;  // timed out
  }
  return committed_seq_.load(std::memory_order_acquire);
}

absl::StatusOr<std::vector<std::optional<std::string>>> RocksStore::ReadGroup(
    const std::vector<Writer*>& group, StateMap* states, size_t* bytes) const {
  std::vector<rocksdb::Slice> idem_keys;
  std::vector<std::string> record_ids;
  for (const Writer* w : group) {
    for (const Prepared& p : *w->prepared) {
      idem_keys.emplace_back(p.idem_key);
      auto [it, added] = states->try_emplace(p.mutation->record_id());
      ++it->second.touches;
      if (added) record_ids.push_back(p.mutation->record_id());
      *bytes += p.change_tail.size() + p.delta_bytes.size() + 128;
    }
  }
  auto earlier = MultiGetIn(kIdempotency, idem_keys, "reading device sequence numbers");
  if (!earlier.ok()) return earlier.status();
  auto stored = MultiGetIn(kRecords, {record_ids.begin(), record_ids.end()}, "reading records");
  if (!stored.ok()) return stored.status();
  for (size_t i = 0; i < record_ids.size(); ++i) {
    if (!(*stored)[i]) continue;
    WorkingState& wk = (*states)[record_ids[i]];
    if (!wk.state.ParseFromString(*(*stored)[i])) {
      return absl::DataLossError(absl::StrCat("record ", record_ids[i], " is unreadable"));
    }
    wk.existed = true;
    wk.before = RecordBefore::Of(wk.state);
  }
  return earlier;
}

absl::StatusOr<bool> RocksStore::AnsweredBefore(const Prepared& p,
                                                const std::optional<std::string>& earlier,
                                                const GroupWrite& g, MutationResult* r) const {
  const Mutation& m = *p.mutation;
  if (earlier) {
    auto again = AnswerAgain(m.device_id(), *earlier, m, p.content_hash);
    if (!again.ok()) return again.status();
    *r = std::move(*again);
    return true;
  }
  auto it = g.in_group.find(p.idem_key);
  if (it == g.in_group.end()) return false;
  // The same seq twice in one group: only a retry is a duplicate.
  if (it->second.second == p.content_hash) {
    *r = *it->second.first;
    r->set_outcome(gridsync::v1::MUTATION_OUTCOME_DUPLICATE);
    return true;
  }
  auto high = HighestSeq(m.device_id());
  if (!high.ok()) return high.status();
  r->set_outcome(gridsync::v1::MUTATION_OUTCOME_SEQ_REUSED);
  r->set_device_high_seq(std::max(*high, m.device_seq()));
  return true;
}

bool RocksStore::Refused(const WorkingState& wk, const Mutation& m, MutationResult* r) {
  if (wk.state.has_header() && wk.state.header().grid_code() != m.grid_code()) {
    // The caller may write m's grid (the service checked), not the record's:
    // it learns neither that the record exists nor where.
    r->set_outcome(gridsync::v1::MUTATION_OUTCOME_REJECTED);
    r->set_code(static_cast<int>(absl::StatusCode::kNotFound));
    r->set_message(absl::StrCat("record ", m.record_id(), " was not found in grid ", m.grid_code(),
                                ", or is not yours to edit; pull, or make a new id for a new "
                                "record"));
    return true;
  }
  absl::Status st = core::CheckAgainstState(wk.state, m);
  if (st.ok()) return false;
  r->set_outcome(gridsync::v1::MUTATION_OUTCOME_REJECTED);
  r->set_code(static_cast<int>(st.code()));
  r->set_message(std::string(st.message()));
  return true;
}

absl::Status RocksStore::Apply(Prepared& p, WorkingState& wk, GroupWrite* g, MutationResult* r) {
  const Mutation& m = *p.mutation;
  if (!wk.existed && !wk.counted) {
    wk.counted = true;
    CountNewRecord(m.kind(), &g->counters);
  }
  if (!wk.existed && wk.touches == 1 && !p.delta_bytes.empty()) {
    // A new record written once: its state is the delta, serialized
    // already by the pushing thread.
    g->batch.Put(cf(kRecords), m.record_id(), p.delta_bytes);
    if (auto st = g->coverage.Replace(m.record_id(), {}, core::MarksOf(p.delta)); !st.ok()) {
      return st;
    }
    if (ProposalApplier::IsApproved(p.delta)) g->approvals.push_back(&p.delta);
  } else {
    core::JoinOwned(&wk.state, std::move(p.delta));
    wk.dirty = true;
  }
  const uint64_t seq = ++g->seq;
  r->set_outcome(gridsync::v1::MUTATION_OUTCOME_APPLIED);
  r->set_change_seq(seq);
  g->in_group[p.idem_key] = {r, p.content_hash};
  g->batch.Put(cf(kIdempotency), p.idem_key, StoredResult(seq, p.content_hash));
  // A serialized Change{seq} followed by Change{mutation, committed_at}
  // parses as one Change with all three: protobuf merges concatenations.
  Change head;
  head.set_seq(seq);
  g->batch.Put(cf(kChanges), Be64(seq), head.SerializeAsString() + p.change_tail);
  g->batch.Put(cf(kScoped), m.grid_code() + Be64(seq), m.record_id());
  return absl::OkStatus();
}

// A group commits in three steps: read what it needs (earlier results of
// its (device, seq) pairs and the records' states); merge its mutations in
// queue order, giving change numbers in that order, into one batch with
// the coverage aggregates, the counters and the registry changes of the
// proposals it approved; then one atomic write and one WAL sync, after
// which, and only after which, the acks go out.
absl::Status RocksStore::CommitGroup(const std::vector<Writer*>& group, StateMap* states) {
  size_t bytes = 0;
  auto earlier = ReadGroup(group, states, &bytes);
  if (!earlier.ok()) return earlier.status();
  GroupWrite g(*coverage_, bytes, committed_seq_.load(std::memory_order_relaxed), counters_);
  size_t k = 0;
  for (Writer* w : group) {
    for (size_t i = 0; i < w->prepared->size(); ++i, ++k) {
      Prepared& p = (*w->prepared)[i];
      MutationResult& r = (*w->results)[i];
      r.set_device_seq(p.mutation->device_seq());
      r.set_record_id(p.mutation->record_id());
      auto answered = AnsweredBefore(p, (*earlier)[k], g, &r);
      if (!answered.ok()) return answered.status();
      WorkingState& wk = (*states)[p.mutation->record_id()];
      if (*answered || Refused(wk, *p.mutation, &r)) continue;
      if (auto st = Apply(p, wk, &g, &r); !st.ok()) return st;
    }
  }
  for (auto& [id, wk] : *states) {
    if (!wk.dirty) continue;
    if (auto st = WriteMerged(id, wk.state, core::SerializeCanonical(wk.state), wk.before,
                              &g.coverage, &g.batch, &g.counters, &g.approvals);
        !st.ok()) {
      return st;
    }
  }
  if (auto st = ApplyApprovals(g.approvals, &g.batch, &g.seq); !st.ok()) return st;
  if (g.batch.Count() == 0) return absl::OkStatus();
  g.coverage.Finish();  // the aggregates move in the same batch as the records
  const auto t0 = std::chrono::steady_clock::now();
  if (auto st = WriteAndPublish(&g.batch, g.seq, g.counters, "committing a push"); !st.ok()) {
    return st;
  }
  g.coverage.Committed();
  commit_write_seconds_.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  commit_group_mutations_.Observe(static_cast<double>(k));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::optional<MutationResult>>> RocksStore::LookupResults(
    const std::string& device_id, const std::vector<const Mutation*>& mutations) {
  std::vector<std::string> k;
  for (const Mutation* m : mutations) k.push_back(IdemKey(device_id, m->device_seq()));
  auto values = MultiGetIn(kIdempotency, {k.begin(), k.end()}, "reading device sequence numbers");
  if (!values.ok()) return values.status();
  std::vector<std::optional<MutationResult>> out(mutations.size());
  for (size_t i = 0; i < mutations.size(); ++i) {
    if (!(*values)[i]) continue;
    auto again = AnswerAgain(device_id, *(*values)[i], *mutations[i], ContentHash(*mutations[i]));
    if (!again.ok()) return again.status();
    out[i] = std::move(*again);
  }
  return out;
}

absl::StatusOr<MutationResult> RocksStore::AnswerAgain(const std::string& device_id,
                                                       const std::string& stored, const Mutation& m,
                                                       uint64_t content_hash) const {
  MutationResult first;
  if (!first.ParseFromString(stored)) {
    return absl::DataLossError(absl::StrCat("the stored result of seq ", m.device_seq(),
                                            " of device ", device_id, " is unreadable"));
  }
  if (first.content_hash() == 0 || first.content_hash() == content_hash) {
    // The same content, so the same record: the slim entry leaves it out.
    first.clear_content_hash();
    first.set_outcome(gridsync::v1::MUTATION_OUTCOME_DUPLICATE);
    first.set_device_seq(m.device_seq());
    if (first.record_id().empty()) first.set_record_id(m.record_id());
    return first;
  }
  auto high = HighestSeq(device_id);
  if (!high.ok()) return high.status();
  if (first.record_id().empty()) {
    auto id = RecordOfChange(first.change_seq());
    if (!id.ok()) return id.status();
    first.set_record_id(*id);
  }
  MutationResult reused;
  reused.set_device_seq(m.device_seq());
  reused.set_record_id(m.record_id());
  reused.set_outcome(gridsync::v1::MUTATION_OUTCOME_SEQ_REUSED);
  reused.set_device_high_seq(std::max(*high, m.device_seq()));
  reused.set_message(absl::StrCat("device seq ", m.device_seq(),
                                  " was already used for another mutation (record ",
                                  first.record_id(),
                                  "); the replica was restored from an older copy: number unsent "
                                  "mutations after ",
                                  std::max(*high, m.device_seq()), " and push them again"));
  return reused;
}

absl::StatusOr<std::string> RocksStore::RecordOfChange(uint64_t seq) const {
  std::string bytes;
  auto s = db_->Get(rocksdb::ReadOptions(), cf(kChanges), Be64(seq), &bytes);
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading change ", seq));
  Change c;
  if (!c.ParseFromString(bytes))
    return absl::DataLossError(absl::StrCat("change ", seq, " is unreadable"));
  return c.mutation().record_id();
}

absl::StatusOr<uint64_t> RocksStore::HighestSeq(const std::string& device_id) const {
  const std::string prefix = device_id + '\0';
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kIdempotency)));
  it->SeekForPrev(prefix + Be64(UINT64_MAX));
  if (!it->status().ok()) return FromRocks(it->status(), "reading device sequence numbers");
  if (!it->Valid() || !HasPrefix(it->key().ToStringView(), prefix)) return 0;
  return FromBe64(it->key().ToStringView().substr(prefix.size()));
}

// The records and registry entries a pull page takes, in change order,
// each at its first change; the page's cursor follows every change seen.
struct RocksStore::PullOrder {
  PullPage* page;
  int page_size;
  std::vector<Pulled> order = {};
  std::set<std::string> seen = {};
  int taken = 0;
  bool full() const { return taken >= page_size; }
  void Take(uint64_t seq, const std::string& key, bool registry) {
    page->next_cursor = seq;
    ++taken;
    if (seen.insert((registry ? "r" : "s") + key).second) order.push_back({seq, key, registry});
  }
};

// County-wide readers walk the change log itself.
absl::Status RocksStore::OrderFromChangeLog(const PullScope& scope, const rocksdb::ReadOptions& ro,
                                            PullOrder* o) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kChanges)));
  for (it->Seek(Be64(scope.cursor + 1)); it->Valid() && !o->full(); it->Next()) {
    const uint64_t seq = FromBe64(it->key().ToStringView());
    if (seq > scope.head) break;
    Change c;
    if (!c.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("change ", seq, " is unreadable"));
    }
    if (c.has_registry()) {
      const auto [code, key] = RegistryPlace(c.registry());
      if (RegistryInScope(code, scope.prefixes)) {
        o->Take(seq, key, true);
        continue;
      }
    } else if (std::string_view grid, id;
               !scope.registry_only && RecordOf(c, &grid, &id) &&
               std::any_of(scope.prefixes.begin(), scope.prefixes.end(),
                           [&](const std::string& p) { return HasPrefix(grid, p); })) {
      o->Take(seq, std::string(id), false);
      continue;
    }
    o->page->next_cursor = seq;  // skipped, but seen
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the change log");
  o->page->caught_up = !it->Valid() || !o->full() || o->page->next_cursor >= scope.head;
  return absl::OkStatus();
}

void RocksStore::ScopeGridsAndUnits(const std::vector<std::string>& prefixes,
                                    const rocksdb::ReadOptions& ro, std::set<std::string>* grids,
                                    std::set<std::string>* units) const {
  for (const auto& p : prefixes) {
    if (p.size() == core::kGridCodeLen) {
      grids->insert(p);
      continue;
    }
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kRegistry)));
    const std::string start = "o" + p;
    for (it->Seek(start); it->Valid() && HasPrefix(it->key().ToStringView(), start); it->Next()) {
      if (it->key().size() == 1 + core::kGridCodeLen) grids->insert(it->key().ToString().substr(1));
    }
  }
  units->insert("");  // registry codes: "" is the policy
  for (const auto& g : *grids) {
    for (std::string code = g; !code.empty(); code = core::ParentCode(code)) units->insert(code);
  }
  for (const auto& p : prefixes) {  // a village or town scope with no grid yet
    if (p.size() < core::kGridCodeLen) {
      const std::string code = p + std::string(core::kVillageCodeLen - p.size(), '0');
      for (std::string c = code; !c.empty(); c = core::ParentCode(c)) units->insert(c);
    }
  }
}

// Everyone else merges the per-grid change indexes of their grids with the
// registry indexes of those grids, of the units above them and of the
// policy.
absl::Status RocksStore::OrderFromIndexes(const PullScope& scope, const rocksdb::ReadOptions& ro,
                                          PullOrder* o) const {
  std::set<std::string> grids, units;
  ScopeGridsAndUnits(scope.prefixes, ro, &grids, &units);
  struct Source {
    std::string prefix;  // of its keys, before the be64 seq
    bool registry;
    std::unique_ptr<rocksdb::Iterator> it;
  };
  std::vector<Source> sources;
  if (!scope.registry_only) {
    for (const auto& g : grids) sources.push_back({g, false, nullptr});
  }
  for (const auto& u : units) sources.push_back({"r" + u + std::string(1, '\0'), true, nullptr});
  using Head = std::pair<uint64_t, size_t>;  // (seq, source index)
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heap;
  auto push_head = [&](size_t i) {
    auto& it = sources[i].it;
    if (it->Valid() && HasPrefix(it->key().ToStringView(), sources[i].prefix)) {
      heap.emplace(FromBe64(it->key().ToStringView().substr(sources[i].prefix.size())), i);
    }
  };
  for (size_t i = 0; i < sources.size(); ++i) {
    sources[i].it.reset(db_->NewIterator(ro, cf(kScoped)));
    sources[i].it->Seek(sources[i].prefix + Be64(scope.cursor + 1));
    push_head(i);
  }
  while (!heap.empty() && !o->full()) {
    auto [seq, i] = heap.top();
    heap.pop();
    if (seq > scope.head) continue;
    o->Take(seq, sources[i].it->value().ToString(), sources[i].registry);
    sources[i].it->Next();
    push_head(i);
  }
  for (const auto& src : sources) {
    if (!src.it->status().ok()) return FromRocks(src.it->status(), "reading the pull index");
  }
  o->page->caught_up = heap.empty() || heap.top().first > scope.head;
  // Changes passed over (other grids', or records in a registry-only pull)
  // are seen too once the page is caught up.
  if (o->page->caught_up) o->page->next_cursor = std::max(o->page->next_cursor, scope.head);
  return absl::OkStatus();
}

absl::StatusOr<PullPage> RocksStore::Pull(const std::vector<std::string>& prefixes, uint64_t cursor,
                                          int page_size, bool registry_only) {
  const PullScope scope{prefixes, cursor, LastChangeSeq(), registry_only};
  PullPage page;
  page.next_cursor = cursor;
  const ScopedSnapshot snap(db_.get());
  const rocksdb::ReadOptions ro = snap.Read();
  PullOrder o{&page, page_size};
  const bool everything = std::any_of(prefixes.begin(), prefixes.end(), [](const std::string& p) {
    return p.size() < core::kTownPrefixLen;
  });
  auto st = everything ? OrderFromChangeLog(scope, ro, &o) : OrderFromIndexes(scope, ro, &o);
  if (!st.ok()) return st;
  if (auto st = ReadPulled(o.order, ro, &page); !st.ok()) return st;
  return page;
}

absl::Status RocksStore::ReadPulled(const std::vector<Pulled>& order,
                                    const rocksdb::ReadOptions& ro, PullPage* page) const {
  // Read a few at a time, so that a page of records at the limit holds at
  // most kPullReadChunk of them in memory beyond the page itself.
  constexpr size_t kPullReadChunk = 16;
  size_t bytes = 0;
  for (size_t start = 0; start < order.size(); start += kPullReadChunk) {
    const size_t end = std::min(order.size(), start + kPullReadChunk);
    std::vector<rocksdb::Slice> ids, keys;
    for (size_t i = start; i < end; ++i)
      (order[i].registry ? keys : ids).emplace_back(order[i].key);
    auto records = MultiGetIn(kRecords, ids, "reading records for a pull", ro);
    if (!records.ok()) return records.status();
    auto entries = MultiGetIn(kRegistry, keys, "reading the registry for a pull", ro);
    if (!entries.ok()) return entries.status();
    for (size_t i = start, r = 0, g = 0; i < end; ++i) {
      const Pulled& p = order[i];
      std::optional<std::string>& value = p.registry ? (*entries)[g++] : (*records)[r++];
      if (!p.registry && !value) {
        // The change index and the record are written in one batch.
        return absl::DataLossError(absl::StrCat("record ", p.key, " is missing"));
      }
      if (!value) continue;  // the policy before anyone set one
      if (bytes > 0 && bytes + value->size() > kMaxPageBytes) {
        // The rest next time, from just before this one's first change.
        page->next_cursor = p.seq - 1;
        page->caught_up = false;
        return absl::OkStatus();
      }
      if (p.registry) {
        auto e = RegistryEntry(p.key, *value);
        if (!e.ok()) return e.status();
        bytes += value->size();
        page->registry.push_back(std::move(*e));
        continue;
      }
      page->records.emplace_back();
      if (!page->records.back().ParseFromString(*value)) {
        return absl::DataLossError(absl::StrCat("record ", p.key, " is unreadable"));
      }
      if (value->size() > core::kMaxRecordBytes) core::TrimForReaders(&page->records.back());
      bytes += std::min(value->size(), core::kMaxRecordBytes);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RecordState>> RocksStore::GetRecord(const std::string& record_id) {
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), cf(kRecords), record_id, &v);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "reading a record");
  RecordState state;
  if (!state.ParseFromString(v))
    return absl::DataLossError("record " + record_id + " is unreadable");
  return state;
}

absl::StatusOr<std::vector<bool>> RocksStore::RecordsExist(const std::vector<std::string>& ids) {
  auto values = MultiGetIn(kRecords, {ids.begin(), ids.end()}, "reading records");
  if (!values.ok()) return values.status();
  return Present(*values);
}

absl::StatusOr<StoreStats> RocksStore::Stats() {
  absl::MutexLock l(&stats_mu_);
  return published_;
}

absl::StatusOr<gridsync::v1::BackupResponse> RocksStore::Backup(const std::string& dir, int keep) {
  const auto t0 = std::chrono::steady_clock::now();
  auto made = BackupStore(db_.get(), dir, keep, LastChangeSeq());
  if (!made.ok()) return made.status();
  auto all = ListBackups(dir);
  if (!all.ok()) return all.status();
  gridsync::v1::BackupResponse r;
  r.set_backup_id(made->id);
  r.set_created_unix_s(made->created_unix_s);
  r.set_size_bytes(made->size_bytes);
  r.set_files(made->files);
  r.set_last_change_seq(made->last_change_seq);
  r.set_took_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  r.set_backups_kept(static_cast<int32_t>(all->size()));
  return r;
}

absl::Status RocksStore::Log(LoggedWrite* w) {
  Writer writer;
  writer.registry = w;
  return RunInQueue(&writer);
}

absl::Status RocksStore::LogAdminAct(const gridsync::v1::AdminAct& act) {
  rocksdb::WriteBatch batch;
  LoggedWrite r{&batch, {}, act.by(), act, std::nullopt};
  return Log(&r);
}

absl::Status RocksStore::LogBlobStored(const gridsync::v1::BlobStored& blob) {
  rocksdb::WriteBatch batch;
  LoggedWrite r{&batch, {}, {}, std::nullopt, blob};
  return Log(&r);
}

absl::StatusOr<bool> RocksStore::BlobLogged(const std::string& sha256) {
  std::string value;
  const rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(kDefault), BlobLoggedKey(sha256), &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocks(s, "reading the attachments' log");
  return true;
}

absl::StatusOr<FeedPage> RocksStore::ReadChanges(uint64_t cursor, const std::string& prefix,
                                                 int max) {
  FeedPage page;
  page.next_cursor = cursor;
  const uint64_t head = LastChangeSeq();
  page.head = head;
  const ScopedSnapshot snap(db_.get());
  const rocksdb::ReadOptions ro = snap.Read();
  // The record changes, whose states are read below: their places in the
  // page, and where their record ids are in their bytes.
  std::vector<size_t> where;
  std::vector<std::pair<size_t, size_t>> id_at;
  std::unordered_set<std::string> first_of;  // the records whose first change is in the page
  size_t page_bytes = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kChanges)));
  for (it->Seek(Be64(cursor + 1)); it->Valid() && static_cast<int>(page.seqs.size()) < max;
       it->Next()) {
    const uint64_t seq = FromBe64(it->key().ToStringView());
    if (seq > head) break;
    page.next_cursor = seq;
    const std::string_view bytes = it->value().ToStringView();
    ChangeRoute route;
    if (!ReadChangeRoute(bytes, &route) || route.seq != seq) {
      return absl::DataLossError(absl::StrCat("change ", seq, " is unreadable"));
    }
    if (route.record) {
      if (!HasPrefix(route.grid, prefix)) continue;
    } else {
      // Registry entries, blobs and administrative acts: rare, parsed whole.
      Change c;
      if (!c.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        return absl::DataLossError(absl::StrCat("change ", seq, " is unreadable"));
      }
      const std::string_view code = c.has_blob() ? c.blob().grid_code() : FeedCode(c.registry());
      if (!code.empty() && !HasPrefix(code, prefix)) continue;
      // The audit trail is the county's: towns do not see who enrolled whom.
      if (c.has_admin() && prefix.size() >= core::kTownPrefixLen) continue;
    }
    if (!page.seqs.empty() && page_bytes + bytes.size() > kMaxPageBytes) {
      page.next_cursor = seq - 1;  // this one starts the next page
      break;
    }
    page_bytes += bytes.size();
    page.seqs.push_back(seq);
    page.change_bytes.emplace_back(bytes);
    if (route.record) {
      // The state goes with the record's first change in the page only.
      if (first_of.insert(std::string(route.record_id)).second) {
        where.push_back(page.seqs.size() - 1);
        id_at.emplace_back(route.record_id.data() - bytes.data(), route.record_id.size());
      }
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the change log");
  page.states.resize(page.seqs.size());
  if (auto st = ReadFeedStates(where, id_at, ro, page_bytes, &page); !st.ok()) return st;
  page.caught_up = page.next_cursor >= head;
  return page;
}

absl::Status RocksStore::ReadFeedStates(const std::vector<size_t>& where,
                                        const std::vector<std::pair<size_t, size_t>>& id_at,
                                        const rocksdb::ReadOptions& ro, size_t page_bytes,
                                        FeedPage* page) const {
  constexpr size_t kFeedReadChunk = 16;  // records read at once: bounds memory at the limit
  for (size_t start = 0; start < where.size(); start += kFeedReadChunk) {
    const size_t end = std::min(where.size(), start + kFeedReadChunk);
    std::vector<rocksdb::Slice> keys;
    for (size_t k = start; k < end; ++k) {
      keys.emplace_back(page->change_bytes[where[k]].data() + id_at[k].first, id_at[k].second);
    }
    auto got = MultiGetIn(kRecords, keys, "reading records", ro);
    if (!got.ok()) return got.status();
    for (size_t k = start; k < end; ++k) {
      std::optional<std::string>& state = (*got)[k - start];
      const size_t at = where[k];
      if (state && at > 0 && page_bytes + state->size() > kMaxPageBytes) {
        // Cut before this change: the record's state comes in the next page.
        page->next_cursor = page->seqs[at] - 1;
        page->seqs.resize(at);
        page->change_bytes.resize(at);
        page->states.resize(at);
        return absl::OkStatus();
      }
      if (state && state->size() > core::kMaxRecordBytes) {
        RecordState whole;
        if (!whole.ParseFromString(*state)) {
          return absl::DataLossError(
              absl::StrCat("record at change ", page->seqs[at], " is unreadable"));
        }
        core::TrimForReaders(&whole);
        state = core::SerializeCanonical(whole);
      }
      page_bytes += state ? state->size() : 0;
      page->states[at] = std::move(state);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> RocksStore::RecordsOverLimits() {
  std::vector<std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kRecords)));
  RecordState s;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!s.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) continue;
    std::vector<std::string> over = core::OverLimits(s);
    if (over.empty()) continue;
    out.push_back(absl::StrCat("record ", it->key().ToString(), " (grid ", s.header().grid_code(),
                               "): ", absl::StrJoin(over, "; ")));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading records");
  return out;
}

absl::StatusOr<std::vector<std::string>> RocksStore::Check() {
  std::vector<std::string> problems;
  if (rocksdb::Status s = db_->VerifyChecksum(); !s.ok()) {
    problems.push_back(absl::StrCat("table files: ", s.ToString()));
  }
  if (auto st = CheckChangeLogGapFree(); !st.ok()) {
    if (st.code() != absl::StatusCode::kDataLoss) return st;
    problems.push_back(std::string(st.message()));
  }
  auto coverage = coverage_->Verify(cf(kRecords));
  if (!coverage.ok()) return coverage.status();
  problems.insert(problems.end(), coverage->begin(), coverage->end());
  return problems;
}

absl::Status RocksStore::CheckChangeLogGapFree() {
  const uint64_t head = LastChangeSeq();
  uint64_t expect = 1;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kChanges)));
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expect) {
    const uint64_t seq = FromBe64(it->key().ToStringView());
    if (seq != expect) {
      return absl::DataLossError(absl::StrCat("change log expected ", expect, ", found ", seq));
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the change log");
  if (expect - 1 != head) {
    return absl::DataLossError(
        absl::StrCat("change log ends at ", expect - 1, ", last seq says ", head));
  }
  return absl::OkStatus();
}

}  // namespace gridsync::server
