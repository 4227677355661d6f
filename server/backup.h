// Backups of a running store and restores of them (RocksDB's BackupEngine):
// consistent, incremental (files shared between backups are stored once),
// verified against their checksums after writing.
#ifndef GRIDSYNC_SERVER_BACKUP_H_
#define GRIDSYNC_SERVER_BACKUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rocksdb/db.h"

namespace gridsync::server {

struct BackupEntry {
  uint32_t id = 0;
  int64_t created_unix_s = 0;
  uint64_t size_bytes = 0;  // of this backup's files, shared ones included
  uint32_t files = 0;
  uint64_t last_change_seq = 0;  // the store's last change when the backup began (at least)
};

// Backs `db` up into `dir` (created if missing), verifies the new backup's
// checksums, and keeps the newest `keep` backups (0: all).
// REQUIRES: db open; safe while it serves.
absl::StatusOr<BackupEntry> BackupStore(rocksdb::DB* db, const std::string& dir, int keep,
                                        uint64_t last_change_seq);

// The backups in `dir`, oldest first.
absl::StatusOr<std::vector<BackupEntry>> ListBackups(const std::string& dir);

// The file a restore leaves in the data directory: the store takes a new
// epoch when it next opens (Store::Epoch), and removes the file.
inline constexpr char kRestoredMarker[] = "RESTORED_FROM_BACKUP";

// Restores backup `id` (0: the newest) of `dir` into `data_dir`, which must
// not exist or be empty; verifies it first. The attachments backed up in
// `dir` come back into data_dir/blobs.
absl::Status RestoreBackup(const std::string& dir, uint32_t id, const std::string& data_dir);

// Attachments' files (server/blob_store.h) are backed up beside the
// store's: DIR/blobs/objects/ab/cd/<sha256>, each copied once across all
// backups (a blob never changes), synced before the next.
struct BlobCopy {
  uint64_t copied = 0, bytes = 0;    // new (or copied again) in the destination
  uint64_t total = 0;                // blobs in the source
  uint64_t repaired = 0;             // of `copied`: a copy there did not hash to its name
  std::vector<std::string> damaged;  // sources that do not hash to their names: not copied
};
// Copies every blob under `from_objects` missing from `to_objects`, or
// there but not hashing to its name (each through a temporary name, so a
// copy cut short is never taken for a blob). Every file on both sides is
// hashed: a source that does not hash to its name is not copied and is
// listed in `damaged`.
absl::StatusOr<BlobCopy> CopyBlobs(const std::string& from_objects, const std::string& to_objects);

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_BACKUP_H_
