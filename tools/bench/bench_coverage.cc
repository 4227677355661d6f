// gridsync-bench-coverage: coverage query latency on a county-sized store,
// and export throughput into PostgreSQL.
//
//   gridsync-bench-coverage [--households 300000] [--months 12] [--queries 300]
//                           [--dir /tmp/gridsync-bench-coverage] [--pg CONNINFO] [--keep]
//                           [--reuse]
//
// --reuse: use the store already in --dir if it was built for the same
// households and months (kept with --keep), instead of building it again.//
// --pg: a PostgreSQL server where the bench may (re)create the database
// gridsync_bench_export.
//
// Builds a county (20 towns, 200 households a grid, 3 grids a village, one
// supervised person per 100 households) and a year of field work: in every
// month about 90% of households visited (a tenth nobody home, 1% of visits
// voided), every person checked about every 10-40 days (some absent), and
// disputes registered and moved through mediation. The records are written
// straight into the store (without WAL sync, to save time building), then a
// real gridsyncd serves the directory and the queries go through gRPC.
// With --pg, the whole county feed is then exported into PostgreSQL.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "gridsync/v1/feed_service.grpc.pb.h"
#include "server/server.h"
#include "tools/common/client.h"
#include "tools/common/export_lib.h"
#include "tools/common/flags.h"
#include "tools/common/percentile.h"
#include "tools/common/pg.h"

namespace {
using namespace gridsync;
using Clock = std::chrono::steady_clock;

// The store's table files by column family, and per mutation written.
void PrintFamilies(server::RocksStore* store, uint64_t mutations, const char* when) {
  printf("column families %s:\n  %-12s %14s %12s %10s\n", when, "family", "bytes", "keys",
         "B/mutation");
  uint64_t total = 0;
  for (const auto& f : store->FamilySizes()) {
    total += f.sst_bytes;
    printf("  %-12s %14lu %12lu %10.1f\n", f.name.c_str(), static_cast<unsigned long>(f.sst_bytes),
           static_cast<unsigned long>(f.keys), f.sst_bytes / std::max<double>(1, mutations));
  }
  printf("  %-12s %14lu %12s %10.1f\n", "all", static_cast<unsigned long>(total), "",
         total / std::max<double>(1, mutations));
}

constexpr char kCounty[] = "410185000000";
constexpr int kTowns = 20, kGridsPerVillage = 3, kHouseholdsPerGrid = 200;

struct County {
  std::vector<std::string> towns, villages, grids;
  std::vector<std::string> persons;  // person ids
  v1::ImportRegistryRequest registry;
};

// Persons are under supervision from `since_ms` (the first month built).
County MakeCounty(int households, int64_t since_ms) {
  County c;
  const int grids = std::max(1, households / kHouseholdsPerGrid);
  const int villages = std::max(1, (grids + kGridsPerVillage - 1) / kGridsPerVillage);
  const int villages_per_town = std::max(1, (villages + kTowns - 1) / kTowns);
  auto unit = [&](const std::string& code, const std::string& name, v1::OrgLevel level,
                  const std::string& parent) {
    auto* u = c.registry.add_org_units();
    u->set_code(code);
    u->set_name(name);
    u->set_level(level);
    u->set_parent_code(parent);
    u->set_generated(true);
  };
  unit(kCounty, "登封市", v1::ORG_LEVEL_COUNTY, "");
  int made_grids = 0;
  for (int t = 1; t <= kTowns && made_grids < grids; ++t) {
    const std::string town = absl::StrFormat("410185%03d000", t);
    unit(town, absl::StrCat("样例", t, "镇"), v1::ORG_LEVEL_TOWN, kCounty);
    c.towns.push_back(town);
    for (int v = 1; v <= villages_per_town && made_grids < grids; ++v) {
      const std::string village = absl::StrFormat("410185%03d%03d", t, 200 + v);
      unit(village, absl::StrCat("样例", v, "村"), v1::ORG_LEVEL_VILLAGE, town);
      c.villages.push_back(village);
      for (int g = 1; g <= kGridsPerVillage && made_grids < grids; ++g, ++made_grids) {
        const std::string grid = absl::StrFormat("%s%03d", village, g);
        unit(grid, absl::StrCat("第", g, "网格"), v1::ORG_LEVEL_GRID, village);
        c.grids.push_back(grid);
        for (int h = 1; h <= kHouseholdsPerGrid; ++h) {
          auto* hh = c.registry.add_households();
          hh->set_household_id(absl::StrFormat("%s%04d", grid, h));
          hh->set_grid_code(grid);
          hh->set_address(absl::StrCat(h, "号"));
          hh->set_head_name(absl::StrCat("户主", h));
          hh->set_generated(true);
          if (h % 100 == 37) {
            auto* p = c.registry.add_persons();
            p->set_person_id(hh->household_id() + "01");
            p->set_household_id(hh->household_id());
            p->set_name(absl::StrCat("重点人员", h));
            const v1::PersonCategory cats[] = {v1::PERSON_CATEGORY_SEVERE_MENTAL_DISORDER,
                                               v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS,
                                               v1::PERSON_CATEGORY_DRUG_REHABILITATION,
                                               v1::PERSON_CATEGORY_ELDERLY_ALONE};
            p->set_category(cats[c.persons.size() % 4]);
            p->set_risk_level(static_cast<int>(c.persons.size() % 4));
            p->set_generated(true);
            p->set_supervised_since_ms(since_ms);
            c.persons.push_back(p->person_id());
          }
        }
      }
    }
  }
  return c;
}

absl::Status ImportCounty(server::RocksStore* store, const County& c) {
  constexpr int kChunk = 5000;
  auto send = [&](auto add) -> absl::Status {
    v1::ImportRegistryRequest req;
    add(&req);
    gridsync::v1::Actor bench;
    bench.set_holder("bench_coverage");
    auto r = store->registry()->ImportRegistry(req, bench);
    if (!r.ok()) return r.status();
    if (r->rejections_size() > 0) return absl::InternalError(r->rejections(0).message());
    return absl::OkStatus();
  };
  if (auto st = send(
          [&](v1::ImportRegistryRequest* r) { *r->mutable_org_units() = c.registry.org_units(); });
      !st.ok()) {
    return st;
  }
  for (int i = 0; i < c.registry.households_size(); i += kChunk) {
    auto st = send([&](v1::ImportRegistryRequest* r) {
      for (int j = i; j < std::min(i + kChunk, c.registry.households_size()); ++j) {
        *r->add_households() = c.registry.households(j);
      }
    });
    if (!st.ok()) return st;
  }
  return send([&](v1::ImportRegistryRequest* r) { *r->mutable_persons() = c.registry.persons(); });
}

// One grid worker's phone: device id, author, sequence numbers.
struct Worker {
  std::string device, author;
  uint64_t seq = 0;
};

v1::Mutation Begin(Worker& w, v1::RecordKind kind, const std::string& id, const std::string& grid,
                   int64_t at) {
  v1::Mutation m;
  m.set_device_seq(++w.seq);
  m.set_record_id(id);
  m.set_kind(kind);
  m.set_grid_code(grid);
  m.set_hlc(core::PackHlc(at, 0));
  m.set_device_id(w.device);
  m.set_author(w.author);
  return m;
}

void Field(v1::Mutation* m, const char* name, int64_t i) {
  auto* f = m->mutable_create()->add_fields();
  f->set_field(name);
  f->mutable_value()->set_int_value(i);
}
void Field(v1::Mutation* m, const char* name, bool b) {
  auto* f = m->mutable_create()->add_fields();
  f->set_field(name);
  f->mutable_value()->set_bool_value(b);
}
void Field(v1::Mutation* m, const char* name, const char* s) {
  auto* f = m->mutable_create()->add_fields();
  f->set_field(name);
  f->mutable_value()->set_string_value(s);
}

// A month's field work of the grids [from, to), committed in batches.
absl::Status FillMonth(server::RocksStore* store, const County& c, size_t from, size_t to,
                       int64_t m_start, int64_t m_end, std::mt19937_64& rng,
                       std::vector<Worker>& workers, uint64_t* written) {
  std::vector<v1::Mutation> batch;
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    *written += batch.size();
    auto r = store->Commit(std::move(batch));
    batch.clear();
    if (!r.ok()) return r.status();
    for (const auto& res : *r) {
      if (res.outcome() == v1::MUTATION_OUTCOME_REJECTED) return absl::InternalError(res.message());
    }
    return absl::OkStatus();
  };
  const int64_t span = m_end - m_start;
  auto when = [&] { return m_start + static_cast<int64_t>(rng() % static_cast<uint64_t>(span)); };
  for (size_t g = from; g < to; ++g) {
    const std::string& grid = c.grids[g];
    Worker& w = workers[g];
    for (int h = 1; h <= kHouseholdsPerGrid; ++h) {
      if (rng() % 10 == 0) continue;  // not visited this month
      const int64_t at = when();
      auto m = Begin(w, v1::RECORD_KIND_VISIT, core::NewUlid(at, rng), grid, at);
      m.mutable_create()->set_subject_id(absl::StrFormat("%s%04d", grid, h));
      Field(&m, "visited_at_ms", at);
      const bool nobody = rng() % 10 == 0;
      Field(&m, "nobody_home", nobody);
      if (!nobody) {
        Field(&m, "talked_with_household", true);
        Field(&m, "open_letter_delivered", true);
        Field(&m, "questionnaire_done", rng() % 4 != 0);
      }
      batch.push_back(m);
      if (!nobody && rng() % 3 == 0) {  // a third of the households asked each month
        auto q = Begin(w, v1::RECORD_KIND_SURVEY, core::NewUlid(at + 1, rng), grid, at + 1);
        q.mutable_create()->set_subject_id(m.create().subject_id());
        Field(&q, "form_version", "2026-Q4");
        Field(&q, "asked_at_ms", at + 1);
        Field(&q, "outcome",
              int64_t{rng() % 25 == 0 ? v1::SURVEY_OUTCOME_REFUSED : v1::SURVEY_OUTCOME_ANSWERED});
        Field(&q, "safety", static_cast<int64_t>(1 + rng() % (rng() % 5 == 0 ? 6 : 2)));
        Field(&q, "satisfaction", static_cast<int64_t>(1 + rng() % (rng() % 5 == 0 ? 6 : 2)));
        batch.push_back(q);
        if (rng() % 4 == 0) {
          v1::SurveyOpinion o;
          o.set_topic(static_cast<v1::OpinionTopic>(1 + rng() % 9));
          o.set_text("希望村里路灯早点修好");
          auto l = Begin(w, v1::RECORD_KIND_SURVEY, q.record_id(), grid, at + 2);
          l.mutable_append_log()->set_log("opinions");
          l.mutable_append_log()->set_element_id("o1");
          l.mutable_append_log()->set_payload(o.SerializeAsString());
          batch.push_back(l);
        }
      }
      if (rng() % 100 == 0) {
        auto v = Begin(w, v1::RECORD_KIND_VISIT, m.record_id(), grid, at + 60000);
        v.mutable_void_record()->set_reason("录错户了");
        batch.push_back(v);
      }
      if (h % 100 == 37) {  // the household's supervised person: 1-3 checks a month
        const int checks = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < checks; ++k) {
          const int64_t ct = when();
          auto cm = Begin(w, v1::RECORD_KIND_SPECIAL_CHECK, core::NewUlid(ct, rng), grid, ct);
          cm.mutable_create()->set_subject_id(absl::StrFormat("%s%04d01", grid, h));
          Field(&cm, "checked_at_ms", ct);
          Field(&cm, "person_absent", rng() % 15 == 0);
          Field(&cm, "observed", "情绪稳定");
          batch.push_back(cm);
        }
      }
      if (batch.size() >= 1000) {
        if (auto st = flush(); !st.ok()) return st;
      }
    }
    for (int p = 0; p < 4; ++p) {  // night patrols: a grid takes a week in three
      if (rng() % 3 != 0) continue;
      const int64_t at = when();
      auto pm = Begin(w, v1::RECORD_KIND_PATROL, core::NewUlid(at, rng), grid, at);
      pm.mutable_create();
      Field(&pm, "started_at_ms", at);
      Field(&pm, "route", "村委会—学校—村口");
      batch.push_back(pm);
    }
    if (rng() % 4 == 0) {  // a dispute in one grid of four each month
      const int64_t at = when();
      const std::string id = core::NewUlid(at, rng);
      auto k = Begin(w, v1::RECORD_KIND_DISPUTE_CASE, id, grid, at);
      k.mutable_create()->set_subject_id(
          absl::StrFormat("%s%04d", grid, 1 + static_cast<int>(rng() % kHouseholdsPerGrid)));
      Field(&k, "title", "宅基地边界纠纷");
      Field(&k, "registered_at_ms", at);
      Field(&k, "deadline_ms", at + 30 * core::kDayMs);
      batch.push_back(k);
      const v1::CaseStatus to_status[] = {v1::CASE_STATUS_MEDIATING, v1::CASE_STATUS_RESOLVED,
                                          v1::CASE_STATUS_RESOLVED, v1::CASE_STATUS_ESCALATED};
      auto s = Begin(w, v1::RECORD_KIND_DISPUTE_CASE, id, grid, at + 3600000);
      s.mutable_set_status()->set_status(to_status[rng() % 4]);
      batch.push_back(s);
    }
  }
  return flush();
}

// Writes the county's registry and a year of field work into a new store
// in dir (two writer threads, month by month), compacts it, and prints the
// column families before and after.
absl::Status BuildYear(const std::string& dir, const County& county,
                       const std::vector<int32_t>& yms, int64_t now) {
  const auto t_build = Clock::now();
  auto store = server::RocksStore::Open(dir, {.create_if_missing = false, .sync_writes = false});
  if (!store.ok()) return store.status();
  if (auto st = ImportCounty(store->get(), county); !st.ok()) {
    return absl::Status(st.code(), absl::StrCat("import: ", st.message()));
  }
  std::vector<Worker> workers(county.grids.size());
  for (size_t g = 0; g < workers.size(); ++g) {
    workers[g].device = absl::StrFormat("dev-%016x", g + 1);
    workers[g].author = absl::StrCat("网格员", g + 1);
  }
  uint64_t written = 0;
  for (int32_t m : yms) {
    const auto range = *core::MonthRange(core::MonthName(m));
    const int64_t end = std::min(range.second, now);  // the current month so far
    std::vector<std::thread> threads;
    std::vector<uint64_t> counts(2, 0);
    std::vector<absl::Status> sts(2);
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 rng(static_cast<uint64_t>(m) * 31 + t);
        const size_t half = county.grids.size() / 2;
        sts[t] = FillMonth(store->get(), county, t ? half : 0, t ? county.grids.size() : half,
                           range.first, end, rng, workers, &counts[t]);
      });
    }
    for (auto& th : threads) th.join();
    for (int t = 0; t < 2; ++t) {
      if (!sts[t].ok()) {
        return absl::Status(sts[t].code(),
                            absl::StrCat("month ", core::MonthName(m), ": ", sts[t].message()));
      }
      written += counts[t];
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t_build).count();
    fprintf(stderr, "\rbuilt %s: %lu mutations, %.0f s", core::MonthName(m).c_str(),
            static_cast<unsigned long>(written), secs);
  }
  fprintf(stderr, "\n");
  const double build_s = std::chrono::duration<double>(Clock::now() - t_build).count();
  printf("built: %lu mutations in %.0f s (%.0f/s, no WAL sync)\n",
         static_cast<unsigned long>(written), build_s, written / build_s);
  PrintFamilies(store->get(), written, "as written");
  const auto t_compact = Clock::now();
  if (auto st = (*store)->CompactAll(); !st.ok()) return st;
  printf("compacted in %.1f s\n", std::chrono::duration<double>(Clock::now() - t_compact).count());
  PrintFamilies(store->get(), written, "after a full compaction");
  return absl::OkStatus();
}

// The feed's store side alone (no gRPC): the pages a county job reads from 0.
absl::Status ReadFeedStoreSide(const std::string& dir) {
  auto store = server::RocksStore::Open(dir, {.create_if_missing = false, .sync_writes = false});
  if (!store.ok()) return store.status();
  const auto t_read = Clock::now();
  uint64_t cursor = 0, changes = 0;
  for (;;) {
    auto page = (*store)->ReadChanges(cursor, core::ScopePrefix(kCounty), 500);
    if (!page.ok()) return page.status();
    changes += page->seqs.size();
    cursor = page->next_cursor;
    if (page->caught_up) break;
  }
  const double read_s = std::chrono::duration<double>(Clock::now() - t_read).count();
  printf(
      "the store's change log read from 0 (pages of 500 with states, no gRPC): %lu in %.1f s: "
      "%.0f/s\n",
      static_cast<unsigned long>(changes), read_s, changes / read_s);
  return absl::OkStatus();
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Percentiles {
  double p50, p99, max;
};
Percentiles Of(const std::vector<double>& v) {
  return {tools::Percentile(v, 0.5), tools::Percentile(v, 0.99), tools::Percentile(v, 1)};
}

template <typename Call>
void Measure(const char* what, int n, Call call) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    const grpc::Status st = call(i);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!st.ok()) {
      fprintf(stderr, "%s: %s\n", what, st.error_message().c_str());
      exit(1);
    }
  }
  const auto p = Of(ms);
  printf("  %-50s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%d calls)\n", what, p.p50, p.p99,
         p.max, n);
}

}  // namespace

int main(int argc, char** argv) {
  const tools::FlagSet kFlags = {
      "gridsync-bench-coverage",
      "usage: gridsync-bench-coverage [FLAGS]\n"
      "  coverage queries on a county-sized store, and export throughput into PostgreSQL\n",
      {{"--households", "N", "households in the county (300000)"},
       {"--months", "N", "months of field work, 1..60 (12)"},
       {"--queries", "N", "coverage queries timed (300)"},
       {"--dir", "DIR", "where (/tmp/gridsync-bench-coverage)"},
       {"--pg", "CONNINFO",
        "a PostgreSQL server where the bench may (re)create the database gridsync_bench_export"},
       {"--keep", "", "keep DIR afterwards"},
       {"--reuse", "",
        "use the store already in DIR when built for the same households and months"}}};
  tools::Args args = tools::ParseArgs(argc, argv, kFlags);
  int households = 300000, months = 12, queries = 300;
  if (!args.error.empty() || !absl::SimpleAtoi(args.Get("--households", "300000"), &households) ||
      !absl::SimpleAtoi(args.Get("--months", "12"), &months) ||
      !absl::SimpleAtoi(args.Get("--queries", "300"), &queries) ||
      households < kHouseholdsPerGrid || months < 1 || months > 60 || queries < 1) {
    return tools::UsageError(kFlags, args.error);
  }
  const std::string dir = args.Get("--dir", "/tmp/gridsync-bench-coverage");
  const int64_t now = core::SystemWallMs();
  std::vector<int32_t> yms;  // the months to build, oldest first
  for (int32_t ym = core::MonthOf(now); static_cast<int>(yms.size()) < months;
       ym = ym % 100 == 1 ? (ym / 100 - 1) * 100 + 12 : ym - 1) {
    yms.insert(yms.begin(), ym);
  }
  const County county = MakeCounty(households, core::MonthRange(core::MonthName(yms[0]))->first);
  printf(
      "county: %zu towns, %zu villages, %zu grids, %d households, %zu supervised persons; %d "
      "months of work\n",
      county.towns.size(), county.villages.size(), county.grids.size(),
      county.registry.households_size(), county.persons.size(), months);

  std::vector<std::string> month_names;
  for (int32_t m : yms) month_names.push_back(core::MonthName(m));
  // A store built with the same figures is used again with --reuse (the
  // county takes minutes to build).
  const std::string params = absl::StrCat(households, " households, months ", month_names.front(),
                                          " to ", month_names.back(), "\n");
  const std::string params_file = dir + "/bench-params";
  if (args.Has("--reuse") && ReadWhole(params_file) == params) {
    printf("reusing the store in %s\n", dir.c_str());
  } else {
    std::filesystem::remove_all(dir);
    if (auto st = server::InitDataDir(dir); !st.ok()) {
      fprintf(stderr, "%s\n", std::string(st.message()).c_str());
      return 1;
    }
    if (auto st = BuildYear(dir, county, yms, now); !st.ok()) {
      fprintf(stderr, "%s\n", std::string(st.message()).c_str());
      return 1;
    }
    std::ofstream(params_file) << params;
  }
  if (auto st = ReadFeedStoreSide(dir); !st.ok()) {
    fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 1;
  }
  printf("store %.2f GB on disk\n", [&] {
    uintmax_t bytes = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (e.is_regular_file()) bytes += e.file_size();
    }
    return bytes / 1e9;
  }());

  // Serve it and query through gRPC.
  server::ServerOptions opts;
  opts.data_dir = dir;
  opts.listen = "127.0.0.1:0";
  const auto t_open = Clock::now();
  auto srv = server::GridSyncServer::Start(opts);
  if (!srv.ok()) {
    fprintf(stderr, "%s\n", std::string(srv.status().message()).c_str());
    return 1;
  }
  printf("gridsyncd opened the store in %.2f s\n",
         std::chrono::duration<double>(Clock::now() - t_open).count());
  auto token = tools::ReadTokenFile(dir + "/admin.token");
  auto ch = tools::Connect(absl::StrCat("127.0.0.1:", (*srv)->port()));
  auto stub = v1::CoverageService::NewStub(ch);
  std::mt19937_64 rng(7);
  const std::string last_full =
      month_names.size() > 1 ? month_names[month_names.size() - 2] : month_names.back();
  auto coverage = [&](const std::string& scope, const std::string& month) {
    v1::GetCoverageRequest req;
    req.set_scope_code(scope);
    req.mutable_period()->set_month(month);
    v1::GetCoverageResponse resp;
    auto ctx = tools::CallContext(*token);
    return stub->GetCoverage(ctx.get(), req, &resp);
  };
  v1::GetCoverageResponse sample;
  {
    v1::GetCoverageRequest req;
    req.set_scope_code(kCounty);
    req.mutable_period()->set_month(last_full);
    auto ctx = tools::CallContext(*token);
    stub->GetCoverage(ctx.get(), req, &sample);
  }
  printf(
      "county %s: 入户率 %.1f%% (%ld/%ld), 管控率 %.1f%% (%ld/%ld), cases registered %ld, open now "
      "%ld\n",
      last_full.c_str(), sample.visits().rate() * 100, sample.visits().visited(),
      sample.visits().households(), sample.checks().rate() * 100,
      sample.checks().checked_in_interval(), sample.checks().persons(), sample.cases().registered(),
      sample.cases().open_now());
  printf(
      "  巡逻率 %.1f%% (%ld/%ld village-weeks, %ld patrols), 安全感率 %.1f%% 满意率 %.1f%% (%ld "
      "respondents, %ld refused, %d opinion topics)\n",
      sample.patrols().rate() * 100, sample.patrols().weeks_patrolled(), sample.patrols().weeks(),
      sample.patrols().patrols(), sample.surveys().safety_rate() * 100,
      sample.surveys().satisfaction_rate() * 100, sample.surveys().answered(),
      sample.surveys().refused(), sample.surveys().opinions_size());
  printf("queries (%s unless said), gRPC on loopback, one at a time:\n", last_full.c_str());
  Measure("GetCoverage, one village", queries, [&](int) {
    return coverage(county.villages[rng() % county.villages.size()], last_full);
  });
  Measure("GetCoverage, one village, the oldest month", queries, [&](int) {
    return coverage(county.villages[rng() % county.villages.size()], month_names.front());
  });
  Measure("GetCoverage, one town", queries,
          [&](int) { return coverage(county.towns[rng() % county.towns.size()], last_full); });
  Measure("GetCoverage, the whole county", std::max(20, queries / 10),
          [&](int) { return coverage(kCounty, last_full); });
  Measure("ListUnvisitedHouseholds, one village, page 100", queries, [&](int) {
    v1::ListUnvisitedHouseholdsRequest req;
    req.set_scope_code(county.villages[rng() % county.villages.size()]);
    req.mutable_period()->set_month(last_full);
    v1::ListUnvisitedHouseholdsResponse resp;
    auto ctx = tools::CallContext(*token);
    return stub->ListUnvisitedHouseholds(ctx.get(), req, &resp);
  });
  Measure("ListOverduePersons, the whole county, page 100", std::max(20, queries / 10), [&](int) {
    v1::ListOverduePersonsRequest req;
    req.set_scope_code(kCounty);
    req.mutable_period()->set_month(last_full);
    v1::ListOverduePersonsResponse resp;
    auto ctx = tools::CallContext(*token);
    return stub->ListOverduePersons(ctx.get(), req, &resp);
  });
  Measure("ListOpenCases, the whole county, page 100", std::max(20, queries / 10), [&](int) {
    v1::ListOpenCasesRequest req;
    req.set_scope_code(kCounty);
    v1::ListOpenCasesResponse resp;
    auto ctx = tools::CallContext(*token);
    return stub->ListOpenCases(ctx.get(), req, &resp);
  });

  // A county job catching up from 0: the whole feed through gRPC, every
  // change with its record's state, parsed by the reader; one change to a
  // stream message (Subscribe), then a page to a stream message
  // (SubscribeBatched, parsed on an arena as a job would).
  auto feed = v1::FeedService::NewStub(ch);
  v1::SubscribeRequest feed_req;
  feed_req.set_scope_code(kCounty);
  v1::SubscribeBatchedRequest batched_req;
  batched_req.set_scope_code(kCounty);
  for (const bool batched : {false, true}) {
    auto ctx = tools::CallContext(*token, std::chrono::seconds(3600));
    const auto t0 = Clock::now();
    uint64_t changes = 0, states = 0, bytes = 0, messages = 0;
    auto count = [&](const v1::SubscribeResponse& m) {
      changes += m.has_change();
      states += m.has_state();
    };
    grpc::Status st;
    if (batched) {
      auto reader = feed->SubscribeBatched(ctx.get(), batched_req);
      for (;;) {
        google::protobuf::Arena arena;
        auto* b = google::protobuf::Arena::CreateMessage<v1::SubscribeBatchedResponse>(&arena);
        if (!reader->Read(b)) break;
        ++messages;
        bytes += b->ByteSizeLong();
        for (const auto& m : b->messages()) count(m);
      }
      st = reader->Finish();
    } else {
      auto reader = feed->Subscribe(ctx.get(), feed_req);
      v1::SubscribeResponse m;
      while (reader->Read(&m)) {
        ++messages;
        bytes += m.ByteSizeLong();
        count(m);
      }
      st = reader->Finish();
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    printf(
        "feed from 0 through gRPC, %s: %lu changes (%lu with their record's state, %.0f MB, %lu "
        "stream messages) in %.1f s: %.0f changes/s%s\n",
        batched ? "SubscribeBatched" : "Subscribe", static_cast<unsigned long>(changes),
        static_cast<unsigned long>(states), bytes / 1e6, static_cast<unsigned long>(messages), secs,
        changes / secs, st.ok() ? "" : (" (ended: " + st.error_message() + ")").c_str());
  }

  if (args.Has("--pg")) {
    tools::ExportOptions eo;
    eo.server = absl::StrCat("127.0.0.1:", (*srv)->port());
    eo.token = *token;
    eo.scope = kCounty;
    // A fresh database beside the given one, so every run exports from 0.
    auto pg = tools::PgConn::Connect(args.Get("--pg"));
    if (!pg.ok()) {
      fprintf(stderr, "export: %s\n", std::string(pg.status().message()).c_str());
      return 1;
    }
    for (const char* sql :
         {"DROP DATABASE IF EXISTS gridsync_bench_export WITH (FORCE)",
          "CREATE DATABASE gridsync_bench_export ENCODING 'UTF8' TEMPLATE template0"}) {
      if (auto st = (*pg)->Exec(sql); !st.ok()) {
        fprintf(stderr, "export: %s\n", std::string(st.message()).c_str());
        return 1;
      }
    }
    eo.pg = args.Get("--pg") + " dbname=gridsync_bench_export";
    eo.follow = false;
    eo.progress = true;
    const auto t0 = Clock::now();
    auto r = tools::RunExport(eo);
    if (!r.ok()) {
      fprintf(stderr, "export: %s\n", std::string(r.status().message()).c_str());
      return 1;
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    printf("export into PostgreSQL: %lu changes in %.1f s: %.0f changes/s (%lu transactions)\n",
           static_cast<unsigned long>(r->changes), secs, r->changes / secs,
           static_cast<unsigned long>(r->transactions));
  }
  (*srv)->Shutdown();
  if (!args.Has("--keep")) std::filesystem::remove_all(dir);
  return 0;
}
