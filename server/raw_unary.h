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

// A typed method of `svc`, its request parsed here (ParseRequest) once the
// caller's token is known to `auth` (an unauthenticated caller learns
// nothing of how a body is read); the method checks what the caller may do.
// `auth` and `log` must outlive the server.
template <typename Svc, typename Req, typename Resp>
grpc::internal::RpcServiceMethod* ParsedUnary(const char* name, Svc* svc,
                                              grpc::Status (Svc::*method)(grpc::ServerContext*,
                                                                          const Req*, Resp*),
                                              const Authenticator* auth, RateLimitedLog* log) {
  return RawMethod(name, svc,
                   [method, auth, log](Svc* s, grpc::ServerContext* ctx, const grpc::ByteBuffer* in,
                                       grpc::ByteBuffer* out) {
                     if (auto who = AuthenticateCall(*auth, ctx); !who.ok()) {
                       return ToGrpc(who.status());
                     }
                     Req req;
                     if (grpc::Status st = ParseBody(*in, &req, log, ctx->peer()); !st.ok()) {
                       return st;
                     }
                     Resp resp;
                     grpc::Status st = (s->*method)(ctx, &req, &resp);
                     if (st.ok()) *out = Serialize(resp);
                     return st;
                   });
}

// A typed method of `svc` whose caller is authenticated before its body is
// parsed (an unauthenticated caller learns nothing of how a body is read):
// `method(ctx, who, req, resp)`. `auth` and `log` must outlive the server.
template <typename Svc, typename Req, typename Resp>
grpc::internal::RpcServiceMethod* AuthedUnary(const char* name, Svc* svc, const Authenticator* auth,
                                              grpc::Status (Svc::*method)(grpc::ServerContext*,
                                                                          const Principal&,
                                                                          const Req&, Resp*),
                                              RateLimitedLog* log) {
  return RawMethod(name, svc,
                   [method, auth, log](Svc* s, grpc::ServerContext* ctx, const grpc::ByteBuffer* in,
                                       grpc::ByteBuffer* out) {
                     auto who = AuthenticateCall(*auth, ctx);
                     if (!who.ok()) return ToGrpc(who.status());
                     Req req;
                     if (grpc::Status st = ParseBody(*in, &req, log, who->device.device_id());
                         !st.ok()) {
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
