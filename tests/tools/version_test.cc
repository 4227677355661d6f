// One release and one command-line style for every program: each prints the
// release (common/version.h, set as project(VERSION) in CMakeLists.txt) for
// --version, its flags with their meanings for --help, and takes
// --name=value as well as --name value (tools/common/flags.h).
#include "common/version.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/server/server_process.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {

const std::vector<std::string>& Programs() {
  static const std::vector<std::string> programs = {GRIDSYNCD_PATH,        GRIDSYNCCTL_PATH,
                                                    GRIDSYNC_PHONE_PATH,   GRIDSYNC_EXPORT_PATH,
                                                    GRIDSYNC_LOADGEN_PATH, GRIDSYNC_WEB_PATH};
  return programs;
}

std::string NameOf(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// The flags a program's --help lists, each with the text that explains it.
std::map<std::string, std::string> HelpOf(const std::string& path) {
  std::string out;
  EXPECT_EQ(RunCommand({path, "--help"}, &out), 0) << path;
  std::map<std::string, std::string> flags;
  const std::regex line(R"(^\s+(--[a-z0-9-]+)(\s+[^ ]+)?\s{2,}(\S.*)$)");
  for (const auto& l : absl::StrSplit(out, '\n')) {
    std::smatch m;
    const std::string s(l);
    if (std::regex_match(s, m, line)) flags[m[1]] = m[3];
  }
  return flags;
}

TEST(VersionTest, EveryProgramPrintsTheOneRelease) {
  for (const std::string& path : Programs()) {
    std::string out;
    EXPECT_EQ(RunCommand({path, "--version"}, &out), 0) << path << ": " << out;
    const std::string name = path.substr(path.rfind('/') + 1);
    EXPECT_EQ(out, name + " " + kVersion + "\n") << path;
  }
}

// --help: every flag the program reads is listed with what it means; the
// flags the source reads are found in the source, so a flag added without
// help fails here.
TEST(CommandLineTest, HelpListsEveryFlagTheProgramReads) {
  const std::map<std::string, std::string> sources = {
      {GRIDSYNCD_PATH, "server/main.cc"},
      {GRIDSYNCCTL_PATH, "tools/gridsyncctl/main.cc"},
      {GRIDSYNC_PHONE_PATH, "tools/phone/main.cc"},
      {GRIDSYNC_EXPORT_PATH, "tools/export/main.cc"},
      {GRIDSYNC_LOADGEN_PATH, "tools/loadgen/main.cc"},
      {GRIDSYNC_WEB_PATH, "tools/web/main.cc"}};
  for (const auto& [path, source] : sources) {
    const auto help = HelpOf(path);
    EXPECT_GE(help.size(), 3u) << path;
    for (const auto& [flag, meaning] : help) EXPECT_GE(meaning.size(), 8u) << path << " " << flag;
    for (const char* f : {"--help", "--version"}) EXPECT_EQ(help.count(f), 1u) << path << " " << f;
    std::ifstream in(std::string(GRIDSYNC_SOURCE_DIR) + "/" + source);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    const std::regex read(R"re(args_?\.(?:Get|Has|GetAll)\("(--[a-z0-9-]+)")re");
    int reads = 0;
    for (std::sregex_iterator it(text.begin(), text.end(), read), end; it != end; ++it, ++reads) {
      EXPECT_EQ(help.count((*it)[1]), 1u)
          << NameOf(path) << " reads " << (*it)[1] << " but --help does not list it";
    }
    EXPECT_GT(reads, 0) << source;
  }
}

// A flag not known, or without its value: exit 2, the error named, then the
// help on stderr.
TEST(CommandLineTest, AnUnknownFlagIsNamedAndExitsTwo) {
  for (const std::string& path : Programs()) {
    std::string out;
    EXPECT_EQ(RunCommand({path, "--no-such-flag", "x"}, &out, /*with_stderr=*/true), 2) << path;
    EXPECT_TRUE(absl::StrContains(out, "--no-such-flag")) << path << ": " << out;
    EXPECT_TRUE(absl::StrContains(out, "--help")) << path << ": " << out;
  }
  std::string out;
  EXPECT_EQ(RunCommand({GRIDSYNCD_PATH, "--data"}, &out, true), 2);
  EXPECT_TRUE(absl::StrContains(out, "--data")) << out;
}

// --name=value, as the tools always took it, now also for gridsyncd.
TEST(CommandLineTest, GridsyncdTakesNameEqualsValue) {
  const std::string dir = TempDir("flags-eq");
  ASSERT_EQ(RunCommand({GRIDSYNCD_PATH, "init", "--data=" + dir}), 0);
  ServerProcess proc(dir, {"--max-attachment-mb=5", "--refill-window-days=7"});
  ASSERT_TRUE(proc.Start());
  std::string out;
  EXPECT_EQ(RunCommand({GRIDSYNCCTL_PATH, "--server=" + proc.addr(), "health"}, &out), 0);
  EXPECT_EQ(out, "SERVING\n");
  EXPECT_EQ(proc.Kill(SIGTERM), 0);
  std::filesystem::remove_all(dir);
}

// The README's commands all work as written: every flag a README command
// line gives a program is one that program's --help lists.
TEST(CommandLineTest, TheReadmesCommandsUseFlagsTheProgramsTake) {
  std::ifstream in(std::string(GRIDSYNC_SOURCE_DIR) + "/README.md");
  std::map<std::string, std::map<std::string, std::string>> help;
  for (const std::string& path : Programs()) help[NameOf(path)] = HelpOf(path);
  const std::regex flag(R"((--[a-z0-9-]+))");
  int checked = 0;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    for (const auto& [program, flags] : help) {
      const size_t at = line.find(program + " ");
      if (at == std::string::npos || (at > 0 && std::isalnum(line[at - 1])) ||
          (at > 0 && line[at - 1] == '-')) {
        continue;
      }
      std::string rest = line.substr(at + program.size());
      rest = rest.substr(0, rest.find_first_of("`|;#)"));  // up to the command's end
      for (std::sregex_iterator it(rest.begin(), rest.end(), flag), end; it != end; ++it) {
        ++checked;
        EXPECT_EQ(flags.count((*it)[1]), 1u)
            << "README.md:" << n << ": " << program << " does not take " << (*it)[1];
      }
    }
  }
  EXPECT_GT(checked, 20);
}

}  // namespace
}  // namespace gridsync::testing
