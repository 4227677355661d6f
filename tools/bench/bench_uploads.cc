// gridsync-bench-uploads: attachments through the whole path (SDK upload
// queue, gRPC, BlobService, files beside the store), measured: one phone's
// upload rate on loopback, bytes over the wire per MB of photo, and the
// server's memory while 100 phones upload at once. gridsyncd runs as its own
// process, so its RSS is its own.
//
//   gridsync-bench-uploads [--gridsyncd PATH] [--phones 100] [--photo-kb 2048]
//                          [--single-mb 10] [--dir /tmp/gridsync-bench-uploads]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gridsync/client.h"
#include "tools/common/client.h"
#include "tools/common/flags.h"
#include "tools/common/sample_data.h"
#include "tools/common/tcp_proxy.h"

namespace {
using namespace gridsync;
using Clock = std::chrono::steady_clock;

// "VmRSS" or "VmHWM" of a process, in MiB.
double ProcMiB(pid_t pid, const std::string& field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      long kb = 0;
      sscanf(line.c_str() + field.size() + 1, "%ld", &kb);
      return kb / 1024.0;
    }
  }
  return 0;
}

struct Server {
  pid_t pid = -1;
  int port = 0;
  ~Server() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};

// gridsyncd init, then serving on an ephemeral loopback port.
absl::Status StartServer(const std::string& gridsyncd, const std::string& dir, Server* s) {
  if (system(("'" + gridsyncd + "' init --data '" + dir + "' >/dev/null").c_str()) != 0) {
    return absl::InternalError("gridsyncd init failed");
  }
  const std::string port_file = dir + ".port";
  s->pid = fork();
  if (s->pid == 0) {
    freopen((dir + ".log").c_str(), "w", stderr);
    execl(gridsyncd.c_str(), gridsyncd.c_str(), "--data", dir.c_str(), "--listen", "127.0.0.1:0",
          "--port-file", port_file.c_str(), "--attachment-quota-mb", "0", nullptr);
    _exit(127);
  }
  for (int i = 0; i < 300 && s->port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(port_file);
    in >> s->port;
  }
  return s->port ? absl::OkStatus() : absl::UnavailableError("gridsyncd did not start");
}

struct PhoneSet {
  std::vector<std::unique_ptr<sdk::Client>> phones;
  std::vector<std::string> visits;
};

// `n` grid workers, each with a visit synced and a photo of `photo_bytes`
// attached and not yet sent (the phones wait for an unmetered network).
absl::StatusOr<PhoneSet> MakePhones(const std::string& addr, const std::string& proxied,
                                    const std::string& token, const std::string& dir, int n,
                                    size_t photo_bytes) {
  auto admin = v1::AdminService::NewStub(tools::Connect(addr));
  auto grids = tools::EnsureSampleGrids(admin.get(), token, (n + 1) / 2, 7);
  if (!grids.ok()) return grids.status();
  PhoneSet set;
  for (int i = 0; i < n; ++i) {
    const std::string grid = (*grids)[(i / 2) % grids->size()];
    v1::EnrollDeviceRequest req;
    req.set_role(v1::ROLE_GRID_WORKER);
    req.add_scope_codes(grid);
    req.set_holder(absl::StrCat("网格员", i + 1));
    v1::EnrollDeviceResponse resp;
    auto ctx = tools::CallContext(token);
    if (auto st = gridsync::FromGrpc(admin->EnrollDevice(ctx.get(), req, &resp)); !st.ok())
      return st;
    sdk::ClientOptions o;
    o.data_dir = absl::StrCat(dir, "/phone-", i);
    o.server_address = proxied;
    o.device_id = resp.device_id();
    o.token = resp.token();
    o.holder = req.holder();
    o.attachments_unmetered_only = true;
    o.max_attachment_bytes = int64_t{100} << 20;
    auto c = sdk::Client::Open(o);
    if (!c.ok()) return c.status();
    (*c)->SetNetworkMetered(true);
    if (auto r = (*c)->Sync(); !r.ok()) return r.status();
    v1::ListHouseholdsRequest lh;
    lh.set_grid_code(grid);
    v1::ListHouseholdsResponse households;
    auto lctx = tools::CallContext(token);
    if (auto st = gridsync::FromGrpc(admin->ListHouseholds(lctx.get(), lh, &households));
        !st.ok()) {
      return st;
    }
    auto id = (*c)->Create(v1::RECORD_KIND_VISIT, grid, households.households(0).household_id(),
                           {{"visited_at_ms", tools::IntValue((*c)->NowMs())},
                            {"talked_with_household", tools::BoolValue(true)}});
    if (!id.ok()) return id.status();
    auto ref = (*c)->AttachBytes(*id, tools::SampleJpeg(photo_bytes, 1000 + i));
    if (!ref.ok()) return ref.status();
    if (auto r = (*c)->Sync(); !r.ok()) return r.status();  // the record, not the photo
    set.visits.push_back(*id);
    set.phones.push_back(std::move(*c));
  }
  return set;
}

}  // namespace

int main(int argc, char** argv) {
  const tools::FlagSet flags = {
      "gridsync-bench-uploads",
      "usage: gridsync-bench-uploads [FLAGS]\n"
      "  phones uploading photos at once to a gridsyncd of their own\n",
      {{"--gridsyncd", "PATH", "the server binary (the one beside this program)"},
       {"--phones", "N", "phones uploading at once (100)"},
       {"--photo-kb", "N", "each phone's photo (2048)"},
       {"--single-mb", "N", "one large upload, alone (10)"},
       {"--dir", "DIR", "where"}}};
  const tools::Args args = tools::ParseArgs(argc, argv, flags);
  int phones = 100, photo_kb = 2048, single_mb = 10;
  if (!args.error.empty() || !absl::SimpleAtoi(args.Get("--phones", "100"), &phones) ||
      !absl::SimpleAtoi(args.Get("--photo-kb", "2048"), &photo_kb) ||
      !absl::SimpleAtoi(args.Get("--single-mb", "10"), &single_mb) || phones < 1 || photo_kb < 1 ||
      single_mb < 1) {
    return tools::UsageError(flags, args.error);
  }
  const std::string gridsyncd = args.Get(
      "--gridsyncd", (std::filesystem::path(argv[0]).parent_path() / "gridsyncd").string());
  const std::string dir = args.Get("--dir", "/tmp/gridsync-bench-uploads");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Server server;
  if (auto st = StartServer(gridsyncd, dir + "/server", &server); !st.ok()) {
    fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  const std::string addr = absl::StrCat("127.0.0.1:", server.port);
  auto token = tools::ReadTokenFile(dir + "/server/admin.token");
  if (!token.ok()) return 1;
  {
    v1::ImportRegistryRequest org;
    for (const auto& [code, name] : std::vector<std::pair<std::string, std::string>>{
             {"410185000000", "登封市"}, {"410185001000", "嵩阳街道"}}) {
      auto* u = org.add_org_units();
      u->set_code(code);
      u->set_name(name);
    }
    auto admin = v1::AdminService::NewStub(tools::Connect(addr));
    v1::ImportRegistryResponse ir;
    auto ctx = tools::CallContext(*token);
    if (!admin->ImportRegistry(ctx.get(), org, &ir).ok()) return 1;
  }
  auto proxy = tools::TcpProxy::Start(server.port);
  if (!proxy.ok()) return 1;
  const std::string proxied = absl::StrCat("127.0.0.1:", (*proxy)->port());
  printf("gridsyncd pid %d, RSS %.1f MiB at start\n", server.pid, ProcMiB(server.pid, "VmRSS"));

  // 1. One phone, one large photo, loopback.
  {
    auto set = MakePhones(addr, proxied, *token, dir + "/single", 1, size_t(single_mb) << 20);
    if (!set.ok()) {
      fprintf(stderr, "phones: %s\n", set.status().ToString().c_str());
      return 1;
    }
    (*proxy)->ResetCounters();
    set->phones[0]->SetNetworkMetered(false);
    const auto t0 = Clock::now();
    auto r = set->phones[0]->Sync();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!r.ok() || r->attachments_uploaded != 1) {
      fprintf(stderr, "upload: %s\n", r.ok() ? "not uploaded" : r.status().ToString().c_str());
      return 1;
    }
    const double mb = single_mb;
    printf(
        "one phone, one %d MB photo: %.2f s, %.1f MB/s; %.4f bytes over the wire per byte of "
        "photo (up %lld, down %lld); 128 KB chunks, each synced on the server\n",
        single_mb, s, mb / s, double((*proxy)->bytes_up()) / (double(single_mb) * (1 << 20)),
        static_cast<long long>((*proxy)->bytes_up()),
        static_cast<long long>((*proxy)->bytes_down()));
  }

  // 2. `phones` phones uploading at once.
  auto set = MakePhones(addr, proxied, *token, dir + "/many", phones, size_t(photo_kb) << 10);
  if (!set.ok()) {
    fprintf(stderr, "phones: %s\n", set.status().ToString().c_str());
    return 1;
  }
  const double rss_before = ProcMiB(server.pid, "VmRSS");
  (*proxy)->ResetCounters();
  std::vector<std::thread> threads;
  std::atomic<int> done{0}, failed{0};
  std::atomic<bool> running{true};
  double peak_rss = rss_before;
  std::thread sampler([&] {
    while (running) {
      peak_rss = std::max(peak_rss, ProcMiB(server.pid, "VmRSS"));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const auto t0 = Clock::now();
  for (auto& p : set->phones) {
    threads.emplace_back([&, c = p.get()] {
      c->SetNetworkMetered(false);
      auto r = c->Sync();
      if (r.ok() && r->attachments_uploaded == 1) {
        ++done;
      } else {
        ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  running = false;
  sampler.join();
  const double total_mb = double(phones) * photo_kb / 1024.0;
  printf(
      "%d phones at once, a %d KB photo each (%.0f MB): %d uploaded, %d failed in %.2f s, "
      "%.1f MB/s in all; %.4f bytes up per byte of photo\n",
      phones, photo_kb, total_mb, done.load(), failed.load(), s, total_mb / s,
      double((*proxy)->bytes_up()) / (total_mb * (1 << 20)));
  printf("gridsyncd RSS: %.1f MiB before, %.1f MiB peak during the uploads (VmHWM %.1f MiB)\n",
         rss_before, peak_rss, ProcMiB(server.pid, "VmHWM"));
  uint64_t blob_bytes = 0, files = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir + "/server/blobs/objects")) {
    if (e.is_regular_file()) blob_bytes += e.file_size(), ++files;
  }
  printf("blob files: %llu, %.1f MB\n", static_cast<unsigned long long>(files),
         blob_bytes / 1048576.0);
  return failed == 0 ? 0 : 1;
}
