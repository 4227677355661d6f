#include "core/attachment.h"

#include <gtest/gtest.h>

#include "core/validate.h"
#include "tests/core/test_mutations.h"

namespace gridsync::core {
namespace {

TEST(Attachment, Crc32cIsCastagnoli) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);  // the standard check value
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("56789", Crc32c("1234")), 0xE3069283u);  // continues
}

TEST(Attachment, Sha256OfKnownBytes) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.HexDigest(), Sha256Hex("abc"));
  EXPECT_TRUE(IsSha256Hex(Sha256Hex("abc")));
  EXPECT_FALSE(IsSha256Hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
  EXPECT_FALSE(IsSha256Hex("abc"));
}

TEST(Attachment, TypesAreTakenFromTheBytes) {
  EXPECT_EQ(SniffContentType(std::string("\xFF\xD8\xFF\xE0rest", 8)), "image/jpeg");
  EXPECT_EQ(SniffContentType(std::string("\x89PNG\r\n\x1A\n....", 12)), "image/png");
  EXPECT_EQ(SniffContentType("%PDF-1.7"), "application/pdf");
  EXPECT_EQ(SniffContentType("GIF89a"), "");
  EXPECT_EQ(SniffContentType(""), "");
  EXPECT_EQ(ExtensionOf("application/pdf"), "pdf");
  EXPECT_EQ(ExtensionOf("image/gif"), "");
}

gridsync::v1::PhotoRef GoodRef() {
  gridsync::v1::PhotoRef r;
  r.set_sha256(Sha256Hex("photo"));
  r.set_size(1000);
  r.set_content_type("image/jpeg");
  r.set_file_name("门口𠮷.jpg");
  return r;
}

TEST(Attachment, AReferenceIsCheckedPartByPart) {
  EXPECT_FALSE(CheckPhotoRef(GoodRef()));
  auto r = GoodRef();
  r.set_sha256("xyz");
  EXPECT_TRUE(CheckPhotoRef(r));
  r = GoodRef();
  r.set_size(0);
  EXPECT_TRUE(CheckPhotoRef(r));
  r.set_size(kMaxAttachmentBytesCeiling + 1);
  EXPECT_TRUE(CheckPhotoRef(r));
  r = GoodRef();
  r.set_content_type("image/gif");
  EXPECT_TRUE(CheckPhotoRef(r));
  r = GoodRef();
  r.set_file_name("../../etc/passwd");
  EXPECT_TRUE(CheckPhotoRef(r));
}

TEST(Attachment, AnAppendOfABadReferenceIsRefusedNamingThePayload) {
  // A case's attachments log takes PhotoRefs too.
  gridsync::v1::Mutation m = testing::CaseMutation("dev-a", 2, 1767225600000);
  auto* a = m.mutable_append_log();
  a->set_log("attachments");
  a->set_element_id("e1");
  auto ref = GoodRef();
  a->set_payload(ref.SerializeAsString());
  EXPECT_FALSE(ValidateMutation(m)) << ValidateMutation(m)->message;
  ref.set_content_type("text/html");
  a->set_payload(ref.SerializeAsString());
  auto v = ValidateMutation(m);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "append_log.payload");
  EXPECT_NE(v->message.find("image/jpeg"), std::string::npos) << v->message;
}

}  // namespace
}  // namespace gridsync::core
