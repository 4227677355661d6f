// gridsyncctl: the operator's command line.
//
//   gridsyncctl --server ADDR --token-file F COMMAND ...
//     import-org FILE.csv              division CSV (shared/data format)
//     import-households FILE.csv       household_id,grid_code,address,head_name
//     gen-sample [--min-grids N]       generated grids/households under imported villages
//     enroll --role ROLE --scope CODE[,CODE] [--holder NAME]   prints the device token
//     revoke --device DEVICE_ID
//     verify --ids FILE                exit 0 only if every id in FILE is stored
//     get --id RECORD_ID               a record with its conflicts
//     stats                            counts of what is stored
//     wait-ready [--timeout SECONDS]   waits until the server answers
//     health                           the gRPC health service's answer; exit 0 when SERVING
#include <cstdio>
#include <fstream>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/hlc.h"
#include "google/protobuf/text_format.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tools/client.h"
#include "tools/flags.h"
#include "tools/sample_data.h"

namespace gridsync::tools {
namespace {

int Fail(const absl::Status& st) {
  fprintf(stderr, "gridsyncctl: %s: %s\n", absl::StatusCodeToString(st.code()).c_str(),
          std::string(st.message()).c_str());
  return 1;
}

int Usage() {
  fprintf(stderr,
          "usage: gridsyncctl --server ADDR --token-file FILE COMMAND\n"
          "  import-org FILE.csv | import-households FILE.csv | gen-sample [--min-grids N]\n"
          "  enroll --role grid_worker|village_secretary|town_office|county_job --scope CODE[,CODE]"
          " [--holder NAME]\n"
          "  revoke --device ID | verify --ids FILE | get --id RECORD_ID | stats |"
          " wait-ready [--timeout S] | health\n");
  return 2;
}

class Ctl {
 public:
  Ctl(std::shared_ptr<grpc::Channel> ch, std::string token)
      : admin_(gridsync::v1::AdminService::NewStub(ch)), token_(std::move(token)) {}

  int ImportOrg(const std::string& path) {
    auto csv = ReadDivisionCsv(path);
    if (!csv.ok()) return Fail(csv.status());
    for (const auto& e : csv->errors) fprintf(stderr, "%s: %s\n", path.c_str(), e.c_str());
    gridsync::v1::ImportRegistryResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->ImportRegistry(ctx.get(), csv->request, &resp)); !st.ok()) {
      return Fail(st);
    }
    for (const auto& r : resp.rejections()) {
      fprintf(stderr, "%s: line %d: %s\n", path.c_str(), csv->lines[r.index()], r.message().c_str());
    }
    printf("import-org %s: %d org units read; %d created, %d updated, %d unchanged, %d rejected\n",
           path.c_str(), csv->request.org_units_size(), resp.created(), resp.updated(),
           resp.unchanged(), resp.rejections_size() + static_cast<int>(csv->errors.size()));
    return resp.rejections_size() == 0 && csv->errors.empty() ? 0 : 1;
  }

  int ImportHouseholds(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Fail(absl::NotFoundError(absl::StrCat("cannot read ", path)));
    gridsync::v1::ImportRegistryRequest req;
    std::vector<int> lines;
    std::string line;
    int n = 0, bad = 0;
    while (std::getline(in, line)) {
      if (++n == 1) continue;  // header
      std::vector<std::string> c = absl::StrSplit(absl::StripTrailingAsciiWhitespace(line), ',');
      if (c.size() != 4) {
        fprintf(stderr, "%s: line %d: expected household_id,grid_code,address,head_name\n",
                path.c_str(), n);
        ++bad;
        continue;
      }
      auto* h = req.add_households();
      h->set_household_id(c[0]);
      h->set_grid_code(c[1]);
      h->set_address(c[2]);
      h->set_head_name(c[3]);
      lines.push_back(n);
    }
    gridsync::v1::ImportRegistryResponse resp;
    auto ctx = CallContext(token_, std::chrono::seconds(300));
    if (auto st = FromGrpc(admin_->ImportRegistry(ctx.get(), req, &resp)); !st.ok()) return Fail(st);
    for (const auto& r : resp.rejections()) {
      fprintf(stderr, "%s: line %d: %s\n", path.c_str(), lines[r.index()], r.message().c_str());
    }
    printf("import-households %s: %d created, %d updated, %d unchanged, %d rejected\n", path.c_str(),
           resp.created(), resp.updated(), resp.unchanged(), resp.rejections_size() + bad);
    return resp.rejections_size() + bad == 0 ? 0 : 1;
  }

  int GenSample(int min_grids) {
    auto grids = EnsureSampleGrids(admin_.get(), token_, min_grids, 1);
    if (!grids.ok()) return Fail(grids.status());
    printf("gen-sample: %zu grids with households\n", grids->size());
    return 0;
  }

  int Enroll(const std::string& role_name, const std::string& scope, const std::string& holder) {
    gridsync::v1::Role role;
    if (!gridsync::v1::Role_Parse("ROLE_" + absl::AsciiStrToUpper(role_name), &role)) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "unknown role '", role_name,
          "'; one of grid_worker, village_secretary, town_office, county_job, admin")));
    }
    gridsync::v1::EnrollDeviceRequest req;
    req.set_role(role);
    for (auto code : absl::StrSplit(scope, ',', absl::SkipEmpty())) req.add_scope_codes(std::string(code));
    req.set_holder(holder);
    gridsync::v1::EnrollDeviceResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->EnrollDevice(ctx.get(), req, &resp)); !st.ok()) return Fail(st);
    fprintf(stderr, "enrolled %s\n", resp.device_id().c_str());
    printf("%s\n", resp.token().c_str());
    return 0;
  }

  int Revoke(const std::string& device) {
    gridsync::v1::RevokeDeviceRequest req;
    req.set_device_id(device);
    gridsync::v1::RevokeDeviceResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->RevokeDevice(ctx.get(), req, &resp)); !st.ok()) return Fail(st);
    printf("revoked %s\n", device.c_str());
    return 0;
  }

  int Verify(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Fail(absl::NotFoundError(absl::StrCat("cannot read ", path)));
    std::vector<std::string> ids;
    std::string line;
    while (std::getline(in, line)) {
      std::string id(absl::StripAsciiWhitespace(line));
      if (!id.empty()) ids.push_back(id);
    }
    long found = 0;
    std::vector<std::string> missing;
    for (size_t i = 0; i < ids.size(); i += 10000) {
      gridsync::v1::BatchGetRecordsRequest req;
      for (size_t j = i; j < std::min(ids.size(), i + 10000); ++j) req.add_record_ids(ids[j]);
      gridsync::v1::BatchGetRecordsResponse resp;
      auto ctx = CallContext(token_);
      if (auto st = FromGrpc(admin_->BatchGetRecords(ctx.get(), req, &resp)); !st.ok()) return Fail(st);
      found += resp.found_ids_size();
      missing.insert(missing.end(), resp.missing_ids().begin(), resp.missing_ids().end());
    }
    for (size_t i = 0; i < missing.size() && i < 20; ++i) {
      fprintf(stderr, "missing: %s\n", missing[i].c_str());
    }
    printf("verify %s: %ld of %zu ids stored, %zu missing\n", path.c_str(), found, ids.size(),
           missing.size());
    return missing.empty() ? 0 : 1;
  }

  int Get(const std::string& id) {
    gridsync::v1::GetRecordRequest req;
    req.set_record_id(id);
    gridsync::v1::GetRecordResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->GetRecord(ctx.get(), req, &resp)); !st.ok()) return Fail(st);
    google::protobuf::TextFormat::Printer printer;
    printer.SetUseUtf8StringEscaping(true);
    std::string text;
    printer.PrintToString(resp.record(), &text);
    printf("%s", text.c_str());
    return 0;
  }

  int Stats() {
    gridsync::v1::GetStatsResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->GetStats(ctx.get(), {}, &resp)); !st.ok()) return Fail(st);
    printf("records %lu (visits %lu, dispute cases %lu, special checks %lu), with conflicts %lu, "
           "last change %lu, devices %lu, org units %lu\n",
           resp.records(), resp.visits(), resp.dispute_cases(), resp.special_checks(),
           resp.records_with_conflicts(), resp.last_change_seq(), resp.devices(), resp.org_units());
    return 0;
  }

 private:
  std::unique_ptr<gridsync::v1::AdminService::Stub> admin_;
  std::string token_;
};

}  // namespace
}  // namespace gridsync::tools

int main(int argc, char** argv) {
  using namespace gridsync::tools;
  Args args = ParseArgs(argc, argv);
  if (!args.error.empty() || args.positional.empty() || !args.Has("--server")) return Usage();
  const std::string cmd = args.positional[0];
  auto ch = Connect(args.Get("--server"));
  if (cmd == "wait-ready") {
    int timeout = 10;
    if (!absl::SimpleAtoi(args.Get("--timeout", "10"), &timeout)) return Usage();
    auto st = WaitReady(ch, std::chrono::seconds(timeout));
    if (!st.ok()) return Fail(st);
    return 0;
  }
  if (cmd == "health") {
    auto stub = grpc::health::v1::Health::NewStub(ch);
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    auto st = FromGrpc(stub->Check(&ctx, req, &resp));
    if (!st.ok()) return Fail(st);
    printf("%s\n", grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status()).c_str());
    return resp.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
  }
  if (!args.Has("--token-file")) return Usage();
  auto token = ReadTokenFile(args.Get("--token-file"));
  if (!token.ok()) return Fail(token.status());
  Ctl ctl(ch, *token);
  if (cmd == "import-org" && args.positional.size() == 2) return ctl.ImportOrg(args.positional[1]);
  if (cmd == "import-households" && args.positional.size() == 2) {
    return ctl.ImportHouseholds(args.positional[1]);
  }
  if (cmd == "gen-sample") {
    int n = 0;
    if (!absl::SimpleAtoi(args.Get("--min-grids", "10"), &n)) return Usage();
    return ctl.GenSample(n);
  }
  if (cmd == "enroll" && args.Has("--role")) {
    return ctl.Enroll(args.Get("--role"), args.Get("--scope"), args.Get("--holder"));
  }
  if (cmd == "revoke" && args.Has("--device")) return ctl.Revoke(args.Get("--device"));
  if (cmd == "verify" && args.Has("--ids")) return ctl.Verify(args.Get("--ids"));
  if (cmd == "get" && args.Has("--id")) return ctl.Get(args.Get("--id"));
  if (cmd == "stats") return ctl.Stats();
  return Usage();
}
