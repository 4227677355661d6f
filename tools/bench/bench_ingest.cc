// gridsync-bench-ingest: durable ingest through gRPC Push against the raw
// RocksDB write of the same records with the same WAL sync, in one run.
//
//   gridsync-bench-ingest [--devices 64] [--records-per-device 2000] [--batch 100]
//                         [--threads 8] [--dir /tmp/gridsync-bench]
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/merge.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "server/server.h"
#include "tools/common/client.h"
#include "tools/common/flags.h"
#include "tools/common/loadgen_lib.h"
#include "tools/common/sample_data.h"

namespace {
using namespace gridsync;

// A visit as loadgen makes it: its stored state, and (in *change) the
// change-log entry the server writes beside it.
std::string SampleVisitState(const std::string& id, uint64_t seq, int64_t now,
                             std::string* change = nullptr) {
  v1::Mutation m;
  m.set_device_seq(seq);
  m.set_record_id(id);
  m.set_kind(v1::RECORD_KIND_VISIT);
  m.set_grid_code("410185001901001");
  m.set_hlc(core::PackHlc(now, 0));
  m.set_device_id("dev-0123456789abcdef");
  m.set_author("网格员1");
  m.mutable_create()->set_subject_id("4101850019010010042");
  auto add = [&](const char* f, auto set) {
    auto* w = m.mutable_create()->add_fields();
    w->set_field(f);
    set(w->mutable_value());
  };
  add("visited_at_ms", [&](v1::FieldValue* v) { v->set_int_value(now); });
  for (const char* f : {"nobody_home", "talked_with_household", "open_letter_delivered",
                        "questionnaire_done", "opinions_collected"}) {
    add(f, [&](v1::FieldValue* v) { v->set_bool_value(std::string(f) != "nobody_home"); });
  }
  add("opinions",
      [](v1::FieldValue* v) { v->set_string_value("希望村里路灯早点修好，晚上出门不方便。"); });
  add("notes", [](v1::FieldValue* v) {
    v->set_string_value("户主在家，家中老人身体尚可，已宣传反诈知识和平安建设满意度调查。");
  });
  v1::RecordState s;
  core::Apply(&s, m);
  if (change != nullptr) {
    v1::Change c;
    c.set_seq(seq);
    c.set_committed_at_ms(now);
    *c.mutable_mutation() = m;
    *change = c.SerializeAsString();
  }
  return core::SerializeCanonical(s);
}

struct RawResult {
  double records_per_second = 0;
  size_t value_bytes = 0;
};

// What a raw write of a record writes: the record alone; with its change-log
// entry, per-grid change index and idempotency result (the sync's keys); or
// with every key gridsyncd writes for a visit, adding the coverage index's
// visit entry and its counters (per household and month, per household and
// worker; at a household's first visit of the month also the distinct
// counts per grid and per grid and worker), put without being read.
enum class Layout { kRecord, kSyncKeys, kAllKeys };

// One WriteBatch per `batch_size` records, synced, in `layout`.
RawResult RawRocksDb(const std::string& dir, long records, int batch_size, Layout layout) {
  const bool server_layout = layout != Layout::kRecord;
  rocksdb::Options opts;
  opts.create_if_missing = true;
  opts.IncreaseParallelism(2);
  opts.write_buffer_size = 64 << 20;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(opts, dir, &raw);
  if (!s.ok()) {
    fprintf(stderr, "raw open: %s\n", s.ToString().c_str());
    exit(1);
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::mt19937_64 rng(3);
  const int64_t now = core::SystemWallMs();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  // Records are made before the clock starts: this measures RocksDB alone.
  std::vector<std::pair<std::string, std::string>> kv;
  std::vector<std::string> changes(static_cast<size_t>(records));
  kv.reserve(static_cast<size_t>(records));
  for (long i = 0; i < records; ++i) {
    std::string id = core::NewUlid(now + i, rng);
    kv.emplace_back(id, SampleVisitState(id, static_cast<uint64_t>(i + 1), now,
                                         server_layout ? &changes[i] : nullptr));
  }
  auto be64 = [](uint64_t v) {
    std::string s(8, '\0');
    for (int i = 7; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 0xff);
    return s;
  };
  const size_t bytes = kv.empty() ? 0 : kv[0].second.size();
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < records;) {
    rocksdb::WriteBatch b;
    for (int j = 0; j < batch_size && i < records; ++j, ++i) {
      b.Put(kv[i].first, kv[i].second);
      if (server_layout) {
        const std::string seq = be64(static_cast<uint64_t>(i + 1));
        b.Put("c" + seq, changes[i]);
        b.Put("s410185001901001" + seq, kv[i].first);
        b.Put("i" + std::string("dev-0123456789abcdef") + seq, std::string(40, 'r'));
      }
      if (layout == Layout::kAllKeys) {
        const std::string household = absl::StrCat("410185001901001", 1000 + i % 5000);
        b.Put("D" + household + be64(static_cast<uint64_t>(now + i)) + kv[i].first, "网格员1");
        b.Put("V2026-12" + household, be64(1));
        b.Put("W2026-12" + household + "网格员1", be64(1));
        if (i < 5000) {
          b.Put("G2026-12410185001901001", be64(static_cast<uint64_t>(i)));
          b.Put("g2026-12410185001901001网格员1", be64(static_cast<uint64_t>(i)));
        }
      }
    }
    if (auto st = db->Write(wo, &b); !st.ok()) {
      fprintf(stderr, "raw write: %s\n", st.ToString().c_str());
      exit(1);
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {static_cast<double>(records) / secs, bytes};
}

// The server alone: `devices` phones without replicas (tools::Phone), their
// pushes of `batch` visits made before the clock starts, sent by `threads`
// threads. Returns records/s and CPU time per record: the process's, and
// the server's alone (the process's less what the sending threads spent
// themselves, serializing and in gRPC's client).
struct LightResult {
  double records_per_second = 0, cpu_us_per_record = 0, server_cpu_us_per_record = 0;
};

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
absl::StatusOr<LightResult> LightPush(const std::string& addr, const std::string& token,
                                      int devices, int per_device, int batch, int threads) {
  auto ch = tools::Connect(addr);
  auto admin = v1::AdminService::NewStub(ch);
  auto grids = tools::EnsureSampleGrids(admin.get(), token, devices, 11);
  if (!grids.ok()) return grids.status();
  struct Sender {
    std::unique_ptr<tools::Phone> phone;
    std::vector<std::vector<v1::Mutation>> pushes;
  };
  std::vector<Sender> senders(devices);
  for (int d = 0; d < devices; ++d) {
    const std::string& grid = (*grids)[d % grids->size()];
    v1::ListHouseholdsRequest lr;
    lr.set_grid_code(grid);
    v1::ListHouseholdsResponse households;
    auto ctx = tools::CallContext(token);
    if (auto st = FromGrpc(admin->ListHouseholds(ctx.get(), lr, &households)); !st.ok()) return st;
    if (households.households().empty()) return absl::FailedPreconditionError("no households");
    auto enrolled = tools::EnrollDevice(admin.get(), token, v1::ROLE_GRID_WORKER, grid,
                                        absl::StrCat("网格员", d + 1));
    if (!enrolled.ok()) return enrolled.status();
    Sender& s = senders[d];
    s.phone = std::make_unique<tools::Phone>(ch, enrolled->token(), enrolled->device_id(),
                                             absl::StrCat("网格员", d + 1), d);
    for (int r = 0; r < per_device; ++r) {
      if (r % batch == 0) s.pushes.emplace_back();
      v1::Mutation m = s.phone->Begin(v1::RECORD_KIND_VISIT, s.phone->NewRecordId(), grid);
      m.mutable_create()->set_subject_id(
          households.households(r % households.households_size()).household_id());
      const int64_t now = core::SystemWallMs();
      tools::AddCreateField(&m, "visited_at_ms", tools::IntValue(now));
      for (const char* f : {"talked_with_household", "open_letter_delivered", "questionnaire_done",
                            "opinions_collected"}) {
        tools::AddCreateField(&m, f, tools::BoolValue(true));
      }
      tools::AddCreateField(&m, "nobody_home", tools::BoolValue(false));
      tools::AddCreateField(&m, "opinions",
                            tools::StrValue("希望村里路灯早点修好，晚上出门不方便。"));
      tools::AddCreateField(
          &m, "notes",
          tools::StrValue("户主在家，家中老人身体尚可，已宣传反诈知识和平安建设满意度调查。"));
      s.pushes.back().push_back(std::move(m));
    }
  }
  std::atomic<int> next{0};
  std::atomic<long> applied{0};
  std::atomic<long> sender_cpu_ns{0};
  absl::Status first_error;
  std::mutex mu;
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      const double cpu0 = ThreadCpuSeconds();
      struct Tally {
        double from;
        std::atomic<long>* into;
        ~Tally() { *into += static_cast<long>((ThreadCpuSeconds() - from) * 1e9); }
      } tally{cpu0, &sender_cpu_ns};
      for (int d; (d = next++) < devices;) {
        for (const auto& push : senders[d].pushes) {
          auto r = senders[d].phone->Push(push);
          absl::Status st = r.status();
          for (int i = 0; st.ok() && i < r->results_size(); ++i) {
            if (r->results(i).outcome() != v1::MUTATION_OUTCOME_APPLIED) {
              st = absl::InternalError(r->results(i).message());
            }
          }
          if (!st.ok()) {
            std::lock_guard<std::mutex> l(mu);
            first_error = st;
            return;
          }
          applied += r->results_size();
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  getrusage(RUSAGE_SELF, &after);
  if (!first_error.ok()) return first_error;
  auto cpu_s = [](const rusage& u) {
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  LightResult out;
  out.records_per_second = static_cast<double>(applied.load()) / secs;
  const double cpu = cpu_s(after) - cpu_s(before);
  out.cpu_us_per_record = cpu * 1e6 / static_cast<double>(applied);
  out.server_cpu_us_per_record =
      (cpu - static_cast<double>(sender_cpu_ns.load()) / 1e9) * 1e6 / static_cast<double>(applied);
  return out;
}

// A server on a fresh data folder, with the bench county's org units.
absl::StatusOr<std::unique_ptr<gridsync::server::GridSyncServer>> StartServer(
    const std::string& data_dir) {
  if (auto st = gridsync::server::InitDataDir(data_dir); !st.ok()) return st;
  gridsync::server::ServerOptions opts;
  opts.data_dir = data_dir;
  opts.listen = "127.0.0.1:0";
  auto server = gridsync::server::GridSyncServer::Start(opts);
  if (!server.ok()) return server.status();
  auto token = tools::ReadTokenFile(data_dir + "/admin.token");
  if (!token.ok()) return token.status();
  // The org data: one county with its towns, then generated grids.
  v1::ImportRegistryRequest org;
  for (const auto& [code, name] :
       std::vector<std::pair<std::string, std::string>>{{"410185000000", "登封市"},
                                                        {"410185001000", "嵩阳街道"},
                                                        {"410185100000", "大金店镇"}}) {
    auto* u = org.add_org_units();
    u->set_code(code);
    u->set_name(name);
  }
  auto admin =
      v1::AdminService::NewStub(tools::Connect(absl::StrCat("127.0.0.1:", (*server)->port())));
  v1::ImportRegistryResponse ir;
  auto ctx = tools::CallContext(*token);
  if (auto st = FromGrpc(admin->ImportRegistry(ctx.get(), org, &ir)); !st.ok()) return st;
  return server;
}

// SDK phones (the load generator) pushing their outboxes; nobody pulls.
absl::StatusOr<tools::LoadgenReport> SdkPush(const std::string& addr, const std::string& token,
                                             int devices, int per_device, int batch, int threads) {
  tools::LoadgenConfig cfg;
  cfg.server = addr;
  cfg.admin_token = token;
  cfg.devices = devices;
  cfg.records_per_device = per_device;
  cfg.batch = batch;
  cfg.threads = threads;
  cfg.conflict_rate = 0;
  cfg.pull_every = 0;
  // The phones are SDK replicas on the same 2 cores; their own WAL syncs
  // would measure the phones' disk, not the server.
  cfg.phone_fsync = false;
  return tools::RunLoadgen(cfg);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gridsync::tools;
  const FlagSet kFlags = {"gridsync-bench-ingest",
                          "usage: gridsync-bench-ingest [FLAGS]\n"
                          "  durable Push ingest against raw RocksDB writing the same records\n",
                          {{"--devices", "N", "phones (64)"},
                           {"--records-per-device", "M", "records each (2000)"},
                           {"--batch", "B", "records a push (100)"},
                           {"--threads", "T", "pushing at once (8)"},
                           {"--light-only", "", "the light senders alone (for a profiler)"},
                           {"--dir", "DIR", "where (/tmp/gridsync-bench-PID)"}}};
  Args args = ParseArgs(argc, argv, kFlags);
  int devices = 64, per_device = 2000, batch = 100, threads = 8;
  if (!args.error.empty() || !absl::SimpleAtoi(args.Get("--devices", "64"), &devices) ||
      !absl::SimpleAtoi(args.Get("--records-per-device", "2000"), &per_device) ||
      !absl::SimpleAtoi(args.Get("--batch", "100"), &batch) ||
      !absl::SimpleAtoi(args.Get("--threads", "8"), &threads)) {
    return UsageError(kFlags, args.error);
  }
  const std::string dir = args.Get("--dir", absl::StrCat("/tmp/gridsync-bench-", getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const long records = static_cast<long>(devices) * per_device;
  const bool light_only = args.Has("--light-only");

  printf("machine: %u cores; %ld records, batches of %d, WAL sync per write\n",
         std::thread::hardware_concurrency(), records, batch);
  RawResult raw, layout, all_keys;
  if (!light_only) {
    raw = RawRocksDb(dir + "/raw", records, batch, Layout::kRecord);
    printf(
        "raw RocksDB   : %9.0f records/s  (one WriteBatch of %d records of %zu bytes, "
        "sync=true)\n",
        raw.records_per_second, batch, raw.value_bytes);
    layout = RawRocksDb(dir + "/raw-layout", records, batch, Layout::kSyncKeys);
    printf(
        "raw, 4 keys   : %9.0f records/s  (the same, plus the change-log entry, change index and "
        "idempotency key gridsyncd writes per mutation)\n",
        layout.records_per_second);
    all_keys = RawRocksDb(dir + "/raw-all", records, batch, Layout::kAllKeys);
    printf(
        "raw, visit    : %9.0f records/s  (the same, plus the coverage index's visit entry and "
        "counters: every key gridsyncd writes for a visit, 7 to 9)\n",
        all_keys.records_per_second);
  }
  auto server = StartServer(dir + "/server");
  if (!server.ok()) {
    fprintf(stderr, "server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  const std::string addr = absl::StrCat("127.0.0.1:", (*server)->port());
  auto token = ReadTokenFile(dir + "/server/admin.token");
  if (!token.ok()) return 1;
  if (!light_only) {
    auto report = SdkPush(addr, *token, devices, per_device, batch, threads);
    if (!report.ok()) {
      fprintf(stderr, "loadgen: %s\n", report.status().ToString().c_str());
      return 1;
    }
    printf(
        "gridsyncd Push: %9.0f records/s  (%d phones, %d threads, gRPC loopback, merge, 7 to 9 "
        "keys per visit)\n",
        report->records_per_second, devices, threads);
    printf("  %s\n", report->Summary().c_str());
    printf("ratio server/raw: %.2f   server/raw-4-keys: %.2f   server/raw-visit: %.2f\n",
           report->records_per_second / raw.records_per_second,
           report->records_per_second / layout.records_per_second,
           report->records_per_second / all_keys.records_per_second);
  }
  // The same server with senders that cost next to nothing: what it takes
  // when the phones are elsewhere, as they are.
  auto light = LightPush(addr, *token, devices, per_device, batch, threads);
  if (!light.ok()) {
    fprintf(stderr, "light push: %s\n", light.status().ToString().c_str());
    return 1;
  }
  printf(
      "gridsyncd Push, light senders: %9.0f records/s  (%d devices without replicas, pushes "
      "made before the clock, %d threads; %.1f us of CPU per record, server and senders; "
      "%.1f us the server's)\n",
      light->records_per_second, devices, threads, light->cpu_us_per_record,
      light->server_cpu_us_per_record);
  if (!light_only) {
    printf("ratio light/raw: %.2f   light/raw-4-keys: %.2f   light/raw-visit: %.2f\n",
           light->records_per_second / raw.records_per_second,
           light->records_per_second / layout.records_per_second,
           light->records_per_second / all_keys.records_per_second);
  }
  (*server)->Shutdown();
  std::filesystem::remove_all(dir);
  return 0;
}
