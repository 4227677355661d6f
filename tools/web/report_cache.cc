#include "tools/web/report_cache.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "core/ids.h"

namespace gridsync::web {
namespace {

// Whether everything under org code `inner` (or the grid, household or
// person id `inner`) lies under `outer`.
bool Covers(const std::string& outer, const std::string& inner) {
  return absl::StartsWith(inner, core::ScopePrefix(outer));
}

}  // namespace

bool ReportCache::VouchedLocked(const std::string& scope, int64_t began_ms) const {
  for (const auto& [h, f] : feeds_)
    if (f.since_ms <= began_ms && Covers(f.scope, scope)) return true;
  return false;
}

bool ReportCache::NoteLocked(Entry* e, const std::string& code) {
  if (code.empty()) return false;
  if (std::find(e->changed.begin(), e->changed.end(), code) != e->changed.end()) return true;
  if (e->changed.size() >= kMaxChangedCodes) return false;
  e->changed.push_back(code);
  return true;
}

ReportCache::Found<const void> ReportCache::FindAny(const std::string& scope,
                                                    const std::string& key, int64_t now_ms) {
  absl::MutexLock l(&mu_);
  auto it = entries_.find({scope, key});
  if (it == entries_.end()) return {};
  const Entry& e = it->second;
  if (VouchedLocked(scope, e.began_ms) || now_ms - e.began_ms < kUnvouchedMs)
    return {e.value, e.began_ms, e.changed};
  entries_.erase(it);
  return {};
}

ReportCache::Mark ReportCache::Begin(int64_t now_ms) {
  absl::MutexLock l(&mu_);
  return {now_ms, changes_};
}

void ReportCache::PutAny(const std::string& scope, const std::string& key, Mark began,
                         std::shared_ptr<const void> value) {
  constexpr size_t kMaxEntries = 256;  // a county's towns, a few months each
  absl::MutexLock l(&mu_);
  if (changes_ - began.changes > kRecent) return;  // too many to tell: not kept
  Entry e{began.ms, std::move(value), {}};
  for (auto it = recent_.upper_bound(began.changes); it != recent_.end(); ++it) {
    if ((it->second.empty() || Covers(scope, it->second)) && !NoteLocked(&e, it->second)) return;
  }
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_[{scope, key}] = std::move(e);
}

int ReportCache::Opened(const std::string& scope, int64_t since_ms) {
  absl::MutexLock l(&mu_);
  feeds_[next_handle_] = {scope, since_ms};
  return next_handle_++;
}

void ReportCache::Closed(int handle) {
  absl::MutexLock l(&mu_);
  feeds_.erase(handle);
}

void ReportCache::Changed(const std::string& code) {
  absl::MutexLock l(&mu_);
  recent_[++changes_] = code;
  if (recent_.size() > kRecent) recent_.erase(recent_.begin());
  for (auto it = entries_.begin(); it != entries_.end();) {
    const bool under = code.empty() || Covers(it->first.first, code);
    it = under && !NoteLocked(&it->second, code) ? entries_.erase(it) : std::next(it);
  }
}

}  // namespace gridsync::web
