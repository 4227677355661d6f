#include "core/proposal.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/coverage.h"
#include "core/merge.h"
#include "core/view.h"

namespace gridsync::core {
namespace {

using gridsync::v1::ProposalAction;
using gridsync::v1::RegistryProposal;

std::optional<FieldViolation> Bad(std::string field, std::string message) {
  return FieldViolation{std::move(field), std::move(message)};
}

}  // namespace

RegistryProposal ProposalOf(const gridsync::v1::RecordState& state) {
  return BuildView(state).registry_proposal();
}

const gridsync::v1::Sibling* DecisionWrite(const gridsync::v1::RecordState& state) {
  for (const auto& r : state.registers()) {
    if (r.field() == "decision" && r.siblings_size() > 0) return &Winner(r);
  }
  return nullptr;
}

std::optional<FieldViolation> CheckProposalCreate(const gridsync::v1::Mutation& m) {
  gridsync::v1::RecordState s;
  s.mutable_header()->set_kind(m.kind());
  s.mutable_header()->set_subject_id(m.create().subject_id());
  for (const auto& f : m.create().fields()) {
    auto* r = s.add_registers();
    r->set_field(f.field());
    *r->add_siblings()->mutable_value() = f.value();
  }
  const RegistryProposal p = ProposalOf(s);
  const bool has_household = !p.household_id().empty();
  switch (p.action()) {
    case gridsync::v1::PROPOSAL_ACTION_NEW_HOUSEHOLD:
      if (has_household) {
        return Bad("create.subject_id",
                   "a new household gets its id when the proposal is approved: leave it empty");
      }
      if (p.address().empty() && p.head_name().empty()) {
        return Bad("create.fields", "a new household needs an address or the head's name");
      }
      return std::nullopt;
    case gridsync::v1::PROPOSAL_ACTION_MOVED_OUT:
    case gridsync::v1::PROPOSAL_ACTION_EMPTY:
    case gridsync::v1::PROPOSAL_ACTION_CORRECT_HOUSEHOLD:
    case gridsync::v1::PROPOSAL_ACTION_NEW_PERSON:
    case gridsync::v1::PROPOSAL_ACTION_PERSON_CHANGE:
      break;
    default:
      return Bad("create.fields", "a registry proposal needs an action (ProposalAction)");
  }
  if (!has_household) {
    return Bad("create.subject_id",
               absl::StrCat(ProposalAction_Name(p.action()), " needs the household it concerns"));
  }
  if (p.action() == gridsync::v1::PROPOSAL_ACTION_CORRECT_HOUSEHOLD && p.address().empty() &&
      p.head_name().empty()) {
    return Bad("create.fields", "a correction needs the new address or head's name");
  }
  if (p.action() == gridsync::v1::PROPOSAL_ACTION_NEW_PERSON &&
      (p.name().empty() || p.category() == gridsync::v1::PERSON_CATEGORY_UNSPECIFIED)) {
    return Bad("create.fields", "a new person needs a name and a category");
  }
  if (p.action() == gridsync::v1::PROPOSAL_ACTION_PERSON_CHANGE) {
    if (!absl::StartsWith(p.person_id(), p.household_id()) ||
        p.person_id().size() != p.household_id().size() + 2) {
      return Bad("create.fields",
                 absl::StrCat("person_id '", p.person_id().substr(0, 32),
                              "' must be a person of household ", p.household_id()));
    }
    if (p.guardian().empty() && !p.contact_lost() && !p.moved_away()) {
      return Bad("create.fields", "a person's change needs a guardian, contact lost or moved away");
    }
  }
  return std::nullopt;
}

absl::Status CheckProposalWrite(const gridsync::v1::RecordState& current,
                                const gridsync::v1::Mutation& m) {
  if (current.registers_size() == 0) return absl::OkStatus();
  const RegistryProposal p = ProposalOf(current);
  if (p.decision() == gridsync::core::kProposalPending || m.has_void_record()) {
    return absl::OkStatus();
  }
  const gridsync::v1::Sibling* w = DecisionWrite(current);
  const std::string by = w != nullptr ? w->author() : "";
  return absl::FailedPreconditionError(absl::StrCat(
      "proposal ", current.record_id(), " was already ",
      p.decision() == gridsync::v1::PROPOSAL_DECISION_APPROVED ? "approved" : "rejected", " by ",
      by, "; a decision is final: make a new proposal"));
}

bool SetsDecision(const gridsync::v1::Mutation& m) {
  if (m.has_set_field()) return m.set_field().field() == "decision";
  if (m.has_create()) {
    for (const auto& f : m.create().fields()) {
      if (f.field() == "decision") return true;
    }
  }
  return false;
}

bool MayDecide(gridsync::v1::Role role) {
  return role == gridsync::v1::ROLE_VILLAGE_SECRETARY || role == gridsync::v1::ROLE_TOWN_OFFICE ||
         role == gridsync::v1::ROLE_ADMIN;
}

absl::StatusOr<gridsync::v1::RegistryChange> ApprovedChange(const gridsync::v1::RecordState& state,
                                                            const RegistryLookup& lookup,
                                                            int64_t decided_at_ms) {
  const RegistryProposal p = ProposalOf(state);
  gridsync::v1::RegistryChange out;
  auto need_household = [&]() -> absl::Status {
    if (lookup.household != nullptr) return absl::OkStatus();
    return absl::NotFoundError(
        absl::StrCat("household ", p.household_id(), " is no longer in the registry"));
  };
  switch (p.action()) {
    case gridsync::v1::PROPOSAL_ACTION_NEW_HOUSEHOLD: {
      auto* h = out.mutable_household();
      h->set_household_id(lookup.new_household_id);
      h->set_grid_code(state.header().grid_code());
      h->set_address(p.address());
      h->set_head_name(p.head_name());
      h->set_changed_by_proposal(state.record_id());
      return out;
    }
    case gridsync::v1::PROPOSAL_ACTION_MOVED_OUT:
    case gridsync::v1::PROPOSAL_ACTION_EMPTY:
    case gridsync::v1::PROPOSAL_ACTION_CORRECT_HOUSEHOLD: {
      if (auto st = need_household(); !st.ok()) return st;
      auto* h = out.mutable_household();
      *h = *lookup.household;
      if (p.action() == gridsync::v1::PROPOSAL_ACTION_MOVED_OUT) {
        h->set_status(gridsync::v1::HOUSEHOLD_STATUS_MOVED_OUT);
      } else if (p.action() == gridsync::v1::PROPOSAL_ACTION_EMPTY) {
        h->set_status(gridsync::v1::HOUSEHOLD_STATUS_EMPTY);
      } else {
        if (!p.address().empty()) h->set_address(p.address());
        if (!p.head_name().empty()) h->set_head_name(p.head_name());
      }
      h->set_changed_by_proposal(state.record_id());
      return out;
    }
    case gridsync::v1::PROPOSAL_ACTION_NEW_PERSON: {
      if (auto st = need_household(); !st.ok()) return st;
      auto* person = out.mutable_person();
      person->set_person_id(lookup.new_person_id);
      person->set_household_id(p.household_id());
      person->set_name(p.name());
      person->set_category(p.category());
      person->set_risk_level(p.risk_level());
      person->set_guardian(p.guardian());
      person->set_supervised_since_ms(decided_at_ms);
      person->set_changed_by_proposal(state.record_id());
      return out;
    }
    case gridsync::v1::PROPOSAL_ACTION_PERSON_CHANGE: {
      if (lookup.person == nullptr) {
        return absl::NotFoundError(
            absl::StrCat("person ", p.person_id(), " is no longer in the registry"));
      }
      auto* person = out.mutable_person();
      *person = *lookup.person;
      if (!p.guardian().empty()) person->set_guardian(p.guardian());
      if (p.contact_lost()) person->set_contact_lost(true);
      if (p.moved_away()) person->set_supervised_until_ms(decided_at_ms);
      person->set_changed_by_proposal(state.record_id());
      return out;
    }
    default:
      return absl::InvalidArgumentError("the proposal has no action");
  }
}

}  // namespace gridsync::core
