// What the RocksDB-backed parts of the server share: status mapping and
// snapshots that release themselves.
#ifndef GRIDSYNC_SERVER_ROCKS_UTIL_H_
#define GRIDSYNC_SERVER_ROCKS_UTIL_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"

namespace gridsync::server {

// A storage failure, naming what was being done; UNAVAILABLE so a client
// retries (nothing of a failed write was acknowledged).
// A storage error as the caller's status: RESOURCE_EXHAUSTED for a full
// disk (the write did not happen; writes resume when space returns),
// UNAVAILABLE for the rest.
inline absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the server's disk is full while ", what,
                     ": nothing of it was stored; free space on the server's data disk, writes "
                     "resume by themselves (",
                     s.ToString(), ")"));
  }
  return absl::UnavailableError(absl::StrCat("storage error while ", what, ": ", s.ToString()));
}

// The values of `keys` in `cf`, nullopt where a key is missing; an error
// names `what` was being read.
inline absl::StatusOr<std::vector<std::optional<std::string>>> MultiGetIn(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const std::vector<rocksdb::Slice>& keys,
    const char* what, const rocksdb::ReadOptions& ro = rocksdb::ReadOptions()) {
  std::vector<std::string> values(keys.size());
  std::vector<rocksdb::Status> st =
      db->MultiGet(ro, std::vector<rocksdb::ColumnFamilyHandle*>(keys.size(), cf), keys, &values);
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (st[i].ok()) {
      out[i] = std::move(values[i]);
    } else if (!st[i].IsNotFound()) {
      return FromRocks(st[i], what);
    }
  }
  return out;
}

// Which of `values` (as MultiGetIn returns them) were found.
inline std::vector<bool> Present(const std::vector<std::optional<std::string>>& values) {
  std::vector<bool> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) out[i] = values[i].has_value();
  return out;
}

// Whether the key (or value) `s` starts with `prefix`.
inline bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// A consistent view of the database for the life of the object.
class ScopedSnapshot {
 public:
  explicit ScopedSnapshot(rocksdb::DB* db) : db_(db), snap_(db->GetSnapshot()) {}
  ~ScopedSnapshot() { db_->ReleaseSnapshot(snap_); }
  ScopedSnapshot(const ScopedSnapshot&) = delete;
  ScopedSnapshot& operator=(const ScopedSnapshot&) = delete;
  const rocksdb::Snapshot* get() const { return snap_; }
  // Read options that read from this snapshot.
  rocksdb::ReadOptions Read() const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snap_;
    return ro;
  }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snap_;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_ROCKS_UTIL_H_
