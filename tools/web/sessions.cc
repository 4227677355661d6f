#include "tools/web/sessions.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/escaping.h"

namespace gridsync::web {

using Clock = std::chrono::steady_clock;

std::string RandomHex(int n) {
  std::string b(static_cast<size_t>(n), '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(b.data()), n) != 1) abort();
  return absl::BytesToHexString(b);
}

Session SessionTable::Start(const std::string& name) {
  Session s{RandomHex(32), RandomHex(16), name, Clock::now(), Clock::now()};
  absl::MutexLock l(&mu_);
  sessions_[s.id] = s;
  return s;
}

bool SessionTable::LiveLocked(const Session& s, Clock::time_point now) const {
  return now - s.last_seen < idle_ && now - s.started < lifetime_;
}

std::optional<Session> SessionTable::Touch(const std::string& id) {
  const auto now = Clock::now();
  absl::MutexLock l(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (!LiveLocked(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  return it->second;
}

bool SessionTable::Alive(const std::string& id) const {
  absl::MutexLock l(&mu_);
  auto it = sessions_.find(id);
  return it != sessions_.end() && LiveLocked(it->second, Clock::now());
}

void SessionTable::End(const std::string& id) {
  absl::MutexLock l(&mu_);
  sessions_.erase(id);
}

std::vector<std::string> SessionTable::Expire() {
  const auto now = Clock::now();
  absl::MutexLock l(&mu_);
  std::map<std::string, bool> live;  // account -> has a live session
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const bool keep = LiveLocked(it->second, now);
    live[it->second.name] |= keep;
    it = keep ? std::next(it) : sessions_.erase(it);
  }
  std::vector<std::string> left;
  for (const auto& [name, any] : live)
    if (!any) left.push_back(name);
  return left;
}

bool SessionTable::AnyFor(const std::string& name) const {
  absl::MutexLock l(&mu_);
  for (const auto& [id, s] : sessions_)
    if (s.name == name) return true;
  return false;
}

bool SessionTable::MayTry(const std::string& name) {
  const auto now = Clock::now();
  absl::MutexLock l(&mu_);
  auto& f = failures_[name];
  while (!f.empty() && now - f.front() > kFailureWindow) f.pop_front();
  return f.size() < static_cast<size_t>(kMaxFailures);
}

void SessionTable::Failed(const std::string& name) {
  absl::MutexLock l(&mu_);
  failures_[name].push_back(Clock::now());
}

void SessionTable::Succeeded(const std::string& name) {
  absl::MutexLock l(&mu_);
  failures_.erase(name);
}

}  // namespace gridsync::web
