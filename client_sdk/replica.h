// The phone's replica as the app and the sync see it: the server's states
// as last pulled (LocalStore) with the device's own writes replayed on top
// until a pull brings them back (the outbox), the day view built from both
// (client_sdk/day_view.h), and where the sync stands (the cursor, the server
// store's epoch, a refill under way).
//
// Every change reaches the disk (LocalStore, in one batch) before memory,
// so what is in memory is always what a restart would load.
//
// Thread-safe: one lock orders the app's writes and the sync's steps.
#ifndef GRIDSYNC_CLIENT_SDK_REPLICA_H_
#define GRIDSYNC_CLIENT_SDK_REPLICA_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client_sdk/day_view.h"
#include "client_sdk/local_store.h"
#include "client_sdk/outbox.h"
#include "client_sdk/retention_pass.h"
#include "core/hlc.h"
#include "gridsync/client.h"
#include "gridsync/v1/sync_service.pb.h"

namespace gridsync::sdk {

constexpr int kMaxDayPage = 1000;

class Replica {
 public:
  // Who writes through this replica.
  struct Writer {
    std::string device_id;
    std::string author;             // Mutation.author as the phone shows it
    bool durable_writes = true;     // each write's WAL synced
    std::function<int64_t()> wall;  // the phone's own clock, ms
    std::function<void()> written;  // after each write, outside the lock; may be empty
  };
  // REQUIRES: `clock` outlives the replica.
  Replica(std::unique_ptr<LocalStore> store, core::HybridClock* clock, Writer writer);

  // Loads the outbox, the sync's position and the day view, and sets the
  // clock past every stamp already handed out. REQUIRES: called once, first.
  absl::Status Load(const LocalMeta& meta);

  // --- The app's side ---------------------------------------------------

  std::string NewId();
  // The server's time as this phone knows it (its clock plus the offset).
  int64_t NowMs() const { return clock_->WallMs(); }
  // Builds and stores one mutation. `build` sees the record as this phone
  // shows it (empty for a create) and fills the op. Refused with
  // INVALID_ARGUMENT what is invalid, not UTF-8, timed ahead of the server's
  // clock or contrary to the state (core/validate.h); NOT_FOUND a record
  // the phone does not hold, unless `create`.
  using Builder = std::function<absl::Status(const gridsync::v1::RecordState& current,
                                             gridsync::v1::Mutation* m)>;
  absl::Status Write(const std::string& record_id, const Builder& build, bool create,
                     gridsync::v1::RecordKind kind = {}, const std::string& grid = {});
  // One log element with a new element id (returned).
  absl::StatusOr<std::string> AppendLog(const std::string& record_id, const std::string& log,
                                        const google::protobuf::Message& payload);
  // The server's state with the outbox replayed; nullopt if the phone knows
  // nothing of the record.
  absl::StatusOr<std::optional<gridsync::v1::RecordState>> View(const std::string& id) const;
  std::vector<std::string> List(const RecordFilter& f) const;
  ClientStats Stats() const;
  DeviceScope Scope() const;
  std::vector<gridsync::v1::OrgUnit> OrgUnits() const;
  absl::StatusOr<std::vector<gridsync::v1::SurveyForm>> SurveyForms() const;
  // fn(day view) under the lock, for a scope the phone's registry holds and
  // a page [offset, offset + limit).
  template <typename Fn>
  auto Day(const std::string& scope_code, int offset, int limit, Fn fn) const
      -> absl::StatusOr<decltype(fn(std::declval<const DayView&>()))>;

  // The replica was erased at the server's order (a device revoked as
  // lost): every call after says so (WipedError).
  bool wiped() const { return wiped_; }
  static absl::Status WipedError();
  // Erases the replica in `data_dir` at the server's `order`; returns what
  // the sync says.
  absl::Status Wipe(const std::string& data_dir, const absl::Status& order);
  // The upload queue and the rejected list, which keep their own rules.
  LocalStore& store() { return *store_; }

  // --- The sync's side --------------------------------------------------

  // The unacknowledged mutations, in seq order, at most `max`; *more when
  // there are others.
  std::vector<gridsync::v1::Mutation> PendingBatch(int max, bool* more) const;
  // Outbox entries not yet acknowledged, and all of them.
  int64_t PendingCount() const;
  size_t OutboxSize() const;
  // Whether the record has writes the server has not acknowledged yet.
  bool HasUnacked(const std::string& record_id) const;

  // The server's answer to one push, sorted by the sync.
  struct PushAnswer {
    uint64_t store_epoch = 0;
    struct Ack {
      uint64_t device_seq = 0, change_seq = 0;
      bool duplicate = false;  // applied by an earlier push whose answer was lost
    };
    std::vector<Ack> acked;
    std::vector<gridsync::v1::MutationResult> refused;  // lasting refusals
  };
  // Sees the answer's epoch (SeeEpoch), then marks the acked entries with
  // their change seqs and moves the refused ones to the rejected list. Counts
  // into *report; returns whether the server turned out restored.
  absl::StatusOr<bool> CommitPush(const PushAnswer& answer, SyncReport* report);
  // The server refused stamps ahead of its clock (the offset is corrected
  // already): every pending mutation stamped again, in seq order.
  absl::Status Restamp(SyncReport* report);
  // The server holds this device's seqs up to `after` for other mutations:
  // the replica went back in time. Every unsent entry gets a new seq past
  // `after` and past any seq handed out, and a new replica epoch
  // (client_sdk/renumber.h).
  absl::Status Renumber(uint64_t after, SyncReport* report);

  // The server's store epoch in an answer (or, with `out_of_range`, a cursor
  // past its head): when it changed, the store was restored, so what it
  // acknowledged goes back to pending, the cursor to 0, the registry is
  // pulled again and every held record is marked to send back. Returns
  // whether it was.
  absl::StatusOr<bool> SeeEpoch(uint64_t epoch, bool out_of_range, SyncReport* report);
  // Where the pull starts; `registry_missing` for a replica that holds
  // records but never pulled the registry (it fetches it whole first).
  struct PullStart {
    uint64_t cursor = 0;
    bool registry_missing = false;
  };
  PullStart PullFrom() const;
  // One page of a registry-only pull; the cursor and the records stay.
  absl::Status CommitRegistryPage(const gridsync::v1::PullResponse& page);
  // One pull page: states, registry, scope, cursor, and the outbox entries
  // the page's states now hold let go. The clock observes the page's stamps.
  absl::Status CommitPullPage(const gridsync::v1::PullResponse& page);

  // Whether a refill after a restored server is under way.
  bool Refilling() const;
  // The next records to send back (LocalStore::NextRefill) and the epoch of
  // the store they go to; none when the refill is over (then ended here).
  struct RefillBatch {
    std::vector<gridsync::v1::RecordState> records;
    uint64_t store_epoch = 0;
  };
  absl::StatusOr<RefillBatch> NextRefill(size_t max_bytes, int max_records);
  // `ids` sent back (the server answered for each).
  absl::Status RefillSent(const std::vector<std::string>& ids);
  // The server takes no refill: the marks go and the refill ends.
  absl::Status EndRefill();

  // Offers every registry entry and record to `pass` (a record with writes
  // in the outbox as such), lets go what it decides, in one batch, and
  // rebuilds the day view. Returns the decision (its files are for the
  // caller to remove). `queued_files`: attachments waiting to upload.
  absl::StatusOr<RetentionPass::Letgo> Forget(RetentionPass pass,
                                              const std::set<std::string>& queued_files);

 private:
  absl::StatusOr<std::optional<gridsync::v1::RecordState>> ViewLocked(const std::string& id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The mutation `build` makes of the record as shown, checked as the
  // server would check it.
  absl::Status WriteLocked(const std::string& record_id, const Builder& build, bool create,
                           gridsync::v1::RecordKind kind, const std::string& grid)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<gridsync::v1::Mutation> BuildLocked(const std::string& record_id,
                                                     const Builder& build, bool create,
                                                     gridsync::v1::RecordKind kind,
                                                     const std::string& grid)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What the record as shown (`current`) forbids of `m` beyond core's
  // checks: a task step that does not fit its state, a verification of a
  // visit this device recorded.
  absl::Status CheckAgainstHeld(const gridsync::v1::RecordState& current,
                                const gridsync::v1::Mutation& m) const;
  // Calls fn for every record the phone shows: held states with their
  // outbox replayed, then records only the outbox has.
  void ForEachViewLocked(const std::function<void(const gridsync::v1::RecordState&)>& fn) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What the record counts for in the day view, from its view now.
  void RefreshLocked(const std::string& record_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The day view from the stored registry, the states and the outbox.
  absl::Status LoadDayLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<bool> SeeEpochLocked(uint64_t epoch, bool out_of_range, SyncReport* report)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends the day view the ids touched.
  void RefreshAllLocked(const std::set<std::string>& ids) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::unique_ptr<LocalStore> store_;
  core::HybridClock* const clock_;
  const Writer writer_;
  std::atomic<bool> wiped_{false};

  mutable absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t replica_epoch_ ABSL_GUARDED_BY(mu_) = 0;  // Mutation.replica_epoch of new writes
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  Outbox outbox_ ABSL_GUARDED_BY(mu_);
  bool registry_synced_ ABSL_GUARDED_BY(mu_) = false;
  bool refilling_ ABSL_GUARDED_BY(mu_) = false;    // LocalMeta::refilling
  uint64_t store_epoch_ ABSL_GUARDED_BY(mu_) = 0;  // the server store's, last seen
  DeviceScope scope_ ABSL_GUARDED_BY(mu_);
  DayView day_ ABSL_GUARDED_BY(mu_);  // the registry and what each viewed record counts for
};

template <typename Fn>
auto Replica::Day(const std::string& scope_code, int offset, int limit, Fn fn) const
    -> absl::StatusOr<decltype(fn(std::declval<const DayView&>()))> {
  if (offset < 0 || limit < 1 || limit > kMaxDayPage) {
    return absl::InvalidArgumentError(absl::StrCat("offset must be 0 or more and limit 1..",
                                                   kMaxDayPage, "; got ", offset, " and ", limit));
  }
  absl::MutexLock lock(&mu_);
  if (wiped_) return WipedError();
  if (!day_.HasUnit(scope_code)) {
    return absl::NotFoundError(
        absl::StrCat("org unit '", scope_code.substr(0, 32),
                     "' is not in this phone's registry: a grid or village of the device's scope, "
                     "after a sync"));
  }
  return fn(day_);
}

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_REPLICA_H_
