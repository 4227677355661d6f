#ifndef GRIDSYNC_SERVER_SYNC_SERVICE_H_
#define GRIDSYNC_SERVER_SYNC_SERVICE_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/service_type.h>

#include <functional>

#include "core/hlc.h"
#include "core/retention.h"
#include "core/write_proof.h"
#include "gridsync/v1/sync_service.pb.h"
#include "server/auth.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/push_decode.h"
#include "server/store.h"

namespace gridsync::server {

inline constexpr int kMaxMutationsPerPush = 1000;
inline constexpr int kDefaultPageSize = 500;
inline constexpr int kMaxPageSize = 5000;
inline constexpr int kMaxRefillRecords = 200;
// Signatures one Refill call verifies at most (about 0.3 s of one core at
// 13,000 a second): a phone cannot make the server spend more on one call.
// Writes past it are held for review.
inline constexpr int kMaxRefillVerifications = 4000;

// gridsync.v1.SyncService (sync_service.proto): authenticate, decode,
// validate, call the store, map the result.
//
// Registered over raw bytes (server/raw_unary.h) rather than as the
// generated service, so that the handler sees every request body: a body
// that does not parse is INVALID_ARGUMENT with a message (not gRPC's
// INTERNAL ""), and a mutation whose text is not UTF-8 is that mutation's
// rejection while the rest of its batch is applied (server/push_decode.h).
class SyncServiceImpl final : public grpc::Service {
 public:
  struct Options {
    int64_t max_skew_ms = core::kDefaultMaxSkewMs;
    int64_t refill_window_ms = int64_t{30} * 86400 * 1000;
    // How long phones keep a person whose supervision ended and a household
    // that left (core/retention.h), sent with every pull.
    int phone_retention_days = core::kDefaultRetentionDays;
    // The server's time as Push and Pull see it (skew checks, the time the
    // phones correct their clocks to); the system clock when empty. Tests
    // move it.
    std::function<int64_t()> wall_clock;
  };
  // `metrics` may be null.
  SyncServiceImpl(RecordStore* records, RegistryStore* registry, Authenticator* auth,
                  Options options, Metrics* metrics = nullptr);

 private:
  // Each mutation gets its own result: DUPLICATE, REJECTED (with the field)
  // or, after the commit is durable, APPLIED. The admitted mutations are
  // moved out of `mutations` into the commit.
  grpc::Status Push(grpc::ServerContext* ctx, const Principal& who,
                    std::vector<DecodedMutation> mutations, gridsync::v1::PushResponse* resp);
  grpc::Status Pull(grpc::ServerContext* ctx, const Principal& who,
                    const gridsync::v1::PullRequest& req, gridsync::v1::PullResponse* resp);
  // Each state gets its own result: MERGED, UNCHANGED or REJECTED (invalid,
  // out of scope). The call fails as a whole when the store was not
  // restored within the window or the phone's epoch is not the store's.
  grpc::Status Refill(grpc::ServerContext* ctx, const Principal& who,
                      const gridsync::v1::RefillRequest& req, gridsync::v1::RefillResponse* resp);
  // A refill's preconditions: a device that writes, a store restored within
  // the refill window, the request made against this store's epoch, and
  // at most kMaxRefillRecords records.
  grpc::Status RefillAllowed(const Principal& who, const gridsync::v1::RefillRequest& req) const;
  grpc::Status ReadRecord(grpc::ServerContext* ctx, const Principal& who,
                          const gridsync::v1::ReadRecordRequest& req,
                          gridsync::v1::ReadRecordResponse* resp);
  void CountOutcomes(const gridsync::v1::PushResponse& resp);
  // Registers the key a push was signed with (PushRequest.signing_key) to
  // the caller's device. INVALID_ARGUMENT for a key of the wrong size; a
  // device past its keys' bound is logged and goes on (its writes are
  // taken, unprovable after a restore).
  absl::Status RegisterKey(const Principal& who, const std::string& key);
  // Moves out of `others` (the writes of a refilled state that name other
  // devices) those proven (ProvenBy) and returns them, with contexts that
  // claim no more than themselves (core::KeepWrites). `others` is left
  // empty when all were.
  // At most *verifications signatures are verified; each counts it down.
  gridsync::v1::RecordState ProvenOthers(gridsync::v1::RecordState* others, int64_t now,
                                         int* verifications) const;
  // Whether `w` is proven to be `writer`'s: signed by one of its registered
  // keys, by its holder, and accepted as its push of `m` (the write as a
  // mutation, core::WritesOf) would be: schema, scope, role, clock.
  bool ProvenBy(const Principal& writer, const core::SignedWrite& w, gridsync::v1::Mutation m,
                int64_t now, int* verifications) const;
  grpc::Status RawPush(grpc::ServerContext* ctx, const grpc::ByteBuffer* req,
                       grpc::ByteBuffer* resp);

  RecordStore* records_;
  RegistryStore* registry_;
  Authenticator* auth_;
  int64_t max_skew_ms_;
  int64_t refill_window_ms_;
  int phone_retention_days_;
  std::function<int64_t()> now_ms_;
  Metrics* metrics_;
  RateLimitedLog bad_requests_{"refused request"};
  // A store that cannot write (a full disk) fails every push alike.
  RateLimitedLog failed_writes_{"not stored"};
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_SYNC_SERVICE_H_
