#ifndef GRIDSYNC_SERVER_SYNC_SERVICE_H_
#define GRIDSYNC_SERVER_SYNC_SERVICE_H_

#include "gridsync/v1/sync_service.grpc.pb.h"
#include "server/auth.h"
#include "server/store.h"

namespace gridsync::server {

inline constexpr int kMaxMutationsPerPush = 1000;
inline constexpr int kDefaultPageSize = 500;
inline constexpr int kMaxPageSize = 5000;

// Push and Pull: authenticate, validate, call the store, map the result.
class SyncServiceImpl final : public gridsync::v1::SyncService::Service {
 public:
  SyncServiceImpl(Store* store, const Authenticator* auth, int64_t max_skew_ms)
      : store_(store), auth_(auth), max_skew_ms_(max_skew_ms) {}

  grpc::Status Push(grpc::ServerContext* ctx, const gridsync::v1::PushRequest* req,
                    gridsync::v1::PushResponse* resp) override;
  grpc::Status Pull(grpc::ServerContext* ctx, const gridsync::v1::PullRequest* req,
                    gridsync::v1::PullResponse* resp) override;

 private:
  Store* store_;
  const Authenticator* auth_;
  int64_t max_skew_ms_;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_SYNC_SERVICE_H_
