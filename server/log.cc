#include "server/log.h"

#include <cstdio>
#include <ctime>
#include <mutex>

#include "core/hlc.h"

namespace gridsync::server {

// The message as a logfmt value: quoted, with quotes, backslashes and
// control characters escaped, so that a line is always one line.
std::string Quoted(absl::string_view message) {
  std::string out = "\"";
  for (const char c : message) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          absl::StrAppend(&out, "\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

void LogLine(absl::string_view level, absl::string_view message) {
  static absl::Mutex mu;
  const int64_t ms = core::SystemWallMs();
  const time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char when[32];
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
  const std::string line = absl::StrCat("ts=", when, ".", absl::Dec(ms % 1000, absl::kZeroPad3),
                                        "Z level=", level, " msg=", Quoted(message), "\n");
  absl::MutexLock lock(&mu);
  fwrite(line.data(), 1, line.size(), stderr);
}

void RateLimitedLog::Error(absl::string_view message) {
  constexpr size_t kMaxMessage = 300;
  const int64_t now = core::SystemWallMs();
  int64_t skipped;
  {
    absl::MutexLock lock(&mu_);
    if (last_ms_ != 0 && now - last_ms_ < period_ms_) {
      ++skipped_;
      return;
    }
    last_ms_ = now;
    skipped = skipped_;
    skipped_ = 0;
  }
  LogLine(
      "error",
      absl::StrCat(what_, ": ", message.substr(0, kMaxMessage),
                   message.size() > kMaxMessage ? "..." : "",
                   skipped > 0 ? absl::StrCat(" (", skipped, " more since the last line)") : ""));
}

}  // namespace gridsync::server
