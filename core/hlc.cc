#include "core/hlc.h"

#include <chrono>

#include "absl/strings/str_format.h"

namespace gridsync::core {

int64_t SystemWallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t HybridClock::Now() {
  absl::MutexLock lock(&mu_);
  const uint64_t wall = PackHlc(wall_() + offset_ms_, 0);
  last_ = wall > last_ ? wall : last_ + 1;
  return last_;
}

void HybridClock::Observe(uint64_t remote) {
  absl::MutexLock lock(&mu_);
  if (remote > last_) last_ = remote;
}

void HybridClock::Rebase() {
  absl::MutexLock lock(&mu_);
  last_ = 0;
}

uint64_t HybridClock::last() const {
  absl::MutexLock lock(&mu_);
  return last_;
}

void HybridClock::set_offset_ms(int64_t offset_ms) {
  absl::MutexLock lock(&mu_);
  offset_ms_ = offset_ms;
}

int64_t HybridClock::offset_ms() const {
  absl::MutexLock lock(&mu_);
  return offset_ms_;
}

int64_t HybridClock::WallMs() const {
  absl::MutexLock lock(&mu_);
  return wall_() + offset_ms_;
}

absl::Status CheckSkew(uint64_t hlc, int64_t server_now_ms, int64_t max_skew_ms) {
  const int64_t ahead = HlcWallMs(hlc) - server_now_ms;
  if (ahead > max_skew_ms) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "hlc is %d ms ahead of server time %d (limit %d ms); set the clock offset to the "
        "server time and re-stamp the mutation",
        ahead, server_now_ms, max_skew_ms));
  }
  return absl::OkStatus();
}

}  // namespace gridsync::core
