// The console's shared report cache (tools/web/report_cache.h): a report
// is reused only while a feed vouches that nothing under it changed.
#include "gtest/gtest.h"
#include "tools/web/report_cache.h"

namespace gridsync::web {
namespace {

constexpr char kCounty[] = "410185000000";
constexpr char kTown[] = "410185100000";
constexpr char kOtherTown[] = "410185101000";
constexpr char kGrid[] = "410185100201001";
constexpr char kOtherGrid[] = "410185101201001";

std::shared_ptr<const tools::MonthlyReport> Report() {
  return std::make_shared<const tools::MonthlyReport>();
}

TEST(WebReportCacheTest, AReportNoFeedVouchesForLastsTenSeconds) {
  ReportCache c;
  auto r = Report();
  c.Put(kTown, "2026-11", c.Begin(1000), r);
  EXPECT_EQ(c.Find(kTown, "2026-11", 1000 + kUnvouchedMs - 1), r);
  EXPECT_EQ(c.Find(kTown, "2026-12", 1000), nullptr);
  EXPECT_EQ(c.Find(kTown, "2026-11", 1000 + kUnvouchedMs), nullptr);
}

TEST(WebReportCacheTest, AnOpenFeedCoveringItKeepsItUntilAChangeUnderIt) {
  ReportCache c;
  const int feed = c.Opened(kCounty, 500);
  auto r = Report();
  c.Put(kTown, "2026-11", c.Begin(1000), r);
  EXPECT_EQ(c.Find(kTown, "2026-11", 100000), r) << "the county's feed vouches for its town";
  c.Changed(kOtherGrid);
  EXPECT_EQ(c.Find(kTown, "2026-11", 100000), r) << "another town's change";
  c.Changed(std::string(kGrid) + "0007");  // a household of the town
  EXPECT_EQ(c.Find(kTown, "2026-11", 100000), nullptr);
  c.Closed(feed);
}

TEST(WebReportCacheTest, OnlyAFeedOpenBeforeTheBuildAndCoveringItVouches) {
  ReportCache c;
  const int town = c.Opened(kTown, 500);
  const int late = c.Opened(kCounty, 2000);
  auto county = Report();
  c.Put(kCounty, "2026-11", c.Begin(1000), county);
  EXPECT_EQ(c.Find(kCounty, "2026-11", 100000), nullptr)
      << "a town's feed does not see the county; the county's opened after the build";
  c.Closed(town);
  c.Closed(late);
  const int feed = c.Opened(kTown, 500);
  auto r = Report();
  c.Put(kTown, "2026-11", c.Begin(1000), r);
  c.Closed(feed);
  EXPECT_EQ(c.Find(kTown, "2026-11", 100000), nullptr) << "its feed closed";
}

TEST(WebReportCacheTest, AChangeDuringTheBuildKeepsItOut) {
  ReportCache c;
  c.Opened(kCounty, 0);
  const auto began = c.Begin(1000);
  c.Changed(kGrid);
  c.Put(kTown, "2026-11", began, Report());
  EXPECT_EQ(c.Find(kTown, "2026-11", 1001), nullptr);
  const auto again = c.Begin(2000);
  c.Changed(kOtherGrid);
  auto r = Report();
  c.Put(kTown, "2026-11", again, r);
  EXPECT_EQ(c.Find(kTown, "2026-11", 2001), r) << "another town's change during the build";
  c.Changed("");  // the policy: every report
  EXPECT_EQ(c.Find(kTown, "2026-11", 2002), nullptr);
  EXPECT_EQ(c.Find(kOtherTown, "2026-11", 2002), nullptr);
}

}  // namespace
}  // namespace gridsync::web
