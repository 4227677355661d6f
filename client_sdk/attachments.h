// The phone's attachments as the app and the sync see them: attaching a
// photo to a record (its bytes kept, its upload queued, then its reference
// written), fetching one a record names, the upload queue worked off in a
// sync, and the cache of files kept within its size.
//
// The rules: an upload is queued before its reference is written, so a
// reference the server holds always has its bytes on their way; a file
// goes up only once the server holds its record's reference; queued files
// are never evicted.
//
// Thread-safe (one download at a time).
#ifndef GRIDSYNC_CLIENT_SDK_ATTACHMENTS_H_
#define GRIDSYNC_CLIENT_SDK_ATTACHMENTS_H_

#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "client_sdk/attachment_files.h"
#include "client_sdk/attachment_sync.h"
#include "client_sdk/replica.h"
#include "client_sdk/replica_disk.h"
#include "client_sdk/server_link.h"
#include "gridsync/client.h"

namespace gridsync::sdk {

class Attachments {
 public:
  // Opens the files in o.data_dir/attachments, on `disk`. REQUIRES: `disk`,
  // `replica` and `link` outlive the attachments.
  static absl::StatusOr<std::unique_ptr<Attachments>> Open(const ClientOptions& o,
                                                           const ReplicaDisk& disk,
                                                           Replica* replica, ServerLink* link);

  // INVALID_ARGUMENT for an empty file or one over o.max_attachment_bytes.
  absl::Status CheckSize(int64_t size) const;
  // Attaches `bytes` (a JPEG, PNG or PDF, as its first bytes say) to the
  // record's photo log; returns the reference written.
  absl::StatusOr<gridsync::v1::PhotoRef> Attach(const std::string& record_id,
                                                std::string_view bytes, const AttachOptions& o);
  // The path of attachment `sha256` of the record, downloaded (resumed) when
  // the phone does not hold it intact.
  absl::StatusOr<std::string> Fetch(const std::string& record_id, const std::string& sha256,
                                    const std::function<void(int64_t, int64_t)>& progress);
  // A held attachment's bytes, decrypted when the replica is encrypted.
  absl::StatusOr<std::string> Read(const std::string& sha256) const {
    return files_->ReadAll(sha256);
  }
  void SetMetered(bool metered) { metered_ = metered; }

  // Uploads the queued attachments whose records the server holds: a
  // lasting refusal is kept on the entry for the app, a break ends the pass
  // (the sync's backoff retries), a spent quota leaves the rest waiting.
  // Then trims the cache. `progress(sent, total)` in bytes.
  absl::Status UploadAll(SyncReport* report, const std::function<void(int64_t, int64_t)>& progress);
  // After a restore of the server's store: every attachment still in this
  // phone's cache that a held record references goes back in the upload
  // queue (the server says at once which it still has).
  absl::Status RequeueCached();
  // The hashes in the upload queue.
  std::set<std::string> Queued() const;
  // Removes the files of records let go (RetentionPass::Letgo::files).
  void Remove(const std::set<std::string>& sha256s);

 private:
  Attachments(const ClientOptions& o, Replica* replica, std::unique_ptr<AttachmentFiles> files,
              std::unique_ptr<AttachmentSync> blobs);
  // The name of the record kind's photo log; INVALID_ARGUMENT when the kind
  // takes none.
  absl::StatusOr<std::string> PhotoLog(const std::string& record_id) const;
  // Evicts what is past the cache's size, never a queued file nor `keep`.
  void TrimCache(const std::string& keep = "");

  const int64_t max_bytes_;
  const int64_t cache_bytes_;
  const bool unmetered_only_;
  Replica* const replica_;
  const std::unique_ptr<AttachmentFiles> files_;
  const std::unique_ptr<AttachmentSync> blobs_;
  std::atomic<bool> metered_{false};
  absl::Mutex fetch_mu_;  // one download at a time: two of one blob would share its .part file
};

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_ATTACHMENTS_H_
