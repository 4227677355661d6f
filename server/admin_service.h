#ifndef GRIDSYNC_SERVER_ADMIN_SERVICE_H_
#define GRIDSYNC_SERVER_ADMIN_SERVICE_H_

#include <grpcpp/impl/service_type.h>

#include "gridsync/v1/admin_service.grpc.pb.h"
#include "server/auth.h"
#include "server/log.h"
#include "server/store.h"

namespace gridsync::server {

inline constexpr int kMaxBatchGet = 10000;

// Operator calls; each needs the admin token.
class AdminServiceImpl final : public grpc::Service {
 public:
  // Registers gridsync.v1.AdminService over raw bytes (server/raw_unary.h).
  // `blob_objects`: the attachments' objects folder (BlobStore), which a
  // Backup copies beside the store's files; empty for none.
  AdminServiceImpl(RecordStore* records, RegistryStore* registry, Authenticator* auth,
                   std::string blob_objects = "");

  grpc::Status EnrollDevice(grpc::ServerContext*, const Principal& who,
                            const gridsync::v1::EnrollDeviceRequest&,
                            gridsync::v1::EnrollDeviceResponse*);
  grpc::Status RevokeDevice(grpc::ServerContext*, const Principal& who,
                            const gridsync::v1::RevokeDeviceRequest&,
                            gridsync::v1::RevokeDeviceResponse*);
  grpc::Status ReinstateDevice(grpc::ServerContext*, const Principal& who,
                               const gridsync::v1::ReinstateDeviceRequest&,
                               gridsync::v1::ReinstateDeviceResponse*);
  grpc::Status ListHeldRefills(grpc::ServerContext*, const Principal& who,
                               const gridsync::v1::ListHeldRefillsRequest&,
                               gridsync::v1::ListHeldRefillsResponse*);
  grpc::Status ApplyHeldRefill(grpc::ServerContext*, const Principal& who,
                               const gridsync::v1::ApplyHeldRefillRequest&,
                               gridsync::v1::ApplyHeldRefillResponse*);
  grpc::Status ImportRegistry(grpc::ServerContext*, const Principal& who,
                              const gridsync::v1::ImportRegistryRequest&,
                              gridsync::v1::ImportRegistryResponse*);
  grpc::Status ListOrgUnits(grpc::ServerContext*, const Principal& who,
                            const gridsync::v1::ListOrgUnitsRequest&,
                            gridsync::v1::ListOrgUnitsResponse*);
  grpc::Status ListHouseholds(grpc::ServerContext*, const Principal& who,
                              const gridsync::v1::ListHouseholdsRequest&,
                              gridsync::v1::ListHouseholdsResponse*);
  grpc::Status GetRecord(grpc::ServerContext*, const Principal& who,
                         const gridsync::v1::GetRecordRequest&, gridsync::v1::GetRecordResponse*);
  grpc::Status BatchGetRecords(grpc::ServerContext*, const Principal& who,
                               const gridsync::v1::BatchGetRecordsRequest&,
                               gridsync::v1::BatchGetRecordsResponse*);
  grpc::Status GetStats(grpc::ServerContext*, const Principal& who,
                        const gridsync::v1::GetStatsRequest&, gridsync::v1::GetStatsResponse*);
  grpc::Status Backup(grpc::ServerContext* ctx, const Principal& who,
                      const gridsync::v1::BackupRequest& req, gridsync::v1::BackupResponse* resp);

 private:
  // OK only for a valid, unrevoked admin token.
  // OK for the admin token; sets *by, when given, to who called.
  // Logs an act after it succeeded; a failure to log is the call's error.
  grpc::Status Audit(gridsync::v1::AdminAct act, const gridsync::v1::Actor& by);
  // A cadre's device (ROLE_CADRE) on its village's roster as it stands now:
  // active until revoked (registry.proto Cadre). Nothing for other roles.
  grpc::Status Roster(const std::string& device_id, const gridsync::v1::Actor& by);

  RecordStore* records_;
  RegistryStore* registry_;
  const std::string blob_objects_;
  Authenticator* auth_;
  RateLimitedLog bad_requests_{"refused admin request"};
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_ADMIN_SERVICE_H_
