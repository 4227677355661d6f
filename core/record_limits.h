// How large one record may grow (DESIGN.md section 7: everything is
// bounded). One phone's token must not be able to make a record so large
// that no page can carry it: then every Pull and feed of its grid, village,
// town and county would fail, and their phones would never sync again.
//
// The limits are chosen from real work, with room to spare: a dispute case
// followed up monthly for ten years (120 follow-ups), mediated weekly for
// three (150 sessions) and holding a hundred photos and documents, with
// notes in every entry, is about 200 KB serialized. They are written in
// records.proto and record_state.proto beside the fields they bound.
//
// Writes that only move a record on (a status, a reopen, a void) are never
// refused by these limits: a case that is full can still be closed.
#ifndef GRIDSYNC_CORE_RECORD_LIMITS_H_
#define GRIDSYNC_CORE_RECORD_LIMITS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/record_state.pb.h"

namespace gridsync::core {

// A record's serialized state (RecordState) may not pass this.
inline constexpr size_t kMaxRecordBytes = size_t{1} << 20;
// Nor may any of its logs hold more elements than this.
inline constexpr int kMaxLogElements = 500;
// A survey form's further questions (SurveyForm.questions).
inline constexpr int kMaxFormQuestions = 100;

// RESOURCE_EXHAUSTED, naming the record, the limit and what to do, when `m`
// would take `current` (the record's merged state, empty when new) past a
// limit: an append of a new element to a full log, or a create, field
// write or append whose bytes would pass kMaxRecordBytes (counted as the
// mutation's own size: a bound on what it adds). OK otherwise.
// REQUIRES: m passed ValidateMutation.
absl::Status CheckRecordLimits(const gridsync::v1::RecordState& current,
                               const gridsync::v1::Mutation& m);

// What is over a limit in a stored state (records written before the
// limits): one line per record size or log; empty when within them.
std::vector<std::string> OverLimits(const gridsync::v1::RecordState& s);

// Makes a state that is over the limits fit them for a reader (a pull, the
// feed, an administrator's get): log payloads lose the bytes the schema does
// not know, then logs keep their first kMaxLogElements elements, then the
// largest logs lose their last elements until the state fits. The stored
// record keeps everything; `gridsyncd check` names it. Returns whether
// anything was left out. A state within the limits is not touched.
bool TrimForReaders(gridsync::v1::RecordState* s);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_RECORD_LIMITS_H_
