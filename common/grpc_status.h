// The one conversion between gRPC's status and Abseil's, in both directions,
// for the server's edge, the SDK and the tools. The codes are the same
// numbers in both (both follow google.rpc.Code).
#ifndef GRIDSYNC_COMMON_GRPC_STATUS_H_
#define GRIDSYNC_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace gridsync {

// `s` as an absl::Status with the same code; its message is prefixed with
// "`what`: " when `what` is given (what the caller was doing).
inline absl::Status FromGrpc(const grpc::Status& s, absl::string_view what = {}) {
  if (s.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(s.error_code());
  if (what.empty()) return absl::Status(code, s.error_message());
  return absl::Status(code, absl::StrCat(what, ": ", s.error_message()));
}

inline grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

}  // namespace gridsync

#endif  // GRIDSYNC_COMMON_GRPC_STATUS_H_
