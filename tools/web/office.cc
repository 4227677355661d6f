#include "tools/web/office.h"

#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "core/hlc.h"
#include "gridsync/v1/feed_service.grpc.pb.h"
#include "tools/web/sessions.h"

namespace gridsync::web {
namespace {

constexpr auto kMinBackoff = std::chrono::seconds(1);
constexpr auto kMaxBackoff = std::chrono::seconds(30);

std::string ReplicaDir(const OfficeOptions& o, const std::string& device_id) {
  return absl::StrCat(o.data_dir, "/replicas/", device_id);
}

absl::StatusOr<std::unique_ptr<sdk::Client>> OpenReplica(const OfficeOptions& o, const Account& a,
                                                         const AccountSecrets& s) {
  sdk::ClientOptions c;
  c.data_dir = ReplicaDir(o, a.device_id);
  c.server_address = o.server_address;
  c.device_id = a.device_id;
  c.token = s.token;
  c.holder = a.name;
  c.tls_root_certs = o.tls_root_certs;
  c.replica_key = s.replica_key;
  c.rpc_timeout = std::chrono::seconds(30);
  return sdk::Client::Open(std::move(c));
}

}  // namespace

Office::Office(OfficeOptions options, Account account, AccountSecrets secrets)
    : options_(std::move(options)), account_(std::move(account)), secrets_(std::move(secrets)) {}

absl::StatusOr<std::unique_ptr<Office>> Office::Open(const OfficeOptions& options,
                                                     const Account& account,
                                                     const AccountSecrets& secrets) {
  std::unique_ptr<Office> o(new Office(options, account, secrets));
  auto client = OpenReplica(options, account, secrets);
  if (!client.ok()) return client.status();
  o->client_ = std::move(*client);
  o->follower_ = std::thread([p = o.get()] { p->Follow(); });
  return o;
}

absl::StatusOr<std::pair<Account, AccountSecrets>> Office::Activate(const OfficeOptions& options,
                                                                    const std::string& name,
                                                                    const std::string& device_id,
                                                                    const std::string& token) {
  Account a{name, device_id, gridsync::v1::ROLE_UNSPECIFIED, ""};
  AccountSecrets s{token, std::string(32, '\0')};
  s.replica_key = absl::HexStringToBytes(RandomHex(32));
  std::error_code ec;
  std::filesystem::remove_all(ReplicaDir(options, device_id),
                              ec);  // a replica left by a failed try
  auto client = OpenReplica(options, a, s);
  if (!client.ok()) return client.status();
  auto synced = (*client)->Sync();
  if (!synced.ok()) {
    if (synced.status().code() == absl::StatusCode::kUnauthenticated) {
      return absl::UnauthenticatedError("激活码无效或已作废: 请向县里管理员要一个新的");
    }
    return synced.status();
  }
  const sdk::DeviceScope scope = (*client)->Scope();
  if ((scope.role != gridsync::v1::ROLE_TOWN_OFFICE &&
       scope.role != gridsync::v1::ROLE_COUNTY_JOB &&
       scope.role != gridsync::v1::ROLE_VILLAGE_SECRETARY) ||
      scope.codes.size() != 1) {
    return absl::PermissionDeniedError(
        "这个激活码属于网格员的手机; 管理台给镇综治中心、县里和村书记用 (gridsyncctl "
        "console-user)");
  }
  a.role = scope.role;
  a.scope = scope.codes[0];
  return std::make_pair(a, s);
}

Office::~Office() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
    if (stream_ != nullptr) stream_->TryCancel();
  }
  changed_.notify_all();
  if (follower_.joinable()) follower_.join();
}

absl::Status Office::SyncNow() {
  auto r = client_->Sync();
  if (!r.ok()) return r.status();
  std::lock_guard<std::mutex> l(mu_);
  synced_at_ms_ = core::SystemWallMs();
  ++version_;
  changed_.notify_all();
  return absl::OkStatus();
}

// Follows the scope's feed from the replica's cursor. A batch of changes
// (up to a caught-up mark) is pulled into the replica, then announced; a
// broken stream is opened again after a backoff.
void Office::Follow() {
  auto stub = gridsync::v1::FeedService::NewStub(options_.channel);
  auto backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kMinBackoff);
  while (true) {
    absl::Status st = SyncNow();
    if (st.ok()) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + secrets_.token);
      gridsync::v1::SubscribeRequest req;
      req.set_cursor(client_->Stats().cursor);
      req.set_follow(true);
      {
        std::lock_guard<std::mutex> l(mu_);
        if (stopping_) return;
        stream_ = &ctx;
        following_ = true;
      }
      auto reader = stub->Subscribe(&ctx, req);
      gridsync::v1::FeedMessage m;
      bool dirty = false;
      while (reader->Read(&m)) {
        backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kMinBackoff);
        if (m.has_change()) {
          dirty = true;
          std::lock_guard<std::mutex> l(mu_);
          last_change_ms_ = core::SystemWallMs();
        }
        if (m.caught_up() && dirty && SyncNow().ok()) dirty = false;
      }
      st = FromGrpc(reader->Finish());
      std::lock_guard<std::mutex> l(mu_);
      stream_ = nullptr;
      following_ = false;
    }
    std::unique_lock<std::mutex> l(mu_);
    if (changed_.wait_for(l, backoff, [this] { return stopping_; })) return;
    backoff =
        std::min(backoff * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kMaxBackoff));
  }
}

uint64_t Office::version() const {
  std::lock_guard<std::mutex> l(mu_);
  return version_;
}

uint64_t Office::WaitChange(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> l(mu_);
  changed_.wait_for(l, timeout, [&] { return version_ > seen || stopping_; });
  return version_;
}

int64_t Office::synced_at_ms() const {
  std::lock_guard<std::mutex> l(mu_);
  return synced_at_ms_;
}

int64_t Office::last_change_ms() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_change_ms_;
}

bool Office::following() const {
  std::lock_guard<std::mutex> l(mu_);
  return following_;
}

absl::StatusOr<std::shared_ptr<const tools::MonthlyReport>> Office::Report(
    const std::string& month) {
  const uint64_t v = version();
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = reports_.find(month);
    if (it != reports_.end() && it->second.version == v) return it->second.report;
  }
  auto r = tools::BuildMonthlyReport(options_.channel, secrets_.token, account_.scope, month,
                                     options_.weights);
  if (!r.ok()) return r.status();
  auto shared = std::make_shared<const tools::MonthlyReport>(std::move(*r));
  std::lock_guard<std::mutex> l(mu_);
  reports_[month] = {v, shared};
  return shared;
}

absl::Status Office::Act(const std::function<absl::Status(sdk::Client&)>& write) {
  std::lock_guard<std::mutex> l(act_mu_);
  if (auto st = write(*client_); !st.ok()) return st;
  auto r = client_->Sync();
  if (!r.ok()) return r.status();
  if (r->rejected > 0) {
    auto rejected = client_->Rejected();
    std::string why = rejected.empty() ? "" : rejected.back().message();
    return absl::FailedPreconditionError(absl::StrCat("服务器拒绝了这次操作: ", why));
  }
  std::lock_guard<std::mutex> v(mu_);
  ++version_;
  changed_.notify_all();
  return absl::OkStatus();
}

}  // namespace gridsync::web
