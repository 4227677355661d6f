#include "client_sdk/replica.h"

#include <algorithm>

#include "client_sdk/renumber.h"
#include "client_sdk/replica_disk.h"
#include "common/grpc_status.h"
#include "core/ids.h"
#include "core/merge.h"
#include "core/role_rules.h"
#include "core/task.h"
#include "core/utf8.h"
#include "core/validate.h"
#include "core/verification.h"
#include "core/view.h"

namespace gridsync::sdk {

using gridsync::v1::Mutation;
using gridsync::v1::OutboxEntry;
using gridsync::v1::RecordState;
using gridsync::v1::RejectedMutation;

namespace {

uint64_t MaxStamp(const RecordState& s) {
  uint64_t m = s.header().created_hlc();
  for (const auto& r : s.registers()) {
    for (const auto& sib : r.siblings()) m = std::max(m, sib.hlc());
  }
  return m;
}

}  // namespace

Replica::Replica(std::unique_ptr<LocalStore> store, core::HybridClock* clock, Writer writer)
    : store_(std::move(store)),
      clock_(clock),
      writer_(std::move(writer)),
      rng_(std::random_device{}()) {}

absl::Status Replica::Load(const LocalMeta& meta) {
  auto outbox = store_->LoadOutbox();
  if (!outbox.ok()) return outbox.status();
  absl::MutexLock lock(&mu_);  // nobody else holds the replica yet; the fields' rule all the same
  next_seq_ = meta.next_seq;
  uint64_t hlc_last = meta.hlc_last;
  for (auto& [seq, e] : *outbox) {
    next_seq_ = std::max(next_seq_, seq + 1);  // never hand out a seq twice
    hlc_last = std::max<uint64_t>(hlc_last, e.mutation().hlc());
    outbox_.Add(std::move(e));
  }
  for (const auto& r : store_->ListRejected()) {
    next_seq_ = std::max<uint64_t>(next_seq_, r.mutation().device_seq() + 1);
  }
  cursor_ = meta.cursor;
  registry_synced_ = meta.registry_synced;
  refilling_ = meta.refilling;
  store_epoch_ = meta.store_epoch;
  scope_.codes = meta.scope_codes;
  scope_.role = static_cast<gridsync::v1::Role>(meta.role);
  replica_epoch_ = meta.replica_epoch;
  clock_->set_offset_ms(meta.clock_offset_ms);
  clock_->Observe(hlc_last);
  return LoadDayLocked();
}

// --- The app's side ---------------------------------------------------------

std::string Replica::NewId() {
  absl::MutexLock lock(&mu_);
  return core::NewUlid(clock_->WallMs(), rng_);
}

// What the record as this phone holds it forbids beyond core's checks: a
// task step that does not fit its state (the person pulls and decides
// again), a verification of the phone's own visit (core::OwnVisitRefusal).
absl::Status Replica::CheckAgainstHeld(const RecordState& current, const Mutation& m) const {
  if (m.kind() == gridsync::v1::RECORD_KIND_TASK && m.has_append_log() &&
      m.append_log().log() == "steps") {
    gridsync::v1::TaskStep step;
    step.ParseFromString(m.append_log().payload());
    const gridsync::v1::TaskState state = core::TaskItemOf(current).state();
    if (!core::TaskStepFits(state, step.action())) {
      return absl::FailedPreconditionError(
          absl::StrCat("task ", m.record_id(), " is ", gridsync::v1::TaskState_Name(state), "; ",
                       gridsync::v1::TaskAction_Name(step.action()), " does not apply to it"));
    }
  }
  if (core::IsVerification(m)) {
    if (auto why = core::OwnVisitRefusal(current, writer_.device_id)) {
      return absl::PermissionDeniedError(*why);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Mutation> Replica::BuildLocked(const std::string& record_id, const Builder& build,
                                              bool create, gridsync::v1::RecordKind kind,
                                              const std::string& grid) {
  auto cur = ViewLocked(record_id);
  if (!cur.ok()) return cur.status();
  const RecordState current = cur->value_or(RecordState());
  if (!create && current.header().kind() == gridsync::v1::RECORD_KIND_UNSPECIFIED) {
    return absl::NotFoundError(
        absl::StrCat("record ", record_id, " is not on this phone; sync to fetch it"));
  }
  Mutation m;
  m.set_device_seq(next_seq_);
  m.set_record_id(record_id);
  m.set_kind(create ? kind : current.header().kind());
  m.set_grid_code(create ? grid : current.header().grid_code());
  m.set_device_id(writer_.device_id);
  m.set_author(writer_.author);
  m.set_replica_epoch(replica_epoch_);
  if (auto st = build(current, &m); !st.ok()) return st;
  m.set_hlc(clock_->Now());
  if (auto v = core::ValidateMutation(m)) {
    return absl::InvalidArgumentError(absl::StrCat(v->field, ": ", v->message));
  }
  // Who writes what is the server's rule too (core/role_rules.h); refused
  // here, the person learns it before going offline with the write.
  if (m.kind() == gridsync::v1::RECORD_KIND_TASK && scope_.role == gridsync::v1::ROLE_UNSPECIFIED) {
    return absl::FailedPreconditionError(
        "sync once first: the phone does not know its role yet, and a task is written by "
        "the town office or its village only");
  }
  if (auto v = core::RoleWriteRefusal(scope_.role, m)) {
    return absl::PermissionDeniedError(absl::StrCat(v->field, ": ", v->message));
  }
  if (auto st = CheckAgainstHeld(current, m); !st.ok()) return st;
  // Text enters here: what is not UTF-8 never reaches the outbox, where it
  // would block the push of everything behind it.
  if (auto bad = core::FindInvalidUtf8(m)) {
    return absl::InvalidArgumentError(absl::StrCat(bad->path, ": ", bad->message));
  }
  // The server's clock as this phone knows it (the offset from its last
  // answer): a time typed from a clock far ahead is refused now, while the
  // worker can still correct it, not later by the server.
  if (auto v = core::CheckDomainTimes(m, clock_->WallMs(), core::kDefaultMaxSkewMs)) {
    return absl::InvalidArgumentError(absl::StrCat(v->field, ": ", v->message));
  }
  if (auto st = core::CheckAgainstState(current, m); !st.ok()) return st;
  return m;
}

absl::Status Replica::Write(const std::string& record_id, const Builder& build, bool create,
                            gridsync::v1::RecordKind kind, const std::string& grid) {
  absl::Status st;
  {
    absl::MutexLock lock(&mu_);
    st = WriteLocked(record_id, build, create, kind, grid);
  }
  if (st.ok() && writer_.written) writer_.written();
  return st;
}

absl::Status Replica::WriteLocked(const std::string& record_id, const Builder& build, bool create,
                                  gridsync::v1::RecordKind kind, const std::string& grid) {
  if (wiped_) return WipedError();
  auto m = BuildLocked(record_id, build, create, kind, grid);
  if (!m.ok()) return m.status();
  OutboxEntry e;
  *e.mutable_mutation() = std::move(*m);
  e.set_written_at_ms(writer_.wall());
  const uint64_t hlc = e.mutation().hlc();
  if (auto st = store_->AppendOutbox(e, next_seq_ + 1, hlc, writer_.durable_writes); !st.ok()) {
    return st;
  }
  ++next_seq_;
  outbox_.Add(std::move(e));
  RefreshLocked(record_id);
  return absl::OkStatus();
}

absl::StatusOr<std::string> Replica::AppendLog(const std::string& record_id, const std::string& log,
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

absl::StatusOr<std::optional<RecordState>> Replica::View(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  return ViewLocked(id);
}

absl::StatusOr<std::optional<RecordState>> Replica::ViewLocked(const std::string& id) const {
  if (wiped_) return WipedError();
  auto held = store_->GetState(id);
  if (!held.ok()) return held.status();
  if (!outbox_.Holds(id)) return held;
  RecordState s = held->has_value() ? std::move(**held) : RecordState();
  outbox_.Replay(id, &s);
  return std::optional<RecordState>(std::move(s));
}

void Replica::ForEachViewLocked(const std::function<void(const RecordState&)>& fn) const {
  std::set<std::string> local_only = outbox_.RecordIds();
  auto st = store_->ForEachState([&](const RecordState& held) {
    mu_.AssertHeld();  // called back within this call
    if (local_only.erase(held.record_id()) == 0) return fn(held);
    RecordState s = held;
    outbox_.Replay(held.record_id(), &s);
    fn(s);
  });
  (void)st;  // a replica that does not parse shows what does
  for (const auto& id : local_only) {
    RecordState s;
    outbox_.Replay(id, &s);
    fn(s);
  }
}

std::vector<std::string> Replica::List(const RecordFilter& f) const {
  std::vector<std::string> out;
  if (wiped_) return out;
  absl::MutexLock lock(&mu_);
  ForEachViewLocked([&](const RecordState& s) {
    if (s.header().kind() == gridsync::v1::RECORD_KIND_UNSPECIFIED) return;
    if (f.kind != gridsync::v1::RECORD_KIND_UNSPECIFIED && s.header().kind() != f.kind) return;
    if (!f.grid_code.empty() && s.header().grid_code() != f.grid_code) return;
    if (!f.include_voided && s.has_void_mark()) return;
    if (f.conflicts_only && !core::HasConflict(s)) return;
    out.push_back(s.record_id());
  });
  std::sort(out.begin(), out.end());
  return out;
}

ClientStats Replica::Stats() const {
  ClientStats s;
  if (wiped_) return s;
  s.records = store_->CountStates();
  s.rejected = static_cast<int64_t>(store_->ListRejected().size());
  absl::MutexLock lock(&mu_);
  s.pending = outbox_.CountPending();
  s.acked_unpulled = static_cast<int64_t>(outbox_.size()) - s.pending;
  s.cursor = cursor_;
  s.clock_offset_ms = clock_->offset_ms();
  return s;
}

DeviceScope Replica::Scope() const {
  absl::MutexLock lock(&mu_);
  return scope_;
}

std::vector<gridsync::v1::OrgUnit> Replica::OrgUnits() const {
  absl::MutexLock lock(&mu_);
  return day_.Units();
}

absl::StatusOr<std::vector<gridsync::v1::SurveyForm>> Replica::SurveyForms() const {
  absl::MutexLock lock(&mu_);
  if (wiped_) return WipedError();
  return day_.SurveyForms();
}

absl::Status Replica::WipedError() {
  return WithWipeOrder(absl::PermissionDeniedError(
      "this phone was reported lost: its replica and attachments were erased; enrol it again"));
}

absl::Status Replica::Wipe(const std::string& data_dir, const absl::Status& order) {
  absl::MutexLock lock(&mu_);
  wiped_ = true;
  outbox_.Clear();
  day_ = DayView();
  store_->PrepareForWipe();
  if (auto st = WipeReplica(data_dir); !st.ok()) {
    return WithWipeOrder(absl::DataLossError(
        absl::StrCat("this phone was reported lost and erasing its replica failed (", st.message(),
                     "); it is finished at the next open")));
  }
  return WithWipeOrder(absl::PermissionDeniedError(
      absl::StrCat("this phone's replica and attachments were erased: ", order.message())));
}

// --- The day view -----------------------------------------------------------

void Replica::RefreshLocked(const std::string& record_id) {
  auto view = ViewLocked(record_id);
  if (!view.ok()) return;  // unreadable: counted as it was
  day_.PutRecord(record_id, view->has_value() ? &**view : nullptr);
}

void Replica::RefreshAllLocked(const std::set<std::string>& ids) {
  for (const auto& id : ids) RefreshLocked(id);
}

absl::Status Replica::LoadDayLocked() {
  auto st = store_->ForEachRegistry([&](const auto& c) {
    mu_.AssertHeld();  // called back within this call
    day_.PutRegistry(c);
  });
  if (!st.ok()) return st;
  ForEachViewLocked([&](const RecordState& s) {
    mu_.AssertHeld();  // called back within this call
    day_.PutRecord(s.record_id(), &s);
  });
  return absl::OkStatus();
}

// --- The sync's side: push --------------------------------------------------

std::vector<Mutation> Replica::PendingBatch(int max, bool* more) const {
  absl::MutexLock lock(&mu_);
  return outbox_.PendingBatch(max, more);
}

int64_t Replica::PendingCount() const {
  absl::MutexLock lock(&mu_);
  return outbox_.CountPending();
}

size_t Replica::OutboxSize() const {
  absl::MutexLock lock(&mu_);
  return outbox_.size();
}

bool Replica::HasUnacked(const std::string& record_id) const {
  absl::MutexLock lock(&mu_);
  return outbox_.HasPending(record_id);
}

absl::StatusOr<bool> Replica::CommitPush(const PushAnswer& answer, SyncReport* report) {
  absl::MutexLock lock(&mu_);
  auto restored = SeeEpochLocked(answer.store_epoch, false, report);
  if (!restored.ok()) return restored.status();
  std::vector<OutboxEntry> updated;
  for (const auto& ack : answer.acked) {
    const OutboxEntry* e = outbox_.Find(ack.device_seq);
    if (e == nullptr) continue;
    (ack.duplicate ? report->duplicates : report->pushed)++;
    updated.push_back(*e);
    updated.back().set_change_seq(ack.change_seq);
  }
  std::vector<RejectedMutation> rejected;
  for (const auto& r : answer.refused) {
    const OutboxEntry* e = outbox_.Find(r.device_seq());
    if (e == nullptr) continue;
    RejectedMutation& rj = rejected.emplace_back();
    *rj.mutable_mutation() = e->mutation();
    rj.set_code(r.code());
    rj.set_field(r.field());
    rj.set_message(r.message());
    rj.set_rejected_at_ms(writer_.wall());
  }
  report->rejected += static_cast<int64_t>(rejected.size());
  auto st = store_->CommitPushResults(updated, rejected, clock_->offset_ms());
  if (!st.ok()) return st;
  for (auto& e : updated) outbox_.Add(std::move(e));
  for (const auto& rj : rejected) {
    outbox_.Remove(rj.mutation().device_seq());
    RefreshLocked(rj.mutation().record_id());
  }
  return *restored;
}

absl::Status Replica::Restamp(SyncReport* report) {
  absl::MutexLock lock(&mu_);
  clock_->Rebase();
  std::vector<OutboxEntry> updated;
  std::set<std::string> touched;
  outbox_.ForEachPending([&](const OutboxEntry& e) {
    OutboxEntry& u = updated.emplace_back(e);
    u.mutable_mutation()->set_hlc(clock_->Now());
    u.set_restamps(e.restamps() + 1);
    touched.insert(e.mutation().record_id());
  });
  report->restamped += static_cast<int64_t>(updated.size());
  // The refused stamps must not come back at the next start (Load observes
  // the stored last stamp).
  auto st = store_->CommitPushResults(updated, {}, clock_->offset_ms(), clock_->last());
  if (!st.ok()) return st;
  for (auto& e : updated) outbox_.Add(std::move(e));
  RefreshAllLocked(touched);
  return absl::OkStatus();
}

absl::Status Replica::Renumber(uint64_t after, SyncReport* report) {
  absl::MutexLock lock(&mu_);
  std::vector<OutboxEntry> unsent;
  std::vector<uint64_t> old_seqs;
  outbox_.ForEachPending([&](const OutboxEntry& e) {
    unsent.push_back(e);
    old_seqs.push_back(e.mutation().device_seq());
  });
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
      RenumberOutbox(std::move(unsent), first, epoch, writer_.device_id, pulled);
  const uint64_t next = first + renumbered.size();
  if (auto st = store_->RenumberOutbox(old_seqs, renumbered, next, epoch); !st.ok()) return st;
  replica_epoch_ = epoch;
  for (uint64_t seq : old_seqs) outbox_.Remove(seq);
  std::set<std::string> touched;
  for (auto& e : renumbered) {
    touched.insert(e.mutation().record_id());
    outbox_.Add(std::move(e));
  }
  RefreshAllLocked(touched);
  next_seq_ = next;
  report->renumbered += static_cast<int64_t>(old_seqs.size());
  return absl::OkStatus();
}

// --- The sync's side: pull and refill ---------------------------------------

absl::StatusOr<bool> Replica::SeeEpoch(uint64_t epoch, bool out_of_range, SyncReport* report) {
  absl::MutexLock lock(&mu_);
  return SeeEpochLocked(epoch, out_of_range, report);
}

absl::StatusOr<bool> Replica::SeeEpochLocked(uint64_t epoch, bool out_of_range,
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
  outbox_.ForEach([&](const OutboxEntry& e) {
    if (e.change_seq() == 0) return;
    repending.emplace_back(e).set_change_seq(0);
  });
  const uint64_t adopted = out_of_range ? 0 : epoch;
  if (auto st = store_->ResetForRestoredServer(repending, adopted); !st.ok()) return st;
  for (auto& e : repending) outbox_.Add(std::move(e));
  store_epoch_ = adopted;
  cursor_ = 0;
  registry_synced_ = false;
  refilling_ = true;
  report->repushed += static_cast<int64_t>(repending.size());
  return true;
}

Replica::PullStart Replica::PullFrom() const {
  absl::MutexLock lock(&mu_);
  return {cursor_, !registry_synced_ && cursor_ > 0};
}

absl::Status Replica::CommitRegistryPage(const gridsync::v1::PullResponse& page) {
  absl::MutexLock lock(&mu_);
  if (auto st = store_->CommitRegistryPage(page); !st.ok()) return st;
  for (const auto& c : page.registry()) day_.PutRegistry(c);
  registry_synced_ |= page.caught_up();
  return absl::OkStatus();
}

absl::Status Replica::CommitPullPage(const gridsync::v1::PullResponse& page) {
  uint64_t max_stamp = 0;
  for (const auto& s : page.records()) max_stamp = std::max(max_stamp, MaxStamp(s));
  clock_->Observe(max_stamp);
  absl::MutexLock lock(&mu_);
  // Acknowledged entries the server state now holds stop being replayed.
  const std::vector<uint64_t> covered = outbox_.CoveredBy(page.next_cursor());
  auto st = store_->CommitPullPage(page, covered, clock_->offset_ms(), refilling_);
  if (!st.ok()) return st;
  std::set<std::string> touched;
  for (uint64_t seq : covered) {
    touched.insert(outbox_.Find(seq)->mutation().record_id());
    outbox_.Remove(seq);
  }
  for (const auto& s : page.records()) touched.insert(s.record_id());
  RefreshAllLocked(touched);
  for (const auto& c : page.registry()) day_.PutRegistry(c);
  registry_synced_ |= page.caught_up();
  if (page.scope_codes_size() > 0) {
    scope_.codes.assign(page.scope_codes().begin(), page.scope_codes().end());
    scope_.role = page.role();
  }
  cursor_ = page.next_cursor();
  return absl::OkStatus();
}

bool Replica::Refilling() const {
  absl::MutexLock lock(&mu_);
  return refilling_;
}

absl::StatusOr<Replica::RefillBatch> Replica::NextRefill(size_t max_bytes, int max_records) {
  absl::MutexLock lock(&mu_);
  if (!refilling_) return RefillBatch{};
  auto next = store_->NextRefill(max_bytes, max_records);
  if (!next.ok()) return next.status();
  if (next->empty()) {
    refilling_ = false;
    if (auto st = store_->RefillDone({}, /*all=*/true); !st.ok()) return st;
    return RefillBatch{};
  }
  return RefillBatch{std::move(*next), store_epoch_};
}

absl::Status Replica::RefillSent(const std::vector<std::string>& ids) {
  absl::MutexLock lock(&mu_);
  return store_->RefillDone(ids, /*all=*/false);
}

absl::Status Replica::EndRefill() {
  absl::MutexLock lock(&mu_);
  refilling_ = false;
  return store_->RefillDone({}, /*all=*/true);
}

// --- Retention ----------------------------------------------------------------

absl::StatusOr<RetentionPass::Letgo> Replica::Forget(RetentionPass pass,
                                                     const std::set<std::string>& queued_files) {
  absl::MutexLock lock(&mu_);
  auto st = store_->ForEachRegistry(
      [&](const gridsync::v1::RegistryChange& c) { pass.OfferRegistry(c); });
  if (!st.ok()) return st;
  st = store_->ForEachState([&](const RecordState& s) {
    mu_.AssertHeld();  // called back within this call
    pass.OfferRecord(s, outbox_.Holds(s.record_id()));
  });
  if (!st.ok()) return st;
  RetentionPass::Letgo letgo = pass.Finish(queued_files);
  if (letgo.empty()) return letgo;
  if (st = store_->Forget(letgo.records, letgo.entries); !st.ok()) return st;
  day_ = DayView();
  if (st = LoadDayLocked(); !st.ok()) return st;
  return letgo;
}

}  // namespace gridsync::sdk
