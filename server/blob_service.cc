#include "server/blob_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "core/attachment.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "server/grpc_edge.h"
#include "server/raw_unary.h"

namespace gridsync::server {

BlobServiceImpl::BlobServiceImpl(RecordStore* records, BlobStore* blobs, const Authenticator* auth,
                                 std::function<int64_t()> now)
    : records_(records),
      blobs_(blobs),
      auth_(auth),
      now_(now ? std::move(now) : std::function<int64_t()>(core::SystemWallMs)) {
  using S = BlobServiceImpl;
  const Edge edge{auth_, &bad_requests_};
  AddMethod(
      Unary("/gridsync.v1.BlobService/BeginUpload", this, Require::kDevice, &S::BeginUpload, edge));
  AddMethod(
      Unary("/gridsync.v1.BlobService/UploadChunk", this, Require::kDevice, &S::UploadChunk, edge));
  AddMethod(Unary("/gridsync.v1.BlobService/ReadBlob", this, Require::kDevice, &S::ReadBlob, edge));
}

int BlobServiceImpl::Today() const {
  const absl::CivilDay day =
      absl::CivilDay(1970, 1, 1) + (now_() + core::kChinaOffsetMs) / (int64_t{86400} * 1000);
  return static_cast<int>(day.year() * 10000 + day.month() * 100 + day.day());
}

absl::StatusOr<BlobServiceImpl::Granted> BlobServiceImpl::Authorize(const Principal& who,
                                                                    const std::string& record_id,
                                                                    const std::string& sha256,
                                                                    bool upload) {
  if (upload && !who.CanWrite()) {
    return absl::PermissionDeniedError("this device reads attachments; phones upload them");
  }
  if (!core::IsValidRecordId(record_id)) {
    return absl::InvalidArgumentError("record_id is not a ULID or UUIDv7");
  }
  if (!core::IsSha256Hex(sha256)) {
    return absl::InvalidArgumentError("sha256 must be 64 lowercase hex digits");
  }
  auto state = records_->GetRecord(record_id);
  if (!state.ok()) return state.status();
  const absl::Status not_found = absl::NotFoundError(absl::StrCat(
      "record ", record_id, " with attachment ", sha256.substr(0, 12),
      "… is not in your scope: sync the record first, or ask for it in your own grid"));
  if (!state->has_value() || !who.InScope((*state)->header().grid_code())) return not_found;
  for (auto& ref : core::AttachmentsOf(**state)) {
    if (ref.sha256() != sha256) continue;
    if (auto st = MatchesStored(ref); !st.ok()) return st;
    return Granted{who, std::move(ref), record_id, (*state)->header().grid_code(),
                   (*state)->has_void_mark()};
  }
  return not_found;
}

absl::Status BlobServiceImpl::MatchesStored(const gridsync::v1::PhotoRef& ref) const {
  const auto stored = blobs_->StoredInfo(ref.sha256());
  if (!stored || (stored->size == ref.size() && stored->content_type == ref.content_type())) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "the record's reference to attachment ", ref.sha256().substr(0, 12), "… gives ", ref.size(),
      " bytes of ", ref.content_type(),
      ", which is not the attachment: a reference must give its file's own size and type"));
}

absl::Status BlobServiceImpl::LogStored(const Granted& g) {
  auto logged = records_->BlobLogged(g.ref.sha256());
  if (!logged.ok()) return logged.status();
  if (*logged) return absl::OkStatus();
  gridsync::v1::BlobStored b;
  b.set_sha256(g.ref.sha256());
  b.set_size(g.ref.size());
  b.set_content_type(g.ref.content_type());
  b.set_grid_code(g.grid_code);
  b.set_record_id(g.record_id);
  b.set_device_id(g.who.device.device_id());
  return records_->LogBlobStored(b);
}

absl::Status BlobServiceImpl::Admit(const Granted& g) {
  return blobs_->Admit(g.who.device.device_id(), g.ref.sha256(), g.ref.size(), g.ref.content_type(),
                       Today());
}

grpc::Status BlobServiceImpl::BeginUpload(grpc::ServerContext*, const Principal& who,
                                          const gridsync::v1::BeginUploadRequest& req,
                                          gridsync::v1::BeginUploadResponse* resp) {
  auto g = Authorize(who, req.record_id(), req.sha256(), /*upload=*/true);
  if (!g.ok()) return ToGrpc(g.status());
  resp->set_size(g->ref.size());
  resp->set_max_chunk_bytes(kMaxChunkBytes);
  if (blobs_->StoredSize(req.sha256())) {
    if (auto st = LogStored(*g); !st.ok()) return ToGrpc(st);
    resp->set_offset(g->ref.size());
    resp->set_stored(true);
    return grpc::Status::OK;
  }
  if (auto st = Admit(*g); !st.ok()) return ToGrpc(st);
  resp->set_offset(blobs_->Received(req.sha256()));
  return grpc::Status::OK;
}

grpc::Status BlobServiceImpl::UploadChunk(grpc::ServerContext*, const Principal& who,
                                          const gridsync::v1::UploadChunkRequest& req,
                                          gridsync::v1::UploadChunkResponse* resp) {
  auto g = Authorize(who, req.record_id(), req.sha256(), /*upload=*/true);
  if (!g.ok()) return ToGrpc(g.status());
  if (req.data().size() > static_cast<size_t>(kMaxChunkBytes)) {
    return ToGrpc(
        absl::InvalidArgumentError(absl::StrCat("a chunk is at most ", kMaxChunkBytes, " bytes")));
  }
  if (core::Crc32c(req.data()) != req.crc32c()) {
    return ToGrpc(absl::DataLossError(
        "the chunk's crc32c does not match its bytes (damaged on the way); nothing of it was "
        "kept: send it again"));
  }
  // The limits were checked by BeginUpload; a chunk without one is checked
  // the same way. Its bytes are charged as they arrive.
  if (req.offset() == 0 && !blobs_->StoredSize(req.sha256())) {
    if (auto st = Admit(*g); !st.ok()) return ToGrpc(st);
  }
  auto p = blobs_->Append(g->who.device.device_id(), Today(), req.sha256(), g->ref.size(),
                          g->ref.content_type(), req.offset(), req.data());
  if (!p.ok()) return ToGrpc(p.status());
  if (p->stored) {
    if (auto st = LogStored(*g); !st.ok()) return ToGrpc(st);
  }
  resp->set_offset(p->offset);
  resp->set_stored(p->stored);
  return grpc::Status::OK;
}

grpc::Status BlobServiceImpl::ReadBlob(grpc::ServerContext*, const Principal& who,
                                       const gridsync::v1::ReadBlobRequest& req,
                                       gridsync::v1::ReadBlobResponse* resp) {
  auto g = Authorize(who, req.record_id(), req.sha256(), /*upload=*/false);
  if (!g.ok()) return ToGrpc(g.status());
  const bool county = g->who.IsAdmin() || g->who.device.role() == gridsync::v1::ROLE_COUNTY_JOB;
  if (g->voided && !county) {
    return ToGrpc(absl::FailedPreconditionError(
        absl::StrCat("record ", req.record_id(),
                     " was voided: its attachments are kept for audit and not sent to phones")));
  }
  const auto size = blobs_->StoredSize(req.sha256());
  if (!size) {
    return ToGrpc(absl::NotFoundError(
        "the attachment's bytes have not reached the server yet: the phone that took it "
        "uploads them at its next sync"));
  }
  if (req.offset() < 0 || req.offset() > *size) {
    return ToGrpc(absl::OutOfRangeError(
        absl::StrCat("offset ", req.offset(), " is outside the blob's ", *size, " bytes")));
  }
  const int64_t max =
      req.max_bytes() <= 0 ? 256 << 10 : std::min<int64_t>(req.max_bytes(), kMaxChunkBytes);
  auto data = blobs_->Read(req.sha256(), req.offset(), std::min(max, *size - req.offset()));
  if (!data.ok()) return ToGrpc(data.status());
  resp->set_data(std::move(*data));
  resp->set_offset(req.offset());
  resp->set_size(*size);
  resp->set_content_type(g->ref.content_type());
  return grpc::Status::OK;
}

}  // namespace gridsync::server
