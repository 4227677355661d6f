// SIGKILL of a process using the SDK, at random points of writing and
// syncing, many times: every write it reported before the kill reaches the
// server, each mutation exactly once.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <random>
#include <set>
#include <sstream>

#include "tests/client_sdk/sdk_test.h"

namespace gridsync::testing {
namespace {

constexpr uint64_t kSeed = 20261124;
constexpr int kTotal = 2000;
constexpr int kKills = 20;

struct Child {
  pid_t pid = -1;
  int out = -1;  // its stdout
  std::string buffered;
};

Child Spawn(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  Child c;
  c.pid = fork();
  if (c.pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(SDK_WRITER_PATH, args.data());
    _exit(127);
  }
  close(fds[1]);
  c.out = fds[0];
  return c;
}

// Reads whole lines for at most `ms` (or up to the first line when
// stop_at_line); returns false at end of output.
bool ReadLines(Child& c, int ms, std::vector<std::string>* lines, bool stop_at_line = false) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (true) {
    if (stop_at_line && c.buffered.find('\n') != std::string::npos) {
      const size_t nl = c.buffered.find('\n');
      lines->push_back(c.buffered.substr(0, nl));
      c.buffered.erase(0, nl + 1);
      return true;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          until - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return true;
    pollfd p{c.out, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[4096];
    ssize_t n = read(c.out, buf, sizeof(buf));
    if (n <= 0) return false;
    c.buffered.append(buf, n);
    if (stop_at_line) continue;
    for (size_t nl; (nl = c.buffered.find('\n')) != std::string::npos;) {
      lines->push_back(c.buffered.substr(0, nl));
      c.buffered.erase(0, nl + 1);
    }
  }
}

int Reap(Child& c, int sig) {
  if (sig != 0) kill(c.pid, sig);
  int status = 0;
  waitpid(c.pid, &status, 0);
  close(c.out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class CrashTest : public SdkTest {};

TEST_F(CrashTest, SigkillAtRandomPointsLosesAndDuplicatesNothing) {
  std::mt19937_64 rng(kSeed);
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  auto phone = NewPhone(kGridD, "王芳");
  phone.client.reset();  // the child process owns the replica
  const auto& o = phone.options;
  const std::vector<std::string> argv = {"sdk_writer",
                                         "--data",
                                         o.data_dir,
                                         "--server",
                                         o.server_address,
                                         "--device",
                                         o.device_id,
                                         "--token",
                                         o.token,
                                         "--grid",
                                         kGridD,
                                         "--total",
                                         std::to_string(kTotal),
                                         "--sync-every",
                                         "20"};

  std::map<int, std::string> reported;  // write number -> record id
  int kills = 0, during_sync = 0;
  auto note = [&](const std::vector<std::string>& lines) {
    for (const auto& l : lines) {
      std::istringstream in(l);
      std::string word, id;
      int n;
      if (in >> word >> n >> id && word == "wrote") {
        EXPECT_TRUE(reported.emplace(n, id).second) << "write " << n << " reported twice";
      }
    }
  };
  for (; kills < kKills; ++kills) {
    Child c = Spawn(argv);
    ASSERT_GT(c.pid, 0);
    std::vector<std::string> lines;
    // Half the kills land after a random number of writes, half a random
    // few hundred microseconds after a sync begins.
    const bool in_sync = rng() % 2 == 1;
    const size_t writes = 1 + rng() % 120;
    bool alive = true;
    for (int i = 0; i < 3000 && alive; ++i) {  // at most 30 s
      const size_t before = lines.size();
      alive = ReadLines(c, 10, &lines, /*stop_at_line=*/true);
      if (lines.size() == before) continue;
      if (in_sync ? lines.back() == "syncing" : lines.size() >= writes) break;
    }
    if (in_sync && alive) {
      usleep(static_cast<useconds_t>(rng() % 3000));
      ++during_sync;
    }
    Reap(c, SIGKILL);
    note(lines);
    if (!alive) break;  // it finished before the kill
  }
  // The last run finishes: every write synced.
  Child c = Spawn(argv);
  std::vector<std::string> lines;
  for (int i = 0; i < 600 && ReadLines(c, 100, &lines);) ++i;  // at most 60 s
  EXPECT_EQ(Reap(c, 0), 0);
  note(lines);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "done");
  std::cout << kills << " kills (" << during_sync << " just after a sync began), "
            << reported.size() << " writes reported\n";
  EXPECT_GE(kills, 10);

  // Server: exactly kTotal records and kTotal changes, notes n0..n{kTotal-1}.
  const auto stats = Stats();
  EXPECT_EQ(stats.records(), static_cast<uint64_t>(kTotal));
  EXPECT_EQ(stats.last_change_seq(), base_seq_ + kTotal);
  for (const auto& [n, id] : reported) {
    auto rec = GetRecord(id);
    ASSERT_TRUE(rec.has_record()) << "write " << n << " (" << id << ") never reached the server";
    EXPECT_EQ(rec.record().visit().notes(), "n" + std::to_string(n));
  }
  auto reader = NewPhone(kGridD, "李强");
  ASSERT_TRUE(reader->Sync().ok());
  std::set<std::string> notes;
  for (const auto& id : reader->List()) notes.insert(reader->Get(id)->visit().notes());
  EXPECT_EQ(notes.size(), static_cast<size_t>(kTotal));
}

}  // namespace
}  // namespace gridsync::testing
