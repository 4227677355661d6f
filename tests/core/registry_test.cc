// Each category reads its risk level on its own scale (社区矫正: 普管 / 严管),
// and imports and checks give one on it.
#include "core/registry.h"

#include "core/validate.h"
#include "gtest/gtest.h"
#include "tests/core/test_mutations.h"

namespace gridsync::core {
namespace {

using gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS;
using gridsync::v1::PERSON_CATEGORY_LEFT_BEHIND_CHILD;
using gridsync::v1::PERSON_CATEGORY_SEVERE_MENTAL_DISORDER;

TEST(RiskScale, EachCategoryReadsItsOwnLevels) {
  EXPECT_EQ(RiskLevelName(PERSON_CATEGORY_COMMUNITY_CORRECTIONS, 1), "普管");
  EXPECT_EQ(RiskLevelName(PERSON_CATEGORY_COMMUNITY_CORRECTIONS, 2), "严管");
  EXPECT_EQ(RiskLevelName(PERSON_CATEGORY_COMMUNITY_CORRECTIONS, 0), "普管");  // not graded
  EXPECT_EQ(RiskLevelName(PERSON_CATEGORY_SEVERE_MENTAL_DISORDER, 3), "3级");
  EXPECT_EQ(RiskLevelName(PERSON_CATEGORY_LEFT_BEHIND_CHILD, 1), "—");        // care: no scale
  EXPECT_EQ(RiskLevelName(PERSON_CATEGORY_SEVERE_MENTAL_DISORDER, -1), "—");  // not recorded
}

TEST(RiskScale, AnImportGivesALevelOnTheCategorysScale) {
  gridsync::v1::SupervisedPerson p;
  p.set_person_id("410185001201001000101");
  p.set_household_id("4101850012010010001");
  p.set_category(PERSON_CATEGORY_COMMUNITY_CORRECTIONS);
  p.set_risk_level(2);
  EXPECT_EQ(CheckPerson(p), std::nullopt);
  p.set_risk_level(3);
  auto why = CheckPerson(p);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("1 普管, 2 严管"), std::string::npos) << *why;
  p.set_category(PERSON_CATEGORY_SEVERE_MENTAL_DISORDER);
  EXPECT_EQ(CheckPerson(p), std::nullopt);
  p.set_risk_level(6);
  EXPECT_TRUE(CheckPerson(p).has_value());
}

TEST(RiskScale, ACheckNamingItsCategoryGivesALevelOnItsScale) {
  auto m = testing::CaseMutation("dev-a", 1, 1767225600000, "01JDQ3ZV0000000000000000CK");
  m.set_kind(gridsync::v1::RECORD_KIND_SPECIAL_CHECK);
  m.mutable_create()->set_subject_id(std::string(gridsync::testing::kTestHousehold) + "01");
  auto field = [&](const char* name, int64_t v) {
    auto* f = m.mutable_create()->add_fields();
    f->set_field(name);
    f->mutable_value()->set_int_value(v);
  };
  field("checked_at_ms", 1767225600000);
  field("category", PERSON_CATEGORY_COMMUNITY_CORRECTIONS);
  field("risk_level", 4);
  auto v = ValidateMutation(m);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->field, "create.fields[2].value");
  m.mutable_create()->mutable_fields(2)->mutable_value()->set_int_value(2);
  EXPECT_EQ(ValidateMutation(m), std::nullopt) << ValidateMutation(m)->message;
}

}  // namespace
}  // namespace gridsync::core
