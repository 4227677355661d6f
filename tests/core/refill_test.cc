// What a refill may merge (core/refill.h): the sender's own writes, never
// another device's, and no context claiming more than the server has seen.
#include "core/refill.h"

#include <gtest/gtest.h>

#include "core/merge.h"
#include "core/validate.h"
#include "tests/core/test_mutations.h"

namespace gridsync::core {
namespace {

using gridsync::testing::CaseMutation;
using gridsync::testing::SetString;

constexpr int64_t kMs = 1764547200000;

gridsync::v1::Mutation Create(const std::string& device, uint64_t seq) {
  gridsync::v1::Mutation m = CaseMutation(device, seq, kMs);
  m.mutable_create()->set_subject_id(gridsync::testing::kTestHousehold);
  auto* f = m.mutable_create()->add_fields();
  f->set_field("title");
  f->mutable_value()->set_string_value("邻里纠纷");
  return m;
}

gridsync::v1::VersionVector Seen(const std::string& device, uint64_t counter) {
  gridsync::v1::VersionVector v;
  auto* d = v.add_entries();
  d->set_device_id(device);
  d->set_counter(counter);
  return v;
}

TEST(Refill, OwnWritesAreSplitFromOthersByDeviceAndAuthor) {
  gridsync::v1::RecordState s;
  Apply(&s, Create("dev-a", 1));
  Apply(&s, SetString(CaseMutation("dev-b", 1, kMs + 1), "mediator", "李𠮷"));
  auto own_title =
      SetString(CaseMutation("dev-a", 2, kMs + 2), "title", "土地纠纷", Seen("dev-a", 1));
  Apply(&s, own_title);
  // A write under dev-a's id but another author's name is not dev-a's.
  auto forged = SetString(CaseMutation("dev-a", 3, kMs + 3), "description", "x");
  forged.set_author("王支书");
  Apply(&s, forged);
  ASSERT_FALSE(ValidateState(s).has_value()) << ValidateState(s)->message;

  const RefillSplit split = SplitByWriter(s, "dev-a", "worker dev-a");
  EXPECT_EQ(split.own.header().created_by_device(), "dev-a");
  std::vector<std::string> own_fields, other_fields;
  for (const auto& r : split.own.registers()) own_fields.push_back(r.field());
  for (const auto& r : split.others.registers()) other_fields.push_back(r.field());
  EXPECT_EQ(own_fields, (std::vector<std::string>{"title"}));
  EXPECT_EQ(other_fields, (std::vector<std::string>{"description", "mediator"}));
  // Together they are the state again.
  gridsync::v1::RecordState both = split.own;
  Join(&both, split.others);
  EXPECT_EQ(SerializeCanonical(both), SerializeCanonical(s));
}

TEST(Refill, ARecordCreatedByAnotherIsTheirsWholeButItsKindAndGrid) {
  gridsync::v1::RecordState s;
  Apply(&s, Create("dev-b", 1));
  const RefillSplit split = SplitByWriter(s, "dev-a", "worker dev-a");
  EXPECT_EQ(split.own.header().created_hlc(), 0u);
  EXPECT_EQ(split.own.header().grid_code(), gridsync::testing::kTestGrid);
  EXPECT_TRUE(WritesOf(split.own).size() <= 1u);  // at most the status reached
  EXPECT_EQ(split.others.header().created_by_device(), "dev-b");
}

TEST(Refill, AReplicaRestoredOnThePhoneIsStillItsDevice) {
  gridsync::v1::RecordState s;
  auto m = Create("dev-a", 1);
  m.set_replica_epoch(7);  // its dots are "dev-a~7"
  Apply(&s, m);
  const RefillSplit split = SplitByWriter(s, "dev-a", "worker dev-a");
  EXPECT_FALSE(split.others.has_header());
  EXPECT_EQ(split.own.registers_size(), 1);
}

TEST(Refill, AContextClaimsNoMoreOfOthersThanTheServerHasSeen) {
  gridsync::v1::RecordState stored;
  Apply(&stored, Create("dev-a", 1));
  Apply(&stored, SetString(CaseMutation("dev-b", 1, kMs + 1), "mediator", "甲"));
  // The phone claims to have seen dev-b's writes up to 9 and dev-c's 4.
  gridsync::v1::VersionVector claim;
  for (auto [d, c] :
       std::vector<std::pair<std::string, uint64_t>>{{"dev-a", 1}, {"dev-b", 9}, {"dev-c", 4}}) {
    auto* e = claim.add_entries();
    e->set_device_id(d);
    e->set_counter(c);
  }
  gridsync::v1::RecordState own;
  Apply(&own, SetString(CaseMutation("dev-a", 2, kMs + 2), "mediator", "乙", claim));
  ClampContexts(&own, stored, "dev-a");
  const auto& ctx = own.registers(0).context();
  ASSERT_EQ(ctx.entries_size(), 2);
  EXPECT_EQ(ctx.entries(0).device_id(), "dev-a");
  EXPECT_EQ(ctx.entries(1).device_id(), "dev-b");
  EXPECT_EQ(ctx.entries(1).counter(), 1u);  // what the server holds, not 9
  // Joined, dev-b's value is replaced (the phone saw it), nothing is lost
  // that the server holds and the phone did not see.
  Join(&stored, own);
  for (const auto& r : stored.registers()) {
    if (r.field() == "mediator") {
      EXPECT_EQ(r.siblings_size(), 1);
    }
  }
}

}  // namespace
}  // namespace gridsync::core
