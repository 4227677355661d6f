#include "client_sdk/local_store.h"

#include <cstdarg>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/be64.h"
#include "core/merge.h"
#include "core/registry.h"
#include "rocksdb/env.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace gridsync::sdk {
namespace {

using gridsync::v1::OutboxEntry;
using gridsync::v1::RecordState;
using gridsync::v1::RejectedMutation;

constexpr char kStatePrefix[] = "s/";
constexpr char kOutboxPrefix[] = "o/";
constexpr char kRejectedPrefix[] = "r/";
constexpr char kDeviceKey[] = "m/device_id";
constexpr char kNextSeqKey[] = "m/next_seq";
constexpr char kCursorKey[] = "m/cursor";
constexpr char kOffsetKey[] = "m/clock_offset_ms";
constexpr char kHlcKey[] = "m/hlc_last";
constexpr char kEpochKey[] = "m/replica_epoch";
constexpr char kRegistryPrefix[] = "g/";
constexpr char kRegistrySyncedKey[] = "m/registry_synced";
constexpr char kScopeKey[] = "m/scope";  // ScopeMeta: codes and role
constexpr char kStoreEpochKey[] = "m/store_epoch";
constexpr char kRefillPrefix[] = "f/";
constexpr char kRefillingKey[] = "m/refilling";
constexpr char kSigningSeedKey[] = "m/signing_seed";  // core/write_proof.h
constexpr char kUploadPrefix[] = "u/";
constexpr char kLeftPrefix[] = "l/";  // a household seen no longer active: when

std::string RegistryKey(const gridsync::v1::RegistryChange& c) {
  switch (c.item_case()) {
    case gridsync::v1::RegistryChange::kOrgUnit:
      return absl::StrCat(kRegistryPrefix, "o", c.org_unit().code());
    case gridsync::v1::RegistryChange::kHousehold:
      return absl::StrCat(kRegistryPrefix, "h", c.household().household_id());
    case gridsync::v1::RegistryChange::kPerson:
      return absl::StrCat(kRegistryPrefix, "p", c.person().person_id());
    case gridsync::v1::RegistryChange::kSurveyForm:  // every version is kept
      return absl::StrCat(kRegistryPrefix, "f", c.survey_form().version());
    case gridsync::v1::RegistryChange::kCheckPolicy:
      return absl::StrCat(kRegistryPrefix, "policy");
    case gridsync::v1::RegistryChange::kCadre:
      return absl::StrCat(kRegistryPrefix, "c", c.cadre().device_id());
    default:  // a newer server's kind of entry: kept apart, read by none
      return absl::StrCat(kRegistryPrefix, "?", c.item_case());
  }
}

// The page's registry entries, the device's scope, and the synced mark on
// the page that caught up.
void PutRegistry(const gridsync::v1::PullResponse& page, rocksdb::WriteBatch* b) {
  for (const auto& c : page.registry()) b->Put(RegistryKey(c), c.SerializeAsString());
  if (page.scope_codes_size() > 0) {
    gridsync::v1::PullResponse scope;  // only the scope and role fields
    *scope.mutable_scope_codes() = page.scope_codes();
    scope.set_role(page.role());
    b->Put(kScopeKey, scope.SerializeAsString());
  }
  if (page.caught_up()) b->Put(kRegistrySyncedKey, "1");
}

// Dates a household of the page that is no longer active by the page's
// server time (kept from the first page that said so), and undates one
// active again (core/retention.h counts the period from the date).
void MarkLeaving(rocksdb::DB* db, const gridsync::v1::PullResponse& page, rocksdb::WriteBatch* b) {
  for (const auto& c : page.registry()) {
    if (!c.has_household()) continue;
    const std::string key = kLeftPrefix + c.household().household_id();
    if (c.household().status() == gridsync::core::kHouseholdActive) {
      b->Delete(key);
      continue;
    }
    std::string v;
    if (db->Get(rocksdb::ReadOptions(), key, &v).IsNotFound()) {
      b->Put(key, core::Be64(static_cast<uint64_t>(page.server_time_ms())));
    }
  }
}

std::string StateKey(const std::string& id) { return kStatePrefix + id; }
std::string OutboxKey(uint64_t seq) { return kOutboxPrefix + core::Be64(seq); }
std::string RejectedKey(uint64_t seq) { return kRejectedPrefix + core::Be64(seq); }
std::string RefillKey(const std::string& id) { return kRefillPrefix + id; }

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", s.ToString()));
}

template <typename Fn>
void ForEachPrefix(rocksdb::DB* db, const std::string& prefix, Fn fn) {
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    fn(it->key(), it->value());
  }
}

// RocksDB's own log. Its Env writes it outside the FileSystem it is given,
// so beside an encrypted replica it would be plaintext (file names, keys in
// errors): an encrypted replica keeps none.
class NoLog : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
};

// The LOG files an encrypted replica's RocksDB wrote in plaintext before it
// kept none.
void RemovePlaintextLogs(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name == "LOG" || absl::StartsWith(name, "LOG.old.")) std::filesystem::remove(e.path(), ec);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalStore>> LocalStore::Open(const std::string& dir,
                                                             rocksdb::Env* env) {
  rocksdb::Options options;
  options.create_if_missing = true;
  if (env != nullptr) {
    options.env = env;
    options.info_log = std::make_shared<NoLog>();
    RemovePlaintextLogs(dir);
  }
  // A phone: small memtables, few threads.
  options.write_buffer_size = 4 << 20;
  options.max_background_jobs = 1;
  options.keep_log_file_num = 2;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open the local replica in ", dir, ": ", s.ToString()));
  }
  return std::unique_ptr<LocalStore>(new LocalStore(std::unique_ptr<rocksdb::DB>(db)));
}

std::map<std::string, int64_t> LocalStore::LeftMarks() const {
  std::map<std::string, int64_t> out;
  ForEachPrefix(db_.get(), kLeftPrefix, [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    out[k.ToString().substr(strlen(kLeftPrefix))] =
        static_cast<int64_t>(core::FromBe64(v.ToStringView()));
  });
  return out;
}

absl::Status LocalStore::Forget(const std::vector<std::string>& record_ids,
                                const std::vector<gridsync::v1::RegistryChange>& entries) {
  rocksdb::WriteBatch b;
  for (const auto& id : record_ids) {
    b.Delete(StateKey(id));
    b.Delete(RefillKey(id));
  }
  for (const auto& c : entries) {
    b.Delete(RegistryKey(c));
    if (c.has_household()) b.Delete(kLeftPrefix + c.household().household_id());
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Write(wo, &b), "forgetting what the phone no longer keeps");
}

void LocalStore::PrepareForWipe() { db_->SetDBOptions({{"avoid_flush_during_shutdown", "true"}}); }

absl::StatusOr<LocalMeta> LocalStore::LoadMeta() {
  LocalMeta meta;
  std::string v;
  auto get = [&](const char* key) -> absl::StatusOr<bool> {
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &v);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return FromRocks(s, key);
    return true;
  };
  auto found = get(kDeviceKey);
  if (!found.ok()) return found.status();
  if (*found) meta.device_id = v;
  for (auto [key, out] :
       {std::pair{kNextSeqKey, &meta.next_seq}, std::pair{kCursorKey, &meta.cursor},
        std::pair{kHlcKey, &meta.hlc_last}, std::pair{kEpochKey, &meta.replica_epoch},
        std::pair{kStoreEpochKey, &meta.store_epoch}}) {
    found = get(key);
    if (!found.ok()) return found.status();
    if (*found) *out = core::FromBe64(v);
  }
  found = get(kOffsetKey);
  if (!found.ok()) return found.status();
  if (*found) meta.clock_offset_ms = static_cast<int64_t>(core::FromBe64(v));
  found = get(kRegistrySyncedKey);
  if (!found.ok()) return found.status();
  meta.registry_synced = *found;
  found = get(kRefillingKey);
  if (!found.ok()) return found.status();
  meta.refilling = *found;
  found = get(kSigningSeedKey);
  if (!found.ok()) return found.status();
  if (*found) meta.signing_seed = v;
  found = get(kScopeKey);
  if (!found.ok()) return found.status();
  gridsync::v1::PullResponse scope;
  if (*found && scope.ParseFromString(v)) {
    meta.scope_codes.assign(scope.scope_codes().begin(), scope.scope_codes().end());
    meta.role = scope.role();
  }
  if (meta.next_seq == 0) meta.next_seq = 1;
  return meta;
}

absl::StatusOr<std::map<uint64_t, OutboxEntry>> LocalStore::LoadOutbox() {
  std::map<uint64_t, OutboxEntry> out;
  absl::Status st;
  ForEachPrefix(db_.get(), kOutboxPrefix, [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    OutboxEntry e;
    if (!e.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      st = absl::DataLossError(absl::StrCat("outbox entry ", k.ToString(true), " does not parse"));
      return;
    }
    out.emplace(core::FromBe64(std::string_view(k.data() + 2, k.size() - 2)), std::move(e));
  });
  if (!st.ok()) return st;
  return out;
}

absl::Status LocalStore::InitDevice(const std::string& device_id) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Put(wo, kDeviceKey, device_id), "saving the device id");
}

absl::Status LocalStore::SaveSigningSeed(const std::string& seed) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Put(wo, kSigningSeedKey, seed), "saving the signing key");
}

absl::Status LocalStore::AppendOutbox(const OutboxEntry& e, uint64_t next_seq, uint64_t hlc,
                                      bool durable) {
  rocksdb::WriteBatch b;
  b.Put(OutboxKey(e.mutation().device_seq()), e.SerializeAsString());
  b.Put(kNextSeqKey, core::Be64(next_seq));
  b.Put(kHlcKey, core::Be64(hlc));
  rocksdb::WriteOptions wo;
  wo.sync = durable;  // what the worker typed survives a dead battery
  return FromRocks(db_->Write(wo, &b), "writing the outbox");
}

absl::Status LocalStore::CommitPushResults(const std::vector<OutboxEntry>& updated,
                                           const std::vector<RejectedMutation>& rejected,
                                           int64_t clock_offset_ms,
                                           std::optional<uint64_t> hlc_last) {
  rocksdb::WriteBatch b;
  for (const auto& e : updated) b.Put(OutboxKey(e.mutation().device_seq()), e.SerializeAsString());
  if (hlc_last.has_value()) b.Put(kHlcKey, core::Be64(*hlc_last));
  for (const auto& r : rejected) {
    b.Delete(OutboxKey(r.mutation().device_seq()));
    b.Put(RejectedKey(r.mutation().device_seq()), r.SerializeAsString());
  }
  b.Put(kOffsetKey, core::Be64(static_cast<uint64_t>(clock_offset_ms)));
  // An ack lost in a crash is harmless (the replay answers DUPLICATE); a
  // re-stamp lost in a crash is redone. No sync needed.
  return FromRocks(db_->Write(rocksdb::WriteOptions(), &b), "saving push results");
}

absl::Status LocalStore::ResetForRestoredServer(const std::vector<OutboxEntry>& repending,
                                                uint64_t store_epoch) {
  rocksdb::WriteBatch b;
  for (const auto& e : repending)
    b.Put(OutboxKey(e.mutation().device_seq()), e.SerializeAsString());
  b.Put(kCursorKey, core::Be64(0));
  b.Delete(kRegistrySyncedKey);
  // Every record held may have what the restore lost, until a pull shows
  // the server's state holds it.
  ForEachPrefix(db_.get(), kStatePrefix, [&](const rocksdb::Slice& key, const rocksdb::Slice&) {
    b.Put(kRefillPrefix + key.ToString().substr(sizeof(kStatePrefix) - 1), "");
  });
  b.Put(kRefillingKey, "1");
  if (store_epoch != 0) {
    b.Put(kStoreEpochKey, core::Be64(store_epoch));
  } else {
    b.Delete(kStoreEpochKey);  // adopt the next one seen
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;  // a crash must not leave acks of a store that is gone
  return FromRocks(db_->Write(wo, &b), "resetting after a server restore");
}

absl::Status LocalStore::SetStoreEpoch(uint64_t store_epoch) {
  return FromRocks(db_->Put(rocksdb::WriteOptions(), kStoreEpochKey, core::Be64(store_epoch)),
                   "saving the server's store epoch");
}

absl::Status LocalStore::RenumberOutbox(const std::vector<uint64_t>& old_seqs,
                                        const std::vector<OutboxEntry>& renumbered,
                                        uint64_t next_seq, uint64_t replica_epoch) {
  rocksdb::WriteBatch b;
  for (uint64_t seq : old_seqs) b.Delete(OutboxKey(seq));
  for (const auto& e : renumbered) {
    b.Put(OutboxKey(e.mutation().device_seq()), e.SerializeAsString());
  }
  b.Put(kNextSeqKey, core::Be64(next_seq));
  b.Put(kEpochKey, core::Be64(replica_epoch));
  rocksdb::WriteOptions wo;
  wo.sync = true;  // a seq handed out must never be handed out again
  return FromRocks(db_->Write(wo, &b), "renumbering the outbox");
}

absl::Status LocalStore::CommitPullPage(const gridsync::v1::PullResponse& page,
                                        const std::vector<uint64_t>& covered_seqs,
                                        int64_t clock_offset_ms, bool refilling) {
  rocksdb::WriteBatch b;
  std::vector<std::string> keys;
  keys.reserve(page.records_size());
  for (const auto& r : page.records()) keys.push_back(StateKey(r.record_id()));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<std::string> values(keys.size());
  std::vector<rocksdb::Status> got = db_->MultiGet(rocksdb::ReadOptions(), slices, &values);
  for (int i = 0; i < page.records_size(); ++i) {
    const RecordState& pulled = page.records(i);
    if (got[i].ok()) {
      RecordState held;
      if (!held.ParseFromString(values[i])) {
        return absl::DataLossError(
            absl::StrCat("stored state of ", pulled.record_id(), " does not parse"));
      }
      core::Join(&held, pulled);
      std::string joined = core::SerializeCanonical(held);
      if (refilling) {
        // Refilled only when the server's state lacks some of what is held.
        if (joined == core::SerializeCanonical(pulled)) {
          b.Delete(RefillKey(pulled.record_id()));
        } else {
          b.Put(RefillKey(pulled.record_id()), "");
        }
      }
      b.Put(keys[i], std::move(joined));
    } else if (got[i].IsNotFound()) {
      b.Put(keys[i], core::SerializeCanonical(pulled));
    } else {
      return FromRocks(got[i], "reading stored states");
    }
  }
  for (uint64_t seq : covered_seqs) b.Delete(OutboxKey(seq));
  PutRegistry(page, &b);
  MarkLeaving(db_.get(), page, &b);
  b.Put(kCursorKey, core::Be64(page.next_cursor()));
  b.Put(kOffsetKey, core::Be64(static_cast<uint64_t>(clock_offset_ms)));
  return FromRocks(db_->Write(rocksdb::WriteOptions(), &b), "saving a pulled page");
}

absl::StatusOr<std::vector<RecordState>> LocalStore::NextRefill(size_t max_bytes,
                                                                int max_records) const {
  std::vector<RecordState> out;
  size_t bytes = 0;
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  for (it->Seek(kRefillPrefix); it->Valid() && it->key().starts_with(kRefillPrefix); it->Next()) {
    if (static_cast<int>(out.size()) == max_records || bytes >= max_bytes) break;
    const std::string id = it->key().ToString().substr(sizeof(kRefillPrefix) - 1);
    auto held = GetState(id);
    if (!held.ok()) return held.status();
    if (!held->has_value()) continue;  // marked, then never stored: nothing to send
    bytes += (*held)->ByteSizeLong();
    out.push_back(std::move(**held));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading records to send back");
  return out;
}

absl::Status LocalStore::RefillDone(const std::vector<std::string>& ids, bool all) {
  rocksdb::WriteBatch b;
  if (all) {
    ForEachPrefix(db_.get(), kRefillPrefix,
                  [&](const rocksdb::Slice& key, const rocksdb::Slice&) { b.Delete(key); });
  }
  for (const auto& id : ids) b.Delete(RefillKey(id));
  if (all) b.Delete(kRefillingKey);
  return FromRocks(db_->Write(rocksdb::WriteOptions(), &b), "marking records sent back");
}

absl::StatusOr<std::optional<RecordState>> LocalStore::GetState(const std::string& id) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), StateKey(id), &v);
  if (s.IsNotFound()) return std::optional<RecordState>();
  if (!s.ok()) return FromRocks(s, "reading a record");
  RecordState st;
  if (!st.ParseFromString(v))
    return absl::DataLossError(absl::StrCat("stored state of ", id, " does not parse"));
  return std::optional<RecordState>(std::move(st));
}

absl::Status LocalStore::CommitRegistryPage(const gridsync::v1::PullResponse& page) {
  rocksdb::WriteBatch b;
  PutRegistry(page, &b);
  MarkLeaving(db_.get(), page, &b);
  return FromRocks(db_->Write(rocksdb::WriteOptions(), &b), "saving the registry");
}

absl::Status LocalStore::ForEachRegistry(
    const std::function<void(const gridsync::v1::RegistryChange&)>& fn) const {
  absl::Status st;
  ForEachPrefix(db_.get(), kRegistryPrefix, [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    gridsync::v1::RegistryChange c;
    if (!c.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      st = absl::DataLossError(absl::StrCat("registry entry ", k.ToString(), " does not parse"));
      return;
    }
    fn(c);
  });
  return st;
}

absl::Status LocalStore::ForEachState(const std::function<void(const RecordState&)>& fn) const {
  absl::Status st;
  ForEachPrefix(db_.get(), kStatePrefix, [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    RecordState s;
    if (!s.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      st = absl::DataLossError(absl::StrCat("stored state ", k.ToString(), " does not parse"));
      return;
    }
    fn(s);
  });
  return st;
}

int64_t LocalStore::CountStates() const {
  int64_t n = 0;
  ForEachPrefix(db_.get(), kStatePrefix,
                [&](const rocksdb::Slice&, const rocksdb::Slice&) { ++n; });
  return n;
}

std::vector<RejectedMutation> LocalStore::ListRejected() const {
  std::vector<RejectedMutation> out;
  ForEachPrefix(db_.get(), kRejectedPrefix, [&](const rocksdb::Slice&, const rocksdb::Slice& v) {
    out.emplace_back();
    if (!out.back().ParseFromArray(v.data(), static_cast<int>(v.size()))) out.pop_back();
  });
  return out;
}

absl::Status LocalStore::DeleteRejected(uint64_t device_seq) {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), RejectedKey(device_seq), &v);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no rejected mutation with device seq ", device_seq));
  }
  if (!s.ok()) return FromRocks(s, "reading the rejected list");
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Delete(wo, RejectedKey(device_seq)), "dismissing a rejection");
}

absl::Status LocalStore::PutUpload(const gridsync::v1::UploadEntry& e) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Put(wo, kUploadPrefix + e.sha256(), e.SerializeAsString()),
                   "writing the upload queue");
}

absl::Status LocalStore::DeleteUpload(const std::string& sha256) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Delete(wo, kUploadPrefix + sha256), "writing the upload queue");
}

std::vector<gridsync::v1::UploadEntry> LocalStore::ListUploads() const {
  std::vector<gridsync::v1::UploadEntry> out;
  ForEachPrefix(db_.get(), kUploadPrefix, [&](const rocksdb::Slice&, const rocksdb::Slice& v) {
    out.emplace_back();
    if (!out.back().ParseFromArray(v.data(), static_cast<int>(v.size()))) out.pop_back();
  });
  return out;
}

}  // namespace gridsync::sdk
