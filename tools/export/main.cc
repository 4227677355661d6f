// gridsync-export: mirrors a county's change feed into PostgreSQL.
//
//   gridsync-export --server ADDR --token-file F --scope COUNTY_CODE
//                   [--pg CONNINFO] [--once] [--batch N] [--blobs-dir DIR]
//
// --pg is a libpq connection string ("host=127.0.0.1 dbname=county") or URI;
// without it the PG* environment variables apply. --once catches up and
// exits; the default follows the feed until SIGINT/SIGTERM. Every batch and
// the cursor it reaches go into PostgreSQL in one transaction, so a kill at
// any point and a restart give every change exactly once. With --blobs-dir,
// attachments' bytes are kept as files DIR/ab/cd/<sha256>, not in PostgreSQL.
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/common/client.h"
#include "tools/common/export_lib.h"
#include "tools/common/flags.h"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

const gridsync::tools::FlagSet& Flags() {
  static const auto* flags = new gridsync::tools::FlagSet(gridsync::tools::WithTls(
      {"gridsync-export",
       "usage: gridsync-export --server ADDR --token-file FILE --scope COUNTY_CODE [FLAGS]\n"
       "  mirrors the county's change feed into PostgreSQL, each change exactly once\n",
       {{"--server", "ADDR", "gridsyncd's gRPC address"},
        {"--token-file", "FILE", "a county_job device's token (gridsyncctl enroll)"},
        {"--scope", "COUNTY_CODE", "the county whose feed is mirrored"},
        {"--pg", "CONNINFO",
         "libpq connection string or URI (default: the PG* environment variables)"},
        {"--once", "", "catch up with the feed, then exit (default: follow until SIGTERM)"},
        {"--batch", "N", "changes per PostgreSQL transaction (2000)"},
        {"--blobs-dir", "DIR",
         "keep attachments' bytes as files DIR/ab/cd/<sha256> (written once, synced), not in "
         "PostgreSQL"}}}));
  return *flags;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gridsync::tools;
  Args args = ParseArgs(argc, argv, Flags());
  if (!args.error.empty()) return UsageError(Flags(), args.error);
  if (!args.positional.empty() || !args.Has("--server") || !args.Has("--token-file") ||
      !args.Has("--scope")) {
    return UsageError(Flags(), "--server, --token-file and --scope are needed, and no command");
  }
  ExportOptions opts;
  opts.server = args.Get("--server");
  opts.tls = TlsFromArgs(args);
  opts.scope = args.Get("--scope");
  opts.pg = args.Get("--pg");
  opts.blobs_dir = args.Get("--blobs-dir");
  opts.follow = !args.Has("--once");
  opts.progress = isatty(STDERR_FILENO);
  opts.log = !opts.progress;
  if (!absl::SimpleAtoi(args.Get("--batch", "2000"), &opts.max_batch) || opts.max_batch < 1 ||
      opts.max_batch > 100000) {
    fprintf(stderr, "gridsync-export: --batch must be 1..100000\n");
    return 2;
  }
  auto token = ReadTokenFile(args.Get("--token-file"));
  if (!token.ok()) {
    fprintf(stderr, "gridsync-export: %s\n", std::string(token.status().message()).c_str());
    return 1;
  }
  opts.token = *token;
  opts.stop = &g_stop;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  const auto t0 = std::chrono::steady_clock::now();
  auto report = RunExport(opts);
  if (!report.ok()) {
    fprintf(stderr, "gridsync-export: %s: %s\n",
            absl::StatusCodeToString(report.status().code()).c_str(),
            std::string(report.status().message()).c_str());
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // A catch-up's rate means something; a following run's wall time is mostly waiting.
  const std::string rate =
      opts.follow ? ""
                  : absl::StrFormat(" (%.0f changes/s)", report->changes / std::max(secs, 1e-9));
  printf("gridsync-export %s: %lu changes in %lu transactions, %.1f s%s; cursor %lu%s%s\n",
         opts.scope.c_str(), static_cast<unsigned long>(report->changes),
         static_cast<unsigned long>(report->transactions), secs, rate.c_str(),
         static_cast<unsigned long>(report->cursor),
         report->reconnects ? absl::StrCat(", ", report->reconnects, " reconnects").c_str() : "",
         opts.blobs_dir.empty() ? ""
                                : absl::StrCat("; ", report->blob_files, " attachment files (",
                                               report->blob_bytes, " bytes) into ", opts.blobs_dir)
                                      .c_str());
  return 0;
}
