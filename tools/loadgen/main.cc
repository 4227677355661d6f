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
#include "tools/loadgen/loadgen_lib.h"

int main(int argc, char** argv) {
  using namespace gridsync::tools;
  Args args = ParseArgs(
      argc, argv,
      WithTls({.values = {"--acked-log", "--batch", "--conflict-rate", "--data-dir", "--devices",
                          "--phone-fsync", "--pull-every", "--records-per-device", "--seed",
                          "--server", "--threads", "--token-file"},
               .switches = {}}));
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
    fprintf(stderr,
            "usage: gridsync-loadgen --server ADDR --token-file ADMIN_TOKEN_FILE --devices N "
            "--records-per-device M [--conflict-rate P] [--acked-log FILE] [--batch B] "
            "[--threads T] [--seed S] [--pull-every N] [--data-dir DIR] [--phone-fsync 0|1] "
            "[TLS]\n%s%s\n",
            kTlsUsage, args.error.c_str());
    return 2;
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
