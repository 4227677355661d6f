// The HTTP side of the metrics: GET /metrics on its own address
// (gridsyncd --metrics-listen), answered with the page a callback renders.
// Served by Debian's cpp-httplib with a pool of kThreads threads and a 2 s
// read timeout: a slow or hostile client holds at most one of them, so
// scrapes go on.
#ifndef GRIDSYNC_SERVER_METRICS_HTTP_H_
#define GRIDSYNC_SERVER_METRICS_HTTP_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace gridsync::server {

class MetricsEndpoint {
 public:
  static constexpr int kThreads = 8;

  // Listens on `addr` ("host:port"; port 0 picks one) and serves `page`
  // (called per request, from a pool thread) at /metrics.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(const std::string& addr,
                                                                std::function<std::string()> page);
  ~MetricsEndpoint();  // stops serving and closes the socket

  int port() const { return port_; }

 private:
  MetricsEndpoint() = default;

  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_METRICS_HTTP_H_
