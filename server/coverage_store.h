// Coverage for village secretaries and towns: visits, checks and cases of a
// scope and period, from aggregates kept as records change
// (server/coverage_index.h). One of the store's four parts (server/store.h).
#ifndef GRIDSYNC_SERVER_COVERAGE_STORE_H_
#define GRIDSYNC_SERVER_COVERAGE_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/coverage.h"
#include "gridsync/v1/coverage_service.pb.h"

namespace gridsync::server {

struct CoverageQuery {
  std::string prefix;              // org-code prefix of the scope (core::ScopePrefix)
  int64_t from_ms = 0, to_ms = 0;  // [from, to)
  int64_t as_of_ms = 0;            // for overdue and open: min(to, now)
  bool ended = false;              // to <= now: case statuses from their history
  int32_t month = 0;               // yyyymm when the period is one calendar month
  int64_t now_ms = 0;              // the clock: patrol weeks count once ended by it
  core::AsOf as_of() const { return {as_of_ms, ended}; }
  core::ResolvedPeriod period() const { return {from_ms, to_ms, as_of(), month, now_ms}; }
};

class CoverageStore {
 public:
  virtual ~CoverageStore() = default;

  virtual absl::StatusOr<gridsync::v1::GetCoverageResponse> GetCoverage(const CoverageQuery& q) = 0;
  virtual absl::StatusOr<gridsync::v1::ListUnvisitedHouseholdsResponse> ListUnvisited(
      const CoverageQuery& q, int page_size, const std::string& page_token) = 0;
  // The persons of `group` needing a visit (PersonDue::NeedsAttention).
  virtual absl::StatusOr<gridsync::v1::ListOverduePersonsResponse> ListOverdue(
      const CoverageQuery& q, gridsync::v1::PersonGroup group, int page_size,
      const std::string& page_token) = 0;
  // Cases open at `as_of` (from their history when it has ended) at the
  // level holding them then, each with that level; only those held at
  // `level` unless it is UNSPECIFIED.
  virtual absl::StatusOr<gridsync::v1::ListOpenCasesResponse> ListOpenCases(
      const std::string& prefix, core::AsOf as_of, gridsync::v1::CaseLevel level, int page_size,
      const std::string& page_token) = 0;
  // The tasks of the town office in the scope `prefix` as core::TaskListOf
  // lists them at `now_ms`.
  virtual absl::StatusOr<gridsync::v1::ListTasksResponse> ListTasks(
      const std::string& prefix, int64_t now_ms, bool open_only, int page_size,
      const std::string& page_token) = 0;
  // 复查: the sample of `village_code`'s month `q` (a calendar month): its
  // visited households ranked by core::SampleRank, the first
  // core::VerificationSample of them, each with its first visit of the
  // month and that visit's verdict.
  virtual absl::StatusOr<gridsync::v1::DrawVerificationSampleResponse> DrawSample(
      const std::string& village_code, const CoverageQuery& q) = 0;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_COVERAGE_STORE_H_
