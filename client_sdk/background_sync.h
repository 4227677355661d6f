// The phone's background sync (Client::StartBackground): a thread that
// syncs every interval while all is well, at once after a write, and with
// exponential backoff while the network or the server fails; and the one
// call in flight, which stopping cancels.
//
// Thread-safe. The loop's sync runs on its own thread; Start and Stop are
// the app's (one thread at a time).
#ifndef GRIDSYNC_CLIENT_SDK_BACKGROUND_SYNC_H_
#define GRIDSYNC_CLIENT_SDK_BACKGROUND_SYNC_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gridsync/client.h"

namespace gridsync::sdk {

class BackgroundSync {
 public:
  // `sync` runs one sync with a progress callback; `finished` says after a
  // sync that there is nothing left to sync (the replica was erased).
  using SyncFn = std::function<absl::StatusOr<SyncReport>(const ProgressFn&)>;
  BackgroundSync(SyncFn sync, std::function<bool()> finished)
      : sync_(std::move(sync)), finished_(std::move(finished)) {}
  // REQUIRES: Stop() called (the owner stops the loop before what `sync`
  // uses goes).
  ~BackgroundSync() = default;

  // Starts the loop, stopping a running one first.
  void Start(BackgroundOptions options);
  // Stops the loop: the call in flight is cancelled and the thread joined.
  // Calls begun while it stops are refused (BeginCall).
  void Stop();
  // A write: a healthy loop syncs now; one backing off keeps waiting.
  void Wake();

  // A call is about to go out on `ctx`: false while the loop stops (the call
  // must not start). REQUIRES: EndCall() after a true answer, once the call
  // returned.
  bool BeginCall(grpc::ClientContext* ctx);
  void EndCall();

 private:
  void Loop(BackgroundOptions options);
  // Waits until `next` or until woken; false when the loop is to stop.
  bool WaitTurn(std::chrono::steady_clock::time_point next, bool healthy);

  const SyncFn sync_;
  const std::function<bool()> finished_;
  std::thread thread_;  // started and joined by the app's thread only
  absl::Mutex mu_;
  absl::CondVar cv_;  // stop_ or wake_ set
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* inflight_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_BACKGROUND_SYNC_H_
