// What gridsyncd counts for an operator, exposed in Prometheus' text format
// (gridsyncd --metrics-listen; server/metrics_http.h serves it).
//
// Histograms are lock-free (relaxed atomic adds); counters keyed by labels
// (an RPC's method and code, a mutation's outcome) are counted under one
// mutex, held for a map lookup and an add. Gauges (feed lag, RocksDB, the process) are read when
// the page is asked for, by the callbacks given to Render.
#ifndef GRIDSYNC_SERVER_METRICS_H_
#define GRIDSYNC_SERVER_METRICS_H_

#include <grpcpp/support/server_interceptor.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace gridsync::server {

// A histogram with fixed upper bounds, cumulative when rendered.
class Histogram {
 public:
  // REQUIRES: `bounds` ascending, at most kMaxBuckets of them.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Appends the _bucket, _sum and _count lines of `name` with `labels`
  // (`key="value",...` or empty).
  void Render(absl::string_view name, absl::string_view labels, std::string* out) const;

  static constexpr size_t kMaxBuckets = 16;

 private:
  std::vector<double> bounds_;
  std::array<std::atomic<uint64_t>, kMaxBuckets + 1> counts_{};  // the last: +Inf only
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Bounds in seconds, for RPCs and disk writes (0.5 ms to 10 s).
std::vector<double> LatencyBounds();

// One line of a page: a name, its help, its labels and value; a gauge (a
// value now) unless `counter` (a running total since the process started,
// its name ending in _total).
struct Sample {
  std::string name, help, labels;  // labels: `key="value",...` or empty
  double value = 0;
  bool counter = false;
};

class Metrics {
 public:
  // An RPC that ended with `code` (a grpc::StatusCode name) after `seconds`.
  void ObserveRpc(const std::string& method, absl::string_view code, double seconds);
  // Mutations of pushes by outcome ("applied", "duplicate", "rejected",
  // "seq_reused"), and a rejection's code.
  void CountMutations(absl::string_view outcome, absl::string_view code, uint64_t n);

  // The whole page: the counters and histograms here, then `samples`.
  std::string Render(const std::vector<Sample>& samples) const;

 private:
  struct Rpc {
    std::map<std::string, uint64_t> by_code;  // guarded by mu_
    Histogram latency{LatencyBounds()};
  };
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Rpc>> rpcs_ ABSL_GUARDED_BY(mu_);  // by method
  std::map<std::pair<std::string, std::string>, uint64_t> mutations_ ABSL_GUARDED_BY(mu_);
};

// Counts every RPC of the server it is installed in (its method, status
// code and time) into `metrics`.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewMetricsInterceptor(
    Metrics* metrics);

// Process figures from /proc: resident memory and open file descriptors.
std::vector<Sample> ProcessSamples();

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_METRICS_H_
