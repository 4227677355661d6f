// 平安夜巡 (issue 15, the record kind): several phones add to one patrol
// offline and nothing anyone added is lost; the times are registers; a
// patrol is of the grid's village, never about a household; it is scoped
// and validated like the other kinds.
#include <gtest/gtest.h>

#include "core/merge.h"
#include "tests/client_sdk/sdk_test.h"
#include "tools/common/client.h"

namespace gridsync::testing {
namespace {

using gridsync::v1::PatrolMember;
using gridsync::v1::PatrolPlace;
using gridsync::v1::PatrolProblem;

class PatrolTest : public SdkTest {};

PatrolMember Member(const std::string& name, gridsync::v1::PatrolRole role) {
  PatrolMember m;
  m.set_name(name);
  m.set_role(role);
  return m;
}

TEST_F(PatrolTest, TwoPhonesAddToOnePatrolOfflineAndBothKeepEverything) {
  Phone a = NewPhone(kGridA, "网格员甲");
  Phone b = NewPhone(kGridA, "网格员乙");
  const int64_t start = a->NowMs() - 3600000;
  auto patrol = a->Create(gridsync::v1::RECORD_KIND_PATROL, kGridA, "",
                          {F("started_at_ms", tools::IntValue(start)),
                           F("route", tools::StrValue("村委会—𠮷家巷—小学—砖厂"))});
  ASSERT_TRUE(patrol.ok()) << patrol.status();
  ASSERT_TRUE(
      a->AppendLog(*patrol, "members", Member("网格员甲", gridsync::v1::PATROL_ROLE_GRID_WORKER))
          .ok());
  SyncOk(a);
  SyncOk(b);
  // Offline, both at once: members, places and problems on each phone, and
  // the end time from one.
  ASSERT_TRUE(
      b->AppendLog(*patrol, "members", Member("王𡒄", gridsync::v1::PATROL_ROLE_PATROL_TEAM)).ok());
  PatrolPlace home;
  home.set_name("监管对象住所");
  home.set_kind(gridsync::v1::PATROL_PLACE_KIND_SUPERVISED_HOME);
  home.set_person_id(Person(kGridA, 3));
  home.set_checked_at_ms(start + 600000);
  ASSERT_TRUE(a->AppendLog(*patrol, "places", home).ok());
  PatrolPlace school;
  school.set_name("村小学门口");
  school.set_kind(gridsync::v1::PATROL_PLACE_KIND_KEY_PLACE);
  school.set_checked_at_ms(start + 900000);
  ASSERT_TRUE(b->AppendLog(*patrol, "places", school).ok());
  PatrolProblem lamp;
  lamp.set_category(gridsync::v1::PROBLEM_CATEGORY_SAFETY_HAZARD);
  lamp.set_description("砖厂路口路灯坏了三盏");
  lamp.set_found_at_ms(start + 1200000);
  ASSERT_TRUE(b->AppendLog(*patrol, "problems", lamp).ok());
  ASSERT_TRUE(a->SetField(*patrol, "ended_at_ms", tools::IntValue(start + 1800000)).ok());
  SyncOk(a);
  SyncOk(b);
  SyncOk(a);
  for (Phone* p : {&a, &b}) {
    auto rec = (*p)->Get(*patrol);
    ASSERT_TRUE(rec.ok()) << rec.status();
    ASSERT_TRUE(rec->has_patrol());
    EXPECT_EQ(rec->patrol().members_size(), 2);
    EXPECT_EQ(rec->patrol().places_size(), 2);
    EXPECT_EQ(rec->patrol().problems_size(), 1);
    EXPECT_EQ(rec->patrol().ended_at_ms(), start + 1800000);
    EXPECT_EQ(rec->patrol().route(), "村委会—𠮷家巷—小学—砖厂");
    ExpectSameAsServer(*p, *patrol);
  }
}

TEST_F(PatrolTest, APatrolIsOfAVillageAndIsValidatedAndScoped) {
  Phone a = NewPhone(kGridA, "网格员甲");
  // Never about a household.
  auto with_subject = a->Create(gridsync::v1::RECORD_KIND_PATROL, kGridA, Household(kGridA, 1),
                                {F("started_at_ms", tools::IntValue(a->NowMs()))});
  EXPECT_EQ(with_subject.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(with_subject.status().message().find("no subject"), std::string::npos)
      << with_subject.status();
  // A field a patrol does not have, a log it does not have, an entry too big.
  EXPECT_EQ(a->Create(gridsync::v1::RECORD_KIND_PATROL, kGridA, "",
                      {F("visited_at_ms", tools::IntValue(a->NowMs()))})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  auto patrol = a->Create(gridsync::v1::RECORD_KIND_PATROL, kGridA, "",
                          {F("started_at_ms", tools::IntValue(a->NowMs()))});
  ASSERT_TRUE(patrol.ok()) << patrol.status();
  EXPECT_EQ(
      a->AppendLog(*patrol, "mediation_sessions", gridsync::v1::MediationSession()).status().code(),
      absl::StatusCode::kInvalidArgument);
  PatrolProblem huge;
  huge.set_description(std::string(20000, 'x'));  // a log entry is at most 16 KB
  EXPECT_EQ(a->AppendLog(*patrol, "problems", huge).status().code(),
            absl::StatusCode::kInvalidArgument);
  SyncOk(a);
  // Another village's worker does not see it.
  Phone c = NewPhone(kGridC, "外村网格员");
  SyncOk(c);
  EXPECT_EQ(c->Get(*patrol).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(GetRecord(*patrol).has_state());
}

}  // namespace
}  // namespace gridsync::testing
