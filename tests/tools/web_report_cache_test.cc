// The console's shared report cache (tools/web/report_cache.h): an answer
// is reused only while a feed vouches for it, and it names the changes
// under its scope since it was built.
#include "gtest/gtest.h"
#include "tools/common/report.h"
#include "tools/web/report_cache.h"

namespace gridsync::web {
namespace {

using Strings = std::vector<std::string>;

constexpr char kCounty[] = "410185000000";
constexpr char kTown[] = "410185100000";
constexpr char kOtherTown[] = "410185101000";
constexpr char kGrid[] = "410185100201001";
constexpr char kOtherGrid[] = "410185101201001";

std::shared_ptr<const tools::MonthlyReport> Report() {
  return std::make_shared<const tools::MonthlyReport>();
}

ReportCache::Found<tools::MonthlyReport> Find(ReportCache& c, const char* scope, int64_t now) {
  return c.Find<tools::MonthlyReport>(scope, "report/2026-11", now);
}

TEST(WebReportCacheTest, AReportNoFeedVouchesForLastsTenSeconds) {
  ReportCache c;
  auto r = Report();
  c.Put(kTown, "report/2026-11", c.Begin(1000), r);
  EXPECT_EQ(Find(c, kTown, 1000 + kUnvouchedMs - 1).value, r);
  EXPECT_EQ(c.Find<tools::MonthlyReport>(kTown, "report/2026-12", 1000).value, nullptr);
  EXPECT_EQ(Find(c, kTown, 1000 + kUnvouchedMs).value, nullptr);
}

TEST(WebReportCacheTest, AnOpenFeedCoveringItKeepsItAndNamesTheChangesUnderIt) {
  ReportCache c;
  const int feed = c.Opened(kCounty, 500);
  auto r = Report();
  c.Put(kTown, "report/2026-11", c.Begin(1000), r);
  auto found = Find(c, kTown, 100000);
  EXPECT_EQ(found.value, r) << "the county's feed vouches for its town";
  EXPECT_TRUE(found.changed.empty());
  c.Changed(kOtherGrid);
  EXPECT_TRUE(Find(c, kTown, 100000).changed.empty()) << "another town's change";
  const std::string household = std::string(kGrid) + "0007";
  c.Changed(household);
  c.Changed(household);
  found = Find(c, kTown, 100000);
  EXPECT_EQ(found.value, r);
  EXPECT_EQ(found.changed, Strings{household});
  c.Closed(feed);
}

TEST(WebReportCacheTest, TooManyChangesOrAChangeToEverythingDropIt) {
  ReportCache c;
  c.Opened(kCounty, 0);
  c.Put(kTown, "report/2026-11", c.Begin(1000), Report());
  for (size_t i = 0; i < kMaxChangedCodes; ++i) c.Changed(std::string(kGrid) + std::to_string(i));
  EXPECT_EQ(Find(c, kTown, 2000).changed.size(), kMaxChangedCodes);
  c.Changed(std::string(kGrid) + "x");
  EXPECT_EQ(Find(c, kTown, 2000).value, nullptr);
  c.Put(kTown, "report/2026-11", c.Begin(3000), Report());
  c.Changed("");  // the policy: every answer
  EXPECT_EQ(Find(c, kTown, 3001).value, nullptr);
}

TEST(WebReportCacheTest, OnlyAFeedOpenBeforeTheBuildAndCoveringItVouches) {
  ReportCache c;
  const int town = c.Opened(kTown, 500);
  const int late = c.Opened(kCounty, 2000);
  c.Put(kCounty, "report/2026-11", c.Begin(1000), Report());
  EXPECT_EQ(Find(c, kCounty, 100000).value, nullptr)
      << "a town's feed does not see the county; the county's opened after the build";
  c.Closed(town);
  c.Closed(late);
  const int feed = c.Opened(kTown, 500);
  c.Put(kTown, "report/2026-11", c.Begin(1000), Report());
  c.Closed(feed);
  EXPECT_EQ(Find(c, kTown, 100000).value, nullptr) << "its feed closed";
}

TEST(WebReportCacheTest, AChangeDuringTheBuildIsNamedWithIt) {
  ReportCache c;
  c.Opened(kCounty, 0);
  const auto began = c.Begin(1000);
  c.Changed(kGrid);
  c.Changed(kOtherGrid);
  auto r = Report();
  c.Put(kTown, "report/2026-11", began, r);
  auto found = Find(c, kTown, 1001);
  EXPECT_EQ(found.value, r);
  EXPECT_EQ(found.changed, Strings{kGrid});
  c.Put(kOtherTown, "report/2026-11", c.Begin(2000), r);
  EXPECT_TRUE(Find(c, kOtherTown, 2001).changed.empty());
}

}  // namespace
}  // namespace gridsync::web
