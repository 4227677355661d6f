#include "core/coverage.h"

#include "core/hlc.h"
#include "core/merge.h"
#include "gtest/gtest.h"
#include "tests/core/test_mutations.h"

namespace gridsync::core {
namespace {

TEST(Coverage, MonthsAreInChinaTime) {
  auto nov = MonthRange("2026-11");
  ASSERT_TRUE(nov.ok());
  // 2026-11-01 00:00 in Beijing is 2026-10-31 16:00 UTC.
  EXPECT_EQ(nov->first, 1793462400000);
  EXPECT_EQ(MonthOf(nov->first), 202611);
  EXPECT_EQ(MonthOf(nov->first - 1), 202610);
  EXPECT_EQ(MonthOf(nov->second - 1), 202611);
  EXPECT_EQ(MonthOf(nov->second), 202612);
  EXPECT_EQ(nov->second - nov->first, 30 * kDayMs);
  EXPECT_EQ(MonthName(202612), "2026-12");
  auto dec = MonthRange("2026-12");
  EXPECT_EQ(dec->first, nov->second);
  EXPECT_FALSE(MonthRange("2026-13").ok());
  EXPECT_FALSE(MonthRange("26-11").ok());
  EXPECT_EQ(DayOf(nov->first) + 1, DayOf(nov->first + kDayMs));
}

TEST(Coverage, PolicyRowsHoldUpToTheNextRiskLevel) {
  const auto p = DefaultCheckPolicy();
  using gridsync::v1::PERSON_CATEGORY_SEVERE_MENTAL_DISORDER;
  EXPECT_EQ(RequiredIntervalDays(p, PERSON_CATEGORY_SEVERE_MENTAL_DISORDER, 0), 90);
  EXPECT_EQ(RequiredIntervalDays(p, PERSON_CATEGORY_SEVERE_MENTAL_DISORDER, 2), 14);
  EXPECT_EQ(RequiredIntervalDays(p, PERSON_CATEGORY_SEVERE_MENTAL_DISORDER, 5), 7);
  EXPECT_EQ(RequiredIntervalDays(p, gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS, 1), 30);
  EXPECT_EQ(RequiredIntervalDays(p, gridsync::v1::PERSON_CATEGORY_UNSPECIFIED, 1), 30);
}

gridsync::v1::Mutation Visit(int64_t at_ms, bool nobody_home) {
  auto m = testing::CaseMutation("dev-a", 1, at_ms, "01JDQ3ZV0000000000000000VV");
  m.set_kind(gridsync::v1::RECORD_KIND_VISIT);
  m.mutable_create()->set_subject_id(testing::kTestHousehold);
  auto* f = m.mutable_create()->add_fields();
  f->set_field("visited_at_ms");
  f->mutable_value()->set_int_value(at_ms - 40 * kDayMs);  // recorded late
  f = m.mutable_create()->add_fields();
  f->set_field("nobody_home");
  f->mutable_value()->set_bool_value(nobody_home);
  return m;
}

TEST(Coverage, AVisitCountsOnItsOwnDateUnlessNobodyWasHomeOrItIsVoided) {
  const int64_t now = 1793462400000;
  RecordState s;
  Apply(&s, Visit(now, false));
  auto marks = MarksOf(s);
  ASSERT_TRUE(marks.visit.has_value());
  EXPECT_EQ(marks.visit->household_id, testing::kTestHousehold);
  EXPECT_EQ(marks.visit->worker, "worker dev-a");
  EXPECT_EQ(MonthOf(marks.visit->at_ms), MonthOf(now - 40 * kDayMs));

  RecordState away;
  Apply(&away, Visit(now, true));
  EXPECT_TRUE(MarksOf(away).empty());

  auto v = testing::CaseMutation("dev-a", 2, now + 1, "01JDQ3ZV0000000000000000VV");
  v.set_kind(gridsync::v1::RECORD_KIND_VISIT);
  v.mutable_void_record()->set_reason("wrong household");
  Apply(&s, v);
  EXPECT_TRUE(MarksOf(s).empty());
}

TEST(Coverage, ACaseIsFollowedUpWhenEveryPartyWas) {
  const int64_t now = 1793462400000;
  RecordState s;
  auto c = testing::CaseMutation("dev-a", 1, now);
  c.mutable_create()->set_subject_id(testing::kTestHousehold);
  Apply(&s, c);
  uint64_t seq = 1;
  auto log = [&](const char* name, const google::protobuf::Message& payload) {
    ++seq;
    auto m = testing::CaseMutation("dev-a", seq, now + static_cast<int64_t>(seq));
    m.mutable_append_log()->set_log(name);
    m.mutable_append_log()->set_element_id("e" + std::to_string(seq));
    m.mutable_append_log()->set_payload(payload.SerializeAsString());
    Apply(&s, m);
  };
  gridsync::v1::Party p;
  p.set_name("王家");
  log("parties", p);
  p.set_name("张家");
  log("parties", p);
  gridsync::v1::FollowUp f;
  f.set_party_name("王家");
  log("follow_ups", f);
  ASSERT_TRUE(MarksOf(s).dispute.has_value());
  EXPECT_FALSE(MarksOf(s).dispute->followed_up_both);
  EXPECT_EQ(MarksOf(s).dispute->status, gridsync::v1::CASE_STATUS_REGISTERED);
  f.set_party_name("张家");
  log("follow_ups", f);
  EXPECT_TRUE(MarksOf(s).dispute->followed_up_both);
}

}  // namespace
}  // namespace gridsync::core
