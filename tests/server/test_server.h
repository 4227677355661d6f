// A real gridsyncd in the test process, on 127.0.0.1 and an ephemeral port,
// over a fresh data directory with a small registry:
//   county 410185 登封市
//     town 410185001 嵩阳街道: villages 410185001201 (grids 001, 002), 410185001202 (grid 001)
//     town 410185100 大金店镇: village 410185100201 (grid 001)
// Each grid has households 0001..0020, each household person 01 (community corrections).
#ifndef GRIDSYNC_TESTS_SERVER_TEST_SERVER_H_
#define GRIDSYNC_TESTS_SERVER_TEST_SERVER_H_

#include <memory>
#include <string>

#include "core/hlc.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "server/server.h"
#include "tools/common/client.h"

namespace gridsync::testing {

inline constexpr char kGridA[] = "410185001201001";
inline constexpr char kGridB[] = "410185001201002";  // same village as A
inline constexpr char kGridC[] = "410185001202001";  // same town, other village
inline constexpr char kGridD[] = "410185100201001";  // other town
inline constexpr char kVillageAB[] = "410185001201";
inline constexpr char kTownABC[] = "410185001000";
inline constexpr char kCounty[] = "410185000000";

// A fresh path for a test's data, in the process's private scratch folder
// (removed at exit); files beside it (path + ".log") are in that folder too.
std::string TempDir(const std::string& name);
std::string Household(const std::string& grid, int n);  // grid + 4 digits
// Imports TestRegistry() through `admin` (a server in another process); the
// answer (the test fails when the call does).
gridsync::v1::ImportRegistryResponse ImportTestRegistry(gridsync::v1::AdminService::Stub* admin,
                                                        const std::string& admin_token);
// Enrols a grid worker of `grid` through `admin` (a server in another
// process); the device id and token, empty when it failed (the test fails).
gridsync::v1::EnrollDeviceResponse EnrollWorker(gridsync::v1::AdminService::Stub* admin,
                                                const std::string& admin_token,
                                                const std::string& grid);
// Revokes `device_id` as the admin; with `wipe`, as lost (its replica is
// to be erased at its next contact).
grpc::Status RevokeDevice(gridsync::v1::AdminService::Stub* admin, const std::string& admin_token,
                          const std::string& device_id, bool wipe = false);
// A visit on `grid` by `phone` (not pushed).
gridsync::v1::Mutation Visit(tools::Phone& phone, const std::string& grid, int household = 1);
// A questionnaire at household n of the grid, asked at `at_ms` under form
// "2026-Q4"; a level of 0 leaves that answer unset.
gridsync::v1::Mutation Survey(tools::Phone& phone, const std::string& grid, int household,
                              int64_t at_ms, gridsync::v1::SurveyOutcome outcome, int safety,
                              int satisfaction);
std::string Person(const std::string& grid, int n);  // household n, person 01
// Household n's person is under community corrections (管控), the 20th a
// left-behind child (关爱); risk level 1 for all.
gridsync::v1::PersonCategory PersonCategoryOf(int n);

// The registry above, as an import request.
// Persons of even households came under supervision n x 5 days before
// `now_ms`; the others are left to the server (the import's time).
gridsync::v1::ImportRegistryRequest TestRegistry(int64_t now_ms = core::SystemWallMs());
// supervised_since_ms TestRegistry(now_ms) gives household n's person; 0: the server's.
int64_t PersonSince(int64_t now_ms, int n);

// A stopped server's store opened straight with RocksDB, to change what the
// server itself would never write (a store from an older version, damage).
// cf[i] is the column family of kRawStoreFamilies[i].
inline constexpr const char* kRawStoreFamilies[] = {
    "default", "records", "changes", "scoped", "idempotency", "registry", "devices", "coverage"};
struct RawStore {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> cf;
  ~RawStore();
};
// nullptr (and a test failure) when it does not open.
std::unique_ptr<RawStore> OpenRawStore(const std::string& dir);

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Stops the server (calls still running get `grace`) and starts it again
  // on the same data, on a new port.
  void StopServer(std::chrono::milliseconds grace);
  void StartServer();
  std::string addr() const { return "127.0.0.1:" + std::to_string(server_->port()); }
  // Enrols a device; returns its token (and device id via *device_id).
  // A cadre (ROLE_CADRE) needs `cadre_kind`, and its roster entry is logged
  // too.
  std::string Enroll(gridsync::v1::Role role, const std::vector<std::string>& scope,
                     const std::string& holder = "tester", std::string* device_id = nullptr,
                     gridsync::v1::CadreKind cadre_kind = gridsync::v1::CADRE_KIND_UNSPECIFIED);
  std::unique_ptr<tools::Phone> NewPhone(const std::string& grid_or_scope,
                                         gridsync::v1::Role role = gridsync::v1::ROLE_GRID_WORKER,
                                         const std::string& holder = "网格员");
  gridsync::v1::GetRecordResponse GetRecord(const std::string& id);
  gridsync::v1::GetStatsResponse Stats();
  // The refills held for review, and an administrator applying one (both
  // must succeed).
  std::vector<gridsync::v1::Change> HeldRefills();
  gridsync::v1::RefillResult ApplyHeldRefill(uint64_t seq);
  // The admin imports `req` / sets the default check interval; both must succeed.
  void Import(const gridsync::v1::ImportRegistryRequest& req);
  void SetDefaultCheckInterval(int days);
  void SetCheckPolicy(const gridsync::v1::CheckPolicy& policy);
  grpc::Status Push(const std::string& token, const gridsync::v1::PushRequest& req,
                    gridsync::v1::PushResponse* resp);
  grpc::Status Pull(const std::string& token, const gridsync::v1::PullRequest& req,
                    gridsync::v1::PullResponse* resp);

  void ConnectStubs();

  std::string dir_;
  std::string admin_token_;
  // Changes logged by the set-up and the enrolments so far (Enroll counts
  // its own): record changes of a test come after these.
  uint64_t base_seq_ = 0;
  int64_t registry_now_ms_ = 0;  // TestRegistry's now_ms in SetUp
  std::unique_ptr<server::GridSyncServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gridsync::v1::AdminService::Stub> admin_;
  std::unique_ptr<gridsync::v1::SyncService::Stub> sync_;
  server::ServerOptions options_;
};

}  // namespace gridsync::testing

#endif  // GRIDSYNC_TESTS_SERVER_TEST_SERVER_H_
