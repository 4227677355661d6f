// 复查 / 电话抽查: a visit verified by someone other than the worker who
// recorded it (records.proto VisitVerification, a log on the visit itself),
// the reproducible sample a town office draws, and who may verify.
//
// A verification counts when it reached the household (电话接通, 见到住户);
// the latest such one (by its write's stamp, then its element id) is the
// visit's verdict on every replica. A visit found not made (未入户) leaves
// 入户率 (core::MarksOf gives it no visit mark) and stays, with its
// verification, in the record and the change log.
#ifndef GRIDSYNC_CORE_VERIFICATION_H_
#define GRIDSYNC_CORE_VERIFICATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/validate.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/record_state.pb.h"
#include "gridsync/v1/registry.pb.h"

namespace gridsync::core {

// The households a village's month's sample draws
// (CheckPolicy.verification_sample; 10 when 0: the documents give none).
int32_t VerificationSample(const gridsync::v1::CheckPolicy& policy);

struct VisitVerdict {
  // UNSPECIFIED: no verification reached the household.
  gridsync::v1::VisitConfirmation confirmation = gridsync::v1::VISIT_CONFIRMATION_UNSPECIFIED;
  int64_t at_ms = 0;  // when it was verified (verified_at_ms, else its write's stamp)
};
// The verdict on the visit `s`. REQUIRES: s is a visit.
VisitVerdict VerdictOf(const gridsync::v1::RecordState& s);

// Whether `m` appends a verification to a visit.
bool IsVerification(const gridsync::v1::Mutation& m);

// Why a device of `role` may not write the verification `m` (a
// PERMISSION_DENIED, the field naming the part); nullopt when it may: a
// town office (电话抽查 from the 综治中心) or the village secretary.
// REQUIRES: IsVerification(m).
std::optional<FieldViolation> VerificationWriteRefusal(gridsync::v1::Role role,
                                                       const gridsync::v1::Mutation& m);

// Why the device `device_id` may not verify the stored visit `visit` (empty
// when the record does not exist): no such visit, or the device recorded it
// itself. nullopt when it may.
std::optional<std::string> OwnVisitRefusal(const gridsync::v1::RecordState& visit,
                                           std::string_view device_id);

// A household's place in its village's month's sample: the first 8 bytes,
// big-endian, of SHA-256 of "village|yyyymm|household" (e.g.
// "410185001201|202611|4101850012010010007"). The sample is the visited
// households of lowest rank: anyone with the codes can draw it again.
uint64_t SampleRank(std::string_view village, int32_t yyyymm, std::string_view household);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_VERIFICATION_H_
