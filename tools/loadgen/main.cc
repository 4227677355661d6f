// gridsync-loadgen --server ADDR --token-file ADMIN_TOKEN_FILE --devices N
//     --records-per-device M [--conflict-rate P] [--acked-log FILE]
//     [--batch B] [--threads T] [--seed S] [--pull-every N] [--data-dir DIR]
//     [--phone-fsync 0|1]
//
// Every simulated phone is a client SDK replica (client_sdk/) in DIR (by
// default a temporary folder, removed at the end). --phone-fsync 0 turns off the
// phones' per-write WAL sync, to measure the server rather than the phones.
#include <algorithm>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "tools/common/client.h"
#include "tools/common/flags.h"
#include "tools/common/loadgen_lib.h"

int main(int argc, char** argv) {
  using namespace gridsync::tools;
  const FlagSet flags = WithTls(
      {"gridsync-loadgen",
       "usage: gridsync-loadgen --server ADDR --token-file ADMIN_TOKEN_FILE [FLAGS]\n"
       "  simulated phones, each a client SDK replica, pushing and pulling visits; prints\n"
       "  records/s and push latency percentiles; exit 3 when the server rejected any\n",
       {{"--server", "ADDR", "gridsyncd's gRPC address"},
        {"--token-file", "FILE", "the admin token (enrolls the phones)"},
        {"--devices", "N", "phones (10)"},
        {"--records-per-device", "M", "visits each phone records (100)"},
        {"--conflict-rate", "P", "the share of writes that edit another phone's record (0.05)"},
        {"--acked-log", "FILE", "append the id of every record the server acknowledged"},
        {"--batch", "B", "mutations per push (100)"},
        {"--threads", "T", "phones working at once (32)"},
        {"--seed", "S", "the random seed (1)"},
        {"--pull-every", "N", "pull after every N pushes (4)"},
        {"--data-dir", "DIR", "the phones' replicas (default: a temporary folder, removed)"},
        {"--phone-fsync", "0|1", "0: no WAL sync on the phones, to measure the server (1)"}}});
  Args args = ParseArgs(argc, argv, flags);
  LoadgenConfig cfg;
  cfg.server = args.Get("--server");
  cfg.tls = TlsFromArgs(args);
  bool ok = args.error.empty() && !cfg.server.empty() && args.Has("--token-file") &&
            absl::SimpleAtoi(args.Get("--devices", "10"), &cfg.devices) &&
            absl::SimpleAtoi(args.Get("--records-per-device", "100"), &cfg.records_per_device) &&
            absl::SimpleAtod(args.Get("--conflict-rate", "0.05"), &cfg.conflict_rate) &&
            absl::SimpleAtoi(args.Get("--batch", "100"), &cfg.batch) &&
            absl::SimpleAtoi(args.Get("--threads", "32"), &cfg.threads) &&
            absl::SimpleAtoi(args.Get("--seed", "1"), &cfg.seed) &&
            absl::SimpleAtoi(args.Get("--pull-every", "4"), &cfg.pull_every);
  if (!ok) {
    return UsageError(flags, args.error.empty() ? "--server and --token-file are needed, and "
                                                  "numbers as numbers"
                                                : args.error);
  }
  auto token = ReadTokenFile(args.Get("--token-file"));
  if (!token.ok()) {
    fprintf(stderr, "gridsync-loadgen: %s\n", std::string(token.status().message()).c_str());
    return 1;
  }
  cfg.admin_token = *token;
  cfg.acked_log = args.Get("--acked-log");
  cfg.data_dir = args.Get("--data-dir");
  cfg.phone_fsync = args.Get("--phone-fsync", "1") != "0";
  auto report = RunLoadgen(cfg);
  if (!report.ok()) {
    fprintf(stderr, "gridsync-loadgen: %s\n", report.status().ToString().c_str());
    return 1;
  }
  if (!report->first_rejection.empty()) {
    fprintf(stderr, "gridsync-loadgen: first rejection: %s\n", report->first_rejection.c_str());
  }
  printf("%s\n", report->Summary().c_str());
  return report->rejected == 0 ? 0 : 3;
}
