// gridsync-bench-feed: what a county job following the change feed costs the
// server, for ordinary records and for records at the limits (issue 24: a
// 5.8 MB record with 361 changes took the server's RSS up 2.2 GB, because
// the feed sent the record's whole state with each change, 500 changes a
// page, and read the next page ahead).
//
// For each workload a gridsyncd of its own (a child process, so that its
// peak RSS is its own) is written through gRPC by one grid worker's phone,
// its peak RSS is reset (/proc/PID/clear_refs), and a county job reads the
// whole feed from 0 (SubscribeBatched). Printed: changes, bytes received,
// time, changes/s, MB/s and the server's peak RSS while it served the feed.
//
//   gridsync-bench-feed [--gridsyncd PATH] [--ordinary 20000] [--at-limit 60]
//                       [--dir /tmp/gridsync-bench-feed]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gridsync/v1/admin_service.grpc.pb.h"
#include "gridsync/v1/feed_service.grpc.pb.h"
#include "gridsync/v1/records.pb.h"
#include "tools/common/client.h"
#include "tools/common/flags.h"

namespace {

namespace fs = std::filesystem;
namespace v1 = gridsync::v1;
using Clock = std::chrono::steady_clock;

constexpr char kCounty[] = "410185000000";
constexpr char kTown[] = "410185001000";
constexpr char kVillage[] = "410185001201";
constexpr char kGrid[] = "410185001201001";

[[noreturn]] void Die(const std::string& what) {
  fprintf(stderr, "gridsync-bench-feed: %s\n", what.c_str());
  exit(1);
}

// A line of /proc/PID/status, in kB ("VmHWM", "VmRSS"); 0 when absent.
long StatusKb(pid_t pid, const std::string& key) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    long kb = 0;
    if (line.rfind(key + ":", 0) == 0 && sscanf(line.c_str() + key.size() + 1, "%ld", &kb) == 1) {
      return kb;
    }
  }
  return 0;
}

// gridsyncd in `dir`, as a child process.
class Server {
 public:
  Server(const std::string& binary, const std::string& dir) : dir_(dir) {
    fs::remove_all(dir);
    const std::string init = absl::StrCat("'", binary, "' init --data '", dir, "' >/dev/null 2>&1");
    if (system(init.c_str()) != 0) Die("gridsyncd init failed: " + init);
    std::ifstream token(dir + "/admin.token");
    std::getline(token, admin_token_);
    const std::string port_file = dir + ".port";
    fs::remove(port_file);
    pid_ = fork();
    if (pid_ == 0) {
      freopen((dir + ".log").c_str(), "w", stderr);
      execl(binary.c_str(), "gridsyncd", "--data", dir.c_str(), "--listen", "127.0.0.1:0",
            "--port-file", port_file.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 400 && port_ == 0; ++i) {  // at most 20 s
      std::ifstream p(port_file);
      if (!(p >> port_)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (port_ == 0) Die("gridsyncd did not start; see " + dir + ".log");
    channel_ = gridsync::tools::Connect(absl::StrCat("127.0.0.1:", port_));
  }
  ~Server() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    fs::remove_all(dir_);
    fs::remove(dir_ + ".port");
    fs::remove(dir_ + ".log");
  }
  pid_t pid() const { return pid_; }
  const std::string& admin_token() const { return admin_token_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // From now on VmHWM is the peak since this call.
  void ResetPeak() const { std::ofstream(absl::StrCat("/proc/", pid_, "/clear_refs")) << "5"; }

 private:
  std::string dir_, admin_token_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

// A village of one grid with 10 households, and a worker's phone in it.
gridsync::tools::Phone SetUp(const Server& s) {
  auto admin = v1::AdminService::NewStub(s.channel());
  v1::ImportRegistryRequest reg;
  const std::pair<const char*, v1::OrgLevel> units[] = {{kCounty, v1::ORG_LEVEL_COUNTY},
                                                        {kTown, v1::ORG_LEVEL_TOWN},
                                                        {kVillage, v1::ORG_LEVEL_VILLAGE},
                                                        {kGrid, v1::ORG_LEVEL_GRID}};
  std::string parent;
  for (const auto& [code, level] : units) {
    auto* u = reg.add_org_units();
    u->set_code(code);
    u->set_name(absl::StrCat("单位", code));
    u->set_level(level);
    u->set_parent_code(parent);
    parent = code;
  }
  for (int h = 1; h <= 10; ++h) {
    auto* hh = reg.add_households();
    hh->set_household_id(absl::StrCat(kGrid, absl::Dec(h, absl::kZeroPad4)));
    hh->set_grid_code(kGrid);
  }
  v1::ImportRegistryResponse ir;
  auto ctx = gridsync::tools::CallContext(s.admin_token());
  if (!admin->ImportRegistry(ctx.get(), reg, &ir).ok()) Die("registry import failed");
  v1::EnrollDeviceRequest er;
  er.set_role(v1::ROLE_GRID_WORKER);
  er.add_scope_codes(kGrid);
  er.set_holder("王芳");
  v1::EnrollDeviceResponse enrolled;
  auto ectx = gridsync::tools::CallContext(s.admin_token());
  if (!admin->EnrollDevice(ectx.get(), er, &enrolled).ok()) Die("enrolment failed");
  return gridsync::tools::Phone(s.channel(), enrolled.token(), enrolled.device_id(), "王芳", 1);
}

void PushAll(gridsync::tools::Phone& phone, std::vector<v1::Mutation>* batch) {
  if (batch->empty()) return;
  auto r = phone.Push(*batch);
  if (!r.ok()) Die(absl::StrCat("push: ", r.status().ToString()));
  for (const auto& res : r->results()) {
    if (res.outcome() != v1::MUTATION_OUTCOME_APPLIED) Die("push refused: " + res.message());
  }
  batch->clear();
}

// `n` visits of a few fields each.
void WriteOrdinary(gridsync::tools::Phone& phone, int n) {
  std::vector<v1::Mutation> batch;
  for (int i = 0; i < n; ++i) {
    auto m = phone.Begin(v1::RECORD_KIND_VISIT, phone.NewRecordId(), kGrid);
    m.mutable_create()->set_subject_id(absl::StrCat(kGrid, absl::Dec(1 + i % 10, absl::kZeroPad4)));
    gridsync::tools::AddCreateField(&m, "talked_with_household", [] {
      v1::FieldValue v;
      v.set_bool_value(true);
      return v;
    }());
    batch.push_back(std::move(m));
    if (batch.size() == 500) PushAll(phone, &batch);
  }
  PushAll(phone, &batch);
}

// `n` dispute cases each mediated until it holds about 1 MiB (the limit):
// 120 sessions of two 4,000-byte texts.
void WriteAtLimit(gridsync::tools::Phone& phone, int n) {
  v1::MediationSession session;
  session.set_held_at_ms(1764547200000);
  session.set_mediator(std::string(3999, 'm'));
  session.set_summary(std::string(3999, 's'));
  const std::string payload = session.SerializeAsString();
  for (int c = 0; c < n; ++c) {
    const std::string id = phone.NewRecordId();
    std::vector<v1::Mutation> batch;
    auto create = phone.Begin(v1::RECORD_KIND_DISPUTE_CASE, id, kGrid);
    create.mutable_create()->set_subject_id(absl::StrCat(kGrid, "0001"));
    batch.push_back(std::move(create));
    for (int i = 0; i < 120; ++i) {
      auto m = phone.Begin(v1::RECORD_KIND_DISPUTE_CASE, id, kGrid);
      m.mutable_append_log()->set_log("mediation_sessions");
      m.mutable_append_log()->set_element_id(absl::StrCat("s", 1000 + i));
      m.mutable_append_log()->set_payload(payload);
      batch.push_back(std::move(m));
      if (batch.size() == 40) PushAll(phone, &batch);
    }
    PushAll(phone, &batch);
  }
}

struct FeedRun {
  uint64_t changes = 0, states = 0, bytes = 0;
  double seconds = 0;
  long peak_kb = 0;
};

FeedRun FollowFromZero(const Server& s) {
  s.ResetPeak();
  auto feed = v1::FeedService::NewStub(s.channel());
  v1::SubscribeBatchedRequest req;
  req.set_scope_code(kCounty);
  auto ctx = gridsync::tools::CallContext(s.admin_token(), std::chrono::seconds(3600));
  FeedRun run;
  const auto t0 = Clock::now();
  auto reader = feed->SubscribeBatched(ctx.get(), req);
  v1::SubscribeBatchedResponse batch;
  while (reader->Read(&batch)) {
    run.bytes += batch.ByteSizeLong();
    for (const auto& m : batch.messages()) {
      run.changes += m.has_change();
      run.states += m.has_state();
    }
  }
  auto st = reader->Finish();
  if (!st.ok()) Die("feed: " + st.error_message());
  run.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  run.peak_kb = StatusKb(s.pid(), "VmHWM");
  return run;
}

void Report(const char* workload, const FeedRun& r, long rss_before_kb) {
  printf(
      "%-34s %9lu changes %7lu states %8.1f MB in %6.2f s: %8.0f changes/s %6.1f MB/s; "
      "server RSS %5.0f MB before, peak %5.0f MB while serving the feed\n",
      workload, static_cast<unsigned long>(r.changes), static_cast<unsigned long>(r.states),
      static_cast<double>(r.bytes) / 1e6, r.seconds, static_cast<double>(r.changes) / r.seconds,
      static_cast<double>(r.bytes) / 1e6 / r.seconds, rss_before_kb / 1024.0, r.peak_kb / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  const gridsync::tools::FlagSet flags = {
      "gridsync-bench-feed",
      "usage: gridsync-bench-feed [FLAGS]\n"
      "  the change feed through gRPC, of ordinary records and of records at the limits\n",
      {{"--gridsyncd", "PATH", "the server binary (the one beside this program)"},
       {"--ordinary", "N", "ordinary records (20000)"},
       {"--at-limit", "N", "records at the size limits (60)"},
       {"--dir", "DIR", "where (/tmp/gridsync-bench-feed)"}}};
  const auto args = gridsync::tools::ParseArgs(argc, argv, flags);
  if (!args.error.empty()) return gridsync::tools::UsageError(flags, args.error);
  std::string binary = args.Get("--gridsyncd");
  if (binary.empty()) {
    binary = (fs::read_symlink("/proc/self/exe").parent_path() / "gridsyncd").string();
  }
  int ordinary = 0, at_limit = 0;
  if (!absl::SimpleAtoi(args.Get("--ordinary", "20000"), &ordinary) ||
      !absl::SimpleAtoi(args.Get("--at-limit", "60"), &at_limit)) {
    Die("--ordinary and --at-limit take a count");
  }
  const std::string dir = args.Get("--dir", "/tmp/gridsync-bench-feed");
  printf("gridsyncd: %s\n", binary.c_str());
  {
    Server s(binary, dir + "-ordinary");
    auto phone = SetUp(s);
    WriteOrdinary(phone, ordinary);
    const long before = StatusKb(s.pid(), "VmRSS");
    Report(absl::StrCat(ordinary, " ordinary visits").c_str(), FollowFromZero(s), before);
  }
  {
    Server s(binary, dir + "-limit");
    auto phone = SetUp(s);
    WriteAtLimit(phone, at_limit);
    const long before = StatusKb(s.pid(), "VmRSS");
    Report(absl::StrCat(at_limit, " cases of 1 MiB, 121 changes each").c_str(), FollowFromZero(s),
           before);
  }
  return 0;
}
