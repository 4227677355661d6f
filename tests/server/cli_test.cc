// The exact command forms of the sync-server issue, run as a person would.
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "server/server.h"
#include "tests/server/server_process.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {

TEST(Cli, InitImportEnrollLoadgenVerifyAndDrain) {
  const std::string dir = TempDir("cli");
  std::string out;
  ASSERT_EQ(RunCommand({GRIDSYNCD_PATH, "init", "--data", dir}, &out), 0);
  const std::string token_file = dir + "/admin.token";
  EXPECT_EQ(std::filesystem::status(token_file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_NE(RunCommand({GRIDSYNCD_PATH, "init", "--data", dir}), 0);  // never over existing data

  ServerProcess proc(dir);
  ASSERT_TRUE(proc.Start());
  const std::string addr = proc.addr();
  const std::string ctl = GRIDSYNCCTL_PATH;
  out.clear();
  EXPECT_EQ(RunCommand({ctl, "--server", addr, "health"}, &out), 0);  // grpc.health.v1
  EXPECT_EQ(out, "SERVING\n");
  const std::string csv = std::string(GRIDSYNC_SHARED_DATA) + "/henan-zhengzhou-dengfeng-towns.csv";
  out.clear();
  ASSERT_EQ(RunCommand({ctl, "--server", addr, "--token-file", token_file, "import-org", csv}, &out), 0);
  EXPECT_TRUE(absl::StrContains(out, "16 created")) << out;
  out.clear();
  ASSERT_EQ(RunCommand({ctl, "--server", addr, "--token-file", token_file, "import-org", csv}, &out), 0);
  EXPECT_TRUE(absl::StrContains(out, "0 created, 0 updated, 16 unchanged")) << out;

  const std::string acked = dir + ".acked";
  out.clear();
  ASSERT_EQ(RunCommand({GRIDSYNC_LOADGEN_PATH, "--server", addr, "--token-file", token_file,
                        "--devices", "6", "--records-per-device", "200", "--conflict-rate", "0.1",
                        "--acked-log", acked},
                       &out),
            0);
  EXPECT_TRUE(absl::StrContains(out, "records/s")) << out;
  EXPECT_TRUE(absl::StrContains(out, "p50")) << out;
  EXPECT_TRUE(absl::StrContains(out, "p99")) << out;
  out.clear();
  ASSERT_EQ(RunCommand({ctl, "--server", addr, "--token-file", token_file, "verify", "--ids", acked}, &out), 0);
  EXPECT_TRUE(absl::StrContains(out, "1200 of 1200 ids stored")) << out;

  // An id that was never stored makes verify fail.
  std::ofstream(acked, std::ios::app) << "01JZZZZZZZZZZZZZZZZZZZZZZZ\n";
  EXPECT_EQ(RunCommand({ctl, "--server", addr, "--token-file", token_file, "verify", "--ids", acked}), 1);

  // enroll prints a token of 256 bits (64 hex digits); the grid must exist.
  out.clear();
  ASSERT_EQ(RunCommand({ctl, "--server", addr, "--token-file", token_file, "enroll", "--role",
                        "grid_worker", "--scope", "410185001901001"},
                       &out),
            0);
  EXPECT_EQ(out.size(), 65u) << out;
  EXPECT_NE(RunCommand({ctl, "--server", addr, "--token-file", token_file, "enroll", "--role",
                        "grid_worker", "--scope", "410185001999001"}),
            0);
  EXPECT_EQ(proc.Kill(SIGTERM), 0);
  std::filesystem::remove_all(dir);
  std::filesystem::remove(acked);
}

TEST(Cli, PlaintextOffLoopbackIsRefused) {
  const std::string dir = TempDir("cli-tls");
  ASSERT_EQ(RunCommand({GRIDSYNCD_PATH, "init", "--data", dir}), 0);
  EXPECT_EQ(RunCommand({GRIDSYNCD_PATH, "--data", dir, "--listen", "0.0.0.0:0"}), 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gridsync::testing
