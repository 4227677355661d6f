// The outbox in memory (client_sdk/outbox.h) and one retention pass
// (client_sdk/retention_pass.h), apart from a client.
#include "client_sdk/outbox.h"

#include <gtest/gtest.h>

#include "client_sdk/retention_pass.h"
#include "core/hlc.h"
#include "core/registry.h"

namespace gridsync::sdk {
namespace {

using gridsync::v1::OutboxEntry;
using gridsync::v1::RecordState;

OutboxEntry Set(uint64_t seq, const std::string& record, const std::string& value,
                uint64_t change_seq = 0, const std::string& device = "d1") {
  OutboxEntry e;
  auto* m = e.mutable_mutation();
  m->set_device_seq(seq);
  m->set_record_id(record);
  m->set_device_id(device);
  m->set_hlc(1000 + seq);
  m->mutable_set_field()->set_field("note");
  m->mutable_set_field()->mutable_value()->set_string_value(value);
  e.set_change_seq(change_seq);
  return e;
}

// The note's values as the state holds them (two writes neither saw: both).
std::set<std::string> Notes(const RecordState& s) {
  std::set<std::string> out;
  for (const auto& r : s.registers()) {
    if (r.field() != "note") continue;
    for (const auto& sib : r.siblings()) out.insert(sib.value().string_value());
  }
  return out;
}

TEST(OutboxTest, ReplaysEveryWriteOfTheRecordAndNoOther) {
  Outbox o;
  // Writes of two devices, so neither covers the other.
  o.Add(Set(7, "r1", "second", 0, "d2"));
  o.Add(Set(3, "r1", "first", 0, "d1"));
  o.Add(Set(5, "r2", "other"));
  RecordState s;
  o.Replay("r1", &s);
  EXPECT_EQ(Notes(s), (std::set<std::string>{"first", "second"}));
  EXPECT_EQ(o.RecordIds(), (std::set<std::string>{"r1", "r2"}));
}

TEST(OutboxTest, ARecordLeavesTheIndexWithItsLastEntry) {
  Outbox o;
  o.Add(Set(1, "r1", "a"));
  o.Add(Set(2, "r1", "b"));
  o.Remove(1);
  EXPECT_TRUE(o.Holds("r1"));
  o.Remove(2);
  o.Remove(2);  // twice is harmless
  EXPECT_FALSE(o.Holds("r1"));
  EXPECT_EQ(o.size(), 0u);
}

TEST(OutboxTest, PendingIsWhatTheServerHasNotAcknowledged) {
  Outbox o;
  o.Add(Set(1, "r1", "a", /*change_seq=*/40));
  o.Add(Set(2, "r1", "b"));
  o.Add(Set(3, "r2", "c", /*change_seq=*/41));
  EXPECT_TRUE(o.HasPending("r1"));
  EXPECT_FALSE(o.HasPending("r2"));
  EXPECT_EQ(o.CountPending(), 1);
  bool more = false;
  auto batch = o.PendingBatch(5, &more);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].device_seq(), 2u);
  EXPECT_FALSE(more);
}

TEST(OutboxTest, AnAcknowledgedCopyAddedReplacesTheEntry) {
  Outbox o;
  o.Add(Set(1, "r1", "a"));
  OutboxEntry acked = *o.Find(1);
  acked.set_change_seq(77);
  EXPECT_EQ(o.Find(1)->change_seq(), 0u);  // the copy is not the entry until added
  o.Add(acked);
  EXPECT_EQ(o.size(), 1u);
  EXPECT_EQ(o.Find(1)->change_seq(), 77u);
  EXPECT_FALSE(o.HasPending("r1"));
  EXPECT_EQ(o.Find(2), nullptr);
}

TEST(OutboxTest, ABatchSaysWhenMoreArePending) {
  Outbox o;
  for (uint64_t seq = 1; seq <= 3; ++seq) o.Add(Set(seq, "r1", "v"));
  bool more = false;
  EXPECT_EQ(o.PendingBatch(2, &more).size(), 2u);
  EXPECT_TRUE(more);
}

TEST(OutboxTest, APullCoversOnlyAcknowledgedEntriesUpToItsCursor) {
  Outbox o;
  o.Add(Set(1, "r1", "a", 10));
  o.Add(Set(2, "r1", "b", 20));
  o.Add(Set(3, "r1", "c"));
  EXPECT_EQ(o.CoveredBy(15), (std::vector<uint64_t>{1}));
  EXPECT_EQ(o.CoveredBy(20), (std::vector<uint64_t>{1, 2}));
}

gridsync::v1::RegistryChange Household(const std::string& id, bool left) {
  gridsync::v1::RegistryChange c;
  c.mutable_household()->set_household_id(id);
  c.mutable_household()->set_status(left ? gridsync::v1::HOUSEHOLD_STATUS_MOVED_OUT
                                         : core::kHouseholdActive);
  return c;
}

RecordState Visit(const std::string& id, const std::string& household, int64_t made_ms,
                  const std::string& photo) {
  RecordState s;
  s.set_record_id(id);
  s.mutable_header()->set_kind(gridsync::v1::RECORD_KIND_VISIT);
  s.mutable_header()->set_subject_id(household);
  s.mutable_header()->set_created_hlc(core::PackHlc(made_ms, 0));
  if (!photo.empty()) {
    auto* log = s.add_logs();
    log->set_log("photos");
    gridsync::v1::PhotoRef ref;
    ref.set_sha256(photo);
    auto* el = log->add_elements();
    el->set_element_id("e1");
    el->set_payload(ref.SerializeAsString());
  }
  return s;
}

TEST(RetentionPassTest, AHouseholdGoneLongEnoughGoesWithItsRecordsButNotWithUnsentWrites) {
  constexpr int64_t kDay = 86400000;
  const int64_t now = 400 * kDay;
  core::PhoneRetention policy;
  policy.left_ms = 90 * kDay;
  RetentionPass pass(policy, now, {{"h-left", now - 100 * kDay}, {"h-recent", now - 10 * kDay}});
  pass.OfferRegistry(Household("h-left", true));
  pass.OfferRegistry(Household("h-recent", true));
  pass.OfferRegistry(Household("h-home", false));
  pass.OfferRecord(Visit("v1", "h-left", now - 5 * kDay, "sha-gone"), false);
  pass.OfferRecord(Visit("v2", "h-left", now - 5 * kDay, "sha-shared"), /*in_outbox=*/true);
  pass.OfferRecord(Visit("v3", "h-left", now - 5 * kDay, "sha-shared"), false);
  pass.OfferRecord(Visit("v4", "h-recent", now - 5 * kDay, "sha-queued"), false);
  pass.OfferRecord(Visit("v5", "h-home", now - 5 * kDay, ""), false);
  RetentionPass::Letgo letgo = pass.Finish({"sha-queued"});
  EXPECT_EQ(letgo.records, (std::vector<std::string>{"v1", "v3"}));
  ASSERT_EQ(letgo.entries.size(), 1u);
  EXPECT_EQ(letgo.entries[0].household().household_id(), "h-left");
  // v2 keeps the shared photo; only v1's goes.
  EXPECT_EQ(letgo.files, (std::set<std::string>{"sha-gone"}));
}

}  // namespace
}  // namespace gridsync::sdk
