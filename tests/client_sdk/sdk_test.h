// A real gridsyncd in the test process (tests/server/test_server.h) behind
// a TCP proxy, and SDK clients that talk to it through the proxy, so a test
// can restart the server (new port, same data) or cut the network under
// them.
#ifndef GRIDSYNC_TESTS_CLIENT_SDK_SDK_TEST_H_
#define GRIDSYNC_TESTS_CLIENT_SDK_SDK_TEST_H_

#include <filesystem>
#include <memory>
#include <string>

#include "core/hlc.h"
#include "core/merge.h"
#include "gridsync/client.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "server/backup.h"
#include "tests/server/test_server.h"
#include "tools/common/tcp_proxy.h"

namespace gridsync::testing {

inline sdk::Field F(std::string name, gridsync::v1::FieldValue v) {
  return {std::move(name), std::move(v)};
}

class SdkTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    auto p = tools::TcpProxy::Start(server_->port());
    ASSERT_TRUE(p.ok()) << p.status();
    proxy_ = std::move(*p);
  }
  void TearDown() override {
    proxy_.reset();
    ServerTest::TearDown();
  }
  void RestartServer(std::chrono::milliseconds grace = std::chrono::milliseconds(0)) {
    StopServer(grace);
    StartServer();
    proxy_->set_target(server_->port());
  }

  struct Phone {
    sdk::ClientOptions options;
    std::unique_ptr<sdk::Client> client;
    sdk::Client* operator->() { return client.get(); }
  };
  // An SDK replica for any role and scope.
  Phone NewReplica(gridsync::v1::Role role, const std::string& scope, const std::string& holder,
                   gridsync::v1::CadreKind cadre_kind = gridsync::v1::CADRE_KIND_UNSPECIFIED) {
    Phone p;
    p.options.data_dir = dir_ + "/replica-" + std::to_string(++phones_);
    p.options.server_address = "127.0.0.1:" + std::to_string(proxy_->port());
    p.options.token = Enroll(role, {scope}, holder, &p.options.device_id, cadre_kind);
    p.options.holder = holder;
    Reopen(p);
    return p;
  }

  // CoverageService.GetCoverage for a scope and month, as the admin.
  gridsync::v1::GetCoverageResponse ServerCoverage(const std::string& scope,
                                                   const std::string& month) {
    if (!coverage_) coverage_ = gridsync::v1::CoverageService::NewStub(channel_);
    gridsync::v1::GetCoverageRequest req;
    req.set_scope_code(scope);
    req.mutable_period()->set_month(month);
    gridsync::v1::GetCoverageResponse out;
    auto ctx = tools::CallContext(admin_token_);
    EXPECT_TRUE(coverage_->GetCoverage(ctx.get(), req, &out).ok());
    return out;
  }

  // The phone's figures equal the server's (as_of aside: now differs by
  // the milliseconds between the two calls).
  void ExpectSameFigures(Phone& p, const std::string& scope, const std::string& month) {
    SCOPED_TRACE(scope + " " + month);
    auto phone = p->GetCoverage(scope, month);
    ASSERT_TRUE(phone.ok()) << phone.status();
    auto server = ServerCoverage(scope, month);
    phone->clear_as_of_ms();
    server.clear_as_of_ms();
    EXPECT_EQ(phone->DebugString(), server.DebugString());
  }

  // Enrols a grid worker for `grid` and opens an SDK replica for it.
  Phone NewPhone(const std::string& grid, const std::string& holder,
                 std::function<int64_t()> wall_clock = nullptr) {
    Phone p;
    p.options.data_dir = dir_ + "/phone-" + std::to_string(++phones_);
    p.options.server_address = "127.0.0.1:" + std::to_string(proxy_->port());
    p.options.token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {grid}, holder, &p.options.device_id);
    p.options.holder = holder;
    p.options.wall_clock = std::move(wall_clock);
    p.options.rpc_timeout = std::chrono::seconds(20);
    Reopen(p);
    return p;
  }
  // Closes and opens the replica again (an app restart).
  void Reopen(Phone& p) {
    p.client.reset();
    auto c = sdk::Client::Open(p.options);
    ASSERT_TRUE(c.ok()) << c.status();
    p.client = std::move(*c);
  }

  std::string NewCase(Phone& p, const std::string& grid) {
    auto id = p->Create(gridsync::v1::RECORD_KIND_DISPUTE_CASE, grid, Household(grid, 3),
                        {F("category", tools::IntValue(gridsync::v1::DISPUTE_CATEGORY_NEIGHBOURS)),
                         F("title", tools::StrValue("院墙纠纷")),
                         F("registered_at_ms", tools::IntValue(core::SystemWallMs()))});
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or("");
  }
  std::string NewVisit(Phone& p, const std::string& grid, int household) {
    auto id = p->Create(gridsync::v1::RECORD_KIND_VISIT, grid, Household(grid, household),
                        {F("visited_at_ms", tools::IntValue(core::SystemWallMs())),
                         F("talked_with_household", tools::BoolValue(true))});
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or("");
  }
  void SyncOk(Phone& p) {
    auto r = p->Sync();
    ASSERT_TRUE(r.ok()) << r.status();
  }
  // The phone's replica of `id` is byte-identical with the server's.
  void ExpectSameAsServer(Phone& p, const std::string& id) {
    auto local = p->GetState(id);
    ASSERT_TRUE(local.ok()) << local.status();
    EXPECT_EQ(core::SerializeCanonical(*local), core::SerializeCanonical(GetRecord(id).state()))
        << id;
  }

  // A backup of the server's store, as `gridsyncctl backup` takes it.
  std::string BackUpServer() {
    const std::string backups = dir_ + "-backups";
    gridsync::v1::BackupRequest req;
    req.set_dir(backups);
    gridsync::v1::BackupResponse resp;
    auto ctx = tools::CallContext(admin_token_);
    EXPECT_TRUE(admin_->Backup(ctx.get(), req, &resp).ok());
    return backups;
  }
  // The county restores the newest backup in place of the store and serves it.
  void RestoreServer(const std::string& backups) {
    StopServer(std::chrono::milliseconds(0));
    std::filesystem::rename(dir_, dir_ + "-lost-" + std::to_string(++restores_));
    ASSERT_TRUE(server::RestoreBackup(backups, 0, dir_).ok());
    StartServer();
    proxy_->set_target(server_->port());
  }
  std::unique_ptr<tools::TcpProxy> proxy_;
  std::unique_ptr<gridsync::v1::CoverageService::Stub> coverage_;
  int phones_ = 0;
  int restores_ = 0;
};

}  // namespace gridsync::testing

#endif  // GRIDSYNC_TESTS_CLIENT_SDK_SDK_TEST_H_
