// A TCP proxy on 127.0.0.1 for tests and benchmarks: it counts the bytes a
// client and server exchange (what a phone pays for on mobile data) and can
// cut connections, at once or after some bytes, to make a network that
// fails in the middle of a call.
#ifndef GRIDSYNC_TOOLS_COMMON_TCP_PROXY_H_
#define GRIDSYNC_TOOLS_COMMON_TCP_PROXY_H_

#include <atomic>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace gridsync::tools {

class TcpProxy {
 public:
  // Listens on 127.0.0.1 on an ephemeral port, forwarding to
  // 127.0.0.1:target_port.
  static absl::StatusOr<std::unique_ptr<TcpProxy>> Start(int target_port);
  ~TcpProxy();

  int port() const { return port_; }
  // New connections go to this port (a restarted server).
  void set_target(int port) { target_port_ = port; }
  // Every connection is cut once it has carried this many bytes (both
  // directions); 0 never cuts.
  void set_cut_after_bytes(int64_t n) { cut_after_ = n; }
  // Cuts every open connection now.
  void CutAll();
  // While refusing, new connections are closed at once (no network).
  void set_refuse(bool refuse) { refuse_ = refuse; }

  int64_t bytes_up() const { return bytes_up_; }      // client -> server
  int64_t bytes_down() const { return bytes_down_; }  // server -> client
  int64_t connections() const { return connections_; }
  int64_t cuts() const { return cuts_; }
  void ResetCounters() { bytes_up_ = bytes_down_ = 0; }

 private:
  TcpProxy() = default;
  void AcceptLoop();
  void Pump(int client_fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> target_port_{0};
  std::atomic<int64_t> cut_after_{0};
  std::atomic<bool> refuse_{false};
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> bytes_up_{0}, bytes_down_{0}, connections_{0}, cuts_{0};
  absl::Mutex mu_;
  std::set<int> open_fds_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> pumps_ ABSL_GUARDED_BY(mu_);
  std::thread acceptor_;
};

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_TCP_PROXY_H_
