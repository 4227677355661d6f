#include "client_sdk/background_sync.h"

#include <algorithm>
#include <random>

#include "absl/time/clock.h"

namespace gridsync::sdk {

bool BackgroundSync::WaitTurn(std::chrono::steady_clock::time_point next, bool healthy) {
  absl::MutexLock lock(&mu_);
  const absl::Time deadline =
      absl::Now() + absl::FromChrono(next - std::chrono::steady_clock::now());
  // A write wakes a healthy loop early; during backoff it waits.
  while (!(stop_ || (wake_ && healthy))) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;  // timed out
  }
  if (stop_) return false;
  wake_ = false;
  return true;
}

void BackgroundSync::Loop(BackgroundOptions bo) {
  std::mt19937_64 rng(std::random_device{}());
  int failures = 0;
  auto next = std::chrono::steady_clock::now();  // sync at once on start
  while (WaitTurn(next, failures == 0)) {
    auto report = sync_(bo.progress);
    if (bo.on_result) bo.on_result(report.status(), report.ok() ? *report : SyncReport());
    if (finished_()) return;  // nothing left to sync; the app was told
    if (report.ok()) {
      failures = 0;
      next = std::chrono::steady_clock::now() + bo.interval;
      continue;
    }
    // Exponential backoff with "equal jitter": half fixed, half random.
    ++failures;
    const int64_t cap = bo.max_backoff.count();
    int64_t d = bo.min_backoff.count();
    for (int i = 1; i < failures && d < cap; ++i) d *= 2;
    d = std::min(d, cap);
    const int64_t jitter = std::uniform_int_distribution<int64_t>(0, d / 2)(rng);
    next = std::chrono::steady_clock::now() + std::chrono::milliseconds(d - d / 2 + jitter);
  }
}

void BackgroundSync::Start(BackgroundOptions options) {
  Stop();
  thread_ = std::thread([this, bo = std::move(options)]() mutable { Loop(std::move(bo)); });
}

void BackgroundSync::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    if (inflight_ != nullptr) inflight_->TryCancel();
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  stop_ = false;
}

void BackgroundSync::Wake() {
  {
    absl::MutexLock lock(&mu_);
    wake_ = true;
  }
  cv_.SignalAll();
}

bool BackgroundSync::BeginCall(grpc::ClientContext* ctx) {
  absl::MutexLock lock(&mu_);
  if (stop_) return false;
  inflight_ = ctx;
  return true;
}

void BackgroundSync::EndCall() {
  absl::MutexLock lock(&mu_);
  inflight_ = nullptr;
}

}  // namespace gridsync::sdk
