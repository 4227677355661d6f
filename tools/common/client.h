// What the tools share: connecting, credentials, and a simulated phone.
#ifndef GRIDSYNC_TOOLS_COMMON_CLIENT_H_
#define GRIDSYNC_TOOLS_COMMON_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <random>
#include <string>

#include "absl/status/statusor.h"
#include "common/grpc_status.h"
#include "core/hlc.h"
#include "gridsync/v1/admin_service.grpc.pb.h"
#include "gridsync/v1/sync_service.grpc.pb.h"
#include "tools/common/flags.h"

namespace gridsync::tools {

// How a tool reaches the server over TLS: `ca` is a PEM file of the roots
// to trust (a county's own CA; empty: the system roots); `cert` and `key`
// are PEM files of a client certificate (mutual TLS, for county jobs on a
// server started with --tls-client-ca), both or neither.
struct TlsFiles {
  std::string ca, cert, key;
};

// --tls-ca, --tls-cert and --tls-key of a tool's command line (WithTls).
TlsFiles TlsFromArgs(const Args& args);

// A channel to `addr`: TLS when any TlsFiles is given or the address is not
// loopback, plaintext on loopback otherwise. A file that cannot be read is
// an error naming it.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const std::string& addr,
                                                       const TlsFiles& tls);
// Connect(addr, {}), for tools that only talk to a loopback server they
// started (benchmarks).
std::shared_ptr<grpc::Channel> Connect(const std::string& addr);
// The PEM text of `path`; an error names the flag it came from.
absl::StatusOr<std::string> ReadPem(const std::string& path, const char* flag);
// Waits until the channel connects, at most `timeout`.
absl::Status WaitReady(const std::shared_ptr<grpc::Channel>& ch, std::chrono::seconds timeout);
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);
// A context with the bearer token and a deadline.
std::unique_ptr<grpc::ClientContext> CallContext(
    const std::string& token, std::chrono::seconds timeout = std::chrono::seconds(60));
// Enrols a device for one scope code (AdminService.EnrollDevice): its id and token.
absl::StatusOr<gridsync::v1::EnrollDeviceResponse> EnrollDevice(
    gridsync::v1::AdminService::Stub* admin, const std::string& admin_token,
    gridsync::v1::Role role, const std::string& scope, const std::string& holder);

// Field values and create-field writes, for building mutations.
gridsync::v1::FieldValue StrValue(std::string s);
gridsync::v1::FieldValue BoolValue(bool b);
gridsync::v1::FieldValue IntValue(int64_t i);
void AddCreateField(gridsync::v1::Mutation* m, const std::string& field,
                    gridsync::v1::FieldValue v);

// One simulated phone: its own clock, sequence numbers and view of the
// records it wrote or pulled. Not thread-safe: one thread per phone.
class Phone {
 public:
  Phone(std::shared_ptr<grpc::Channel> ch, std::string token, std::string device_id,
        std::string holder, uint64_t seed);

  const std::string& device_id() const { return device_id_; }
  const std::string& token() const { return token_; }
  // A mutation with the next sequence number and a fresh stamp.
  gridsync::v1::Mutation Begin(gridsync::v1::RecordKind kind, const std::string& record_id,
                               const std::string& grid);
  std::string NewRecordId();
  // Writes `field` of a record it knows, having seen what its view holds.
  gridsync::v1::Mutation SetField(const gridsync::v1::RecordState& known, const std::string& field,
                                  const gridsync::v1::FieldValue& value);
  // Keeps the mutation in the phone's view (as the SDK's outbox replay does).
  void Record(const gridsync::v1::Mutation& m);

  absl::StatusOr<gridsync::v1::PushResponse> Push(const std::vector<gridsync::v1::Mutation>& batch);
  // Pulls until caught up. Joins pulled states into the view: all of them,
  // or with `tracked_only` only records the view already holds (a load
  // generator's phone need not keep its whole grid). Returns states pulled.
  absl::StatusOr<int> PullAll(bool tracked_only = false);

  const gridsync::v1::RecordState* Find(const std::string& record_id) const;
  std::mt19937_64& rng() { return rng_; }
  core::HybridClock& clock() { return clock_; }

 private:
  std::unique_ptr<gridsync::v1::SyncService::Stub> stub_;
  std::string token_, device_id_, holder_;
  uint64_t seq_ = 0;
  uint64_t cursor_ = 0;
  core::HybridClock clock_;
  std::mt19937_64 rng_;
  std::map<std::string, gridsync::v1::RecordState> view_;
};

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_CLIENT_H_
