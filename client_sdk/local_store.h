// The phone's replica on disk: one RocksDB in the app's data folder.
//
//   s/<record id>        RecordState as pulled from the server
//   o/<be64 device seq>  OutboxEntry: the device's own mutations
//   r/<be64 device seq>  RejectedMutation, until the app dismisses it
//   g/<entry key>        RegistryChange: the scope's registry as last pulled
//                        ("o"+code, "h"+household, "p"+person, "policy")
//   f/<record id>        a record whose state may hold what the server's
//                        restore lost: sent back (SyncService.Refill) unless
//                        a pull shows the server holds all of it
//   u/<sha256>           UploadEntry: an attachment whose bytes are to be
//                        uploaded (its file: client_sdk/attachment_files.h)
//   m/<name>             meta: device id, next seq, cursor, clock, replica
//                        epoch, whether the registry was ever pulled whole,
//                        the device's scope and role, whether a refill runs,
//                        the key the replica signs its writes with
//
// Invariants kept here:
//  - an outbox entry is written with a synced WAL in the same batch as the
//    next device seq, so a seq is never handed out twice, even across kills;
//  - pulled states, the cursor and the deletion of the outbox entries the
//    pull covers go in one batch: after a crash the replica is at some page
//    boundary, never between.
#ifndef GRIDSYNC_CLIENT_SDK_LOCAL_STORE_H_
#define GRIDSYNC_CLIENT_SDK_LOCAL_STORE_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gridsync/v1/client_api.pb.h"
#include "gridsync/v1/client_store.pb.h"
#include "gridsync/v1/record_state.pb.h"
#include "gridsync/v1/sync_service.pb.h"
#include "rocksdb/db.h"

namespace gridsync::sdk {

struct LocalMeta {
  std::string device_id;
  uint64_t next_seq = 1;
  uint64_t cursor = 0;
  int64_t clock_offset_ms = 0;
  uint64_t hlc_last = 0;
  uint64_t replica_epoch = 0;  // Mutation.replica_epoch of new writes
  // The registry was pulled up to the cursor. False for a replica made
  // before phones held the registry: it fetches it once from 0.
  bool registry_synced = false;
  // The device's scope and role as the server last said (PullResponse).
  std::vector<std::string> scope_codes;
  int role = 0;
  uint64_t store_epoch = 0;  // the server store's epoch last seen (0: none yet)
  // The server was found restored and the f/ marks are being worked off.
  bool refilling = false;
  // The private key the replica signs its writes with (core/write_proof.h);
  // empty until the replica made one.
  std::string signing_seed;
};

class LocalStore {
 public:
  // Opens (creating) the replica's database in `dir`, its files read and
  // written through `env` (the local disk when null; an encrypted one for an
  // encrypted replica, replica_disk.h). REQUIRES: `env` outlives the store.
  static absl::StatusOr<std::unique_ptr<LocalStore>> Open(const std::string& dir,
                                                          rocksdb::Env* env = nullptr);

  // The folder is about to be erased under the open database: closing it
  // then writes nothing (no memtable flush).
  void PrepareForWipe();

  // Meta and the whole outbox (it is small: what one phone wrote offline).
  absl::StatusOr<LocalMeta> LoadMeta();
  absl::StatusOr<std::map<uint64_t, gridsync::v1::OutboxEntry>> LoadOutbox();
  absl::Status InitDevice(const std::string& device_id);
  // Keeps the replica's signing key (LocalMeta.signing_seed), synced.
  absl::Status SaveSigningSeed(const std::string& seed);

  // A new write: the entry and the next seq, in one batch; WAL synced when
  // `durable`.
  absl::Status AppendOutbox(const gridsync::v1::OutboxEntry& e, uint64_t next_seq, uint64_t hlc,
                            bool durable);
  // The server's answers to one push: entries rewritten (acked or
  // re-stamped), entries moved to the rejected list. `hlc_last`, when set,
  // is the clock's new last stamp (after a re-stamp moved it back).
  absl::Status CommitPushResults(const std::vector<gridsync::v1::OutboxEntry>& updated,
                                 const std::vector<gridsync::v1::RejectedMutation>& rejected,
                                 int64_t clock_offset_ms, std::optional<uint64_t> hlc_last = {});
  // The unsent entries under new seqs (client_sdk/renumber.h): the old keys
  // removed, the new ones, the next seq and the replica epoch written, in
  // one synced batch.
  absl::Status RenumberOutbox(const std::vector<uint64_t>& old_seqs,
                              const std::vector<gridsync::v1::OutboxEntry>& renumbered,
                              uint64_t next_seq, uint64_t replica_epoch);
  // One pull page: states joined into what is stored, registry entries
  // replacing theirs, the cursor, and the outbox entries the page covers
  // removed; on the page that catches up, the registry marked synced. With
  // `refilling`, each pulled record is marked to send back when what is
  // held has more than the server's state, and unmarked when not.
  absl::Status CommitPullPage(const gridsync::v1::PullResponse& page,
                              const std::vector<uint64_t>& covered_seqs, int64_t clock_offset_ms,
                              bool refilling = false);
  // The server's store was restored from a backup (a new epoch, or a cursor
  // past its head): the cursor back to 0, the registry to pull again, the
  // `repending` entries (acknowledged by the store as it was) pending again,
  // every held record marked to send back, and the new epoch (0: unknown,
  // the next seen is taken), in one synced batch.
  absl::Status ResetForRestoredServer(const std::vector<gridsync::v1::OutboxEntry>& repending,
                                      uint64_t store_epoch);
  absl::Status SetStoreEpoch(uint64_t store_epoch);
  // The states of the first marked records, up to about `max_bytes` and
  // `max_records`, in record id order.
  absl::StatusOr<std::vector<gridsync::v1::RecordState>> NextRefill(size_t max_bytes,
                                                                    int max_records) const;
  // Unmarks `ids`; with `all`, every mark and the refill itself.
  absl::Status RefillDone(const std::vector<std::string>& ids, bool all);
  // One page of a registry-only pull: its entries, and when it caught up,
  // the registry marked synced. The cursor and the records stay.
  absl::Status CommitRegistryPage(const gridsync::v1::PullResponse& page);
  // Calls fn for every registry entry held.
  absl::Status ForEachRegistry(
      const std::function<void(const gridsync::v1::RegistryChange&)>& fn) const;

  absl::StatusOr<std::optional<gridsync::v1::RecordState>> GetState(const std::string& id) const;
  // Calls fn for every stored state, in record id order.
  absl::Status ForEachState(const std::function<void(const gridsync::v1::RecordState&)>& fn) const;
  int64_t CountStates() const;

  // The upload queue (synced writes).
  absl::Status PutUpload(const gridsync::v1::UploadEntry& e);
  absl::Status DeleteUpload(const std::string& sha256);
  std::vector<gridsync::v1::UploadEntry> ListUploads() const;  // by hash

  // Retention (core/retention.h). When a pull first brought each household
  // of the registry as no longer active (its entry carries no date), by
  // household id, in the server's time; a pull that brings it active again
  // removes the date.
  std::map<std::string, int64_t> LeftMarks() const;
  // In one batch: the records and registry entries the phone lets go, with
  // their refill marks and leaving dates.
  absl::Status Forget(const std::vector<std::string>& record_ids,
                      const std::vector<gridsync::v1::RegistryChange>& entries);

  std::vector<gridsync::v1::RejectedMutation> ListRejected() const;
  absl::Status DeleteRejected(uint64_t device_seq);

 private:
  explicit LocalStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_LOCAL_STORE_H_
