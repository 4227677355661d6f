// The records and their change log: what pushes write, pulls and the feed
// read, and the audit trail (DESIGN.md section 6). One of the store's four
// parts (server/store.h).
#ifndef GRIDSYNC_SERVER_RECORD_STORE_H_
#define GRIDSYNC_SERVER_RECORD_STORE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gridsync/v1/admin_service.pb.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/record_state.pb.h"
#include "gridsync/v1/sync_service.pb.h"

namespace gridsync::server {

// A pull page, and a page of the feed, carries at most this many bytes of
// record states (and at least one change): well under the 4 MiB a gRPC
// client accepts by default. One record is at most core::kMaxRecordBytes.
inline constexpr size_t kMaxPageBytes = size_t{2} << 20;

struct PullPage {
  std::vector<gridsync::v1::RecordState> records;
  std::vector<gridsync::v1::RegistryChange> registry;  // entries as they are now
  uint64_t next_cursor = 0;
  bool caught_up = false;
};

struct FeedPage {
  std::vector<uint64_t> seqs;             // of the changes in the page, in order
  std::vector<std::string> change_bytes;  // each change as stored: a serialized Change
  // The record's state as stored (a serialized RecordState) with the first
  // change of each record in the page (it holds the later ones too); none
  // for the others. Bytes, so that the feed sends them on as they are.
  std::vector<std::optional<std::string>> states;
  uint64_t next_cursor = 0;  // the last change read (in scope or not)
  uint64_t head = 0;         // the last committed change when the page was read
  bool caught_up = false;
};

struct StoreStats {
  uint64_t last_change_seq = 0;
  uint64_t records = 0, visits = 0, dispute_cases = 0, special_checks = 0;
  uint64_t records_with_conflicts = 0;
};

class RecordStore {
 public:
  virtual ~RecordStore() = default;

  // Merges validated mutations (device_id and author set) into their records.
  // Concurrent callers are grouped into one atomic, synced write; change
  // numbers are assigned in commit order without gaps. Returns one result per
  // mutation, only after the write is durable. A mutation whose (device,
  // device_seq) was applied before changes nothing and returns, as
  // LookupResults does, DUPLICATE or SEQ_REUSED.
  virtual absl::StatusOr<std::vector<gridsync::v1::MutationResult>> Commit(
      std::vector<gridsync::v1::Mutation> mutations) = 0;

  // For each of `device_id`'s mutations whose device_seq was applied before:
  // the first result, as DUPLICATE, when the content is the same (a retry,
  // even re-stamped); SEQ_REUSED with the device's highest applied seq when
  // it differs (a replica restored from an older copy numbers again).
  // nullopt where the seq is new.
  virtual absl::StatusOr<std::vector<std::optional<gridsync::v1::MutationResult>>> LookupResults(
      const std::string& device_id,
      const std::vector<const gridsync::v1::Mutation*>& mutations) = 0;

  // Changes after `cursor` within any of `prefixes` (grid-code prefixes;
  // one empty prefix means everything), as merged record states and registry
  // entries (those of the scope, the org units above it and the check
  // policy); with `registry_only` the records are passed over. At most
  // `page_size` changes and kMaxPageBytes of states: a page cut short by
  // its bytes is not caught up and resumes where it was cut. A record over
  // the limits (stored before them) comes trimmed (core::TrimForReaders).
  virtual absl::StatusOr<PullPage> Pull(const std::vector<std::string>& prefixes, uint64_t cursor,
                                        int page_size, bool registry_only = false) = 0;

  virtual absl::StatusOr<std::optional<gridsync::v1::RecordState>> GetRecord(
      const std::string& record_id) = 0;
  virtual absl::StatusOr<std::vector<bool>> RecordsExist(const std::vector<std::string>& ids) = 0;
  virtual uint64_t LastChangeSeq() const = 0;
  // Random, fixed for the store's life; new after a restore from a backup.
  virtual uint64_t Epoch() const = 0;
  // When the store was last restored from a backup (wall ms); 0 for never.
  virtual int64_t RestoredAtMs() const = 0;

  // Joins the caller's own writes of record states phones held into the
  // stored records, after a restore (SyncService.Refill). For each:
  //  - `own` (the caller's writes, core::SplitByWriter) is joined, its
  //    contexts first limited to what the stored record has seen
  //    (core::ClampContexts), when the record is stored or `own` holds its
  //    create (otherwise `sent` is reviewed whole, below). Adding nothing,
  //    it is UNCHANGED; on a record
  //    stored with another kind or grid, REJECTED as NOT_FOUND (the caller
  //    learns nothing of it); otherwise MERGED, logged as a change
  //    (Change.refill of `own`, naming `device_id` and `author` as who sent
  //    it) and indexed for pulls like a mutation.
  //  - when `others` (or `sent`) would add to the record, nothing of it is merged:
  //    `sent` is logged as a change of its own (Change.refill, held) and the
  //    result says held_for_review.
  // Grouped in the commit queue like a registry write; one result per
  // state, after the write is durable.
  // REQUIRES: every state passed core::ValidateState, lies in the caller's
  // scope, and `own`'s writes passed the checks of a push by the caller.
  struct RefillState {
    gridsync::v1::RecordState own, others, sent;
  };
  virtual absl::StatusOr<std::vector<gridsync::v1::RefillResult>> Refill(
      std::vector<RefillState> states, const std::string& device_id, const std::string& author) = 0;
  // The held refills (Change.refill with `held`) in change order after
  // `cursor`, at most `max`.
  virtual absl::StatusOr<std::vector<gridsync::v1::Change>> HeldRefills(uint64_t cursor,
                                                                        int max) = 0;
  // Merges the held refill logged as change `seq` whole, as an
  // administrator decided after review (logged as a refill sent by `by`),
  // and takes it off the held list. NOT_FOUND when `seq` is not on it.
  virtual absl::StatusOr<gridsync::v1::RefillResult> ApplyHeldRefill(
      uint64_t seq, const gridsync::v1::Actor& by) = 0;
  // Blocks until a change after `after` is committed, at most `timeout`;
  // returns the last change number.
  virtual uint64_t WaitForChange(uint64_t after, std::chrono::milliseconds timeout) = 0;
  // The change feed: changes after `cursor` within `prefix` (record
  // mutations by grid, registry entries by code), at most `max` of them and
  // kMaxPageBytes of changes and states (at least one change), each
  // record's current state once, with its first change in the page (a
  // record over the limits trimmed to them).
  virtual absl::StatusOr<FeedPage> ReadChanges(uint64_t cursor, const std::string& prefix,
                                               int max) = 0;
  virtual absl::StatusOr<StoreStats> Stats() = 0;

  // Logs an administrative act as a change (Change.admin): the audit trail
  // the feed carries and the export keeps.
  virtual absl::Status LogAdminAct(const gridsync::v1::AdminAct& act) = 0;
  // Logs that an attachment's bytes are stored whole (Change.blob, scoped by
  // the record's grid in the feed), and marks the blob as logged.
  virtual absl::Status LogBlobStored(const gridsync::v1::BlobStored& blob) = 0;
  // Whether LogBlobStored was done for `sha256` (a blob stored just before a
  // crash may not have been: the next upload call logs it).
  virtual absl::StatusOr<bool> BlobLogged(const std::string& sha256) = 0;

  // A verified backup into `dir`, keeping the newest `keep` (0: all).
  virtual absl::StatusOr<gridsync::v1::BackupResponse> Backup(const std::string& dir, int keep) = 0;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_RECORD_STORE_H_
