#include "tools/common/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace gridsync::tools {
namespace {

constexpr int kPollMs = 100;  // how often loops look at stop_

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TcpProxy>> TcpProxy::Start(int target_port) {
  std::unique_ptr<TcpProxy> p(new TcpProxy());
  p->target_port_ = target_port;
  p->listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (p->listen_fd_ < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  sockaddr_in a = Loopback(0);
  if (bind(p->listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      listen(p->listen_fd_, 64) != 0) {
    return absl::InternalError(absl::StrCat("bind/listen: ", strerror(errno)));
  }
  socklen_t len = sizeof(a);
  getsockname(p->listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  p->port_ = ntohs(a.sin_port);
  p->acceptor_ = std::thread([raw = p.get()] { raw->AcceptLoop(); });
  return p;
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  CutAll();
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> pumps;
  {
    absl::MutexLock lock(&mu_);
    pumps.swap(pumps_);
  }
  for (auto& t : pumps) t.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

void TcpProxy::CutAll() {
  absl::MutexLock lock(&mu_);
  for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
}

void TcpProxy::AcceptLoop() {
  while (!stop_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (poll(&pfd, 1, kPollMs) <= 0) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    if (refuse_) {
      close(fd);
      continue;
    }
    ++connections_;
    absl::MutexLock lock(&mu_);
    pumps_.emplace_back([this, fd] { Pump(fd); });
  }
}

void TcpProxy::Pump(int client_fd) {
  int server_fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = Loopback(target_port_);
  if (server_fd < 0 || connect(server_fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    if (server_fd >= 0) close(server_fd);
    close(client_fd);
    return;
  }
  const int one = 1;
  setsockopt(client_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  setsockopt(server_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  {
    absl::MutexLock lock(&mu_);
    open_fds_.insert(client_fd);
    open_fds_.insert(server_fd);
  }
  int64_t carried = 0;
  char buf[16384];
  bool open = true;
  while (open && !stop_) {
    pollfd pfds[2] = {{client_fd, POLLIN, 0}, {server_fd, POLLIN, 0}};
    if (poll(pfds, 2, kPollMs) <= 0) continue;
    for (int i = 0; i < 2 && open; ++i) {
      if ((pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const int from = i == 0 ? client_fd : server_fd;
      const int to = i == 0 ? server_fd : client_fd;
      ssize_t n = read(from, buf, sizeof(buf));
      if (n <= 0) {
        open = false;
        break;
      }
      const int64_t limit = cut_after_;
      if (limit > 0 && carried + n >= limit) {  // forward part, then cut mid-stream
        n = std::max<ssize_t>(0, limit - carried);
        ++cuts_;
        open = false;
      }
      for (ssize_t off = 0; off < n;) {
        // MSG_NOSIGNAL: a peer that closed (a server being restarted) is an
        // error here, not a SIGPIPE that kills the process.
        ssize_t w = send(to, buf + off, n - off, MSG_NOSIGNAL);
        if (w <= 0) {
          open = false;
          break;
        }
        off += w;
      }
      carried += n;
      (i == 0 ? bytes_up_ : bytes_down_) += n;
    }
  }
  absl::MutexLock lock(&mu_);
  open_fds_.erase(client_fd);
  open_fds_.erase(server_fd);
  close(client_fd);
  close(server_fd);
}

}  // namespace gridsync::tools
