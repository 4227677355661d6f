#include "core/retention.h"

#include "core/coverage.h"
#include "core/hlc.h"
#include "core/merge.h"

namespace gridsync::core {

bool KeepOnPhone(const gridsync::v1::RecordState& s, bool subject_gone, int64_t now_ms,
                 const PhoneRetention& policy) {
  const bool is_case = s.header().kind() == gridsync::v1::RECORD_KIND_DISPUTE_CASE;
  // Open, or escalated and not yet back: the case is not finished.
  if (is_case && !IsResolved(DisplayStatus(s.status()))) return true;
  if (subject_gone) return false;
  const int64_t made_ms = HlcWallMs(s.header().created_hlc());
  return now_ms - made_ms <= policy.record_ms;
}

bool SentToPhone(const gridsync::v1::RecordState& s, gridsync::v1::Role role,
                 const std::string& device_id) {
  if (role != gridsync::v1::ROLE_GRID_WORKER) return true;
  if (s.header().kind() != gridsync::v1::RECORD_KIND_SURVEY) return true;
  return s.header().created_by_device() == device_id;  // its own
}

}  // namespace gridsync::core
