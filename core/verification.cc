#include "core/verification.h"

#include <openssl/sha.h>

#include <tuple>

#include "absl/strings/str_cat.h"
#include "core/hlc.h"

namespace gridsync::core {

int32_t VerificationSample(const gridsync::v1::CheckPolicy& policy) {
  return policy.verification_sample() > 0 ? policy.verification_sample() : 10;
}

VisitVerdict VerdictOf(const gridsync::v1::RecordState& s) {
  VisitVerdict out;
  std::tuple<uint64_t, std::string_view> latest{0, ""};
  for (const auto& log : s.logs()) {
    if (log.log() != "verifications") continue;
    for (const auto& e : log.elements()) {
      gridsync::v1::VisitVerification v;
      if (!v.ParseFromString(e.payload()) || !v.reached()) continue;
      const std::tuple<uint64_t, std::string_view> at{e.hlc(), e.element_id()};
      if (at <= latest) continue;
      latest = at;
      out.confirmation = v.confirmation();
      out.at_ms = v.verified_at_ms() > 0 ? v.verified_at_ms() : HlcWallMs(e.hlc());
    }
  }
  return out;
}

bool IsVerification(const gridsync::v1::Mutation& m) {
  return m.kind() == gridsync::v1::RECORD_KIND_VISIT && m.has_append_log() &&
         m.append_log().log() == "verifications";
}

std::optional<FieldViolation> VerificationWriteRefusal(gridsync::v1::Role role,
                                                       const gridsync::v1::Mutation&) {
  if (role == gridsync::v1::ROLE_TOWN_OFFICE || role == gridsync::v1::ROLE_VILLAGE_SECRETARY) {
    return std::nullopt;
  }
  return FieldViolation{
      "append_log.log",
      absl::StrCat("a visit is verified (复查, 电话抽查) by the town office or the "
                   "village secretary, never by a grid worker; this device is a ",
                   gridsync::v1::Role_Name(role))};
}

std::optional<std::string> OwnVisitRefusal(const gridsync::v1::RecordState& visit,
                                           std::string_view device_id) {
  if (visit.header().kind() != gridsync::v1::RECORD_KIND_VISIT) {
    return std::string("no such visit here: sync, then verify a visit of the sample");
  }
  if (visit.header().created_by_device() == device_id) {
    return std::string(
        "a visit is verified by someone other than the worker who recorded it; this device "
        "recorded it");
  }
  return std::nullopt;
}

uint64_t SampleRank(std::string_view village, int32_t yyyymm, std::string_view household) {
  const std::string text =
      std::string(village) + "|" + std::to_string(yyyymm) + "|" + std::string(household);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  uint64_t rank = 0;
  for (int i = 0; i < 8; ++i) rank = (rank << 8) | digest[i];
  return rank;
}

}  // namespace gridsync::core
