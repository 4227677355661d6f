// Every role against every RPC, in and out of scope.
#include <functional>
#include <map>

#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {
using gridsync::v1::Role;
using grpc::StatusCode;

constexpr StatusCode OK = StatusCode::OK;
constexpr StatusCode UNAUTH = StatusCode::UNAUTHENTICATED;
constexpr StatusCode DENIED = StatusCode::PERMISSION_DENIED;

struct Caller {
  std::string name;
  std::string token;
};

class AuthMatrixTest : public ServerTest {
 protected:
  // The status of one call, and for a push the outcome code of its mutation
  // (OK when applied): out-of-scope mutations are refused per mutation.
  StatusCode PushVisit(const std::string& token, const std::string& grid) {
    gridsync::v1::PushRequest req;
    auto m = Visit(*writer_, grid, 1);
    m.clear_device_id();
    m.clear_author();
    *req.add_mutations() = m;
    gridsync::v1::PushResponse resp;
    auto st = Push(token, req, &resp);
    if (!st.ok()) return st.error_code();
    if (resp.results(0).outcome() == gridsync::v1::MUTATION_OUTCOME_REJECTED) {
      return static_cast<StatusCode>(resp.results(0).code());
    }
    return OK;
  }
  StatusCode PullScope(const std::string& token, const std::string& scope) {
    gridsync::v1::PullRequest req;
    req.set_scope_code(scope);
    gridsync::v1::PullResponse resp;
    return Pull(token, req, &resp).error_code();
  }
  template <typename Req, typename Resp, typename Fn>
  StatusCode Admin(const std::string& token, Fn fn, const Req& req) {
    Resp resp;
    auto ctx = tools::CallContext(token);
    return (admin_.get()->*fn)(ctx.get(), req, &resp).error_code();
  }

  std::unique_ptr<tools::Phone> writer_;  // only to stamp mutations
};

TEST_F(AuthMatrixTest, EveryRoleAgainstEveryRpc) {
  writer_ = NewPhone(kGridA);
  std::string revoked_id;
  const std::string revoked = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA}, "x", &revoked_id);
  ASSERT_TRUE(RevokeDevice(admin_.get(), admin_token_, revoked_id).ok());
  const std::vector<Caller> callers = {
      {"no token", ""},
      {"unknown token", std::string(64, 'a')},
      {"revoked", revoked},
      {"grid_worker", Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA})},
      {"village_secretary", Enroll(gridsync::v1::ROLE_VILLAGE_SECRETARY, {kVillageAB})},
      {"town_office", Enroll(gridsync::v1::ROLE_TOWN_OFFICE, {kTownABC})},
      {"county_job", Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty})},
      {"admin", admin_token_},
  };
  // Expected status per caller for each call, in the order of `callers`.
  using Row = std::vector<StatusCode>;
  struct Check {
    std::string what;
    std::function<StatusCode(const std::string&)> call;
    Row expect;
  };
  gridsync::v1::ListOrgUnitsRequest list_req;
  gridsync::v1::GetStatsRequest stats_req;
  gridsync::v1::ImportRegistryRequest import_req;
  gridsync::v1::EnrollDeviceRequest enroll_req;
  enroll_req.set_role(gridsync::v1::ROLE_GRID_WORKER);
  enroll_req.add_scope_codes(kGridB);
  gridsync::v1::RevokeDeviceRequest revoke_req;
  revoke_req.set_device_id("dev-none");
  gridsync::v1::BatchGetRecordsRequest batch_req;
  gridsync::v1::ListHouseholdsRequest households_req;
  households_req.set_grid_code(kGridA);
  using S = gridsync::v1::AdminService::Stub;
  const std::vector<Check> checks = {
      {"Push in own grid A", [&](auto& t) { return PushVisit(t, kGridA); },
       Row{UNAUTH, UNAUTH, UNAUTH, OK, OK, OK, DENIED, DENIED}},
      {"Push in grid B (same village)", [&](auto& t) { return PushVisit(t, kGridB); },
       Row{UNAUTH, UNAUTH, UNAUTH, DENIED, OK, OK, DENIED, DENIED}},
      {"Push in grid C (same town)", [&](auto& t) { return PushVisit(t, kGridC); },
       Row{UNAUTH, UNAUTH, UNAUTH, DENIED, DENIED, OK, DENIED, DENIED}},
      {"Push in grid D (other town)", [&](auto& t) { return PushVisit(t, kGridD); },
       Row{UNAUTH, UNAUTH, UNAUTH, DENIED, DENIED, DENIED, DENIED, DENIED}},
      {"Pull whole scope", [&](auto& t) { return PullScope(t, ""); },
       Row{UNAUTH, UNAUTH, UNAUTH, OK, OK, OK, OK, OK}},
      {"Pull grid A", [&](auto& t) { return PullScope(t, kGridA); },
       Row{UNAUTH, UNAUTH, UNAUTH, OK, OK, OK, OK, OK}},
      {"Pull village of A", [&](auto& t) { return PullScope(t, kVillageAB); },
       Row{UNAUTH, UNAUTH, UNAUTH, DENIED, OK, OK, OK, OK}},
      {"Pull grid D", [&](auto& t) { return PullScope(t, kGridD); },
       Row{UNAUTH, UNAUTH, UNAUTH, DENIED, DENIED, DENIED, OK, OK}},
      {"Pull other county", [&](auto& t) { return PullScope(t, "410102000000"); },
       Row{UNAUTH, UNAUTH, UNAUTH, DENIED, DENIED, DENIED, DENIED, OK}},
  };
  const Row admin_only{UNAUTH, UNAUTH, UNAUTH, DENIED, DENIED, DENIED, DENIED, OK};
  std::vector<Check> admin_checks = {
      {"EnrollDevice",
       [&](auto& t) {
         return Admin<gridsync::v1::EnrollDeviceRequest, gridsync::v1::EnrollDeviceResponse>(
             t, &S::EnrollDevice, enroll_req);
       },
       admin_only},
      {"RevokeDevice",
       [&](auto& t) {
         auto c = Admin<gridsync::v1::RevokeDeviceRequest, gridsync::v1::RevokeDeviceResponse>(
             t, &S::RevokeDevice, revoke_req);
         return c == StatusCode::NOT_FOUND ? OK : c;  // authorised, but there is no such device
       },
       admin_only},
      {"ImportRegistry",
       [&](auto& t) {
         return Admin<gridsync::v1::ImportRegistryRequest, gridsync::v1::ImportRegistryResponse>(
             t, &S::ImportRegistry, import_req);
       },
       admin_only},
      {"ListOrgUnits",
       [&](auto& t) {
         return Admin<gridsync::v1::ListOrgUnitsRequest, gridsync::v1::ListOrgUnitsResponse>(
             t, &S::ListOrgUnits, list_req);
       },
       admin_only},
      {"ListHouseholds",
       [&](auto& t) {
         return Admin<gridsync::v1::ListHouseholdsRequest, gridsync::v1::ListHouseholdsResponse>(
             t, &S::ListHouseholds, households_req);
       },
       admin_only},
      {"BatchGetRecords",
       [&](auto& t) {
         return Admin<gridsync::v1::BatchGetRecordsRequest, gridsync::v1::BatchGetRecordsResponse>(
             t, &S::BatchGetRecords, batch_req);
       },
       admin_only},
      {"GetStats",
       [&](auto& t) {
         return Admin<gridsync::v1::GetStatsRequest, gridsync::v1::GetStatsResponse>(
             t, &S::GetStats, stats_req);
       },
       admin_only},
  };
  std::vector<Check> all = checks;
  all.insert(all.end(), admin_checks.begin(), admin_checks.end());
  for (const auto& check : all) {
    for (size_t i = 0; i < callers.size(); ++i) {
      EXPECT_EQ(check.call(callers[i].token), check.expect[i])
          << check.what << " by " << callers[i].name;
    }
  }
}

TEST_F(AuthMatrixTest, ARevokedTokenStopsWorkingAtOnce) {
  writer_ = NewPhone(kGridA);
  std::string id;
  const std::string token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA}, "x", &id);
  EXPECT_EQ(PushVisit(token, kGridA), OK);
  ASSERT_TRUE(RevokeDevice(admin_.get(), admin_token_, id).ok());
  EXPECT_EQ(PushVisit(token, kGridA), UNAUTH);
  EXPECT_EQ(PullScope(token, ""), UNAUTH);
}

// The release a call's user agent names, as the metrics count devices by it:
// only gridsync's own programs, in a bounded form.
TEST(ReleaseOfTest, OnlyAGridsyncProgramAndAShortReleaseAreTaken) {
  using server::ReleaseOf;
  EXPECT_EQ(ReleaseOf("gridsync-sdk/0.26.0 grpc-c++/1.51.1 (linux; chttp2)"),
            "gridsync-sdk 0.26.0");
  EXPECT_EQ(ReleaseOf("gridsync-tools/0.27.0~rc1"), "gridsync-tools 0.27.0~rc1");
  EXPECT_EQ(ReleaseOf("grpc-python/1.51.1 grpc-c/29.0.0"), "other");
  EXPECT_EQ(ReleaseOf(""), "other");
  EXPECT_EQ(ReleaseOf("gridsync-sdk/"), "other");
  EXPECT_EQ(ReleaseOf("gridsync-sdk/0.26.0\"} 1\ngridsync_records 0"), "other");  // injection
  EXPECT_EQ(ReleaseOf("gridsync-sdk/" + std::string(33, '1')), "other");
}

}  // namespace
}  // namespace gridsync::testing
