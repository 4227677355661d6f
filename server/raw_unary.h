// Unary gRPC methods registered over raw bytes, so that our code sees every
// request body. The generated handlers parse before any code of ours runs
// and answer a body that does not parse (malformed, or a string that is not
// UTF-8) with INTERNAL and no message; a client cannot tell that from a
// server fault. Here it is INVALID_ARGUMENT saying what is wrong
// (server/push_decode.h), logged through a rate-limited line.
//
// A service built with these derives from grpc::Service and registers each
// method by the generated method name, so stubs, grpcurl and reflection see
// the service as its .proto declares it.
#ifndef GRIDSYNC_SERVER_RAW_UNARY_H_
#define GRIDSYNC_SERVER_RAW_UNARY_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/support/method_handler.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/grpc_edge.h"
#include "server/log.h"
#include "server/push_decode.h"

namespace gridsync::server {

// The body of a call as one string (at most the server's receive limit).
inline std::string Flatten(const grpc::ByteBuffer& buf) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buf.Dump(&slices).ok()) return out;
  out.reserve(buf.Length());
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

inline grpc::ByteBuffer Serialize(const google::protobuf::Message& msg) {
  const std::string bytes = msg.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// `body` parsed into `req` (ParseRequest); otherwise INVALID_ARGUMENT saying
// why, logged through `log` with who sent it.
inline grpc::Status ParseBody(const grpc::ByteBuffer& body, google::protobuf::Message* req,
                              RateLimitedLog* log, absl::string_view caller) {
  const absl::Status parsed = ParseRequest(Flatten(body), req);
  if (parsed.ok()) return grpc::Status::OK;
  log->Error(absl::StrCat(caller, ": ", parsed.message()));
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(parsed.message()));
}

// A method of `svc` taking raw bytes: `raw(svc, ctx, request, response)`.
// The caller owns nothing: the returned method goes to grpc::Service::AddMethod.
template <typename Svc, typename Raw>
grpc::internal::RpcServiceMethod* RawMethod(const char* name, Svc* svc, Raw raw) {
  using Handler = grpc::internal::RpcMethodHandler<Svc, grpc::ByteBuffer, grpc::ByteBuffer>;
  return new grpc::internal::RpcServiceMethod(name, grpc::internal::RpcMethod::NORMAL_RPC,
                                              new Handler(raw, svc));
}

// Who may call a method, checked once the caller's token is known and
// before its body is parsed.
enum class Require {
  kDevice,  // any enrolled, unrevoked device; the method checks its scope
  kAdmin,   // the county's admin token
};

// What every authenticated method shares: whose tokens it takes and where
// refusals of bad bodies are logged. Both must outlive the server.
struct Edge {
  const Authenticator* auth;
  RateLimitedLog* log;
};

// PERMISSION_DENIED, naming the method and the caller's role, unless `who`
// is what `require` asks for.
inline grpc::Status CheckRequired(const Principal& who, Require require, absl::string_view method) {
  if (require == Require::kDevice || who.IsAdmin()) return grpc::Status::OK;
  absl::ConsumePrefix(&method, "/gridsync.v1.");
  return grpc::Status(
      grpc::StatusCode::PERMISSION_DENIED,
      absl::StrCat(method, " needs the admin token; device ", who.device.device_id(), " is a ",
                   gridsync::v1::Role_Name(who.device.role())));
}

// The one way an authenticated unary method is registered: the caller is
// authenticated (AuthenticateCall) and held to `require`, then the body is
// parsed (ParseRequest: an unauthenticated caller learns nothing of how a
// body is read), then `method(ctx, who, req, resp)` runs. Returns a method
// for grpc::Service::AddMethod.
template <typename Svc, typename Req, typename Resp>
grpc::internal::RpcServiceMethod* Unary(const char* name, Svc* svc, Require require,
                                        grpc::Status (Svc::*method)(grpc::ServerContext*,
                                                                    const Principal&, const Req&,
                                                                    Resp*),
                                        Edge edge) {
  return RawMethod(
      name, svc,
      [name, method, require, edge](Svc* s, grpc::ServerContext* ctx, const grpc::ByteBuffer* in,
                                    grpc::ByteBuffer* out) {
        auto who = AuthenticateCall(*edge.auth, ctx);
        if (!who.ok()) return ToGrpc(who.status());
        if (auto st = CheckRequired(*who, require, name); !st.ok()) return st;
        Req req;
        if (auto st = ParseBody(*in, &req, edge.log, who->device.device_id()); !st.ok()) {
          return st;
        }
        Resp resp;
        grpc::Status st = (s->*method)(ctx, *who, req, &resp);
        if (st.ok()) *out = Serialize(resp);
        return st;
      });
}

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_RAW_UNARY_H_
