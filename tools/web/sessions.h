// Logged-in browsers (gridsync-web): a session per login, named by a
// random id the browser keeps in an HttpOnly, SameSite=Strict cookie, with
// its own CSRF token that every request that changes something must carry
// in the X-CSRF-Token header (the page reads it from /api/me; another
// site's page can neither read it nor send the cookie).
//
// A session ends at logout, after `idle` without a request, or `lifetime`
// after login, whichever comes first. Failed logins are counted per name:
// after kMaxFailures in kFailureWindow the name is refused until the window
// passes (a guessed password costs the guesser, not the office).
//
// Thread-safe.
#ifndef GRIDSYNC_TOOLS_WEB_SESSIONS_H_
#define GRIDSYNC_TOOLS_WEB_SESSIONS_H_

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace gridsync::web {

struct Session {
  std::string id;    // the cookie's value: 32 random bytes, hex
  std::string csrf;  // 16 random bytes, hex
  std::string name;  // the account
  std::chrono::steady_clock::time_point started, last_seen;
};

inline constexpr int kMaxFailures = 5;
inline constexpr std::chrono::minutes kFailureWindow{5};

class SessionTable {
 public:
  SessionTable(std::chrono::seconds idle, std::chrono::seconds lifetime)
      : idle_(idle), lifetime_(lifetime) {}

  Session Start(const std::string& name);
  // The live session of `id`, its last use now; nullopt once ended.
  std::optional<Session> Touch(const std::string& id);
  // Whether `id` is live, without counting as a use (an open event stream
  // does not keep a session from going idle).
  bool Alive(const std::string& id) const;
  void End(const std::string& id);
  // Ends the sessions past their time; returns the accounts left without
  // one (their connections may close).
  std::vector<std::string> Expire();
  bool AnyFor(const std::string& name) const;

  // Whether `name` may try a password now.
  bool MayTry(const std::string& name);
  void Failed(const std::string& name);
  void Succeeded(const std::string& name);

  std::chrono::seconds lifetime() const { return lifetime_; }

 private:
  bool LiveLocked(const Session& s, std::chrono::steady_clock::time_point now) const;

  const std::chrono::seconds idle_, lifetime_;
  mutable absl::Mutex mu_;
  std::map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);  // by id
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> failures_
      ABSL_GUARDED_BY(mu_);  // by name, within kFailureWindow
};

// `n` random bytes as hex (OpenSSL's RAND_bytes).
std::string RandomHex(int n);

}  // namespace gridsync::web

#endif  // GRIDSYNC_TOOLS_WEB_SESSIONS_H_
