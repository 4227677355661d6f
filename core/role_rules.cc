#include "core/role_rules.h"

#include "core/task.h"
#include "core/verification.h"

namespace gridsync::core {

std::optional<FieldViolation> RoleWriteRefusal(gridsync::v1::Role role,
                                               const gridsync::v1::Mutation& m) {
  if (role == gridsync::v1::ROLE_CADRE && m.kind() != gridsync::v1::RECORD_KIND_VISIT) {
    return FieldViolation{
        "kind", "a cadre's or party member's phone (ROLE_CADRE) records visits (入户走访) only"};
  }
  if (m.kind() == gridsync::v1::RECORD_KIND_TASK) return TaskWriteRefusal(role, m);
  if (IsVerification(m)) return VerificationWriteRefusal(role, m);
  return std::nullopt;
}

}  // namespace gridsync::core
