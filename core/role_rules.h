// Who may write what, by the writer's role: the rules that need nothing but
// the mutation. The server applies them to every write it takes (Push,
// Refill) and the SDK before it queues one, so a person learns a refusal
// before going offline with the write.
#ifndef GRIDSYNC_CORE_ROLE_RULES_H_
#define GRIDSYNC_CORE_ROLE_RULES_H_

#include <optional>

#include "core/validate.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/registry.pb.h"

namespace gridsync::core {

// Why a device of `role` may not write `m` (a PERMISSION_DENIED, the field
// naming the part refused); nullopt when it may:
//  - a cadre's phone (ROLE_CADRE) writes visits only;
//  - a task: core::TaskWriteRefusal;
//  - a visit's verification: core::VerificationWriteRefusal.
// REQUIRES: m passed ValidateMutation.
std::optional<FieldViolation> RoleWriteRefusal(gridsync::v1::Role role,
                                               const gridsync::v1::Mutation& m);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_ROLE_RULES_H_
