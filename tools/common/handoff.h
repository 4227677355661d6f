// A bounded queue from one reading thread to one writing thread, as the
// export overlaps reading the feed with writing PostgreSQL: the reader Puts
// items, waiting while `capacity` wait; the writer Takes them in order. A
// writer that fails says so (Fail): what waits is dropped and the reader's
// next Put returns false. Close tells the writer that nothing more comes:
// its Takes end once the queue is drained.
//
// Thread-safe.
#ifndef GRIDSYNC_TOOLS_COMMON_HANDOFF_H_
#define GRIDSYNC_TOOLS_COMMON_HANDOFF_H_

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace gridsync::tools {

template <typename T>
class Handoff {
 public:
  // REQUIRES: capacity >= 1.
  explicit Handoff(size_t capacity) : capacity_(capacity) {}

  // Queues `item` once there is room; false, dropping it, once the writer
  // failed.
  bool Put(T item) {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(this, &Handoff::RoomOrFailed));
    if (!failure_.ok()) return false;
    items_.push_back(std::move(item));
    return true;
  }
  // The next item, once there is one; nullopt once closed and drained.
  std::optional<T> Take() {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(this, &Handoff::ItemOrClosed));
    if (items_.empty()) return std::nullopt;
    std::optional<T> item(std::move(items_.front()));
    items_.pop_front();
    return item;
  }
  // The writer failed with `why` (not OK): what waits is dropped.
  void Fail(absl::Status why) {
    absl::MutexLock l(&mu_);
    failure_ = std::move(why);
    items_.clear();
  }
  // The reader is done.
  void Close() {
    absl::MutexLock l(&mu_);
    closed_ = true;
  }
  // What Fail was given; OK when the writer did not fail.
  absl::Status failure() const {
    absl::MutexLock l(&mu_);
    return failure_;
  }

 private:
  bool RoomOrFailed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return items_.size() < capacity_ || !failure_.ok();
  }
  bool ItemOrClosed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !items_.empty() || closed_;
  }

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<T> items_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_HANDOFF_H_
