// A one-line progress display on a terminal; nothing when stderr is not one.
#ifndef GRIDSYNC_TOOLS_COMMON_PROGRESS_H_
#define GRIDSYNC_TOOLS_COMMON_PROGRESS_H_

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace gridsync::tools {

class Progress {
 public:
  // `enabled` false (or stderr not a terminal): every call does nothing.
  Progress(std::string label, bool enabled = true)
      : label_(std::move(label)), on_(enabled && isatty(STDERR_FILENO)) {}
  ~Progress() { Done(); }

  // Shows done/total (total 0: unknown) and a rate, at most 10 times a second.
  void Update(uint64_t done, uint64_t total, const std::string& note = "") {
    if (!on_) return;
    if (first_ == UINT64_MAX) first_ = done;
    const auto now = std::chrono::steady_clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(100) && done != total) return;
    last_ = now;
    shown_ = true;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(done - first_) / secs : 0;
    std::string bar;
    if (total > 0) {
      const int width = 30;
      const int filled =
          static_cast<int>(width * std::min<double>(1.0, static_cast<double>(done) / total));
      bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
    }
    fprintf(stderr, "\r\033[K%s %s%lu", label_.c_str(), bar.c_str(),
            static_cast<unsigned long>(done));
    if (total > 0) fprintf(stderr, "/%lu", static_cast<unsigned long>(total));
    fprintf(stderr, "  %.0f/s %s", rate, note.c_str());
    fflush(stderr);
  }
  // Ends the line.
  void Done() {
    if (on_ && shown_) fprintf(stderr, "\n");
    shown_ = false;
  }

 private:
  std::string label_;
  bool on_;
  bool shown_ = false;
  uint64_t first_ = UINT64_MAX;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_;
};

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_PROGRESS_H_
