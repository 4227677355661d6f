// One-line logs to stderr: time, level, message.
#ifndef GRIDSYNC_SERVER_LOG_H_
#define GRIDSYNC_SERVER_LOG_H_

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace gridsync::server {

void LogLine(absl::string_view level, absl::string_view message);

template <typename... Args>
void LogInfo(const Args&... args) {
  LogLine("INFO", absl::StrCat(args...));
}
template <typename... Args>
void LogError(const Args&... args) {
  LogLine("ERROR", absl::StrCat(args...));
}

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_LOG_H_
