// Which fields of each record kind are edited registers, logs, the subject
// or the status, and the limits on their values. Derived from the view
// messages in records.proto, so a field added there is merged and validated
// without touching this code.
#ifndef GRIDSYNC_CORE_SCHEMA_H_
#define GRIDSYNC_CORE_SCHEMA_H_

#include <map>
#include <memory>
#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gridsync/v1/records.pb.h"

namespace gridsync::core {

enum class FieldRole { kSubject, kRegister, kLog, kStatus };

struct FieldSpec {
  std::string name;
  FieldRole role;
  const google::protobuf::FieldDescriptor* field;  // in the view message
  size_t max_len = 0;                              // strings
  int64_t min = 0, max = 0;                        // integers (when max > min)
};

struct KindSchema {
  gridsync::v1::RecordKind kind;
  const google::protobuf::Descriptor* view;  // Visit, DisputeCase, SpecialCheck, Patrol, ...
  std::string subject_field;                 // household_id, person_id, or "" (a patrol)
  bool subject_required;
  std::map<std::string, FieldSpec, std::less<>> fields;

  const FieldSpec* Find(std::string_view name) const {
    auto it = fields.find(name);
    return it == fields.end() ? nullptr : &it->second;
  }
};

// nullptr for RECORD_KIND_UNSPECIFIED or an unknown number.
const KindSchema* SchemaFor(gridsync::v1::RecordKind kind);

// A new, empty element of a log, e.g. a MediationSession for
// "mediation_sessions". REQUIRES: spec.role == FieldRole::kLog.
std::unique_ptr<google::protobuf::Message> NewLogElement(const FieldSpec& spec);

inline constexpr size_t kMaxLogPayloadBytes = 16 * 1024;
inline constexpr int64_t kMinTimeMs = 946684800000;   // 2000-01-01
inline constexpr int64_t kMaxTimeMs = 4102444800000;  // 2100-01-01

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_SCHEMA_H_
