#include "tools/common/loadgen_lib.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/hlc.h"
#include "gridsync/client.h"
#include "gridsync/v1/records.pb.h"
#include "tools/common/client.h"
#include "tools/common/percentile.h"
#include "tools/common/sample_data.h"

namespace gridsync::tools {
namespace {
using Clock = std::chrono::steady_clock;

// One simulated phone: an SDK replica of its own, like the app's.
struct SimPhone {
  std::unique_ptr<sdk::Client> client;
  std::string grid;
  std::vector<std::string> households, persons;
  std::string shared_case;  // a dispute case this phone and its partner both edit
  std::mt19937_64 rng;
  std::vector<std::string> unacked;  // record ids written since the last push
};

sdk::Field F(const char* name, gridsync::v1::FieldValue v) { return {name, std::move(v)}; }

// One record as a phone makes it in the field: a visit, a check or a case.
absl::StatusOr<std::string> MakeRecord(SimPhone& p) {
  auto& rng = p.rng;
  const int64_t now = core::SystemWallMs();
  const int roll = static_cast<int>(rng() % 100);
  if (roll < 65 || p.persons.empty()) {
    const bool home = rng() % 10 != 0;
    std::vector<sdk::Field> f = {F("visited_at_ms", IntValue(now)),
                                 F("nobody_home", BoolValue(!home))};
    if (home) {
      f.push_back(F("talked_with_household", BoolValue(true)));
      f.push_back(F("open_letter_delivered", BoolValue(true)));
      f.push_back(F("questionnaire_done", BoolValue(rng() % 5 != 0)));
      f.push_back(F("opinions_collected", BoolValue(true)));
      f.push_back(F("opinions", StrValue("希望村里路灯早点修好，晚上出门不方便。")));
      f.push_back(
          F("notes", StrValue("户主在家，家中老人身体尚可，已宣传反诈知识和平安建设满意度调查。")));
    }
    return p.client->Create(gridsync::v1::RECORD_KIND_VISIT, p.grid,
                            p.households[rng() % p.households.size()], f);
  }
  if (roll < 90) {
    return p.client->Create(gridsync::v1::RECORD_KIND_SPECIAL_CHECK, p.grid,
                            p.persons[rng() % p.persons.size()],
                            {F("checked_at_ms", IntValue(now)),
                             F("risk_level", IntValue(static_cast<int64_t>(rng() % 4))),
                             F("guardian_present", BoolValue(rng() % 3 != 0)),
                             F("medication", IntValue(gridsync::v1::MEDICATION_STATUS_TAKEN)),
                             F("observed", StrValue("情绪稳定，按时服药，监护人在家。"))});
  }
  return p.client->Create(
      gridsync::v1::RECORD_KIND_DISPUTE_CASE, p.grid, p.households[rng() % p.households.size()],
      {F("category", IntValue(1 + static_cast<int64_t>(rng() % 6))),
       F("title", StrValue("宅基地边界纠纷")),
       F("description", StrValue("两户因院墙位置发生争执，双方同意由村调解委员会调解。")),
       F("registered_at_ms", IntValue(now))});
}

// A folder for the phones' replicas: the caller's, or a fresh temporary one
// removed when the run ends.
class DataDir {
 public:
  static absl::StatusOr<DataDir> Make(const std::string& wanted) {
    DataDir d;
    if (!wanted.empty()) {
      d.path_ = wanted;
      return d;
    }
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "gridsync-loadgen-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create a temporary folder: ", strerror(errno)));
    }
    d.path_ = tmpl;
    d.remove_ = true;
    return d;
  }
  DataDir(DataDir&& o) noexcept : path_(std::move(o.path_)), remove_(o.remove_) {
    o.remove_ = false;
  }
  ~DataDir() {
    std::error_code ec;
    if (remove_) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  DataDir() = default;
  std::string path_;
  bool remove_ = false;
};

}  // namespace

std::string LoadgenReport::Summary() const {
  return absl::StrFormat(
      "loadgen: %d devices, %d records acked (%d mutations applied, %d rejected, %d shared-case "
      "edits) in %.2f s: %.0f records/s, %.0f mutations/s, push p50 %.2f ms p99 %.2f ms over %d "
      "pushes",
      devices, records_acked, mutations_applied, rejected, shared_case_edits, seconds,
      records_per_second, mutations_per_second, push_p50_ms, push_p99_ms, pushes);
}

absl::StatusOr<LoadgenReport> RunLoadgen(const LoadgenConfig& cfg) {
  if (cfg.devices < 1 || cfg.records_per_device < 0 || cfg.batch < 1 || cfg.batch > 1000 ||
      cfg.conflict_rate < 0 || cfg.conflict_rate > 1) {
    return absl::InvalidArgumentError(
        "need --devices >= 1, --records-per-device >= 0, --batch 1..1000, --conflict-rate 0..1");
  }
  auto connected = Connect(cfg.server, cfg.tls);
  if (!connected.ok()) return connected.status();
  auto ch = *connected;
  if (auto st = WaitReady(ch, std::chrono::seconds(10)); !st.ok()) return st;
  std::string roots;  // the phones' (SDK) trust
  if (!cfg.tls.ca.empty()) {
    auto pem = ReadPem(cfg.tls.ca, "--tls-ca");
    if (!pem.ok()) return pem.status();
    roots = std::move(*pem);
  }
  auto admin = gridsync::v1::AdminService::NewStub(ch);

  // Two phones per grid (a grid worker and the village mediator), so that
  // they can edit the same cases.
  const int grids_needed = (cfg.devices + 1) / 2;
  auto grids = EnsureSampleGrids(admin.get(), cfg.admin_token, grids_needed, cfg.seed);
  if (!grids.ok()) return grids.status();

  auto data = DataDir::Make(cfg.data_dir);
  if (!data.ok()) return data.status();
  std::vector<SimPhone> phones(cfg.devices);
  std::map<std::string, gridsync::v1::ListHouseholdsResponse> registry;
  for (int i = 0; i < cfg.devices; ++i) {
    SimPhone& p = phones[i];
    p.grid = (*grids)[(i / 2) % grids->size()];
    if (!registry.count(p.grid)) {
      gridsync::v1::ListHouseholdsRequest req;
      req.set_grid_code(p.grid);
      auto ctx = CallContext(cfg.admin_token);
      if (auto st = FromGrpc(admin->ListHouseholds(ctx.get(), req, &registry[p.grid])); !st.ok()) {
        return st;
      }
    }
    for (const auto& h : registry[p.grid].households()) p.households.push_back(h.household_id());
    for (const auto& x : registry[p.grid].persons()) p.persons.push_back(x.person_id());
    if (p.households.empty()) {
      return absl::FailedPreconditionError(absl::StrCat("grid ", p.grid, " has no households"));
    }
    gridsync::v1::EnrollDeviceRequest req;
    req.set_role(gridsync::v1::ROLE_GRID_WORKER);
    req.add_scope_codes(p.grid);
    req.set_holder(absl::StrCat("网格员", i + 1));
    gridsync::v1::EnrollDeviceResponse resp;
    auto ctx = CallContext(cfg.admin_token);
    if (auto st = FromGrpc(admin->EnrollDevice(ctx.get(), req, &resp)); !st.ok()) return st;
    sdk::ClientOptions o;
    o.data_dir = absl::StrCat(data->path(), "/", resp.device_id());
    o.server_address = cfg.server;
    o.tls_root_certs = roots;
    o.device_id = resp.device_id();
    o.token = resp.token();
    o.holder = req.holder();
    o.durable_writes = cfg.phone_fsync;
    o.push_batch = cfg.batch + 1;  // a batch and the shared-case edits in one push
    auto client = sdk::Client::Open(o);
    if (!client.ok()) return client.status();
    p.client = std::move(*client);
    p.rng.seed(cfg.seed * 1000003 + static_cast<uint64_t>(i));
  }

  // Each pair's first phone registers the shared case; the partner pulls it.
  for (int i = 0; i < cfg.devices; i += 2) {
    SimPhone& p = phones[i];
    auto id = p.client->Create(gridsync::v1::RECORD_KIND_DISPUTE_CASE, p.grid, p.households[0],
                               {F("category", IntValue(gridsync::v1::DISPUTE_CATEGORY_NEIGHBOURS)),
                                F("title", StrValue("相邻关系纠纷（共享）"))});
    if (!id.ok()) return id.status();
    if (auto r = p.client->Sync(); !r.ok()) return r.status();
    p.shared_case = *id;
    if (i + 1 < cfg.devices) {
      phones[i + 1].shared_case = *id;
      if (auto r = phones[i + 1].client->Sync(); !r.ok()) return r.status();
    }
  }

  std::ofstream acked;
  if (!cfg.acked_log.empty()) {
    acked.open(cfg.acked_log, std::ios::trunc);
    if (!acked) return absl::PermissionDeniedError(absl::StrCat("cannot write ", cfg.acked_log));
  }
  std::mutex mu;  // guards report, latencies, acked, first error
  LoadgenReport report;
  report.devices = cfg.devices;
  std::vector<double> latencies;
  absl::Status first_error;
  std::atomic<int> next_phone{0};

  // Each thread takes phones one at a time and runs each phone's whole day.
  auto run_phone = [&](SimPhone& p) {
    int made = 0;
    int batches = 0;
    auto fail = [&](const absl::Status& st) {
      std::lock_guard<std::mutex> l(mu);
      if (first_error.ok()) first_error = st;
    };
    while (made < cfg.records_per_device) {
      // Offline: a batch of records, now and then an edit of the shared case.
      for (int n = 0; n < cfg.batch && made < cfg.records_per_device; ++n) {
        auto id = MakeRecord(p);
        if (!id.ok()) return fail(id.status());
        p.unacked.push_back(*id);
        ++made;
        const double roll = static_cast<double>(p.rng() % 1000000) / 1e6;
        if (roll < cfg.conflict_rate) {
          auto st = p.client->SetField(p.shared_case, "description",
                                       StrValue(absl::StrCat("调解进展（第", made, "条）")));
          if (!st.ok()) return fail(st);
          std::lock_guard<std::mutex> l(mu);
          ++report.shared_case_edits;
        }
      }
      // Back in signal: push, and now and then pull what the partner wrote.
      const bool pull = cfg.pull_every > 0 && ++batches % cfg.pull_every == 0;
      const auto t0 = Clock::now();
      auto r = pull ? p.client->Sync() : p.client->Push();
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (!r.ok()) return fail(r.status());
      std::set<std::string> refused;
      std::string first_refusal;
      if (r->rejected > 0) {
        for (const auto& rj : p.client->Rejected()) {
          refused.insert(rj.mutation().record_id());
          if (first_refusal.empty()) first_refusal = rj.message();
        }
      }
      std::lock_guard<std::mutex> l(mu);
      latencies.push_back(ms);
      report.pushes += r->push_calls;
      report.mutations_sent += r->pushed + r->duplicates + r->rejected;
      report.mutations_applied += r->pushed + r->duplicates;
      report.rejected += r->rejected;
      if (report.first_rejection.empty()) report.first_rejection = first_refusal;
      // Push sends the whole outbox: every record written so far is acked
      // unless it was refused.
      for (const auto& id : p.unacked) {
        if (refused.count(id)) continue;
        ++report.records_acked;
        if (acked.is_open()) acked << id << '\n';
      }
      p.unacked.clear();
    }
  };

  const auto start = Clock::now();
  std::vector<std::thread> threads;
  const int nthreads = std::max(1, std::min(cfg.threads, cfg.devices));
  for (int t = 0; t < nthreads; ++t) {
    threads.emplace_back([&] {
      for (int i = next_phone++; i < cfg.devices; i = next_phone++) run_phone(phones[i]);
    });
  }
  for (auto& t : threads) t.join();
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (acked.is_open()) {
    acked.flush();
    if (!acked) return absl::DataLossError(absl::StrCat("cannot write ", cfg.acked_log));
  }
  if (!first_error.ok()) return first_error;
  report.records_per_second = static_cast<double>(report.records_acked) / report.seconds;
  report.mutations_per_second = static_cast<double>(report.mutations_applied) / report.seconds;
  report.push_p50_ms = Percentile(latencies, 0.50);
  report.push_p99_ms = Percentile(latencies, 0.99);
  return report;
}

}  // namespace gridsync::tools
