// RocksDB's file-system statuses as the SDK reports them, for the replica's
// folder and its attachments.
#ifndef GRIDSYNC_CLIENT_SDK_DISK_STATUS_H_
#define GRIDSYNC_CLIENT_SDK_DISK_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace gridsync::sdk {

// `s` naming `what` was done to `path`: a full disk is RESOURCE_EXHAUSTED,
// damage DATA_LOSS, anything else INTERNAL. (An IOStatus is a Status.)
inline absl::Status FromRocksIo(const rocksdb::Status& s, absl::string_view what,
                                const std::string& path) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the phone's storage is full: ", what, " ", path, ": ", s.ToString()));
  }
  if (s.IsCorruption()) {
    return absl::DataLossError(absl::StrCat(what, " ", path, ": ", s.ToString()));
  }
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", s.ToString()));
}

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_DISK_STATUS_H_
