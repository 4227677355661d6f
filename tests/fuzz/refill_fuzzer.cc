// libFuzzer: what a refill may merge (core/refill.h) and what readers get
// of a record (core/record_limits.h), over record states a phone could send
// back. The input is a serialized PushRequest (the seed corpus is one):
// its mutations that validate are merged into one record as the writes of
// three replicas ("dev-a", its restored replica "dev-a~3", "dev-b"), and the
// state is then split, clamped and trimmed. The laws checked:
//  - a valid state splits into the sender's writes and the others', which
//    join back into the state, and every write of either is valid alone;
//  - the sender's part names no other device's write, and after
//    ClampContexts claims of no other device more than the stored record
//    has seen or the register's own siblings of it;
//  - any choice of the others' writes (core::KeepWrites) is canonical and
//    claims only its own siblings' dots;
//  - a state trimmed for readers is within the limits, or only its
//    registers are over them.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/match.h"
#include "core/merge.h"
#include "core/record_limits.h"
#include "core/refill.h"
#include "core/validate.h"
#include "core/write_proof.h"
#include "server/push_decode.h"

namespace {
using gridsync::core::Join;
using gridsync::core::SerializeCanonical;
using gridsync::v1::RecordState;

void Require(bool ok) {
  if (!ok) __builtin_trap();
}

bool OfDevA(const std::string& replica) {
  return replica == "dev-a" || absl::StartsWith(replica, "dev-a~");
}

void CheckSplit(const RecordState& s, const RecordState& stored) {
  if (gridsync::core::ValidateState(s)) return;
  const auto split = gridsync::core::SplitByWriter(s, "dev-a", "worker a");
  RecordState both = split.own;
  Join(&both, split.others);
  Require(SerializeCanonical(both) == SerializeCanonical(s));
  for (const auto* part : {&split.own, &split.others}) {
    for (const auto& w : gridsync::core::WritesOf(*part)) {
      Require(!gridsync::core::ValidateMutation(w.mutation));
    }
  }
  for (const auto& r : split.own.registers()) {
    for (const auto& sib : r.siblings()) Require(OfDevA(sib.dot().device_id()));
  }
  for (const auto& l : split.own.logs()) {
    for (const auto& e : l.elements()) Require(OfDevA(e.device_id()) && e.author() == "worker a");
  }
  RecordState own = split.own;
  gridsync::core::ClampContexts(&own, stored, "dev-a");
  for (const auto& r : own.registers()) {
    const gridsync::v1::VersionVector* seen = nullptr;
    for (const auto& sr : stored.registers()) {
      if (sr.field() == r.field()) seen = &sr.context();
    }
    for (const auto& d : r.context().entries()) {
      if (OfDevA(d.device_id())) continue;
      uint64_t own_dot = 0;  // a sibling of that replica the register carries
      for (const auto& sib : r.siblings()) {
        if (sib.dot().device_id() == d.device_id()) own_dot = sib.dot().counter();
      }
      Require(d.counter() <= own_dot ||
              (seen != nullptr && d.counter() <= gridsync::core::Covered(*seen, d.device_id())));
    }
  }
  // Any choice of the others' writes (core/write_proof.h) is a canonical
  // state whose registers claim only their own siblings' dots.
  const auto writes = gridsync::core::SignedWritesOf(split.others);
  std::vector<bool> keep(writes.size());
  for (size_t i = 0; i < keep.size(); ++i) keep[i] = (writes[i].claim.size() + i) % 2 == 0;
  const RecordState kept = gridsync::core::KeepWrites(split.others, keep);
  RecordState rejoined;
  Join(&rejoined, kept);
  Require(SerializeCanonical(rejoined) == SerializeCanonical(kept));
  for (const auto& r : kept.registers()) {
    for (const auto& d : r.context().entries()) {
      bool own = false;
      for (const auto& sib : r.siblings()) own = own || sib.dot().device_id() == d.device_id();
      Require(own);
    }
  }
  RecordState trimmed = s;
  gridsync::core::TrimForReaders(&trimmed);
  for (const auto& over : gridsync::core::OverLimits(trimmed)) {
    Require(absl::StrContains(over, "bytes"));  // only the size, of registers alone
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The bytes as a state a phone sent, against an empty store.
  RecordState raw;
  if (raw.ParseFromArray(data, static_cast<int>(size))) CheckSplit(raw, RecordState());

  auto decoded = gridsync::server::DecodePushRequest(bytes, 1000);
  if (!decoded.ok() || decoded->empty()) return 0;
  RecordState s, stored;
  int n = 0;
  for (auto& d : *decoded) {
    if (!d.mutation) continue;
    gridsync::v1::Mutation m = *d.mutation;
    if (gridsync::core::ValidateMutation(m)) continue;
    const int who = n++ % 3;
    m.set_device_id(who == 2 ? "dev-b" : "dev-a");
    m.set_replica_epoch(who == 1 ? 3 : 0);
    m.set_author(who == 2 ? "worker b" : "worker a");
    m.set_record_id(decoded->front().record_id);  // all on one record
    if (!gridsync::core::CheckAgainstState(s, m).ok()) continue;
    gridsync::core::Apply(&s, m);
    if (n % 2 == 0) gridsync::core::Apply(&stored, m);  // what the restored server kept
  }
  if (n > 0) CheckSplit(s, stored);
  return 0;
}
