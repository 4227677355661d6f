// Registry proposals (records.proto RegistryProposal): what a well-formed
// one holds, who may decide it, and what an approved one does to the
// registry. Pure code: the server and the SDK call it with what they hold.
#ifndef GRIDSYNC_CORE_PROPOSAL_H_
#define GRIDSYNC_CORE_PROPOSAL_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/validate.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/record_state.pb.h"
#include "gridsync/v1/registry.pb.h"

namespace gridsync::core {

// A proposal nobody has decided yet: ProposalDecision's zero value (named
// _UNSPECIFIED for the protobuf style).
inline constexpr gridsync::v1::ProposalDecision kProposalPending =
    gridsync::v1::PROPOSAL_DECISION_UNSPECIFIED;

// The proposal as its merged state reads (the winning value of each field).
gridsync::v1::RegistryProposal ProposalOf(const gridsync::v1::RecordState& state);

// The write that set the decision (the winner of its register: who decided,
// and when on their phone), nullptr while none was written.
const gridsync::v1::Sibling* DecisionWrite(const gridsync::v1::RecordState& state);

// A create of a proposal names its action and what the action needs: a
// household (but for a new one), an address or a head's name for a new or
// corrected household, a name and category for a new person, a person of
// the household and a change for a person. REQUIRES: m passed the generic
// checks of ValidateMutation and m.kind() is RECORD_KIND_REGISTRY_PROPOSAL.
std::optional<FieldViolation> CheckProposalCreate(const gridsync::v1::Mutation& m);

// FAILED_PRECONDITION for any write to a proposal already decided: a
// decision is final (a changed mind is a new proposal).
absl::Status CheckProposalWrite(const gridsync::v1::RecordState& current,
                                const gridsync::v1::Mutation& m);

// Whether `m` sets the decision, and whether `role` may.
bool SetsDecision(const gridsync::v1::Mutation& m);
bool MayDecide(gridsync::v1::Role role);

// What the registry holds for an approved proposal, and the ids a new entry
// gets (the server picks the next free number: phones offline cannot).
struct RegistryLookup {
  const gridsync::v1::Household* household = nullptr;      // the proposal's, if any
  const gridsync::v1::SupervisedPerson* person = nullptr;  // PERSON_CHANGE's
  std::string new_household_id;  // NEW_HOUSEHOLD: the next free id in the grid
  std::string new_person_id;     // NEW_PERSON: the next free id in the household
};

// The registry entry an approved proposal makes, as of `decided_at_ms`,
// marked with the proposal's record id. NOT_FOUND when what it changes is
// no longer in the registry. REQUIRES: state is a proposal's.
absl::StatusOr<gridsync::v1::RegistryChange> ApprovedChange(const gridsync::v1::RecordState& state,
                                                            const RegistryLookup& lookup,
                                                            int64_t decided_at_ms);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_PROPOSAL_H_
