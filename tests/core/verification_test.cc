#include "core/verification.h"

#include <gtest/gtest.h>

#include "core/coverage.h"
#include "core/coverage_builder.h"
#include "core/hlc.h"
#include "core/merge.h"
#include "core/validate.h"
#include "tests/core/test_mutations.h"

namespace gridsync::core {
namespace {

using gridsync::v1::Mutation;
using gridsync::v1::RecordState;
using gridsync::v1::VisitConfirmation;
using testing::kTestGrid;
using testing::kTestHousehold;

constexpr char kVisit[] = "01JDQ3ZV0000000000000000VS";
constexpr int64_t kT0 = 1'790'000'000'000;

Mutation VisitMutation(const std::string& device, uint64_t seq, int64_t ms) {
  Mutation m = testing::CaseMutation(device, seq, ms, kVisit);
  m.set_kind(gridsync::v1::RECORD_KIND_VISIT);
  return m;
}

Mutation Create() {
  Mutation m = VisitMutation("worker", 1, kT0);
  m.mutable_create()->set_subject_id(kTestHousehold);
  auto* f = m.mutable_create()->add_fields();
  f->set_field("visited_at_ms");
  f->mutable_value()->set_int_value(kT0);
  return m;
}

Mutation Verify(const std::string& device, uint64_t seq, int64_t ms, bool reached,
                VisitConfirmation c) {
  Mutation m = VisitMutation(device, seq, ms);
  gridsync::v1::VisitVerification v;
  v.set_method(gridsync::v1::VERIFICATION_METHOD_PHONE);
  v.set_reached(reached);
  v.set_confirmation(c);
  m.mutable_append_log()->set_log("verifications");
  m.mutable_append_log()->set_element_id(device + std::to_string(seq));
  m.mutable_append_log()->set_payload(v.SerializeAsString());
  return m;
}

RecordState Visit(const std::vector<Mutation>& ms) {
  RecordState s;
  for (const auto& m : ms) {
    EXPECT_FALSE(ValidateMutation(m).has_value()) << m.ShortDebugString();
    Apply(&s, m);
  }
  return s;
}

// The latest verification that reached the household decides; a visit
// found not made has no visit mark (out of 入户率) but stays counted here.
TEST(Verification, TheLatestThatReachedTheHouseholdDecides) {
  const RecordState confirmed = Visit(
      {Create(), Verify("office", 1, kT0 + 1000, true, gridsync::v1::VISIT_CONFIRMATION_NOT_MADE),
       Verify("office", 2, kT0 + 2000, true, gridsync::v1::VISIT_CONFIRMATION_CONFIRMED),
       Verify("office", 3, kT0 + 3000, false, gridsync::v1::VISIT_CONFIRMATION_UNSPECIFIED)});
  EXPECT_EQ(VerdictOf(confirmed).confirmation, gridsync::v1::VISIT_CONFIRMATION_CONFIRMED);
  CoverageMarks m = MarksOf(confirmed);
  ASSERT_TRUE(m.visit && m.verification);
  EXPECT_EQ(m.verification->household_id, kTestHousehold);

  const RecordState not_made = Visit(
      {Create(), Verify("office", 1, kT0 + 1000, true, gridsync::v1::VISIT_CONFIRMATION_NOT_MADE)});
  m = MarksOf(not_made);
  EXPECT_FALSE(m.visit);
  ASSERT_TRUE(m.verification);
  EXPECT_EQ(m.verification->confirmation, gridsync::v1::VISIT_CONFIRMATION_NOT_MADE);

  const RecordState unreached =
      Visit({Create(),
             Verify("office", 1, kT0 + 1000, false, gridsync::v1::VISIT_CONFIRMATION_UNSPECIFIED)});
  m = MarksOf(unreached);
  EXPECT_TRUE(m.visit);
  EXPECT_FALSE(m.verification);  // a call nobody answered verifies nothing
}

TEST(Verification, WhoMayVerify) {
  const Mutation v = Verify("office", 1, kT0, true, gridsync::v1::VISIT_CONFIRMATION_CONFIRMED);
  ASSERT_TRUE(IsVerification(v));
  EXPECT_FALSE(VerificationWriteRefusal(gridsync::v1::ROLE_TOWN_OFFICE, v));
  EXPECT_FALSE(VerificationWriteRefusal(gridsync::v1::ROLE_VILLAGE_SECRETARY, v));
  EXPECT_TRUE(VerificationWriteRefusal(gridsync::v1::ROLE_GRID_WORKER, v));
  const RecordState s = Visit({Create()});
  EXPECT_FALSE(OwnVisitRefusal(s, "office"));
  EXPECT_TRUE(OwnVisitRefusal(s, "worker"));              // its own visit
  EXPECT_TRUE(OwnVisitRefusal(RecordState(), "office"));  // no such visit
}

TEST(Verification, ValidationWantsAMethodAndAnAnswerWhenReached) {
  Mutation no_method = Verify("office", 1, kT0, true, gridsync::v1::VISIT_CONFIRMATION_CONFIRMED);
  gridsync::v1::VisitVerification v;
  v.set_reached(true);
  v.set_confirmation(gridsync::v1::VISIT_CONFIRMATION_CONFIRMED);
  no_method.mutable_append_log()->set_payload(v.SerializeAsString());
  auto bad = ValidateMutation(no_method);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "append_log.payload.method");
  bad = ValidateMutation(
      Verify("office", 1, kT0, true, gridsync::v1::VISIT_CONFIRMATION_UNSPECIFIED));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "append_log.payload.confirmation");
}

// The rank anyone can compute again: Python's
// int.from_bytes(hashlib.sha256(b"410185001201|202611|4101850012010010007")
// .digest()[:8], "big").
TEST(Verification, SampleRankIsSha256OfVillageMonthAndHousehold) {
  EXPECT_EQ(SampleRank("410185001201", 202611, "4101850012010010007"),
            uint64_t{11214926115219801307u});
  EXPECT_NE(SampleRank("410185001201", 202612, "4101850012010010007"),
            SampleRank("410185001201", 202611, "4101850012010010007"));
}

// 核实率 and the sample: per village min(sample, households visited plus
// those found not made); by the visit's worker.
TEST(Verification, CoverageCountsVerifiedConfirmedNotMadeAndTheSample) {
  auto nov = *MonthRange("2026-11");
  const ResolvedPeriod period{nov.first, nov.second, {nov.second, true}, 202611, nov.second};
  gridsync::v1::CheckPolicy policy;
  policy.set_verification_sample(3);
  CoverageBuilder b("410185001201", period, policy);
  b.AddHouseholds(kTestGrid, 20);
  b.AddVisited(kTestGrid, 2);  // two households visited (a third found not made)
  const std::string w = WorkerKey("dev-1", "王芳");
  for (auto c :
       {gridsync::v1::VISIT_CONFIRMATION_CONFIRMED, gridsync::v1::VISIT_CONFIRMATION_NOT_MADE,
        gridsync::v1::VISIT_CONFIRMATION_UNSURE}) {
    b.AddVerification({kTestGrid, kTestHousehold, w, nov.first + 1000, c});
  }
  b.AddVerification({kTestGrid, kTestHousehold, w, nov.second,
                     gridsync::v1::VISIT_CONFIRMATION_NOT_MADE});  // next month
  const auto v = std::move(b).Finish().verification();
  EXPECT_EQ(v.sample_per_village(), 3);
  EXPECT_EQ(v.sampled(), 3);  // min(3, 2 visited + 1 not made)
  EXPECT_EQ(v.verified(), 3);
  EXPECT_EQ(v.confirmed(), 1);
  EXPECT_EQ(v.not_made(), 1);
  EXPECT_EQ(v.unsure(), 1);
  EXPECT_DOUBLE_EQ(v.rate(), 1.0 / 3);
  ASSERT_EQ(v.by_worker_size(), 1);
  EXPECT_EQ(v.by_worker(0).worker(), "王芳");
  EXPECT_EQ(v.by_worker(0).not_made(), 1);
}

}  // namespace
}  // namespace gridsync::core
