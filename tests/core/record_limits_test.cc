// A record's limits (core/record_limits.h): what they refuse, what they never
// refuse, and a state stored before them made to fit its readers.
#include "core/record_limits.h"

#include <gtest/gtest.h>

#include "core/merge.h"
#include "core/validate.h"
#include "gridsync/v1/records.pb.h"
#include "tests/core/test_mutations.h"

namespace gridsync::core {
namespace {

using gridsync::testing::CaseMutation;

constexpr int64_t kMs = 1764547200000;  // 2025-12-01

gridsync::v1::Mutation FollowUp(uint64_t seq, const std::string& eid, size_t notes_bytes) {
  gridsync::v1::FollowUp f;
  f.set_at_ms(kMs);
  f.set_notes(std::string(notes_bytes, 'x'));
  gridsync::v1::Mutation m = CaseMutation("dev-a", seq, kMs + static_cast<int64_t>(seq));
  m.mutable_append_log()->set_log("follow_ups");
  m.mutable_append_log()->set_element_id(eid);
  m.mutable_append_log()->set_payload(f.SerializeAsString());
  return m;
}

TEST(RecordLimits, ALogTakes500EntriesAndRefusesTheNextNamingTheLimit) {
  gridsync::v1::RecordState s;
  for (int i = 0; i < kMaxLogElements; ++i) {
    auto m = FollowUp(i + 1, "f" + std::to_string(1000 + i), 10);
    ASSERT_TRUE(CheckAgainstState(s, m).ok()) << i;
    Apply(&s, m);
  }
  absl::Status st = CheckAgainstState(s, FollowUp(501, "f9999", 10));
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find("500"), std::string::npos) << st.message();
  // The same entry again adds nothing: it is not refused.
  EXPECT_TRUE(CheckAgainstState(s, FollowUp(502, "f1000", 10)).ok());
}

TEST(RecordLimits, WritesPastAMebibyteAreRefusedButTheCaseCanStillMoveOn) {
  gridsync::v1::RecordState s;
  int applied = 0;
  for (int i = 0; i < 400; ++i) {
    auto m = FollowUp(i + 1, "f" + std::to_string(1000 + i), 3900);
    if (!CheckAgainstState(s, m).ok()) break;
    Apply(&s, m);
    ++applied;
  }
  EXPECT_GT(applied, 200);
  EXPECT_LT(applied, 300);
  EXPECT_LE(s.ByteSizeLong(), kMaxRecordBytes);
  auto next = FollowUp(900, "f9999", 3900);
  absl::Status st = CheckAgainstState(s, next);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find("1048576"), std::string::npos) << st.message();
  gridsync::v1::Mutation resolve = CaseMutation("dev-a", 901, kMs + 5000);
  resolve.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_MEDIATING);
  EXPECT_TRUE(CheckAgainstState(s, resolve).ok());
  gridsync::v1::Mutation voided = CaseMutation("dev-a", 902, kMs + 6000);
  voided.mutable_void_record()->set_reason("entered twice");
  EXPECT_TRUE(CheckAgainstState(s, voided).ok());
}

TEST(RecordLimits, APayloadWithFieldsTheSchemaDoesNotHaveIsRefused) {
  auto m = FollowUp(1, "f1", 10);
  std::string padded = m.append_log().payload();
  padded += std::string("\xba\x3e\x05", 3) + "abcde";  // field 999, 5 bytes
  m.mutable_append_log()->set_payload(padded);
  auto v = ValidateMutation(m);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->field, "append_log.payload");
  EXPECT_NE(v->message.find("does not have"), std::string::npos) << v->message;
}

TEST(RecordLimits, AStateStoredBeforeTheLimitsIsTrimmedToFitItsReaders) {
  gridsync::v1::RecordState s;
  // 700 entries with 2 KB each of bytes the schema does not know, as a
  // server before the limits took them: 1.4 MB, 700 in one log.
  for (int i = 0; i < 700; ++i) {
    auto m = FollowUp(i + 1, "f" + std::to_string(1000 + i), 20);
    std::string padded =
        m.append_log().payload() + std::string("\xba\x3e\xd0\x0f", 4) + std::string(2000, 'p');
    m.mutable_append_log()->set_payload(padded);
    Apply(&s, m);
  }
  ASSERT_GT(s.ByteSizeLong(), kMaxRecordBytes);
  EXPECT_EQ(OverLimits(s).size(), 2u);  // its size, and its log
  gridsync::v1::RecordState trimmed = s;
  EXPECT_TRUE(TrimForReaders(&trimmed));
  EXPECT_TRUE(OverLimits(trimmed).empty());
  ASSERT_EQ(trimmed.logs(0).elements_size(), kMaxLogElements);
  // The first 500 entries, as the schema knows them.
  EXPECT_EQ(trimmed.logs(0).elements(0).element_id(), s.logs(0).elements(0).element_id());
  gridsync::v1::FollowUp f;
  ASSERT_TRUE(f.ParseFromString(trimmed.logs(0).elements(0).payload()));
  EXPECT_EQ(f.notes(), std::string(20, 'x'));
  EXPECT_EQ(trimmed.logs(0).elements(0).payload(), f.SerializeAsString());
  // A state within the limits is not touched.
  gridsync::v1::RecordState small;
  Apply(&small, FollowUp(1, "f1", 10));
  const std::string before = small.SerializeAsString();
  EXPECT_FALSE(TrimForReaders(&small));
  EXPECT_EQ(small.SerializeAsString(), before);
}

TEST(RecordLimits, ARecordTooLargeEvenAsTheSchemaKnowsItLosesItsLastEntries) {
  gridsync::v1::RecordState s;
  for (int i = 0; i < 400; ++i) Apply(&s, FollowUp(i + 1, "f" + std::to_string(1000 + i), 3900));
  ASSERT_GT(s.ByteSizeLong(), kMaxRecordBytes);
  gridsync::v1::RecordState trimmed = s;
  EXPECT_TRUE(TrimForReaders(&trimmed));
  EXPECT_LE(trimmed.ByteSizeLong(), kMaxRecordBytes + 64);
  EXPECT_GT(trimmed.logs(0).elements_size(), 200);
  EXPECT_EQ(trimmed.logs(0).elements(0).element_id(), "f1000");
}

}  // namespace
}  // namespace gridsync::core
