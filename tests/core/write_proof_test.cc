// Signed writes (core/write_proof.h): a signature proves exactly the write
// it was made for, travels with it through every merge, and nothing else
// verifies.
#include "core/write_proof.h"

#include <gtest/gtest.h>

#include "core/merge.h"
#include "core/validate.h"
#include "tests/core/test_mutations.h"

namespace gridsync::testing {
namespace {

using core::SignedWritesOf;
using gridsync::v1::Mutation;
using gridsync::v1::RecordState;

constexpr int64_t kMs = 1764547200000;  // 2025-12-01

Mutation Create(const std::string& device, uint64_t seq) {
  Mutation m = CaseMutation(device, seq, kMs);
  m.mutable_create()->set_subject_id(kTestHousehold);
  auto* f = m.mutable_create()->add_fields();
  f->set_field("title");
  f->mutable_value()->set_string_value("院墙纠纷 𠮷");
  f = m.mutable_create()->add_fields();
  f->set_field("category");
  f->mutable_value()->set_int_value(1);
  return m;
}

core::SigningKey Key() {
  auto k = core::NewSigningKey();
  EXPECT_TRUE(k.ok()) << k.status();
  return *k;
}

// Every signed write of `s` verifies under `key`.
bool AllVerify(const RecordState& s, const std::string& key) {
  for (const auto& w : SignedWritesOf(s)) {
    if (!core::Verifies(key, w.claim, w.signature)) return false;
  }
  return true;
}

TEST(WriteProofTest, ASignedMutationsWritesVerifyInTheStateItMakes) {
  const core::SigningKey a = Key(), b = Key();
  Mutation create = Create("dev-a", 1);
  ASSERT_TRUE(core::Sign(a, &create).ok());
  EXPECT_EQ(create.signatures_size(), 3);  // the create and its two fields
  EXPECT_FALSE(core::ValidateMutation(create));
  Mutation note = SetString(CaseMutation("dev-a", 2, kMs + 1000), "title", "𡒄家院墙");
  ASSERT_TRUE(core::Sign(a, &note).ok());
  RecordState s;
  core::Apply(&s, create);
  core::Apply(&s, note);
  const auto writes = SignedWritesOf(s);
  ASSERT_EQ(writes.size(), 3u);  // the header, category, the newer title
  for (const auto& w : writes) {
    EXPECT_EQ(w.device_id, "dev-a");
    EXPECT_EQ(w.author, "worker dev-a");
    EXPECT_EQ(w.signature.size(), core::kSignatureBytes) << w.path;
  }
  EXPECT_TRUE(AllVerify(s, a.public_key));
  EXPECT_FALSE(AllVerify(s, b.public_key));
  // The key round-trips through its stored seed.
  auto again = core::SigningKeyFromSeed(a.seed);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key, a.public_key);
}

TEST(WriteProofTest, ASignatureProvesOnlyTheWriteItWasMadeFor) {
  const core::SigningKey a = Key();
  Mutation create = Create("dev-a", 1);
  ASSERT_TRUE(core::Sign(a, &create).ok());
  const RecordState s = core::ToDelta(create);
  const std::vector<core::SignedWrite> writes = SignedWritesOf(s);
  // Moved to another record, another field, another value or dot: fails.
  RecordState moved = s;
  moved.set_record_id("01JDQ3ZV0000000000000000AB");
  RecordState other_value = s;
  other_value.mutable_registers(1)->mutable_siblings(0)->mutable_value()->set_string_value("改");
  RecordState other_dot = s;
  other_dot.mutable_registers(1)->mutable_siblings(0)->mutable_dot()->set_counter(2);
  for (const RecordState* forged : {&moved, &other_value, &other_dot}) {
    EXPECT_FALSE(AllVerify(*forged, a.public_key));
  }
  // The author is not signed (the server fills it), so changing it leaves
  // the signature valid; the reader checks it against the device instead.
  RecordState renamed = s;
  renamed.mutable_registers(0)->mutable_siblings(0)->set_author("someone");
  EXPECT_TRUE(AllVerify(renamed, a.public_key));
  EXPECT_EQ(SignedWritesOf(renamed)[1].author, "someone");
}

TEST(WriteProofTest, AJoinKeepsTheSignedCopyOfAWriteInEitherOrder) {
  const core::SigningKey a = Key();
  Mutation create = Create("dev-a", 1);
  Mutation append = CaseMutation("dev-a", 2, kMs + 5);
  append.mutable_append_log()->set_log("sessions");
  append.mutable_append_log()->set_element_id("s1");
  Mutation voided = CaseMutation("dev-a", 3, kMs + 9);
  voided.mutable_void_record()->set_reason("重复登记");
  RecordState unsigned_state, signed_state;
  for (Mutation* m : {&create, &append, &voided}) {
    core::Apply(&unsigned_state, *m);
    ASSERT_TRUE(core::Sign(a, m).ok());
    core::Apply(&signed_state, *m);
  }
  RecordState ab = unsigned_state, ba = signed_state;
  core::Join(&ab, signed_state);
  core::Join(&ba, unsigned_state);
  EXPECT_EQ(core::SerializeCanonical(ab), core::SerializeCanonical(ba));
  EXPECT_EQ(core::SerializeCanonical(ab), core::SerializeCanonical(signed_state));
  EXPECT_EQ(SignedWritesOf(ab).size(), 5u);
  EXPECT_TRUE(AllVerify(ab, a.public_key));
}

TEST(WriteProofTest, SignaturesOfTheWrongCountOrSizeAreRefused) {
  Mutation create = Create("dev-a", 1);
  ASSERT_TRUE(core::Sign(Key(), &create).ok());
  Mutation fewer = create;
  fewer.mutable_signatures()->RemoveLast();
  auto v = core::ValidateMutation(fewer);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "signatures");
  EXPECT_NE(v->message.find("2 signatures for 3 writes"), std::string::npos) << v->message;
  Mutation short_sig = create;
  short_sig.set_signatures(0, std::string(63, 'x'));
  EXPECT_TRUE(core::ValidateMutation(short_sig));
  Mutation status = CaseMutation("dev-a", 2, kMs);
  status.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_ACCEPTED);
  status.add_signatures(std::string(64, 'x'));  // a status names no author: nothing to sign
  EXPECT_TRUE(core::ValidateMutation(status));
  EXPECT_FALSE(core::SigningKeyFromSeed("short").ok());
}

TEST(WriteProofTest, KeptWritesClaimOnlyThemselves) {
  const core::SigningKey a = Key();
  Mutation create = Create("dev-a", 1);
  Mutation edit = SetString(CaseMutation("dev-b", 7, kMs + 1000), "title", "改");
  *edit.mutable_set_field()->mutable_seen()->add_entries() = [] {
    gridsync::v1::Dot d;
    d.set_device_id("dev-c");  // a write the reader may not have
    d.set_counter(40);
    return d;
  }();
  RecordState s;
  core::Apply(&s, create);
  core::Apply(&s, edit);
  const auto writes = SignedWritesOf(s);
  std::vector<bool> keep(writes.size());
  for (size_t i = 0; i < writes.size(); ++i) keep[i] = writes[i].device_id == "dev-b";
  const RecordState kept = core::KeepWrites(s, keep);
  EXPECT_EQ(kept.header().created_hlc(), 0u);  // the create was not kept
  EXPECT_EQ(kept.header().grid_code(), kTestGrid);
  ASSERT_EQ(kept.registers_size(), 1);
  EXPECT_EQ(kept.registers(0).field(), "title");
  ASSERT_EQ(kept.registers(0).context().entries_size(), 1);
  EXPECT_EQ(kept.registers(0).context().entries(0).device_id(), "dev-b");
  EXPECT_EQ(kept.registers(0).context().entries(0).counter(), 7u);
  RecordState canonical;
  core::Join(&canonical, kept);
  EXPECT_EQ(core::SerializeCanonical(canonical), core::SerializeCanonical(kept));
}

}  // namespace
}  // namespace gridsync::testing
