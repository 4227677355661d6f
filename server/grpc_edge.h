// The edge between gRPC and the domain: statuses and credentials.
#ifndef GRIDSYNC_SERVER_GRPC_EDGE_H_
#define GRIDSYNC_SERVER_GRPC_EDGE_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "server/auth.h"

namespace gridsync::server {

inline grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

inline absl::StatusOr<Principal> AuthenticateCall(const Authenticator& auth,
                                                  const grpc::ServerContext* ctx) {
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) return auth.Authenticate("");
  return auth.Authenticate(absl::string_view(it->second.data(), it->second.size()));
}

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_GRPC_EDGE_H_
