// gridsync-phone and gridsyncctl coverage, run as support staff would: the
// phone's figures after a sync print the same JSON as the server's, and the
// lists work offline (the server stopped).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "core/attachment.h"
#include "core/ids.h"
#include "tests/server/server_process.h"
#include "tests/server/test_server.h"
#include "tools/common/sample_data.h"

namespace gridsync::testing {
namespace {

class PhoneCliTest : public ServerTest {
 protected:
  // gridsync-phone for a device enrolled with `role` and `scope`.
  std::vector<std::string> PhoneCommand(gridsync::v1::Role role, const std::string& scope,
                                        const std::string& holder) {
    std::string device;
    const std::string token = Enroll(role, {scope}, holder, &device);
    const std::string token_file = dir_ + "-" + device + ".token";
    std::ofstream(token_file) << token << "\n";
    return {GRIDSYNC_PHONE_PATH,
            "--data",
            dir_ + "-" + device,
            "--server",
            addr(),
            "--device",
            device,
            "--token-file",
            token_file,
            "--holder",
            holder};
  }
  int Run(std::vector<std::string> base, const std::vector<std::string>& args, std::string* out) {
    base.insert(base.end(), args.begin(), args.end());
    out->clear();
    return RunCommand(base, out, /*with_stderr=*/true);
  }
};

// Starts `argv` with its output discarded; its pid, or -1.
pid_t SpawnQuiet(std::vector<std::string> argv) {
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  return pid;
}

std::string WithoutAsOf(const std::string& json) {
  return std::regex_replace(json, std::regex("\"as_of_ms\":\"[0-9]+\""), "");
}

TEST_F(PhoneCliTest, APhonesFiguresPrintAsTheServersAndItsListsWorkOffline) {
  const auto secretary = PhoneCommand(gridsync::v1::ROLE_VILLAGE_SECRETARY, kVillageAB, "村书记");
  const auto worker = PhoneCommand(gridsync::v1::ROLE_GRID_WORKER, kGridA, "网格员");
  std::string out;
  EXPECT_EQ(Run(worker, {"households"}, &out), 1);  // nothing before a sync
  EXPECT_TRUE(absl::StrContains(out, "sync first")) << out;
  ASSERT_EQ(Run(worker, {"sync"}, &out), 0) << out;
  ASSERT_EQ(Run(worker, {"visit", "--household", Household(kGridA, 3), "--notes", "𠮷 在家"}, &out),
            0)
      << out;
  ASSERT_EQ(Run(worker, {"visit", "--household", Household(kGridA, 4), "--nobody-home"}, &out), 0)
      << out;
  EXPECT_EQ(Run(worker, {"visit", "--household", "12"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "19-digit")) << out;
  ASSERT_EQ(Run(worker, {"households"}, &out), 0) << out;  // unsent, counted at once
  EXPECT_TRUE(absl::StrContains(out, "1 of 20 households visited")) << out;
  EXPECT_TRUE(absl::StrContains(out, "nobody home  " + Household(kGridA, 4))) << out;
  ASSERT_EQ(Run(worker, {"sync"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "pushed 2")) << out;
  ASSERT_EQ(Run(secretary, {"sync"}, &out), 0) << out;
  // The village's screening of this month, nothing found (零报告), and a
  // trouble spot listed and rectified, from the secretary's phone.
  const std::string this_month = core::MonthName(core::MonthOf(core::SystemWallMs()));
  ASSERT_EQ(Run(secretary, {"screening", "--month", this_month, "--found", "0"}, &out), 0) << out;
  EXPECT_EQ(Run(secretary, {"screening", "--month", "2026-13", "--found", "0"}, &out), 1);
  ASSERT_EQ(
      Run(secretary, {"trouble-spot", "--place", "𠮷家巷口", "--problem", "夜间无照明"}, &out), 0)
      << out;
  const std::string spot(absl::StripAsciiWhitespace(out));
  ASSERT_EQ(Run(secretary, {"rectified", "--id", spot}, &out), 0) << out;
  ASSERT_EQ(Run(secretary, {"coverage"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "排查上报率 100.0%  1 of 1 village-months")) << out;
  EXPECT_TRUE(absl::StrContains(out, "(1 零报告)")) << out;
  EXPECT_TRUE(absl::StrContains(out, "排查整治率 100.0%  1 of 1 trouble spots rectified")) << out;
  ASSERT_EQ(Run(secretary, {"sync"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "pushed 3")) << out;

  const std::vector<std::string> ctl = {GRIDSYNCCTL_PATH, "--server", addr(), "--token-file",
                                        dir_ + "/admin.token"};
  for (const std::string& month :
       {std::string(), core::MonthName(core::MonthOf(core::SystemWallMs() - 32 * core::kDayMs))}) {
    for (const std::string& scope : {std::string(kVillageAB), std::string(kGridA)}) {
      SCOPED_TRACE(scope + " " + month);
      std::string phone_json, server_json;
      std::vector<std::string> args = {"coverage", "--scope", scope, "--json"};
      if (!month.empty()) args.insert(args.end(), {"--month", month});
      ASSERT_EQ(Run(secretary, args, &phone_json), 0) << phone_json;
      ASSERT_EQ(Run(ctl, args, &server_json), 0) << server_json;
      EXPECT_EQ(WithoutAsOf(phone_json), WithoutAsOf(server_json));
      EXPECT_TRUE(absl::StrContains(server_json, "\"mediation_rate\":")) << server_json;
    }
  }
  ASSERT_EQ(Run(ctl, {"coverage", "--scope", kVillageAB}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "入户率 2.5%  1 of 40 households visited")) << out;
  EXPECT_TRUE(absl::StrContains(out, "一村")) << out;

  // Offline: the server is gone, the secretary's lists are not.
  StopServer(std::chrono::milliseconds(0));
  ASSERT_EQ(Run(secretary, {"coverage"}, &out), 0) << out;  // the device's scope: the village
  EXPECT_TRUE(absl::StrContains(out, "410185001201 一村")) << out;
  EXPECT_TRUE(absl::StrContains(out, "入户率 2.5%  1 of 40 households visited")) << out;
  ASSERT_EQ(Run(secretary, {"households", "--grid", kGridA, "--all"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "visited      " + Household(kGridA, 3))) << out;
  ASSERT_EQ(Run(secretary, {"due", "--within", "0"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "persons to check")) << out;
  ASSERT_EQ(Run(secretary, {"cases", "--json"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "\"follow_ups_due\":\"0\"")) << out;
  EXPECT_EQ(Run(secretary, {"coverage", "--month", "2026-13"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "INVALID_ARGUMENT")) << out;
  EXPECT_NE(Run(secretary, {"sync"}, &out), 0);  // no server: a clear error
  EXPECT_TRUE(absl::StrContains(out, "UNAVAILABLE")) << out;
  EXPECT_EQ(Run(secretary, {"fly"}, &out), 2);
}

TEST_F(PhoneCliTest, AProposalFromTheCommandLine) {
  const auto secretary = PhoneCommand(gridsync::v1::ROLE_VILLAGE_SECRETARY, kVillageAB, "村书记");
  const auto worker = PhoneCommand(gridsync::v1::ROLE_GRID_WORKER, kGridA, "网格员");
  std::string out, id;
  ASSERT_EQ(Run(worker, {"sync"}, &out), 0) << out;
  ASSERT_EQ(Run(worker,
                {"propose", "new-household", "--grid", kGridA, "--head", "𠮷大娘", "--address",
                 "3组21号", "--reason", "新建房屋"},
                &id),
            0)
      << id;
  id = id.substr(0, id.find('\n'));
  ASSERT_EQ(
      Run(worker, {"propose", "person", "--person", Person(kGridA, 3), "--contact-lost"}, &out), 0)
      << out;
  EXPECT_EQ(Run(worker,
                {"propose", "new-person", "--household", Household(kGridA, 1), "--name", "x",
                 "--category", "alien"},
                &out),
            1);
  EXPECT_TRUE(absl::StrContains(out, "--category 'alien'")) << out;
  EXPECT_EQ(Run(worker, {"approve", "--id", id}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "PERMISSION_DENIED")) << out;
  ASSERT_EQ(Run(worker, {"sync"}, &out), 0) << out;
  ASSERT_EQ(Run(secretary, {"sync"}, &out), 0) << out;
  ASSERT_EQ(Run(secretary, {"proposals", "--pending"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "2 proposals, 2 pending")) << out;
  EXPECT_TRUE(
      absl::StrContains(out, "NEW_HOUSEHOLD " + std::string(kGridA) + " 𠮷大娘 3组21号 by 网格员"))
      << out;
  ASSERT_EQ(Run(secretary, {"approve", "--id", id, "--note", "已核实"}, &out), 0) << out;
  ASSERT_EQ(Run(secretary, {"sync"}, &out), 0) << out;
  ASSERT_EQ(Run(secretary, {"households", "--grid", kGridA, "--all"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "of 21 households")) << out;
  EXPECT_TRUE(absl::StrContains(out, Household(kGridA, 21) + "  𠮷大娘")) << out;
  ASSERT_EQ(Run(secretary, {"proposals"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "approved by 村书记")) << out;

  // The county's import names the approved change it overrides.
  const std::string csv = dir_ + "-households.csv";
  std::ofstream(csv) << "household_id,grid_code,address,head_name\n"
                     << Household(kGridA, 21) << "," << kGridA << ",3组21号,赵大娘\n";
  const std::vector<std::string> ctl = {GRIDSYNCCTL_PATH, "--server", addr(), "--token-file",
                                        dir_ + "/admin.token"};
  ASSERT_EQ(Run(ctl, {"import-households", csv}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "1 updated")) << out;
  EXPECT_TRUE(absl::StrContains(out,
                                "1 of the updates overrode field changes approved on phones "
                                "(proposals " +
                                    id + ")"))
      << out;
}

// A photo file that starts like a JPEG and does not compress.
std::string WritePhoto(const std::string& path, size_t n, uint64_t seed) {
  const std::string b = tools::SampleJpeg(n, seed);
  std::ofstream(path, std::ios::binary) << b;
  return b;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_F(PhoneCliTest, AVisitWithPhotosSurvivesTenKillsMidUploadAndIsFetchedElsewhere) {
  auto worker = PhoneCommand(gridsync::v1::ROLE_GRID_WORKER, kGridA, "网格员");
  worker.insert(worker.end(), {"--upload-chunk-kb", "32"});
  const std::string photo_path = dir_ + "-门口𠮷.jpg";
  const std::string photo = WritePhoto(photo_path, 5 << 20, 42);
  const std::string sha = core::Sha256Hex(photo);
  std::string out;
  ASSERT_EQ(
      Run(worker, {"visit", "--household", Household(kGridA, 3), "--photo", photo_path}, &out), 0)
      << out;
  const std::string visit = out.substr(0, out.find('\n'));
  ASSERT_TRUE(core::IsValidRecordId(visit)) << out;
  EXPECT_EQ(
      Run(worker, {"visit", "--household", Household(kGridA, 4), "--photo", dir_ + "-none.jpg"},
          &out),
      1);
  EXPECT_TRUE(absl::StrContains(out, "cannot read --photo")) << out;

  // sync, killed as soon as the server holds more of the photo than before.
  const std::string partial = dir_ + "/blobs/partial/" + sha;
  int kills = 0;
  std::error_code ec;
  for (int round = 0; round < 10; ++round) {
    const auto before =
        std::filesystem::exists(partial, ec) ? std::filesystem::file_size(partial, ec) : 0;
    std::vector<std::string> argv = worker;
    argv.push_back("sync");
    const pid_t pid = SpawnQuiet(argv);
    ASSERT_GE(pid, 0);
    bool grew = false;
    for (int i = 0; i < 20000 && !grew; ++i) {  // at most 20 s
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      grew =
          std::filesystem::exists(partial, ec) && std::filesystem::file_size(partial, ec) > before;
      int status;
      if (!grew && waitpid(pid, &status, WNOHANG) == pid) break;  // finished first
    }
    if (!grew) break;
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    ++kills;
  }
  EXPECT_EQ(kills, 10);
  ASSERT_EQ(Run(worker, {"sync"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "attachments: 1 uploaded")) << out;
  const std::string object =
      dir_ + "/blobs/objects/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha;
  EXPECT_EQ(core::Sha256Hex(ReadFile(object)), sha);
  EXPECT_FALSE(std::filesystem::exists(partial));
  int objects = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir_ + "/blobs/objects")) {
    objects += e.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(objects, 1);

  // Another phone of the grid fetches it under its file name; one of
  // another village is refused with the reason.
  const auto other = PhoneCommand(gridsync::v1::ROLE_GRID_WORKER, kGridA, "另一个网格员");
  ASSERT_EQ(Run(other, {"sync"}, &out), 0) << out;
  const std::string into = dir_ + "-fetched";
  ASSERT_EQ(Run(other, {"fetch", "--record", visit, "--out", into}, &out), 0) << out;
  EXPECT_EQ(ReadFile(into + "/" + std::filesystem::path(photo_path).filename().string()), photo);
  const auto stranger = PhoneCommand(gridsync::v1::ROLE_GRID_WORKER, kGridC, "外村网格员");
  ASSERT_EQ(Run(stranger, {"sync"}, &out), 0) << out;
  EXPECT_EQ(Run(stranger, {"fetch", "--record", visit, "--out", into + "-2"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "NOT_FOUND")) << out;
}

// The replica key from a file: a plain replica is encrypted on the first
// run with it, works as before with it, refuses a wrong one or none, and
// moves to a new key; the notes are nowhere on disk in plain bytes.
TEST_F(PhoneCliTest, AKeyFileEncryptsTheReplicaAndAWrongKeyIsRefused) {
  const auto worker = PhoneCommand(gridsync::v1::ROLE_GRID_WORKER, kGridA, "网格员");
  const std::string data = worker[2];
  std::string out;
  ASSERT_EQ(Run(worker, {"sync"}, &out), 0) << out;
  ASSERT_EQ(
      Run(worker, {"visit", "--household", Household(kGridA, 5), "--notes", "𠮷家门口漏水"}, &out),
      0)
      << out;
  auto key_file = [&](const std::string& name, char fill) {
    const std::string path = dir_ + "-" + name;
    std::ofstream(path, std::ios::binary) << std::string(32, fill);
    return path;
  };
  const std::string key = key_file("key", 'k'), other = key_file("other", 'o');
  auto with = [&](const std::string& k) {
    auto cmd = worker;
    cmd.insert(cmd.end(), {"--key-file", k});
    return cmd;
  };
  ASSERT_EQ(Run(with(key), {"status"}, &out), 0) << out;  // encrypts the plain replica
  EXPECT_TRUE(std::filesystem::exists(data + "/replica.key"));
  EXPECT_EQ(Run(with(other), {"status"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "PERMISSION_DENIED")) << out;
  EXPECT_EQ(Run(worker, {"status"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "encrypted")) << out;
  const std::string short_key = dir_ + "-short";
  std::ofstream(short_key) << "0123";
  EXPECT_EQ(Run(with(short_key), {"status"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "32 bytes or 64 hex digits")) << out;
  ASSERT_EQ(Run(with(key), {"rekey", "--new-key-file", other}, &out), 0) << out;
  EXPECT_EQ(Run(with(key), {"status"}, &out), 1);
  ASSERT_EQ(Run(with(other), {"sync"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "pushed 1")) << out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(data)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(bytes.find("漏水"), std::string::npos) << e.path();
  }
}

// Support staff mark a phone lost with gridsyncctl; the phone's next sync
// erases its replica and says so; a plain revoke keeps the replica.
TEST_F(PhoneCliTest, RevokeWithWipeFromTheCommandLineErasesThePhoneAtItsNextSync) {
  const std::vector<std::string> ctl = {GRIDSYNCCTL_PATH, "--server", addr(), "--token-file",
                                        dir_ + "/admin.token"};
  std::string out;
  const auto lost = PhoneCommand(gridsync::v1::ROLE_GRID_WORKER, kGridA, "丢了手机的网格员");
  const auto kept = PhoneCommand(gridsync::v1::ROLE_GRID_WORKER, kGridA, "换了岗位的网格员");
  for (const auto& phone : {lost, kept}) {
    ASSERT_EQ(Run(phone, {"sync"}, &out), 0) << out;
    ASSERT_EQ(Run(phone, {"visit", "--household", Household(kGridA, 8), "--notes", "未发送"}, &out),
              0)
        << out;
  }
  ASSERT_EQ(Run(ctl, {"revoke", "--device", lost[6], "--wipe"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "as lost")) << out;
  ASSERT_EQ(Run(ctl, {"revoke", "--device", kept[6]}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "keeps its replica")) << out;

  EXPECT_EQ(Run(lost, {"sync"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "PERMISSION_DENIED")) << out;
  EXPECT_TRUE(absl::StrContains(out, "erased")) << out;
  EXPECT_FALSE(std::filesystem::exists(lost[2]));

  EXPECT_EQ(Run(kept, {"sync"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "UNAUTHENTICATED")) << out;
  ASSERT_EQ(Run(kept, {"status"}, &out), 0) << out;  // the unsent visit is still there
  EXPECT_TRUE(absl::StrContains(out, "1 unsent")) << out;
  // Recovering it: reinstate, let the phone sync, revoke again.
  ASSERT_EQ(Run(ctl, {"reinstate", "--device", kept[6]}, &out), 0) << out;
  ASSERT_EQ(Run(kept, {"sync"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "pushed 1")) << out;
  ASSERT_EQ(Run(ctl, {"revoke", "--device", kept[6]}, &out), 0) << out;
  // A lost phone is not reinstated.
  EXPECT_EQ(Run(ctl, {"reinstate", "--device", lost[6]}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "revoked as lost")) << out;
}

// A lost phone killed while it erases its replica, at twenty moments: the
// replica is untouched (killed before the order came) or its key is gone,
// nothing is ever left in plain bytes, and the next run finishes the wipe.
TEST_F(PhoneCliTest, AWipeKilledAtAnyMomentLeavesNothingReadableAndIsFinished) {
  auto phone = PhoneCommand(gridsync::v1::ROLE_GRID_WORKER, kGridA, "网格员");
  const std::string data = phone[2], device = phone[6];
  const std::string key = dir_ + "-wipe.key";
  std::ofstream(key, std::ios::binary) << std::string(32, 'w');
  phone.insert(phone.end(), {"--key-file", key});
  std::string out;
  ASSERT_EQ(Run(phone, {"sync"}, &out), 0) << out;
  // Photos, so that erasing takes a while: 4 of 3 MB.
  for (int i = 0; i < 4; ++i) {
    const std::string photo = dir_ + "-wipe-" + std::to_string(i) + ".jpg";
    WritePhoto(photo, 3 << 20, 100 + i);
    ASSERT_EQ(Run(phone,
                  {"visit", "--household", Household(kGridA, 9 + i), "--notes", "机密备注𠮷",
                   "--photo", photo},
                  &out),
              0)
        << out;
  }
  const std::string tmpl = dir_ + "-wipe-template";
  std::filesystem::copy(data, tmpl, std::filesystem::copy_options::recursive);
  const std::vector<std::string> ctl = {GRIDSYNCCTL_PATH, "--server", addr(), "--token-file",
                                        dir_ + "/admin.token"};
  ASSERT_EQ(Run(ctl, {"revoke", "--device", device, "--wipe"}, &out), 0) << out;

  auto plain_anywhere = [&] {
    for (const std::string& folder : {data, data + ".wiping"}) {
      if (!std::filesystem::exists(folder)) continue;
      for (const auto& e : std::filesystem::recursive_directory_iterator(folder)) {
        if (e.is_regular_file() &&
            ReadFile(e.path().string()).find("机密备注") != std::string::npos)
          return true;
      }
    }
    return false;
  };
  // How long a whole run takes here (start, sync, erase): the kills are
  // spread over it.
  std::filesystem::copy(
      tmpl, data,
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Run(phone, {"sync"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "erased")) << out;
  const auto whole = std::chrono::steady_clock::now() - t0;
  // Whether the wipe has begun: the key marked erased or gone, or the
  // replica moved aside. Polls until then or until the phone exits (bounded).
  const std::string key_file = data + "/replica.key",
                    original_key = ReadFile(tmpl + "/replica.key");
  auto wait_for_order = [&](pid_t pid, bool* exited) {
    for (int i = 0; i < 30000; ++i) {
      int status;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        *exited = true;
        return;
      }
      if (std::filesystem::exists(data + ".wiping") || !std::filesystem::exists(key_file) ||
          ReadFile(key_file) != original_key)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  int untouched = 0, cut = 0;
  for (int round = 0; round < 20; ++round) {
    std::filesystem::remove_all(data);
    std::filesystem::copy(tmpl, data, std::filesystem::copy_options::recursive);
    std::vector<std::string> argv = phone;
    argv.push_back("sync");
    const pid_t pid = SpawnQuiet(argv);
    ASSERT_GE(pid, 0);
    // Even rounds are spread over the time a whole run took; odd ones wait
    // for the wipe to begin and then for 0..9 ms more, so that some kills
    // land inside it however much slower this run is than the timed one.
    bool exited = false;
    if (round % 2 == 0) {
      std::this_thread::sleep_for(whole * (round + 2) / 20);
    } else {
      wait_for_order(pid, &exited);
      std::this_thread::sleep_for(std::chrono::milliseconds(round / 2));
    }
    if (!exited) {
      kill(pid, SIGKILL);
      int status;
      waitpid(pid, &status, 0);
    }
    EXPECT_FALSE(plain_anywhere()) << "round " << round;
    const bool key_there = std::filesystem::exists(data + "/replica.key");
    (key_there && !std::filesystem::exists(data + ".wiping") ? untouched : cut)++;
    // The next run: finishes an interrupted wipe at open, or erases at sync.
    Run(phone, {"sync"}, &out);
    EXPECT_FALSE(std::filesystem::exists(data + ".wiping")) << "round " << round;
    EXPECT_FALSE(std::filesystem::exists(data + "/replica.key") &&
                 std::filesystem::exists(data + "/attachments") &&
                 !std::filesystem::is_empty(data + "/attachments"))
        << "round " << round << ": " << out;
    EXPECT_FALSE(plain_anywhere()) << "round " << round;
  }
  EXPECT_GT(cut, 0);  // some kills landed after the order came
  std::cout << "wipe killed: " << cut << " of 20 after the order came, " << untouched
            << " before\n";
}

}  // namespace
}  // namespace gridsync::testing
