// The HTTP side of the metrics: GET /metrics on its own address
// (gridsyncd --metrics-listen), answered with the page a callback renders.
// One connection at a time, each bounded (2 s to send a request of at most
// 8 KiB): enough for a Prometheus scraper, nothing a client can hold open.
#ifndef GRIDSYNC_SERVER_METRICS_HTTP_H_
#define GRIDSYNC_SERVER_METRICS_HTTP_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace gridsync::server {

class MetricsEndpoint {
 public:
  // Listens on `addr` ("host:port"; port 0 picks one) and serves `page`
  // (called per request, from the endpoint's thread) at /metrics.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(const std::string& addr,
                                                                std::function<std::string()> page);
  ~MetricsEndpoint();  // stops serving (within 200 ms) and closes the socket

  int port() const { return port_; }

 private:
  MetricsEndpoint() = default;
  void Serve();
  void Answer(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::function<std::string()> page_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_METRICS_HTTP_H_
