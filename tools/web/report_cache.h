// The month's reports the console has built (gridsync-web), shared by every
// login that may see them: a report depends only on its scope and month, so
// the offices of one town build it once between two changes, not once each.
//
// When a cached report is still right: the feed of some login whose scope
// covers the report's has been open since before the report was built, and
// no change under the report's scope has come through any feed since. A
// report nobody's feed vouches for (its followers logged out, a stream
// broke) is used for kUnvouchedMs at most.
//
// Thread-safe.
#ifndef GRIDSYNC_TOOLS_WEB_REPORT_CACHE_H_
#define GRIDSYNC_TOOLS_WEB_REPORT_CACHE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "tools/gridsyncctl/report.h"

namespace gridsync::web {

inline constexpr int64_t kUnvouchedMs = 10000;

class ReportCache {
 public:
  // The report of `scope` and `month` while it is still right (above); null
  // when it must be built.
  std::shared_ptr<const tools::MonthlyReport> Find(const std::string& scope,
                                                   const std::string& month, int64_t now_ms);
  // Where a build begins: its time and the changes seen so far, for Put.
  struct Mark {
    int64_t ms;
    uint64_t changes;
  };
  Mark Begin(int64_t now_ms);
  // Keeps a report whose build began at `began` (before its first read),
  // unless a change under its scope came through a feed meanwhile.
  void Put(const std::string& scope, const std::string& month, Mark began,
           std::shared_ptr<const tools::MonthlyReport> report);

  // A feed of `scope` is open (caught up) from `since_ms`; each call
  // returns a handle for Closed.
  int Opened(const std::string& scope, int64_t since_ms);
  void Closed(int handle);
  // A change came through a feed: `code` is the grid (or household's grid,
  // or org unit) it touches; "" when unknown (every report is dropped).
  void Changed(const std::string& code);

 private:
  struct Entry {
    int64_t began_ms;
    std::shared_ptr<const tools::MonthlyReport> report;
  };
  struct Feed {
    std::string scope;
    int64_t since_ms;
  };
  bool VouchedLocked(const std::string& scope, int64_t began_ms) const;

  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Entry> entries_;  // guarded by mu_
  std::map<int, Feed> feeds_;                                     // guarded by mu_
  int next_handle_ = 1;                                           // guarded by mu_
  // The codes of the last kRecent changes, by their count (Changed calls).
  static constexpr size_t kRecent = 4096;
  std::map<uint64_t, std::string> recent_;  // guarded by mu_
  uint64_t changes_ = 0;                    // guarded by mu_
};

}  // namespace gridsync::web

#endif  // GRIDSYNC_TOOLS_WEB_REPORT_CACHE_H_
