#include "core/hlc.h"

#include "gtest/gtest.h"

namespace gridsync::core {
namespace {

TEST(Hlc, NeverGoesBackWhenTheWallClockDoes) {
  int64_t wall = 1767225600000;
  HybridClock clock([&] { return wall; });
  const uint64_t a = clock.Now();
  wall -= 5000;
  const uint64_t b = clock.Now();
  EXPECT_GT(b, a);
  EXPECT_EQ(HlcWallMs(b), 1767225600000);
  wall += 10000;
  EXPECT_EQ(HlcWallMs(clock.Now()), 1767225605000);
}

TEST(Hlc, ObserveMovesPastRemoteStamps) {
  HybridClock clock([] { return int64_t{1767225600000}; });
  const uint64_t remote = PackHlc(1767225700000, 3);
  clock.Observe(remote);
  EXPECT_GT(clock.Now(), remote);
}

TEST(Hlc, OffsetShiftsTheWallClock) {
  HybridClock clock([] { return int64_t{1767225600000}; });
  clock.set_offset_ms(-3600000);
  EXPECT_EQ(clock.WallMs(), 1767222000000);
}

TEST(Hlc, RebaseFollowsTheCorrectedClockAfterARefusal) {
  const int64_t phone = 1767225600000 + 3600000;  // an hour ahead
  HybridClock clock([&] { return phone; });
  const uint64_t refused = clock.Now();
  clock.set_offset_ms(-3600000);
  EXPECT_GT(clock.Now(), refused);  // without Rebase it never goes back
  clock.Rebase();
  EXPECT_EQ(HlcWallMs(clock.Now()), 1767225600000);
}

TEST(Hlc, SkewBeyondLimitIsRefusedWithServerTime) {
  const int64_t now = 1767225600000;
  EXPECT_TRUE(CheckSkew(PackHlc(now + 599999, 0), now, kDefaultMaxSkewMs).ok());
  const auto st = CheckSkew(PackHlc(now + 3600000, 0), now, kDefaultMaxSkewMs);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("1767225600000"), std::string::npos) << st;
  // A clock a year behind is accepted: it just loses ties.
  EXPECT_TRUE(CheckSkew(PackHlc(now - 365LL * 86400000, 0), now, kDefaultMaxSkewMs).ok());
}

}  // namespace
}  // namespace gridsync::core
