// Writes that survive a power cut once they return, for the files beside the
// stores (the server's blobs, the phone's attachments): append and sync,
// sync a folder after a rename, and errno as a status a person can act on.
// The server, the SDK and the tools share it; core/ does no I/O.
#ifndef GRIDSYNC_COMMON_DURABLE_FILE_H_
#define GRIDSYNC_COMMON_DURABLE_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace gridsync {

// The last system call's errno as a status naming `what` and `path`:
// RESOURCE_EXHAUSTED for a full disk (saying whose: `whose_disk`, e.g.
// "the server's"), UNAVAILABLE for the rest.
absl::Status ErrnoStatus(absl::string_view what, const std::string& path,
                         absl::string_view whose_disk);

// Writes `data` at the end of `path` (created 0600 if missing; emptied
// first with `truncate`) and syncs it before returning.
absl::Status AppendSynced(const std::string& path, std::string_view data, bool truncate,
                          absl::string_view whose_disk);

// Syncs a folder, so that a rename or a new file in it survives a power cut.
absl::Status SyncDir(const std::string& dir, absl::string_view whose_disk);

// The size of `path` in bytes; -1 when it does not exist.
int64_t FileSize(const std::string& path);

// The SHA-256 (64 lowercase hex digits) of the file at `path`, read in 1 MiB
// pieces; its size in *size when not null. The hash of no bytes when the
// file cannot be read.
std::string Sha256OfFile(const std::string& path, int64_t* size = nullptr);

}  // namespace gridsync

#endif  // GRIDSYNC_COMMON_DURABLE_FILE_H_
