// gridsyncd as a child process, for tests that kill it.
#ifndef GRIDSYNC_TESTS_SERVER_SERVER_PROCESS_H_
#define GRIDSYNC_TESTS_SERVER_SERVER_PROCESS_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace gridsync::testing {

// Runs a program; returns its exit code (or 128+signal), stdout in *out
// (and stderr too with `with_stderr`).
inline int RunCommand(const std::vector<std::string>& argv, std::string* out = nullptr,
                      bool with_stderr = false) {
  std::string cmd;
  for (const auto& a : argv) cmd += "'" + a + "' ";
  cmd += with_stderr ? "2>&1" : "2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
    if (out) out->append(buf, n);
  }
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class ServerProcess {
 public:
  explicit ServerProcess(std::string data_dir, std::vector<std::string> extra_args = {})
      : dir_(std::move(data_dir)), extra_(std::move(extra_args)) {}
  ~ServerProcess() {
    if (pid_ > 0) Kill(SIGKILL);
  }

  // Starts gridsyncd on 127.0.0.1:0 and waits (bounded) for its port.
  bool Start() {
    const std::string port_file = dir_ + ".port";
    unlink(port_file.c_str());
    pid_ = fork();
    if (pid_ == 0) {
      const std::string log = dir_ + ".log";
      freopen(log.c_str(), "a", stderr);
      std::vector<std::string> args = {"gridsyncd",   "--data",      dir_,     "--listen",
                                       "127.0.0.1:0", "--port-file", port_file};
      args.insert(args.end(), extra_.begin(), extra_.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(GRIDSYNCD_PATH, argv.data());
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // at most 10 s
      std::ifstream in(port_file);
      if (in >> port_ && port_ > 0) return true;
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // Sends `sig` and reaps; returns the exit code, or 128+signal.
  int Kill(int sig) {
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::string dir_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace gridsync::testing

#endif  // GRIDSYNC_TESTS_SERVER_SERVER_PROCESS_H_
