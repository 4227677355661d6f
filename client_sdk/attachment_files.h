// The phone's attachments folder, <replica>/attachments/:
//
//   <name>       an attachment's bytes, whole; its name is their SHA-256, or
//                in an encrypted replica AttachmentName(key, SHA-256) (a
//                photo's hash, which the server and the county know, names
//                no file on a lost phone)
//   <name>.part  being written (an attach) or downloaded, never read as one
//
// Invariant: a file without ".part" has the hash its name says: it is
// renamed so only after the whole was written and synced (an attach) or
// hashed (a download). Files are the cache too: their modification time is
// their last use, and Evict removes the least recently used ones that are
// not pinned (not yet uploaded).
//
// Every byte goes through the FileSystem given to Open: the local disk, or
// an encrypted one (replica_crypto.h), where the files on disk are
// ciphertext and only Read gives their bytes.
#ifndef GRIDSYNC_CLIENT_SDK_ATTACHMENT_FILES_H_
#define GRIDSYNC_CLIENT_SDK_ATTACHMENT_FILES_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rocksdb/file_system.h"

namespace gridsync::sdk {

// The file name of the attachment `sha256`: the hash itself without a key,
// else HMAC-SHA256(name_key, sha256) in hex.
std::string AttachmentName(const std::string& name_key, const std::string& sha256);

class AttachmentFiles {
 public:
  // Opens (creating) the folder; files are read and written through `files`
  // (the plain local disk when null) and named with `name_key` (none: by
  // their hash).
  static absl::StatusOr<std::unique_ptr<AttachmentFiles>> Open(
      const std::string& dir, std::shared_ptr<rocksdb::FileSystem> files = nullptr,
      std::string name_key = "");

  // Stores `bytes` under their hash, synced; returns the hash. Storing bytes
  // already there changes nothing.
  absl::StatusOr<std::string> Put(std::string_view bytes);

  bool Has(const std::string& sha256) const;
  // Where the file is on disk (its bytes there are ciphertext when the
  // folder is encrypted).
  std::string Path(const std::string& sha256) const;
  // Whether the file's bytes still have the hash that names it.
  bool Intact(const std::string& sha256) const;
  // The whole file's bytes, checked against their hash: DATA_LOSS when
  // they do not have it (damaged, or changed on the phone's disk).
  absl::StatusOr<std::string> ReadAll(const std::string& sha256) const;
  // Up to `max` bytes from `offset`.
  absl::StatusOr<std::string> Read(const std::string& sha256, int64_t offset, int64_t max) const;
  // Marks the file used now (the cache keeps it longest).
  void Touch(const std::string& sha256);

  // A download under way: bytes held so far, more appended (synced, so a
  // killed app resumes), and the end: the whole hashed and, when it matches,
  // kept (DATA_LOSS and discarded when not).
  int64_t PartialSize(const std::string& sha256) const;
  absl::Status AppendPartial(const std::string& sha256, std::string_view data);
  absl::Status FinishPartial(const std::string& sha256);
  void DiscardPartial(const std::string& sha256);
  // Removes the whole file (its record was let go).
  void Remove(const std::string& sha256);

  // Removes the least recently used files not in `pinned` until at most
  // `limit` bytes are held (pinned ones count). Returns the bytes removed.
  int64_t Evict(const std::set<std::string>& pinned, int64_t limit);
  int64_t TotalBytes() const;

 private:
  AttachmentFiles(std::string dir, std::shared_ptr<rocksdb::FileSystem> files, std::string name_key)
      : dir_(std::move(dir)), files_(std::move(files)), name_key_(std::move(name_key)) {}
  // Appends `data` to the file (created, or emptied first with `truncate`),
  // synced.
  absl::Status Append(const std::string& path, std::string_view data, bool truncate);
  absl::StatusOr<std::string> ReadFile(const std::string& path, int64_t offset, int64_t max) const;
  absl::StatusOr<std::string> ReadWhole(const std::string& path) const;
  absl::StatusOr<std::string> Sha256Of(const std::string& path) const;

  const std::string dir_;
  const std::shared_ptr<rocksdb::FileSystem> files_;
  const std::string name_key_;  // empty: files named by their hash
};

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_ATTACHMENT_FILES_H_
