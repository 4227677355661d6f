// Wiring of gridsyncd: store, authenticator, services, gRPC server.
#ifndef GRIDSYNC_SERVER_SERVER_H_
#define GRIDSYNC_SERVER_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/hlc.h"
#include "core/retention.h"
#include "server/admin_service.h"
#include "server/auth.h"
#include "server/blob_service.h"
#include "server/blob_store.h"
#include "server/coverage_service.h"
#include "server/feed_service.h"
#include "server/metrics.h"
#include "server/metrics_http.h"
#include "server/rocks_store.h"
#include "server/sync_service.h"

namespace gridsync::server {

struct ServerOptions {
  std::string data_dir;
  std::string listen = "127.0.0.1:7443";
  std::string tls_cert_file, tls_key_file;  // both or neither
  // PEM of the CA whose client certificates the server verifies when a
  // client presents one; county jobs must (Authenticator::RequireJobCertificates).
  std::string tls_client_ca_file;
  int64_t max_skew_ms = core::kDefaultMaxSkewMs;
  // How long after a restore from a backup phones may send back the record
  // states the restore lost (SyncService.Refill).
  int64_t refill_window_ms = int64_t{30} * 86400 * 1000;
  int max_message_bytes = 8 << 20;
  // Where to serve Prometheus' text format at /metrics ("host:port");
  // empty: nowhere.
  std::string metrics_listen;
  bool sync_writes = true;
  uint64_t min_free_bytes = 64 << 20;  // RocksStore::Options::min_free_bytes
  // Attachments (BlobStore::Options): per attachment, and per device a day
  // (0: no quota).
  int64_t max_attachment_bytes = int64_t{10} << 20;
  int64_t attachment_quota_bytes = int64_t{200} << 20;
  // How long phones keep a person whose supervision ended and a household
  // that left (core/retention.h); gridsyncd --phone-retention-days.
  int phone_retention_days = core::kDefaultRetentionDays;
  // The clock of the sync and coverage services (what "now" is for a pull's
  // retention, a push's skew, a period's end, a form's publication); empty:
  // the system's.
  std::function<int64_t()> wall_clock;
};

// Creates `dir` with an empty store and an admin device; writes the admin
// token to dir/admin.token, mode 0600. Fails if dir already holds data.
absl::Status InitDataDir(const std::string& dir);

class GridSyncServer {
 public:
  // Opens the store and listens. Plaintext is refused unless the address
  // is loopback.
  static absl::StatusOr<std::unique_ptr<GridSyncServer>> Start(const ServerOptions& opts);
  ~GridSyncServer();

  int port() const { return port_; }
  int metrics_port() const { return metrics_http_ ? metrics_http_->port() : 0; }
  // The metrics page as /metrics serves it.
  std::string MetricsPage();
  // Stops accepting calls, lets running calls finish (up to the deadline),
  // then closes the store.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(10));
  void Wait() { grpc_->Wait(); }

 private:
  GridSyncServer() = default;
  // Start's steps: the store, the authenticator and the services on it;
  // then the gRPC server listening with `creds`.
  absl::Status OpenServices(const ServerOptions& opts);
  absl::Status Listen(const ServerOptions& opts, std::shared_ptr<grpc::ServerCredentials> creds);
  Metrics metrics_;  // before the services, which count into it
  std::unique_ptr<RocksStore> store_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<SyncServiceImpl> sync_;
  std::unique_ptr<AdminServiceImpl> admin_;
  std::unique_ptr<CoverageServiceImpl> coverage_;
  std::unique_ptr<FeedServiceImpl> feed_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<BlobServiceImpl> blob_service_;
  std::unique_ptr<grpc::Server> grpc_;
  std::unique_ptr<MetricsEndpoint> metrics_http_;  // destroyed first: it reads the others
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_SERVER_H_
