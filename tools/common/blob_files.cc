#include "tools/common/blob_files.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/durable_file.h"
#include "core/attachment.h"
#include "tools/common/client.h"

namespace gridsync::tools {
namespace {

namespace fs = std::filesystem;

constexpr char kDisk[] = "the county's";

}  // namespace

std::string BlobFilePath(const std::string& sha256) {
  return absl::StrCat(sha256.substr(0, 2), "/", sha256.substr(2, 2), "/", sha256);
}

absl::StatusOr<int64_t> SaveBlob(gridsync::v1::BlobService::Stub* stub, const std::string& token,
                                 const std::string& record_id, const std::string& sha256,
                                 int64_t size, const std::string& dir) {
  if (!core::IsSha256Hex(sha256)) return absl::InvalidArgumentError("not a SHA-256");
  const fs::path dest = fs::path(dir) / BlobFilePath(sha256);
  std::error_code ec;
  if (fs::exists(dest, ec) && static_cast<int64_t>(fs::file_size(dest, ec)) == size) return 0;
  fs::create_directories(dest.parent_path(), ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", dest.parent_path().string(), ": ", ec.message()));
  }
  const std::string part = dest.string() + ".part";
  {
    core::Sha256 hash;
    int64_t offset = 0;
    // Bounded: each read moves on by at least a byte, or the loop ends.
    for (int64_t reads = 0; offset < size && reads <= size; ++reads) {
      gridsync::v1::ReadBlobRequest req;
      req.set_record_id(record_id);
      req.set_sha256(sha256);
      req.set_offset(offset);
      req.set_max_bytes(1 << 20);
      gridsync::v1::ReadBlobResponse resp;
      auto ctx = CallContext(token);
      if (grpc::Status st = stub->ReadBlob(ctx.get(), req, &resp); !st.ok()) return FromGrpc(st);
      if (resp.data().empty()) break;
      hash.Update(resp.data());
      if (auto st = gridsync::AppendSynced(part, resp.data(), /*truncate=*/offset == 0, kDisk);
          !st.ok()) {
        return st;
      }
      offset += static_cast<int64_t>(resp.data().size());
    }
    if (offset != size || hash.HexDigest() != sha256) {
      fs::remove(part, ec);
      return absl::DataLossError(
          absl::StrCat("attachment ", sha256, " did not arrive whole (its hash differs)"));
    }
  }
  fs::rename(part, dest, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot rename ", part, ": ", ec.message()));
  if (auto st = gridsync::SyncDir(dest.parent_path().string(), kDisk); !st.ok()) return st;
  return size;
}

}  // namespace gridsync::tools
