// Hybrid logical clocks (DESIGN.md section 4).
//
// A stamp packs wall-clock milliseconds and a logical counter into one
// uint64: (wall_ms << 16) | logical. Stamps order like (wall_ms, logical),
// so comparing the integers compares the stamps.
#ifndef GRIDSYNC_CORE_HLC_H_
#define GRIDSYNC_CORE_HLC_H_

#include <cstdint>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace gridsync::core {

inline constexpr int kHlcLogicalBits = 16;
inline constexpr int64_t kDefaultMaxSkewMs = 10 * 60 * 1000;

inline uint64_t PackHlc(int64_t wall_ms, uint32_t logical) {
  return (static_cast<uint64_t>(wall_ms) << kHlcLogicalBits) | (logical & 0xffffu);
}
inline int64_t HlcWallMs(uint64_t hlc) { return static_cast<int64_t>(hlc >> kHlcLogicalBits); }
inline uint32_t HlcLogical(uint64_t hlc) { return static_cast<uint32_t>(hlc & 0xffffu); }

int64_t SystemWallMs();

// Thread-safe. Now() never returns the same stamp twice and never goes back,
// even when the wall clock does.
class HybridClock {
 public:
  using WallFn = std::function<int64_t()>;
  explicit HybridClock(WallFn wall = SystemWallMs) : wall_(std::move(wall)) {}

  uint64_t Now();
  // Moves the clock past a stamp seen from elsewhere.
  void Observe(uint64_t remote);
  // Forgets the stamps handed out so far, so Now() follows wall + offset
  // again. Only for when the server refused those stamps as ahead of its
  // clock (DESIGN.md section 4): the refused stamps were never stored, and
  // the caller re-stamps them.
  void Rebase();
  uint64_t last() const;
  // Milliseconds added to the wall clock: the SDK keeps it as its estimate of
  // (server time - phone time).
  void set_offset_ms(int64_t offset_ms);
  int64_t offset_ms() const;
  int64_t WallMs() const;

 private:
  WallFn wall_;
  mutable absl::Mutex mu_;
  int64_t offset_ms_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_ ABSL_GUARDED_BY(mu_) = 0;
};

// The server's skew rule: a stamp more than max_skew_ms ahead of the server's
// clock is refused with FAILED_PRECONDITION naming the server time.
absl::Status CheckSkew(uint64_t hlc, int64_t server_now_ms, int64_t max_skew_ms);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_HLC_H_
