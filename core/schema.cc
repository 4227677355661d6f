#include "core/schema.h"

#include "absl/strings/match.h"

namespace gridsync::core {
namespace {
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using gridsync::v1::RecordKind;

constexpr size_t kShortText = 200;
constexpr size_t kLongText = 4000;

bool IsLongText(const std::string& name) {
  return name == "notes" || name == "description" || name == "observed" || name == "opinions" ||
         name == "summary" || name == "reason" || name == "decision_note" || name == "text";
}

KindSchema Build(RecordKind kind, const Descriptor* view, const std::string& subject,
                 bool subject_required) {
  KindSchema s{kind, view, subject, subject_required, {}};
  for (int i = 0; i < view->field_count(); ++i) {
    const FieldDescriptor* f = view->field(i);
    FieldSpec spec{f->name(), FieldRole::kRegister, f};
    if (f->name() == subject) {
      spec.role = FieldRole::kSubject;
    } else if (f->is_repeated()) {
      spec.role = FieldRole::kLog;
    } else if (f->name() == "status") {
      spec.role = FieldRole::kStatus;
    }
    if (f->type() == FieldDescriptor::TYPE_STRING) {
      spec.max_len = IsLongText(f->name()) ? kLongText : kShortText;
    }
    if (absl::EndsWith(f->name(), "_ms")) {
      spec.min = kMinTimeMs;
      spec.max = kMaxTimeMs;
    } else if (f->name() == "risk_level") {
      spec.min = 0;
      spec.max = 5;
    } else if (f->name() == "month") {  // yyyymm (core/validate.cc: its mm too)
      spec.min = 200001;
      spec.max = 209912;
    } else if (absl::EndsWith(f->name(), "_found")) {
      spec.min = 0;
      spec.max = 100000;
    }
    s.fields.emplace(f->name(), spec);
  }
  return s;
}

}  // namespace

const KindSchema* SchemaFor(RecordKind kind) {
  static const KindSchema* visit = new KindSchema(Build(
      RecordKind::RECORD_KIND_VISIT, gridsync::v1::Visit::descriptor(), "household_id", true));
  static const KindSchema* dispute =
      new KindSchema(Build(RecordKind::RECORD_KIND_DISPUTE_CASE,
                           gridsync::v1::DisputeCase::descriptor(), "household_id", false));
  static const KindSchema* check =
      new KindSchema(Build(RecordKind::RECORD_KIND_SPECIAL_CHECK,
                           gridsync::v1::SpecialCheck::descriptor(), "person_id", true));
  static const KindSchema* proposal =
      new KindSchema(Build(RecordKind::RECORD_KIND_REGISTRY_PROPOSAL,
                           gridsync::v1::RegistryProposal::descriptor(), "household_id", false));
  // A patrol is of the grid's village, about no household or person.
  static const KindSchema* patrol = new KindSchema(
      Build(RecordKind::RECORD_KIND_PATROL, gridsync::v1::Patrol::descriptor(), "", false));
  // A questionnaire is asked at a household.
  static const KindSchema* survey = new KindSchema(Build(
      RecordKind::RECORD_KIND_SURVEY, gridsync::v1::Survey::descriptor(), "household_id", true));
  // A village's monthly screening, recorded in one of its grids.
  static const KindSchema* screening =
      new KindSchema(Build(RecordKind::RECORD_KIND_SCREENING_REPORT,
                           gridsync::v1::ScreeningReport::descriptor(), "", false));
  // A trouble spot of the grid, about no household.
  static const KindSchema* spot = new KindSchema(Build(
      RecordKind::RECORD_KIND_TROUBLE_SPOT, gridsync::v1::TroubleSpot::descriptor(), "", false));
  // The town office's task to a village, a grid or a household.
  static const KindSchema* task = new KindSchema(
      Build(RecordKind::RECORD_KIND_TASK, gridsync::v1::Task::descriptor(), "household_id", false));
  switch (kind) {
    case RecordKind::RECORD_KIND_TASK:
      return task;
    case RecordKind::RECORD_KIND_TROUBLE_SPOT:
      return spot;
    case RecordKind::RECORD_KIND_SCREENING_REPORT:
      return screening;
    case RecordKind::RECORD_KIND_PATROL:
      return patrol;
    case RecordKind::RECORD_KIND_SURVEY:
      return survey;
    case RecordKind::RECORD_KIND_VISIT:
      return visit;
    case RecordKind::RECORD_KIND_DISPUTE_CASE:
      return dispute;
    case RecordKind::RECORD_KIND_SPECIAL_CHECK:
      return check;
    case RecordKind::RECORD_KIND_REGISTRY_PROPOSAL:
      return proposal;
    default:
      return nullptr;
  }
}

std::unique_ptr<google::protobuf::Message> NewLogElement(const FieldSpec& spec) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(spec.field->message_type())
          ->New());
}

}  // namespace gridsync::core
