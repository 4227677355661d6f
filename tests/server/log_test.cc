#include "server/log.h"

#include <algorithm>
#include <chrono>
#include <regex>
#include <thread>

#include "gtest/gtest.h"

namespace gridsync::server {
namespace {

int CountLines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

TEST(RateLimitedLog, AFloodOfBadRequestsIsOneBoundedLine) {
  RateLimitedLog log("refused request", /*period_ms=*/60000);
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 1000; ++i) log.Error(std::string(5000, 'x'));
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(CountLines(out), 1) << out.substr(0, 200);
  EXPECT_LT(out.size(), 500u);
  EXPECT_NE(out.find("refused request: xxx"), std::string::npos);
}

TEST(RateLimitedLog, TheNextLineCountsThoseLeftOut) {
  RateLimitedLog log("refused request", /*period_ms=*/30);
  ::testing::internal::CaptureStderr();
  log.Error("first");
  for (int i = 0; i < 5; ++i) log.Error("left out");
  std::this_thread::sleep_for(std::chrono::milliseconds(40));  // the period passes
  log.Error("next");
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(CountLines(out), 2) << out;
  EXPECT_NE(out.find("next (5 more since the last line)"), std::string::npos) << out;
  EXPECT_EQ(out.find("left out"), std::string::npos) << out;
}

// Whatever a message holds (a name from a request, a path, an error with a
// newline in it), its line is one logfmt line: ts, level, msg, in that
// order, the message quoted and escaped so that a parser gets it back.
TEST(LogLine, IsOneLogfmtLineWhateverTheMessageHolds) {
  ::testing::internal::CaptureStderr();
  LogInfo("户主 \"𠮷\" said:\nline two\\ and \x01");
  LogError("plain");
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(CountLines(out), 2) << out;
  const std::regex line(
      R"re(ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(info|error) msg="((?:[^"\\]|\\.)*)"\n)re");
  std::smatch m;
  const std::string first = out.substr(0, out.find('\n') + 1);
  ASSERT_TRUE(std::regex_match(first, m, line)) << first;
  EXPECT_EQ(m[1], "info");
  EXPECT_EQ(m[2], R"re(户主 \"𠮷\" said:\nline two\\ and \x01)re");
  const std::string second = out.substr(first.size());
  ASSERT_TRUE(std::regex_match(second, m, line)) << second;
  EXPECT_EQ(m[1], "error");
}

}  // namespace
}  // namespace gridsync::server
