#include "tools/loadgen_lib.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gridsync/v1/records.pb.h"
#include "tools/client.h"
#include "tools/sample_data.h"

namespace gridsync::tools {
namespace {
using gridsync::v1::Mutation;
using Clock = std::chrono::steady_clock;

struct SimPhone {
  std::unique_ptr<Phone> phone;
  std::string grid;
  std::vector<std::string> households, persons;
  std::string shared_case;  // a dispute case this phone and its partner both edit
};

// One record as a phone makes it in the field: a visit, a check or a case.
Mutation MakeRecord(SimPhone& p) {
  auto& rng = p.phone->rng();
  const int64_t now = p.phone->clock().WallMs();
  const int roll = static_cast<int>(rng() % 100);
  if (roll < 65 || p.persons.empty()) {
    Mutation m = p.phone->Begin(gridsync::v1::RECORD_KIND_VISIT, p.phone->NewRecordId(), p.grid);
    m.mutable_create()->set_subject_id(p.households[rng() % p.households.size()]);
    const bool home = rng() % 10 != 0;
    AddCreateField(&m, "visited_at_ms", IntValue(now));
    AddCreateField(&m, "nobody_home", BoolValue(!home));
    if (home) {
      AddCreateField(&m, "talked_with_household", BoolValue(true));
      AddCreateField(&m, "open_letter_delivered", BoolValue(true));
      AddCreateField(&m, "questionnaire_done", BoolValue(rng() % 5 != 0));
      AddCreateField(&m, "opinions_collected", BoolValue(true));
      AddCreateField(&m, "opinions", StrValue("希望村里路灯早点修好，晚上出门不方便。"));
      AddCreateField(&m, "notes", StrValue("户主在家，家中老人身体尚可，已宣传反诈知识和平安建设满意度调查。"));
    }
    return m;
  }
  if (roll < 90) {
    Mutation m =
        p.phone->Begin(gridsync::v1::RECORD_KIND_SPECIAL_CHECK, p.phone->NewRecordId(), p.grid);
    m.mutable_create()->set_subject_id(p.persons[rng() % p.persons.size()]);
    AddCreateField(&m, "checked_at_ms", IntValue(now));
    AddCreateField(&m, "risk_level", IntValue(static_cast<int64_t>(rng() % 4)));
    AddCreateField(&m, "guardian_present", BoolValue(rng() % 3 != 0));
    AddCreateField(&m, "medication", IntValue(gridsync::v1::MEDICATION_STATUS_TAKEN));
    AddCreateField(&m, "observed", StrValue("情绪稳定，按时服药，监护人在家。"));
    return m;
  }
  Mutation m = p.phone->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, p.phone->NewRecordId(), p.grid);
  m.mutable_create()->set_subject_id(p.households[rng() % p.households.size()]);
  AddCreateField(&m, "category", IntValue(1 + static_cast<int64_t>(rng() % 6)));
  AddCreateField(&m, "title", StrValue("宅基地边界纠纷"));
  AddCreateField(&m, "description", StrValue("两户因院墙位置发生争执，双方同意由村调解委员会调解。"));
  AddCreateField(&m, "registered_at_ms", IntValue(now));
  return m;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

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
  auto ch = Connect(cfg.server);
  if (auto st = WaitReady(ch, std::chrono::seconds(10)); !st.ok()) return st;
  auto admin = gridsync::v1::AdminService::NewStub(ch);

  // Two phones per grid (a grid worker and the village mediator), so that
  // they can edit the same cases.
  const int grids_needed = (cfg.devices + 1) / 2;
  auto grids = EnsureSampleGrids(admin.get(), cfg.admin_token, grids_needed, cfg.seed);
  if (!grids.ok()) return grids.status();

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
    p.phone = std::make_unique<Phone>(ch, resp.token(), resp.device_id(), req.holder(),
                                      cfg.seed * 1000003 + static_cast<uint64_t>(i));
  }

  // Each pair's first phone registers the shared case; the partner pulls it.
  for (int i = 0; i < cfg.devices; i += 2) {
    SimPhone& p = phones[i];
    Mutation m = p.phone->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, p.phone->NewRecordId(), p.grid);
    m.mutable_create()->set_subject_id(p.households[0]);
    AddCreateField(&m, "category", IntValue(gridsync::v1::DISPUTE_CATEGORY_NEIGHBOURS));
    AddCreateField(&m, "title", StrValue("相邻关系纠纷（共享）"));
    p.phone->Record(m);
    auto r = p.phone->Push({m});
    if (!r.ok()) return r.status();
    p.shared_case = m.record_id();
    if (i + 1 < cfg.devices) {
      phones[i + 1].shared_case = m.record_id();
      phones[i + 1].phone->Record(m);  // it knows the case exists; the pull fills it in
      if (auto pulled = phones[i + 1].phone->PullAll(true); !pulled.ok()) return pulled.status();
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
    while (made < cfg.records_per_device) {
      std::vector<Mutation> batch;
      std::vector<std::string> created;
      while (static_cast<int>(batch.size()) < cfg.batch && made < cfg.records_per_device) {
        Mutation m = MakeRecord(p);
        created.push_back(m.record_id());
        batch.push_back(std::move(m));
        ++made;
        const double roll = static_cast<double>(p.phone->rng()() % 1000000) / 1e6;
        if (roll < cfg.conflict_rate && static_cast<int>(batch.size()) < cfg.batch) {
          const auto* known = p.phone->Find(p.shared_case);
          if (known != nullptr) {
            // Edited offline, against whatever this phone last saw.
            Mutation e = p.phone->SetField(*known, "description",
                                           StrValue(absl::StrCat("调解进展（", p.phone->device_id(),
                                                            " 第", made, "条）")));
            p.phone->Record(e);
            batch.push_back(std::move(e));
            std::lock_guard<std::mutex> l(mu);
            ++report.shared_case_edits;
          }
        }
      }
      const auto t0 = Clock::now();
      auto resp = p.phone->Push(batch);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      std::lock_guard<std::mutex> l(mu);
      if (!resp.ok()) {
        if (first_error.ok()) first_error = resp.status();
        return;
      }
      latencies.push_back(ms);
      ++report.pushes;
      report.mutations_sent += static_cast<long>(batch.size());
      for (const auto& r : resp->results()) {
        if (r.outcome() == gridsync::v1::MUTATION_OUTCOME_REJECTED) {
          ++report.rejected;
          if (report.first_rejection.empty()) report.first_rejection = r.message();
          continue;
        }
        ++report.mutations_applied;
      }
      size_t k = 0;
      for (const auto& r : resp->results()) {
        if (k < created.size() && r.record_id() == created[k]) {
          if (r.outcome() != gridsync::v1::MUTATION_OUTCOME_REJECTED) {
            ++report.records_acked;
            if (acked.is_open()) acked << r.record_id() << '\n';
          }
          ++k;
        }
      }
      // Back in signal now and then: pull what the partner wrote.
      if (cfg.pull_every > 0 && ++batches % cfg.pull_every == 0) {
        mu.unlock();
        auto pulled = p.phone->PullAll(/*tracked_only=*/true);
        mu.lock();
        if (!pulled.ok() && first_error.ok()) first_error = pulled.status();
      }
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
