#include "core/validate.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/attachment.h"
#include "core/case_level.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/merge.h"
#include "core/proposal.h"
#include "core/record_limits.h"
#include "core/registry.h"
#include "core/schema.h"
#include "core/utf8.h"
#include "core/write_proof.h"
#include "google/protobuf/message.h"
#include "google/protobuf/unknown_field_set.h"
#include "gridsync/v1/records.pb.h"

namespace gridsync::core {
namespace {
using google::protobuf::FieldDescriptor;
using gridsync::v1::FieldValue;
using gridsync::v1::Mutation;
using gridsync::v1::RecordState;

constexpr size_t kMaxReasonLen = 500;
// Far beyond what a phone writes in its life, far below where a renumbering
// past it could wrap.
constexpr uint64_t kMaxDeviceSeq = uint64_t{1} << 48;
constexpr size_t kMaxElementIdLen = 64;
constexpr size_t kMaxNestedText = 4000;

std::optional<FieldViolation> Bad(std::string field, std::string message) {
  return FieldViolation{std::move(field), std::move(message)};
}

// A questionnaire's form version and the visit it names.
std::optional<FieldViolation> CheckSurveyText(const std::string& path, const std::string& field,
                                              const std::string& v) {
  if (field == "form_version" && !IsFormVersion(v)) {
    return Bad(path, "form_version must be 1 to 40 letters, digits, '-', '_' or '.'");
  }
  if (field == "visit_record_id" && !v.empty() && !IsValidRecordId(v)) {
    return Bad(path, "visit_record_id is not a record id (a ULID or UUIDv7)");
  }
  return std::nullopt;
}

// What the generic walk cannot know of a questionnaire's logs.
std::optional<FieldViolation> CheckSurveyElement(const std::string& path,
                                                 const google::protobuf::Message& element) {
  if (const auto* a = dynamic_cast<const gridsync::v1::SurveyAnswer*>(&element)) {
    if (a->question_id().empty() || a->question_id().size() > 40) {
      return Bad(path + ".question_id", "question_id must be 1 to 40 bytes, as the form has it");
    }
    if (a->choice() < 0 || a->choice() > 100) {
      return Bad(path + ".choice", "choice is 1-based among the question's choices, 0 for none");
    }
    if (a->choice() == 0 && a->text().empty()) {
      return Bad(path, "an answer needs a choice or a text");
    }
  } else if (const auto* o = dynamic_cast<const gridsync::v1::SurveyOpinion*>(&element)) {
    if (o->topic() == gridsync::v1::OPINION_TOPIC_UNSPECIFIED && o->text().empty()) {
      return Bad(path, "an opinion needs a topic or a text");
    }
  }
  return std::nullopt;
}

std::optional<FieldViolation> CheckInt(const std::string& path, const FieldSpec& spec, int64_t v) {
  const FieldDescriptor* f = spec.field;
  if (f->type() == FieldDescriptor::TYPE_ENUM) {
    if (v == 0 || f->enum_type()->FindValueByNumber(static_cast<int>(v)) == nullptr) {
      return Bad(path, absl::StrFormat("%d is not a valid %s; choose one of its values", v,
                                       f->enum_type()->name()));
    }
    return std::nullopt;
  }
  if (spec.max > spec.min && (v < spec.min || v > spec.max)) {
    if (absl::EndsWith(spec.name, "_ms")) {
      return Bad(path, absl::StrFormat("%s %d is not a time between 2000 and 2100 (milliseconds "
                                       "since 1970)",
                                       spec.name, v));
    }
    return Bad(path, absl::StrFormat("%s %d is outside %d..%d", spec.name, v, spec.min, spec.max));
  }
  if (spec.name == "month" && (v % 100 < 1 || v % 100 > 12)) {
    return Bad(path, absl::StrFormat("month %d is not yyyymm (202611 for November 2026)", v));
  }
  if (f->type() == FieldDescriptor::TYPE_INT32 && (v < INT32_MIN || v > INT32_MAX)) {
    return Bad(path, absl::StrFormat("%s %d does not fit in 32 bits", spec.name, v));
  }
  return std::nullopt;
}

std::optional<FieldViolation> CheckValue(const std::string& path, const FieldSpec& spec,
                                         const FieldValue& value) {
  switch (spec.field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      if (value.kind_case() != FieldValue::kStringValue) {
        return Bad(path, absl::StrCat(spec.name, " takes a string_value"));
      }
      if (value.string_value().size() > spec.max_len) {
        return Bad(path, absl::StrFormat("%s is %d bytes; at most %d", spec.name,
                                         value.string_value().size(), spec.max_len));
      }
      if (auto bad = FirstInvalidUtf8(value.string_value())) {
        return Bad(path,
                   absl::StrCat(spec.name, " ", DescribeInvalidUtf8(value.string_value(), *bad)));
      }
      return CheckSurveyText(path, spec.name, value.string_value());
    case FieldDescriptor::CPPTYPE_BOOL:
      if (value.kind_case() != FieldValue::kBoolValue) {
        return Bad(path, absl::StrCat(spec.name, " takes a bool_value"));
      }
      return std::nullopt;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_ENUM:
      if (value.kind_case() != FieldValue::kIntValue) {
        return Bad(path, absl::StrCat(spec.name, " takes an int_value"));
      }
      return CheckInt(path, spec, value.int_value());
    default:
      return Bad(path, absl::StrCat(spec.name, " cannot be written"));
  }
}

// Walks a parsed log element: strings bounded, enums known, times sane.
std::optional<FieldViolation> CheckNested(const std::string& path,
                                          const google::protobuf::Message& msg) {
  const auto* refl = msg.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  refl->ListFields(msg, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string fpath = absl::StrCat(path, ".", f->name());
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (refl->GetString(msg, f).size() > kMaxNestedText) {
          return Bad(fpath,
                     absl::StrFormat("%s is longer than %d bytes", f->name(), kMaxNestedText));
        }
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        if (refl->GetEnumValue(msg, f) != 0 &&
            f->enum_type()->FindValueByNumber(refl->GetEnumValue(msg, f)) == nullptr) {
          return Bad(fpath, absl::StrFormat("%d is not a valid %s", refl->GetEnumValue(msg, f),
                                            f->enum_type()->name()));
        }
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        if (absl::EndsWith(f->name(), "_ms")) {
          int64_t v = refl->GetInt64(msg, f);
          if (v < kMinTimeMs || v > kMaxTimeMs) {
            return Bad(fpath, absl::StrFormat("%d is not a time between 2000 and 2100", v));
          }
        }
        break;
      default:
        break;
    }
  }
  return std::nullopt;
}

// The bytes of fields `msg`'s schema does not know, in it and its nested
// messages: a newer app's, or padding meant to grow the record.
size_t UnknownBytes(const google::protobuf::Message& msg) {
  const auto* refl = msg.GetReflection();
  std::string unknown;
  refl->GetUnknownFields(msg).SerializeToString(&unknown);
  size_t n = unknown.size();
  std::vector<const FieldDescriptor*> fields;
  refl->ListFields(msg, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (!f->is_repeated()) {
      n += UnknownBytes(refl->GetMessage(msg, f));
      continue;
    }
    for (int i = 0; i < refl->FieldSize(msg, f); ++i) {
      n += UnknownBytes(refl->GetRepeatedMessage(msg, f, i));
    }
  }
  return n;
}

std::optional<FieldViolation> CheckStatus(const std::string& path, int status) {
  if (status == 0 || !gridsync::v1::CaseStatus_IsValid(status)) {
    return Bad(path, absl::StrFormat("%d is not a case status", status));
  }
  return std::nullopt;
}

std::optional<FieldViolation> CheckReason(const std::string& path, const std::string& reason) {
  if (reason.empty()) return Bad(path, "give a reason a reviewer can read");
  if (reason.size() > kMaxReasonLen) {
    return Bad(path,
               absl::StrFormat("reason is %d bytes; at most %d", reason.size(), kMaxReasonLen));
  }
  return std::nullopt;
}

// A check that names the person's category gives a risk level on its scale
// (core/registry.h RiskScaleOf).
std::optional<FieldViolation> CheckRiskOnScale(const gridsync::v1::CreateRecord& c) {
  const FieldValue *category = nullptr, *risk = nullptr;
  int risk_at = 0;
  for (int i = 0; i < c.fields_size(); ++i) {
    if (c.fields(i).field() == "category") category = &c.fields(i).value();
    if (c.fields(i).field() == "risk_level") {
      risk = &c.fields(i).value();
      risk_at = i;
    }
  }
  if (category == nullptr || risk == nullptr) return std::nullopt;
  const auto why = CheckRiskLevel(static_cast<gridsync::v1::PersonCategory>(category->int_value()),
                                  static_cast<int32_t>(risk->int_value()));
  if (!why) return std::nullopt;
  return Bad(absl::StrCat("create.fields[", risk_at, "].value"), *why);
}

}  // namespace

namespace {

// What every mutation carries, whatever its operation: its seq, record id,
// kind (*schema: the kind's), grid, stamp and signatures' shape.
std::optional<FieldViolation> CheckEnvelope(const Mutation& m, const KindSchema** schema) {
  if (m.device_seq() == 0) return Bad("device_seq", "device_seq starts at 1");
  if (m.device_seq() > kMaxDeviceSeq) {
    return Bad("device_seq", absl::StrFormat("device_seq %d is past %d: a phone numbers its writes "
                                             "from 1, one by one",
                                             m.device_seq(), kMaxDeviceSeq));
  }
  if (!IsValidRecordId(m.record_id())) {
    return Bad("record_id", absl::StrCat("record_id '", m.record_id().substr(0, 64),
                                         "' is not a ULID or UUIDv7; make ids on the phone with "
                                         "the SDK"));
  }
  *schema = SchemaFor(m.kind());
  if (*schema == nullptr) {
    return Bad("kind",
               "kind must be a visit, dispute case, special check, registry proposal, patrol, "
               "survey, screening report, trouble spot or task (RecordKind 1-9)");
  }
  if (!IsGridCode(m.grid_code())) {
    return Bad("grid_code", absl::StrCat("grid_code '", m.grid_code().substr(0, 32),
                                         "' is not 15 digits (village code + 3)"));
  }
  const int64_t wall = HlcWallMs(m.hlc());
  if (wall < kMinTimeMs || wall > kMaxTimeMs) {
    return Bad("hlc", absl::StrFormat("hlc wall time %d ms is not between 2000 and 2100", wall));
  }
  if (auto bad = SignatureShapeError(m)) return Bad("signatures", std::move(*bad));
  return std::nullopt;
}

// A create: its subject as the kind wants it (in the mutation's grid), each
// field once, editable and valid; a proposal's or a check's own rules.
std::optional<FieldViolation> CheckCreate(const Mutation& m, const KindSchema& kind) {
  const std::string& subject = m.create().subject_id();
  const bool is_person = kind.subject_field == "person_id";
  if (!subject.empty() && kind.subject_field.empty()) {
    return Bad("create.subject_id", absl::StrCat("a ", kind.view->name(),
                                                 " has no subject: it is of the grid's village"));
  }
  if (subject.empty() && kind.subject_required) {
    return Bad("create.subject_id",
               absl::StrCat("a ", kind.view->name(), " needs its ", kind.subject_field));
  }
  if (!subject.empty()) {
    const bool shape = is_person ? IsPersonId(subject) : IsHouseholdId(subject);
    if (!shape || !absl::StartsWith(subject, m.grid_code())) {
      return Bad(
          "create.subject_id",
          absl::StrFormat("%s %s is not in grid %s (%s); the household list may be "
                          "stale: pull first",
                          kind.subject_field, subject.substr(0, 32), m.grid_code(),
                          is_person ? "21 digits: household id + 2" : "19 digits: grid code + 4"));
    }
  }
  std::set<std::string> seen_fields;
  for (int i = 0; i < m.create().fields_size(); ++i) {
    const auto& fw = m.create().fields(i);
    const std::string path = absl::StrCat("create.fields[", i, "]");
    const FieldSpec* spec = kind.Find(fw.field());
    if (spec == nullptr || spec->role != FieldRole::kRegister) {
      return Bad(path, absl::StrCat("'", fw.field().substr(0, 64), "' is not an editable field of ",
                                    kind.view->name()));
    }
    if (!seen_fields.insert(fw.field()).second) {
      return Bad(path, absl::StrCat(fw.field(), " is given twice"));
    }
    if (auto v = CheckValue(path + ".value", *spec, fw.value())) return v;
  }
  if (m.kind() == gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL) return CheckProposalCreate(m);
  if (m.kind() == gridsync::v1::RECORD_KIND_SPECIAL_CHECK) return CheckRiskOnScale(m.create());
  if (m.kind() == gridsync::v1::RECORD_KIND_SCREENING_REPORT && !seen_fields.count("month")) {
    return Bad("create.fields", "a screening report needs the month it screened (month, yyyymm)");
  }
  if (m.kind() == gridsync::v1::RECORD_KIND_TASK &&
      (!seen_fields.count("title") || !seen_fields.count("deadline_ms"))) {
    return Bad("create.fields", "a task needs its title and its deadline (deadline_ms)");
  }
  return std::nullopt;
}

// A field set: an editable field, the context it was read in well formed,
// and a valid value.
std::optional<FieldViolation> CheckSetField(const Mutation& m, const KindSchema& kind) {
  const FieldSpec* spec = kind.Find(m.set_field().field());
  if (spec == nullptr || spec->role != FieldRole::kRegister) {
    return Bad("set_field.field",
               absl::StrCat("'", m.set_field().field().substr(0, 64),
                            "' is not an editable field of ", kind.view->name()));
  }
  const auto& entries = m.set_field().seen().entries();
  for (int i = 0; i < entries.size(); ++i) {
    if (entries[i].device_id().empty() || entries[i].counter() == 0 ||
        (i > 0 && entries[i - 1].device_id() >= entries[i].device_id())) {
      return Bad("set_field.seen",
                 "seen must list devices once each, sorted, counters > 0: "
                 "send the context the SDK read with the field");
    }
  }
  return CheckValue("set_field.value", *spec, m.set_field().value());
}

// A log entry: a log of the kind, an element id, and a payload that is the
// log's element, whole (no unknown fields), valid, its photo reference too.
std::optional<FieldViolation> CheckAppendLog(const Mutation& m, const KindSchema& kind) {
  const FieldSpec* spec = kind.Find(m.append_log().log());
  if (spec == nullptr || spec->role != FieldRole::kLog) {
    return Bad("append_log.log", absl::StrCat("'", m.append_log().log().substr(0, 64),
                                              "' is not a log of ", kind.view->name()));
  }
  const std::string& eid = m.append_log().element_id();
  if (eid.empty() || eid.size() > kMaxElementIdLen) {
    return Bad("append_log.element_id", "element_id must be 1 to 64 bytes, unique in the log");
  }
  if (m.append_log().payload().size() > kMaxLogPayloadBytes) {
    return Bad("append_log.payload",
               absl::StrFormat("payload is %d bytes; at most %d", m.append_log().payload().size(),
                               kMaxLogPayloadBytes));
  }
  std::unique_ptr<google::protobuf::Message> element = NewLogElement(*spec);
  if (!element->ParseFromString(m.append_log().payload())) {
    return Bad("append_log.payload",
               absl::StrCat("payload is not a serialized ", spec->field->message_type()->name()));
  }
  if (const size_t unknown = UnknownBytes(*element); unknown > 0) {
    return Bad("append_log.payload",
               absl::StrFormat("payload carries fields a %s does not have (%d bytes): only "
                               "the fields of records.proto are stored; update the app or "
                               "send the entry without them",
                               spec->field->message_type()->name(), unknown));
  }
  if (auto v = CheckNested("append_log.payload", *element)) return v;
  if (auto v = CheckSurveyElement("append_log.payload", *element)) return v;
  if (const auto* ref = dynamic_cast<const gridsync::v1::PhotoRef*>(element.get())) {
    if (auto problem = CheckPhotoRef(*ref)) return Bad("append_log.payload", *problem);
  }
  if (const auto* v = dynamic_cast<const gridsync::v1::VisitVerification*>(element.get())) {
    if (v->method() == gridsync::v1::VERIFICATION_METHOD_UNSPECIFIED) {
      return Bad("append_log.payload.method",
                 "a verification says how it was made: 电话抽查 (PHONE) or 实地复查 (ON_SITE)");
    }
    if (v->reached() && v->confirmation() == gridsync::v1::VISIT_CONFIRMATION_UNSPECIFIED) {
      return Bad("append_log.payload.confirmation",
                 "a household reached says whether the visit was made: CONFIRMED (属实), "
                 "NOT_MADE (未入户) or UNSURE (记不清)");
    }
  }
  if (const auto* step = dynamic_cast<const gridsync::v1::TaskStep*>(element.get());
      step != nullptr && (step->action() <= gridsync::v1::TASK_ACTION_UNSPECIFIED ||
                          !gridsync::v1::TaskAction_IsValid(step->action()))) {
    return Bad("append_log.payload.action",
               "a task step is 签收 (ACCEPT), 报结 (REPORT_DONE), 确认办结 (CONFIRM) or 退回重办 "
               "(SEND_BACK): TaskAction 1-4");
  }
  return std::nullopt;
}

// A case reopened: from a stage seen to an earlier one, with a reason.
std::optional<FieldViolation> CheckReopen(const Mutation& m) {
  if (m.kind() != gridsync::v1::RECORD_KIND_DISPUTE_CASE) {
    return Bad("reopen", "only dispute cases can be reopened");
  }
  if (auto v = CheckStatus("reopen.seen_status", m.reopen().seen_status())) return v;
  if (auto v = CheckStatus("reopen.to_status", m.reopen().to_status())) return v;
  if (StatusRank(m.reopen().to_status()) >= StatusRank(m.reopen().seen_status())) {
    return Bad("reopen.to_status",
               "a reopen goes back to an earlier stage; to move forward "
               "use set_status");
  }
  return CheckReason("reopen.reason", m.reopen().reason());
}

}  // namespace

std::optional<FieldViolation> ValidateMutation(const Mutation& m) {
  const KindSchema* schema = nullptr;
  if (auto bad = CheckEnvelope(m, &schema)) return bad;
  switch (m.op_case()) {
    case Mutation::kCreate:
      return CheckCreate(m, *schema);
    case Mutation::kSetField:
      return CheckSetField(m, *schema);
    case Mutation::kAppendLog:
      return CheckAppendLog(m, *schema);
    case Mutation::kSetStatus:
      if (m.kind() != gridsync::v1::RECORD_KIND_DISPUTE_CASE) {
        return Bad("set_status", "only dispute cases have a status");
      }
      return CheckStatus("set_status.status", m.set_status().status());
    case Mutation::kReopen:
      return CheckReopen(m);
    case Mutation::kVoidRecord:
      return CheckReason("void_record.reason", m.void_record().reason());
    case Mutation::OP_NOT_SET:
      return Bad("op", "the mutation has no operation");
  }
  return Bad("op", "unknown operation");
}

namespace {

// A mutation of the state's record, kind and grid, stamped `hlc`.
Mutation PartOf(const RecordState& s, uint64_t hlc) {
  Mutation m;
  m.set_device_seq(1);
  m.set_record_id(s.record_id());
  m.set_kind(s.header().kind());
  m.set_grid_code(s.header().grid_code());
  m.set_hlc(hlc);
  return m;
}

std::optional<FieldViolation> Within(const std::string& path, std::optional<FieldViolation> v) {
  if (v) v->field = v->field.empty() ? path : absl::StrCat(path, " (", v->field, ")");
  return v;
}

bool DotValid(const gridsync::v1::Dot& d) { return !d.device_id().empty() && d.counter() > 0; }

}  // namespace

std::vector<StateWrite> WritesOf(const RecordState& s) {
  std::vector<StateWrite> out;
  const gridsync::v1::RecordHeader& h = s.header();
  if (h.created_hlc() != 0) {
    Mutation create = PartOf(s, h.created_hlc());
    create.mutable_create()->set_subject_id(h.subject_id());
    for (const auto& r : s.registers()) {
      if (r.siblings_size() == 0) continue;
      auto* f = create.mutable_create()->add_fields();
      f->set_field(r.field());
      *f->mutable_value() = r.siblings(0).value();
    }
    out.push_back({"header", std::move(create)});
  }
  for (int i = 0; i < s.registers_size(); ++i) {
    const auto& r = s.registers(i);
    for (int j = 0; j < r.siblings_size(); ++j) {
      const auto& sib = r.siblings(j);
      Mutation set = PartOf(s, sib.hlc());
      set.mutable_set_field()->set_field(r.field());
      *set.mutable_set_field()->mutable_value() = sib.value();
      *set.mutable_set_field()->mutable_seen() = r.context();
      out.push_back({absl::StrCat("registers[", i, "].siblings[", j, "]"), std::move(set)});
    }
  }
  for (int i = 0; i < s.logs_size(); ++i) {
    const auto& log = s.logs(i);
    for (int j = 0; j < log.elements_size(); ++j) {
      const auto& e = log.elements(j);
      Mutation append = PartOf(s, e.hlc());
      append.mutable_append_log()->set_log(log.log());
      append.mutable_append_log()->set_element_id(e.element_id());
      append.mutable_append_log()->set_payload(e.payload());
      out.push_back({absl::StrCat("logs[", i, "].elements[", j, "]"), std::move(append)});
    }
  }
  for (int i = 0; i < s.status().history_size(); ++i) {
    const auto& reached = s.status().history(i);
    Mutation status = PartOf(s, static_cast<uint64_t>(reached.at_ms()) << 16);
    status.mutable_set_status()->set_status(reached.stage());
    out.push_back({absl::StrCat("status.history[", i, "]"), std::move(status)});
  }
  if (s.has_void_mark()) {
    Mutation voided = PartOf(s, s.void_mark().hlc());
    voided.mutable_void_record()->set_reason(s.void_mark().reason());
    out.push_back({"void_mark", std::move(voided)});
  }
  return out;
}

std::optional<FieldViolation> ValidateState(const RecordState& s) {
  RecordState canonical;
  Join(&canonical, s);
  if (SerializeCanonical(canonical) != SerializeCanonical(s)) {
    return Bad("",
               "the state is not canonical (sorted, without duplicates): send it as the SDK "
               "stored it");
  }
  const gridsync::v1::RecordHeader& h = s.header();
  if (h.created_hlc() == 0 && (SchemaFor(h.kind()) == nullptr || !IsGridCode(h.grid_code()) ||
                               !IsValidRecordId(s.record_id()))) {
    // A record whose create has not arrived: the rest of it says who it is.
    return Bad("header", "the state names no valid record id, kind and grid");
  }
  for (int i = 0; i < s.registers_size(); ++i) {
    for (int j = 0; j < s.registers(i).siblings_size(); ++j) {
      if (!DotValid(s.registers(i).siblings(j).dot())) {
        return Bad(absl::StrCat("registers[", i, "].siblings[", j, "].dot"),
                   "a sibling's dot names no replica");
      }
    }
  }
  if (s.status().stages() != 0 && h.kind() != gridsync::v1::RECORD_KIND_DISPUTE_CASE) {
    return Bad("status", "only dispute cases have a status");
  }
  for (const StateWrite& w : WritesOf(s)) {
    if (auto v = ValidateMutation(w.mutation)) return Within(w.path, v);
  }
  return std::nullopt;
}

namespace {

bool IsDomainTime(const std::string& name) {
  return absl::EndsWith(name, "_ms") && name != "deadline_ms";
}

std::optional<FieldViolation> CheckFuture(const std::string& path, const std::string& name,
                                          int64_t v, int64_t now_ms, int64_t max_skew_ms) {
  if (!IsDomainTime(name) || v <= now_ms + max_skew_ms) return std::nullopt;
  const int64_t ahead_min = (v - now_ms) / 60000;
  return Bad(path,
             absl::StrFormat("%s %d is %s ahead of the server's clock (at most %d minutes "
                             "are allowed): a time something was done cannot be in the "
                             "future; check the phone's date and time",
                             name, v,
                             ahead_min >= 2 * 24 * 60 ? absl::StrCat(ahead_min / (24 * 60), " days")
                                                      : absl::StrCat(ahead_min, " minutes"),
                             max_skew_ms / 60000));
}

}  // namespace

std::optional<FieldViolation> CheckDomainTimes(const Mutation& m, int64_t now_ms,
                                               int64_t max_skew_ms) {
  auto value = [&](const std::string& path, const std::string& field,
                   const FieldValue& v) -> std::optional<FieldViolation> {
    if (v.kind_case() != FieldValue::kIntValue) return std::nullopt;
    return CheckFuture(path, field, v.int_value(), now_ms, max_skew_ms);
  };
  switch (m.op_case()) {
    case Mutation::kCreate:
      for (int i = 0; i < m.create().fields_size(); ++i) {
        const auto& fw = m.create().fields(i);
        if (auto v = value(absl::StrCat("create.fields[", i, "].value"), fw.field(), fw.value())) {
          return v;
        }
      }
      return std::nullopt;
    case Mutation::kSetField:
      return value("set_field.value", m.set_field().field(), m.set_field().value());
    case Mutation::kAppendLog: {
      const KindSchema* schema = SchemaFor(m.kind());
      const FieldSpec* spec = schema == nullptr ? nullptr : schema->Find(m.append_log().log());
      if (spec == nullptr || spec->role != FieldRole::kLog) return std::nullopt;
      std::unique_ptr<google::protobuf::Message> element = NewLogElement(*spec);
      if (!element->ParseFromString(m.append_log().payload())) return std::nullopt;
      const auto* refl = element->GetReflection();
      std::vector<const FieldDescriptor*> fields;
      refl->ListFields(*element, &fields);
      for (const FieldDescriptor* f : fields) {
        if (f->cpp_type() != FieldDescriptor::CPPTYPE_INT64 || f->is_repeated()) continue;
        if (auto v = CheckFuture(absl::StrCat("append_log.payload.", f->name()), f->name(),
                                 refl->GetInt64(*element, f), now_ms, max_skew_ms)) {
          return v;
        }
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

namespace {

// 上交 moves a case the level holding it has not finished one level up, at
// most to the county.
absl::Status CheckEscalation(const RecordState& current, const Mutation& m) {
  const bool same_epoch = m.set_status().epoch() == current.status().epoch();
  const gridsync::v1::CaseStatus now =
      same_epoch ? DisplayStatus(current.status()) : gridsync::v1::CASE_STATUS_REGISTERED;
  if (StatusRank(now) >= StatusRank(gridsync::v1::CASE_STATUS_RESOLVED)) {
    return absl::FailedPreconditionError(
        absl::StrFormat("case %s is %s: a finished case is reopened before it is escalated",
                        m.record_id(), gridsync::v1::CaseStatus_Name(now)));
  }
  if (CaseLevelOf(current.status()) == gridsync::v1::CASE_LEVEL_COUNTY) {
    return absl::FailedPreconditionError(
        absl::StrFormat("case %s is held by the county, the highest level gridsync holds a case at",
                        m.record_id()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckAgainstState(const RecordState& current, const Mutation& m) {
  const bool exists = current.has_header();
  if (exists) {
    const auto& h = current.header();
    if (h.kind() != m.kind() || h.grid_code() != m.grid_code()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("record %s is a %s in grid %s; this mutation says %s in grid %s",
                          m.record_id(), gridsync::v1::RecordKind_Name(h.kind()), h.grid_code(),
                          gridsync::v1::RecordKind_Name(m.kind()), m.grid_code()));
    }
    if (m.has_create() && h.created_hlc() != 0 && h.subject_id() != m.create().subject_id()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("record %s already exists for %s; make a new id for %s", m.record_id(),
                          h.subject_id(), m.create().subject_id()));
    }
  }
  if (m.has_set_field()) {
    const std::string own_replica = DotDevice(m);
    const gridsync::v1::VersionVector* ctx = nullptr;
    for (const auto& r : current.registers()) {
      if (r.field() == m.set_field().field()) ctx = &r.context();
    }
    for (const auto& d : m.set_field().seen().entries()) {
      const bool own = d.device_id() == own_replica;
      const uint64_t known = ctx == nullptr ? 0 : Covered(*ctx, d.device_id());
      if (own ? d.counter() >= m.device_seq() : d.counter() > known) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "set_field.seen claims write %d of device %s to %s, which this record has not seen; "
            "pull first and edit the field again",
            d.counter(), d.device_id(), m.set_field().field()));
      }
    }
  }
  const uint32_t epoch = current.status().epoch();
  if (m.has_set_status()) {
    if (m.set_status().epoch() < epoch) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "case %s was reopened (epoch %d) after this status was set in epoch %d; pull and set the "
          "status again",
          m.record_id(), epoch, m.set_status().epoch()));
    }
    if (m.set_status().epoch() > StatusEpochFor(current.status())) {
      return absl::InvalidArgumentError(
          absl::StrFormat("set_status.epoch %d does not exist yet (case %s is in epoch %d)",
                          m.set_status().epoch(), m.record_id(), epoch));
    }
  }
  if (m.has_set_status() && m.set_status().status() == gridsync::v1::CASE_STATUS_ESCALATED) {
    if (auto st = CheckEscalation(current, m); !st.ok()) return st;
  }
  if (m.has_reopen()) {
    const auto now = DisplayStatus(current.status());
    if (m.reopen().seen_epoch() != epoch || m.reopen().seen_status() != now) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "case %s is %s in epoch %d, but the reopen saw %s in epoch %d; pull and decide again",
          m.record_id(), gridsync::v1::CaseStatus_Name(now), epoch,
          gridsync::v1::CaseStatus_Name(m.reopen().seen_status()), m.reopen().seen_epoch()));
    }
  }
  if (m.kind() == gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL) {
    if (auto st = CheckProposalWrite(current, m); !st.ok()) return st;
  }
  return CheckRecordLimits(current, m);
}

namespace {

// A question counting for 知晓率 or 参与率 names which of its choices count.
std::optional<FieldViolation> CheckQuestionPurpose(const gridsync::v1::SurveyQuestion& q,
                                                   const std::string& path) {
  if (!gridsync::v1::QuestionPurpose_IsValid(q.purpose()))
    return Bad(path + ".purpose", "is not a QuestionPurpose");
  if (q.purpose() == gridsync::v1::QUESTION_PURPOSE_UNSPECIFIED) {
    if (q.counted_choices_size() > 0)
      return Bad(path + ".counted_choices", "needs a purpose (awareness or participation)");
    return std::nullopt;
  }
  if (q.counted_choices_size() == 0)
    return Bad(path + ".counted_choices", "must name the choices that count (1-based)");
  for (int32_t c : q.counted_choices()) {
    if (c < 1 || c > q.choices_size())
      return Bad(path + ".counted_choices",
                 absl::StrCat(c, " is not one of the choices 1..", q.choices_size()));
  }
  return std::nullopt;
}

}  // namespace

std::optional<FieldViolation> ValidateSurveyForm(const gridsync::v1::SurveyForm& f) {
  auto text = [](const std::string& path, const std::string& v, size_t min,
                 size_t max) -> std::optional<FieldViolation> {
    if (v.size() < min || v.size() > max) {
      return Bad(path, absl::StrFormat("must be %d to %d bytes", min, max));
    }
    if (auto bad = FirstInvalidUtf8(v)) return Bad(path, DescribeInvalidUtf8(v, *bad));
    return std::nullopt;
  };
  if (!IsFormVersion(f.version())) {
    return Bad("form.version", "must be 1 to 40 letters, digits, '-', '_' or '.'");
  }
  if (auto v = text("form.title", f.title(), 0, 200)) return v;
  if (auto v = text("form.safety_question", f.safety_question(), 1, 1000)) return v;
  if (auto v = text("form.satisfaction_question", f.satisfaction_question(), 1, 1000)) return v;
  if (f.questions_size() > kMaxFormQuestions)
    return Bad("form.questions", absl::StrCat("at most ", kMaxFormQuestions, " further questions"));
  std::set<std::string> ids;
  for (int i = 0; i < f.questions_size(); ++i) {
    const auto& q = f.questions(i);
    const std::string path = absl::StrCat("form.questions[", i, "]");
    if (auto v = text(path + ".id", q.id(), 1, 40)) return v;
    if (!ids.insert(q.id()).second) return Bad(path + ".id", "is given twice");
    if (auto v = text(path + ".text", q.text(), 1, 1000)) return v;
    if (q.choices_size() > 20) return Bad(path + ".choices", "at most 20 choices");
    for (int c = 0; c < q.choices_size(); ++c) {
      if (auto v = text(absl::StrCat(path, ".choices[", c, "]"), q.choices(c), 1, 200)) return v;
    }
    if (auto v = CheckQuestionPurpose(q, path)) return v;
  }
  return std::nullopt;
}

}  // namespace gridsync::core
