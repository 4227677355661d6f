#include "client_sdk/renumber.h"

#include <algorithm>
#include <iterator>
#include <map>

#include "core/merge.h"

namespace gridsync::sdk {

std::vector<gridsync::v1::OutboxEntry> RenumberOutbox(std::vector<gridsync::v1::OutboxEntry> unsent,
                                                      uint64_t first_seq, uint64_t epoch,
                                                      const std::string& device_id,
                                                      const PulledCounter& pulled) {
  if (unsent.empty()) return unsent;
  const uint64_t lowest = unsent.front().mutation().device_seq();
  const std::string old_replica =
      core::DotDevice(device_id, unsent.front().mutation().replica_epoch());
  const std::string new_replica = core::DotDevice(device_id, epoch);
  std::map<uint64_t, uint64_t> new_seq;  // old -> new
  for (size_t i = 0; i < unsent.size(); ++i) {
    new_seq[unsent[i].mutation().device_seq()] = first_seq + i;
  }
  for (auto& e : unsent) {
    auto* m = e.mutable_mutation();
    m->set_device_seq(new_seq.at(m->device_seq()));
    m->set_replica_epoch(epoch);
    if (!m->has_set_field()) continue;
    auto* entries = m->mutable_set_field()->mutable_seen()->mutable_entries();
    uint64_t renamed = 0;  // the newest own unsent write the context named
    for (auto& d : *entries) {
      if (d.device_id() != old_replica) continue;
      if (d.counter() >= lowest) {
        renamed = std::prev(new_seq.upper_bound(d.counter()))->second;
      }
      d.set_counter(
          std::min(d.counter(), pulled(m->record_id(), m->set_field().field(), old_replica)));
    }
    if (renamed > 0) {
      auto* d = entries->Add();
      d->set_device_id(new_replica);
      d->set_counter(renamed);
    }
    // Canonical again: no zero counters, sorted by replica.
    entries->erase(std::remove_if(entries->begin(), entries->end(),
                                  [](const gridsync::v1::Dot& d) { return d.counter() == 0; }),
                   entries->end());
    std::sort(entries->begin(), entries->end(),
              [](const gridsync::v1::Dot& a, const gridsync::v1::Dot& b) {
                return a.device_id() < b.device_id();
              });
  }
  return unsent;
}

}  // namespace gridsync::sdk
