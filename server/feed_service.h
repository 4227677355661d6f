// The change feed for county sync jobs (DESIGN.md section 5).
#ifndef GRIDSYNC_SERVER_FEED_SERVICE_H_
#define GRIDSYNC_SERVER_FEED_SERVICE_H_

#include <grpcpp/impl/service_type.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "gridsync/v1/feed_service.grpc.pb.h"
#include "server/auth.h"
#include "server/log.h"
#include "server/store.h"

namespace gridsync::server {

// Subscribe: authenticate, pick the scope, then stream the store's change
// log from the cursor: the backlog in pages, a caught-up message, and (when
// following) new changes as they commit. Every message carries the cursor to
// resume from. SubscribeBatched sends the same messages, a page's worth to
// each stream message. Registered over raw bytes (as server/raw_unary.h does for
// unary methods), so a request that does not parse is INVALID_ARGUMENT
// saying why, not gRPC's INTERNAL with no message.
// A device holds at most kMaxStreamsPerDevice streams at once
// (RESOURCE_EXHAUSTED beyond), and a stream ends with UNAUTHENTICATED (or
// the wipe order) within a quarter of a second of its device being revoked.
class FeedServiceImpl final : public grpc::Service {
 public:
  static constexpr int kMaxStreamsPerDevice = 4;

  FeedServiceImpl(RecordStore* records, const Authenticator* auth,
                  std::chrono::milliseconds heartbeat = std::chrono::seconds(15));

  // Sends one stream message (a serialized SubscribeResponse, or a SubscribeBatchedResponse when
  // batched); false when the client went away.
  using Writer = std::function<bool(std::string)>;
  grpc::Status Subscribe(grpc::ServerContext* ctx, const gridsync::v1::SubscribeRequest* req,
                         bool batched, const Writer& write);

  // Ends every following stream (with UNAVAILABLE, so jobs reconnect), for a
  // shutdown that should not wait out its grace period.
  void Stop() { stopping_.store(true); }

  // Streams open now, and how far the furthest behind is from the head (in
  // changes), for the metrics.
  struct Subscribers {
    int open = 0;
    uint64_t max_lag = 0;
  };
  Subscribers subscribers() const;

 private:
  // A stream's cursor while it is open (subscribers()).
  class Tracked;
  // Where a subscription starts: its cursor, or the head for from_now;
  // OUT_OF_RANGE past the head (a store restored from an older backup).
  absl::StatusOr<uint64_t> StartCursor(const gridsync::v1::SubscribeRequest& req) const;
  // Why a stream must end now (the client went away, the device was
  // revoked, the server stops), or nullopt.
  std::optional<grpc::Status> Ended(grpc::ServerContext* ctx, const std::string& device_id) const;
  RecordStore* records_;
  const Authenticator* auth_;
  const std::chrono::milliseconds heartbeat_;
  std::atomic<bool> stopping_{false};
  mutable absl::Mutex subs_mu_;
  struct Open {
    std::string device_id;
    uint64_t cursor;
  };
  std::map<const void*, Open> streams_ ABSL_GUARDED_BY(subs_mu_);  // by stream
  RateLimitedLog bad_requests_{"refused feed request"};
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_FEED_SERVICE_H_
