// Attachments' bytes kept by a county as files: DIR/ab/cd/<sha256>, each
// written once (through a temporary name, synced, its hash checked) and
// skipped when present. gridsync-export --blobs-dir writes them.
#ifndef GRIDSYNC_TOOLS_COMMON_BLOB_FILES_H_
#define GRIDSYNC_TOOLS_COMMON_BLOB_FILES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "gridsync/v1/blob_service.grpc.pb.h"

namespace gridsync::tools {

// "ab/cd/<sha256>": the blob's path under the folder.
std::string BlobFilePath(const std::string& sha256);

// Downloads blob `sha256` (named through record `record_id`, which the
// token must be able to read) into `dir` unless it is there with `size`
// bytes. Returns the bytes written (0 when skipped).
absl::StatusOr<int64_t> SaveBlob(gridsync::v1::BlobService::Stub* stub, const std::string& token,
                                 const std::string& record_id, const std::string& sha256,
                                 int64_t size, const std::string& dir);

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_BLOB_FILES_H_
