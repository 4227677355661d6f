#include "core/ids.h"

#include "gtest/gtest.h"

namespace gridsync::core {
namespace {
using gridsync::v1::OrgLevel;

TEST(Ids, UlidsAreValidAndTimeOrdered) {
  std::mt19937_64 rng(1);
  const std::string a = NewUlid(1767225600000, rng);
  const std::string b = NewUlid(1767225600001, rng);
  EXPECT_TRUE(IsValidRecordId(a));
  EXPECT_LT(a.substr(0, 10), b.substr(0, 10));
}

TEST(Ids, RecordIdsRejectGarbage) {
  EXPECT_TRUE(IsValidRecordId("0190c3a5-7b1e-7cc2-9a53-1f0e3b8d2c11"));
  EXPECT_FALSE(IsValidRecordId("0190c3a5-7b1e-4cc2-9a53-1f0e3b8d2c11"));  // v4
  EXPECT_FALSE(IsValidRecordId("01JDQ3ZV0000000000000000AI"));            // I not Crockford
  EXPECT_FALSE(IsValidRecordId(""));
  EXPECT_FALSE(IsValidRecordId("x"));
}

TEST(Ids, LevelsOfRealDivisionCodes) {
  EXPECT_EQ(LevelOfCode("410185000000"), OrgLevel::ORG_LEVEL_COUNTY);
  EXPECT_EQ(LevelOfCode("410185001000"), OrgLevel::ORG_LEVEL_TOWN);
  EXPECT_EQ(LevelOfCode("410185001201"), OrgLevel::ORG_LEVEL_VILLAGE);
  EXPECT_EQ(LevelOfCode("410185001201001"), OrgLevel::ORG_LEVEL_GRID);
  EXPECT_EQ(LevelOfCode("410100000000"), OrgLevel::ORG_LEVEL_UNSPECIFIED);  // a city
  EXPECT_EQ(LevelOfCode("41018500100"), OrgLevel::ORG_LEVEL_UNSPECIFIED);
}

TEST(Ids, ScopePrefixesNest) {
  EXPECT_EQ(ScopePrefix("410185000000"), "410185");
  EXPECT_EQ(ScopePrefix("410185001000"), "410185001");
  EXPECT_EQ(ScopePrefix("410185001201"), "410185001201");
  EXPECT_EQ(ParentCode("410185001201001"), "410185001201");
  EXPECT_EQ(ParentCode("410185001201"), "410185001000");
  EXPECT_EQ(ParentCode("410185001000"), "410185000000");
}

}  // namespace
}  // namespace gridsync::core
