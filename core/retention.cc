#include "core/retention.h"

#include <algorithm>

#include "core/coverage.h"
#include "core/hlc.h"
#include "core/merge.h"
#include "core/task.h"

namespace gridsync::core {

bool KeepOnPhone(const gridsync::v1::RecordState& s, bool subject_gone, int64_t now_ms,
                 const PhoneRetention& policy) {
  const bool is_case = s.header().kind() == gridsync::v1::RECORD_KIND_DISPUTE_CASE;
  // Open, or escalated and not yet back: the case is not finished.
  if (is_case && !IsResolved(DisplayStatus(s.status()))) return true;
  // A spot not yet rectified is on every period's register.
  const std::optional<TroubleSpotMark> spot =
      s.header().kind() == gridsync::v1::RECORD_KIND_TROUBLE_SPOT ? MarksOf(s).trouble_spot
                                                                  : std::nullopt;
  if (spot && spot->rectified_at_ms == 0) return true;
  // A task not yet confirmed is on every list until it is.
  const std::optional<gridsync::v1::TaskItem> task =
      s.header().kind() == gridsync::v1::RECORD_KIND_TASK ? std::optional(TaskItemOf(s))
                                                          : std::nullopt;
  if (task && task->state() != gridsync::v1::TASK_STATE_CONFIRMED) return true;
  if (subject_gone) return false;
  // A finished case, spot or task counts from when it finished: its 积案化解,
  // 整治 or 办结 is in that month's figures, however old it is.
  int64_t made_ms = HlcWallMs(s.header().created_hlc());
  for (const auto& stage : s.status().history()) made_ms = std::max(made_ms, stage.at_ms());
  if (spot) made_ms = std::max(made_ms, spot->rectified_at_ms);
  if (task) made_ms = std::max(made_ms, task->confirmed_at_ms());
  return now_ms - made_ms <= policy.record_ms;
}

bool SentToPhone(const gridsync::v1::RecordState& s, gridsync::v1::Role role,
                 const std::string& device_id) {
  // A cadre visits households: it is sent the village's visits, nothing
  // of its cases, checks or surveys.
  if (role == gridsync::v1::ROLE_CADRE) return s.header().kind() == gridsync::v1::RECORD_KIND_VISIT;
  if (role != gridsync::v1::ROLE_GRID_WORKER) return true;
  if (s.header().kind() != gridsync::v1::RECORD_KIND_SURVEY) return true;
  return s.header().created_by_device() == device_id;  // its own
}

}  // namespace gridsync::core
