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
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace gridsync {

// The server's order to a phone to erase its replica (its device was
// revoked as lost): a payload on the absl::Status, and on the wire an
// ErrorInfo with reason kWipeReason in the status's details, so that no
// message text is parsed for it.
inline constexpr char kWipeOrder[] = "gridsync.v1.wipe";
inline constexpr char kWipeReason[] = "DEVICE_LOST_WIPE_REPLICA";
inline constexpr char kErrorDomain[] = "gridsync.v1";
// The request field an error is about (a BadRequest on the wire).
inline constexpr char kFieldPayload[] = "gridsync.v1.field";

inline absl::Status WithWipeOrder(absl::Status s) {
  s.SetPayload(kWipeOrder, absl::Cord("1"));
  return s;
}
inline bool IsWipeOrder(const absl::Status& s) { return s.GetPayload(kWipeOrder).has_value(); }
// `s`, naming the request field that is wrong (a path, e.g. "page_size").
inline absl::Status WithField(absl::Status s, absl::string_view field) {
  s.SetPayload(kFieldPayload, absl::Cord(field));
  return s;
}

// `s` as an absl::Status with the same code; its message is prefixed with
// "`what`: " when `what` is given (what the caller was doing). A wipe order
// in the details comes back as one.
inline absl::Status FromGrpc(const grpc::Status& s, absl::string_view what = {}) {
  if (s.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(s.error_code());
  absl::Status out = what.empty() ? absl::Status(code, s.error_message())
                                  : absl::Status(code, absl::StrCat(what, ": ", s.error_message()));
  google::rpc::Status details;
  if (s.error_details().empty() || !details.ParseFromString(s.error_details())) return out;
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info) && info.domain() == kErrorDomain && info.reason() == kWipeReason) {
      return WithWipeOrder(std::move(out));
    }
  }
  return out;
}

// `s` for the wire, with a google.rpc.Status in its details (AIP-193) that
// any gRPC client decodes: an ErrorInfo (reason: the wipe order, or the
// code's name; domain gridsync.v1) and, when `s` names a field, a
// BadRequest with that field.
inline grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  google::rpc::Status details;
  details.set_code(static_cast<int>(s.code()));
  details.set_message(std::string(s.message()));
  google::rpc::ErrorInfo info;
  info.set_reason(IsWipeOrder(s) ? kWipeReason : absl::StatusCodeToString(s.code()));
  info.set_domain(kErrorDomain);
  details.add_details()->PackFrom(info);
  if (auto field = s.GetPayload(kFieldPayload)) {
    google::rpc::BadRequest bad;
    auto* v = bad.add_field_violations();
    v->set_field(std::string(*field));
    v->set_description(std::string(s.message()));
    details.add_details()->PackFrom(bad);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()),
                      details.SerializeAsString());
}

}  // namespace gridsync

#endif  // GRIDSYNC_COMMON_GRPC_STATUS_H_
