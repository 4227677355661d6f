#include "client_sdk/server_link.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/version.h"

namespace gridsync::sdk {

namespace {

bool IsLoopback(const std::string& addr) {
  return absl::StartsWith(addr, "127.") || absl::StartsWith(addr, "localhost:") ||
         absl::StartsWith(addr, "[::1]:");
}

std::shared_ptr<grpc::Channel> OpenChannel(const ClientOptions& o) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetUserAgentPrefix(kSdkUserAgent);
  if (o.compression) {
    args.SetCompressionAlgorithm(GRPC_COMPRESS_GZIP);
  } else {
    // Accept identity only, so the server does not compress either.
    args.SetInt(GRPC_COMPRESSION_CHANNEL_ENABLED_ALGORITHMS_BITSET, 1 << GRPC_COMPRESS_NONE);
  }
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (o.tls_root_certs.empty() && IsLoopback(o.server_address)) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = o.tls_root_certs;
    creds = grpc::SslCredentials(ssl);
  }
  return grpc::CreateCustomChannel(o.server_address, creds, args);
}

}  // namespace

ServerLink::ServerLink(const ClientOptions& o, core::HybridClock* clock, BackgroundSync* background,
                       std::function<int64_t()> wall)
    : token_(o.token),
      timeout_(o.rpc_timeout),
      clock_(clock),
      background_(background),
      wall_(std::move(wall)),
      channel_(OpenChannel(o)),
      stub_(gridsync::v1::SyncService::NewStub(channel_)) {}

absl::Status ServerLink::CallTimed(absl::string_view what, const Rpc& rpc,
                                   const std::function<int64_t()>& server_time_ms) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token_);
  ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
  if (!background_->BeginCall(&ctx)) {
    return absl::CancelledError(absl::StrCat(what, ": sync is stopping"));
  }
  const int64_t t0 = wall_();
  grpc::Status s = rpc(&ctx);
  const int64_t t1 = wall_();
  background_->EndCall();
  if (!s.ok()) return FromGrpc(s, what);
  const int64_t server_ms = server_time_ms ? server_time_ms() : 0;
  if (server_ms > 0) {  // server minus phone, at the middle of the call
    clock_->set_offset_ms(server_ms - (t0 + (t1 - t0) / 2));
  }
  return absl::OkStatus();
}

}  // namespace gridsync::sdk
