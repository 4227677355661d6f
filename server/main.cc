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

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include "absl/strings/numbers.h"
#include "common/version.h"
#include "core/attachment.h"
#include "server/backup.h"
#include "server/blob_store.h"
#include "server/log.h"
#include "server/rocks_store.h"
#include "server/server.h"

namespace {

int Usage() {
  fprintf(stderr,
          "usage: gridsyncd init --data DIR\n"
          "       gridsyncd --data DIR --listen 127.0.0.1:PORT [--tls-cert FILE --tls-key FILE\n"
          "                 [--tls-client-ca FILE]]\n"
          "                 [--max-skew-ms N] [--refill-window-days N (30)] [--port-file FILE]\n"
          "                 [--phone-retention-days N (90)]\n"
          "                 [--metrics-listen HOST:PORT] [--min-free-mb N (64)]\n"
          "                 [--max-attachment-mb N (10)] [--attachment-quota-mb N (200 a day)]\n"
          "       gridsyncd restore --from BACKUP_DIR [--backup N] --data NEW_DIR\n"
          "       gridsyncd check --data DIR\n");
  return 2;
}

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

}  // namespace

int main(int argc, char** argv) {
  using gridsync::server::LogError;
  using gridsync::server::LogInfo;
  gridsync::server::ServerOptions opts;
  std::string port_file, restore_from;
  uint32_t restore_id = 0;
  bool init = false, restore = false, check = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--version") {
      printf("gridsyncd %s\n", gridsync::kVersion);
      return 0;
    }
  }
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "init" && i == 1) {
      init = true;
    } else if (a == "restore" && i == 1) {
      restore = true;
    } else if (a == "check" && i == 1) {
      check = true;
    } else if (a == "--from" && (v = value())) {
      restore_from = v;
    } else if (a == "--backup" && (v = value())) {
      if (!absl::SimpleAtoi(v, &restore_id) || restore_id == 0) return Usage();
    } else if (a == "--data" && (v = value())) {
      opts.data_dir = v;
    } else if (a == "--listen" && (v = value())) {
      opts.listen = v;
    } else if (a == "--tls-cert" && (v = value())) {
      opts.tls_cert_file = v;
    } else if (a == "--tls-key" && (v = value())) {
      opts.tls_key_file = v;
    } else if (a == "--tls-client-ca" && (v = value())) {
      opts.tls_client_ca_file = v;
    } else if (a == "--min-free-mb" && (v = value())) {
      uint64_t mb = 0;
      if (!absl::SimpleAtoi(v, &mb)) return Usage();
      opts.min_free_bytes = mb << 20;
    } else if (a == "--max-attachment-mb" && (v = value())) {
      int64_t mb = 0;
      if (!absl::SimpleAtoi(v, &mb) || mb < 1 ||
          mb > (gridsync::core::kMaxAttachmentBytesCeiling >> 20)) {
        fprintf(stderr, "gridsyncd: --max-attachment-mb is 1..%lld\n",
                static_cast<long long>(gridsync::core::kMaxAttachmentBytesCeiling >> 20));
        return Usage();
      }
      opts.max_attachment_bytes = mb << 20;
    } else if (a == "--attachment-quota-mb" && (v = value())) {
      int64_t mb = 0;
      if (!absl::SimpleAtoi(v, &mb) || mb < 0) return Usage();
      opts.attachment_quota_bytes = mb << 20;
    } else if (a == "--metrics-listen" && (v = value())) {
      opts.metrics_listen = v;
    } else if (a == "--port-file" && (v = value())) {
      port_file = v;
    } else if (a == "--max-skew-ms" && (v = value())) {
      if (!absl::SimpleAtoi(v, &opts.max_skew_ms) || opts.max_skew_ms < 0) return Usage();
    } else if (a == "--phone-retention-days" && (v = value())) {
      if (!absl::SimpleAtoi(v, &opts.phone_retention_days) || opts.phone_retention_days < 1 ||
          opts.phone_retention_days > 3650) {
        return Usage();
      }
    } else if (a == "--refill-window-days" && (v = value())) {
      int days = 0;
      if (!absl::SimpleAtoi(v, &days) || days < 0 || days > 3650) return Usage();
      opts.refill_window_ms = int64_t{days} * 86400 * 1000;
    } else {
      fprintf(stderr, "gridsyncd: unknown or incomplete argument '%s'\n", a.c_str());
      return Usage();
    }
  }
  if (opts.data_dir.empty()) return Usage();

  if (check) {
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
  if (restore) {
    if (restore_from.empty()) return Usage();
    if (auto st = gridsync::server::RestoreBackup(restore_from, restore_id, opts.data_dir);
        !st.ok()) {
      LogError("restore: ", st.message());
      return 1;
    }
    printf(
        "restored %s into %s; start gridsyncd --data %s (the admin token is the one of the "
        "store that was backed up)\n",
        restore_id == 0 ? "the newest backup" : ("backup " + std::to_string(restore_id)).c_str(),
        opts.data_dir.c_str(), opts.data_dir.c_str());
    return 0;
  }
  if (init) {
    auto st = gridsync::server::InitDataDir(opts.data_dir);
    if (!st.ok()) {
      LogError("init: ", st.message());
      return 1;
    }
    printf("initialized %s; admin token in %s/admin.token\n", opts.data_dir.c_str(),
           opts.data_dir.c_str());
    return 0;
  }

  RaiseDescriptorLimit();
  // Signals go to one thread that waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto server = gridsync::server::GridSyncServer::Start(opts);
  if (!server.ok()) {
    LogError(server.status().message());
    return 1;
  }
  if (!port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << (*server)->port() << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  int sig = 0;
  sigwait(&set, &sig);
  LogInfo("received ", strsignal(sig), "; draining");
  (*server)->Shutdown();
  return 0;
}
