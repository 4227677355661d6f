// Record merge (DESIGN.md section 3).
//
// A record's state is a state-based CRDT; Join is its merge and is
// commutative, associative and idempotent. Every state this file returns is
// canonical: every repeated field sorted by its key, no duplicates, so two
// replicas that joined the same deltas in any order and any number of times
// serialize (SerializeCanonical) to the same bytes.
//
//  - registers: multi-value registers with a causal context (a version
//    vector). A sibling survives a join unless the other side's context covers
//    its dot without holding it. More than one sibling is a conflict.
//  - logs: add-wins sets keyed by element id; join is union.
//  - status: highest epoch wins; within an epoch the reached stages are OR-ed.
//    Its history, the earliest time each (epoch, stage) was reached, joins by
//    union with the earlier time kept.
//  - void: a tombstone; the earliest (hlc, device) wins.
//  - header: the create that came first (hlc, device) wins.
#ifndef GRIDSYNC_CORE_MERGE_H_
#define GRIDSYNC_CORE_MERGE_H_

#include <string>

#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/record_state.pb.h"

namespace gridsync::core {

// The replica a mutation's field writes are dots of: the device, or after
// the device's replica went back in time, "<device>~<epoch>" (see
// Mutation.replica_epoch). A version vector entry claims every earlier
// write of its replica; a restored replica is a new one, so that its
// writes never claim those the restore took away.
std::string DotDevice(const std::string& device_id, uint64_t replica_epoch);
inline std::string DotDevice(const gridsync::v1::Mutation& m) {
  return DotDevice(m.device_id(), m.replica_epoch());
}

// The counter a causal context holds for a replica (0 for none): every
// write of that replica up to it was seen. REQUIRES: ctx canonical.
uint64_t Covered(const gridsync::v1::VersionVector& ctx, const std::string& device);

// REQUIRES: both canonical. Leaves *into canonical.
void Join(gridsync::v1::RecordState* into, const gridsync::v1::RecordState& other);

// The state a single mutation contributes. REQUIRES: m validated
// (ValidateMutation) and m.device_id() set.
gridsync::v1::RecordState ToDelta(const gridsync::v1::Mutation& m);

// Join(state, ToDelta(m)).
void Apply(gridsync::v1::RecordState* state, const gridsync::v1::Mutation& m);

// Join(state, delta) for a delta the caller no longer needs: into a state
// that is still empty, it is moved instead of merged.
void JoinOwned(gridsync::v1::RecordState* state, gridsync::v1::RecordState&& delta);

// The winning sibling: highest hlc, ties by device id, then counter.
// REQUIRES: reg.siblings_size() > 0.
const gridsync::v1::Sibling& Winner(const gridsync::v1::Register& reg);

bool HasConflict(const gridsync::v1::RecordState& state);

// The status a person sees: the furthest stage reached in the current
// epoch; escalated outranks resolved when both were reached concurrently.
gridsync::v1::CaseStatus DisplayStatus(const gridsync::v1::StatusState& status);
int StatusRank(gridsync::v1::CaseStatus status);

// The stages reached before `at_ms` in the latest epoch reached by then
// (history as StatusState keeps it); empty when none was.
// REQUIRES: history sorted by (epoch, stage).
gridsync::v1::StatusState StagesAt(
    const google::protobuf::RepeatedPtrField<gridsync::v1::StageReached>& history, int64_t at_ms);

// The status a person would have seen at `at_ms`: of the stages reached
// before then (`history` of StatusState), the furthest in the latest epoch;
// REGISTERED when none was (a case entered after the date it was registered
// on). A case stored before history was kept has none: `current` is all
// there is. REQUIRES: history sorted by (epoch, stage).
gridsync::v1::CaseStatus StatusAt(
    const google::protobuf::RepeatedPtrField<gridsync::v1::StageReached>& history,
    gridsync::v1::CaseStatus current, int64_t at_ms);

// Deterministic serialization; equal states give equal bytes.
std::string SerializeCanonical(const google::protobuf::Message& msg);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_MERGE_H_
