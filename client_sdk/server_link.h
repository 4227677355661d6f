// The phone's line to the server: one channel, and one way to make a call
// on it (the device's token, the call's deadline, cancellable while the
// background loop stops), which keeps the phone's offset from the server's
// clock from every answer that carries the server's time.
//
// Thread-safe.
#ifndef GRIDSYNC_CLIENT_SDK_SERVER_LINK_H_
#define GRIDSYNC_CLIENT_SDK_SERVER_LINK_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "client_sdk/background_sync.h"
#include "core/hlc.h"
#include "gridsync/client.h"
#include "gridsync/v1/sync_service.grpc.pb.h"

namespace gridsync::sdk {

class ServerLink {
 public:
  using Rpc = std::function<grpc::Status(grpc::ClientContext*)>;

  // A channel to o.server_address: TLS unless the address is loopback and no
  // roots are given; gzip both ways with o.compression, none at all without.
  // REQUIRES: `clock` and `background` outlive the link.
  ServerLink(const ClientOptions& o, core::HybridClock* clock, BackgroundSync* background,
             std::function<int64_t()> wall);

  // One call: `rpc` runs with the token and deadline on a context the
  // background loop's stop cancels (CANCELLED "<what>: sync is stopping"
  // when it is stopping already). A gRPC error comes back as the absl status
  // "<what>: ..." (common/grpc_status.h).
  absl::Status Call(absl::string_view what, const Rpc& rpc) { return CallTimed(what, rpc, {}); }
  // The same for an answer with server_time_ms: the offset from the server's
  // clock at the middle of the call is taken from it, into `clock`.
  template <typename Resp>
  absl::Status Call(absl::string_view what, const Rpc& rpc, const Resp& resp) {
    return CallTimed(what, rpc, [&resp] { return resp.server_time_ms(); });
  }

  gridsync::v1::SyncService::Stub& stub() { return *stub_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

 private:
  absl::Status CallTimed(absl::string_view what, const Rpc& rpc,
                         const std::function<int64_t()>& server_time_ms);

  const std::string token_;
  const std::chrono::seconds timeout_;
  core::HybridClock* const clock_;
  BackgroundSync* const background_;
  const std::function<int64_t()> wall_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gridsync::v1::SyncService::Stub> stub_;
};

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_SERVER_LINK_H_
