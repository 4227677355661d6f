// What a phone keeps, and for how long (DESIGN.md: a phone holds what the
// job needs). The server keeps everything; the county export keeps
// everything. A phone forgets:
// - a supervised person whose supervision ended (supervised_until_ms), and a
//   household that left the grid (moved out, or found empty), once the
//   server's retention period has passed since (default 90 days), with the
//   records about them; open dispute cases stay whatever their household;
// - visits and special-population checks a year after they were made;
// - dispute cases a year after they were finished (resolved or closed: the
//   last stage reached); open cases always;
// - trouble spots (排查整治) a year after they were rectified; the others
//   always;
// and never a record with writes it has not sent.
#ifndef GRIDSYNC_CORE_RETENTION_H_
#define GRIDSYNC_CORE_RETENTION_H_

#include <cstdint>
#include <string>

#include "gridsync/v1/record_state.pb.h"
#include "gridsync/v1/registry.pb.h"

namespace gridsync::core {

inline constexpr int kDefaultRetentionDays = 90;

struct PhoneRetention {
  // After supervision ended, or a household left.
  int64_t left_ms = int64_t{kDefaultRetentionDays} * 86400000;
  // Visits, checks and finished cases, from when they were made.
  int64_t record_ms = int64_t{365} * 86400000;
};

// Whether a phone keeps `s` at `now_ms` (the server's time). `subject_gone`:
// the record's household or person has been forgotten.
bool KeepOnPhone(const gridsync::v1::RecordState& s, bool subject_gone, int64_t now_ms,
                 const PhoneRetention& policy);

// Whether a phone of `role` and `device_id` is sent `s` at all. A grid
// worker's phone is not sent the questionnaires (民调) someone else asked in
// its grid (a town's survey team, a secretary): which household answered
// what stays out of the worker's sight and out of its phone's figures, so
// that a round can be asked by someone other than the grid's worker. The
// server, the report and every other role count them. A cadre's phone
// (ROLE_CADRE) is sent the village's visits only.
bool SentToPhone(const gridsync::v1::RecordState& s, gridsync::v1::Role role,
                 const std::string& device_id);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_RETENTION_H_
