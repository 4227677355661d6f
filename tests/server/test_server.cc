#include "tests/server/test_server.h"

#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_format.h"
#include "core/coverage.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"

namespace gridsync::testing {

namespace {

// One private scratch folder per test process (mode 0700, under TEST_TMPDIR
// or /tmp), removed when the process exits normally: every file a test
// makes, inside its dir or beside it (logs, port files, CSVs, tokens), is in
// it, so a passing run leaves nothing behind and nobody else can read it.
class ScratchRoot {
 public:
  ScratchRoot() {
    const char* base = getenv("TEST_TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/gridsync-test-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      perror("mkdtemp");
      abort();
    }
    path_ = tmpl;
    owner_ = getpid();
  }
  ~ScratchRoot() {
    std::error_code ec;
    if (getpid() == owner_) std::filesystem::remove_all(path_, ec);  // not from a forked child
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  pid_t owner_;
};

}  // namespace

std::string TempDir(const std::string& name) {
  static ScratchRoot root;
  static int n = 0;
  std::string dir = absl::StrFormat("%s/%s-%d", root.path(), name, ++n);
  std::filesystem::remove_all(dir);
  return dir;
}

std::string Household(const std::string& grid, int n) { return absl::StrFormat("%s%04d", grid, n); }
std::string Person(const std::string& grid, int n) { return Household(grid, n) + "01"; }

gridsync::v1::PersonCategory PersonCategoryOf(int n) {
  return n == 20 ? gridsync::v1::PERSON_CATEGORY_LEFT_BEHIND_CHILD
                 : gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS;
}

RawStore::~RawStore() {
  for (auto* h : cf) db->DestroyColumnFamilyHandle(h);
}

std::unique_ptr<RawStore> OpenRawStore(const std::string& dir) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name : kRawStoreFamilies) cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  auto store = std::make_unique<RawStore>();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(), dir, cfs, &store->cf, &raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return nullptr;
  store->db.reset(raw);
  return store;
}

int64_t PersonSince(int64_t now_ms, int n) {
  return n % 2 == 0 ? now_ms - n * 5 * core::kDayMs : 0;
}

gridsync::v1::ImportRegistryRequest TestRegistry(int64_t now_ms) {
  gridsync::v1::ImportRegistryRequest req;
  auto unit = [&](const std::string& code, const std::string& name) {
    auto* u = req.add_org_units();
    u->set_code(code);
    u->set_name(name);
  };
  unit(kCounty, "登封市");
  unit(kTownABC, "嵩阳街道");
  unit("410185100000", "大金店镇");
  unit(kVillageAB, "一村");
  unit("410185001202", "二村");
  unit("410185100201", "三村");
  for (const char* grid : {kGridA, kGridB, kGridC, kGridD}) {
    unit(grid, "网格");
    for (int h = 1; h <= 20; ++h) {
      auto* hh = req.add_households();
      hh->set_household_id(Household(grid, h));
      hh->set_grid_code(grid);
      auto* p = req.add_persons();
      p->set_person_id(Person(grid, h));
      p->set_household_id(Household(grid, h));
      p->set_category(PersonCategoryOf(h));
      p->set_risk_level(1);
      p->set_supervised_since_ms(PersonSince(now_ms, h));
    }
  }
  return req;
}

void ServerTest::SetUp() {
  dir_ = TempDir("server");
  ASSERT_TRUE(server::InitDataDir(dir_).ok());
  auto token = tools::ReadTokenFile(dir_ + "/admin.token");
  ASSERT_TRUE(token.ok());
  admin_token_ = *token;
  options_.data_dir = dir_;
  options_.listen = "127.0.0.1:0";
  auto s = server::GridSyncServer::Start(options_);
  ASSERT_TRUE(s.ok()) << s.status();
  server_ = std::move(*s);
  ConnectStubs();
  gridsync::v1::ImportRegistryResponse resp;
  auto ctx = tools::CallContext(admin_token_);
  registry_now_ms_ = core::SystemWallMs();
  ASSERT_TRUE(admin_->ImportRegistry(ctx.get(), TestRegistry(registry_now_ms_), &resp).ok());
  ASSERT_EQ(resp.rejections_size(), 0) << resp.rejections(0).message();
  base_seq_ = Stats().last_change_seq();
}

void ServerTest::ConnectStubs() {
  channel_ = tools::Connect(addr());
  ASSERT_TRUE(tools::WaitReady(channel_, std::chrono::seconds(10)).ok());
  admin_ = gridsync::v1::AdminService::NewStub(channel_);
  sync_ = gridsync::v1::SyncService::NewStub(channel_);
}

void ServerTest::StopServer(std::chrono::milliseconds grace) {
  server_->Shutdown(grace);
  server_.reset();
}

void ServerTest::StartServer() {
  auto s = server::GridSyncServer::Start(options_);
  ASSERT_TRUE(s.ok()) << s.status();
  server_ = std::move(*s);
  ConnectStubs();
}

void ServerTest::TearDown() {
  if (server_) server_->Shutdown();
  server_.reset();
  std::filesystem::remove_all(dir_);
}

std::string ServerTest::Enroll(gridsync::v1::Role role, const std::vector<std::string>& scope,
                               const std::string& holder, std::string* device_id,
                               gridsync::v1::CadreKind cadre_kind) {
  gridsync::v1::EnrollDeviceRequest req;
  req.set_role(role);
  req.set_cadre_kind(cadre_kind);
  if (role == gridsync::v1::ROLE_CADRE) base_seq_ += 2;  // the roster entry and its act
  for (const auto& s : scope) req.add_scope_codes(s);
  req.set_holder(holder);
  gridsync::v1::EnrollDeviceResponse resp;
  auto ctx = tools::CallContext(admin_token_);
  auto st = admin_->EnrollDevice(ctx.get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  ++base_seq_;  // the enrolment is logged as a change (the audit trail)
  if (device_id) *device_id = resp.device_id();
  return resp.token();
}

void ServerTest::Import(const gridsync::v1::ImportRegistryRequest& req) {
  gridsync::v1::ImportRegistryResponse resp;
  auto ctx = tools::CallContext(admin_token_);
  const grpc::Status st = admin_->ImportRegistry(ctx.get(), req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
}

void ServerTest::SetDefaultCheckInterval(int days) {
  auto policy = core::DefaultCheckPolicy();
  policy.set_default_interval_days(days);
  SetCheckPolicy(policy);
}

void ServerTest::SetCheckPolicy(const gridsync::v1::CheckPolicy& policy) {
  gridsync::v1::SetCheckPolicyRequest req;
  *req.mutable_policy() = policy;
  gridsync::v1::CheckPolicy out;
  auto ctx = tools::CallContext(admin_token_);
  const grpc::Status st =
      gridsync::v1::CoverageService::NewStub(channel_)->SetCheckPolicy(ctx.get(), req, &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
}

std::unique_ptr<tools::Phone> ServerTest::NewPhone(const std::string& scope,
                                                   gridsync::v1::Role role,
                                                   const std::string& holder) {
  std::string id;
  std::string token = Enroll(role, {scope}, holder, &id);
  return std::make_unique<tools::Phone>(channel_, token, id, holder, std::hash<std::string>()(id));
}

gridsync::v1::GetRecordResponse ServerTest::GetRecord(const std::string& id) {
  gridsync::v1::GetRecordRequest req;
  req.set_record_id(id);
  gridsync::v1::GetRecordResponse resp;
  auto ctx = tools::CallContext(admin_token_);
  auto st = admin_->GetRecord(ctx.get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return resp;
}

std::vector<gridsync::v1::Change> ServerTest::HeldRefills() {
  std::vector<gridsync::v1::Change> out;
  gridsync::v1::ListHeldRefillsRequest req;
  for (int page = 0; page < 1000; ++page) {
    gridsync::v1::ListHeldRefillsResponse resp;
    auto ctx = tools::CallContext(admin_token_);
    auto st = admin_->ListHeldRefills(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    for (const auto& c : resp.held()) {
      out.push_back(c);
      req.set_after_seq(c.seq());
    }
    if (!st.ok() || resp.done()) break;
  }
  return out;
}

gridsync::v1::RefillResult ServerTest::ApplyHeldRefill(uint64_t seq) {
  gridsync::v1::ApplyHeldRefillRequest req;
  req.set_seq(seq);
  gridsync::v1::ApplyHeldRefillResponse resp;
  auto ctx = tools::CallContext(admin_token_);
  auto st = admin_->ApplyHeldRefill(ctx.get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return resp.result();
}

gridsync::v1::GetStatsResponse ServerTest::Stats() {
  gridsync::v1::GetStatsResponse resp;
  auto ctx = tools::CallContext(admin_token_);
  EXPECT_TRUE(admin_->GetStats(ctx.get(), {}, &resp).ok());
  return resp;
}

grpc::Status ServerTest::Push(const std::string& token, const gridsync::v1::PushRequest& req,
                              gridsync::v1::PushResponse* resp) {
  auto ctx = tools::CallContext(token);
  return sync_->Push(ctx.get(), req, resp);
}

grpc::Status ServerTest::Pull(const std::string& token, const gridsync::v1::PullRequest& req,
                              gridsync::v1::PullResponse* resp) {
  auto ctx = tools::CallContext(token);
  return sync_->Pull(ctx.get(), req, resp);
}

gridsync::v1::ImportRegistryResponse ImportTestRegistry(gridsync::v1::AdminService::Stub* admin,
                                                        const std::string& admin_token) {
  gridsync::v1::ImportRegistryResponse resp;
  auto ctx = tools::CallContext(admin_token, std::chrono::seconds(20));
  const grpc::Status st = admin->ImportRegistry(ctx.get(), TestRegistry(), &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return resp;
}

gridsync::v1::EnrollDeviceResponse EnrollWorker(gridsync::v1::AdminService::Stub* admin,
                                                const std::string& admin_token,
                                                const std::string& grid) {
  gridsync::v1::EnrollDeviceRequest req;
  req.set_role(gridsync::v1::ROLE_GRID_WORKER);
  req.add_scope_codes(grid);
  gridsync::v1::EnrollDeviceResponse resp;
  auto ctx = tools::CallContext(admin_token);
  const grpc::Status st = admin->EnrollDevice(ctx.get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return resp;
}

grpc::Status RevokeDevice(gridsync::v1::AdminService::Stub* admin, const std::string& admin_token,
                          const std::string& device_id, bool wipe) {
  gridsync::v1::RevokeDeviceRequest req;
  req.set_device_id(device_id);
  req.set_wipe(wipe);
  gridsync::v1::RevokeDeviceResponse resp;
  auto ctx = tools::CallContext(admin_token);
  return admin->RevokeDevice(ctx.get(), req, &resp);
}

gridsync::v1::Mutation Survey(tools::Phone& phone, const std::string& grid, int household,
                              int64_t at_ms, gridsync::v1::SurveyOutcome outcome, int safety,
                              int satisfaction) {
  auto m = phone.Begin(gridsync::v1::RECORD_KIND_SURVEY, phone.NewRecordId(), grid);
  m.mutable_create()->set_subject_id(Household(grid, household));
  tools::AddCreateField(&m, "form_version", tools::StrValue("2026-Q4"));
  tools::AddCreateField(&m, "asked_at_ms", tools::IntValue(at_ms));
  tools::AddCreateField(&m, "outcome", tools::IntValue(outcome));
  if (safety) tools::AddCreateField(&m, "safety", tools::IntValue(safety));
  if (satisfaction) tools::AddCreateField(&m, "satisfaction", tools::IntValue(satisfaction));
  return m;
}

gridsync::v1::Mutation Visit(tools::Phone& phone, const std::string& grid, int household) {
  auto m = phone.Begin(gridsync::v1::RECORD_KIND_VISIT, phone.NewRecordId(), grid);
  m.mutable_create()->set_subject_id(Household(grid, household));
  auto* f = m.mutable_create()->add_fields();
  f->set_field("talked_with_household");
  f->mutable_value()->set_bool_value(true);
  return m;
}

}  // namespace gridsync::testing
