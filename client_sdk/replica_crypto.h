// The replica at rest: every file the SDK writes under its folder (RocksDB's
// tables, WAL, manifest and logs, and the attachments) encrypted with
// AES-256 under a data key, and the data key kept in <replica>/replica.key
// wrapped under the app's key.
//
// Why this shape:
// - Files are AES-256 in CTR mode (OpenSSL's EVP, AES-NI where the CPU has
//   it) through RocksDB's encrypted FileSystem: RocksDB reads and writes
//   files at any offset, which CTR allows, and the same FileSystem serves
//   the attachments' reads at an offset and appends of a resumed download.
//   Each file starts with a 4,096-byte header holding its own random
//   128-bit IV (OpenSSL's RAND_bytes), so no two files share a keystream.
//   CTR is not authenticated: RocksDB's block checksums catch damage to the
//   tables, and an attachment is checked against the SHA-256 that names it
//   before it is handed out (AttachmentFiles::ReadAll); what CTR hides is the
//   content. RocksDB's own LOG, which its Env writes outside this
//   FileSystem, is not kept for an encrypted replica (LocalStore::Open).
// - The data key is random and never leaves the phone in the clear: it is
//   kept wrapped with AES-256-GCM under the app's key (on Android, one the
//   Keystore holds), so a wrong app key fails the GCM tag and is told
//   apart from damage, before any table is read.
// - Changing the app's key re-encrypts everything under a new data key
//   (Client::Rekey): a key that leaked with a copy of the folder opens
//   nothing written after.
#ifndef GRIDSYNC_CLIENT_SDK_REPLICA_CRYPTO_H_
#define GRIDSYNC_CLIENT_SDK_REPLICA_CRYPTO_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rocksdb/file_system.h"

namespace gridsync::sdk {

inline constexpr size_t kReplicaKeyBytes = 32;
inline constexpr char kReplicaKeyFile[] = "replica.key";

// Whether `dir` holds a replica's wrapped key (an encrypted replica).
bool HasWrappedKey(const std::string& dir);

// Overwrites `dir`/replica.key with a mark that says it was erased (the
// wrapped key gone in one small write, synced), then removes it: from the
// overwrite on, no key opens the replica. A kill after the overwrite leaves
// the mark, which KeyErased sees.
absl::Status EraseWrappedKey(const std::string& dir);
bool KeyErased(const std::string& dir);

// Writes a new random data key into `dir`/replica.key, wrapped under
// `app_key`, synced; returns the data key.
// REQUIRES: app_key.size() == kReplicaKeyBytes; no replica.key in `dir`.
absl::StatusOr<std::string> CreateDataKey(const std::string& dir, const std::string& app_key);

// The data key of the replica in `dir`. PERMISSION_DENIED when `app_key`
// does not open it (the wrong key), DATA_LOSS when the file is damaged.
absl::StatusOr<std::string> OpenDataKey(const std::string& dir, const std::string& app_key);

// Whether `head` (a file's first 8 bytes or more) starts like a file that
// EncryptedFileSystem wrote.
bool IsEncryptedFileHeader(std::string_view head);

// A FileSystem over the local disk that encrypts what it writes and
// decrypts what it reads with `data_key`. Reading a file it did not write
// (a plain replica's) is an error, not garbage.
std::shared_ptr<rocksdb::FileSystem> EncryptedFileSystem(const std::string& data_key);

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_REPLICA_CRYPTO_H_
