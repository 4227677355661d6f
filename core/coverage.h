// What a record counts for in coverage (DESIGN.md section 8), as pure
// functions of its merged state. The store keeps aggregates of these marks
// and updates them whenever a commit changes a record's marks: old marks out,
// new marks in, in the same write batch. A voided record counts for nothing.
//
// Periods are in China Standard Time (UTC+8, no daylight saving): a visit at
// 23:30 on 31 March in Beijing belongs to March.
#ifndef GRIDSYNC_CORE_COVERAGE_H_
#define GRIDSYNC_CORE_COVERAGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "gridsync/v1/record_state.pb.h"
#include "gridsync/v1/records.pb.h"
#include "gridsync/v1/registry.pb.h"

namespace gridsync::core {

inline constexpr int64_t kChinaOffsetMs = 8LL * 3600 * 1000;
inline constexpr int64_t kDayMs = 86400LL * 1000;

// Days since 1970-01-01 in UTC+8.
int32_t DayOf(int64_t ms);
// yyyymm in UTC+8, e.g. 202611.
int32_t MonthOf(int64_t ms);
// [from, to) of a "YYYY-MM" month in UTC+8.
absl::StatusOr<std::pair<int64_t, int64_t>> MonthRange(std::string_view yyyy_mm);
std::string MonthName(int32_t yyyymm);  // "2026-11"

// A visit that counts: somebody was home (入户), not voided.
struct VisitMark {
  std::string household_id;
  std::string worker;  // who recorded it (the creator)
  int64_t at_ms = 0;
  bool operator==(const VisitMark&) const = default;
};

struct CheckMark {
  std::string person_id;
  int64_t at_ms = 0;
  int32_t risk_level = -1;  // as observed at the check; -1 if not recorded
  bool absent = false;
  bool out_of_contact = false;
  bool operator==(const CheckMark&) const = default;
};

struct CaseMark {
  std::string grid_code;
  int64_t registered_at_ms = 0;
  gridsync::v1::CaseStatus status = gridsync::v1::CASE_STATUS_UNSPECIFIED;
  int64_t deadline_ms = 0;       // 0: none
  bool followed_up_both = false;  // every party followed up (at least two)
  std::string title;
  bool operator==(const CaseMark&) const = default;
};

struct CoverageMarks {
  std::optional<VisitMark> visit;
  std::optional<CheckMark> check;
  std::optional<CaseMark> dispute;
  bool empty() const { return !visit && !check && !dispute; }
  bool operator==(const CoverageMarks&) const = default;
};

// REQUIRES: state canonical (or empty: no marks).
CoverageMarks MarksOf(const gridsync::v1::RecordState& state);

// Still to be handled: registered, accepted or mediating.
bool IsOpen(gridsync::v1::CaseStatus s);
// Mediated to an end: resolved, followed up or closed (调处成功).
bool IsResolved(gridsync::v1::CaseStatus s);

// The required check interval in days for a supervised person: the policy
// row for (category, risk level), else the row for the category with the
// highest risk level not above it, else the policy's default.
int32_t RequiredIntervalDays(const gridsync::v1::CheckPolicy& policy,
                             gridsync::v1::PersonCategory category, int32_t risk_level);
// The policy a new server starts with (an admin can change it).
gridsync::v1::CheckPolicy DefaultCheckPolicy();

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_COVERAGE_H_
