// One sync of the phone's replica with the server, start to end:
//
//   push     the outbox in batches until all is acknowledged or refused
//            (re-stamped when the server refuses the phone's clock,
//            renumbered when the replica went back in time)
//   pull     pages from the cursor until caught up; a new server store
//            epoch (a restore from a backup) sends the outbox again and
//            pulls from 0, at most once a sync
//   refill   after such a restore, the records that held what the server
//            lost, sent back (SyncService.Refill)
//   upload   the queued attachments (client_sdk/attachments.h)
//   forget   what the county's retention lets the phone go (retention_pass.h)
//
// A wipe order in any answer (a device revoked as lost) erases the replica.
// Each step commits as it goes: a sync cut short at any point resumes from
// what reached the disk.
//
// Thread-safe: one sync at a time; the others wait.
#ifndef GRIDSYNC_CLIENT_SDK_SYNC_SESSION_H_
#define GRIDSYNC_CLIENT_SDK_SYNC_SESSION_H_

#include <atomic>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "client_sdk/attachments.h"
#include "client_sdk/replica.h"
#include "client_sdk/server_link.h"
#include "core/write_proof.h"
#include "gridsync/client.h"

namespace gridsync::sdk {

class SyncSession {
 public:
  // REQUIRES: `o`, `replica`, `link`, `attachments` and `key` outlive the
  // session.
  SyncSession(const ClientOptions& o, Replica* replica, ServerLink* link, Attachments* attachments,
              const core::SigningKey* key)
      : opts_(o), replica_(replica), link_(link), attachments_(attachments), key_(key) {}

  // One sync; with `pull` false, the push alone.
  absl::StatusOr<SyncReport> Run(const ProgressFn& progress, bool pull);

 private:
  absl::StatusOr<SyncReport> Steps(const ProgressFn& progress, bool pull)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Pushes the outbox until empty or bounded out.
  absl::Status PushAll(SyncReport* report, const ProgressFn& progress);
  // Pushes the first batch of pending entries. Sets *restamp when the server
  // refused stamps as ahead of its clock, *reused_after to the server's
  // highest seq for this device when it holds our seqs for other mutations,
  // *more when more are pending.
  absl::Status PushOnce(SyncReport* report, bool* restamp, uint64_t* reused_after, bool* more);
  // Sets *restart when the server's store turned out restored from a backup
  // (Replica::SeeEpoch): the outbox must be pushed again, then pulled from 0.
  absl::Status PullAll(SyncReport* report, const ProgressFn& progress, bool* restart);
  // A replica that holds records but never pulled the registry fetches it
  // whole (registry-only pulls from 0; the cursor stays).
  absl::Status PullRegistry(SyncReport* report);
  // After a pull from 0 of a restored server: sends back the marked records
  // until none is left.
  absl::Status RefillAll(SyncReport* report);
  // Lets go what the phone no longer keeps, at most once an hour; adds to
  // report->forgotten.
  absl::Status ApplyRetention(SyncReport* report) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReportProgress(const ProgressFn& progress, SyncProgress::Phase phase, const SyncReport& r,
                      int64_t upload_sent = 0, int64_t upload_total = 0);

  const ClientOptions& opts_;
  Replica* const replica_;
  ServerLink* const link_;
  Attachments* const attachments_;
  const core::SigningKey* const key_;
  std::atomic<int> retention_days_{0};  // from the last pull; 0: not known yet

  absl::Mutex mu_;  // one sync at a time
  int64_t last_retention_ms_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_SYNC_SESSION_H_
