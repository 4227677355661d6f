#include "server/metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <cmath>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/version.h"

namespace gridsync::server {
namespace {

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return absl::StrFormat("%.10g", v);
}

std::string Joined(absl::string_view a, absl::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  return absl::StrCat(a, ",", b);
}

std::string Braced(absl::string_view labels) {
  return labels.empty() ? "" : absl::StrCat("{", labels, "}");
}

// Label values are method names, code names and fixed words: nothing to
// escape but what the format reserves.
std::string Escaped(absl::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(Metrics* metrics, std::string method)
      : metrics_(metrics), method_(std::move(method)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      start_ = std::chrono::steady_clock::now();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      // gRPC's codes are absl's, number for number.
      const auto code = static_cast<absl::StatusCode>(methods->GetSendStatus().error_code());
      metrics_->ObserveRpc(method_, absl::StatusCodeToString(code), seconds);
    }
    methods->Proceed();
  }

 private:
  Metrics* metrics_;
  std::string method_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(Metrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(metrics_, info->method() ? info->method() : "unknown");
  }

 private:
  Metrics* metrics_;
};

}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  if (bounds_.size() > kMaxBuckets) bounds_.resize(kMaxBuckets);
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double sum = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(sum, sum + v, std::memory_order_relaxed)) {
  }
}

void Histogram::Render(absl::string_view name, absl::string_view labels, std::string* out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    const std::string le =
        absl::StrCat("le=\"", i < bounds_.size() ? Number(bounds_[i]) : "+Inf", "\"");
    absl::StrAppend(out, name, "_bucket", Braced(Joined(labels, le)), " ", cumulative, "\n");
  }
  absl::StrAppend(out, name, "_sum", Braced(labels), " ",
                  Number(sum_.load(std::memory_order_relaxed)), "\n");
  absl::StrAppend(out, name, "_count", Braced(labels), " ", count_.load(std::memory_order_relaxed),
                  "\n");
}

std::vector<double> LatencyBounds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void Metrics::ObserveRpc(const std::string& method, absl::string_view code, double seconds) {
  Rpc* rpc;
  {
    absl::MutexLock lock(&mu_);
    auto& slot = rpcs_[method];
    if (!slot) slot = std::make_unique<Rpc>();
    rpc = slot.get();
    ++rpc->by_code[std::string(code)];
  }
  rpc->latency.Observe(seconds);
}

void Metrics::CountMutations(absl::string_view outcome, absl::string_view code, uint64_t n) {
  if (n == 0) return;
  absl::MutexLock lock(&mu_);
  mutations_[{std::string(outcome), std::string(code)}] += n;
}

std::string Metrics::Render(const std::vector<Sample>& samples) const {
  std::string out;
  absl::MutexLock lock(&mu_);
  absl::StrAppend(&out,
                  "# HELP gridsync_build_info The release this server runs.\n"
                  "# TYPE gridsync_build_info gauge\n"
                  "gridsync_build_info{version=\"",
                  kVersion, "\"} 1\n");
  absl::StrAppend(&out,
                  "# HELP gridsync_rpc_requests_total RPCs answered, by method and status code.\n"
                  "# TYPE gridsync_rpc_requests_total counter\n");
  for (const auto& [method, rpc] : rpcs_) {
    for (const auto& [code, n] : rpc->by_code) {
      absl::StrAppend(&out, "gridsync_rpc_requests_total{method=\"", Escaped(method), "\",code=\"",
                      code, "\"} ", n, "\n");
    }
  }
  absl::StrAppend(&out,
                  "# HELP gridsync_rpc_duration_seconds Time from a call's arrival to its "
                  "status, by method.\n"
                  "# TYPE gridsync_rpc_duration_seconds histogram\n");
  for (const auto& [method, rpc] : rpcs_) {
    rpc->latency.Render("gridsync_rpc_duration_seconds",
                        absl::StrCat("method=\"", Escaped(method), "\""), &out);
  }
  absl::StrAppend(&out,
                  "# HELP gridsync_mutations_total Pushed mutations by outcome (and a "
                  "rejection's code).\n"
                  "# TYPE gridsync_mutations_total counter\n");
  for (const auto& [key, n] : mutations_) {
    absl::StrAppend(&out, "gridsync_mutations_total{outcome=\"", key.first, "\"",
                    key.second.empty() ? "" : absl::StrCat(",code=\"", key.second, "\""), "} ", n,
                    "\n");
  }
  std::string last_name;
  for (const Sample& g : samples) {
    if (g.name != last_name) {
      absl::StrAppend(&out, "# HELP ", g.name, " ", g.help, "\n# TYPE ", g.name,
                      g.counter ? " counter\n" : " gauge\n");
      last_name = g.name;
    }
    absl::StrAppend(&out, g.name, Braced(g.labels), " ", Number(g.value), "\n");
  }
  return out;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewMetricsInterceptor(
    Metrics* metrics) {
  return std::make_unique<MetricsInterceptorFactory>(metrics);
}

std::vector<Sample> ProcessSamples() {
  std::vector<Sample> out;
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0, resident_pages = 0;
  if (statm >> size_pages >> resident_pages) {
    out.push_back({"process_resident_memory_bytes", "Resident memory of gridsyncd.", "",
                   static_cast<double>(resident_pages * sysconf(_SC_PAGESIZE))});
  }
  if (DIR* d = opendir("/proc/self/fd")) {
    int n = 0;
    while (readdir(d) != nullptr) ++n;
    closedir(d);
    out.push_back({"process_open_fds", "Open file descriptors of gridsyncd.", "",
                   static_cast<double>(n - 3)});  // ".", ".." and the one reading
  }
  return out;
}

}  // namespace gridsync::server
