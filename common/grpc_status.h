// The one conversion between gRPC's status and Abseil's, in both directions,
// for the server's edge, the SDK and the tools. The codes are the same
// numbers in both (both follow google.rpc.Code).
#ifndef GRIDSYNC_COMMON_GRPC_STATUS_H_
#define GRIDSYNC_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace gridsync {

// The server's order to a phone to erase its replica (its device was
// revoked as lost): a payload on the absl::Status, and on the wire the
// status's error details (the grpc-status-details-bin trailer), so that no
// message text is parsed for it.
inline constexpr char kWipeOrder[] = "gridsync.v1.wipe";
inline absl::Status WithWipeOrder(absl::Status s) {
  s.SetPayload(kWipeOrder, absl::Cord("1"));
  return s;
}
inline bool IsWipeOrder(const absl::Status& s) { return s.GetPayload(kWipeOrder).has_value(); }

// `s` as an absl::Status with the same code; its message is prefixed with
// "`what`: " when `what` is given (what the caller was doing).
inline absl::Status FromGrpc(const grpc::Status& s, absl::string_view what = {}) {
  if (s.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(s.error_code());
  absl::Status out = what.empty() ? absl::Status(code, s.error_message())
                                  : absl::Status(code, absl::StrCat(what, ": ", s.error_message()));
  return s.error_details() == kWipeOrder ? WithWipeOrder(std::move(out)) : out;
}

inline grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()),
                      IsWipeOrder(s) ? kWipeOrder : "");
}

}  // namespace gridsync

#endif  // GRIDSYNC_COMMON_GRPC_STATUS_H_
