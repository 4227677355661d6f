// The edge between gRPC and the domain: statuses and credentials.
#ifndef GRIDSYNC_SERVER_GRPC_EDGE_H_
#define GRIDSYNC_SERVER_GRPC_EDGE_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "common/grpc_status.h"
#include "server/auth.h"

namespace gridsync::server {

using gridsync::ToGrpc;

inline absl::StatusOr<Principal> AuthenticateCall(const Authenticator& auth,
                                                  const grpc::ServerContext* ctx) {
  const auto& md = ctx->client_metadata();
  auto value = [&md](const char* key) {
    auto it = md.find(key);
    return it == md.end() ? absl::string_view()
                          : absl::string_view(it->second.data(), it->second.size());
  };
  auto who = auth.Authenticate(value("authorization"), value("user-agent"));
  if (who.ok() && auth.job_certificates() && who->device.role() == gridsync::v1::ROLE_COUNTY_JOB &&
      !(ctx->auth_context() && ctx->auth_context()->IsPeerAuthenticated())) {
    return absl::PermissionDeniedError(
        "a county job's token needs the county's client certificate on this server: give "
        "--tls-cert and --tls-key");
  }
  return who;
}

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_GRPC_EDGE_H_
