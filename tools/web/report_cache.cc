#include "tools/web/report_cache.h"

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

std::shared_ptr<const tools::MonthlyReport> ReportCache::Find(const std::string& scope,
                                                              const std::string& month,
                                                              int64_t now_ms) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = entries_.find({scope, month});
  if (it == entries_.end()) return nullptr;
  const Entry& e = it->second;
  if (VouchedLocked(scope, e.began_ms) || now_ms - e.began_ms < kUnvouchedMs) return e.report;
  entries_.erase(it);
  return nullptr;
}

ReportCache::Mark ReportCache::Begin(int64_t now_ms) {
  std::lock_guard<std::mutex> l(mu_);
  return {now_ms, changes_};
}

void ReportCache::Put(const std::string& scope, const std::string& month, Mark began,
                      std::shared_ptr<const tools::MonthlyReport> report) {
  constexpr size_t kMaxEntries = 256;  // a county's towns, a few months each
  std::lock_guard<std::mutex> l(mu_);
  if (changes_ - began.changes > kRecent) return;  // too many to tell: not kept
  for (auto it = recent_.upper_bound(began.changes); it != recent_.end(); ++it)
    if (it->second.empty() || Covers(scope, it->second)) return;  // stale already
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_[{scope, month}] = {began.ms, std::move(report)};
}

int ReportCache::Opened(const std::string& scope, int64_t since_ms) {
  std::lock_guard<std::mutex> l(mu_);
  feeds_[next_handle_] = {scope, since_ms};
  return next_handle_++;
}

void ReportCache::Closed(int handle) {
  std::lock_guard<std::mutex> l(mu_);
  feeds_.erase(handle);
}

void ReportCache::Changed(const std::string& code) {
  std::lock_guard<std::mutex> l(mu_);
  recent_[++changes_] = code;
  if (recent_.size() > kRecent) recent_.erase(recent_.begin());
  for (auto it = entries_.begin(); it != entries_.end();) {
    const bool touched = code.empty() || Covers(it->first.first, code);
    it = touched ? entries_.erase(it) : std::next(it);
  }
}

}  // namespace gridsync::web
