// Attachments' bytes, as files beside the record store (BENCHMARKS.md
// "Where photos live": no write amplification, no compaction, a backup that
// copies each file once):
//
//   <dir>/objects/ab/cd/<sha256>  a blob, whole and verified; never rewritten
//   <dir>/partial/<sha256>        an upload under way: the bytes acknowledged
//   <dir>/quota/<yyyymmdd>        the day's charges: "<device> <sha256> <bytes>",
//                                 a line per chunk received
//
// Invariants: a file under objects/ has the SHA-256 its name says (it is
// renamed there only after the whole was hashed); every byte of a partial
// file that was acknowledged is synced. Two uploads of one blob (two phones)
// share its partial file, one chunk at a time, so it is stored once.
// Knows nothing of records or scopes: BlobServiceImpl checks those.
#ifndef GRIDSYNC_SERVER_BLOB_STORE_H_
#define GRIDSYNC_SERVER_BLOB_STORE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace gridsync::server {

class BlobStore {
 public:
  struct Options {
    int64_t max_blob_bytes = int64_t{10} << 20;        // per attachment
    int64_t quota_bytes_per_day = int64_t{200} << 20;  // per device; 0: none
    // Uploads are refused while the disk would keep less than this free
    // (the record store's own reserve, so photos never starve records).
    uint64_t min_free_bytes = 0;
    // An upload not resumed for this long is abandoned: its partial file is
    // removed when the store opens (the phone, if it comes back, starts at 0).
    int64_t abandon_after_ms = int64_t{30} * 86400 * 1000;
  };

  // Opens (creating) the blob folder `dir`, and removes abandoned uploads.
  static absl::StatusOr<std::unique_ptr<BlobStore>> Open(const std::string& dir, Options opts);

  const std::string& dir() const { return dir_; }
  const Options& options() const { return opts_; }

  // The size of blob `sha256` when it is stored whole; nullopt when not.
  std::optional<int64_t> StoredSize(const std::string& sha256) const;
  // Bytes held of an upload under way (0 when none).
  int64_t Received(const std::string& sha256) const;

  // Admits an upload of `size` bytes of `content_type` by `device_id`
  // before any byte is sent: INVALID_ARGUMENT for a type not allowed or a
  // size over the limit, RESOURCE_EXHAUSTED when the bytes still to come
  // would pass the device's quota for `day` (yyyymmdd) or the disk is short
  // of space. Charges nothing: Append charges the bytes it receives.
  absl::Status Admit(const std::string& device_id, const std::string& sha256, int64_t size,
                     const std::string& content_type, int day);

  struct Progress {
    int64_t offset = 0;   // bytes held durably
    bool stored = false;  // the blob is whole and verified
  };
  // Writes `data` at `offset` of the upload of `sha256` (`size` bytes of
  // `content_type` in all) and syncs it, charging its bytes to `device_id`'s
  // quota for `day` (durably, before they are written: a byte received is
  // a byte charged, whatever the reference claimed). With the last byte,
  // hashes the whole: a match stores the blob, a mismatch discards the
  // upload (DATA_LOSS). FAILED_PRECONDITION when `offset` is not the offset
  // held (another upload of the same blob went on, or an ack was lost);
  // INVALID_ARGUMENT when the first bytes are not of `content_type` or the
  // data runs past `size`; RESOURCE_EXHAUSTED when the chunk would pass the
  // quota (nothing of it is kept).
  // REQUIRES: Admit accepted the upload.
  absl::StatusOr<Progress> Append(const std::string& device_id, int day, const std::string& sha256,
                                  int64_t size, const std::string& content_type, int64_t offset,
                                  std::string_view data);

  // A stored blob's size and the type its first bytes show
  // (core::SniffContentType); nullopt when it is not stored whole.
  struct Stored {
    int64_t size = 0;
    std::string content_type;
  };
  std::optional<Stored> StoredInfo(const std::string& sha256) const;

  // Up to `max` bytes of stored blob `sha256` from `offset`.
  absl::StatusOr<std::string> Read(const std::string& sha256, int64_t offset, int64_t max) const;

  // For the metrics page: uploads under way (partial files), and since the
  // process started, chunk bytes written and blobs stored whole.
  struct Counts {
    uint64_t uploads_in_progress = 0, bytes_received = 0, blobs_stored = 0;
  };
  Counts counts() const;

  // Hashes every stored blob: one line per file whose bytes do not hash to
  // its name (damaged on disk), and the files and bytes checked.
  struct Verified {
    std::vector<std::string> problems;
    uint64_t files = 0, bytes = 0;
  };
  Verified VerifyAll() const;

  // The path of stored blob `sha256` (for backups and tests).
  std::string ObjectPath(const std::string& sha256) const;

 private:
  BlobStore(std::string dir, Options opts) : dir_(std::move(dir)), opts_(opts) {}
  std::string PartialPath(const std::string& sha256) const;
  absl::Mutex& LockFor(const std::string& sha256);
  absl::StatusOr<Progress> Finish(const std::string& sha256);
  absl::Status LoadQuotaDay(int day) ABSL_EXCLUSIVE_LOCKS_REQUIRED(quota_mu_);
  // The quota for `day` left to `device_id`, in bytes (INT64_MAX without one).
  int64_t QuotaLeft(const std::string& device_id, int day);
  // Charges `bytes` of `sha256` to `device_id` for `day`, durably;
  // RESOURCE_EXHAUSTED (charging nothing) when they would pass the quota.
  absl::Status Charge(const std::string& device_id, int day, const std::string& sha256,
                      int64_t bytes);

  const std::string dir_;
  const Options opts_;
  std::array<absl::Mutex, 64> upload_mu_;  // by the hash's first byte: one writer per blob

  std::atomic<uint64_t> bytes_received_{0}, blobs_stored_{0};

  absl::Mutex quota_mu_;
  int quota_day_ ABSL_GUARDED_BY(quota_mu_) = 0;
  std::unordered_map<std::string, int64_t> charged_ ABSL_GUARDED_BY(quota_mu_);  // device -> bytes
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_BLOB_STORE_H_
