// One-line logs to stderr in logfmt, for a person and a machine alike:
//   ts=2026-11-27T15:55:25.925Z level=info msg="backup 1 into /backup: ..."
// The message is quoted and escaped (no line ever spans two); levels are
// info, warn (RocksDB's warnings) and error.
#ifndef GRIDSYNC_SERVER_LOG_H_
#define GRIDSYNC_SERVER_LOG_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace gridsync::server {

void LogLine(absl::string_view level, absl::string_view message);
// `message` as a logfmt value: quoted, control characters escaped.
std::string Quoted(absl::string_view message);

template <typename... Args>
void LogInfo(const Args&... args) {
  LogLine("info", absl::StrCat(args...));
}
template <typename... Args>
void LogError(const Args&... args) {
  LogLine("error", absl::StrCat(args...));
}

// One kind of event that a client can cause at will (a malformed request):
// at most one line per `period`, cut to a bounded length, the lines left out
// counted into the next one. Thread-safe.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(absl::string_view what, int64_t period_ms = 10000)
      : what_(what), period_ms_(period_ms) {}
  void Error(absl::string_view message);

 private:
  std::string what_;
  int64_t period_ms_;
  absl::Mutex mu_;
  int64_t last_ms_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t skipped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_LOG_H_
