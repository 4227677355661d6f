// Validation of mutations (DESIGN.md sections 3-4): every field, with
// messages a person can act on. Pure code: registry lookups (is this
// household in this grid?) are the server's, against its store.
#ifndef GRIDSYNC_CORE_VALIDATE_H_
#define GRIDSYNC_CORE_VALIDATE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/record_state.pb.h"
#include "gridsync/v1/registry.pb.h"

namespace gridsync::core {

struct FieldViolation {
  std::string field;    // path inside the mutation, e.g. "set_field.value"
  std::string message;  // what is wrong and what to do
};

// Checks a mutation on its own: ids, kind, grid, stamp, op and values (a
// string value that is not UTF-8 is named by its record field). A log
// entry's payload may hold only the fields of its message in records.proto:
// bytes the schema does not know are refused, never stored.
// The UTF-8 of the other strings (reasons, element ids, contexts) is checked
// where a mutation enters: protobuf's parse refuses it on the server
// (server/push_decode.h names the field), and a mutation built in memory,
// as the SDK builds them, goes through core::FindInvalidUtf8 first.
std::optional<FieldViolation> ValidateMutation(const gridsync::v1::Mutation& m);

// Checks a questionnaire form an admin publishes (registry.proto
// SurveyForm): a version of IsFormVersion's letters, both headline
// questions, each further question with a unique id and text, choices
// bounded; all text UTF-8. The first problem is named by its field.
std::optional<FieldViolation> ValidateSurveyForm(const gridsync::v1::SurveyForm& f);

// One write a record state holds, as the mutation that would have made it
// (its record, kind, grid and stamp; device_seq 1, no device or author):
// the header with each field's first sibling as a create, each sibling as a
// set_field with its register's context, each log element as an
// append_log, each stage reached as a set_status, the void mark as a
// void_record. `path` names it inside the state, e.g.
// "registers[2].siblings[0]".
struct StateWrite {
  std::string path;
  gridsync::v1::Mutation mutation;
};
std::vector<StateWrite> WritesOf(const gridsync::v1::RecordState& s);

// Checks a record state as a phone holds it (SyncService.Refill): canonical
// (core/merge.h), a header, and every part valid as the mutation that would
// have written it: the header with each field's first sibling as a create,
// each sibling as a set_field, each log element as an append_log, each
// stage reached as a set_status, the void mark as a void_record. Every
// sibling's dot and every context names a replica and a counter > 0.
// The field named is a path inside the state, e.g. "registers[2].siblings[0]".
std::optional<FieldViolation> ValidateState(const gridsync::v1::RecordState& s);

// Times a person did something (a visit, a check, a mediation session, a
// follow-up, a photo: every `*_ms` field but a case's deadline) may not lie
// more than `max_skew_ms` ahead of `now_ms`, the server's clock (the phone's
// clock corrected by the SDK's offset, on the phone). The first that does is
// named; a mutation's stamp (hlc) is CheckSkew's.
// REQUIRES: m passed ValidateMutation.
std::optional<FieldViolation> CheckDomainTimes(const gridsync::v1::Mutation& m, int64_t now_ms,
                                               int64_t max_skew_ms);

// Checks a valid mutation against the record's current merged state
// (`current` is empty when the record does not exist yet):
//  - INVALID_ARGUMENT: kind or grid differ from the stored record, a second
//    create with another subject, a causal context claiming writes the
//    record has not seen, a status for an epoch that does not exist yet;
//  - FAILED_PRECONDITION: a status write or reopen made before the case was
//    reopened or moved on (the writer must pull and decide again);
//  - RESOURCE_EXHAUSTED: the write would take the record past a limit
//    (core/record_limits.h).
absl::Status CheckAgainstState(const gridsync::v1::RecordState& current,
                               const gridsync::v1::Mutation& m);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_VALIDATE_H_
