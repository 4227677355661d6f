#include "core/utf8.h"

#include "core/validate.h"
#include "gtest/gtest.h"
#include "tests/core/test_mutations.h"

namespace gridsync::core {
namespace {

TEST(Utf8, AcceptsEveryPlaneAndTheCharactersOfNames) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("王芳 入户走访"));
  EXPECT_TRUE(IsValidUtf8("𠮷 𡒄 𪚥"));                           // CJK Extension B and later
  EXPECT_TRUE(IsValidUtf8("👨\u200D👩\u200D👧 👍🏽"));  // ZWJ, skin tone
  EXPECT_TRUE(IsValidUtf8("e\u0301 \uFFFD مرحبا"));               // combining, U+FFFD, RTL
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));                   // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));               // NUL is a character
}

TEST(Utf8, RefusesWhatIsNotUtf8AtTheFirstBadByte) {
  EXPECT_EQ(FirstInvalidUtf8("ok\xFF"), 2u);
  EXPECT_EQ(FirstInvalidUtf8("\xC0\x80"), 0u);          // overlong NUL (modified UTF-8)
  EXPECT_EQ(FirstInvalidUtf8("\xE0\x80\xAF"), 0u);      // overlong '/'
  EXPECT_EQ(FirstInvalidUtf8("\xF0\x80\x80\xAF"), 0u);  // overlong, 4 bytes
  EXPECT_EQ(FirstInvalidUtf8("x\xED\xA1\x82"), 1u);     // a surrogate half (Java's 𠮷 half)
  EXPECT_EQ(FirstInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(FirstInvalidUtf8("王\xE7\x8E"), 3u);    // truncated at the end
  EXPECT_EQ(FirstInvalidUtf8("\x80"), 0u);          // a lone continuation byte
  EXPECT_EQ(FirstInvalidUtf8("\xE7\x8E\x41"), 0u);  // a continuation that is not
}

TEST(Utf8, ModifiedUtf8OfACharacterOutsideTheBmpIsRefused) {
  // What JNI's GetStringUTFChars makes of 𠮷 (U+20BB7): two 3-byte halves.
  EXPECT_TRUE(IsValidUtf8("\xF0\xA0\xAE\xB7"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA1\x82\xED\xBE\xB7"));
}

TEST(Utf8, FindNamesTheNestedFieldAndItsIndex) {
  auto m = gridsync::testing::CaseMutation("d", 1, 1767225600000);
  auto* c = m.mutable_create();
  c->add_fields()->set_field("title");
  c->mutable_fields(0)->mutable_value()->set_string_value("好");
  c->add_fields()->set_field("notes");
  c->mutable_fields(1)->mutable_value()->set_string_value("bad \xED\xA1\x82");
  auto bad = FindInvalidUtf8(m);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->path, "create.fields[1].value.string_value");
  EXPECT_NE(
      bad->message.find("notes: string_value is not valid UTF-8 (bytes ED A1 82 at offset 4)"),
      std::string::npos)
      << bad->message;
  c->mutable_fields(1)->mutable_value()->set_string_value("𠮷");
  EXPECT_FALSE(FindInvalidUtf8(m).has_value());
}

TEST(Utf8, ValidateNamesTheRecordFieldOfABadValue) {
  auto m = gridsync::testing::SetString(gridsync::testing::CaseMutation("d", 1, 1767225600000),
                                        "title", "院墙\xED\xA1\x82");
  auto v = ValidateMutation(m);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->field, "set_field.value");
  EXPECT_NE(v->message.find("title is not valid UTF-8"), std::string::npos) << v->message;
}

TEST(Utf8, FindNamesAReasonThatIsNotUtf8) {
  auto m = gridsync::testing::CaseMutation("d", 1, 1767225600000);
  m.mutable_void_record()->set_reason("录错 \xC0\x80");
  EXPECT_FALSE(ValidateMutation(m).has_value());  // the shape is right
  auto bad = FindInvalidUtf8(m);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->path, "void_record.reason");
}

}  // namespace
}  // namespace gridsync::core
