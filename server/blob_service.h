// gridsync.v1.BlobService: attachments' bytes. Each call names a record and a
// hash; the record must be in the caller's scope and reference the hash,
// and its reference gives the size and type the bytes must have. The bytes
// live in the BlobStore; the store logs each blob's arrival as a change.
#ifndef GRIDSYNC_SERVER_BLOB_SERVICE_H_
#define GRIDSYNC_SERVER_BLOB_SERVICE_H_

#include <grpcpp/impl/service_type.h>

#include <functional>

#include "gridsync/v1/blob_service.grpc.pb.h"
#include "server/auth.h"
#include "server/blob_store.h"
#include "server/log.h"
#include "server/store.h"

namespace gridsync::server {

class BlobServiceImpl final : public grpc::Service {
 public:
  static constexpr int32_t kMaxChunkBytes = 1 << 20;

  // Registers gridsync.v1.BlobService over raw bytes (server/raw_unary.h).
  // `now` is the wall clock in ms (the quota's day); tests give their own.
  BlobServiceImpl(RecordStore* records, BlobStore* blobs, const Authenticator* auth,
                  std::function<int64_t()> now = nullptr);

  grpc::Status BeginUpload(grpc::ServerContext* ctx, const Principal& who,
                           const gridsync::v1::BeginUploadRequest& req,
                           gridsync::v1::BeginUploadResponse* resp);
  grpc::Status UploadChunk(grpc::ServerContext* ctx, const Principal& who,
                           const gridsync::v1::UploadChunkRequest& req,
                           gridsync::v1::UploadChunkResponse* resp);
  grpc::Status ReadBlob(grpc::ServerContext* ctx, const Principal& who,
                        const gridsync::v1::ReadBlobRequest& req,
                        gridsync::v1::ReadBlobResponse* resp);

 private:
  // An attachment a caller may use: the reference and its record's grid.
  struct Granted {
    Principal who;
    gridsync::v1::PhotoRef ref;
    std::string record_id;
    std::string grid_code;
    bool voided = false;
  };
  // The caller, and the reference of `sha256` in record `record_id`, which
  // the caller may read: NOT_FOUND when the record is not in the scope (or
  // does not exist) or does not reference the hash; INVALID_ARGUMENT when
  // the blob is stored and the reference does not give its size and type (a
  // hash alone reads nothing); PERMISSION_DENIED for an `upload` by a
  // device that does not write (a county job).
  absl::StatusOr<Granted> Authorize(const Principal& who, const std::string& record_id,
                                    const std::string& sha256, bool upload);
  // OK when `ref`'s blob is not stored, or is stored with the reference's
  // size and type; INVALID_ARGUMENT otherwise.
  absl::Status MatchesStored(const gridsync::v1::PhotoRef& ref) const;
  // The blob store's limits for the upload `g` (BlobStore::Admit).
  absl::Status Admit(const Granted& g);
  // After the last byte: logs the blob's arrival once (and again after a
  // crash that came between storing it and logging it).
  absl::Status LogStored(const Granted& g);
  int Today() const;  // yyyymmdd in China time

  RecordStore* records_;
  BlobStore* blobs_;
  const Authenticator* auth_;
  std::function<int64_t()> now_;
  RateLimitedLog bad_requests_{"refused blob request"};
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_BLOB_SERVICE_H_
