#include "server/log.h"

#include <cstdio>
#include <ctime>
#include <mutex>

#include "core/hlc.h"

namespace gridsync::server {

void LogLine(absl::string_view level, absl::string_view message) {
  static std::mutex mu;
  const int64_t ms = core::SystemWallMs();
  const time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char when[32];
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard<std::mutex> lock(mu);
  fprintf(stderr, "%s.%03dZ %s gridsyncd: %.*s\n", when, static_cast<int>(ms % 1000),
          std::string(level).c_str(), static_cast<int>(message.size()), message.data());
}

void RateLimitedLog::Error(absl::string_view message) {
  constexpr size_t kMaxMessage = 300;
  const int64_t now = core::SystemWallMs();
  int64_t skipped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (last_ms_ != 0 && now - last_ms_ < period_ms_) {
      ++skipped_;
      return;
    }
    last_ms_ = now;
    skipped = skipped_;
    skipped_ = 0;
  }
  LogLine(
      "ERROR",
      absl::StrCat(what_, ": ", message.substr(0, kMaxMessage),
                   message.size() > kMaxMessage ? "..." : "",
                   skipped > 0 ? absl::StrCat(" (", skipped, " more since the last line)") : ""));
}

}  // namespace gridsync::server
