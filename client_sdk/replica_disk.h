// The replica's folder on disk, plain or encrypted (replica_crypto.h): how a
// client opens it with or without the app's key, how a plain replica
// becomes an encrypted one, and how the key changes.
//
// A folder is encrypted exactly when it holds replica.key. Migration and
// rekeying write a whole new copy beside the folder (<dir>.encrypting),
// mark it complete, and swap it in by renames, so a phone killed at any
// point opens either the old folder or the new one, never a mix:
//   <dir>.encrypting without its "complete" mark: discarded, done again;
//   with it, and <dir> gone or renamed to <dir>.old: renamed into place;
//   <dir>.old beside a complete <dir>: removed.
#ifndef GRIDSYNC_CLIENT_SDK_REPLICA_DISK_H_
#define GRIDSYNC_CLIENT_SDK_REPLICA_DISK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace gridsync::sdk {

struct ReplicaDisk {
  // Where the replica's files are read and written; both null for a plain
  // replica (the local disk as it is).
  std::shared_ptr<rocksdb::FileSystem> files;
  std::unique_ptr<rocksdb::Env> env;
  // What attachments' file names are keyed with (AttachmentName); empty
  // for a plain replica, whose files are named by their hash.
  std::string attachment_name_key;
  bool encrypted() const { return files != nullptr; }
  bool migrated = false;  // a plain replica was encrypted by this open
};

// Opens the folder `dir` (created if missing) for a client.
// - Without a key: a plain replica. FAILED_PRECONDITION if the folder is
//   encrypted (it needs its key).
// - With a key (kReplicaKeyBytes): an encrypted replica. A new folder gets a
//   new data key; a plain replica is encrypted first, everything in it kept
//   (unsent writes, registry, attachments); a wrong key is PERMISSION_DENIED.
absl::StatusOr<ReplicaDisk> OpenReplicaDisk(const std::string& dir, const std::string& app_key);

// Erases the replica in `dir` and its attachments, for a phone reported
// lost. First what makes it readable goes: an encrypted replica's wrapped
// key is overwritten and synced (from then on every file is ciphertext that
// no key opens). Then the folder is renamed to <dir>.wiping, and each file
// in it overwritten with zeros, synced and removed. A kill part-way is
// finished by the next OpenReplicaDisk or WipeReplica on `dir`. (On flash
// storage an overwrite may land in new blocks: what protects a plain
// replica's old blocks is only the encryption it did not have.)
absl::Status WipeReplica(const std::string& dir);

// Re-encrypts the closed replica in `dir` under a new data key wrapped with
// `new_key`. PERMISSION_DENIED if `old_key` does not open it.
// REQUIRES: no client has the folder open.
absl::Status RekeyReplica(const std::string& dir, const std::string& old_key,
                          const std::string& new_key);

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_REPLICA_DISK_H_
