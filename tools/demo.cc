// gridsync-demo --server ADDR --token-file ADMIN_TOKEN_FILE
//
// A day of grid work against a running gridsyncd that has the org data of
// one district: workers visit households and check supervised persons
// offline, sync in the evening; a worker and the village secretary edit the
// same dispute case on two phones at once; the conflict shows and is
// resolved; then a load run measures sync throughput.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/hlc.h"
#include "core/merge.h"
#include "core/view.h"
#include "gridsync/v1/records.pb.h"
#include "tools/client.h"
#include "tools/flags.h"
#include "tools/loadgen_lib.h"
#include "tools/sample_data.h"

namespace gridsync::tools {
namespace {
using gridsync::v1::Mutation;

constexpr int kWorkers = 12;

std::string Clock(uint64_t hlc) {
  const time_t secs = static_cast<time_t>(core::HlcWallMs(hlc) / 1000);
  struct tm tm;
  localtime_r(&secs, &tm);
  char buf[16];
  strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
  return buf;
}

absl::Status Check(const absl::StatusOr<gridsync::v1::PushResponse>& r) {
  if (!r.ok()) return r.status();
  for (const auto& res : r->results()) {
    if (res.outcome() == gridsync::v1::MUTATION_OUTCOME_REJECTED) {
      return absl::InternalError(absl::StrCat("rejected: ", res.message()));
    }
  }
  return absl::OkStatus();
}

class Demo {
 public:
  Demo(std::string server, std::string token)
      : server_(std::move(server)),
        token_(std::move(token)),
        ch_(Connect(server_)),
        admin_(gridsync::v1::AdminService::NewStub(ch_)) {}

  absl::Status Run() {
    if (auto st = WaitReady(ch_, std::chrono::seconds(10)); !st.ok()) return st;
    auto grids = EnsureSampleGrids(admin_.get(), token_, 2 * kWorkers, 7);
    if (!grids.ok()) return grids.status();
    auto stats0 = Stats();
    if (!stats0.ok()) return stats0.status();
    printf("== registry: %lu org units (towns from shared/data; villages, grids, households and\n"
           "   persons generated under them, marked generated)\n", stats0->org_units());

    // --- The day's field work, offline; synced in the evening. ---
    std::vector<std::unique_ptr<Phone>> phones;
    std::vector<std::string> phone_grid;
    int visits = 0, nobody_home = 0, checks = 0, absent = 0, cases = 0;
    std::vector<double> sync_ms;
    for (int w = 0; w < kWorkers; ++w) {
      const std::string grid = (*grids)[w];
      auto phone = EnrollPhone(gridsync::v1::ROLE_GRID_WORKER, grid, absl::StrCat("网格员", w + 1));
      if (!phone.ok()) return phone.status();
      auto reg = Households(grid);
      if (!reg.ok()) return reg.status();
      Phone& p = **phone;
      std::vector<Mutation> outbox;
      const int64_t now = p.clock().WallMs();
      for (int h = 0; h < reg->households_size() && h < 30; ++h) {
        Mutation m = p.Begin(gridsync::v1::RECORD_KIND_VISIT, p.NewRecordId(), grid);
        m.mutable_create()->set_subject_id(reg->households(h).household_id());
        const bool home = p.rng()() % 8 != 0;
        AddCreateField(&m, "visited_at_ms", IntValue(now - (30 - h) * 600000));
        AddCreateField(&m, "nobody_home", BoolValue(!home));
        if (home) {
          for (const char* f : {"talked_with_household", "open_letter_delivered",
                                "questionnaire_done", "opinions_collected"}) {
            AddCreateField(&m, f, BoolValue(true));
          }
          AddCreateField(&m, "opinions", StrValue("希望加强夜间巡逻"));
        }
        nobody_home += !home;
        ++visits;
        outbox.push_back(std::move(m));
      }
      for (const auto& person : reg->persons()) {
        Mutation m = p.Begin(gridsync::v1::RECORD_KIND_SPECIAL_CHECK, p.NewRecordId(), grid);
        m.mutable_create()->set_subject_id(person.person_id());
        const bool away = p.rng()() % 10 == 0;
        AddCreateField(&m, "checked_at_ms", IntValue(now - 3600000));
        AddCreateField(&m, "risk_level", IntValue(person.risk_level()));
        AddCreateField(&m, "person_absent", BoolValue(away));
        AddCreateField(&m, "guardian_present", BoolValue(!away));
        AddCreateField(&m, "observed", StrValue(away ? "本人外出务工，已电话联系监护人" : "情绪稳定，按时服药"));
        absent += away;
        ++checks;
        outbox.push_back(std::move(m));
      }
      Mutation c = p.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, p.NewRecordId(), grid);
      c.mutable_create()->set_subject_id(reg->households(0).household_id());
      AddCreateField(&c, "category", IntValue(gridsync::v1::DISPUTE_CATEGORY_UNPAID_WAGES));
      AddCreateField(&c, "title", StrValue("务工人员讨要工资"));
      AddCreateField(&c, "registered_at_ms", IntValue(now));
      outbox.push_back(std::move(c));
      ++cases;
      const auto t0 = std::chrono::steady_clock::now();
      if (auto st = Check(p.Push(outbox)); !st.ok()) return st;
      sync_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      phones.push_back(std::move(*phone));
      phone_grid.push_back(grid);
    }
    double total_ms = 0;
    for (double ms : sync_ms) total_ms += ms;
    printf("\n== a day in %d grids, synced in the evening (one push per phone)\n", kWorkers);
    printf("   %d visits (%d nobody home: revisit), %d special-population checks (%d person "
           "absent),\n   %d dispute cases registered; average evening sync %.1f ms per phone\n",
           visits, nobody_home, checks, absent, cases, total_ms / static_cast<double>(sync_ms.size()));

    // --- Two phones edit the same case offline. ---
    if (auto st = TwoPhonesOneCase(*phones[0], phone_grid[0]); !st.ok()) return st;

    // --- Throughput. ---
    LoadgenConfig cfg;
    cfg.server = server_;
    cfg.admin_token = token_;
    cfg.devices = 40;
    cfg.records_per_device = 1000;
    cfg.conflict_rate = 0.02;
    cfg.seed = 11;
    printf("\n== sync throughput: %d simulated phones x %d records, pushed in batches of %d\n",
           cfg.devices, cfg.records_per_device, cfg.batch);
    auto report = RunLoadgen(cfg);
    if (!report.ok()) return report.status();
    printf("   %s\n", report->Summary().c_str());

    auto stats = Stats();
    if (!stats.ok()) return stats.status();
    printf("\n== stored: %lu records (%lu visits, %lu dispute cases, %lu special checks); %lu "
           "records with\n   open conflicts; %lu changes in the log; %lu enrolled devices\n",
           stats->records(), stats->visits(), stats->dispute_cases(), stats->special_checks(),
           stats->records_with_conflicts(), stats->last_change_seq(), stats->devices());
    return absl::OkStatus();
  }

 private:
  absl::Status TwoPhonesOneCase(Phone& worker, const std::string& grid) {
    const std::string village = grid.substr(0, 12);
    auto sec = EnrollPhone(gridsync::v1::ROLE_VILLAGE_SECRETARY, village, "村书记 李国华");
    if (!sec.ok()) return sec.status();
    Phone& secretary = **sec;
    auto reg = Households(grid);
    if (!reg.ok()) return reg.status();

    Mutation c = worker.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, worker.NewRecordId(), grid);
    c.mutable_create()->set_subject_id(reg->households(1).household_id());
    AddCreateField(&c, "category", IntValue(gridsync::v1::DISPUTE_CATEGORY_LAND_FOREST_WATER));
    AddCreateField(&c, "title", StrValue("宅基地边界纠纷"));
    AddCreateField(&c, "registered_at_ms", IntValue(worker.clock().WallMs()));
    worker.Record(c);
    if (auto st = Check(worker.Push({c})); !st.ok()) return st;
    if (auto st = secretary.PullAll(); !st.ok()) return st.status();
    const std::string id = c.record_id();

    // Both offline: the worker retitles and logs a mediation session; the
    // secretary retitles differently and moves the case to mediating.
    Mutation w1 = worker.SetField(*worker.Find(id), "title", StrValue("王家与张家宅基地院墙纠纷"));
    worker.Record(w1);
    gridsync::v1::MediationSession session;
    session.set_held_at_ms(worker.clock().WallMs());
    session.set_mediation_type(gridsync::v1::MEDIATION_TYPE_PEOPLES);
    session.set_mediator("村调解委员会");
    session.set_summary("双方到场，同意重新丈量");
    Mutation w2 = worker.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, grid);
    w2.mutable_append_log()->set_log("mediation_sessions");
    w2.mutable_append_log()->set_element_id(worker.NewRecordId());
    w2.mutable_append_log()->set_payload(session.SerializeAsString());
    Mutation s1 = secretary.SetField(*secretary.Find(id), "title", StrValue("宅基地界址争议（需镇司法所协助）"));
    secretary.Record(s1);
    Mutation s2 = secretary.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, grid);
    s2.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_MEDIATING);
    if (auto st = Check(worker.Push({w1, w2})); !st.ok()) return st;
    if (auto st = Check(secretary.Push({s1, s2})); !st.ok()) return st;

    auto rec = GetRecord(id);
    if (!rec.ok()) return rec.status();
    printf("\n== one dispute case edited on two phones at once (%s)\n", id.c_str());
    printf("   status %s, %d mediation session(s) — merged without conflict\n",
           gridsync::v1::CaseStatus_Name(rec->dispute_case().status()).c_str(),
           rec->dispute_case().mediation_sessions_size());
    for (const auto& conflict : rec->conflicts()) {
      printf("   CONFLICT on %s: %d values kept, the app shows the first and flags the rest\n",
             conflict.field().c_str(), conflict.siblings_size());
      for (const auto& s : conflict.siblings()) {
        printf("     %s \"%s\"  by %s at %s\n", &s == &conflict.siblings(0) ? "winner " : "sibling",
               s.value().string_value().c_str(), s.author().c_str(), Clock(s.hlc()).c_str());
      }
    }
    // The secretary, having pulled both, writes the agreed title.
    if (auto st = secretary.PullAll(); !st.ok()) return st.status();
    Mutation fix = secretary.SetField(*secretary.Find(id), "title", StrValue("王家与张家宅基地界址纠纷"));
    if (auto st = Check(secretary.Push({fix})); !st.ok()) return st;
    rec = GetRecord(id);
    if (!rec.ok()) return rec.status();
    printf("   resolved by %s: title \"%s\", conflicts left: %d\n", "村书记 李国华",
           rec->dispute_case().title().c_str(), rec->conflicts_size());
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Phone>> EnrollPhone(gridsync::v1::Role role, const std::string& scope,
                                                     const std::string& holder) {
    gridsync::v1::EnrollDeviceRequest req;
    req.set_role(role);
    req.add_scope_codes(scope);
    req.set_holder(holder);
    gridsync::v1::EnrollDeviceResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->EnrollDevice(ctx.get(), req, &resp)); !st.ok()) return st;
    return std::make_unique<Phone>(ch_, resp.token(), resp.device_id(), holder,
                                   std::hash<std::string>()(resp.device_id()));
  }

  absl::StatusOr<gridsync::v1::ListHouseholdsResponse> Households(const std::string& grid) {
    gridsync::v1::ListHouseholdsRequest req;
    req.set_grid_code(grid);
    gridsync::v1::ListHouseholdsResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->ListHouseholds(ctx.get(), req, &resp)); !st.ok()) return st;
    return resp;
  }

  absl::StatusOr<gridsync::v1::Record> GetRecord(const std::string& id) {
    gridsync::v1::GetRecordRequest req;
    req.set_record_id(id);
    gridsync::v1::GetRecordResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->GetRecord(ctx.get(), req, &resp)); !st.ok()) return st;
    return resp.record();
  }

  absl::StatusOr<gridsync::v1::GetStatsResponse> Stats() {
    gridsync::v1::GetStatsResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->GetStats(ctx.get(), {}, &resp)); !st.ok()) return st;
    return resp;
  }

  std::string server_, token_;
  std::shared_ptr<grpc::Channel> ch_;
  std::unique_ptr<gridsync::v1::AdminService::Stub> admin_;
};

}  // namespace
}  // namespace gridsync::tools

int main(int argc, char** argv) {
  using namespace gridsync::tools;
  Args args = ParseArgs(argc, argv);
  if (!args.error.empty() || !args.Has("--server") || !args.Has("--token-file")) {
    fprintf(stderr, "usage: gridsync-demo --server ADDR --token-file ADMIN_TOKEN_FILE\n");
    return 2;
  }
  auto token = ReadTokenFile(args.Get("--token-file"));
  if (!token.ok()) {
    fprintf(stderr, "gridsync-demo: %s\n", std::string(token.status().message()).c_str());
    return 1;
  }
  Demo demo(args.Get("--server"), *token);
  if (auto st = demo.Run(); !st.ok()) {
    fprintf(stderr, "gridsync-demo: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
