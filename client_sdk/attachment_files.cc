#include "client_sdk/attachment_files.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client_sdk/disk_status.h"
#include "common/durable_file.h"
#include "core/attachment.h"

namespace gridsync::sdk {
namespace {

namespace fs = std::filesystem;

constexpr char kDisk[] = "the phone's";

absl::Status Errno(const std::string& what, const std::string& path) {
  return gridsync::ErrnoStatus(what, path, kDisk);
}

absl::Status SyncDir(const std::string& dir) { return gridsync::SyncDir(dir, kDisk); }

}  // namespace

std::string AttachmentName(const std::string& name_key, const std::string& sha256) {
  if (name_key.empty()) return sha256;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), name_key.data(), static_cast<int>(name_key.size()),
       reinterpret_cast<const unsigned char*>(sha256.data()), sha256.size(), mac, &len);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(mac), len));
}

absl::StatusOr<std::unique_ptr<AttachmentFiles>> AttachmentFiles::Open(
    const std::string& dir, std::shared_ptr<rocksdb::FileSystem> files, std::string name_key) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  if (!files) files = rocksdb::FileSystem::Default();
  return std::unique_ptr<AttachmentFiles>(
      new AttachmentFiles(dir, std::move(files), std::move(name_key)));
}

std::string AttachmentFiles::Path(const std::string& sha256) const {
  return absl::StrCat(dir_, "/", AttachmentName(name_key_, sha256));
}

bool AttachmentFiles::Has(const std::string& sha256) const {
  return gridsync::FileSize(Path(sha256)) >= 0;
}

absl::Status AttachmentFiles::Append(const std::string& path, std::string_view data,
                                     bool truncate) {
  const rocksdb::IOOptions io;
  std::unique_ptr<rocksdb::FSWritableFile> f;
  rocksdb::IOStatus s = truncate || gridsync::FileSize(path) < 0
                            ? files_->NewWritableFile(path, rocksdb::FileOptions(), &f, nullptr)
                            : files_->ReopenWritableFile(path, rocksdb::FileOptions(), &f, nullptr);
  if (s.ok()) s = f->Append(rocksdb::Slice(data.data(), data.size()), io, nullptr);
  if (s.ok()) s = f->Sync(io, nullptr);
  if (s.ok()) s = f->Close(io, nullptr);
  return FromRocksIo(s, "writing", path);
}

absl::StatusOr<std::string> AttachmentFiles::Put(std::string_view bytes) {
  const std::string sha = core::Sha256Hex(bytes);
  if (Has(sha)) return sha;
  const std::string part = Path(sha) + ".part";
  if (auto st = Append(part, bytes, /*truncate=*/true); !st.ok()) return st;
  if (::rename(part.c_str(), Path(sha).c_str()) != 0) return Errno("renaming", part);
  if (auto st = SyncDir(dir_); !st.ok()) return st;
  return sha;
}

absl::StatusOr<std::string> AttachmentFiles::ReadFile(const std::string& path, int64_t offset,
                                                      int64_t max) const {
  std::unique_ptr<rocksdb::FSRandomAccessFile> f;
  rocksdb::IOStatus s = files_->NewRandomAccessFile(path, rocksdb::FileOptions(), &f, nullptr);
  if (!s.ok()) {
    if (s.IsPathNotFound() || s.IsNotFound()) return Errno("opening", path);
    return FromRocksIo(s, "opening", path);
  }
  std::string out(static_cast<size_t>(std::max<int64_t>(max, 0)), '\0');
  rocksdb::Slice got;
  s = f->Read(static_cast<uint64_t>(std::max<int64_t>(offset, 0)), out.size(), rocksdb::IOOptions(),
              &got, out.data(), nullptr);
  if (!s.ok()) return FromRocksIo(s, "reading", path);
  if (got.data() != out.data()) memmove(out.data(), got.data(), got.size());
  out.resize(got.size());
  return out;
}

absl::StatusOr<std::string> AttachmentFiles::Read(const std::string& sha256, int64_t offset,
                                                  int64_t max) const {
  return ReadFile(Path(sha256), offset, max);
}

absl::StatusOr<std::string> AttachmentFiles::ReadWhole(const std::string& path) const {
  uint64_t size = 0;
  rocksdb::IOStatus s = files_->GetFileSize(path, rocksdb::IOOptions(), &size, nullptr);
  if (!s.ok()) return FromRocksIo(s, "reading", path);
  return ReadFile(path, 0, static_cast<int64_t>(size));
}

absl::StatusOr<std::string> AttachmentFiles::ReadAll(const std::string& sha256) const {
  auto whole = ReadWhole(Path(sha256));
  if (whole.ok() && core::Sha256Hex(*whole) != sha256) {
    // CTR encryption does not authenticate: a flipped bit on disk is a
    // flipped bit here. The name is the hash the record gives.
    return absl::DataLossError(absl::StrCat(
        "attachment ", sha256.substr(0, 12),
        "… on this phone does not hash to its name (damaged or tampered with on the phone's "
        "disk): fetch it again"));
  }
  return whole;
}

absl::StatusOr<std::string> AttachmentFiles::Sha256Of(const std::string& path) const {
  auto whole = ReadWhole(path);
  if (!whole.ok()) return whole.status();
  return core::Sha256Hex(*whole);
}

bool AttachmentFiles::Intact(const std::string& sha256) const {
  auto got = Sha256Of(Path(sha256));
  return got.ok() && *got == sha256;
}

void AttachmentFiles::Touch(const std::string& sha256) {
  ::utimensat(AT_FDCWD, Path(sha256).c_str(), nullptr, 0);
}

int64_t AttachmentFiles::PartialSize(const std::string& sha256) const {
  uint64_t size = 0;
  const std::string part = Path(sha256) + ".part";
  if (gridsync::FileSize(part) < 0 ||
      !files_->GetFileSize(part, rocksdb::IOOptions(), &size, nullptr).ok()) {
    return 0;
  }
  return static_cast<int64_t>(size);
}

absl::Status AttachmentFiles::AppendPartial(const std::string& sha256, std::string_view data) {
  return Append(Path(sha256) + ".part", data, /*truncate=*/false);
}

absl::Status AttachmentFiles::FinishPartial(const std::string& sha256) {
  const std::string part = Path(sha256) + ".part";
  if (auto got = Sha256Of(part); !got.ok() || *got != sha256) {
    ::unlink(part.c_str());
    return absl::DataLossError(
        "the downloaded attachment does not have the hash its record gives; it was discarded: "
        "fetch it again");
  }
  if (::rename(part.c_str(), Path(sha256).c_str()) != 0) return Errno("renaming", part);
  return SyncDir(dir_);
}

void AttachmentFiles::Remove(const std::string& sha256) { ::unlink(Path(sha256).c_str()); }

void AttachmentFiles::DiscardPartial(const std::string& sha256) {
  ::unlink((Path(sha256) + ".part").c_str());
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
  std::set<std::string> pinned_names;
  for (const std::string& sha : pinned) pinned_names.insert(AttachmentName(name_key_, sha));
  std::vector<File> evictable;
  int64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (!e.is_regular_file(ec)) continue;
    const int64_t size = static_cast<int64_t>(e.file_size(ec));
    total += size;
    const std::string name = e.path().filename().string();
    if (!core::IsSha256Hex(name) || pinned_names.count(name)) continue;  // pinned, or .part
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
