#include "client_sdk/attachment_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/attachment.h"
#include "core/durable_file.h"

namespace gridsync::sdk {
namespace {

namespace fs = std::filesystem;

constexpr char kDisk[] = "the phone's";

absl::Status Errno(const std::string& what, const std::string& path) {
  return core::ErrnoStatus(what, path, kDisk);
}

absl::Status AppendSynced(const std::string& path, std::string_view data, bool truncate) {
  return core::AppendSynced(path, data, truncate, kDisk);
}

absl::Status SyncDir(const std::string& dir) { return core::SyncDir(dir, kDisk); }

using core::FileSize;

}  // namespace

absl::StatusOr<std::unique_ptr<AttachmentFiles>> AttachmentFiles::Open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  return std::unique_ptr<AttachmentFiles>(new AttachmentFiles(dir));
}

std::string AttachmentFiles::Path(const std::string& sha256) const {
  return absl::StrCat(dir_, "/", sha256);
}

bool AttachmentFiles::Has(const std::string& sha256) const { return FileSize(Path(sha256)) >= 0; }

absl::StatusOr<std::string> AttachmentFiles::Put(std::string_view bytes) {
  const std::string sha = core::Sha256Hex(bytes);
  if (Has(sha)) return sha;
  const std::string part = Path(sha) + ".part";
  if (auto st = AppendSynced(part, bytes, /*truncate=*/true); !st.ok()) return st;
  if (::rename(part.c_str(), Path(sha).c_str()) != 0) return Errno("renaming", part);
  if (auto st = SyncDir(dir_); !st.ok()) return st;
  return sha;
}

absl::StatusOr<std::string> AttachmentFiles::Read(const std::string& sha256, int64_t offset,
                                                  int64_t max) const {
  const std::string path = Path(sha256);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("opening", path);
  std::string out(static_cast<size_t>(std::max<int64_t>(max, 0)), '\0');
  const ssize_t n = ::pread(fd, out.data(), out.size(), offset);
  absl::Status st = n < 0 ? Errno("reading", path) : absl::OkStatus();
  ::close(fd);
  if (!st.ok()) return st;
  out.resize(static_cast<size_t>(n));
  return out;
}

void AttachmentFiles::Touch(const std::string& sha256) {
  ::utimensat(AT_FDCWD, Path(sha256).c_str(), nullptr, 0);
}

int64_t AttachmentFiles::PartialSize(const std::string& sha256) const {
  return std::max<int64_t>(0, FileSize(Path(sha256) + ".part"));
}

absl::Status AttachmentFiles::AppendPartial(const std::string& sha256, std::string_view data) {
  return AppendSynced(Path(sha256) + ".part", data, /*truncate=*/false);
}

absl::Status AttachmentFiles::FinishPartial(const std::string& sha256) {
  const std::string part = Path(sha256) + ".part";
  if (core::Sha256OfFile(part) != sha256) {
    ::unlink(part.c_str());
    return absl::DataLossError(
        "the downloaded attachment does not have the hash its record gives; it was discarded: "
        "fetch it again");
  }
  if (::rename(part.c_str(), Path(sha256).c_str()) != 0) return Errno("renaming", part);
  return SyncDir(dir_);
}

void AttachmentFiles::DiscardPartial(const std::string& sha256) {
  ::unlink((Path(sha256) + ".part").c_str());
}

std::set<std::string> AttachmentFiles::List() const {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::string name = e.path().filename().string();
    if (core::IsSha256Hex(name)) out.insert(std::move(name));
  }
  return out;
}

int64_t AttachmentFiles::TotalBytes() const {
  int64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (e.is_regular_file(ec)) total += static_cast<int64_t>(e.file_size(ec));
  }
  return total;
}

int64_t AttachmentFiles::Evict(const std::set<std::string>& pinned, int64_t limit) {
  struct File {
    fs::file_time_type used;
    std::string path;
    int64_t size;
  };
  std::vector<File> evictable;
  int64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (!e.is_regular_file(ec)) continue;
    const int64_t size = static_cast<int64_t>(e.file_size(ec));
    total += size;
    const std::string name = e.path().filename().string();
    if (!core::IsSha256Hex(name) || pinned.count(name)) continue;  // pinned, or .part
    evictable.push_back({e.last_write_time(ec), e.path().string(), size});
  }
  std::sort(evictable.begin(), evictable.end(),
            [](const File& a, const File& b) { return a.used < b.used; });
  int64_t freed = 0;
  for (const auto& f : evictable) {
    if (total - freed <= limit) break;
    if (fs::remove(f.path, ec)) freed += f.size;
  }
  return freed;
}

}  // namespace gridsync::sdk
