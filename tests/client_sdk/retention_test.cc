// Only what the job needs (issue 14): a person whose supervision ended and
// a household that left the grid leave the phones of the grid after the
// server's retention period, with their records, while open cases stay and
// the server keeps everything. The server's clock is moved, not waited for.
#include "core/retention.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/client_sdk/sdk_test.h"
#include "tools/common/client.h"

namespace gridsync::testing {
namespace {

constexpr int64_t kDay = 86400000;

class RetentionTest : public SdkTest {
 protected:
  void SetUp() override {
    // The sync service's clock, moved by the test.
    options_.wall_clock = [this] { return core::SystemWallMs() + ahead_ms_.load(); };
    SdkTest::SetUp();
    RestartServer();
  }
  std::atomic<int64_t> ahead_ms_{0};
};

TEST_F(RetentionTest, WhoLeftLeavesThePhoneAfterThePeriodAndStaysOnTheServer) {
  const int64_t now = core::SystemWallMs();
  const std::string moved = Household(kGridA, 5), stays = Household(kGridA, 6);
  const std::string released = Person(kGridA, 7);
  Phone p = NewPhone(kGridA, "网格员甲");
  SyncOk(p);
  // Records about all three, synced; an open case at the household leaving.
  const std::string moved_visit = NewVisit(p, kGridA, 5);
  const std::string stays_visit = NewVisit(p, kGridA, 6);
  auto check = p->Create(
      gridsync::v1::RECORD_KIND_SPECIAL_CHECK, kGridA, released,
      {F("checked_at_ms", tools::IntValue(p->NowMs())), F("risk_level", tools::IntValue(1))});
  ASSERT_TRUE(check.ok()) << check.status();
  auto open_case =
      p->Create(gridsync::v1::RECORD_KIND_DISPUTE_CASE, kGridA, moved,
                {F("category", tools::IntValue(gridsync::v1::DISPUTE_CATEGORY_NEIGHBOURS)),
                 F("title", tools::StrValue("搬走前的院墙纠纷")),
                 F("registered_at_ms", tools::IntValue(p->NowMs()))});
  ASSERT_TRUE(open_case.ok()) << open_case.status();
  SyncOk(p);

  // The county's import: the household moved out, supervision ended.
  gridsync::v1::ImportRegistryRequest req;
  auto* h = req.add_households();
  h->set_household_id(moved);
  h->set_grid_code(kGridA);
  h->set_status(gridsync::v1::HOUSEHOLD_STATUS_MOVED_OUT);
  auto* person = req.add_persons();
  person->set_person_id(released);
  person->set_household_id(Household(kGridA, 7));
  person->set_name("𠮷某");
  person->set_category(gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS);
  person->set_supervised_until_ms(now - kDay);
  Import(req);
  auto r = p->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->forgotten, 0);

  // 85 days on: within the period, everything stays.
  ahead_ms_ = 85 * kDay;
  r = p->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->forgotten, 0);
  EXPECT_TRUE(p->Get(*check).ok());
  EXPECT_TRUE(p->Get(moved_visit).ok());

  // 95 days on: the person and the household are gone from the phone, with
  // their check and visit; the open case and the rest stay.
  ahead_ms_ = 95 * kDay;
  r = p->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  // The check, the visit, the household and its own supervised person, and
  // the released person.
  EXPECT_EQ(r->forgotten, 5);
  EXPECT_EQ(p->Get(*check).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(p->Get(moved_visit).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(p->Get(*open_case).ok());
  EXPECT_TRUE(p->Get(stays_visit).ok());
  auto list = p->ListHouseholds(kGridA, "", 0, 1000);
  ASSERT_TRUE(list.ok()) << list.status();
  for (const auto& row : list->households()) EXPECT_NE(row.household().household_id(), moved);
  auto due = p->ListDueChecks(kGridA, 366, 0, 1000);
  ASSERT_TRUE(due.ok()) << due.status();
  for (const auto& row : due->persons()) {
    EXPECT_NE(row.person().person_id(), released);
    EXPECT_NE(row.person().person_id(), Person(kGridA, 5));
  }
  EXPECT_GT(due->total(), 10);  // the grid's other persons stay
  // Nothing more goes at the next sync; the server still has it all.
  r = p->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->forgotten, 0);
  for (const std::string& id : {*check, moved_visit}) EXPECT_TRUE(GetRecord(id).has_state()) << id;

  // A phone enrolled now pulls the grid's records again from the server and
  // lets the same ones go at once.
  Phone fresh = NewPhone(kGridA, "网格员乙");
  r = fresh->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(fresh->Get(*check).ok());
  EXPECT_TRUE(fresh->Get(stays_visit).ok());
}

TEST(PhoneRetentionTest, OpenCasesStayAndYearOldRecordsGo) {
  const int64_t now = core::SystemWallMs();
  core::PhoneRetention policy;
  gridsync::v1::RecordState visit;
  visit.mutable_header()->set_kind(gridsync::v1::RECORD_KIND_VISIT);
  visit.mutable_header()->set_created_hlc(core::PackHlc(now - 300 * kDay, 0));
  EXPECT_TRUE(core::KeepOnPhone(visit, false, now, policy));
  EXPECT_FALSE(core::KeepOnPhone(visit, true, now, policy));
  visit.mutable_header()->set_created_hlc(core::PackHlc(now - 400 * kDay, 0));
  EXPECT_FALSE(core::KeepOnPhone(visit, false, now, policy));
  gridsync::v1::RecordState c = visit;
  c.mutable_header()->set_kind(gridsync::v1::RECORD_KIND_DISPUTE_CASE);
  EXPECT_TRUE(core::KeepOnPhone(c, true, now, policy));  // registered, not finished
  // A finished case stays a year after it finished, however old (积案化解
  // counts in the month it was resolved).
  c.mutable_status()->set_stages(1u << gridsync::v1::CASE_STATUS_REGISTERED |
                                 1u << gridsync::v1::CASE_STATUS_RESOLVED);
  auto* resolved = c.mutable_status()->add_history();
  resolved->set_stage(gridsync::v1::CASE_STATUS_RESOLVED);
  resolved->set_at_ms(now - 30 * kDay);
  EXPECT_TRUE(core::KeepOnPhone(c, false, now, policy));
  resolved->set_at_ms(now - 380 * kDay);
  EXPECT_FALSE(core::KeepOnPhone(c, false, now, policy));
  // A trouble spot stays until a year after it was rectified.
  gridsync::v1::RecordState spot = visit;  // created 400 days ago
  spot.mutable_header()->set_kind(gridsync::v1::RECORD_KIND_TROUBLE_SPOT);
  EXPECT_TRUE(core::KeepOnPhone(spot, false, now, policy));  // not rectified
  auto* state = spot.add_registers();
  state->set_field("state");
  auto* sibling = state->add_siblings();
  sibling->set_hlc(core::PackHlc(now - 30 * kDay, 0));
  sibling->mutable_value()->set_int_value(gridsync::v1::RECTIFICATION_STATE_RECTIFIED);
  EXPECT_TRUE(core::KeepOnPhone(spot, false, now, policy));
  sibling->set_hlc(core::PackHlc(now - 370 * kDay, 0));
  EXPECT_FALSE(core::KeepOnPhone(spot, false, now, policy));
}

}  // namespace
}  // namespace gridsync::testing
