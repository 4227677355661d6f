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
  ASSERT_EQ(
      RunCommand({ctl, "--server", addr, "--token-file", token_file, "import-org", csv}, &out), 0);
  EXPECT_TRUE(absl::StrContains(out, "16 created")) << out;
  out.clear();
  ASSERT_EQ(
      RunCommand({ctl, "--server", addr, "--token-file", token_file, "import-org", csv}, &out), 0);
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
  ASSERT_EQ(
      RunCommand({ctl, "--server", addr, "--token-file", token_file, "verify", "--ids", acked},
                 &out),
      0);
  EXPECT_TRUE(absl::StrContains(out, "1200 of 1200 ids stored")) << out;

  // An id that was never stored makes verify fail.
  std::ofstream(acked, std::ios::app) << "01JZZZZZZZZZZZZZZZZZZZZZZZ\n";
  EXPECT_EQ(
      RunCommand({ctl, "--server", addr, "--token-file", token_file, "verify", "--ids", acked}), 1);

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

TEST(Cli, RegistryCsvImportsAreIncrementalAndNameRejectedLines) {
  const std::string dir = TempDir("cli-import");
  ASSERT_EQ(RunCommand({GRIDSYNCD_PATH, "init", "--data", dir}), 0);
  ServerProcess proc(dir);
  ASSERT_TRUE(proc.Start());
  const std::vector<std::string> ctl = {GRIDSYNCCTL_PATH, "--server", proc.addr(), "--token-file",
                                        dir + "/admin.token"};
  auto run = [&](std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), ctl.begin(), ctl.end());
    out->clear();
    return RunCommand(args, out, /*with_stderr=*/true);
  };
  std::string out;
  ASSERT_EQ(
      run({"import-org", std::string(GRIDSYNC_SHARED_DATA) + "/henan-zhengzhou-dengfeng-towns.csv"},
          &out),
      0)
      << out;
  ASSERT_EQ(run({"gen-sample", "--min-grids", "2"}, &out), 0) << out;
  const std::string grid = "410185001901001";
  const std::string households = dir + ".households.csv", persons = dir + ".persons.csv",
                    policy = dir + ".policy.csv";
  {
    std::ofstream f(households);
    f << "\xEF\xBB\xBFhousehold_id,grid_code,address,head_name\n"  // as Excel saves it
      << grid << "9001," << grid << ",\"村东头, 3号\",王大\n"
      << grid << "9002," << grid << ",村西头,李二\n"
      << "4101859999990019003,410185999999001,不存在的村,赵三\n"
      << "not,enough\n";
  }
  EXPECT_EQ(run({"import-households", households}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "4 read; 2 created, 0 updated, 0 unchanged, 2 rejected"))
      << out;
  EXPECT_TRUE(absl::StrContains(out, "line 4: ")) << out;
  EXPECT_TRUE(absl::StrContains(out, "line 5: expected 4 fields")) << out;
  {
    std::ofstream f(persons);
    f << "person_id,household_id,name,category,risk_level,guardian\n"
      << grid << "900101," << grid << "9001,王小,严重精神障碍患者,3,\"王大, 父亲\"\n"
      << grid << "900201," << grid << "9002,李小,community_corrections,,\n"
      << grid << "900202," << grid << "9002,李三,alien,1,\n";
  }
  EXPECT_EQ(run({"import-persons", persons}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "3 read; 2 created, 0 updated, 0 unchanged, 1 rejected"))
      << out;
  EXPECT_TRUE(absl::StrContains(out, "line 4: category 'alien'")) << out;
  // Again: nothing new; then one name corrected: one update, no duplicate.
  EXPECT_EQ(run({"import-persons", persons}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "0 created, 0 updated, 2 unchanged")) << out;
  {
    std::ofstream f(persons);
    f << "person_id,household_id,name,category,risk_level,guardian\n"
      << grid << "900101," << grid << "9001,王小明,严重精神障碍患者,3,\"王大, 父亲\"\n";
  }
  EXPECT_EQ(run({"import-persons", persons}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "0 created, 1 updated, 0 unchanged, 0 rejected")) << out;
  // The start of supervision, an optional last column (China time).
  {
    std::ofstream f(persons);
    f << "person_id,household_id,name,category,risk_level,guardian,supervised_since\n"
      << grid << "900101," << grid << "9001,王小明,严重精神障碍患者,3,\"王大, 父亲\",2026-03-01\n"
      << grid << "900201," << grid << "9002,李小,community_corrections,,,2026-13-01\n";
  }
  EXPECT_EQ(run({"import-persons", persons}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "line 3: supervised_since '2026-13-01' is not YYYY-MM-DD"))
      << out;
  EXPECT_TRUE(absl::StrContains(out, "0 created, 1 updated, 0 unchanged")) << out;

  {
    std::ofstream f(policy);
    f << "category,risk_level,interval_days\ndefault,,45\nsevere_mental_disorder,3,5\n"
      << "patrols_per_week,,2\n";
  }
  EXPECT_EQ(run({"set-policy", policy}, &out), 0) << out;
  EXPECT_EQ(run({"policy"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "patrols a village needs a week (平安夜巡): 2")) << out;
  EXPECT_TRUE(absl::StrContains(out, "severe_mental_disorder              3              5"))
      << out;
  EXPECT_TRUE(absl::StrContains(out, "default (other categories)                        45"))
      << out;
  {
    std::ofstream f(policy);
    f << "severe_mental_disorder,3,5\n";  // no default row: refused, nothing changed
  }
  EXPECT_EQ(run({"set-policy", policy}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "needs a row 'default,,DAYS'")) << out;

  // The questionnaire: published from a JSON file, listed, and a version
  // published twice refused.
  const std::string form = dir + "/form.json";
  {
    std::ofstream f(form);
    f << R"({"version": "2026-Q4", "title": "群众安全感满意度调查",
             "safety_question": "您觉得本村安全吗？",
             "satisfaction_question": "您对平安建设工作满意吗？",
             "questions": [{"id": "q3", "text": "最担心什么？", "choices": ["盗窃", "诈骗"]}]})";
  }
  EXPECT_EQ(run({"survey-forms"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "no questionnaire published")) << out;
  EXPECT_EQ(run({"publish-survey", form}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "version 2026-Q4 with 3 questions")) << out;
  EXPECT_EQ(run({"publish-survey", form}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "ALREADY_EXISTS")) << out;
  EXPECT_EQ(run({"survey-forms"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "2026-Q4")) << out;
  {
    std::ofstream f(form);
    f << R"({"version": "2026-Q5", "questions": 3})";
  }
  EXPECT_EQ(run({"publish-survey", form}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "is not a questionnaire form in JSON")) << out;
  EXPECT_EQ(proc.Kill(SIGTERM), 0);
  std::filesystem::remove_all(dir);
}

TEST(Cli, PlaintextOffLoopbackIsRefused) {
  const std::string dir = TempDir("cli-tls");
  ASSERT_EQ(RunCommand({GRIDSYNCD_PATH, "init", "--data", dir}), 0);
  EXPECT_EQ(RunCommand({GRIDSYNCD_PATH, "--data", dir, "--listen", "0.0.0.0:0"}), 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gridsync::testing
