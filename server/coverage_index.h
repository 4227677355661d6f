// Coverage aggregates in their own column family (DESIGN.md sections 6, 8).
//
// Keys (months are be32 yyyymm in China time, times be64 ms):
//   V month household          visits that count, per household and month
//   W month household worker   the same, per worker
//   G month grid               households visited at least once (distinct)
//   g month grid worker        households a worker visited at least once
//   P month grid               counting visits with an attachment (evidence)
//   D household at record      one per counting visit: any date range; its
//                              value the worker, then "\0p" with a photo
//   C person at record         CheckSummary: the last check as of any time
//   R grid registered record   CaseSummary: cases registered in a period
//   O grid record              CaseSummary of open cases only
//   H grid                     active households in the grid's registry
//   X household                a household that moved out or stands empty
//   T month grid at record     one per patrol, by the month of its start
//   Q month grid at record     one per questionnaire: its value the
//                              household, outcome, answers and topics
//
// Invariant: the aggregates equal what the records' current marks
// (core/coverage.h) add up to. Commits keep it by replacing a record's old
// marks with its new ones in the same WriteBatch as the record; only the
// commit-queue leader writes V/W/G/g/P/D/C/R/O/T/Q, only registry imports write H.
//
// The counters (V/W/G/g/P) are read before they are written. The leader
// keeps the values it committed last (CounterCache), so a counter a recent
// commit wrote is not read from RocksDB again: its value there is the
// cached one, since nothing else writes counters once the store is open (a
// rebuild, which writes them all, empties the cache first).
#ifndef GRIDSYNC_SERVER_COVERAGE_INDEX_H_
#define GRIDSYNC_SERVER_COVERAGE_INDEX_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/coverage.h"
#include "gridsync/v1/coverage_service.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "server/coverage_store.h"

namespace gridsync::server {

// The counters' values as the commit leader last wrote them, by key; at
// most kMaxEntries (about 20 MB: a county's households for a month, twice),
// emptied when full. Thread-safe.
class CounterCache {
 public:
  static constexpr size_t kMaxEntries = 256 << 10;
  // The value last committed for `key`, if cached.
  std::optional<int64_t> Find(const std::string& key) const;
  // Values just committed (0: the key was deleted).
  void Committed(const std::vector<std::pair<std::string, int64_t>>& values);
  void Clear();

 private:
  mutable absl::Mutex mu_;  // uncontended: one leader at a time
  absl::flat_hash_map<std::string, int64_t> values_ ABSL_GUARDED_BY(mu_);
};

class CoverageIndex : public CoverageStore {
 public:
  CoverageIndex(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* coverage,
                rocksdb::ColumnFamilyHandle* registry)
      : db_(db), cov_(coverage), reg_(registry) {}

  // The aggregate updates of one commit group. REQUIRES: used only by the
  // commit-queue leader (or a rebuild), one at a time.
  class Update {
   public:
    // `fresh`: counters start at 0 instead of their stored values (a
    // recount from nothing, as Verify makes).
    Update(const CoverageIndex& index, rocksdb::WriteBatch* batch, bool fresh = false)
        : index_(index), batch_(batch), fresh_(fresh) {}
    // Takes the record's old marks out and its new marks in.
    absl::Status Replace(const std::string& record_id, const core::CoverageMarks& old_marks,
                         const core::CoverageMarks& new_marks);
    // Writes the counters changed since the last Finish into the batch.
    void Finish();
    // The batch holding what Finish wrote is committed: the values go to the
    // index's CounterCache. Not called for a batch that failed (or, as
    // Verify's, is never written).
    void Committed();

   private:
    // The counter `key` as this update leaves it so far.
    absl::StatusOr<int64_t*> Counter(const std::string& key);
    // What `key` counted before this update: 0 in a recount; else as last
    // committed (the cache), else as stored.
    absl::StatusOr<int64_t> Before(const std::string& key) const;
    absl::Status Visit(const std::string& record_id, const core::VisitMark& v, int delta);
    using Counters = std::map<std::string, std::pair<int64_t, bool>>;  // value, dirty
    // Marks the counter changed (for Finish); returns where its value is.
    int64_t* Dirty(Counters::iterator it);

    const CoverageIndex& index_;
    rocksdb::WriteBatch* batch_;
    const bool fresh_;
    Counters counters_;
    // The counters changed since the last Finish: a rebuild flushes every
    // 10,000 writes and keeps millions of counters, so Finish must not walk
    // them all.
    std::vector<Counters::iterator> dirty_;
    std::vector<std::pair<std::string, int64_t>> finished_;  // written by Finish, not yet committed
  };

  // Registry changes: `added` active households per grid code (negative
  // for households that became inactive).
  absl::Status AddHouseholds(const std::map<std::string, int64_t>& added,
                             rocksdb::WriteBatch* batch);
  // A household out of the denominators and lists (moved out, empty), or
  // back in them.
  void SetInactive(const std::string& household_id, bool inactive, rocksdb::WriteBatch* batch);
  // Recomputes everything from the records and the registry (a store made
  // before coverage existed). REQUIRES: no commits run meanwhile.
  absl::Status Rebuild(rocksdb::ColumnFamilyHandle* records, bool sync);
  // Recounts everything from the records and the registry, in memory, and
  // compares with what is stored: one line per difference (at most 20, then
  // a count). Empty when they agree. REQUIRES: no commits run meanwhile.
  absl::StatusOr<std::vector<std::string>> Verify(rocksdb::ColumnFamilyHandle* records) const;

  // CoverageStore: the queries, each from one snapshot, with the check
  // policy stored in the registry.
  absl::StatusOr<gridsync::v1::GetCoverageResponse> GetCoverage(const CoverageQuery& q) override;
  absl::StatusOr<gridsync::v1::ListUnvisitedHouseholdsResponse> ListUnvisited(
      const CoverageQuery& q, int page_size, const std::string& page_token) override;
  absl::StatusOr<gridsync::v1::ListOverduePersonsResponse> ListOverdue(
      const CoverageQuery& q, gridsync::v1::PersonGroup group, int page_size,
      const std::string& page_token) override;
  absl::StatusOr<gridsync::v1::ListOpenCasesResponse> ListOpenCases(
      const std::string& prefix, core::AsOf as_of, gridsync::v1::CaseLevel level, int page_size,
      const std::string& page_token) override;
  absl::StatusOr<gridsync::v1::ListTasksResponse> ListTasks(const std::string& prefix,
                                                            int64_t now_ms, bool open_only,
                                                            int page_size,
                                                            const std::string& page_token) override;
  absl::StatusOr<gridsync::v1::DrawVerificationSampleResponse> DrawSample(
      const std::string& village_code, const CoverageQuery& q) override;

 private:
  // Active households per grid into *active; an X key into `batch` for
  // each inactive one.
  absl::Status CountHouseholds(std::map<std::string, int64_t>* active,
                               rocksdb::WriteBatch* batch) const;

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cov_;
  rocksdb::ColumnFamilyHandle* reg_;
  mutable CounterCache committed_;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_COVERAGE_INDEX_H_
