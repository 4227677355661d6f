#include "tools/web/office.h"

#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "core/hlc.h"
#include "core/safety_figures.h"
#include "gridsync/v1/blob_service.grpc.pb.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "gridsync/v1/feed_service.grpc.pb.h"
#include "gridsync/v1/sync_service.grpc.pb.h"
#include "tools/common/client.h"
#include "tools/web/sessions.h"

namespace gridsync::web {
namespace {

constexpr auto kMinBackoff = std::chrono::seconds(1);
constexpr auto kMaxBackoff = std::chrono::seconds(30);

std::string ReplicaDir(const OfficeOptions& o, const std::string& device_id) {
  return absl::StrCat(o.data_dir, "/replicas/", device_id);
}

// The code a change touches (a grid, or a household's or person's id, which
// begin with their grid's), for the report cache; "" for one that touches
// everything (the policy, the questionnaire).
std::string ChangedCode(const gridsync::v1::SubscribeResponse& m) {
  const auto& c = m.change();
  if (c.has_mutation()) return c.mutation().grid_code();
  if (c.has_refill()) return c.refill().state().header().grid_code();
  if (c.has_blob()) return c.blob().grid_code();
  const auto& r = c.registry();
  if (r.has_household()) return r.household().grid_code();
  if (r.has_person()) return r.person().household_id();
  if (r.has_org_unit()) return r.org_unit().code();
  return "";
}

bool Acts(gridsync::v1::Role role) {
  return role == gridsync::v1::ROLE_TOWN_OFFICE || role == gridsync::v1::ROLE_VILLAGE_SECRETARY;
}

// The role and scope gridsyncd gives `token`: one registry change pulled.
absl::StatusOr<gridsync::v1::PullResponse> WhoIs(const OfficeOptions& o, const std::string& token) {
  auto stub = gridsync::v1::SyncService::NewStub(o.channel);
  auto ctx = tools::CallContext(token, std::chrono::seconds(30));
  gridsync::v1::PullRequest req;
  req.set_page_size(1);
  req.set_registry_only(true);
  gridsync::v1::PullResponse resp;
  if (auto st = FromGrpc(stub->Pull(ctx.get(), req, &resp)); !st.ok()) return st;
  return resp;
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
  if (Acts(account.role)) {
    auto client = OpenReplica(options, account, secrets);
    if (!client.ok()) return client.status();
    o->client_ = std::move(*client);
  }
  o->follower_ = std::thread([p = o.get()] { p->Follow(); });
  return o;
}

absl::StatusOr<std::pair<Account, AccountSecrets>> Office::Activate(const OfficeOptions& options,
                                                                    const std::string& name,
                                                                    const std::string& device_id,
                                                                    const std::string& token) {
  Account a{name, device_id, gridsync::v1::ROLE_UNSPECIFIED, ""};
  AccountSecrets s{token, absl::HexStringToBytes(RandomHex(32))};
  auto who = WhoIs(options, token);
  if (!who.ok()) {
    if (who.status().code() == absl::StatusCode::kUnauthenticated) {
      return absl::UnauthenticatedError("激活码无效或已作废: 请向县里管理员要一个新的");
    }
    return who.status();
  }
  if ((!Acts(who->role()) && who->role() != gridsync::v1::ROLE_COUNTY_JOB) ||
      who->scope_codes_size() != 1) {
    return absl::PermissionDeniedError(
        "这个激活码不是管理台的 (网格员的手机?); 管理台给镇综治中心、县里和村书记用, 由 "
        "gridsyncctl console-user 生成");
  }
  a.role = who->role();
  a.scope = who->scope_codes(0);
  if (!Acts(a.role)) return std::make_pair(a, s);
  std::error_code ec;
  std::filesystem::remove_all(ReplicaDir(options, device_id), ec);  // left by a failed try
  auto client = OpenReplica(options, a, s);
  if (!client.ok()) return client.status();
  if (auto synced = (*client)->Sync(); !synced.ok()) return synced.status();
  return std::make_pair(a, s);
}

Office::~Office() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
    if (stream_ != nullptr) stream_->TryCancel();
  }
  if (follower_.joinable()) follower_.join();
}

absl::Status Office::SyncNow() {
  if (client_ != nullptr) {
    auto r = client_->Sync();
    if (!r.ok()) return r.status();
  }
  absl::MutexLock l(&mu_);
  synced_at_ms_ = core::SystemWallMs();
  ++version_;
  return absl::OkStatus();
}

// Follows the scope's feed from the replica's cursor (without a replica:
// from now). A batch of changes (up to a caught-up mark) is pulled into the
// replica, then announced; a broken stream is opened again after a backoff.
void Office::Follow() {
  auto stub = gridsync::v1::FeedService::NewStub(options_.channel);
  auto backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kMinBackoff);
  while (true) {
    absl::Status st = SyncNow();
    if (st.ok()) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + secrets_.token);
      gridsync::v1::SubscribeRequest req;
      if (client_ != nullptr) {
        req.set_cursor(client_->Stats().cursor);
      } else {
        req.set_from_now(true);
      }
      req.set_follow(true);
      {
        absl::MutexLock l(&mu_);
        if (stopping_) return;
        stream_ = &ctx;
        following_ = true;
      }
      const int64_t subscribed_ms = core::SystemWallMs();
      auto reader = stub->Subscribe(&ctx, req);
      gridsync::v1::SubscribeResponse m;
      bool dirty = false;
      int vouching = 0;  // the cache's handle while this stream is caught up
      while (reader->Read(&m)) {
        backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kMinBackoff);
        if (m.has_change()) {
          dirty = true;
          options_.reports->Changed(ChangedCode(m));
        }
        if (m.caught_up() && vouching == 0)
          vouching = options_.reports->Opened(account_.scope, subscribed_ms);
        if (m.caught_up() && dirty && SyncNow().ok()) dirty = false;
      }
      if (vouching != 0) options_.reports->Closed(vouching);
      st = FromGrpc(reader->Finish());
      absl::MutexLock l(&mu_);
      stream_ = nullptr;
      following_ = false;
    }
    absl::MutexLock l(&mu_);
    if (st.code() == absl::StatusCode::kUnauthenticated ||
        st.code() == absl::StatusCode::kPermissionDenied) {
      refused_ = absl::StrCat("服务器不再接受这个账号 (", st.message(),
                              "); 请向县里管理员要一个新的激活码");
      return;
    }
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(backoff))) return;
    backoff =
        std::min(backoff * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kMaxBackoff));
  }
}

std::string Office::refused() const {
  absl::MutexLock l(&mu_);
  return refused_;
}

uint64_t Office::version() const {
  absl::MutexLock l(&mu_);
  return version_;
}

uint64_t Office::WaitChange(uint64_t seen, std::chrono::milliseconds timeout) const {
  absl::MutexLock l(&mu_);
  auto changed = [&] {
    mu_.AssertHeld();  // called back within the wait
    return version_ > seen || stopping_ || !refused_.empty();
  };
  mu_.AwaitWithTimeout(absl::Condition(&changed), absl::FromChrono(timeout));
  return version_;
}

int64_t Office::synced_at_ms() const {
  absl::MutexLock l(&mu_);
  return synced_at_ms_;
}

bool Office::following() const {
  absl::MutexLock l(&mu_);
  return following_;
}

absl::StatusOr<std::shared_ptr<const tools::MonthlyReport>> Office::Report(
    const std::string& scope, const std::string& month) {
  // A report is brought up to date row by row for this long after all its
  // rows were asked; then built whole (a month's first work can change
  // which months the year-to-date counts).
  constexpr int64_t kRefreshForMs = 10 * 60 * 1000;
  ReportCache& cache = *options_.reports;
  const int64_t now = core::SystemWallMs();
  const std::string key = "report/" + month;
  auto found = cache.Find<tools::MonthlyReport>(scope, key, now);
  if (found.value != nullptr && found.changed.empty()) return found.value;
  const ReportCache::Mark began = cache.Begin(now);
  auto r = found.value != nullptr && now - found.value->rows_asked_at_ms < kRefreshForMs
               ? tools::RefreshMonthlyReport(options_.channel, secrets_.token, *found.value,
                                             found.changed)
               : tools::BuildMonthlyReport(options_.channel, secrets_.token, scope, month,
                                           options_.weights);
  if (!r.ok()) return r.status();
  auto shared = std::make_shared<const tools::MonthlyReport>(std::move(*r));
  cache.Put<tools::MonthlyReport>(scope, key, began, shared);
  return shared;
}

absl::StatusOr<std::shared_ptr<const gridsync::v1::GetCoverageResponse>> Office::WeekCoverage(
    const std::string& scope) {
  ReportCache& cache = *options_.reports;
  const int64_t now = core::SystemWallMs();
  const int64_t monday = core::WeekStart(now);
  const std::string key = absl::StrCat("week/", monday);
  if (auto hit = cache.Find<gridsync::v1::GetCoverageResponse>(scope, key, now);
      hit.value != nullptr && hit.changed.empty()) {
    return hit.value;
  }
  const ReportCache::Mark began = cache.Begin(now);
  auto stub = gridsync::v1::CoverageService::NewStub(options_.channel);
  auto ctx = tools::CallContext(secrets_.token, std::chrono::seconds(30));
  gridsync::v1::GetCoverageRequest req;
  req.set_scope_code(scope);
  req.mutable_period()->set_from_ms(monday);
  req.mutable_period()->set_to_ms(now + 1);
  auto c = std::make_shared<gridsync::v1::GetCoverageResponse>();
  if (auto st = FromGrpc(stub->GetCoverage(ctx.get(), req, c.get())); !st.ok()) return st;
  std::shared_ptr<const gridsync::v1::GetCoverageResponse> shared = std::move(c);
  cache.Put<gridsync::v1::GetCoverageResponse>(scope, key, began, shared);
  return shared;
}

absl::StatusOr<std::pair<std::string, std::string>> Office::ReadAttachment(
    const std::string& record_id, const std::string& sha256) {
  constexpr int64_t kMaxBytes = int64_t{32} << 20;
  auto stub = gridsync::v1::BlobService::NewStub(options_.channel);
  std::string bytes, type;
  for (int64_t size = 1; static_cast<int64_t>(bytes.size()) < size;) {
    auto ctx = tools::CallContext(secrets_.token, std::chrono::seconds(30));
    gridsync::v1::ReadBlobRequest req;
    req.set_record_id(record_id);
    req.set_sha256(sha256);
    req.set_offset(static_cast<int64_t>(bytes.size()));
    req.set_max_bytes(1 << 20);
    gridsync::v1::ReadBlobResponse resp;
    if (auto st = FromGrpc(stub->ReadBlob(ctx.get(), req, &resp)); !st.ok()) return st;
    size = resp.size();
    if (size > kMaxBytes || (resp.data().empty() && static_cast<int64_t>(bytes.size()) < size)) {
      return absl::OutOfRangeError("the attachment is larger than the console shows, or cut short");
    }
    bytes += resp.data();
    type = resp.content_type();
  }
  return std::make_pair(std::move(bytes), std::move(type));
}

std::string Office::UnitName(const std::string& code) {
  {
    absl::MutexLock l(&mu_);
    if (!names_.empty()) {
      auto it = names_.find(code);
      return it == names_.end() ? code : it->second;
    }
  }
  auto stub = gridsync::v1::CoverageService::NewStub(options_.channel);
  auto ctx = tools::CallContext(secrets_.token, std::chrono::seconds(30));
  gridsync::v1::ListScopeUnitsRequest req;
  req.set_scope_code(account_.scope);
  gridsync::v1::ListScopeUnitsResponse resp;
  if (!stub->ListScopeUnits(ctx.get(), req, &resp).ok()) return code;  // asked again next time
  absl::MutexLock l(&mu_);
  for (const auto& u : resp.org_units()) names_[u.code()] = u.name();
  auto it = names_.find(code);
  return it == names_.end() ? code : it->second;
}

absl::Status Office::Act(const std::function<absl::Status(sdk::Client&)>& write) {
  if (client_ == nullptr) return absl::PermissionDeniedError("县级账号只能查看, 不能办理");
  absl::MutexLock l(&act_mu_);
  if (auto st = write(*client_); !st.ok()) return st;
  auto r = client_->Sync();
  if (!r.ok()) return r.status();
  if (r->rejected > 0) {
    auto rejected = client_->Rejected();
    std::string why = rejected.empty() ? "" : rejected.back().message();
    return absl::FailedPreconditionError(absl::StrCat("服务器拒绝了这次操作: ", why));
  }
  absl::MutexLock v(&mu_);
  ++version_;
  return absl::OkStatus();
}

}  // namespace gridsync::web
