#include "client_sdk/retention_pass.h"

#include "core/attachment.h"
#include "core/registry.h"

namespace gridsync::sdk {

void RetentionPass::OfferRegistry(const gridsync::v1::RegistryChange& c) {
  if (c.has_person()) {
    persons_.push_back(c);
    return;
  }
  if (!c.has_household() || c.household().status() == core::kHouseholdActive) return;
  const auto mark = left_marks_.find(c.household().household_id());
  if (mark != left_marks_.end() && now_ms_ - mark->second > policy_.left_ms) {
    gone_.insert(c.household().household_id());
    letgo_.entries.push_back(c);
  }
}

void RetentionPass::DecidePersons() {
  persons_decided_ = true;
  for (auto& c : persons_) {
    const auto& p = c.person();
    const bool ended =
        p.supervised_until_ms() > 0 && now_ms_ - p.supervised_until_ms() > policy_.left_ms;
    if (ended || gone_.count(p.household_id())) {
      gone_.insert(p.person_id());
      letgo_.entries.push_back(std::move(c));
    }
  }
  persons_.clear();
}

void RetentionPass::OfferRecord(const gridsync::v1::RecordState& s, bool in_outbox) {
  if (!persons_decided_) DecidePersons();
  const bool keep =
      in_outbox || core::KeepOnPhone(s, gone_.count(s.header().subject_id()) > 0, now_ms_, policy_);
  for (const auto& ref : core::AttachmentsOf(s)) {
    (keep ? kept_files_ : letgo_.files).insert(ref.sha256());
  }
  if (!keep) letgo_.records.push_back(s.record_id());
}

RetentionPass::Letgo RetentionPass::Finish(const std::set<std::string>& queued_files) {
  if (!persons_decided_) DecidePersons();
  for (auto it = letgo_.files.begin(); it != letgo_.files.end();) {
    const bool needed = kept_files_.count(*it) || queued_files.count(*it);
    it = needed ? letgo_.files.erase(it) : std::next(it);
  }
  return std::move(letgo_);
}

}  // namespace gridsync::sdk
