// One release for every program (common/version.h, set as project(VERSION)
// in CMakeLists.txt): each prints it for --version and exits 0.
#include "common/version.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/server/server_process.h"

namespace gridsync::testing {
namespace {

TEST(VersionTest, EveryProgramPrintsTheOneRelease) {
  const std::vector<std::string> programs = {GRIDSYNCD_PATH,        GRIDSYNCCTL_PATH,
                                             GRIDSYNC_PHONE_PATH,   GRIDSYNC_EXPORT_PATH,
                                             GRIDSYNC_LOADGEN_PATH, GRIDSYNC_WEB_PATH};
  for (const std::string& path : programs) {
    std::string out;
    EXPECT_EQ(RunCommand({path, "--version"}, &out), 0) << path << ": " << out;
    const std::string name = path.substr(path.rfind('/') + 1);
    EXPECT_EQ(out, name + " " + kVersion + "\n") << path;
  }
}

}  // namespace
}  // namespace gridsync::testing
