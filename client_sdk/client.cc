#include "gridsync/client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client_sdk/attachment_files.h"
#include "client_sdk/attachment_sync.h"
#include "client_sdk/background_sync.h"
#include "client_sdk/day_view.h"
#include "client_sdk/local_store.h"
#include "client_sdk/renumber.h"
#include "client_sdk/replica_disk.h"
#include "common/grpc_status.h"
#include "common/version.h"
#include "core/attachment.h"
#include "core/case_level.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/merge.h"
#include "core/proposal.h"
#include "core/registry.h"
#include "core/retention.h"
#include "core/schema.h"
#include "core/utf8.h"
#include "core/validate.h"
#include "core/view.h"
#include "core/write_proof.h"
#include "gridsync/v1/sync_service.grpc.pb.h"

namespace gridsync::sdk {

using gridsync::v1::Mutation;
using gridsync::v1::OutboxEntry;
using gridsync::v1::RecordState;
using gridsync::v1::RejectedMutation;

namespace {

constexpr int kMaxPushBatch = 1000;
constexpr int kMaxPullPage = 5000;
constexpr int kMaxRefillBatch = 200;           // SyncService.Refill's limit
constexpr size_t kRefillBatchBytes = 1 << 20;  // a call a village network carries

bool IsLoopback(const std::string& addr) {
  return absl::StartsWith(addr, "127.") || absl::StartsWith(addr, "localhost:") ||
         absl::StartsWith(addr, "[::1]:");
}

uint64_t MaxStamp(const RecordState& s) {
  uint64_t m = s.header().created_hlc();
  for (const auto& r : s.registers()) {
    for (const auto& sib : r.siblings()) m = std::max(m, sib.hlc());
  }
  return m;
}

}  // namespace

constexpr int kMaxDayPage = 1000;

class Client::Impl {
 public:
  Impl(ClientOptions o, ReplicaDisk disk, std::unique_ptr<LocalStore> store,
       std::function<int64_t()> wall)
      : opts_(std::move(o)),
        disk_(std::move(disk)),
        store_(std::move(store)),
        wall_(wall),
        clock_(wall),
        rng_(std::random_device{}()) {}

  absl::Status Init();
  absl::Status LoadSigningKey(const LocalMeta& meta);

  // Builds and stores one mutation. `build` sees the record as this phone
  // shows it (empty for a create) and fills the op.
  using Builder = std::function<absl::Status(const RecordState& current, Mutation* m)>;
  absl::Status Write(const std::string& record_id, const Builder& build, bool create,
                     gridsync::v1::RecordKind kind = {}, const std::string& grid = {});

  // REQUIRES: mu_ held. Server state with the outbox replayed; nullopt if
  // the phone knows nothing of the record.
  absl::StatusOr<std::optional<RecordState>> ViewLocked(const std::string& id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::optional<RecordState>> View(const std::string& id) const {
    absl::MutexLock lock(&mu_);
    return ViewLocked(id);
  }

  absl::StatusOr<SyncReport> Sync(const ProgressFn& progress, bool pull);
  // Lets go what the phone no longer keeps (core/retention.h), after a pull;
  // adds to report->forgotten.
  absl::Status ApplyRetention(SyncReport* report) ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_);
  // The steps of a sync, under sync_mu_.
  absl::StatusOr<SyncReport> SyncSteps(const ProgressFn& progress, bool pull)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_);
  // Erases the replica at the server's `order`; returns what Sync says.
  absl::Status Wipe(const absl::Status& order);
  void StartBackground(BackgroundOptions bo) { background_.Start(std::move(bo)); }
  void StopBackground() { background_.Stop(); }

  std::vector<std::string> List(const RecordFilter& f) const;
  ClientStats Stats() const;
  DeviceScope Scope() const {
    absl::MutexLock lock(&mu_);
    return scope_;
  }
  std::vector<gridsync::v1::OrgUnit> OrgUnits() const {
    absl::MutexLock lock(&mu_);
    return day_.Units();
  }
  absl::StatusOr<std::vector<gridsync::v1::SurveyForm>> SurveyForms() const {
    absl::MutexLock lock(&mu_);
    if (wiped_) return WipedError();
    return day_.SurveyForms();
  }

  // fn(day view) under mu_, for a scope the phone's registry holds and a
  // page [offset, offset + limit).
  template <typename Fn>
  auto Day(const std::string& scope_code, int offset, int limit, Fn fn) const
      -> absl::StatusOr<decltype(fn(std::declval<const DayView&>()))> {
    if (offset < 0 || limit < 1 || limit > kMaxDayPage) {
      return absl::InvalidArgumentError(absl::StrCat(
          "offset must be 0 or more and limit 1..", kMaxDayPage, "; got ", offset, " and ", limit));
    }
    absl::MutexLock lock(&mu_);
    if (wiped_) return WipedError();
    if (!day_.HasUnit(scope_code)) {
      return absl::NotFoundError(absl::StrCat(
          "org unit '", scope_code.substr(0, 32),
          "' is not in this phone's registry: a grid or village of the device's scope, after a "
          "sync"));
    }
    return fn(day_);
  }
  int64_t NowMs() const { return clock_.WallMs(); }
  std::string NewId() {
    absl::MutexLock lock(&mu_);
    return core::NewUlid(clock_.WallMs(), rng_);
  }
  LocalStore& store() { return *store_; }

  // Client::AppendLog: one log element, with a new element id (returned).
  absl::StatusOr<std::string> AppendLog(const std::string& record_id, const std::string& log,
                                        const google::protobuf::Message& payload) {
    const std::string element_id = NewId();
    auto st = Write(
        record_id,
        [&](const RecordState&, Mutation* m) {
          auto* a = m->mutable_append_log();
          a->set_log(log);
          a->set_element_id(element_id);
          a->set_payload(payload.SerializeAsString());
          return absl::OkStatus();
        },
        false);
    if (!st.ok()) return st;
    return element_id;
  }
  // Client::AttachBytes, FetchAttachment, SetNetworkMetered.
  absl::StatusOr<gridsync::v1::PhotoRef> Attach(const std::string& record_id,
                                                std::string_view bytes, const AttachOptions& o);
  absl::StatusOr<std::string> Fetch(const std::string& record_id, const std::string& sha256,
                                    const std::function<void(int64_t, int64_t)>& progress);
  void SetMetered(bool metered) { metered_ = metered; }
  bool encrypted() const { return disk_.encrypted(); }
  // The replica was erased at the server's order (a device revoked as lost):
  // every call after says so.
  bool wiped() const { return wiped_; }
  static absl::Status WipedError() {
    return WithWipeOrder(absl::PermissionDeniedError(
        "this phone was reported lost: its replica and attachments were erased; enrol it again"));
  }
  // A held attachment's bytes, decrypted when the replica is encrypted.
  absl::StatusOr<std::string> ReadFile(const std::string& sha256) const {
    return files_->ReadAll(sha256);
  }
  absl::Status CheckAttachmentSize(int64_t size) const {
    if (size == 0) return absl::InvalidArgumentError("the file to attach is empty");
    if (size <= opts_.max_attachment_bytes) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("the file is ", size, " bytes; attachments are at most ",
                     opts_.max_attachment_bytes, " bytes (", opts_.max_attachment_bytes >> 20,
                     " MB): take the photo at a lower resolution"));
  }

 private:
  // One call: token, deadline, cancellable by StopBackground; then the
  // clock offset from the answer's server time.
  template <typename Resp>
  absl::Status Exchange(absl::string_view what,
                        const std::function<grpc::Status(grpc::ClientContext*)>& rpc,
                        const Resp& resp);
  // REQUIRES: mu_ held. Drops an outbox entry from memory (its record's
  // index too); the caller has removed it from disk.
  void ForgetLocked(uint64_t seq) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // REQUIRES: mu_ held. What the record counts for in the day view, from
  // its view now.
  void RefreshLocked(const std::string& record_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // REQUIRES: mu_ held. The day view from the stored registry, the states
  // and the outbox (at open).
  absl::Status LoadDayLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A replica that holds records but never pulled the registry fetches it
  // whole (registry-only pulls from 0; the cursor stays).
  absl::Status PullRegistry(SyncReport* report);
  // Sets *restamp when the server refused stamps as ahead of its clock,
  // *reused_after to the server's highest seq for this device when it holds
  // our seqs for other mutations, *more when more are pending.
  absl::Status PushOnce(SyncReport* report, bool* restamp, uint64_t* reused_after, bool* more);
  absl::Status Renumber(uint64_t after, SyncReport* report);
  absl::Status Restamp(SyncReport* report);
  // Sets *restart when the server's store turned out restored from a backup
  // (see SeeEpochLocked): the outbox must be pushed again, then pulled from 0.
  absl::Status PullAll(SyncReport* report, const ProgressFn& progress, bool* restart);
  // After a pull from 0 of a restored server: sends back the marked records
  // (LocalStore::NextRefill) until none is left.
  absl::Status RefillAll(SyncReport* report);
  // Pushes the outbox until empty or bounded out.
  absl::Status PushAll(SyncReport* report, const ProgressFn& progress);
  // REQUIRES: mu_ held. The server's store epoch in an answer (or, with
  // `out_of_range`, a cursor past its head): when it changed, the store was
  // restored, so what it acknowledged goes back to pending and the cursor to
  // 0. Returns whether it was.
  absl::StatusOr<bool> SeeEpochLocked(uint64_t epoch, bool out_of_range, SyncReport* report)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Uploads the queued attachments whose records the server holds: a
  // lasting refusal is kept on the entry for the app, a break ends the pass
  // (the sync's backoff retries), a spent quota leaves the rest waiting.
  // Then trims the cache.
  absl::Status UploadAll(SyncReport* report, const ProgressFn& progress);
  // REQUIRES: mu_ held. Whether the record has writes the server has not
  // acknowledged yet.
  bool HasUnackedLocked(const std::string& record_id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether a refill after a restored server is under way (LocalMeta::refilling).
  bool Refilling() const {
    absl::MutexLock lock(&mu_);
    return refilling_;
  }
  // After a restore of the server's store: every attachment still in this
  // phone's cache that a held record references goes back in the upload
  // queue (the server says at once which it still has).
  absl::Status RequeueCachedUploads();
  void TrimCache(const std::string& keep = "");
  void ReportProgress(const ProgressFn& progress, SyncProgress::Phase phase, const SyncReport& r,
                      int64_t upload_sent = 0, int64_t upload_total = 0);

  const ClientOptions opts_;
  ReplicaDisk disk_;  // where the store's and the attachments' files go; outlives both
  std::unique_ptr<LocalStore> store_;
  std::function<int64_t()> wall_;
  core::HybridClock clock_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gridsync::v1::SyncService::Stub> stub_;
  std::unique_ptr<AttachmentFiles> files_;
  std::unique_ptr<AttachmentSync> blobs_;
  std::atomic<bool> metered_{false};
  absl::Mutex fetch_mu_;  // one download at a time: two of one blob would share its .part file

  // Lock order: sync_mu_, then mu_; fetch_mu_ and BackgroundSync's are taken
  // alone.
  mutable absl::Mutex mu_;  // orders writes
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t replica_epoch_ ABSL_GUARDED_BY(mu_) = 0;  // Mutation.replica_epoch of new writes
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, OutboxEntry> outbox_ ABSL_GUARDED_BY(mu_);               // by device seq
  std::map<std::string, std::set<uint64_t>> by_record_ ABSL_GUARDED_BY(mu_);  // record -> seqs
  std::atomic<int64_t> offset_ms_{0};
  bool registry_synced_ ABSL_GUARDED_BY(mu_) = false;
  bool refilling_ ABSL_GUARDED_BY(mu_) = false;    // LocalMeta::refilling
  uint64_t store_epoch_ ABSL_GUARDED_BY(mu_) = 0;  // the server store's, last seen
  DeviceScope scope_ ABSL_GUARDED_BY(mu_);
  DayView day_ ABSL_GUARDED_BY(mu_);  // the registry and what each viewed record counts for
  std::atomic<bool> wiped_{false};
  std::atomic<int> retention_days_{0};  // from the last pull; 0: not known yet

  absl::Mutex sync_mu_;  // one Sync at a time
  int64_t last_retention_ms_ ABSL_GUARDED_BY(sync_mu_) = 0;

  // The background loop, and the call in flight it cancels when it stops.
  BackgroundSync background_{[this](const ProgressFn& p) { return Sync(p, /*pull=*/true); },
                             [this] { return wiped_.load(); }};
  core::SigningKey signing_key_;  // set by Init, then read only
};

// A replica made before phones signed gets its key at its first start
// after the update; its writes from then on are signed.
absl::Status Client::Impl::LoadSigningKey(const LocalMeta& meta) {
  auto key = meta.signing_seed.empty() ? core::NewSigningKey()
                                       : core::SigningKeyFromSeed(meta.signing_seed);
  if (!key.ok()) return key.status();
  if (meta.signing_seed.empty()) {
    if (auto st = store_->SaveSigningSeed(key->seed); !st.ok()) return st;
  }
  signing_key_ = std::move(*key);
  return absl::OkStatus();
}

absl::Status Client::Impl::Init() {
  auto meta = store_->LoadMeta();
  if (!meta.ok()) return meta.status();
  if (meta->device_id.empty()) {
    if (auto st = store_->InitDevice(opts_.device_id); !st.ok()) return st;
  } else if (meta->device_id != opts_.device_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the local replica in ", opts_.data_dir, " belongs to device ", meta->device_id, ", not ",
        opts_.device_id, "; a re-enrolled phone needs an empty data folder"));
  }
  if (auto st = LoadSigningKey(*meta); !st.ok()) return st;
  auto outbox = store_->LoadOutbox();
  if (!outbox.ok()) return outbox.status();
  {
    absl::MutexLock lock(&mu_);  // nobody else holds the client yet; the fields' rule all the same
    outbox_ = std::move(*outbox);
    next_seq_ = meta->next_seq;
    uint64_t hlc_last = meta->hlc_last;
    for (const auto& [seq, e] : outbox_) {
      by_record_[e.mutation().record_id()].insert(seq);
      next_seq_ = std::max(next_seq_, seq + 1);  // never hand out a seq twice
      hlc_last = std::max<uint64_t>(hlc_last, e.mutation().hlc());
    }
    for (const auto& r : store_->ListRejected()) {
      next_seq_ = std::max<uint64_t>(next_seq_, r.mutation().device_seq() + 1);
    }
    cursor_ = meta->cursor;
    registry_synced_ = meta->registry_synced;
    refilling_ = meta->refilling;
    store_epoch_ = meta->store_epoch;
    scope_.codes = meta->scope_codes;
    scope_.role = static_cast<gridsync::v1::Role>(meta->role);
    replica_epoch_ = meta->replica_epoch;
    offset_ms_ = meta->clock_offset_ms;
    clock_.set_offset_ms(meta->clock_offset_ms);
    clock_.Observe(hlc_last);
    if (auto st = LoadDayLocked(); !st.ok()) return st;
  }

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetUserAgentPrefix(kSdkUserAgent);
  if (opts_.compression) {
    args.SetCompressionAlgorithm(GRPC_COMPRESS_GZIP);
  } else {
    // Accept identity only, so the server does not compress either.
    args.SetInt(GRPC_COMPRESSION_CHANNEL_ENABLED_ALGORITHMS_BITSET, 1 << GRPC_COMPRESS_NONE);
  }
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (opts_.tls_root_certs.empty() && IsLoopback(opts_.server_address)) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = opts_.tls_root_certs;
    creds = grpc::SslCredentials(ssl);
  }
  channel_ = grpc::CreateCustomChannel(opts_.server_address, creds, args);
  stub_ = gridsync::v1::SyncService::NewStub(channel_);
  auto files = AttachmentFiles::Open(opts_.data_dir + "/attachments", disk_.files,
                                     disk_.attachment_name_key);
  if (!files.ok()) return files.status();
  files_ = std::move(*files);
  struct NoServerTime {};
  blobs_ = std::make_unique<AttachmentSync>(
      channel_,
      [this](absl::string_view what, const std::function<grpc::Status(grpc::ClientContext*)>& rpc) {
        return Exchange(what, rpc, NoServerTime{});
      },
      files_.get(), opts_.upload_chunk_bytes);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RecordState>> Client::Impl::ViewLocked(const std::string& id) const {
  if (wiped_) return WipedError();
  auto held = store_->GetState(id);
  if (!held.ok()) return held.status();
  auto it = by_record_.find(id);
  if (it == by_record_.end()) return held;
  RecordState s = held->has_value() ? std::move(**held) : RecordState();
  for (uint64_t seq : it->second) core::Apply(&s, outbox_.at(seq).mutation());
  return std::optional<RecordState>(std::move(s));
}

absl::Status Client::Impl::Write(const std::string& record_id, const Builder& build, bool create,
                                 gridsync::v1::RecordKind kind, const std::string& grid) {
  Mutation m;
  {
    absl::MutexLock lock(&mu_);
    if (wiped_) return WipedError();
    auto cur = ViewLocked(record_id);
    if (!cur.ok()) return cur.status();
    RecordState current = cur->value_or(RecordState());
    if (!create && current.header().kind() == gridsync::v1::RECORD_KIND_UNSPECIFIED) {
      return absl::NotFoundError(
          absl::StrCat("record ", record_id, " is not on this phone; sync to fetch it"));
    }
    m.set_device_seq(next_seq_);
    m.set_record_id(record_id);
    m.set_kind(create ? kind : current.header().kind());
    m.set_grid_code(create ? grid : current.header().grid_code());
    m.set_device_id(opts_.device_id);
    m.set_author(opts_.holder.empty() ? opts_.device_id : opts_.holder);
    m.set_replica_epoch(replica_epoch_);
    if (auto st = build(current, &m); !st.ok()) return st;
    m.set_hlc(clock_.Now());
    if (auto v = core::ValidateMutation(m)) {
      return absl::InvalidArgumentError(absl::StrCat(v->field, ": ", v->message));
    }
    // Text enters here: what is not UTF-8 never reaches the outbox, where
    // it would block the push of everything behind it.
    if (auto bad = core::FindInvalidUtf8(m)) {
      return absl::InvalidArgumentError(absl::StrCat(bad->path, ": ", bad->message));
    }
    // The server's clock as this phone knows it (the offset from its last
    // answer): a time typed from a clock far ahead is refused now, while the
    // worker can still correct it, not later by the server.
    if (auto v = core::CheckDomainTimes(m, clock_.WallMs(), core::kDefaultMaxSkewMs)) {
      return absl::InvalidArgumentError(absl::StrCat(v->field, ": ", v->message));
    }
    if (auto st = core::CheckAgainstState(current, m); !st.ok()) return st;
    OutboxEntry e;
    *e.mutable_mutation() = m;
    e.set_written_at_ms(wall_());
    if (auto st = store_->AppendOutbox(e, next_seq_ + 1, m.hlc(), opts_.durable_writes); !st.ok())
      return st;
    ++next_seq_;
    by_record_[record_id].insert(m.device_seq());
    outbox_.emplace(m.device_seq(), std::move(e));
    RefreshLocked(record_id);
  }
  background_.Wake();
  return absl::OkStatus();
}

template <typename Resp>
absl::Status Client::Impl::Exchange(absl::string_view what,
                                    const std::function<grpc::Status(grpc::ClientContext*)>& rpc,
                                    const Resp& resp) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + opts_.token);
  ctx.set_deadline(std::chrono::system_clock::now() + opts_.rpc_timeout);
  if (!background_.BeginCall(&ctx)) {
    return absl::CancelledError(absl::StrCat(what, ": sync is stopping"));
  }
  const int64_t t0 = wall_();
  grpc::Status s = rpc(&ctx);
  const int64_t t1 = wall_();
  background_.EndCall();
  if (!s.ok()) return FromGrpc(s, what);
  if constexpr (requires { resp.server_time_ms(); }) {
    if (resp.server_time_ms() > 0) {  // server minus phone, at the middle of the call
      const int64_t offset = resp.server_time_ms() - (t0 + (t1 - t0) / 2);
      offset_ms_ = offset;
      clock_.set_offset_ms(offset);
    }
  }
  return absl::OkStatus();
}

void Client::Impl::ForgetLocked(uint64_t seq) {
  auto it = outbox_.find(seq);
  if (it == outbox_.end()) return;
  const std::string id = it->second.mutation().record_id();
  outbox_.erase(it);
  auto r = by_record_.find(id);
  if (r == by_record_.end()) return;
  r->second.erase(seq);
  if (r->second.empty()) by_record_.erase(r);
}

void Client::Impl::RefreshLocked(const std::string& record_id) {
  auto view = ViewLocked(record_id);
  if (!view.ok()) return;  // unreadable: counted as it was
  day_.PutRecord(record_id, view->has_value() ? &**view : nullptr);
}

absl::Status Client::Impl::LoadDayLocked() {
  auto put = [&](const auto& c) {
    mu_.AssertHeld();  // called back within this call
    day_.PutRegistry(c);
  };
  if (auto st = store_->ForEachRegistry(put); !st.ok()) {
    return st;
  }
  std::set<std::string> local_only;
  for (const auto& [id, seqs] : by_record_) local_only.insert(id);
  auto st = store_->ForEachState([&](const RecordState& held) {
    mu_.AssertHeld();  // called back within this call
    if (local_only.erase(held.record_id()) == 0) {
      day_.PutRecord(held.record_id(), &held);
      return;
    }
    RecordState s = held;
    for (uint64_t seq : by_record_.at(held.record_id()))
      core::Apply(&s, outbox_.at(seq).mutation());
    day_.PutRecord(s.record_id(), &s);
  });
  if (!st.ok()) return st;
  for (const auto& id : local_only) RefreshLocked(id);
  return absl::OkStatus();
}

void Client::Impl::ReportProgress(const ProgressFn& progress, SyncProgress::Phase phase,
                                  const SyncReport& r, int64_t upload_sent, int64_t upload_total) {
  if (!progress) return;
  SyncProgress p;
  p.phase = phase;
  p.upload_bytes_sent = upload_sent;
  p.upload_bytes_total = upload_total;
  p.pushed = r.pushed + r.duplicates;
  p.rejected = r.rejected;
  p.pulled = r.pulled;
  p.cursor = r.cursor;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [seq, e] : outbox_) p.pending += e.change_seq() == 0 ? 1 : 0;
  }
  progress(p);
}

// Pushes the first batch of pending entries.
absl::Status Client::Impl::PushOnce(SyncReport* report, bool* restamp, uint64_t* reused_after,
                                    bool* more) {
  gridsync::v1::PushRequest req;
  const int batch = std::clamp(opts_.push_batch, 1, kMaxPushBatch);
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [seq, e] : outbox_) {
      if (e.change_seq() != 0) continue;
      if (req.mutations_size() == batch) {
        *more = true;
        break;
      }
      Mutation* m = req.add_mutations();
      *m = e.mutation();
      m->set_device_id(opts_.device_id);  // as the server will fill it in
      if (auto st = core::Sign(signing_key_, m); !st.ok()) return st;
      m->clear_device_id();  // the server fills who wrote it
      m->clear_author();
    }
  }
  req.set_signing_key(signing_key_.public_key);
  if (req.mutations_size() == 0) return absl::OkStatus();
  gridsync::v1::PushResponse resp;
  ++report->push_calls;
  auto st = Exchange(
      "push", [&](grpc::ClientContext* ctx) { return stub_->Push(ctx, req, &resp); }, resp);
  if (!st.ok()) return st;
  if (resp.results_size() != req.mutations_size()) {
    return absl::InternalError(absl::StrCat("push: the server answered ", resp.results_size(),
                                            " results for ", req.mutations_size(), " mutations"));
  }
  std::vector<OutboxEntry> updated;
  std::vector<RejectedMutation> rejected;
  absl::MutexLock lock(&mu_);
  auto restored = SeeEpochLocked(resp.store_epoch(), false, report);
  if (!restored.ok()) return restored.status();
  if (*restored) *more = true;  // what it lost goes again in this sync
  for (const auto& r : resp.results()) {
    auto it = outbox_.find(r.device_seq());
    if (it == outbox_.end()) continue;
    switch (r.outcome()) {
      case gridsync::v1::MUTATION_OUTCOME_APPLIED:
      case gridsync::v1::MUTATION_OUTCOME_DUPLICATE:
        (r.outcome() == gridsync::v1::MUTATION_OUTCOME_APPLIED ? report->pushed
                                                               : report->duplicates)++;
        it->second.set_change_seq(r.change_seq());
        updated.push_back(it->second);
        break;
      case gridsync::v1::MUTATION_OUTCOME_REJECTED:
        if (r.retryable()) {
          *restamp = true;
          break;
        }
        ++report->rejected;
        {
          RejectedMutation rj;
          *rj.mutable_mutation() = it->second.mutation();
          rj.set_code(r.code());
          rj.set_field(r.field());
          rj.set_message(r.message());
          rj.set_rejected_at_ms(wall_());
          rejected.push_back(std::move(rj));
        }
        break;
      case gridsync::v1::MUTATION_OUTCOME_SEQ_REUSED:
        *reused_after = std::max(*reused_after, r.device_high_seq());
        break;
      default:
        return absl::InternalError(absl::StrCat("push: unknown outcome ", r.outcome()));
    }
  }
  if (auto st = store_->CommitPushResults(updated, rejected, offset_ms_); !st.ok()) return st;
  for (const auto& rj : rejected) {
    ForgetLocked(rj.mutation().device_seq());
    RefreshLocked(rj.mutation().record_id());
  }
  return absl::OkStatus();
}

// The server refused stamps ahead of its clock: the offset is already
// corrected, so stamp every pending mutation again, in seq order.
absl::Status Client::Impl::Restamp(SyncReport* report) {
  absl::MutexLock lock(&mu_);
  clock_.Rebase();
  std::vector<OutboxEntry> updated;
  for (auto& [seq, e] : outbox_) {
    if (e.change_seq() != 0) continue;
    e.mutable_mutation()->set_hlc(clock_.Now());
    e.set_restamps(e.restamps() + 1);
    updated.push_back(e);
  }
  report->restamped += static_cast<int64_t>(updated.size());
  // The refused stamps must not come back at the next start (Init observes
  // the stored last stamp).
  auto st = store_->CommitPushResults(updated, {}, offset_ms_, clock_.last());
  for (const auto& e : updated) RefreshLocked(e.mutation().record_id());
  return st;
}

// The server holds our seqs for other mutations: this replica went back in
// time. Every unsent entry gets a new seq past `after` (and past any seq
// this replica handed out), in order; see client_sdk/renumber.h.
absl::Status Client::Impl::Renumber(uint64_t after, SyncReport* report) {
  absl::MutexLock lock(&mu_);
  std::vector<OutboxEntry> unsent;
  std::vector<uint64_t> old_seqs;
  for (const auto& [seq, e] : outbox_) {
    if (e.change_seq() != 0) continue;
    unsent.push_back(e);
    old_seqs.push_back(seq);
  }
  const uint64_t first = std::max(next_seq_, after + 1);
  // A new replica epoch: `after` grows with every push the server applies,
  // so two restores of one copy at different times get different epochs.
  const uint64_t epoch = std::max(after, replica_epoch_ + 1);
  auto pulled = [&](const std::string& id, const std::string& field, const std::string& replica) {
    auto held = store_->GetState(id);
    if (!held.ok() || !held->has_value()) return uint64_t{0};
    for (const auto& r : (*held)->registers()) {
      if (r.field() == field) return core::Covered(r.context(), replica);
    }
    return uint64_t{0};
  };
  std::vector<OutboxEntry> renumbered =
      RenumberOutbox(std::move(unsent), first, epoch, opts_.device_id, pulled);
  const uint64_t next = first + renumbered.size();
  if (auto st = store_->RenumberOutbox(old_seqs, renumbered, next, epoch); !st.ok()) return st;
  replica_epoch_ = epoch;
  for (uint64_t seq : old_seqs) ForgetLocked(seq);
  for (auto& e : renumbered) {
    const uint64_t seq = e.mutation().device_seq();
    const std::string id = e.mutation().record_id();
    by_record_[id].insert(seq);
    outbox_.emplace(seq, std::move(e));
    RefreshLocked(id);
  }
  next_seq_ = next;
  report->renumbered += static_cast<int64_t>(old_seqs.size());
  return absl::OkStatus();
}

absl::Status Client::Impl::PullRegistry(SyncReport* report) {
  uint64_t cursor = 0;
  for (int page = 0; page < 1000000; ++page) {
    gridsync::v1::PullRequest req;
    req.set_cursor(cursor);
    req.set_page_size(std::clamp(opts_.pull_page, 1, kMaxPullPage));
    req.set_registry_only(true);
    gridsync::v1::PullResponse resp;
    ++report->pull_calls;
    auto st = Exchange(
        "pull the registry", [&](grpc::ClientContext* ctx) { return stub_->Pull(ctx, req, &resp); },
        resp);
    if (!st.ok()) return st;
    absl::MutexLock lock(&mu_);
    if (auto st = store_->CommitRegistryPage(resp); !st.ok()) return st;
    for (const auto& c : resp.registry()) day_.PutRegistry(c);
    if (resp.caught_up()) {
      registry_synced_ = true;
      return absl::OkStatus();
    }
    cursor = resp.next_cursor();
  }
  return absl::InternalError("pull the registry: the server never said caught up");
}

absl::StatusOr<bool> Client::Impl::SeeEpochLocked(uint64_t epoch, bool out_of_range,
                                                  SyncReport* report) {
  if (!out_of_range) {
    if (epoch == 0 || epoch == store_epoch_) return false;
    if (store_epoch_ == 0) {  // the first answer: remember it
      store_epoch_ = epoch;
      if (auto st = store_->SetStoreEpoch(epoch); !st.ok()) return st;
      return false;
    }
  }
  std::vector<OutboxEntry> repending;
  for (auto& [seq, e] : outbox_) {
    if (e.change_seq() == 0) continue;
    e.set_change_seq(0);
    repending.push_back(e);
  }
  const uint64_t adopted = out_of_range ? 0 : epoch;
  if (auto st = store_->ResetForRestoredServer(repending, adopted); !st.ok()) return st;
  store_epoch_ = adopted;
  cursor_ = 0;
  registry_synced_ = false;
  refilling_ = true;
  report->repushed += static_cast<int64_t>(repending.size());
  return true;
}

absl::Status Client::Impl::PullAll(SyncReport* report, const ProgressFn& progress, bool* restart) {
  uint64_t cursor;
  bool registry_missing;
  {
    absl::MutexLock lock(&mu_);
    cursor = cursor_;
    registry_missing = !registry_synced_ && cursor_ > 0;
  }
  if (registry_missing) {
    if (auto st = PullRegistry(report); !st.ok()) return st;
  }
  const int page_size = std::clamp(opts_.pull_page, 1, kMaxPullPage);
  for (int page = 0; page < 1000000; ++page) {
    gridsync::v1::PullRequest req;
    req.set_cursor(cursor);
    req.set_page_size(page_size);
    gridsync::v1::PullResponse resp;
    ++report->pull_calls;
    auto st = Exchange(
        "pull", [&](grpc::ClientContext* ctx) { return stub_->Pull(ctx, req, &resp); }, resp);
    if (st.code() == absl::StatusCode::kOutOfRange) {  // our cursor is past its head
      absl::MutexLock lock(&mu_);
      auto restored = SeeEpochLocked(0, /*out_of_range=*/true, report);
      if (!restored.ok()) return restored.status();
      *restart = true;
      return absl::OkStatus();
    }
    if (!st.ok()) return st;
    {
      absl::MutexLock lock(&mu_);
      auto restored = SeeEpochLocked(resp.store_epoch(), false, report);
      if (!restored.ok()) return restored.status();
      if (*restored) {  // this page answered a cursor the restored store never gave
        *restart = true;
        return absl::OkStatus();
      }
    }
    uint64_t max_stamp = 0;
    for (const auto& s : resp.records()) max_stamp = std::max(max_stamp, MaxStamp(s));
    clock_.Observe(max_stamp);
    {
      absl::MutexLock lock(&mu_);
      // Acknowledged entries the server state now holds stop being replayed.
      std::vector<uint64_t> covered;
      for (const auto& [seq, e] : outbox_) {
        if (e.change_seq() != 0 && e.change_seq() <= resp.next_cursor()) covered.push_back(seq);
      }
      if (auto st = store_->CommitPullPage(resp, covered, offset_ms_, refilling_); !st.ok())
        return st;
      std::set<std::string> touched;
      for (uint64_t seq : covered) {
        touched.insert(outbox_.at(seq).mutation().record_id());
        ForgetLocked(seq);
      }
      for (const auto& s : resp.records()) touched.insert(s.record_id());
      for (const auto& id : touched) RefreshLocked(id);
      for (const auto& c : resp.registry()) day_.PutRegistry(c);
      registry_synced_ |= resp.caught_up();
      if (resp.scope_codes_size() > 0) {
        scope_.codes.assign(resp.scope_codes().begin(), resp.scope_codes().end());
        scope_.role = resp.role();
      }
      cursor_ = resp.next_cursor();
      if (resp.retention_days() > 0) retention_days_ = resp.retention_days();
    }
    report->server_release = resp.server_release();
    cursor = resp.next_cursor();
    report->pulled += resp.records_size();
    report->cursor = cursor;
    ReportProgress(progress, SyncProgress::Phase::kPull, *report);
    if (resp.caught_up()) return absl::OkStatus();
  }
  return absl::InternalError("pull: the server never said caught up");
}

absl::Status Client::Impl::RefillAll(SyncReport* report) {
  for (int round = 0; round < 100000; ++round) {
    std::vector<RecordState> batch;
    uint64_t epoch;
    {
      absl::MutexLock lock(&mu_);
      if (!refilling_) return absl::OkStatus();
      auto next = store_->NextRefill(kRefillBatchBytes, kMaxRefillBatch);
      if (!next.ok()) return next.status();
      batch = std::move(*next);
      epoch = store_epoch_;
      if (batch.empty()) {
        refilling_ = false;
        return store_->RefillDone({}, /*all=*/true);
      }
    }
    gridsync::v1::RefillRequest req;
    req.set_store_epoch(epoch);
    std::vector<std::string> ids;
    for (auto& s : batch) {
      ids.push_back(s.record_id());
      *req.add_records() = std::move(s);
    }
    gridsync::v1::RefillResponse resp;
    ++report->refill_calls;
    auto st = Exchange(
        "send back records",
        [&](grpc::ClientContext* ctx) { return stub_->Refill(ctx, req, &resp); }, resp);
    absl::MutexLock lock(&mu_);
    if (st.code() == absl::StatusCode::kFailedPrecondition ||
        st.code() == absl::StatusCode::kUnimplemented) {
      // The server takes none (its window closed, or it was restored again
      // and the next pull finds out): nothing more to send for this restore.
      refilling_ = false;
      return store_->RefillDone({}, /*all=*/true);
    }
    if (!st.ok()) return st;
    if (resp.results_size() != req.records_size()) {
      return absl::InternalError(absl::StrCat("refill: the server answered ", resp.results_size(),
                                              " results for ", req.records_size(), " records"));
    }
    for (const auto& r : resp.results()) {
      if (r.outcome() == gridsync::v1::REFILL_OUTCOME_MERGED) ++report->refilled;
      if (r.outcome() == gridsync::v1::REFILL_OUTCOME_REJECTED) ++report->refill_refused;
      report->refill_held += r.held_for_review();
    }
    if (auto st = store_->RefillDone(ids, /*all=*/false); !st.ok()) return st;
  }
  return absl::InternalError("refill: more rounds than records");
}

absl::StatusOr<SyncReport> Client::Impl::Sync(const ProgressFn& progress, bool pull) {
  absl::MutexLock sync_lock(&sync_mu_);
  if (wiped_) return WipedError();
  auto report = SyncSteps(progress, pull);
  if (!report.ok() && IsWipeOrder(report.status())) return Wipe(report.status());
  return report;
}

absl::Status Client::Impl::Wipe(const absl::Status& order) {
  absl::MutexLock lock(&mu_);
  wiped_ = true;
  outbox_.clear();
  by_record_.clear();
  day_ = DayView();
  store_->PrepareForWipe();
  if (auto st = WipeReplica(opts_.data_dir); !st.ok()) {
    return WithWipeOrder(absl::DataLossError(
        absl::StrCat("this phone was reported lost and erasing its replica failed (", st.message(),
                     "); it is finished at the next open")));
  }
  return WithWipeOrder(absl::PermissionDeniedError(
      absl::StrCat("this phone's replica and attachments were erased: ", order.message())));
}

absl::StatusOr<SyncReport> Client::Impl::SyncSteps(const ProgressFn& progress, bool pull) {
  SyncReport report;
  if (auto st = PushAll(&report, progress); !st.ok()) return st;
  if (pull) {
    // Twice at most: a restored server is found out once, then the outbox
    // goes again and everything is pulled from 0.
    bool restart = false;
    if (auto st = PullAll(&report, progress, &restart); !st.ok()) return st;
    if (restart) {
      if (auto st = PushAll(&report, progress); !st.ok()) return st;
      restart = false;
      if (auto st = PullAll(&report, progress, &restart); !st.ok()) return st;
      if (restart) return absl::InternalError("pull: the server's store changed twice in one sync");
    }
    if (Refilling()) {  // before the marks go: a kill in between requeues at the next sync
      if (auto st = RequeueCachedUploads(); !st.ok()) return st;
    }
    if (auto st = RefillAll(&report); !st.ok()) return st;
    if (auto st = UploadAll(&report, progress); !st.ok()) return st;
    if (auto st = ApplyRetention(&report); !st.ok()) return st;
  }
  ReportProgress(progress, SyncProgress::Phase::kDone, report);
  return report;
}

absl::Status Client::Impl::ApplyRetention(SyncReport* report) {
  if (retention_days_ <= 0) return absl::OkStatus();
  core::PhoneRetention policy;
  policy.left_ms = int64_t{retention_days_} * 86400000;
  const int64_t now = NowMs();
  // Periods are days: one pass an hour (of the server's time) is enough,
  // and a sync need not read the whole replica each time.
  if (last_retention_ms_ != 0 && now - last_retention_ms_ < 3600000 && now >= last_retention_ms_) {
    return absl::OkStatus();
  }
  last_retention_ms_ = now;
  absl::MutexLock lock(&mu_);
  // The registry: who left, and since when (a household from when a pull
  // first brought it as left: LocalStore::LeftMarks).
  const std::map<std::string, int64_t> marks = store_->LeftMarks();
  std::set<std::string> gone;  // household and person ids
  std::vector<gridsync::v1::RegistryChange> entries;
  std::vector<gridsync::v1::RegistryChange> persons;
  auto st = store_->ForEachRegistry([&](const gridsync::v1::RegistryChange& c) {
    if (c.has_household()) {
      const auto mark = marks.find(c.household().household_id());
      if (c.household().status() != gridsync::core::kHouseholdActive && mark != marks.end() &&
          now - mark->second > policy.left_ms) {
        gone.insert(c.household().household_id());
        entries.push_back(c);
      }
    } else if (c.has_person()) {
      persons.push_back(c);
    }
  });
  if (!st.ok()) return st;
  for (const auto& c : persons) {
    const auto& p = c.person();
    const bool ended =
        p.supervised_until_ms() > 0 && now - p.supervised_until_ms() > policy.left_ms;
    if (ended || gone.count(p.household_id())) {
      gone.insert(p.person_id());
      entries.push_back(c);
    }
  }
  // The records: never one with unsent writes.
  std::vector<std::string> forget;
  std::set<std::string> dropped_files, kept_files;
  st = store_->ForEachState([&](const RecordState& s) {
    mu_.AssertHeld();  // called back within this call
    const bool keep = by_record_.count(s.record_id()) > 0 ||
                      core::KeepOnPhone(s, gone.count(s.header().subject_id()) > 0, now, policy);
    for (const auto& ref : core::AttachmentsOf(s)) {
      (keep ? kept_files : dropped_files).insert(ref.sha256());
    }
    if (!keep) forget.push_back(s.record_id());
  });
  if (!st.ok()) return st;
  if (forget.empty() && entries.empty()) return absl::OkStatus();
  if (st = store_->Forget(forget, entries); !st.ok()) return st;
  for (const auto& e : store_->ListUploads()) kept_files.insert(e.sha256());
  for (const auto& sha : dropped_files) {
    if (!kept_files.count(sha)) files_->Remove(sha);
  }
  report->forgotten += static_cast<int64_t>(forget.size() + entries.size());
  day_ = DayView();
  return LoadDayLocked();
}

absl::Status Client::Impl::PushAll(SyncReport* report, const ProgressFn& progress) {
  SyncReport& r = *report;
  int restamp_rounds = 0;
  // Bounded: each round acks or rejects a batch, or re-stamps (at most
  // max_restamp_rounds times); writes arriving meanwhile join the next sync.
  size_t rounds_left;
  {
    absl::MutexLock lock(&mu_);
    const size_t batch = static_cast<size_t>(std::clamp(opts_.push_batch, 1, kMaxPushBatch));
    rounds_left = outbox_.size() / batch + 2 + static_cast<size_t>(opts_.max_restamp_rounds);
  }
  int renumber_rounds = 0;
  for (; rounds_left > 0; --rounds_left) {
    bool restamp = false, more = false;
    uint64_t reused_after = 0;
    if (auto st = PushOnce(&r, &restamp, &reused_after, &more); !st.ok()) return st;
    ReportProgress(progress, SyncProgress::Phase::kPush, r);
    if (reused_after > 0) {
      // Once is enough: the new seqs are past the server's highest. A
      // server that answers so again is not one this replica can trust.
      if (++renumber_rounds > 2) {
        return absl::InternalError(
            "the server keeps answering that this device's seqs are in use after renumbering");
      }
      if (auto st = Renumber(reused_after, &r); !st.ok()) return st;
      ++rounds_left;
      continue;
    }
    if (restamp) {
      if (++restamp_rounds > opts_.max_restamp_rounds) {
        return absl::FailedPreconditionError(
            absl::StrCat("the server keeps refusing this phone's clock after ",
                         opts_.max_restamp_rounds, " re-stamps; check the phone's date and time"));
      }
      if (auto st = Restamp(&r); !st.ok()) return st;
      continue;
    }
    if (!more) break;
  }
  return absl::OkStatus();
}

bool Client::Impl::HasUnackedLocked(const std::string& record_id) const {
  auto it = by_record_.find(record_id);
  if (it == by_record_.end()) return false;
  for (uint64_t seq : it->second) {
    auto e = outbox_.find(seq);
    if (e != outbox_.end() && e->second.change_seq() == 0) return true;
  }
  return false;
}

absl::Status Client::Impl::RequeueCachedUploads() {
  std::set<std::string> queued;
  for (const auto& e : store_->ListUploads()) queued.insert(e.sha256());
  std::vector<gridsync::v1::UploadEntry> entries;
  auto st = store_->ForEachState([&](const RecordState& held) {
    for (const auto& ref : core::AttachmentsOf(held)) {
      if (!files_->Has(ref.sha256()) || !queued.insert(ref.sha256()).second) continue;
      auto& e = entries.emplace_back();
      e.set_record_id(held.record_id());
      e.set_sha256(ref.sha256());
      e.set_size(ref.size());
      e.set_content_type(ref.content_type());
      e.set_attached_at_ms(NowMs());
    }
  });
  if (!st.ok()) return st;
  for (const auto& e : entries) {
    if (auto put = store_->PutUpload(e); !put.ok()) return put;
  }
  return absl::OkStatus();
}

void Client::Impl::TrimCache(const std::string& keep) {
  std::set<std::string> pinned;
  for (const auto& e : store_->ListUploads()) pinned.insert(e.sha256());
  if (!keep.empty()) pinned.insert(keep);
  files_->Evict(pinned, opts_.attachment_cache_bytes);
}

absl::Status Client::Impl::UploadAll(SyncReport* report, const ProgressFn& progress) {
  std::vector<gridsync::v1::UploadEntry> queue;
  int64_t total = 0;
  for (auto& e : store_->ListUploads()) {
    if (e.refused_code() != 0) continue;
    absl::MutexLock lock(&mu_);
    if (HasUnackedLocked(e.record_id())) {  // the server must hold the reference first
      ++report->attachments_waiting;
      continue;
    }
    total += e.size();
    queue.push_back(std::move(e));
  }
  if (opts_.attachments_unmetered_only && metered_) {
    report->attachments_waiting += static_cast<int64_t>(queue.size());
    return absl::OkStatus();
  }
  int64_t sent = 0;
  for (size_t i = 0; i < queue.size(); ++i) {
    auto& e = queue[i];
    absl::Status st = blobs_->Upload(e, [&](int64_t n) {
      sent += n;
      report->attachment_bytes_sent += n;
      ReportProgress(progress, SyncProgress::Phase::kUpload, *report, sent, total);
    });
    if (st.ok()) {
      ++report->attachments_uploaded;
      if (auto d = store_->DeleteUpload(e.sha256()); !d.ok()) return d;
      continue;
    }
    if (IsBreak(st) || absl::IsCancelled(st)) {
      report->attachments_waiting += static_cast<int64_t>(queue.size() - i);
      return st;
    }
    if (absl::IsResourceExhausted(st)) {  // the day's quota, or the server's disk: later
      report->attachments_waiting += static_cast<int64_t>(queue.size() - i);
      break;
    }
    // Lasting: a type or size the server does not take, a record it
    // refused, a damaged copy here. Kept for the app to show.
    ++report->attachments_refused;
    e.set_refused_code(static_cast<int32_t>(st.code()));
    e.set_message(std::string(st.message()));
    if (auto put = store_->PutUpload(e); !put.ok()) return put;
  }
  TrimCache();
  return absl::OkStatus();
}

absl::StatusOr<gridsync::v1::PhotoRef> Client::Impl::Attach(const std::string& record_id,
                                                            std::string_view bytes,
                                                            const AttachOptions& o) {
  if (auto st = CheckAttachmentSize(static_cast<int64_t>(bytes.size())); !st.ok()) return st;
  const std::string sniffed = core::SniffContentType(bytes.substr(0, 16));
  if (sniffed.empty()) {
    return absl::InvalidArgumentError("only JPEG and PNG photos and PDF documents can be attached");
  }
  if (!o.content_type.empty() && o.content_type != sniffed) {
    return absl::InvalidArgumentError(
        absl::StrCat("the file is ", sniffed, ", not ", o.content_type.substr(0, 64)));
  }
  auto view = View(record_id);
  if (!view.ok()) return view.status();
  if (!view->has_value()) {
    return absl::NotFoundError(absl::StrCat("record ", record_id, " is not on this phone"));
  }
  const core::KindSchema* schema = core::SchemaFor((*view)->header().kind());
  std::string log;
  for (const auto& [name, spec] : schema ? schema->fields : decltype(schema->fields){}) {
    if (spec.role == core::FieldRole::kLog &&
        spec.field->message_type() == gridsync::v1::PhotoRef::descriptor()) {
      log = name;
    }
  }
  if (log.empty()) return absl::InvalidArgumentError("this kind of record takes no attachments");

  gridsync::v1::PhotoRef ref;
  ref.set_size(static_cast<int64_t>(bytes.size()));
  ref.set_content_type(sniffed);
  ref.set_file_name(std::filesystem::path(o.file_name).filename().string());
  ref.set_caption(o.caption);
  ref.set_purpose(o.purpose);
  ref.set_taken_at_ms(o.taken_at_ms > 0 ? o.taken_at_ms : NowMs());
  auto sha = files_->Put(bytes);
  if (!sha.ok()) return sha.status();
  ref.set_sha256(*sha);
  if (auto bad = core::CheckPhotoRef(ref)) return absl::InvalidArgumentError(*bad);
  // The upload is queued before the reference is written: a reference the
  // server holds always has its bytes on their way.
  gridsync::v1::UploadEntry entry;
  entry.set_record_id(record_id);
  entry.set_sha256(*sha);
  entry.set_size(ref.size());
  entry.set_content_type(ref.content_type());
  entry.set_attached_at_ms(NowMs());
  if (auto st = store_->PutUpload(entry); !st.ok()) return st;
  if (auto appended = AppendLog(record_id, log, ref); !appended.ok()) {
    store_->DeleteUpload(*sha).IgnoreError();
    return appended.status();
  }
  return ref;
}

absl::StatusOr<std::string> Client::Impl::Fetch(
    const std::string& record_id, const std::string& sha256,
    const std::function<void(int64_t, int64_t)>& progress) {
  auto view = View(record_id);
  if (!view.ok()) return view.status();
  std::optional<gridsync::v1::PhotoRef> ref;
  if (view->has_value()) {
    for (auto& r : core::AttachmentsOf(**view)) {
      if (r.sha256() == sha256) ref = std::move(r);
    }
  }
  if (!ref) {
    return absl::NotFoundError(absl::StrCat(
        "record ", record_id, " on this phone has no attachment ", sha256.substr(0, 64)));
  }
  absl::MutexLock one_at_a_time(&fetch_mu_);
  if (files_->Has(sha256)) {
    if (files_->Intact(sha256)) {  // handed out only as the record names it
      files_->Touch(sha256);
      return files_->Path(sha256);
    }
    files_->Remove(sha256);  // damaged or changed on the phone: fetched again
  }
  if (auto st = blobs_->Download(record_id, *ref, progress); !st.ok()) return st;
  TrimCache(sha256);
  return files_->Path(sha256);
}

std::vector<std::string> Client::Impl::List(const RecordFilter& f) const {
  std::vector<std::string> out;
  if (wiped_) return out;
  auto keep = [&](const RecordState& s) {
    if (s.header().kind() == gridsync::v1::RECORD_KIND_UNSPECIFIED) return false;
    if (f.kind != gridsync::v1::RECORD_KIND_UNSPECIFIED && s.header().kind() != f.kind)
      return false;
    if (!f.grid_code.empty() && s.header().grid_code() != f.grid_code) return false;
    if (!f.include_voided && s.has_void_mark()) return false;
    if (f.conflicts_only && !core::HasConflict(s)) return false;
    return true;
  };
  absl::MutexLock lock(&mu_);
  std::set<std::string> local_only;
  for (const auto& [id, seqs] : by_record_) local_only.insert(id);
  auto st = store_->ForEachState([&](const RecordState& held) {
    mu_.AssertHeld();  // called back within this call
    if (local_only.erase(held.record_id()) == 0) {
      if (keep(held)) out.push_back(held.record_id());
      return;
    }
    RecordState s = held;
    for (uint64_t seq : by_record_.at(held.record_id()))
      core::Apply(&s, outbox_.at(seq).mutation());
    if (keep(s)) out.push_back(s.record_id());
  });
  (void)st;  // a replica that does not parse shows what does
  for (const auto& id : local_only) {
    RecordState s;
    for (uint64_t seq : by_record_.at(id)) core::Apply(&s, outbox_.at(seq).mutation());
    if (keep(s)) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

ClientStats Client::Impl::Stats() const {
  ClientStats s;
  if (wiped_) return s;
  s.records = store_->CountStates();
  s.rejected = static_cast<int64_t>(store_->ListRejected().size());
  absl::MutexLock lock(&mu_);
  for (const auto& [seq, e] : outbox_) (e.change_seq() == 0 ? s.pending : s.acked_unpulled)++;
  s.cursor = cursor_;
  s.clock_offset_ms = offset_ms_;
  return s;
}

// --- Client -----------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Client>> Client::Open(ClientOptions options) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("data_dir is empty");
  if (options.server_address.empty()) return absl::InvalidArgumentError("server_address is empty");
  if (options.device_id.empty() || options.token.empty()) {
    return absl::InvalidArgumentError("device_id and token are required: enrol the phone first");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", options.data_dir, ": ", ec.message()));
  }
  auto disk = OpenReplicaDisk(options.data_dir, options.replica_key);
  if (!disk.ok()) return disk.status();
  auto store = LocalStore::Open(options.data_dir, disk->env.get());
  if (!store.ok()) return store.status();
  auto wall =
      options.wall_clock ? options.wall_clock : std::function<int64_t()>(core::SystemWallMs);
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*disk), std::move(*store), wall);
  if (auto st = impl->Init(); !st.ok()) return st;
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() { impl_->StopBackground(); }

absl::StatusOr<std::string> Client::Create(gridsync::v1::RecordKind kind,
                                           const std::string& grid_code,
                                           const std::string& subject_id,
                                           const std::vector<Field>& fields) {
  const std::string id = impl_->NewId();
  auto st = impl_->Write(
      id,
      [&](const RecordState&, Mutation* m) {
        auto* c = m->mutable_create();
        c->set_subject_id(subject_id);
        for (const auto& f : fields) {
          auto* w = c->add_fields();
          w->set_field(f.name);
          *w->mutable_value() = f.value;
        }
        return absl::OkStatus();
      },
      /*create=*/true, kind, grid_code);
  if (!st.ok()) return st;
  return id;
}

namespace {
// The fields a proposal sets, as a create writes them: every field that is
// set but the subject and the decision's.
std::vector<Field> ProposalFields(const gridsync::v1::RegistryProposal& p) {
  std::vector<Field> out;
  std::vector<const google::protobuf::FieldDescriptor*> set;
  p.GetReflection()->ListFields(p, &set);
  for (const auto* f : set) {
    if (f->name() == "household_id" || f->name() == "decision" || f->name() == "decision_note") {
      continue;
    }
    gridsync::v1::FieldValue v;
    const auto* refl = p.GetReflection();
    switch (f->cpp_type()) {
      case google::protobuf::FieldDescriptor::CPPTYPE_STRING:
        v.set_string_value(refl->GetString(p, f));
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_BOOL:
        v.set_bool_value(refl->GetBool(p, f));
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_ENUM:
        v.set_int_value(refl->GetEnumValue(p, f));
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_INT32:
        v.set_int_value(refl->GetInt32(p, f));
        break;
      default:
        continue;
    }
    out.push_back({f->name(), std::move(v)});
  }
  return out;
}
}  // namespace

absl::StatusOr<std::string> Client::Propose(const std::string& grid_code,
                                            const gridsync::v1::RegistryProposal& proposal) {
  if (proposal.decision() != gridsync::core::kProposalPending) {
    return absl::InvalidArgumentError("propose first; decide with Decide");
  }
  return Create(gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL, grid_code, proposal.household_id(),
                ProposalFields(proposal));
}

absl::Status Client::Decide(const std::string& proposal_id, bool approve, const std::string& note) {
  const DeviceScope scope = Scope();
  if (scope.role == gridsync::v1::ROLE_UNSPECIFIED) {
    return absl::FailedPreconditionError("sync once first: the phone does not know its role yet");
  }
  if (!core::MayDecide(scope.role)) {
    return absl::PermissionDeniedError(
        absl::StrCat("only a village secretary or the town office decides a registry proposal; "
                     "this phone is a ",
                     gridsync::v1::Role_Name(scope.role)));
  }
  auto view = Get(proposal_id);
  if (!view.ok()) return view.status();
  if (view->kind() != gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL) {
    return absl::InvalidArgumentError(absl::StrCat(proposal_id, " is not a registry proposal"));
  }
  // The note first: nothing is written to a decided proposal.
  if (!note.empty()) {
    gridsync::v1::FieldValue v;
    v.set_string_value(note);
    if (auto st = SetField(proposal_id, "decision_note", v); !st.ok()) return st;
  }
  gridsync::v1::FieldValue d;
  d.set_int_value(approve ? gridsync::v1::PROPOSAL_DECISION_APPROVED
                          : gridsync::v1::PROPOSAL_DECISION_REJECTED);
  return SetField(proposal_id, "decision", d);
}

absl::StatusOr<gridsync::v1::ProposalList> Client::ListProposals(const std::string& scope_code,
                                                                 bool pending_only, int offset,
                                                                 int limit) const {
  return impl_->Day(scope_code, offset, limit, [&](const DayView& d) {
    return d.Proposals(scope_code, pending_only, offset, limit);
  });
}

absl::Status Client::SetField(const std::string& record_id, const std::string& field,
                              const gridsync::v1::FieldValue& value) {
  return impl_->Write(
      record_id,
      [&](const RecordState& cur, Mutation* m) {
        auto* sf = m->mutable_set_field();
        sf->set_field(field);
        *sf->mutable_value() = value;
        for (const auto& r : cur.registers()) {
          if (r.field() == field) *sf->mutable_seen() = r.context();  // saw every sibling
        }
        return absl::OkStatus();
      },
      false);
}

absl::Status Client::ChooseSibling(const std::string& record_id, const std::string& field,
                                   int index) {
  auto rec = Get(record_id);
  if (!rec.ok()) return rec.status();
  for (const auto& c : rec->conflicts()) {
    if (c.field() != field) continue;
    if (index < 0 || index >= c.siblings_size()) {
      return absl::OutOfRangeError(absl::StrCat(
          field, " has ", c.siblings_size(), " values in conflict; index ", index, " is not one"));
    }
    return SetField(record_id, field, c.siblings(index).value());
  }
  return absl::FailedPreconditionError(
      absl::StrCat(field, " of ", record_id, " is not in conflict (any more)"));
}

absl::StatusOr<std::string> Client::AppendLog(const std::string& record_id, const std::string& log,
                                              const google::protobuf::Message& payload) {
  return impl_->AppendLog(record_id, log, payload);
}

absl::StatusOr<gridsync::v1::PhotoRef> Client::AttachBytes(const std::string& record_id,
                                                           std::string_view bytes,
                                                           const AttachOptions& options) {
  return impl_->Attach(record_id, bytes, options);
}

absl::StatusOr<gridsync::v1::PhotoRef> Client::AttachFile(const std::string& record_id,
                                                          const std::string& path,
                                                          const AttachOptions& options) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", ec.message()));
  if (auto st = impl_->CheckAttachmentSize(static_cast<int64_t>(size)); !st.ok()) return st;
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  AttachOptions o = options;
  if (o.file_name.empty()) o.file_name = std::filesystem::path(path).filename().string();
  return impl_->Attach(record_id, bytes, o);
}

std::vector<gridsync::v1::UploadEntry> Client::PendingUploads() const {
  if (impl_->wiped()) return {};
  return impl_->store().ListUploads();
}

void Client::SetNetworkMetered(bool metered) { impl_->SetMetered(metered); }

absl::StatusOr<std::string> Client::FetchAttachment(
    const std::string& record_id, const std::string& sha256,
    const std::function<void(int64_t, int64_t)>& progress) {
  if (impl_->wiped()) return Impl::WipedError();
  if (impl_->encrypted()) {
    return absl::FailedPreconditionError(
        "the replica is encrypted: its attachment files are ciphertext; read the bytes with "
        "ReadAttachment");
  }
  return impl_->Fetch(record_id, sha256, progress);
}

absl::StatusOr<std::string> Client::ReadAttachment(
    const std::string& record_id, const std::string& sha256,
    const std::function<void(int64_t, int64_t)>& progress) {
  if (impl_->wiped()) return Impl::WipedError();
  auto path = impl_->Fetch(record_id, sha256, progress);
  if (!path.ok()) return path.status();
  return impl_->ReadFile(sha256);
}

absl::Status Client::Rekey(const std::string& data_dir, const std::string& old_key,
                           const std::string& new_key) {
  return RekeyReplica(data_dir, old_key, new_key);
}

absl::Status Client::SetStatus(const std::string& record_id, gridsync::v1::CaseStatus status) {
  return impl_->Write(
      record_id,
      [&](const RecordState& cur, Mutation* m) {
        m->mutable_set_status()->set_status(status);
        m->mutable_set_status()->set_epoch(core::StatusEpochFor(cur.status()));
        return absl::OkStatus();
      },
      false);
}

absl::Status Client::Reopen(const std::string& record_id, gridsync::v1::CaseStatus to_status,
                            const std::string& reason) {
  return impl_->Write(
      record_id,
      [&](const RecordState& cur, Mutation* m) {
        auto* r = m->mutable_reopen();
        r->set_seen_status(core::DisplayStatus(cur.status()));
        r->set_seen_epoch(cur.status().epoch());
        r->set_to_status(to_status);
        r->set_reason(reason);
        return absl::OkStatus();
      },
      false);
}

absl::Status Client::Void(const std::string& record_id, const std::string& reason) {
  return impl_->Write(
      record_id,
      [&](const RecordState&, Mutation* m) {
        m->mutable_void_record()->set_reason(reason);
        return absl::OkStatus();
      },
      false);
}

absl::StatusOr<gridsync::v1::RecordState> Client::GetState(const std::string& record_id) const {
  auto s = impl_->View(record_id);
  if (!s.ok()) return s.status();
  if (!s->has_value() || (*s)->header().kind() == gridsync::v1::RECORD_KIND_UNSPECIFIED) {
    return absl::NotFoundError(absl::StrCat("record ", record_id, " is not on this phone"));
  }
  return std::move(**s);
}

absl::StatusOr<gridsync::v1::Record> Client::Get(const std::string& record_id) const {
  auto s = GetState(record_id);
  if (!s.ok()) return s.status();
  return core::BuildView(*s);
}

std::vector<std::string> Client::List(const RecordFilter& filter) const {
  return impl_->List(filter);
}

DeviceScope Client::Scope() const { return impl_->Scope(); }
std::vector<gridsync::v1::OrgUnit> Client::OrgUnits() const { return impl_->OrgUnits(); }

absl::StatusOr<gridsync::v1::ListSurveyFormsResponse> Client::SurveyForms() const {
  auto forms = impl_->SurveyForms();
  if (!forms.ok()) return forms.status();
  gridsync::v1::ListSurveyFormsResponse out;
  for (auto& f : *forms) *out.add_forms() = std::move(f);
  return out;
}

absl::StatusOr<gridsync::v1::HouseholdList> Client::ListHouseholds(const std::string& scope_code,
                                                                   const std::string& month,
                                                                   int offset, int limit) const {
  gridsync::v1::Period period;
  period.set_month(month);
  auto q = core::ResolvePeriod(period, NowMs());
  if (!q.ok()) return q.status();
  return impl_->Day(scope_code, offset, limit, [&](const DayView& d) {
    return d.Households(scope_code, q->from_ms, q->to_ms, offset, limit);
  });
}

absl::StatusOr<gridsync::v1::DueCheckList> Client::ListDueChecks(const std::string& scope_code,
                                                                 int within_days, int offset,
                                                                 int limit) const {
  if (within_days < 0 || within_days > 366) {
    return absl::InvalidArgumentError(
        absl::StrCat("within_days must be 0..366; got ", within_days));
  }
  const int64_t now = NowMs();
  return impl_->Day(scope_code, offset, limit, [&](const DayView& d) {
    return d.DueChecks(scope_code, now, within_days, offset, limit);
  });
}

absl::StatusOr<gridsync::v1::CaseList> Client::ListOpenCases(const std::string& scope_code,
                                                             int offset, int limit) const {
  const int64_t now = NowMs();
  return impl_->Day(scope_code, offset, limit,
                    [&](const DayView& d) { return d.Cases(scope_code, now, offset, limit); });
}

absl::StatusOr<gridsync::v1::GetCoverageResponse> Client::GetCoverage(
    const std::string& scope_code, const std::string& month) const {
  gridsync::v1::Period period;
  period.set_month(month);
  auto q = core::ResolvePeriod(period, NowMs());
  if (!q.ok()) return q.status();
  return impl_->Day(scope_code, 0, 1,
                    [&](const DayView& d) { return d.GetCoverage(scope_code, *q); });
}

std::vector<RejectedMutation> Client::Rejected() const {
  if (impl_->wiped()) return {};
  return impl_->store().ListRejected();
}
bool Client::Wiped() const { return impl_->wiped(); }

absl::Status Client::DismissRejected(uint64_t device_seq) {
  if (impl_->wiped()) return Impl::WipedError();
  return impl_->store().DeleteRejected(device_seq);
}

ClientStats Client::Stats() const { return impl_->Stats(); }
int64_t Client::NowMs() const { return impl_->NowMs(); }

absl::StatusOr<SyncReport> Client::Sync(const ProgressFn& progress) {
  return impl_->Sync(progress, /*pull=*/true);
}

absl::StatusOr<SyncReport> Client::Push(const ProgressFn& progress) {
  return impl_->Sync(progress, /*pull=*/false);
}

void Client::StartBackground(BackgroundOptions options) {
  impl_->StartBackground(std::move(options));
}

void Client::StopBackground() { impl_->StopBackground(); }

}  // namespace gridsync::sdk
