#include "client_sdk/attachment_sync.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/durable_file.h"
#include "core/attachment.h"

namespace gridsync::sdk {

bool IsBreak(const absl::Status& s) {
  return absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s) || absl::IsAborted(s) ||
         absl::IsInternal(s) || absl::IsUnknown(s);
}

AttachmentSync::AttachmentSync(const std::shared_ptr<grpc::Channel>& channel, Call call,
                               AttachmentFiles* files, int first_chunk_bytes)
    : stub_(gridsync::v1::BlobService::NewStub(channel)),
      call_(std::move(call)),
      files_(files),
      first_chunk_bytes_(std::clamp(first_chunk_bytes, kMinChunkBytes, 1 << 20)),
      chunk_bytes_(first_chunk_bytes_) {}

bool AttachmentSync::LocalCopyWhole(const std::string& sha256) { return files_->Intact(sha256); }

absl::Status AttachmentSync::Upload(const gridsync::v1::UploadEntry& e,
                                    const std::function<void(int64_t)>& sent, int max_breaks) {
  if (!files_->Has(e.sha256())) {
    return absl::DataLossError(
        "the phone's copy of the attachment is gone (the app's storage was cleared, or the "
        "replica restored from an older copy): attach the photo again");
  }
  int breaks = 0, hash_failures = 0;
  // Each pass begins (or resumes) at the server's offset; a pass ends with
  // the blob stored, a refusal, or a break.
  while (true) {
    gridsync::v1::BeginUploadRequest begin;
    begin.set_record_id(e.record_id());
    begin.set_sha256(e.sha256());
    gridsync::v1::BeginUploadResponse where;
    absl::Status st = call_("begin upload", [&](grpc::ClientContext* ctx) {
      return stub_->BeginUpload(ctx, begin, &where);
    });
    int64_t offset = where.offset();
    bool stored = where.stored();
    const int max_chunk = where.max_chunk_bytes() > 0 ? where.max_chunk_bytes() : 1 << 20;
    while (st.ok() && !stored && offset < e.size()) {
      const int64_t n = std::min<int64_t>({chunk_bytes_, max_chunk, e.size() - offset});
      auto data = files_->Read(e.sha256(), offset, n);
      if (!data.ok()) return data.status();
      if (static_cast<int64_t>(data->size()) != n) {
        return absl::DataLossError("the phone's copy of the attachment is shorter than attached");
      }
      gridsync::v1::UploadChunkRequest chunk;
      chunk.set_record_id(e.record_id());
      chunk.set_sha256(e.sha256());
      chunk.set_offset(offset);
      chunk.set_crc32c(core::Crc32c(*data));
      chunk.set_data(std::move(*data));
      gridsync::v1::UploadChunkResponse ack;
      st = call_("upload a chunk", [&](grpc::ClientContext* ctx) {
        ctx->set_compression_algorithm(GRPC_COMPRESS_NONE);  // photos do not shrink
        return stub_->UploadChunk(ctx, chunk, &ack);
      });
      if (!st.ok()) break;
      if (sent) sent(ack.offset() - offset);
      offset = ack.offset();
      stored = ack.stored();
    }
    if (st.ok()) {
      if (breaks == 0) chunk_bytes_ = std::min(first_chunk_bytes_, chunk_bytes_ * 2);
      return absl::OkStatus();
    }
    if (absl::IsCancelled(st)) return st;
    if (absl::IsDataLoss(st) && absl::StrContains(st.message(), "SHA-256")) {
      if (!LocalCopyWhole(e.sha256())) {
        return absl::DataLossError(
            "the phone's copy of the attachment is damaged (its bytes no longer have their "
            "hash); attach the photo again");
      }
      if (++hash_failures > 2) return st;
      continue;
    }
    // Another upload of the same blob moved on, or an ack was lost: resume.
    if (absl::IsFailedPrecondition(st) && absl::StrContains(st.message(), "resume from")) {
      if (++breaks > max_breaks) return st;
      continue;
    }
    if (absl::IsDataLoss(st) || IsBreak(st)) {
      if (++breaks > max_breaks) return st;
      chunk_bytes_ = std::max(kMinChunkBytes, chunk_bytes_ / 2);
      continue;
    }
    return st;
  }
}

absl::Status AttachmentSync::Download(const std::string& record_id,
                                      const gridsync::v1::PhotoRef& ref,
                                      const std::function<void(int64_t, int64_t)>& progress,
                                      int max_breaks) {
  int64_t offset = files_->PartialSize(ref.sha256());
  if (offset > ref.size()) {  // not what a download of this blob leaves: start again
    files_->DiscardPartial(ref.sha256());
    offset = 0;
  }
  // Bounded: each read moves the offset on by at least a byte, or fails; a
  // break resumes from the bytes already here, at most `max_breaks` times.
  int breaks = 0;
  while (offset < ref.size()) {
    gridsync::v1::ReadBlobRequest req;
    req.set_record_id(record_id);
    req.set_sha256(ref.sha256());
    req.set_offset(offset);
    req.set_max_bytes(chunk_bytes_.load());
    gridsync::v1::ReadBlobResponse resp;
    absl::Status st = call_("download an attachment", [&](grpc::ClientContext* ctx) {
      return stub_->ReadBlob(ctx, req, &resp);
    });
    if (IsBreak(st) && ++breaks <= max_breaks) {
      chunk_bytes_ = std::max(kMinChunkBytes, chunk_bytes_ / 2);
      continue;
    }
    if (!st.ok()) return st;
    if (resp.data().empty()) {
      return absl::DataLossError(absl::StrCat("the server has ", resp.size(),
                                              " bytes of the attachment, not the ", ref.size(),
                                              " its record gives"));
    }
    if (auto a = files_->AppendPartial(ref.sha256(), resp.data()); !a.ok()) return a;
    offset += static_cast<int64_t>(resp.data().size());
    if (progress) progress(offset, ref.size());
  }
  return files_->FinishPartial(ref.sha256());
}

}  // namespace gridsync::sdk
