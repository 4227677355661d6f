#include "server/server.h"

#include <fcntl.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/version.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/health/v1/health.pb.h"
#include "server/local_actor.h"
#include "server/log.h"

namespace gridsync::server {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool IsLoopback(const std::string& addr) {
  return absl::StartsWith(addr, "127.") || absl::StartsWith(addr, "localhost:") ||
         absl::StartsWith(addr, "[::1]:");
}

// protobuf logs a line for every string that is not UTF-8 in a message it
// parses, and any client can send those at will: its lines go through one
// rate-limited log, so that the server's log stays bounded.
void LogProtobuf(google::protobuf::LogLevel level, const char* file, int line,
                 const std::string& message) {
  static RateLimitedLog* log = new RateLimitedLog("protobuf");
  if (level == google::protobuf::LOGLEVEL_INFO) return;
  log->Error(absl::StrCat(file, ":", line, ": ", message));
}

}  // namespace

absl::Status InitDataDir(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec)) {
    return absl::AlreadyExistsError(absl::StrCat(dir,
                                                 " already holds a gridsync store; its admin "
                                                 "token is in ",
                                                 dir, "/admin.token"));
  }
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return absl::PermissionDeniedError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  auto store = RocksStore::Open(dir, {.create_if_missing = true, .min_free_bytes = 0});
  if (!store.ok()) return store.status();
  Authenticator auth((*store)->devices(), (*store)->registry());
  auto admin = auth.Enroll(gridsync::v1::ROLE_ADMIN, {}, "admin");
  if (!admin.ok()) return admin.status();
  gridsync::v1::AdminAct act;
  act.set_action("enrol");
  *act.mutable_by() = LocalActor();
  act.set_subject(admin->device_id);
  act.set_detail("ROLE_ADMIN, by gridsyncd init; its token is in admin.token");
  if (auto st = (*store)->LogAdminAct(act); !st.ok()) return st;
  const std::string path = dir + "/admin.token";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  const std::string line = admin->token + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return absl::DataLossError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

namespace {

// Plaintext on loopback only; otherwise TLS, with the county's CA for the
// client certificates of county jobs when given.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> CredentialsFor(const ServerOptions& opts) {
  const bool tls = !opts.tls_cert_file.empty() || !opts.tls_key_file.empty();
  if (tls && (opts.tls_cert_file.empty() || opts.tls_key_file.empty())) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (!tls && !IsLoopback(opts.listen)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing to serve plaintext on ", opts.listen,
        ": device tokens would cross the network in the clear; give --tls-cert and --tls-key, "
        "or listen on 127.0.0.1"));
  }
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  if (tls) {
    auto cert = ReadFile(opts.tls_cert_file);
    if (!cert.ok()) return cert.status();
    auto key = ReadFile(opts.tls_key_file);
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    if (!opts.tls_client_ca_file.empty()) {
      auto ca = ReadFile(opts.tls_client_ca_file);
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
      // Phones present none; a certificate presented must chain to the CA.
      ssl.client_certificate_request = GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    creds = grpc::SslServerCredentials(ssl);
  } else if (!opts.tls_client_ca_file.empty()) {
    return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
  }
  return creds;
}

}  // namespace

absl::StatusOr<std::unique_ptr<GridSyncServer>> GridSyncServer::Start(const ServerOptions& opts) {
  auto creds = CredentialsFor(opts);
  if (!creds.ok()) return creds.status();
  google::protobuf::SetLogHandler(&LogProtobuf);
  std::unique_ptr<GridSyncServer> s(new GridSyncServer());
  if (auto st = s->OpenServices(opts); !st.ok()) return st;
  if (auto st = s->Listen(opts, *creds); !st.ok()) return st;
  if (!opts.metrics_listen.empty()) {
    auto http =
        MetricsEndpoint::Start(opts.metrics_listen, [p = s.get()] { return p->MetricsPage(); });
    if (!http.ok()) return http.status();
    s->metrics_http_ = std::move(*http);
    LogInfo("metrics at http://", opts.metrics_listen.substr(0, opts.metrics_listen.rfind(':')),
            ":", s->metrics_http_->port(), "/metrics");
  }
  s->grpc_->GetHealthCheckService()->SetServingStatus(true);
  LogInfo("gridsyncd ", kVersion, " serving ", opts.data_dir, " on port ", s->port_,
          opts.tls_cert_file.empty() ? " (plaintext, loopback)" : " with TLS", "; last change ",
          s->store_->LastChangeSeq());
  return s;
}

absl::Status GridSyncServer::OpenServices(const ServerOptions& opts) {
  auto store = RocksStore::Open(opts.data_dir, {.create_if_missing = false,
                                                .sync_writes = opts.sync_writes,
                                                .min_free_bytes = opts.min_free_bytes});
  if (!store.ok()) return store.status();
  store_ = std::move(*store);
  auth_ = std::make_unique<Authenticator>(store_->devices(), store_->registry());
  if (auto st = auth_->Load(); !st.ok()) return st;
  if (!opts.tls_client_ca_file.empty()) auth_->RequireJobCertificates();
  sync_ = std::make_unique<SyncServiceImpl>(store_.get(), store_->registry(), auth_.get(),
                                            SyncServiceImpl::Options{
                                                .max_skew_ms = opts.max_skew_ms,
                                                .refill_window_ms = opts.refill_window_ms,
                                                .phone_retention_days = opts.phone_retention_days,
                                                .wall_clock = opts.wall_clock,
                                            },
                                            &metrics_);
  auto blobs =
      BlobStore::Open(opts.data_dir + "/blobs", {.max_blob_bytes = opts.max_attachment_bytes,
                                                 .quota_bytes_per_day = opts.attachment_quota_bytes,
                                                 .min_free_bytes = opts.min_free_bytes});
  if (!blobs.ok()) return blobs.status();
  blobs_ = std::move(*blobs);
  blob_service_ = std::make_unique<BlobServiceImpl>(store_.get(), blobs_.get(), auth_.get());
  admin_ = std::make_unique<AdminServiceImpl>(store_.get(), store_->registry(), auth_.get(),
                                              blobs_->dir() + "/objects");
  coverage_ = std::make_unique<CoverageServiceImpl>(store_->coverage(), store_->registry(),
                                                    auth_.get(), opts.wall_clock);
  feed_ = std::make_unique<FeedServiceImpl>(store_.get(), auth_.get());
  return absl::OkStatus();
}

absl::Status GridSyncServer::Listen(const ServerOptions& opts,
                                    std::shared_ptr<grpc::ServerCredentials> creds) {
  grpc::EnableDefaultHealthCheckService(true);
  // gRPC serves the default health service from a schema of its own, while
  // reflection answers from the generated descriptor pool: health.proto must
  // be linked into it, or a client that reflects (buf curl, grpcurl) lists
  // grpc.health.v1.Health and cannot call it.
  grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(opts.listen, std::move(creds), &port_);
  builder.RegisterService(sync_.get());
  builder.RegisterService(admin_.get());
  builder.RegisterService(coverage_.get());
  builder.RegisterService(feed_.get());
  builder.RegisterService(blob_service_.get());
  builder.SetMaxReceiveMessageSize(opts.max_message_bytes);
  builder.SetMaxSendMessageSize(64 << 20);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(NewMetricsInterceptor(&metrics_));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  grpc_ = builder.BuildAndStart();
  if (!grpc_ || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", opts.listen,
                                               " (in use, or not an address of this machine)"));
  }
  return absl::OkStatus();
}

std::string GridSyncServer::MetricsPage() {
  std::vector<Sample> gauges = store_->Gauges();
  const FeedServiceImpl::Subscribers subs = feed_->subscribers();
  gauges.push_back({"gridsync_feed_subscribers", "Change feed streams open now.", "",
                    static_cast<double>(subs.open)});
  gauges.push_back({"gridsync_feed_max_lag_changes",
                    "Changes between the head and the furthest-behind feed stream.", "",
                    static_cast<double>(subs.max_lag)});
  gauges.push_back({"gridsync_devices_active", "Devices that called in the window.",
                    "window=\"1h\"",
                    static_cast<double>(auth_->ActiveDevices(int64_t{3600} * 1000))});
  for (const auto& [release, n] : auth_->ActiveDevicesByRelease(int64_t{24} * 3600 * 1000)) {
    gauges.push_back({"gridsync_devices_by_release",
                      "Devices that called in the window, by the program and release their last "
                      "call named in its user agent (\"other\": none).",
                      absl::StrCat("release=\"", release, "\",window=\"24h\""),
                      static_cast<double>(n)});
  }
  const BlobStore::Counts blobs = blobs_->counts();
  gauges.push_back({"gridsync_attachment_uploads_in_progress",
                    "Attachment uploads begun and not yet whole (partial files).", "",
                    static_cast<double>(blobs.uploads_in_progress)});
  gauges.push_back({"gridsync_attachment_bytes_received_total",
                    "Attachment bytes written to disk since the server started.", "",
                    static_cast<double>(blobs.bytes_received), /*counter=*/true});
  gauges.push_back({"gridsync_attachments_stored_total",
                    "Attachments stored whole since the server started.", "",
                    static_cast<double>(blobs.blobs_stored), /*counter=*/true});
  for (auto& g : ProcessSamples()) gauges.push_back(std::move(g));
  std::string page = metrics_.Render(gauges);
  absl::StrAppend(&page,
                  "# HELP gridsync_commit_group_mutations Mutations per commit group (one "
                  "write, one WAL sync).\n# TYPE gridsync_commit_group_mutations histogram\n");
  store_->commit_group_mutations().Render("gridsync_commit_group_mutations", "", &page);
  absl::StrAppend(&page,
                  "# HELP gridsync_commit_write_seconds Time of a commit group's write and WAL "
                  "sync.\n# TYPE gridsync_commit_write_seconds histogram\n");
  store_->commit_write_seconds().Render("gridsync_commit_write_seconds", "", &page);
  return page;
}

void GridSyncServer::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_) return;
  shut_down_ = true;
  grpc_->GetHealthCheckService()->SetServingStatus(false);
  feed_->Stop();  // following feeds would otherwise hold the shutdown for its whole grace
  grpc_->Shutdown(std::chrono::system_clock::now() + grace);
  grpc_->Wait();
  metrics_http_.reset();  // it reads the store
  LogInfo("stopped; last change ", store_->LastChangeSeq());
  store_.reset();
}

GridSyncServer::~GridSyncServer() { Shutdown(); }

}  // namespace gridsync::server
