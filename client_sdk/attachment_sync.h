// The wire side of attachments on the phone (BlobService): one upload,
// resumed from the offset the server holds after any break, in chunks that
// halve after each break (a village network that drops every few hundred KB
// wastes at most a small chunk each time) and grow back after an upload
// without one, and one download, resumed from the bytes already on the phone. Which attachments to
// send, and what a refusal means for the queue, are the Client's.
#ifndef GRIDSYNC_CLIENT_SDK_ATTACHMENT_SYNC_H_
#define GRIDSYNC_CLIENT_SDK_ATTACHMENT_SYNC_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "client_sdk/attachment_files.h"
#include "gridsync/v1/blob_service.grpc.pb.h"
#include "gridsync/v1/client_api.pb.h"
#include "gridsync/v1/records.pb.h"

namespace gridsync::sdk {

class AttachmentSync {
 public:
  // Runs one call with the device's token and deadline (the Client's).
  using Call = std::function<absl::Status(
      absl::string_view what, const std::function<grpc::Status(grpc::ClientContext*)>&)>;
  static constexpr int kMinChunkBytes = 16 << 10;

  AttachmentSync(const std::shared_ptr<grpc::Channel>& channel, Call call, AttachmentFiles* files,
                 int first_chunk_bytes);

  // Sends the bytes of `e` (its file in `files`) until the server holds them
  // whole; `sent(n)` after each acknowledged chunk of n bytes. Returns the
  // server's refusal as is (the caller tells lasting ones from breaks); a
  // break is retried from the server's offset, up to `max_breaks` times.
  // DATA_LOSS with "phone's copy" when the file here no longer has its hash.
  absl::Status Upload(const gridsync::v1::UploadEntry& e, const std::function<void(int64_t)>& sent,
                      int max_breaks = 64);

  // Downloads attachment `ref` of record `record_id` into `files`, resuming
  // a download cut short (by a break, up to `max_breaks` times here, or by a
  // killed app: the bytes already on the phone stay); `progress(done,
  // total)` after each piece.
  absl::Status Download(const std::string& record_id, const gridsync::v1::PhotoRef& ref,
                        const std::function<void(int64_t, int64_t)>& progress, int max_breaks = 64);

  int chunk_bytes() const { return chunk_bytes_; }

 private:
  // The server refused the whole as not matching its hash: true when the
  // file here is still whole (send it again), false when it is damaged.
  bool LocalCopyWhole(const std::string& sha256);

  std::unique_ptr<gridsync::v1::BlobService::Stub> stub_;
  Call call_;
  AttachmentFiles* files_;
  const int first_chunk_bytes_;
  std::atomic<int> chunk_bytes_;  // halved after a break, doubled back after a clean upload
};

// True for a status an upload or download can retry (the network broke, the
// server restarted, the call timed out).
bool IsBreak(const absl::Status& s);

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_ATTACHMENT_SYNC_H_
