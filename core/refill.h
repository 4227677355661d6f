// What a phone may bring back to a server restored from an older backup
// (SyncService.Refill, DESIGN.md section 7): its own writes, each checked
// as a push of it would be, and the writes of other devices that carry
// proof that their author made them (a signature by that device's key,
// core/write_proof.h), each checked as that device's push of it would be.
// Without proof a phone could forge a secretary's approval, or a worker of
// another town: the server keeps such writes aside for the county to
// review.
#ifndef GRIDSYNC_CORE_REFILL_H_
#define GRIDSYNC_CORE_REFILL_H_

#include <string>

#include "gridsync/v1/record_state.pb.h"

namespace gridsync::core {

struct RefillSplit {
  // The writes of `device_id` (any of its replicas, "<device>~<epoch>") by
  // `author`, the status reached (a status carries no author; the caller
  // may set it as a push would) and the record's kind and grid; its header
  // is the create only when the caller made the record.
  gridsync::v1::RecordState own;
  // Every other write, with the registers' whole contexts; empty (no
  // header) when there is none.
  gridsync::v1::RecordState others;
};
// REQUIRES: s passed ValidateState.
RefillSplit SplitByWriter(const gridsync::v1::RecordState& s, const std::string& device_id,
                          const std::string& author);

// Limits what the contexts of `own`'s registers claim of other replicas to
// what `stored` (the server's record) has seen of them, or to the dot of a
// sibling of theirs the register carries (another device's proven write,
// core/write_proof.h, claims itself): a context claiming
// another device's write the server does not hold would erase that write
// in the join, so such a claim is not taken from a refill. At worst a
// value the phone had overwritten comes back as a sibling (a conflict a
// person resolves), never is a value lost.
void ClampContexts(gridsync::v1::RecordState* own, const gridsync::v1::RecordState& stored,
                   const std::string& device_id);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_REFILL_H_
