// gridsyncd: the sync server.
//
//   gridsyncd init --data DIR
//   gridsyncd --data DIR --listen 127.0.0.1:PORT [--tls-cert F --tls-key F]
//             [--max-skew-ms N] [--port-file F]
//   gridsyncd check --data DIR   (the server stopped) checksums and invariants; exit 1 on a problem
//   gridsyncd restore --from BACKUP_DIR [--backup N] --data NEW_DIR
//             (a backup made by gridsyncctl backup; the newest unless --backup)
//
// SIGTERM or SIGINT: stop accepting, finish running calls, close the store,
// exit 0.
#include <signal.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/version.h"
#include "core/attachment.h"
#include "server/backup.h"
#include "server/blob_store.h"
#include "server/log.h"
#include "server/rocks_store.h"
#include "server/server.h"
#include "tools/common/flags.h"

namespace {

const gridsync::tools::FlagSet& Flags() {
  static const auto* flags = new gridsync::tools::FlagSet{
      "gridsyncd",
      "usage: gridsyncd --data DIR --listen HOST:PORT [FLAGS]     serve\n"
      "       gridsyncd init --data DIR        a new store; the admin token in DIR/admin.token\n"
      "       gridsyncd check --data DIR       (server stopped) checksums and invariants; exit 1\n"
      "                                        on a problem\n"
      "       gridsyncd restore --from BACKUP_DIR [--backup N] --data NEW_DIR\n"
      "                                        a backup made by gridsyncctl backup (the newest\n"
      "                                        unless --backup)\n"
      "SIGTERM or SIGINT: stop accepting, finish running calls, close the store, exit 0.\n",
      {{"--data", "DIR", "the store (RocksDB, attachments, admin token)"},
       {"--listen", "HOST:PORT",
        "the gRPC address (127.0.0.1:7443; port 0: any free one, see --port-file)"},
       {"--port-file", "FILE", "write the port once listening"},
       {"--tls-cert", "FILE", "TLS: the server's certificate chain (PEM)"},
       {"--tls-key", "FILE", "TLS: its key (PEM)"},
       {"--tls-client-ca", "FILE",
        "TLS: ask county logins for a client certificate signed by this CA (PEM)"},
       {"--max-skew-ms", "N", "refuse writes stamped further than N ms ahead of the server"},
       {"--refill-window-days", "N", "how far back a restored phone may refill, 0..3650 (30)"},
       {"--phone-retention-days", "N", "what a phone keeps of closed work, 1..3650 (90)"},
       {"--metrics-listen", "HOST:PORT", "serve Prometheus metrics over HTTP here"},
       {"--min-free-mb", "N", "refuse writes when the disk has less free (64)"},
       {"--max-attachment-mb", "N", "the largest photo or file accepted (10)"},
       {"--attachment-quota-mb", "N", "attachment bytes a device may upload a day (200)"},
       {"--from", "BACKUP_DIR", "restore: the backups' folder"},
       {"--backup", "N", "restore: which backup (the newest)"}}};
  return *flags;
}

int Usage(const std::string& error) { return gridsync::tools::UsageError(Flags(), error); }

// Every phone holds a connection, a descriptor each: 10,000 phones need more
// than the 1,024 a shell or a container often allows by default. Raises the
// soft limit to the hard one (packaging/gridsyncd.service sets 65,536) and
// says so when what is left is low.
void RaiseDescriptorLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  if (lim.rlim_cur < 16384) {
    gridsync::server::LogInfo("open descriptors are limited to ", lim.rlim_cur,
                              ": about as many phones can hold a connection at once (raise "
                              "LimitNOFILE / ulimit -n for more)");
  }
}

// A count flag in [lo, hi]; `dflt` when absent.
absl::StatusOr<int64_t> Count(const gridsync::tools::Args& args, const std::string& flag,
                              int64_t dflt, int64_t lo, int64_t hi) {
  int64_t v = dflt;
  if (args.Has(flag) && (!absl::SimpleAtoi(args.Get(flag), &v) || v < lo || v > hi)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " is a whole number from ", lo, " to ", hi));
  }
  return v;
}

// The server's options from its flags.
absl::StatusOr<gridsync::server::ServerOptions> OptionsOf(const gridsync::tools::Args& args) {
  gridsync::server::ServerOptions o;
  o.data_dir = args.Get("--data");
  o.listen = args.Get("--listen", o.listen);
  o.tls_cert_file = args.Get("--tls-cert");
  o.tls_key_file = args.Get("--tls-key");
  o.tls_client_ca_file = args.Get("--tls-client-ca");
  o.metrics_listen = args.Get("--metrics-listen");
  constexpr int64_t kCeilingMb = gridsync::core::kMaxAttachmentBytesCeiling >> 20;
  auto min_free = Count(args, "--min-free-mb", o.min_free_bytes >> 20, 0, int64_t{1} << 30);
  auto max_attachment =
      Count(args, "--max-attachment-mb", o.max_attachment_bytes >> 20, 1, kCeilingMb);
  auto quota =
      Count(args, "--attachment-quota-mb", o.attachment_quota_bytes >> 20, 0, int64_t{1} << 30);
  auto skew = Count(args, "--max-skew-ms", o.max_skew_ms, 0, int64_t{1} << 40);
  auto retention = Count(args, "--phone-retention-days", o.phone_retention_days, 1, 3650);
  auto refill = Count(args, "--refill-window-days", o.refill_window_ms / 86400000, 0, 3650);
  for (const auto* v : {&min_free, &max_attachment, &quota, &skew, &retention, &refill}) {
    if (!v->ok()) return v->status();
  }
  o.min_free_bytes = static_cast<uint64_t>(*min_free) << 20;
  o.max_attachment_bytes = *max_attachment << 20;
  o.attachment_quota_bytes = *quota << 20;
  o.max_skew_ms = *skew;
  o.phone_retention_days = static_cast<int>(*retention);
  o.refill_window_ms = *refill * 86400 * 1000;
  return o;
}

// gridsyncd check: the store's tables, change log and coverage, and every
// attachment hashed against its name. 0 when nothing is wrong.
int CheckCommand(const gridsync::server::ServerOptions& opts) {
  using gridsync::server::LogError;
  auto store = gridsync::server::RocksStore::Open(opts.data_dir, {});
  if (!store.ok()) {
    LogError("check: ", store.status().message());
    return 1;
  }
  auto problems = (*store)->Check();
  if (!problems.ok()) {
    LogError("check: ", problems.status().message());
    return 1;
  }
  // Attachments: every file hashed against its name.
  auto blobs = gridsync::server::BlobStore::Open(opts.data_dir + "/blobs", {});
  gridsync::server::BlobStore::Verified verified;
  if (blobs.ok()) verified = (*blobs)->VerifyAll();
  if (!blobs.ok()) problems->push_back(std::string(blobs.status().message()));
  problems->insert(problems->end(), verified.problems.begin(), verified.problems.end());
  for (const auto& p : *problems) printf("PROBLEM: %s\n", p.c_str());
  auto over = (*store)->RecordsOverLimits();
  if (!over.ok()) {
    LogError("check: ", over.status().message());
    return 1;
  }
  // Not a problem of the store: readers get these trimmed to the limits.
  for (const auto& o : *over) printf("OVER LIMITS (sent trimmed to readers): %s\n", o.c_str());
  const auto stats = (*store)->Stats();
  printf("%s: %s; %llu records, %llu changes, %llu attachments (%llu bytes)\n",
         opts.data_dir.c_str(),
         problems->empty() ? "ok (table checksums, change log gap-free, coverage = records, "
                             "attachments = their hashes)"
                           : "PROBLEMS FOUND",
         static_cast<unsigned long long>(stats.ok() ? stats->records : 0),
         static_cast<unsigned long long>((*store)->LastChangeSeq()),
         static_cast<unsigned long long>(verified.files),
         static_cast<unsigned long long>(verified.bytes));
  return problems->empty() ? 0 : 1;
}

// gridsyncd restore: backup `id` (0: the newest) of `from` into the data
// folder.
int RestoreCommand(const gridsync::server::ServerOptions& opts, const std::string& restore_from,
                   uint32_t restore_id) {
  if (restore_from.empty()) return Usage("restore needs --from BACKUP_DIR");
  if (auto st = gridsync::server::RestoreBackup(restore_from, restore_id, opts.data_dir);
      !st.ok()) {
    gridsync::server::LogError("restore: ", st.message());
    return 1;
  }
  printf(
      "restored %s into %s; start gridsyncd --data %s (the admin token is the one of the "
      "store that was backed up)\n",
      restore_id == 0 ? "the newest backup" : ("backup " + std::to_string(restore_id)).c_str(),
      opts.data_dir.c_str(), opts.data_dir.c_str());
  return 0;
}

int InitCommand(const gridsync::server::ServerOptions& opts) {
  auto st = gridsync::server::InitDataDir(opts.data_dir);
  if (!st.ok()) {
    gridsync::server::LogError("init: ", st.message());
    return 1;
  }
  printf("initialized %s; admin token in %s/admin.token\n", opts.data_dir.c_str(),
         opts.data_dir.c_str());
  return 0;
}

// Serves until SIGTERM or SIGINT, then drains.
int Serve(const gridsync::server::ServerOptions& opts, const std::string& port_file) {
  RaiseDescriptorLimit();
  // Signals go to one thread that waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  sd_notify(0, "STATUS=opening the store");
  auto server = gridsync::server::GridSyncServer::Start(opts);
  if (!server.ok()) {
    gridsync::server::LogError(server.status().message());
    return 1;
  }
  if (!port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << (*server)->port() << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  // systemd (Type=notify): started once the store is open and the port bound.
  // Without NOTIFY_SOCKET (not under systemd) these do nothing.
  sd_notifyf(0, "READY=1\nSTATUS=serving on port %d", (*server)->port());
  int sig = 0;
  sigwait(&set, &sig);
  gridsync::server::LogInfo("received ", strsignal(sig), "; draining");
  sd_notify(0, "STOPPING=1\nSTATUS=draining");
  (*server)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const gridsync::tools::Args args = gridsync::tools::ParseArgs(argc, argv, Flags());
  if (!args.error.empty()) return Usage(args.error);
  const std::string command = args.positional.empty() ? "" : args.positional[0];
  if (args.positional.size() > 1 ||
      (command != "" && command != "init" && command != "check" && command != "restore")) {
    return Usage("the commands are init, check and restore");
  }
  auto opts = OptionsOf(args);
  if (!opts.ok()) return Usage(std::string(opts.status().message()));
  if (opts->data_dir.empty()) return Usage("--data is needed");
  uint32_t restore_id = 0;
  if (args.Has("--backup") &&
      (!absl::SimpleAtoi(args.Get("--backup"), &restore_id) || restore_id == 0)) {
    return Usage("--backup is a backup's number, from 1");
  }
  if (command == "check") return CheckCommand(*opts);
  if (command == "restore") return RestoreCommand(*opts, args.Get("--from"), restore_id);
  if (command == "init") return InitCommand(*opts);
  return Serve(*opts, args.Get("--port-file"));
}
