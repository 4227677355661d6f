#include "core/validate.h"

#include "core/merge.h"
#include "gridsync/v1/records.pb.h"
#include "gtest/gtest.h"
#include "tests/core/test_mutations.h"

namespace gridsync::core {
namespace {
using gridsync::testing::CaseMutation;
using gridsync::testing::SetString;

std::string FieldOf(const gridsync::v1::Mutation& m) {
  auto v = ValidateMutation(m);
  return v ? v->field : "";
}

TEST(Validate, AcceptsAWellFormedEdit) {
  EXPECT_EQ(FieldOf(SetString(CaseMutation("d", 1, 1767225600000), "title", "wall")), "");
}

TEST(Validate, NamesTheFieldThatIsWrong) {
  auto m = SetString(CaseMutation("d", 1, 1767225600000), "title", "t");
  m.set_record_id("not-an-id");
  EXPECT_EQ(FieldOf(m), "record_id");
  m = SetString(CaseMutation("d", 0, 1767225600000), "title", "t");
  EXPECT_EQ(FieldOf(m), "device_seq");
  m = SetString(CaseMutation("d", 1, 1767225600000), "title", "t");
  m.set_grid_code("4101");
  EXPECT_EQ(FieldOf(m), "grid_code");
  m = SetString(CaseMutation("d", 1, 1767225600000), "no_such_field", "t");
  EXPECT_EQ(FieldOf(m), "set_field.field");
  m = SetString(CaseMutation("d", 1, 1767225600000), "title", std::string(201, 'x'));
  EXPECT_EQ(FieldOf(m), "set_field.value");
  m = SetString(CaseMutation("d", 1, 1767225600000), "urgent_major_hard", "yes");
  EXPECT_EQ(FieldOf(m), "set_field.value");
  m = CaseMutation("d", 1, 1767225600000);
  EXPECT_EQ(FieldOf(m), "op");
  m.mutable_set_field()->set_field("category");
  m.mutable_set_field()->mutable_value()->set_int_value(99);
  EXPECT_EQ(FieldOf(m), "set_field.value");
}

TEST(Validate, VisitNeedsAHouseholdOfItsGrid) {
  auto m = CaseMutation("d", 1, 1767225600000);
  m.set_kind(gridsync::v1::RECORD_KIND_VISIT);
  m.mutable_create()->set_subject_id("4101850012010020001");  // grid ...002
  EXPECT_EQ(FieldOf(m), "create.subject_id");
  m.mutable_create()->set_subject_id(gridsync::testing::kTestHousehold);
  EXPECT_EQ(FieldOf(m), "");
}

TEST(Validate, LogPayloadMustParseAndBeSane) {
  auto m = CaseMutation("d", 1, 1767225600000);
  m.mutable_append_log()->set_log("mediation_sessions");
  m.mutable_append_log()->set_element_id("e1");
  m.mutable_append_log()->set_payload("\xff\xff\xff");
  EXPECT_EQ(FieldOf(m), "append_log.payload");
  gridsync::v1::MediationSession s;
  s.set_held_at_ms(12);
  m.mutable_append_log()->set_payload(s.SerializeAsString());
  EXPECT_EQ(FieldOf(m), "append_log.payload.held_at_ms");
  s.set_held_at_ms(1767225600000);
  m.mutable_append_log()->set_payload(s.SerializeAsString());
  EXPECT_EQ(FieldOf(m), "");
}

// A questionnaire (issue 15): its version and visit are checked, an answer
// or opinion with nothing in it is refused, a level off the scale too.
TEST(Validate, AQuestionnaireFieldByField) {
  auto survey = [] {
    auto m = CaseMutation("d", 1, 1767225600000);
    m.set_kind(gridsync::v1::RECORD_KIND_SURVEY);
    return m;
  };
  EXPECT_EQ(FieldOf(SetString(survey(), "form_version", "2026-Q4")), "");
  EXPECT_EQ(FieldOf(SetString(survey(), "form_version", "2026/Q4")), "set_field.value");
  EXPECT_EQ(FieldOf(SetString(survey(), "form_version", std::string(41, 'q'))), "set_field.value");
  EXPECT_EQ(FieldOf(SetString(survey(), "visit_record_id", "01JDQ5ZZZZZZZZZZZZZZZZZZZZ")), "");
  EXPECT_EQ(FieldOf(SetString(survey(), "visit_record_id", "the visit")), "set_field.value");
  auto level = survey();
  level.mutable_set_field()->set_field("safety");
  level.mutable_set_field()->mutable_value()->set_int_value(6);  // 不清楚
  EXPECT_EQ(FieldOf(level), "");
  level.mutable_set_field()->mutable_value()->set_int_value(7);  // 基本安全
  EXPECT_EQ(FieldOf(level), "");
  level.mutable_set_field()->mutable_value()->set_int_value(8);
  EXPECT_EQ(FieldOf(level), "set_field.value");
  level.mutable_set_field()->mutable_value()->set_int_value(0);  // "not asked" is not written
  EXPECT_EQ(FieldOf(level), "set_field.value");

  auto log = [&](const std::string& name, const google::protobuf::Message& e) {
    auto m = survey();
    m.mutable_append_log()->set_log(name);
    m.mutable_append_log()->set_element_id("e1");
    m.mutable_append_log()->set_payload(e.SerializeAsString());
    return ValidateMutation(m);
  };
  gridsync::v1::SurveyAnswer a;
  a.set_question_id("q3");
  a.set_choice(2);
  EXPECT_FALSE(log("answers", a));
  a.set_choice(101);
  EXPECT_EQ(log("answers", a)->field, "append_log.payload.choice");
  a.set_choice(0);
  EXPECT_EQ(log("answers", a)->field, "append_log.payload");  // neither a choice nor a text
  a.set_text("说不上来");
  EXPECT_FALSE(log("answers", a));
  a.clear_question_id();
  EXPECT_EQ(log("answers", a)->field, "append_log.payload.question_id");
  gridsync::v1::SurveyOpinion o;
  EXPECT_EQ(log("opinions", o)->field, "append_log.payload");
  o.set_text("路灯坏了");
  EXPECT_FALSE(log("opinions", o));
}

// 排查上报: a month (yyyymm) it screened is required; counts are not negative;
// it is of the grid's village, about no household.
TEST(Validate, AScreeningReportNamesItsMonth) {
  auto report = [](std::vector<std::pair<std::string, int64_t>> fields) {
    auto m = CaseMutation("d", 1, 1767225600000);
    m.set_kind(gridsync::v1::RECORD_KIND_SCREENING_REPORT);
    auto* c = m.mutable_create();
    for (const auto& [name, v] : fields) {
      auto* f = c->add_fields();
      f->set_field(name);
      f->mutable_value()->set_int_value(v);
    }
    return m;
  };
  EXPECT_EQ(FieldOf(report({{"month", 202611}, {"disputes_found", 0}})), "");
  EXPECT_EQ(FieldOf(report({{"disputes_found", 3}})), "create.fields");  // no month
  EXPECT_EQ(FieldOf(report({{"month", 202613}})), "create.fields[0].value");
  EXPECT_EQ(FieldOf(report({{"month", 202600}})), "create.fields[0].value");
  EXPECT_EQ(FieldOf(report({{"month", 1999}})), "create.fields[0].value");
  EXPECT_EQ(FieldOf(report({{"month", 202611}, {"disputes_found", -1}})), "create.fields[1].value");
  EXPECT_EQ(FieldOf(report({{"month", 202611}, {"hazards_found", 100001}})),
            "create.fields[1].value");
  auto about = report({{"month", 202611}});
  about.mutable_create()->set_subject_id(gridsync::testing::kTestHousehold);
  EXPECT_EQ(FieldOf(about), "create.subject_id");
  auto fix = CaseMutation("d", 1, 1767225600000);  // a correction of the month
  fix.set_kind(gridsync::v1::RECORD_KIND_SCREENING_REPORT);
  fix.mutable_set_field()->set_field("month");
  fix.mutable_set_field()->mutable_value()->set_int_value(202612);
  EXPECT_EQ(FieldOf(fix), "");
  fix.mutable_set_field()->mutable_value()->set_int_value(20261);
  EXPECT_EQ(FieldOf(fix), "set_field.value");
}

TEST(Validate, ASurveyFormNamesItsFirstProblem) {
  gridsync::v1::SurveyForm f;
  f.set_version("2026-Q4");
  f.set_safety_question("安全吗？");
  f.set_satisfaction_question("满意吗？");
  EXPECT_FALSE(ValidateSurveyForm(f));
  auto* q = f.add_questions();
  q->set_id("q3");
  q->set_text("最担心？");
  q->add_choices("盗窃");
  EXPECT_FALSE(ValidateSurveyForm(f));
  *f.add_questions() = *q;
  EXPECT_EQ(ValidateSurveyForm(f)->field, "form.questions[1].id");
  f.mutable_questions(1)->set_id("q4");
  f.mutable_questions(1)->add_choices("");
  EXPECT_EQ(ValidateSurveyForm(f)->field, "form.questions[1].choices[1]");
  f.mutable_questions(1)->mutable_choices(1)->assign("\xff");
  EXPECT_EQ(ValidateSurveyForm(f)->field, "form.questions[1].choices[1]");
  f.clear_questions();
  f.clear_satisfaction_question();
  EXPECT_EQ(ValidateSurveyForm(f)->field, "form.satisfaction_question");
  f.set_version("");
  EXPECT_EQ(ValidateSurveyForm(f)->field, "form.version");
}

// A question counting for 知晓率 or 参与率 names the choices that count, each
// one of its choices; counted choices without a purpose are refused.
TEST(Validate, AMarkedQuestionNamesTheChoicesThatCount) {
  gridsync::v1::SurveyForm f;
  f.set_version("2026-Q4");
  f.set_safety_question("安全吗？");
  f.set_satisfaction_question("满意吗？");
  auto* q = f.add_questions();
  q->set_id("know");
  q->set_text("您知道平安建设吗？");
  q->add_choices("知道");
  q->add_choices("不知道");
  q->set_purpose(gridsync::v1::QUESTION_PURPOSE_AWARENESS);
  EXPECT_EQ(ValidateSurveyForm(f)->field, "form.questions[0].counted_choices");  // none named
  q->add_counted_choices(3);
  EXPECT_EQ(ValidateSurveyForm(f)->field, "form.questions[0].counted_choices");  // no choice 3
  q->set_counted_choices(0, 1);
  EXPECT_FALSE(ValidateSurveyForm(f));
  q->set_purpose(static_cast<gridsync::v1::QuestionPurpose>(9));
  EXPECT_EQ(ValidateSurveyForm(f)->field, "form.questions[0].purpose");
  q->set_purpose(gridsync::v1::QUESTION_PURPOSE_UNSPECIFIED);
  EXPECT_EQ(ValidateSurveyForm(f)->field, "form.questions[0].counted_choices");
}

TEST(Validate, ContextClaimingUnseenWritesIsRefused) {
  gridsync::v1::RecordState s;
  auto w = SetString(CaseMutation("a", 1, 1767225600000), "title", "t");
  Apply(&s, w);
  gridsync::v1::VersionVector seen;
  auto* d = seen.add_entries();
  d->set_device_id("a");
  d->set_counter(7);
  auto m = SetString(CaseMutation("b", 1, 1767225601000), "title", "u", seen);
  EXPECT_EQ(CheckAgainstState(s, m).code(), absl::StatusCode::kInvalidArgument);
  d->set_counter(1);
  m = SetString(CaseMutation("b", 1, 1767225601000), "title", "u", seen);
  EXPECT_TRUE(CheckAgainstState(s, m).ok());
}

TEST(Validate, ReopenMustHaveSeenTheCurrentStatus) {
  gridsync::v1::RecordState s;
  auto closed = CaseMutation("a", 1, 1767225600000);
  closed.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_CLOSED);
  Apply(&s, closed);
  auto reopen = CaseMutation("b", 1, 1767225601000);
  reopen.mutable_reopen()->set_seen_status(gridsync::v1::CASE_STATUS_RESOLVED);
  reopen.mutable_reopen()->set_to_status(gridsync::v1::CASE_STATUS_MEDIATING);
  reopen.mutable_reopen()->set_reason("r");
  EXPECT_EQ(CheckAgainstState(s, reopen).code(), absl::StatusCode::kFailedPrecondition);
  reopen.mutable_reopen()->set_seen_status(gridsync::v1::CASE_STATUS_CLOSED);
  EXPECT_TRUE(CheckAgainstState(s, reopen).ok());
}

TEST(Validate, KindOrGridCannotChange) {
  gridsync::v1::RecordState s;
  Apply(&s, SetString(CaseMutation("a", 1, 1767225600000), "title", "t"));
  auto m = SetString(CaseMutation("a", 2, 1767225600000), "title", "t");
  m.set_grid_code("410185001201002");
  EXPECT_EQ(CheckAgainstState(s, m).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gridsync::core
