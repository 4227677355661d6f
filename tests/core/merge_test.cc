#include "core/merge.h"

#include "core/case_level.h"
#include "core/view.h"
#include "gtest/gtest.h"
#include "tests/core/test_mutations.h"

namespace gridsync::core {
namespace {
using gridsync::testing::CaseMutation;
using gridsync::testing::SetString;
using gridsync::v1::RecordState;

const gridsync::v1::VersionVector& ContextOf(const RecordState& s, const std::string& field) {
  for (const auto& r : s.registers()) {
    if (r.field() == field) return r.context();
  }
  return gridsync::v1::VersionVector::default_instance();
}

TEST(Merge, ConcurrentEditsOfOneFieldAreKeptAsConflict) {
  RecordState a, b;
  auto create = CaseMutation("phone-a", 1, 1767225600000);
  create.mutable_create()->set_subject_id(gridsync::testing::kTestHousehold);
  Apply(&a, create);
  b = a;
  auto ea = SetString(CaseMutation("phone-a", 2, 1767225601000), "title", "wall between yards",
                      ContextOf(a, "title"));
  auto eb = SetString(CaseMutation("phone-b", 1, 1767225602000), "title", "boundary wall",
                      ContextOf(b, "title"));
  Apply(&a, ea);
  Apply(&b, eb);
  Join(&a, b);
  Join(&b, a);
  EXPECT_EQ(SerializeCanonical(a), SerializeCanonical(b));
  const auto view = BuildView(a);
  ASSERT_EQ(view.conflicts_size(), 1);
  EXPECT_EQ(view.conflicts(0).siblings_size(), 2);
  // Highest HLC wins: phone-b wrote a second later.
  EXPECT_EQ(view.dispute_case().title(), "boundary wall");
  EXPECT_EQ(view.conflicts(0).siblings(0).author(), "worker phone-b");
  EXPECT_EQ(view.conflicts(0).siblings(1).value().string_value(), "wall between yards");
}

TEST(Merge, WriteThatSawAllSiblingsResolvesConflict) {
  RecordState s;
  Apply(&s, SetString(CaseMutation("phone-a", 1, 1767225601000), "title", "x"));
  Apply(&s, SetString(CaseMutation("phone-b", 1, 1767225602000), "title", "y"));
  ASSERT_TRUE(HasConflict(s));
  Apply(&s, SetString(CaseMutation("clerk", 1, 1767225603000), "title", "x and y",
                      ContextOf(s, "title")));
  EXPECT_FALSE(HasConflict(s));
  EXPECT_EQ(BuildView(s).dispute_case().title(), "x and y");
}

TEST(Merge, EqualHlcTiesBreakByDeviceId) {
  RecordState s1, s2;
  auto a = SetString(CaseMutation("phone-a", 1, 1767225601000), "title", "a");
  auto b = SetString(CaseMutation("phone-b", 1, 1767225601000), "title", "b");
  Apply(&s1, a);
  Apply(&s1, b);
  Apply(&s2, b);
  Apply(&s2, a);
  EXPECT_EQ(BuildView(s1).dispute_case().title(), "b");
  EXPECT_EQ(SerializeCanonical(s1), SerializeCanonical(s2));
}

TEST(Merge, ConcurrentStatusWritesMergeForward) {
  RecordState s;
  auto m1 = CaseMutation("phone-a", 1, 1767225601000);
  m1.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_MEDIATING);
  auto m2 = CaseMutation("phone-b", 1, 1767225600000);
  m2.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_RESOLVED);
  Apply(&s, m1);
  Apply(&s, m2);
  EXPECT_EQ(DisplayStatus(s.status()), gridsync::v1::CASE_STATUS_RESOLVED);
  EXPECT_FALSE(HasConflict(s));
  auto m3 = CaseMutation("phone-c", 1, 1767225600000);
  m3.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_ESCALATED);
  Apply(&s, m3);
  // 上交 outranks the concurrent resolution: the town holds the case now,
  // REGISTERED in the next epoch (core/case_level.h).
  EXPECT_EQ(s.status().epoch(), 1u);
  EXPECT_EQ(DisplayStatus(s.status()), gridsync::v1::CASE_STATUS_REGISTERED);
  EXPECT_EQ(CaseLevelOf(s.status()), gridsync::v1::CASE_LEVEL_TOWN);
}

TEST(Merge, ReopenStartsANewEpochThatOutranksTheOld) {
  RecordState s;
  auto closed = CaseMutation("phone-a", 1, 1767225601000);
  closed.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_CLOSED);
  Apply(&s, closed);
  auto reopen = CaseMutation("town", 1, 1767225602000);
  reopen.mutable_reopen()->set_seen_status(gridsync::v1::CASE_STATUS_CLOSED);
  reopen.mutable_reopen()->set_to_status(gridsync::v1::CASE_STATUS_MEDIATING);
  reopen.mutable_reopen()->set_reason("party complained again");
  Apply(&s, reopen);
  EXPECT_EQ(s.status().epoch(), 1u);
  EXPECT_EQ(DisplayStatus(s.status()), gridsync::v1::CASE_STATUS_MEDIATING);
  Apply(&s, closed);  // a late duplicate of the old close changes nothing
  EXPECT_EQ(DisplayStatus(s.status()), gridsync::v1::CASE_STATUS_MEDIATING);
}

TEST(Merge, LogsAreUnionedByElementId) {
  RecordState a, b;
  auto s1 = CaseMutation("phone-a", 1, 1767225601000);
  s1.mutable_append_log()->set_log("follow_ups");
  s1.mutable_append_log()->set_element_id("f1");
  auto s2 = CaseMutation("phone-b", 1, 1767225602000);
  s2.mutable_append_log()->set_log("follow_ups");
  s2.mutable_append_log()->set_element_id("f2");
  Apply(&a, s1);
  Apply(&b, s2);
  Apply(&b, s1);
  Join(&a, b);
  ASSERT_EQ(a.logs_size(), 1);
  EXPECT_EQ(a.logs(0).elements_size(), 2);
}

TEST(Merge, VoidKeepsTheRecordAndTheEarliestReason) {
  RecordState s;
  Apply(&s, SetString(CaseMutation("phone-a", 1, 1767225601000), "title", "t"));
  auto v1 = CaseMutation("phone-a", 2, 1767225603000);
  v1.mutable_void_record()->set_reason("wrong household");
  auto v2 = CaseMutation("phone-b", 1, 1767225602000);
  v2.mutable_void_record()->set_reason("duplicate");
  Apply(&s, v1);
  Apply(&s, v2);
  EXPECT_EQ(s.void_mark().reason(), "duplicate");
  EXPECT_EQ(BuildView(s).dispute_case().title(), "t");
}

}  // namespace
}  // namespace gridsync::core
