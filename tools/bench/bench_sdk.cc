// gridsync-bench-sdk: the client SDK's figures, against a real gridsyncd in
// this process, through a byte-counting TCP proxy (what a phone pays for on
// mobile data):
//  - local write latency (p50, p99): a create, validated and durable;
//  - an outbox of N mutations synced: time, records/s, bytes per record;
//  - a first sync of a grid of H households with a year of history;
// each with gRPC gzip compression on, and off for comparison, and with gzip
// on an encrypted replica (ClientOptions::replica_key) for its cost;
//  - on that replica, the day's lists and figures (p50, p99) and the time
//    to open it again (which loads them).
//
//   gridsync-bench-sdk [--writes 10000] [--households 300] [--dir DIR]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/hlc.h"
#include "gridsync/client.h"
#include "server/server.h"
#include "tools/common/client.h"
#include "tools/common/flags.h"
#include "tools/common/percentile.h"
#include "tools/common/tcp_proxy.h"

namespace {
using namespace gridsync;
using Clock = std::chrono::steady_clock;
using tools::Percentile;

constexpr char kGrid[] = "410185001201001";        // the year of history
constexpr char kOutboxGrid[] = "410185001201002";  // the outbox runs
constexpr int64_t kDayMs = 86400000;

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string Hh(int n, const char* grid = kGrid) { return absl::StrFormat("%s%04d", grid, n); }

sdk::Field F(const char* name, v1::FieldValue v) { return {name, std::move(v)}; }

int Fail(const absl::Status& st) {
  fprintf(stderr, "gridsync-bench-sdk: %s\n", st.ToString().c_str());
  return 1;
}

class Bench {
 public:
  absl::Status Setup(const std::string& dir, int households) {
    dir_ = dir;
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (auto st = server::InitDataDir(dir_ + "/server"); !st.ok()) return st;
    auto token = tools::ReadTokenFile(dir_ + "/server/admin.token");
    if (!token.ok()) return token.status();
    admin_token_ = *token;
    server::ServerOptions so;
    so.data_dir = dir_ + "/server";
    so.listen = "127.0.0.1:0";
    auto s = server::GridSyncServer::Start(so);
    if (!s.ok()) return s.status();
    server_ = std::move(*s);
    auto p = tools::TcpProxy::Start(server_->port());
    if (!p.ok()) return p.status();
    proxy_ = std::move(*p);
    auto ch = tools::Connect("127.0.0.1:" + std::to_string(server_->port()));
    admin_ = v1::AdminService::NewStub(ch);

    v1::ImportRegistryRequest req;
    auto unit = [&](const std::string& code, const std::string& name) {
      auto* u = req.add_org_units();
      u->set_code(code);
      u->set_name(name);
    };
    unit("410185000000", "登封市");
    unit("410185001000", "嵩阳街道");
    unit("410185001201", "一村");
    unit(kGrid, "一村第一网格");
    unit(kOutboxGrid, "一村第二网格");
    for (int h = 1; h <= households; ++h) {
      auto* other = req.add_households();
      other->set_household_id(Hh(h, kOutboxGrid));
      other->set_grid_code(kOutboxGrid);
      auto* hh = req.add_households();
      hh->set_household_id(Hh(h));
      hh->set_grid_code(kGrid);
      hh->set_address(absl::StrCat("一村", h, "号"));
      if (h % 10 == 0) {  // one supervised person in ten households
        auto* pp = req.add_persons();
        pp->set_person_id(Hh(h) + "01");
        pp->set_household_id(Hh(h));
        pp->set_category(v1::PERSON_CATEGORY_SEVERE_MENTAL_DISORDER);
        pp->set_risk_level(2);
        pp->set_supervised_since_ms(core::SystemWallMs() - 400 * kDayMs);
      }
    }
    v1::ImportRegistryResponse resp;
    auto ctx = tools::CallContext(admin_token_);
    return gridsync::FromGrpc(admin_->ImportRegistry(ctx.get(), req, &resp));
  }

  // A new phone's replica; with `encrypted`, under a random key.
  absl::StatusOr<std::unique_ptr<sdk::Client>> NewPhone(const std::string& name, bool compression,
                                                        const char* grid = kGrid,
                                                        bool encrypted = false) {
    v1::EnrollDeviceRequest req;
    req.set_role(v1::ROLE_GRID_WORKER);
    req.add_scope_codes(grid);
    req.set_holder(name);
    v1::EnrollDeviceResponse resp;
    auto ctx = tools::CallContext(admin_token_);
    if (auto st = gridsync::FromGrpc(admin_->EnrollDevice(ctx.get(), req, &resp)); !st.ok())
      return st;
    sdk::ClientOptions o;
    o.data_dir = dir_ + "/" + resp.device_id();
    o.server_address = "127.0.0.1:" + std::to_string(proxy_->port());
    o.device_id = resp.device_id();
    o.token = resp.token();
    o.holder = name;
    o.compression = compression;
    if (encrypted) {
      std::random_device rd;
      o.replica_key.resize(32);
      for (char& ch : o.replica_key) ch = static_cast<char>(rd());
    }
    last_options_ = o;
    return sdk::Client::Open(o);
  }

  // A visit as a worker records it: the four-ones checklist and notes.
  static absl::StatusOr<std::string> Visit(sdk::Client& c, int household, int64_t at_ms,
                                           const char* grid = kGrid) {
    return c.Create(v1::RECORD_KIND_VISIT, grid, Hh(household, grid),
                    {F("visited_at_ms", tools::IntValue(at_ms)),
                     F("talked_with_household", tools::BoolValue(true)),
                     F("open_letter_delivered", tools::BoolValue(true)),
                     F("questionnaire_done", tools::BoolValue(true)),
                     F("opinions_collected", tools::BoolValue(true)),
                     F("opinions", tools::StrValue("希望村里路灯早点修好，晚上出门不方便。")),
                     F("notes", tools::StrValue("户主在家，家中老人身体尚可，已宣传反诈知识。"))});
  }

  static const char* Kind(bool encrypted) {
    return encrypted ? "encrypted replica" : "plain replica";
  }

  int RunLocalWritesAndOutbox(int writes, bool compression, bool encrypted) {
    auto phone =
        NewPhone(compression ? "网格员甲" : "网格员乙", compression, kOutboxGrid, encrypted);
    if (!phone.ok()) return Fail(phone.status());
    std::vector<double> us;
    us.reserve(writes);
    const auto all = Clock::now();
    for (int i = 0; i < writes; ++i) {
      const auto t0 = Clock::now();
      auto id = Visit(**phone, 1 + i % 300, core::SystemWallMs(), kOutboxGrid);
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      if (!id.ok()) return Fail(id.status());
    }
    const double write_s = Seconds(all);
    if (compression) {
      printf(
          "local write (create visit, validated, WAL synced; %s): p50 %.0f us, p99 %.0f us, %.0f "
          "writes/s\n",
          Kind(encrypted), Percentile(us, 0.5), Percentile(us, 0.99), writes / write_s);
    }
    proxy_->ResetCounters();
    const auto t0 = Clock::now();
    auto r = (*phone)->Push();
    const double s = Seconds(t0);
    if (!r.ok()) return Fail(r.status());
    printf(
        "outbox of %d synced (%s, %s): %.2f s, %.0f records/s, %d pushes; up %.0f B/record, down "
        "%.0f B/record\n",
        writes, compression ? "gzip" : "no compression", Kind(encrypted), s, r->pushed / s,
        static_cast<int>(r->push_calls), static_cast<double>(proxy_->bytes_up()) / writes,
        static_cast<double>(proxy_->bytes_down()) / writes);
    return 0;
  }

  // A year in one grid: every household visited monthly, every supervised
  // person checked weekly, a dispute case a week with its sessions and
  // follow-ups, written by a worker's phone and synced.
  absl::StatusOr<int> WriteYear(int households) {
    auto phone = NewPhone("网格员丙", true);
    if (!phone.ok()) return phone.status();
    sdk::Client& c = **phone;
    const int64_t start = core::SystemWallMs() - 365 * kDayMs;
    int n = 0;
    for (int month = 0; month < 12; ++month) {
      for (int h = 1; h <= households; ++h) {
        auto id = Visit(c, h, start + month * 30 * kDayMs + h * 60000);
        if (!id.ok()) return id.status();
        ++n;
      }
    }
    for (int week = 0; week < 52; ++week) {
      for (int h = 10; h <= households; h += 10) {
        auto id = c.Create(
            v1::RECORD_KIND_SPECIAL_CHECK, kGrid, Hh(h) + "01",
            {F("checked_at_ms", tools::IntValue(start + week * 7 * kDayMs)),
             F("risk_level", tools::IntValue(2)), F("guardian_present", tools::BoolValue(true)),
             F("medication", tools::IntValue(v1::MEDICATION_STATUS_TAKEN)),
             F("observed", tools::StrValue("情绪稳定，按时服药，监护人在家。"))});
        if (!id.ok()) return id.status();
        ++n;
      }
      const int64_t at = start + week * 7 * kDayMs;
      auto cs =
          c.Create(v1::RECORD_KIND_DISPUTE_CASE, kGrid, Hh(1 + week * 5 % households),
                   {F("category", tools::IntValue(v1::DISPUTE_CATEGORY_NEIGHBOURS)),
                    F("title", tools::StrValue("宅基地边界纠纷")),
                    F("description",
                      tools::StrValue("两户因院墙位置发生争执，双方同意由村调解委员会调解。")),
                    F("registered_at_ms", tools::IntValue(at))});
      if (!cs.ok()) return cs.status();
      ++n;
      v1::MediationSession ms;
      ms.set_held_at_ms(at + kDayMs);
      ms.set_mediation_type(v1::MEDIATION_TYPE_PEOPLES);
      ms.set_mediator("村调委会张主任");
      ms.set_summary("双方同意按原宅基地证确定边界，院墙后退半米。");
      ms.set_agreement_reached(true);
      v1::FollowUp fu;
      fu.set_at_ms(std::min(at + 14 * kDayMs, core::SystemWallMs()));
      fu.set_party_name("王大爷");
      fu.set_satisfied(true);
      if (auto st = c.SetStatus(*cs, v1::CASE_STATUS_MEDIATING); !st.ok()) return st;
      if (auto e = c.AppendLog(*cs, "mediation_sessions", ms); !e.ok()) return e.status();
      if (auto st = c.SetStatus(*cs, v1::CASE_STATUS_RESOLVED); !st.ok()) return st;
      if (auto e = c.AppendLog(*cs, "follow_ups", fu); !e.ok()) return e.status();
    }
    if (auto r = c.Sync(); !r.ok()) return r.status();
    return n;
  }

  int RunFirstSync(int records, bool compression, bool encrypted) {
    auto phone = NewPhone(compression ? "新手机甲" : "新手机乙", compression, kGrid, encrypted);
    if (!phone.ok()) return Fail(phone.status());
    proxy_->ResetCounters();
    const auto t0 = Clock::now();
    auto r = (*phone)->Sync();
    const double s = Seconds(t0);
    if (!r.ok()) return Fail(r.status());
    // `pulled` counts states received: a record whose changes straddle two
    // pages comes in both. What matters is that every record arrived.
    if (const int64_t held = (*phone)->Stats().records; held != records) {
      return Fail(absl::InternalError(absl::StrCat("the phone holds ", held, " records of ",
                                                   records, " after its first sync (", r->pulled,
                                                   " states received)")));
    }
    printf(
        "first sync of the grid (%s, %s): %d records in %.2f s (%.0f records/s, %d pages); down "
        "%.0f B/record (%.2f MB), up %.0f B\n",
        compression ? "gzip" : "no compression", Kind(encrypted), records, s, records / s,
        static_cast<int>(r->pull_calls), static_cast<double>(proxy_->bytes_down()) / records,
        static_cast<double>(proxy_->bytes_down()) / 1e6, static_cast<double>(proxy_->bytes_up()));
    return compression ? RunDay(std::move(*phone)) : 0;
  }

  // The day's lists and figures on a replica of the grid's year.
  int RunDay(std::unique_ptr<sdk::Client> phone) {
    const std::string last_month =
        core::MonthName(core::MonthOf(core::SystemWallMs() - 31 * kDayMs));
    struct Query {
      const char* what;
      std::function<absl::Status()> run;
    };
    auto status = [](const auto& r) { return r.ok() ? absl::OkStatus() : r.status(); };
    const std::vector<Query> queries = {
        {"ListHouseholds (this month, first 100)",
         [&] { return status(phone->ListHouseholds(kGrid, "", 0, 100)); }},
        {"ListDueChecks (within 7 days)", [&] { return status(phone->ListDueChecks(kGrid, 7)); }},
        {"ListOpenCases", [&] { return status(phone->ListOpenCases(kGrid)); }},
        {"GetCoverage (this month)", [&] { return status(phone->GetCoverage(kGrid)); }},
        {"GetCoverage (last month)", [&] { return status(phone->GetCoverage(kGrid, last_month)); }},
    };
    for (const auto& q : queries) {
      std::vector<double> us;
      for (int i = 0; i < 300; ++i) {
        const auto t0 = Clock::now();
        if (auto st = q.run(); !st.ok()) return Fail(st);
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
      printf("on the phone, %s: p50 %.0f us, p99 %.0f us\n", q.what, Percentile(us, 0.5),
             Percentile(us, 0.99));
    }
    auto cov = phone->GetCoverage(kGrid, last_month);
    if (cov.ok()) {
      // The year's cases were resolved on the phone today, so last month
      // saw them open: its 调处率 is 0 until a later month.
      printf(
          "  last month: 入户率 %.1f%% of %lld, 管控率 %.1f%% of %lld persons, %lld cases "
          "registered\n",
          100 * cov->visits().rate(), static_cast<long long>(cov->visits().households()),
          100 * cov->checks().rate(), static_cast<long long>(cov->checks().persons()),
          static_cast<long long>(cov->cases().registered()));
    }
    const sdk::ClientOptions options = last_options_;  // RunFirstSync's phone
    phone.reset();
    const auto t0 = Clock::now();
    auto again = sdk::Client::Open(options);
    if (!again.ok()) return Fail(again.status());
    printf("opening the replica again (loads the day view): %.0f ms\n", Seconds(t0) * 1000);
    return 0;
  }

  ~Bench() {
    proxy_.reset();
    if (server_) server_->Shutdown();
  }

 private:
  std::string dir_, admin_token_;
  std::unique_ptr<server::GridSyncServer> server_;
  std::unique_ptr<tools::TcpProxy> proxy_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  sdk::ClientOptions last_options_;  // of the last phone made
};

}  // namespace

int main(int argc, char** argv) {
  const gridsync::tools::FlagSet flags = {
      "gridsync-bench-sdk",
      "usage: gridsync-bench-sdk [FLAGS]\n"
      "  the phone's SDK: writes, views and syncs against a server in process\n",
      {{"--writes", "N", "writes (10000)"},
       {"--households", "N", "households in the grid, 10..9999 (300)"},
       {"--dir", "DIR", "where (/tmp/gridsync-bench-sdk)"}}};
  auto args = gridsync::tools::ParseArgs(argc, argv, flags);
  int writes = 10000, households = 300;
  if (!args.error.empty() || !absl::SimpleAtoi(args.Get("--writes", "10000"), &writes) ||
      !absl::SimpleAtoi(args.Get("--households", "300"), &households) || households < 10 ||
      households > 9999) {
    return gridsync::tools::UsageError(flags, args.error);
  }
  const std::string dir = args.Get("--dir", "/tmp/gridsync-bench-sdk");
  Bench b;
  if (auto st = b.Setup(dir, households); !st.ok()) return Fail(st);
  printf(
      "gridsync-bench-sdk: %d writes, a grid of %d households; server in process, phones through a "
      "TCP proxy on 127.0.0.1\n",
      writes, households);
  // gzip and no compression on a plain replica, then gzip on an encrypted one.
  const std::vector<std::pair<bool, bool>> runs = {{true, false}, {false, false}, {true, true}};
  for (const auto& [gzip, encrypted] : runs) {
    if (int rc = b.RunLocalWritesAndOutbox(writes, gzip, encrypted); rc != 0) return rc;
  }
  const auto t0 = Clock::now();
  auto year = b.WriteYear(households);
  if (!year.ok()) return Fail(year.status());
  printf("a year of history written and synced: %d records in %.1f s\n", *year, Seconds(t0));
  for (const auto& [gzip, encrypted] : runs) {
    if (int rc = b.RunFirstSync(*year, gzip, encrypted); rc != 0) return rc;
  }
  std::filesystem::remove_all(dir);
  return 0;
}
