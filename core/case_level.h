#ifndef GRIDSYNC_CORE_CASE_LEVEL_H_
#define GRIDSYNC_CORE_CASE_LEVEL_H_

// Who holds a dispute case, and what it is at each level (化解在基层).
//
// A case is the village's when registered. Escalating it (上交, status
// ESCALATED) ends the epoch at its level and starts the next, REGISTERED at
// the level above (core::ToDelta): the town, then the county. The level of
// an epoch is thus one more than the previous epoch's when that one reached
// ESCALATED, and is read from the status history, never stored: a case
// escalated before levels existed (ESCALATED in its latest epoch, no epoch
// after) is held by the level above, REGISTERED there with the stages its
// epoch reached after ESCALATED (followed up, closed), as it was then read;
// one reopened after such an escalation (an epoch not begun at the moment
// of the escalation) was sent back: the level below holds it again.
//
// Each level counts the case as its own from when it reached it: the
// village from its registration, a level above from the escalation. A level
// is credited with a resolution only while it holds the case; once the case
// moved up it counts as escalated there, whatever came of it after.

#include <cstdint>
#include <string_view>

#include "gridsync/v1/coverage_service.pb.h"
#include "gridsync/v1/record_state.pb.h"
#include "gridsync/v1/records.pb.h"

namespace gridsync::core {

// A case as one level saw it at a time.
struct CaseAtLevel {
  bool reached = false;    // the case had come to the level
  int64_t entered_ms = 0;  // when: the village's is the registration time
  // Its status there: the furthest stage of the level's latest epoch (the
  // village's is REGISTERED before any stage was reached, as StatusAt).
  gridsync::v1::CaseStatus status = gridsync::v1::CASE_STATUS_UNSPECIFIED;
  bool left = false;  // escalated beyond the level
  bool held = false;  // the level holds it (left, or sent back down, it does not)

  bool Holds() const { return held; }
};

// The case `c` as `level` saw it before `at_ms` (INT64_MAX: everything
// reached so far). A case stored before history was kept reads from its
// status alone. REQUIRES: level is VILLAGE, TOWN or COUNTY.
CaseAtLevel CaseAt(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level,
                   int64_t at_ms);

// The level holding `c` before `at_ms`: the highest it reached, at most
// the county (a county's own escalation leaves it at the county, left).
gridsync::v1::CaseLevel CaseLevelAt(const gridsync::v1::CaseSummary& c, int64_t at_ms);

// The epoch a status write to a case in `status` belongs in: the current
// one, or, after an escalation stored before levels existed, the next (the
// level above's, which that write begins).
uint32_t StatusEpochFor(const gridsync::v1::StatusState& status);

// The level holding a case whose status is `status` now (as CaseLevelAt),
// and the case's status there (REGISTERED when none was reached).
gridsync::v1::CaseLevel CaseLevelOf(const gridsync::v1::StatusState& status);
gridsync::v1::CaseStatus StatusHeld(const gridsync::v1::StatusState& status);

// The highest level a device enrolled for `scope_codes` acts at: a grid's
// or a village's phone the village, a town office the town, the county (or
// an admin, with no scope) the county. A case's status is moved on only at
// the level holding it or above (the server refuses the rest).
gridsync::v1::CaseLevel ActingLevelOf(
    const google::protobuf::RepeatedPtrField<std::string>& scope_codes);

// The level a scope's own office is, from its prefix (core::ScopePrefix): a
// town's the town, the county's the county; UNSPECIFIED for a village or
// grid (which receive no cases).
gridsync::v1::CaseLevel ReceivingLevelOf(std::string_view scope_prefix);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_CASE_LEVEL_H_
