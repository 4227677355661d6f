#include "core/view.h"

#include <algorithm>
#include <tuple>

#include "core/case_level.h"
#include "core/merge.h"
#include "core/schema.h"

namespace gridsync::core {
namespace {
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using gridsync::v1::FieldValue;

void SetScalar(Message* msg, const FieldDescriptor* f, const FieldValue& v) {
  const auto* refl = msg->GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      refl->SetString(msg, f, v.string_value());
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      refl->SetBool(msg, f, v.bool_value());
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      refl->SetInt32(msg, f, static_cast<int32_t>(v.int_value()));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      refl->SetInt64(msg, f, v.int_value());
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      refl->SetEnumValue(msg, f, static_cast<int>(v.int_value()));
      break;
    default:
      break;
  }
}

Message* BodyFor(gridsync::v1::Record* rec, gridsync::v1::RecordKind kind) {
  switch (kind) {
    case gridsync::v1::RECORD_KIND_VISIT:
      return rec->mutable_visit();
    case gridsync::v1::RECORD_KIND_DISPUTE_CASE:
      return rec->mutable_dispute_case();
    case gridsync::v1::RECORD_KIND_SPECIAL_CHECK:
      return rec->mutable_special_check();
    case gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL:
      return rec->mutable_registry_proposal();
    case gridsync::v1::RECORD_KIND_PATROL:
      return rec->mutable_patrol();
    case gridsync::v1::RECORD_KIND_SURVEY:
      return rec->mutable_survey();
    case gridsync::v1::RECORD_KIND_SCREENING_REPORT:
      return rec->mutable_screening_report();
    case gridsync::v1::RECORD_KIND_TROUBLE_SPOT:
      return rec->mutable_trouble_spot();
    case gridsync::v1::RECORD_KIND_TASK:
      return rec->mutable_task();
    default:
      return nullptr;
  }
}

}  // namespace

gridsync::v1::Record BuildView(const gridsync::v1::RecordState& state) {
  gridsync::v1::Record rec;
  const auto& h = state.header();
  rec.set_record_id(state.record_id());
  rec.set_kind(h.kind());
  rec.set_grid_code(h.grid_code());
  rec.set_created_hlc(h.created_hlc());
  rec.set_created_by(h.created_by());
  rec.set_status_epoch(state.status().epoch());
  *rec.mutable_status_history() = state.status().history();
  if (state.has_void_mark()) *rec.mutable_void_mark() = state.void_mark();
  const KindSchema* schema = SchemaFor(h.kind());
  Message* body = BodyFor(&rec, h.kind());
  if (schema == nullptr || body == nullptr) return rec;
  const auto* refl = body->GetReflection();

  if (const FieldSpec* subject = schema->Find(schema->subject_field)) {
    refl->SetString(body, subject->field, h.subject_id());
  }
  if (const FieldSpec* status = schema->Find("status")) {
    refl->SetEnumValue(body, status->field, StatusHeld(state.status()));
    rec.set_case_level(CaseLevelOf(state.status()));
  }
  for (const auto& reg : state.registers()) {
    const FieldSpec* spec = schema->Find(reg.field());
    if (spec == nullptr || spec->role != FieldRole::kRegister || reg.siblings_size() == 0) continue;
    const auto& winner = Winner(reg);
    SetScalar(body, spec->field, winner.value());
    if (reg.siblings_size() > 1) {
      auto* c = rec.add_conflicts();
      c->set_field(reg.field());
      *c->add_siblings() = winner;
      std::vector<const gridsync::v1::Sibling*> rest;
      for (const auto& s : reg.siblings()) {
        if (&s != &winner) rest.push_back(&s);
      }
      std::sort(rest.begin(), rest.end(), [](const auto* a, const auto* b) {
        return std::forward_as_tuple(a->hlc(), a->dot().device_id()) >
               std::forward_as_tuple(b->hlc(), b->dot().device_id());
      });
      for (const auto* s : rest) *c->add_siblings() = *s;
    }
  }
  for (const auto& log : state.logs()) {
    const FieldSpec* spec = schema->Find(log.log());
    if (spec == nullptr || spec->role != FieldRole::kLog) continue;
    // Shown in the order they happened.
    std::vector<const gridsync::v1::LogElement*> elems;
    for (const auto& e : log.elements()) elems.push_back(&e);
    std::sort(elems.begin(), elems.end(), [](const auto* a, const auto* b) {
      return std::forward_as_tuple(a->hlc(), a->element_id()) <
             std::forward_as_tuple(b->hlc(), b->element_id());
    });
    for (const auto* e : elems) refl->AddMessage(body, spec->field)->ParseFromString(e->payload());
  }
  return rec;
}

}  // namespace gridsync::core
