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

struct PullPage {
  std::vector<gridsync::v1::RecordState> records;
  std::vector<gridsync::v1::RegistryChange> registry;  // entries as they are now
  uint64_t next_cursor = 0;
  bool caught_up = false;
};

struct FeedPage {
  std::vector<uint64_t> seqs;             // of the changes in the page, in order
  std::vector<std::string> change_bytes;  // each change as stored: a serialized Change
  // Each record change's record as stored (a serialized RecordState), one per
  // change; none for the others. Bytes, so that the feed sends them on as
  // they are.
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
  // policy); with `registry_only` the records are passed over.
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

  // Joins record states phones held into the stored records, after a
  // restore (SyncService.Refill). A state that adds nothing is UNCHANGED; one
  // whose record is stored with another kind or grid is REJECTED as
  // NOT_FOUND (the caller learns nothing of it); any other is MERGED, logged
  // as a change (Change.refill, naming `device_id` and `author` as who sent
  // it) and indexed for pulls like a mutation. Grouped in the commit queue
  // like a registry write; one result per state, after the write is durable.
  // REQUIRES: every state passed core::ValidateState and lies in the
  // caller's scope.
  virtual absl::StatusOr<std::vector<gridsync::v1::RefillResult>> Refill(
      std::vector<gridsync::v1::RecordState> states, const std::string& device_id,
      const std::string& author) = 0;
  // Blocks until a change after `after` is committed, at most `timeout`;
  // returns the last change number.
  virtual uint64_t WaitForChange(uint64_t after, std::chrono::milliseconds timeout) = 0;
  // The change feed: changes after `cursor` within `prefix` (record
  // mutations by grid, registry entries by code), at most `max` of them,
  // each record change with its record's current state.
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
