// The month's reports the console has built (gridsync-web), and other
// answers built from a scope's figures (this week's patrols), shared by
// every login that may see them: they depend only on their scope and key
// ("report/2026-11"), so the offices of one town build one once between two
// changes, not once each.
//
// What a kept answer is worth: the feed of some login whose scope covers
// the answer's has been open since before it was built, so every change
// under its scope since came through a feed, and the entry names them
// (Found::changed: the codes of the changes, for a report to ask anew only
// the rows they touch). An answer nobody's feed vouches for (its followers
// logged out, a stream broke) is used for kUnvouchedMs at most.
//
// Thread-safe.
#ifndef GRIDSYNC_TOOLS_WEB_REPORT_CACHE_H_
#define GRIDSYNC_TOOLS_WEB_REPORT_CACHE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace gridsync::web {

inline constexpr int64_t kUnvouchedMs = 10000;
// The changes an entry remembers; past them it is dropped (built anew).
inline constexpr size_t kMaxChangedCodes = 64;

class ReportCache {
 public:
  template <typename T>
  struct Found {
    std::shared_ptr<const T> value;  // null: nothing usable kept
    int64_t began_ms = 0;            // when its build began
    // The codes of the changes under its scope since (none: still right).
    std::vector<std::string> changed;
  };
  // What was kept for `scope` and `key` (above). REQUIRES: T is the type
  // Put kept there.
  template <typename T>
  Found<T> Find(const std::string& scope, const std::string& key, int64_t now_ms) {
    Found<const void> any = FindAny(scope, key, now_ms);
    return {std::static_pointer_cast<const T>(std::move(any.value)), any.began_ms,
            std::move(any.changed)};
  }

  // Where a build begins: its time and the changes seen so far, for Put.
  struct Mark {
    int64_t ms;
    uint64_t changes;
  };
  Mark Begin(int64_t now_ms);
  // Keeps what a build that began at `began` made (before its first read),
  // with the changes under its scope that came through a feed meanwhile.
  template <typename T>
  void Put(const std::string& scope, const std::string& key, Mark began,
           std::shared_ptr<const T> value) {
    PutAny(scope, key, began, std::static_pointer_cast<const void>(std::move(value)));
  }

  // A feed of `scope` is open (caught up) from `since_ms`; each call
  // returns a handle for Closed.
  int Opened(const std::string& scope, int64_t since_ms);
  void Closed(int handle);
  // A change came through a feed: `code` is the grid (or household's or
  // person's id, or org unit) it touches; "" when unknown or everything (the
  // policy): every entry is dropped.
  void Changed(const std::string& code);

 private:
  struct Entry {
    int64_t began_ms;
    std::shared_ptr<const void> value;
    std::vector<std::string> changed;
  };
  struct Feed {
    std::string scope;
    int64_t since_ms;
  };
  Found<const void> FindAny(const std::string& scope, const std::string& key, int64_t now_ms);
  void PutAny(const std::string& scope, const std::string& key, Mark began,
              std::shared_ptr<const void> value);
  bool VouchedLocked(const std::string& scope, int64_t began_ms) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Notes `code` in `e`; false when `e` must go (too many, or everything).
  static bool NoteLocked(Entry* e, const std::string& code);

  absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::map<int, Feed> feeds_ ABSL_GUARDED_BY(mu_);
  int next_handle_ ABSL_GUARDED_BY(mu_) = 1;
  // The codes of the last kRecent changes, by their count (Changed calls).
  static constexpr size_t kRecent = 4096;
  std::map<uint64_t, std::string> recent_ ABSL_GUARDED_BY(mu_);
  uint64_t changes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace gridsync::web

#endif  // GRIDSYNC_TOOLS_WEB_REPORT_CACHE_H_
