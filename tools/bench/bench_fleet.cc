// gridsync-bench-fleet: a county's fleet of phones against one gridsyncd,
// the phones in separate processes from the server and from each other.
//
//   gridsync-bench-fleet [--phones 10000] [--processes 10] [--grids 1000]
//                        [--idle-seconds 60] [--poll-minutes 15]
//                        [--peak-phones 2000] [--peak-seconds 300] [--records 30]
//                        [--org shared/data/henan-zhengzhou-dengfeng.csv]
//                        [--gridsyncd PATH] [--dir /tmp/gridsync-bench-fleet]
//
// Starts gridsyncd (the binary beside this one unless --gridsyncd) on a new
// store, imports the county's divisions and sample grids, enrols the phones
// (grid workers, spread over the grids) and starts the phone processes, each
// phone with a connection of its own. Then, measuring the server's resident
// memory (VmRSS, VmHWM), open descriptors and threads throughout:
//   1. every phone connects and makes its first sync (the grid's registry);
//   2. idle: every connection stays open and each phone polls (Pull from its
//      cursor) every --poll-minutes, at a random phase, for --idle-seconds;
//   3. the evening peak: --peak-phones phones each sync once at a random
//      moment within --peak-seconds, pushing --records visits and pulling
//      their grid's changes; the sync's latency is push and pulls together.
// Prints the latencies (p50 / p99 / max) and the server's figures per phase.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/grpc_status.h"
#include "core/hlc.h"
#include "gridsync/v1/admin_service.grpc.pb.h"
#include "tools/common/client.h"
#include "tools/common/flags.h"
#include "tools/common/percentile.h"
#include "tools/common/sample_data.h"

extern char** environ;

namespace {
using namespace gridsync;
using Clock = std::chrono::steady_clock;
using tools::Percentile;

constexpr int kHouseholdsKept = 10;  // a phone's households it visits in the peak

struct Config {
  int phones = 10000, processes = 10, grids = 1000;
  int idle_seconds = 60, poll_minutes = 15;
  int peak_phones = 2000, peak_seconds = 300, records = 30;
};

// One line of the phones file: what a phone process needs to be the phone.
struct PhoneLine {
  std::string device, token, grid;
  std::vector<std::string> households;
};

std::string Latencies(const std::vector<double>& v) {
  if (v.empty()) return "none";
  return absl::StrFormat("p50 %.1f ms  p99 %.1f ms  max %.1f ms  (%zu)", Percentile(v, 0.5),
                         Percentile(v, 0.99), *std::max_element(v.begin(), v.end()), v.size());
}

// ---------------------------------------------------------------- phones --

// A phone's own connection: a channel that shares no subchannel with the
// other phones of its process, as a real phone shares none.
std::shared_ptr<grpc::Channel> OwnChannel(const std::string& addr) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetCompressionAlgorithm(GRPC_COMPRESS_GZIP);  // as the SDK asks
  return grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(), args);
}

// Runs `work(i)` for every i in `order` at its time (offset from now), on
// `threads` threads; returns each call's latency in ms, and counts failures.
template <typename Work>
std::vector<double> RunScheduled(std::vector<std::pair<double, int>> order, int threads, Work work,
                                 std::atomic<int>* failures) {
  std::sort(order.begin(), order.end());
  std::vector<double> out;
  std::mutex mu;
  std::atomic<size_t> next{0};
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t k; (k = next++) < order.size();) {
        std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                  std::chrono::duration<double>(order[k].first)));
        const auto t0 = Clock::now();
        const bool ok = work(order[k].second);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (!ok) {
          ++*failures;
          continue;
        }
        std::lock_guard<std::mutex> l(mu);
        out.push_back(ms);
      }
    });
  }
  for (auto& th : pool) th.join();
  return out;
}

// A phone process: phones [from, to) of the phones file. Reads a command a
// line on stdin ("idle", "peak", "exit"), answers "ready" / "done" on stdout
// when it has finished, and writes each latency ("first|poll|sync MS") and
// failure to the --out file at the end.
int RunPhones(const tools::Args& args, const Config& cfg) {
  std::vector<PhoneLine> lines;
  {
    std::ifstream in(args.Get("--phones-file"));
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string> f = absl::StrSplit(line, '\t');
      if (f.size() != 4) continue;
      lines.push_back({f[0], f[1], f[2], absl::StrSplit(f[3], ',')});
    }
  }
  int from = 0, to = 0;
  if (!absl::SimpleAtoi(args.Get("--from"), &from) || !absl::SimpleAtoi(args.Get("--to"), &to) ||
      from < 0 || to > static_cast<int>(lines.size()) || from >= to) {
    fprintf(stderr, "phones: bad --from/--to for %zu phones\n", lines.size());
    return 2;
  }
  const std::string addr = args.Get("--server");
  std::vector<std::unique_ptr<tools::Phone>> phones;
  for (int i = from; i < to; ++i) {
    phones.push_back(std::make_unique<tools::Phone>(OwnChannel(addr), lines[i].token,
                                                    lines[i].device, "网格员", i));
  }
  std::atomic<int> failures{0};
  std::map<std::string, std::vector<double>> got;
  std::mt19937_64 rng(from);
  auto pull = [&](int k) { return phones[k]->PullAll(/*tracked_only=*/true).ok(); };

  // 1. Connect and first sync, a few phones at a time.
  std::vector<std::pair<double, int>> now;
  for (int k = 0; k < to - from; ++k) now.emplace_back(0.0, k);
  got["first"] = RunScheduled(now, 8, pull, &failures);
  std::cout << "ready" << std::endl;

  for (std::string cmd; std::getline(std::cin, cmd) && cmd != "exit";) {
    std::vector<std::pair<double, int>> order;
    if (cmd == "idle") {
      // 2. Each phone polls every poll period from a random phase.
      const double period = cfg.poll_minutes * 60.0;
      for (int k = 0; k < to - from; ++k) {
        for (double t = std::uniform_real_distribution<double>(0, period)(rng);
             t < cfg.idle_seconds; t += period) {
          order.emplace_back(t, k);
        }
      }
      auto v = RunScheduled(order, 8, pull, &failures);
      got["poll"].insert(got["poll"].end(), v.begin(), v.end());
    } else if (cmd == "peak") {
      // 3. The evening peak: every (phones / peak phones)-th phone syncs once.
      const int every = std::max(1, cfg.phones / std::max(1, cfg.peak_phones));
      for (int i = from; i < to; ++i) {
        if (i % every != 0) continue;
        order.emplace_back(std::uniform_real_distribution<double>(0, cfg.peak_seconds)(rng),
                           i - from);
      }
      auto sync = [&](int k) {
        tools::Phone& p = *phones[k];
        const PhoneLine& line = lines[from + k];
        std::vector<v1::Mutation> batch;
        for (int r = 0; r < cfg.records; ++r) {
          v1::Mutation m = p.Begin(v1::RECORD_KIND_VISIT, p.NewRecordId(), line.grid);
          m.mutable_create()->set_subject_id(line.households[r % line.households.size()]);
          tools::AddCreateField(&m, "visited_at_ms", tools::IntValue(core::SystemWallMs()));
          tools::AddCreateField(&m, "nobody_home", tools::BoolValue(false));
          tools::AddCreateField(&m, "talked_with_household", tools::BoolValue(true));
          tools::AddCreateField(
              &m, "notes",
              tools::StrValue("户主在家，家中老人身体尚可，已宣传反诈知识和平安建设满意度调查。"));
          batch.push_back(std::move(m));
        }
        auto r = p.Push(batch);
        if (!r.ok()) return false;
        for (const auto& res : r->results()) {
          if (res.outcome() != v1::MUTATION_OUTCOME_APPLIED) return false;
        }
        return p.PullAll(/*tracked_only=*/true).ok();
      };
      auto v = RunScheduled(order, 16, sync, &failures);
      got["sync"].insert(got["sync"].end(), v.begin(), v.end());
    }
    std::cout << "done" << std::endl;
  }
  std::ofstream out(args.Get("--out"));
  for (const auto& [what, v] : got) {
    for (double ms : v) out << what << ' ' << ms << '\n';
  }
  out << "failures " << failures.load() << '\n';
  return 0;
}

// ---------------------------------------------------------------- server --

// A child process with pipes to its stdin and from its stdout.
struct Child {
  pid_t pid = -1;
  FILE* to = nullptr;
  FILE* from = nullptr;

  bool Say(const char* line) { return fprintf(to, "%s\n", line) > 0 && fflush(to) == 0; }
  // Waits for `want` on the child's stdout; false if it ended first.
  bool Await(const char* want) {
    char buf[256];
    while (fgets(buf, sizeof(buf), from)) {
      if (std::string(buf) == std::string(want) + "\n") return true;
    }
    return false;
  }
};

// Starts argv[0]; with `piped`, talks to it through Child's pipes; with a
// `log`, its stdout and stderr go there.
Child Spawn(const std::vector<std::string>& argv, bool piped, const std::string& log = "") {
  Child c;
  int in[2] = {-1, -1}, out[2] = {-1, -1};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (piped && pipe(in) == 0 && pipe(out) == 0) {
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
  }
  if (!log.empty()) {
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
  }
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  if (posix_spawn(&c.pid, cargv[0], &fa, nullptr, cargv.data(), environ) != 0) c.pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  if (piped) {
    close(in[0]);
    close(out[1]);
    c.to = fdopen(in[1], "w");
    c.from = fdopen(out[0], "r");
  }
  return c;
}

// The server's figures from /proc.
struct ServerFigures {
  long rss_mb = 0, hwm_mb = 0, threads = 0, fds = 0;
  double cpu_s = 0;  // user and system time since it started
};
ServerFigures Figures(pid_t pid) {
  ServerFigures f;
  {
    std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
    std::string line;
    std::getline(stat, line);
    // The fields after the command's closing parenthesis; utime and stime
    // are the 14th and 15th of the whole line.
    std::istringstream in(line.substr(line.rfind(')') + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
      if (i == 14) absl::SimpleAtoi(field, &utime);
      if (i == 15) absl::SimpleAtoi(field, &stime);
    }
    f.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  for (std::string line; std::getline(status, line);) {
    long v = 0;
    std::istringstream in(line.substr(line.find(':') + 1));
    in >> v;
    if (line.rfind("VmRSS:", 0) == 0) f.rss_mb = v / 1024;
    if (line.rfind("VmHWM:", 0) == 0) f.hwm_mb = v / 1024;
    if (line.rfind("Threads:", 0) == 0) f.threads = v;
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(absl::StrCat("/proc/", pid, "/fd"), ec);
       !ec && it != std::filesystem::directory_iterator(); ++it) {
    ++f.fds;
  }
  return f;
}

std::string Describe(const ServerFigures& f) {
  return absl::StrFormat("server RSS %ld MB (peak %ld MB), %ld threads, %ld descriptors", f.rss_mb,
                         f.hwm_mb, f.threads, f.fds);
}

// Watches the server through a phase: samples its RSS until stopped, and
// says the largest seen and the CPU time it spent.
class PhaseWatch {
 public:
  explicit PhaseWatch(pid_t pid)
      : pid_(pid), cpu0_(Figures(pid).cpu_s), thread_([this] {
          while (!stop_.load()) {
            max_ = std::max(max_.load(), Figures(pid_).rss_mb);
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
          }
        }) {}
  std::string Stop() {
    stop_ = true;
    thread_.join();
    return absl::StrFormat("RSS at most %ld MB, server CPU %.1f s", max_.load(),
                           Figures(pid_).cpu_s - cpu0_);
  }

 private:
  const pid_t pid_;
  const double cpu0_;
  std::atomic<bool> stop_{false};
  std::atomic<long> max_{0};
  std::thread thread_;
};

// Imports the divisions and sample grids, enrols the phones over the
// grids, and writes the phones file.
absl::Status Enrol(const std::string& addr, const std::string& token, const std::string& org,
                   const Config& cfg, const std::string& phones_file) {
  auto admin = v1::AdminService::NewStub(tools::Connect(addr));
  auto csv = tools::ReadDivisionCsv(org);
  if (!csv.ok()) return csv.status();
  v1::ImportRegistryResponse ir;
  auto ctx = tools::CallContext(token);
  if (auto st = FromGrpc(admin->ImportRegistry(ctx.get(), csv->request, &ir)); !st.ok()) {
    return st;
  }
  auto grids = tools::EnsureSampleGrids(admin.get(), token, cfg.grids, 1);
  if (!grids.ok()) return grids.status();
  grids->resize(std::min<size_t>(grids->size(), cfg.grids));
  std::vector<std::string> households(grids->size());
  for (size_t g = 0; g < grids->size(); ++g) {
    v1::ListHouseholdsRequest req;
    req.set_grid_code((*grids)[g]);
    v1::ListHouseholdsResponse resp;
    auto c = tools::CallContext(token);
    if (auto st = FromGrpc(admin->ListHouseholds(c.get(), req, &resp)); !st.ok()) return st;
    std::vector<std::string> ids;
    for (const auto& h : resp.households()) {
      if (static_cast<int>(ids.size()) < kHouseholdsKept) ids.push_back(h.household_id());
    }
    if (ids.empty()) return absl::FailedPreconditionError("a sample grid has no households");
    households[g] = absl::StrJoin(ids, ",");
  }
  std::vector<std::string> out(cfg.phones);
  std::atomic<int> next{0};
  absl::Status first_error;
  std::mutex mu;
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t) {
    pool.emplace_back([&] {
      for (int i; (i = next++) < cfg.phones;) {
        const size_t g = static_cast<size_t>(i) % grids->size();
        auto r = tools::EnrollDevice(admin.get(), token, v1::ROLE_GRID_WORKER, (*grids)[g],
                                     absl::StrCat("网格员", i + 1));
        if (!r.ok()) {
          std::lock_guard<std::mutex> l(mu);
          first_error = r.status();
          return;
        }
        out[i] = absl::StrCat(r->device_id(), "\t", r->token(), "\t", (*grids)[g], "\t",
                              households[g], "\n");
      }
    });
  }
  for (auto& th : pool) th.join();
  if (!first_error.ok()) return first_error;
  std::ofstream f(phones_file, std::ios::trunc);
  for (const auto& line : out) f << line;
  return f.good() ? absl::OkStatus() : absl::DataLossError("cannot write the phones file");
}

int RunFleet(const tools::Args& args, const Config& cfg, const std::string& self) {
  const std::string dir = args.Get("--dir", "/tmp/gridsync-bench-fleet");
  const std::string gridsyncd =
      args.Get("--gridsyncd", (std::filesystem::path(self).parent_path() / "gridsyncd").string());
  const std::string org = args.Get("--org", "../shared/data/henan-zhengzhou-dengfeng.csv");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string data = dir + "/server";
  const std::string log = dir + "/gridsyncd.log";
  Child init = Spawn({gridsyncd, "init", "--data", data}, false, log);
  int status = 0;
  if (init.pid < 0 || waitpid(init.pid, &status, 0) < 0 || status != 0) {
    fprintf(stderr, "fleet: %s init failed\n", gridsyncd.c_str());
    return 1;
  }
  Child server =
      Spawn({gridsyncd, "--data", data, "--listen", "127.0.0.1:0", "--port-file", dir + "/port"},
            false, log);
  std::string port;
  for (int i = 0; i < 300 && port.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream(dir + "/port") >> port;
  }
  auto stop_server = [&] {
    kill(server.pid, SIGTERM);
    waitpid(server.pid, &status, 0);
  };
  if (port.empty()) {
    fprintf(stderr, "fleet: gridsyncd did not start (%s)\n", log.c_str());
    stop_server();
    return 1;
  }
  const std::string addr = "127.0.0.1:" + port;
  auto token = tools::ReadTokenFile(data + "/admin.token");
  const auto t_enrol = Clock::now();
  if (absl::Status st =
          token.ok() ? Enrol(addr, *token, org, cfg, dir + "/phones.tsv") : token.status();
      !st.ok()) {
    fprintf(stderr, "fleet: %s\n", std::string(st.message()).c_str());
    stop_server();
    return 1;
  }
  printf("fleet: %d phones (grid workers over %d grids) in %d processes; enrolled in %.1f s\n",
         cfg.phones, cfg.grids, cfg.processes,
         std::chrono::duration<double>(Clock::now() - t_enrol).count());
  printf("server before the phones: %s\n", Describe(Figures(server.pid)).c_str());
  fflush(stdout);

  // The phone processes.
  std::vector<Child> kids;
  const auto t_connect = Clock::now();
  PhaseWatch connect_watch(server.pid);
  for (int k = 0; k < cfg.processes; ++k) {
    const int from = cfg.phones * k / cfg.processes, to = cfg.phones * (k + 1) / cfg.processes;
    std::vector<std::string> argv = {self,
                                     "--phones-file",
                                     dir + "/phones.tsv",
                                     "--from",
                                     std::to_string(from),
                                     "--to",
                                     std::to_string(to),
                                     "--server",
                                     addr,
                                     "--out",
                                     absl::StrCat(dir, "/phones-", k, ".txt")};
    for (const char* flag : {"--phones", "--idle-seconds", "--poll-minutes", "--peak-phones",
                             "--peak-seconds", "--records"}) {
      if (args.Has(flag)) {
        argv.push_back(flag);
        argv.push_back(args.Get(flag));
      }
    }
    kids.push_back(Spawn(argv, true));
  }
  auto all = [&](const char* say, const char* want) {
    bool ok = true;
    if (say) {
      for (auto& c : kids) ok &= c.Say(say);
    }
    for (auto& c : kids) ok &= c.Await(want);
    return ok;
  };
  bool ok = all(nullptr, "ready");
  const std::string connect_phase = connect_watch.Stop();
  printf("1. connected, first sync done in %.1f s; %s; %s\n",
         std::chrono::duration<double>(Clock::now() - t_connect).count(),
         Describe(Figures(server.pid)).c_str(), connect_phase.c_str());
  fflush(stdout);
  if (ok) {
    PhaseWatch idle_watch(server.pid);
    ok = all("idle", "done");
    const std::string idle_phase = idle_watch.Stop();
    printf("2. idle %d s, every phone connected and polling every %d min; %s; %s\n",
           cfg.idle_seconds, cfg.poll_minutes, Describe(Figures(server.pid)).c_str(),
           idle_phase.c_str());
    fflush(stdout);
  }
  if (ok) {
    PhaseWatch peak_watch(server.pid);
    const auto t_peak = Clock::now();
    ok = all("peak", "done");
    const std::string peak_phase = peak_watch.Stop();
    printf(
        "3. evening peak: %d phones syncing within %d s (%d visits pushed each), done in %.1f s; "
        "%s; %s\n",
        cfg.peak_phones, cfg.peak_seconds, cfg.records,
        std::chrono::duration<double>(Clock::now() - t_peak).count(),
        Describe(Figures(server.pid)).c_str(), peak_phase.c_str());
  }
  for (auto& c : kids) {
    c.Say("exit");
    fclose(c.to);
    fclose(c.from);
    waitpid(c.pid, &status, 0);
  }
  const ServerFigures last = Figures(server.pid);
  stop_server();

  std::map<std::string, std::vector<double>> got;
  long failures = 0;
  for (int k = 0; k < cfg.processes; ++k) {
    std::ifstream in(absl::StrCat(dir, "/phones-", k, ".txt"));
    std::string what;
    double v;
    while (in >> what >> v) {
      if (what == "failures") {
        failures += static_cast<long>(v);
      } else {
        got[what].push_back(v);
      }
    }
  }
  printf("latencies, as the phones saw them:\n");
  printf("  first sync (the grid's registry)    %s\n", Latencies(got["first"]).c_str());
  printf("  poll while idle (Pull, no changes)  %s\n", Latencies(got["poll"]).c_str());
  printf("  evening-peak sync (push + pull)     %s\n", Latencies(got["sync"]).c_str());
  printf("failed calls: %ld; server's peak RSS over the run: %ld MB\n", failures, last.hwm_mb);
  if (!args.Has("--keep")) std::filesystem::remove_all(dir);
  return ok && failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const tools::FlagSet flags = {
      "gridsync-bench-fleet",
      "usage: gridsync-bench-fleet [FLAGS]\n"
      "  a county's fleet of phones, in processes of their own, against one gridsyncd\n",
      {{"--phones", "N", "phones (10000)"},
       {"--processes", "P", "phone processes (10)"},
       {"--grids", "G", "grids the phones are spread over (1000)"},
       {"--idle-seconds", "S", "how long the idle phase lasts (60)"},
       {"--poll-minutes", "M", "an idle phone polls every M minutes (15)"},
       {"--peak-phones", "N", "phones syncing in the evening peak (2000)"},
       {"--peak-seconds", "S", "how long the peak lasts (300)"},
       {"--records", "R", "visits each peak phone pushes (30)"},
       {"--org", "CSV", "the county's divisions (shared/data/henan-zhengzhou-dengfeng.csv)"},
       {"--gridsyncd", "PATH", "the server binary (the one beside this program)"},
       {"--dir", "DIR", "where (/tmp/gridsync-bench-fleet)"},
       {"--keep", "", "keep DIR afterwards"},
       {"--phones-file", "FILE", "(a phone process's: its phones' devices and tokens)"},
       {"--from", "N", "(a phone process's: its first phone)"},
       {"--to", "N", "(a phone process's: past its last phone)"},
       {"--server", "ADDR", "(a phone process's: gridsyncd's address)"},
       {"--out", "FILE", "(a phone process's: where its latencies go)"}}};
  tools::Args args = tools::ParseArgs(argc, argv, flags);
  Config cfg;
  auto num = [&](const char* flag, int* v, int lo) {
    return !args.Has(flag) || (absl::SimpleAtoi(args.Get(flag), v) && *v >= lo);
  };
  if (!args.error.empty() || !num("--phones", &cfg.phones, 1) ||
      !num("--processes", &cfg.processes, 1) || !num("--grids", &cfg.grids, 1) ||
      !num("--idle-seconds", &cfg.idle_seconds, 0) ||
      !num("--poll-minutes", &cfg.poll_minutes, 1) || !num("--peak-phones", &cfg.peak_phones, 0) ||
      !num("--peak-seconds", &cfg.peak_seconds, 1) || !num("--records", &cfg.records, 1) ||
      cfg.processes > cfg.phones) {
    return tools::UsageError(flags, args.error);
  }
  if (args.Has("--phones-file")) return RunPhones(args, cfg);
  return RunFleet(args, cfg, std::filesystem::canonical("/proc/self/exe").string());
}
