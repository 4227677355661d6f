#include "server/log.h"

#include <algorithm>
#include <chrono>
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

}  // namespace
}  // namespace gridsync::server
