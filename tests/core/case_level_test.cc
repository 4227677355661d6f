// Who holds a case (化解在基层): 上交 moves it a level up, each level counts
// it from its own side, and cases stored before levels existed read the
// same way.
#include "core/case_level.h"

#include <limits>

#include "core/coverage.h"
#include "core/merge.h"
#include "core/validate.h"
#include "gtest/gtest.h"
#include "tests/core/test_mutations.h"

namespace gridsync::core {
namespace {

using gridsync::testing::CaseMutation;
using gridsync::v1::CaseCoverage;
using gridsync::v1::CaseStatus;
using gridsync::v1::RecordState;

constexpr int64_t kT0 = 1767225600000;  // 2026-01-01 00:00 UTC
constexpr int64_t kDay = 86400000;
constexpr int64_t kNow = std::numeric_limits<int64_t>::max();

// A case written step by step, one day apart, as the phones would.
class CaseLevelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto create = CaseMutation("village", ++seq_, kT0);
    create.mutable_create()->set_subject_id(gridsync::testing::kTestHousehold);
    Apply(&state_, create);
  }
  // The status write the holder makes; its check against the state first.
  absl::Status Set(CaseStatus s) {
    ++seq_;
    auto m = CaseMutation("dev", seq_, At(seq_));
    m.mutable_set_status()->set_status(s);
    m.mutable_set_status()->set_epoch(StatusEpochFor(state_.status()));
    if (auto st = CheckAgainstState(state_, m); !st.ok()) return st;
    Apply(&state_, m);
    return absl::OkStatus();
  }
  int64_t At(uint64_t step) const { return kT0 + static_cast<int64_t>(step) * kDay; }
  gridsync::v1::CaseSummary Summary() const {
    gridsync::v1::CaseSummary c;
    c.set_registered_at_ms(kT0);
    c.set_status(StatusHeld(state_.status()));
    *c.mutable_history() = state_.status().history();
    return c;
  }

  RecordState state_;
  uint64_t seq_ = 0;
};

TEST_F(CaseLevelTest, EscalatedCaseIsTheTownsAndItsResolutionCreditsTheTownAlone) {
  ASSERT_TRUE(Set(gridsync::v1::CASE_STATUS_MEDIATING).ok());  // step 2
  ASSERT_TRUE(Set(gridsync::v1::CASE_STATUS_ESCALATED).ok());  // step 3
  EXPECT_EQ(CaseLevelOf(state_.status()), gridsync::v1::CASE_LEVEL_TOWN);
  EXPECT_EQ(StatusHeld(state_.status()), gridsync::v1::CASE_STATUS_REGISTERED);
  ASSERT_TRUE(Set(gridsync::v1::CASE_STATUS_ACCEPTED).ok());  // step 4, the town
  ASSERT_TRUE(Set(gridsync::v1::CASE_STATUS_RESOLVED).ok());  // step 5
  const auto c = Summary();

  const CaseAtLevel village = CaseAt(c, gridsync::v1::CASE_LEVEL_VILLAGE, kNow);
  EXPECT_TRUE(village.reached);
  EXPECT_TRUE(village.left);
  EXPECT_EQ(village.entered_ms, kT0);
  const CaseAtLevel town = CaseAt(c, gridsync::v1::CASE_LEVEL_TOWN, kNow);
  EXPECT_TRUE(town.Holds());
  EXPECT_EQ(town.entered_ms, At(3));
  EXPECT_EQ(town.status, gridsync::v1::CASE_STATUS_RESOLVED);
  EXPECT_FALSE(CaseAt(c, gridsync::v1::CASE_LEVEL_COUNTY, kNow).reached);

  // As of the day after the escalation: the town holds it, registered.
  const int64_t then = At(3) + 1;
  EXPECT_EQ(CaseLevelAt(c, then), gridsync::v1::CASE_LEVEL_TOWN);
  EXPECT_EQ(CaseAt(c, gridsync::v1::CASE_LEVEL_TOWN, then).status,
            gridsync::v1::CASE_STATUS_REGISTERED);
  // Before it: the village's, mediating.
  EXPECT_EQ(CaseLevelAt(c, At(3)), gridsync::v1::CASE_LEVEL_VILLAGE);
  EXPECT_EQ(CaseAt(c, gridsync::v1::CASE_LEVEL_VILLAGE, At(3)).status,
            gridsync::v1::CASE_STATUS_MEDIATING);

  // The village: registered 1, escalated 1, resolved 0 (化解在基层率 0).
  // The town: received 1, resolved 1, open 0.
  const AsOf end{At(30), true};
  gridsync::v1::GetCoverageResponse cov;
  CountRegisteredCase(c, end, cov.mutable_cases());
  ASSERT_TRUE(CountReceivedCase(c, gridsync::v1::CASE_LEVEL_TOWN, kT0, At(30), end,
                                cov.mutable_received()));
  EXPECT_FALSE(CountReceivedCase(c, gridsync::v1::CASE_LEVEL_COUNTY, kT0, At(30), end,
                                 cov.mutable_received()));
  SetRates(&cov);
  EXPECT_EQ(cov.cases().registered(), 1);
  EXPECT_EQ(cov.cases().escalated(), 1);
  EXPECT_EQ(cov.cases().resolved(), 0);
  EXPECT_EQ(cov.cases().open(), 0);
  EXPECT_EQ(cov.received().registered(), 1);
  EXPECT_EQ(cov.received().resolved(), 1);
  EXPECT_EQ(cov.received().escalated(), 0);
  EXPECT_DOUBLE_EQ(cov.received().grassroots_rate(), 1.0);
  // A month that ended before the escalation reached the town: not its.
  EXPECT_FALSE(CountReceivedCase(c, gridsync::v1::CASE_LEVEL_TOWN, kT0, At(3), {At(3), true},
                                 cov.mutable_received()));
}

TEST_F(CaseLevelTest, TheTownEscalatesToTheCountyAndNoFurther) {
  ASSERT_TRUE(Set(gridsync::v1::CASE_STATUS_ESCALATED).ok());  // to the town
  ASSERT_TRUE(Set(gridsync::v1::CASE_STATUS_MEDIATING).ok());
  ASSERT_TRUE(Set(gridsync::v1::CASE_STATUS_ESCALATED).ok());  // to the county
  EXPECT_EQ(CaseLevelOf(state_.status()), gridsync::v1::CASE_LEVEL_COUNTY);
  const auto c = Summary();
  EXPECT_TRUE(CaseAt(c, gridsync::v1::CASE_LEVEL_TOWN, kNow).left);
  EXPECT_TRUE(CaseAt(c, gridsync::v1::CASE_LEVEL_COUNTY, kNow).Holds());
  EXPECT_TRUE(OpenAt(c, gridsync::v1::CASE_LEVEL_COUNTY, {At(10), true}));
  EXPECT_FALSE(OpenAt(c, gridsync::v1::CASE_LEVEL_TOWN, {At(10), true}));
  EXPECT_TRUE(OpenAt(c, gridsync::v1::CASE_LEVEL_TOWN, {At(3) + 1, true}));

  const absl::Status beyond = Set(gridsync::v1::CASE_STATUS_ESCALATED);
  EXPECT_EQ(beyond.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(beyond.message().find("county"), std::string::npos) << beyond;
}

TEST_F(CaseLevelTest, AFinishedCaseIsReopenedBeforeItIsEscalated) {
  ASSERT_TRUE(Set(gridsync::v1::CASE_STATUS_RESOLVED).ok());
  const absl::Status st = Set(gridsync::v1::CASE_STATUS_ESCALATED);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("reopened before"), std::string::npos) << st;
  EXPECT_EQ(CaseLevelOf(state_.status()), gridsync::v1::CASE_LEVEL_VILLAGE);
}

// Stored before levels existed: ESCALATED in the latest epoch, and the
// town's later close in that same epoch. The town holds it, and closed it;
// the town's first status write begins the next epoch.
TEST_F(CaseLevelTest, AnEscalationStoredBeforeLevelsReadsTheSameWay) {
  for (CaseStatus s : {gridsync::v1::CASE_STATUS_ESCALATED, gridsync::v1::CASE_STATUS_CLOSED}) {
    ++seq_;
    gridsync::v1::StatusState* st = state_.mutable_status();
    st->set_stages(st->stages() | (1u << s));
    auto* r = st->add_history();
    r->set_stage(s);
    r->set_at_ms(At(seq_));
  }
  EXPECT_EQ(state_.status().epoch(), 0u);
  EXPECT_EQ(CaseLevelOf(state_.status()), gridsync::v1::CASE_LEVEL_TOWN);
  EXPECT_EQ(StatusHeld(state_.status()), gridsync::v1::CASE_STATUS_CLOSED);
  const auto c = Summary();
  EXPECT_TRUE(CaseAt(c, gridsync::v1::CASE_LEVEL_VILLAGE, kNow).left);
  EXPECT_EQ(CaseAt(c, gridsync::v1::CASE_LEVEL_TOWN, kNow).entered_ms, At(2));
  EXPECT_EQ(StatusEpochFor(state_.status()), 1u);

  // Without history at all: the status is all there is.
  gridsync::v1::CaseSummary legacy;
  legacy.set_status(gridsync::v1::CASE_STATUS_ESCALATED);
  legacy.set_registered_at_ms(kT0);
  EXPECT_TRUE(CaseAt(legacy, gridsync::v1::CASE_LEVEL_VILLAGE, kNow).left);
  EXPECT_TRUE(OpenAt(legacy, gridsync::v1::CASE_LEVEL_TOWN, {At(1), true}));
}

// Stored before levels existed: escalated, then reopened at the village
// (the town sent it back) and resolved there. The village holds it and is
// credited; the town received it and holds it no more.
TEST_F(CaseLevelTest, ACaseSentBackBeforeLevelsIsTheVillagesAgain) {
  auto reach = [&](uint32_t epoch, CaseStatus s, uint64_t step) {
    gridsync::v1::StatusState* st = state_.mutable_status();
    if (epoch > st->epoch()) st->set_stages(0);
    st->set_epoch(epoch);
    st->set_stages(st->stages() | (1u << s));
    auto* r = st->add_history();
    r->set_epoch(epoch);
    r->set_stage(s);
    r->set_at_ms(At(step));
  };
  reach(0, gridsync::v1::CASE_STATUS_ESCALATED, 2);
  reach(1, gridsync::v1::CASE_STATUS_MEDIATING, 5);  // the reopen, days later
  reach(1, gridsync::v1::CASE_STATUS_RESOLVED, 6);
  EXPECT_EQ(CaseLevelOf(state_.status()), gridsync::v1::CASE_LEVEL_VILLAGE);
  const auto c = Summary();
  const CaseAtLevel village = CaseAt(c, gridsync::v1::CASE_LEVEL_VILLAGE, kNow);
  EXPECT_TRUE(village.Holds());
  EXPECT_FALSE(village.left);
  EXPECT_EQ(village.status, gridsync::v1::CASE_STATUS_RESOLVED);
  const CaseAtLevel town = CaseAt(c, gridsync::v1::CASE_LEVEL_TOWN, kNow);
  EXPECT_TRUE(town.reached);
  EXPECT_FALSE(town.Holds());
  EXPECT_FALSE(town.left);
  // Between the escalation and the reopen, the town held it.
  EXPECT_EQ(CaseLevelAt(c, At(4)), gridsync::v1::CASE_LEVEL_TOWN);
  gridsync::v1::GetCoverageResponse cov;
  CountRegisteredCase(c, {At(30), true}, cov.mutable_cases());
  EXPECT_EQ(cov.cases().resolved(), 1);
  EXPECT_EQ(cov.cases().escalated(), 0);
}

TEST(CaseLevel, ReceivingLevelOfAScope) {
  EXPECT_EQ(ReceivingLevelOf("410185"), gridsync::v1::CASE_LEVEL_COUNTY);
  EXPECT_EQ(ReceivingLevelOf("410185001"), gridsync::v1::CASE_LEVEL_TOWN);
  EXPECT_EQ(ReceivingLevelOf("410185001201"), gridsync::v1::CASE_LEVEL_UNSPECIFIED);
  EXPECT_EQ(ReceivingLevelOf("410185001201001"), gridsync::v1::CASE_LEVEL_UNSPECIFIED);
}

}  // namespace
}  // namespace gridsync::core
