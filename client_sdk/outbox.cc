#include "client_sdk/outbox.h"

#include "core/merge.h"

namespace gridsync::sdk {

void Outbox::Add(Entry e) {
  const uint64_t seq = e.mutation().device_seq();
  by_record_[e.mutation().record_id()].insert(seq);
  by_seq_.insert_or_assign(seq, std::move(e));
}

void Outbox::Remove(uint64_t seq) {
  auto it = by_seq_.find(seq);
  if (it == by_seq_.end()) return;
  auto r = by_record_.find(it->second.mutation().record_id());
  by_seq_.erase(it);
  if (r == by_record_.end()) return;
  r->second.erase(seq);
  if (r->second.empty()) by_record_.erase(r);
}

void Outbox::Clear() {
  by_seq_.clear();
  by_record_.clear();
}

bool Outbox::HasPending(const std::string& record_id) const {
  auto it = by_record_.find(record_id);
  if (it == by_record_.end()) return false;
  for (uint64_t seq : it->second) {
    if (by_seq_.at(seq).change_seq() == 0) return true;
  }
  return false;
}

void Outbox::Replay(const std::string& record_id, gridsync::v1::RecordState* s) const {
  auto it = by_record_.find(record_id);
  if (it == by_record_.end()) return;
  for (uint64_t seq : it->second) core::Apply(s, by_seq_.at(seq).mutation());
}

std::set<std::string> Outbox::RecordIds() const {
  std::set<std::string> out;
  for (const auto& [id, seqs] : by_record_) out.insert(out.end(), id);
  return out;
}

const Outbox::Entry* Outbox::Find(uint64_t seq) const {
  auto it = by_seq_.find(seq);
  return it == by_seq_.end() ? nullptr : &it->second;
}

std::vector<gridsync::v1::Mutation> Outbox::PendingBatch(int max, bool* more) const {
  std::vector<gridsync::v1::Mutation> out;
  for (const auto& [seq, e] : by_seq_) {
    if (e.change_seq() != 0) continue;
    if (static_cast<int>(out.size()) == max) {
      *more = true;
      break;
    }
    out.push_back(e.mutation());
  }
  return out;
}

std::vector<uint64_t> Outbox::CoveredBy(uint64_t cursor) const {
  std::vector<uint64_t> out;
  for (const auto& [seq, e] : by_seq_) {
    if (e.change_seq() != 0 && e.change_seq() <= cursor) out.push_back(seq);
  }
  return out;
}

int64_t Outbox::CountPending() const {
  int64_t n = 0;
  for (const auto& [seq, e] : by_seq_) n += e.change_seq() == 0 ? 1 : 0;
  return n;
}

}  // namespace gridsync::sdk
