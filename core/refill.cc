#include "core/refill.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "core/merge.h"

namespace gridsync::core {
namespace {

using gridsync::v1::RecordState;

// A dot's replica is the device itself or one of its restored replicas.
bool OfDevice(const std::string& replica, const std::string& device_id) {
  return replica == device_id ||
         (absl::StartsWith(replica, device_id) && replica.size() > device_id.size() &&
          replica[device_id.size()] == '~');
}

const gridsync::v1::VersionVector* ContextOf(const RecordState& s, const std::string& field) {
  for (const auto& r : s.registers()) {
    if (r.field() == field) return &r.context();
  }
  return nullptr;
}

}  // namespace

RefillSplit SplitByWriter(const RecordState& s, const std::string& device_id,
                          const std::string& author) {
  RefillSplit out;
  RecordState& own = out.own;
  RecordState& others = out.others;
  auto mine = [&](const std::string& device, const std::string& by) {
    return OfDevice(device, device_id) && by == author;
  };
  own.set_record_id(s.record_id());
  const auto& h = s.header();
  if (h.created_hlc() == 0 || mine(h.created_by_device(), h.created_by())) {
    *own.mutable_header() = h;
  } else {
    own.mutable_header()->set_kind(h.kind());
    own.mutable_header()->set_grid_code(h.grid_code());
    *others.mutable_header() = h;
  }
  for (const auto& r : s.registers()) {
    gridsync::v1::Register mine_r, theirs_r;
    for (const auto& sib : r.siblings()) {
      *(mine(sib.dot().device_id(), sib.author()) ? mine_r : theirs_r).add_siblings() = sib;
    }
    for (auto* part : {&mine_r, &theirs_r}) {
      if (part->siblings_size() == 0) continue;
      part->set_field(r.field());
      *part->mutable_context() = r.context();
      *(part == &mine_r ? own : others).add_registers() = std::move(*part);
    }
  }
  for (const auto& l : s.logs()) {
    gridsync::v1::LogSet mine_l, theirs_l;
    for (const auto& e : l.elements()) {
      *(mine(e.device_id(), e.author()) ? mine_l : theirs_l).add_elements() = e;
    }
    for (auto* part : {&mine_l, &theirs_l}) {
      if (part->elements_size() == 0) continue;
      part->set_log(l.log());
      *(part == &mine_l ? own : others).add_logs() = std::move(*part);
    }
  }
  if (s.has_status()) *own.mutable_status() = s.status();
  if (s.has_void_mark()) {
    *(mine(s.void_mark().device_id(), s.void_mark().author()) ? own : others).mutable_void_mark() =
        s.void_mark();
  }
  if (others.ByteSizeLong() > 0) {
    others.set_record_id(s.record_id());
    others.mutable_header()->set_kind(h.kind());
    others.mutable_header()->set_grid_code(h.grid_code());
  }
  return out;
}

void ClampContexts(RecordState* own, const RecordState& stored, const std::string& device_id) {
  for (auto& r : *own->mutable_registers()) {
    const gridsync::v1::VersionVector* seen = ContextOf(stored, r.field());
    auto* entries = r.mutable_context()->mutable_entries();
    for (auto& e : *entries) {
      if (OfDevice(e.device_id(), device_id)) continue;
      uint64_t may = seen == nullptr ? 0 : Covered(*seen, e.device_id());
      for (const auto& sib : r.siblings()) {  // a write always claims itself
        if (sib.dot().device_id() == e.device_id()) may = std::max(may, sib.dot().counter());
      }
      e.set_counter(std::min(e.counter(), may));
    }
    entries->erase(std::remove_if(entries->begin(), entries->end(),
                                  [](const gridsync::v1::Dot& d) { return d.counter() == 0; }),
                   entries->end());
  }
}

}  // namespace gridsync::core
