#include "server/proposals.h"

#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/hlc.h"
#include "core/merge.h"
#include "core/proposal.h"
#include "core/registry.h"
#include "server/rocks_util.h"

namespace gridsync::server {
namespace {

bool Approved(const gridsync::v1::RecordState& s) {
  return s.header().kind() == gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL &&
         core::ProposalOf(s).decision() == gridsync::v1::PROPOSAL_DECISION_APPROVED;
}

// When the decision was made, on the phone that made it.
int64_t DecidedAt(const gridsync::v1::RecordState& s) {
  const gridsync::v1::Sibling* w = core::DecisionWrite(s);
  return core::HlcWallMs(w != nullptr ? w->hlc() : s.header().created_hlc());
}

}  // namespace

bool ProposalApplier::IsApproved(const gridsync::v1::RecordState& state) { return Approved(state); }

absl::StatusOr<std::string> ProposalApplier::Read(const std::string& key) {
  if (auto it = written_.find(key); it != written_.end()) return it->second;
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), registry_, key, &v);
  if (s.IsNotFound()) return std::string();
  if (!s.ok()) return FromRocks(s, "reading the registry");
  return v;
}

absl::StatusOr<std::string> ProposalApplier::NextId(const std::string& prefix, int digits) {
  int64_t last = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), registry_));
  it->SeekForPrev(prefix + std::string(static_cast<size_t>(digits), '9'));
  if (it->Valid() && it->key().starts_with(prefix) &&
      it->key().size() == prefix.size() + static_cast<size_t>(digits)) {
    (void)absl::SimpleAtoi(it->key().ToString().substr(prefix.size()), &last);
  }
  if (auto st = FromRocks(it->status(), "reading the registry"); !st.ok()) return st;
  for (const auto& [key, value] : written_) {  // made earlier in this group
    int64_t n = 0;
    if (key.size() == prefix.size() + static_cast<size_t>(digits) && key.starts_with(prefix) &&
        absl::SimpleAtoi(key.substr(prefix.size()), &n)) {
      last = std::max(last, n);
    }
  }
  const int64_t next = last + 1;
  if (next >= (digits == 4 ? 10000 : 100)) {
    return absl::ResourceExhaustedError(absl::StrCat(prefix.substr(1), " has no free number left"));
  }
  return absl::StrCat(prefix.substr(1), absl::StrFormat("%0*d", digits, next));
}

absl::StatusOr<gridsync::v1::RegistryChange> ProposalApplier::Apply(
    const gridsync::v1::RecordState& state, rocksdb::WriteBatch* batch) {
  const gridsync::v1::RegistryProposal p = core::ProposalOf(state);
  core::RegistryLookup lookup;
  gridsync::v1::Household household;
  gridsync::v1::SupervisedPerson person;
  if (!p.household_id().empty()) {
    auto v = Read("h" + p.household_id());
    if (!v.ok()) return v.status();
    if (!v->empty() && household.ParseFromString(*v)) lookup.household = &household;
  }
  if (!p.person_id().empty()) {
    auto v = Read("p" + p.person_id());
    if (!v.ok()) return v.status();
    if (!v->empty() && person.ParseFromString(*v)) lookup.person = &person;
  }
  if (p.action() == gridsync::v1::PROPOSAL_ACTION_NEW_HOUSEHOLD) {
    auto id = NextId("h" + state.header().grid_code(), 4);
    if (!id.ok()) return id.status();
    lookup.new_household_id = *id;
  } else if (p.action() == gridsync::v1::PROPOSAL_ACTION_NEW_PERSON) {
    auto id = NextId("p" + p.household_id(), 2);
    if (!id.ok()) return id.status();
    lookup.new_person_id = *id;
  }
  auto change = core::ApprovedChange(state, lookup, DecidedAt(state));
  if (!change.ok()) return change.status();

  std::string key;
  if (change->has_household()) {
    const auto& h = change->household();
    key = "h" + h.household_id();
    const bool was_active = lookup.household != nullptr &&
                            lookup.household->status() == gridsync::core::kHouseholdActive;
    const bool active = h.status() == gridsync::core::kHouseholdActive;
    const bool existed = lookup.household != nullptr;
    if (active && (!existed || !was_active)) ++deltas_[h.grid_code()];
    if (!active && existed && was_active) {
      --deltas_[h.grid_code()];
      deactivated_.push_back(h.household_id());
    }
  } else {
    key = "p" + change->person().person_id();
  }
  const std::string value = core::SerializeCanonical(
      change->has_household() ? static_cast<const google::protobuf::Message&>(change->household())
                              : change->person());
  batch->Put(registry_, key, value);
  written_[key] = value;
  return change;
}

}  // namespace gridsync::server
