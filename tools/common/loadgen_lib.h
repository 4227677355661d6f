// The load generator: simulated phones, each an SDK replica (client_sdk/),
// that work offline and sync in batches.
#ifndef GRIDSYNC_TOOLS_COMMON_LOADGEN_LIB_H_
#define GRIDSYNC_TOOLS_COMMON_LOADGEN_LIB_H_

#include <string>

#include "absl/status/statusor.h"
#include "tools/common/client.h"

namespace gridsync::tools {

struct LoadgenConfig {
  std::string server;
  TlsFiles tls;
  std::string admin_token;
  int devices = 10;
  int records_per_device = 100;
  double conflict_rate = 0.05;  // share of records that also edit a shared case
  int batch = 100;              // mutations per push
  int threads = 16;             // concurrent phones
  int pull_every = 4;           // pull after every N pushes; 0: never (pure ingest)
  std::string acked_log;        // one acknowledged record id a line
  std::string data_dir;         // phones' SDK replicas; empty: a temporary folder
  bool phone_fsync = true;      // SDK durable_writes; off to measure the server alone
  uint64_t seed = 1;
  bool quiet = false;
};

struct LoadgenReport {
  int devices = 0;
  long records_acked = 0;
  long mutations_sent = 0;
  long mutations_applied = 0;
  long rejected = 0;
  long pushes = 0;
  double seconds = 0;
  double records_per_second = 0;
  double mutations_per_second = 0;
  double push_p50_ms = 0, push_p99_ms = 0;
  long shared_case_edits = 0;
  std::string first_rejection;  // the server's message, if any

  std::string Summary() const;  // one line with records/s, p50 and p99
};

absl::StatusOr<LoadgenReport> RunLoadgen(const LoadgenConfig& cfg);

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_LOADGEN_LIB_H_
