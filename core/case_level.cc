#include "core/case_level.h"

#include <algorithm>
#include <limits>

#include "core/ids.h"
#include "core/merge.h"

namespace gridsync::core {
namespace {

using gridsync::v1::CaseLevel;
using gridsync::v1::CaseStatus;
using gridsync::v1::StageReached;
using History = google::protobuf::RepeatedPtrField<StageReached>;

constexpr uint32_t kEscalated = 1u << gridsync::v1::CASE_STATUS_ESCALATED;
constexpr int kLevels = 3;  // village, town, county

int IndexOf(CaseLevel level) { return static_cast<int>(level) - gridsync::v1::CASE_LEVEL_VILLAGE; }

CaseStatus Display(uint32_t stages) {
  gridsync::v1::StatusState s;
  s.set_stages(stages);
  return DisplayStatus(s);
}

// The stages of an epoch reached after ESCALATED in it (followed up,
// closed): what an escalation stored before levels existed went on to.
uint32_t After(uint32_t stages) {
  uint32_t out = 0;
  for (int s = gridsync::v1::CASE_STATUS_REGISTERED; s <= gridsync::v1::CASE_STATUS_CLOSED; ++s) {
    const auto cs = static_cast<CaseStatus>(s);
    if ((stages & (1u << s)) && StatusRank(cs) > StatusRank(gridsync::v1::CASE_STATUS_ESCALATED))
      out |= 1u << s;
  }
  return out;
}

// Every level's view, read from the history in one pass. An escalation
// whose next epoch had not begun by `at_ms` leaves `pending`: the level
// above then holds the case, REGISTERED with what its epoch reached after.
struct Levels {
  CaseAtLevel at[kLevels + 1];  // the last: beyond the county
  int holder = 0;
};

Levels Read(const History& history, int64_t registered_at_ms, int64_t at_ms) {
  Levels out;
  int level = 0;
  bool pending = false;
  int64_t escalated_ms = 0;
  uint32_t after = 0;
  auto reach = [&](int lv, int64_t entered, uint32_t stages) {
    CaseAtLevel& v = out.at[std::min(lv, kLevels)];
    if (!v.reached) v.entered_ms = entered;
    v.reached = true;
    v.status = Display(stages);
  };
  for (int i = 0; i < history.size();) {
    const uint32_t epoch = history[i].epoch();
    uint32_t stages = 0;
    int64_t start = std::numeric_limits<int64_t>::max(), escalated_at = 0;
    for (; i < history.size() && history[i].epoch() == epoch; ++i) {
      if (history[i].at_ms() >= at_ms) continue;
      stages |= 1u << history[i].stage();
      start = std::min(start, history[i].at_ms());
      if (history[i].stage() == gridsync::v1::CASE_STATUS_ESCALATED)
        escalated_at = history[i].at_ms();
    }
    if (stages == 0) continue;  // not begun by then
    if (pending) {
      // Begun by the escalation (its REGISTERED stamped with it): the level
      // above's. Otherwise a reopen stored before levels existed, the level
      // above sending the case back: it received it, and the level below
      // holds it again.
      if (start == escalated_ms) {
        ++level;
      } else {
        reach(level + 1, escalated_ms, (1u << gridsync::v1::CASE_STATUS_REGISTERED) | after);
      }
    }
    pending = (stages & kEscalated) != 0;
    escalated_ms = escalated_at;
    after = After(stages);
    reach(level, level == 0 ? registered_at_ms : start, stages);
  }
  if (pending) {
    ++level;
    reach(level, escalated_ms, (1u << gridsync::v1::CASE_STATUS_REGISTERED) | after);
  }
  out.holder = std::min(level, kLevels);
  for (int lv = 0; lv < kLevels; ++lv) {
    out.at[lv].left = out.at[lv].reached && lv < out.holder;
    out.at[lv].held = out.at[lv].reached && lv == out.holder;
  }
  return out;
}

// A case stored before history was kept: its status is all there is.
Levels ReadLegacy(CaseStatus status, int64_t registered_at_ms) {
  Levels out;
  out.at[0] = {true, registered_at_ms, status, false, true};
  if (status == gridsync::v1::CASE_STATUS_ESCALATED) {
    out.at[0].left = true;
    out.at[0].held = false;
    out.at[1] = {true, registered_at_ms, gridsync::v1::CASE_STATUS_REGISTERED, false, true};
    out.holder = 1;
  }
  return out;
}

Levels LevelsOf(const gridsync::v1::CaseSummary& c, int64_t at_ms) {
  if (c.history().empty()) return ReadLegacy(c.status(), c.registered_at_ms());
  Levels out = Read(c.history(), c.registered_at_ms(), at_ms);
  // The village holds a case from its registration, REGISTERED before any
  // stage was reached (a case entered after the date it was registered on).
  if (!out.at[0].reached)
    out.at[0] = {true, c.registered_at_ms(), gridsync::v1::CASE_STATUS_REGISTERED, false, true};
  return out;
}

}  // namespace

CaseAtLevel CaseAt(const gridsync::v1::CaseSummary& c, CaseLevel level, int64_t at_ms) {
  return LevelsOf(c, at_ms).at[IndexOf(level)];
}

CaseLevel CaseLevelAt(const gridsync::v1::CaseSummary& c, int64_t at_ms) {
  return static_cast<CaseLevel>(gridsync::v1::CASE_LEVEL_VILLAGE +
                                std::min(LevelsOf(c, at_ms).holder, kLevels - 1));
}

namespace {
gridsync::v1::CaseSummary SummaryOf(const gridsync::v1::StatusState& status) {
  gridsync::v1::CaseSummary c;
  *c.mutable_history() = status.history();
  const CaseStatus now = DisplayStatus(status);
  c.set_status(now == gridsync::v1::CASE_STATUS_UNSPECIFIED ? gridsync::v1::CASE_STATUS_REGISTERED
                                                            : now);
  return c;
}
constexpr int64_t kNow = std::numeric_limits<int64_t>::max();
}  // namespace

CaseLevel CaseLevelOf(const gridsync::v1::StatusState& status) {
  return CaseLevelAt(SummaryOf(status), kNow);
}

CaseStatus StatusHeld(const gridsync::v1::StatusState& status) {
  const gridsync::v1::CaseSummary c = SummaryOf(status);
  return CaseAt(c, CaseLevelAt(c, kNow), kNow).status;
}

uint32_t StatusEpochFor(const gridsync::v1::StatusState& status) {
  return status.epoch() + ((status.stages() & kEscalated) ? 1 : 0);
}

CaseLevel ActingLevelOf(const google::protobuf::RepeatedPtrField<std::string>& scope_codes) {
  if (scope_codes.empty()) return gridsync::v1::CASE_LEVEL_COUNTY;  // an admin
  CaseLevel out = gridsync::v1::CASE_LEVEL_VILLAGE;
  for (const std::string& code : scope_codes) {
    const CaseLevel at = ReceivingLevelOf(ScopePrefix(code));
    if (at > out) out = at;
  }
  return out;
}

CaseLevel ReceivingLevelOf(std::string_view scope_prefix) {
  if (scope_prefix.size() == kTownPrefixLen) return gridsync::v1::CASE_LEVEL_TOWN;
  if (scope_prefix.size() == kCountyPrefixLen) return gridsync::v1::CASE_LEVEL_COUNTY;
  return gridsync::v1::CASE_LEVEL_UNSPECIFIED;
}

}  // namespace gridsync::core
