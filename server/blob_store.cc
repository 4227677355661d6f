#include "server/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/durable_file.h"
#include "core/attachment.h"
#include "server/log.h"

namespace gridsync::server {
namespace {

namespace fs = std::filesystem;

constexpr char kDisk[] = "the server's";

absl::Status Errno(const std::string& what, const std::string& path) {
  return gridsync::ErrnoStatus(what, path, kDisk);
}

absl::Status AppendSynced(const std::string& path, std::string_view data) {
  return gridsync::AppendSynced(path, data, /*truncate=*/false, kDisk);
}

absl::Status SyncDir(const std::string& dir) { return gridsync::SyncDir(dir, kDisk); }

using gridsync::FileSize;

}  // namespace

absl::StatusOr<std::unique_ptr<BlobStore>> BlobStore::Open(const std::string& dir, Options opts) {
  std::error_code ec;
  for (const char* sub : {"objects", "partial", "quota"}) {
    fs::create_directories(fs::path(dir) / sub, ec);
    if (ec) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot create ", dir, "/", sub, ": ", ec.message()));
    }
  }
  // Abandoned uploads: their partial files untouched for abandon_after_ms.
  const auto cutoff =
      fs::file_time_type::clock::now() - std::chrono::milliseconds(opts.abandon_after_ms);
  int removed = 0;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "partial", ec)) {
    if (e.is_regular_file(ec) && e.last_write_time(ec) < cutoff && fs::remove(e.path(), ec)) {
      ++removed;
    }
  }
  if (removed > 0) {
    LogInfo("removed ", removed, " attachment uploads not resumed for ",
            opts.abandon_after_ms / 86400000, " days or more");
  }
  return std::unique_ptr<BlobStore>(new BlobStore(dir, opts));
}

std::string BlobStore::ObjectPath(const std::string& sha256) const {
  return absl::StrCat(dir_, "/objects/", sha256.substr(0, 2), "/", sha256.substr(2, 2), "/",
                      sha256);
}

std::string BlobStore::PartialPath(const std::string& sha256) const {
  return absl::StrCat(dir_, "/partial/", sha256);
}

absl::Mutex& BlobStore::LockFor(const std::string& sha256) {
  return upload_mu_[static_cast<unsigned char>(sha256.empty() ? 0 : sha256[0] ^ sha256[1]) %
                    upload_mu_.size()];
}

std::optional<int64_t> BlobStore::StoredSize(const std::string& sha256) const {
  const int64_t size = FileSize(ObjectPath(sha256));
  if (size < 0) return std::nullopt;
  return size;
}

int64_t BlobStore::Received(const std::string& sha256) const {
  return std::max<int64_t>(0, FileSize(PartialPath(sha256)));
}

std::optional<BlobStore::Stored> BlobStore::StoredInfo(const std::string& sha256) const {
  const auto size = StoredSize(sha256);
  if (!size) return std::nullopt;
  auto head = Read(sha256, 0, std::min<int64_t>(*size, 16));
  if (!head.ok()) return std::nullopt;
  return Stored{*size, core::SniffContentType(*head)};
}

absl::Status BlobStore::LoadQuotaDay(int day) {
  if (quota_day_ == day) return absl::OkStatus();
  charged_.clear();
  quota_day_ = day;
  std::ifstream in(absl::StrCat(dir_, "/quota/", day));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    int64_t bytes = 0;
    // A line cut short by a crash has no size: it charged nothing.
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[2], &bytes)) continue;
    charged_[parts[0]] += bytes;
  }
  // Days before yesterday are of no use any more.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(dir_) / "quota", ec)) {
    int old = 0;
    if (absl::SimpleAtoi(e.path().filename().string(), &old) && old < day - 1) {
      fs::remove(e.path(), ec);
    }
  }
  return absl::OkStatus();
}

int64_t BlobStore::QuotaLeft(const std::string& device_id, int day) {
  if (opts_.quota_bytes_per_day <= 0) return INT64_MAX;
  absl::MutexLock l(&quota_mu_);
  if (!LoadQuotaDay(day).ok()) return 0;
  return opts_.quota_bytes_per_day - charged_[device_id];
}

absl::Status BlobStore::Charge(const std::string& device_id, int day, const std::string& sha256,
                               int64_t bytes) {
  if (opts_.quota_bytes_per_day <= 0 || bytes == 0) return absl::OkStatus();
  absl::MutexLock l(&quota_mu_);
  if (auto st = LoadQuotaDay(day); !st.ok()) return st;
  int64_t& used = charged_[device_id];
  if (used + bytes > opts_.quota_bytes_per_day) {
    return absl::ResourceExhaustedError(
        absl::StrCat("device ", device_id, " has uploaded ", used, " bytes of attachments today; ",
                     bytes, " more would pass the daily quota of ", opts_.quota_bytes_per_day,
                     " bytes: the upload waits for tomorrow (or an administrator raises "
                     "--attachment-quota-mb)"));
  }
  if (auto st = AppendSynced(absl::StrCat(dir_, "/quota/", day),
                             absl::StrCat(device_id, " ", sha256, " ", bytes, "\n"));
      !st.ok()) {
    return st;
  }
  used += bytes;
  return absl::OkStatus();
}

absl::Status BlobStore::Admit(const std::string& device_id, const std::string& sha256, int64_t size,
                              const std::string& content_type, int day) {
  if (!core::IsAllowedContentType(content_type)) {
    return absl::InvalidArgumentError(absl::StrCat("attachments of type '",
                                                   content_type.substr(0, 64),
                                                   "' are not taken: only JPEG, PNG and PDF"));
  }
  if (size <= 0 || size > opts_.max_blob_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the attachment is ", size, " bytes; this server takes at most ", opts_.max_blob_bytes,
        " bytes (", opts_.max_blob_bytes >> 20, " MB) per attachment: send a smaller photo"));
  }
  const int64_t remaining = std::max<int64_t>(size - Received(sha256), 0);
  struct statvfs vfs;
  if (opts_.min_free_bytes > 0 && ::statvfs(dir_.c_str(), &vfs) == 0) {
    const uint64_t free = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    if (free < opts_.min_free_bytes * 2 + static_cast<uint64_t>(remaining)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the server's disk is short of space (", free >> 20,
          " MiB free): attachments wait so that records can still be stored; try later"));
    }
  }
  if (const int64_t left = QuotaLeft(device_id, day); remaining > left) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "device ", device_id, " may upload ", std::max<int64_t>(left, 0),
        " more bytes of attachments today; this one needs ", remaining,
        ": the upload waits for tomorrow (or an administrator raises --attachment-quota-mb)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<BlobStore::Progress> BlobStore::Append(const std::string& device_id, int day,
                                                      const std::string& sha256, int64_t size,
                                                      const std::string& content_type,
                                                      int64_t offset, std::string_view data) {
  absl::MutexLock l(&LockFor(sha256));
  if (auto stored = StoredSize(sha256)) return Progress{*stored, true};
  const std::string partial = PartialPath(sha256);
  const int64_t held = Received(sha256);
  if (offset != held) {
    return absl::FailedPreconditionError(
        absl::StrCat("the server holds ", held, " bytes of this upload, not ", offset,
                     ": resume from ", held, " (BeginUpload says so)"));
  }
  if (offset + static_cast<int64_t>(data.size()) > size) {
    return absl::InvalidArgumentError(
        absl::StrCat("the chunk runs past the attachment's size ", size, " that its record gives"));
  }
  if (offset == 0 && core::SniffContentType(data) != content_type) {
    return absl::InvalidArgumentError(absl::StrCat("the bytes are not ", content_type,
                                                   " as the record says: attach the file "
                                                   "with its true type"));
  }
  if (!data.empty()) {
    if (auto st = Charge(device_id, day, sha256, static_cast<int64_t>(data.size())); !st.ok())
      return st;
    if (auto st = AppendSynced(partial, data); !st.ok()) {
      // A failed append may have left some of the chunk: cut back to what was acknowledged.
      if (::truncate(partial.c_str(), held) != 0 && held == 0) ::unlink(partial.c_str());
      return st;
    }
  }
  bytes_received_ += data.size();
  if (offset + static_cast<int64_t>(data.size()) < size) {
    return Progress{offset + static_cast<int64_t>(data.size()), false};
  }
  return Finish(sha256);
}

absl::StatusOr<BlobStore::Progress> BlobStore::Finish(const std::string& sha256) {
  const std::string partial = PartialPath(sha256);
  int64_t total = 0;
  if (gridsync::Sha256OfFile(partial, &total) != sha256) {
    ::unlink(partial.c_str());
    return absl::DataLossError(
        "the whole upload does not have the SHA-256 its record gives; the server discarded it: "
        "send it again from 0 (the file on the phone may have changed since it was attached)");
  }
  const std::string object = ObjectPath(sha256);
  const fs::path folder = fs::path(object).parent_path();
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", folder.string()));
  if (::rename(partial.c_str(), object.c_str()) != 0) return Errno("storing", object);
  if (auto st = SyncDir(folder.string()); !st.ok()) return st;
  if (auto st = SyncDir(absl::StrCat(dir_, "/partial")); !st.ok()) return st;
  ++blobs_stored_;
  return Progress{total, true};
}

BlobStore::Counts BlobStore::counts() const {
  Counts c;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(dir_) / "partial", ec)) {
    c.uploads_in_progress += e.is_regular_file(ec) ? 1 : 0;
  }
  c.bytes_received = bytes_received_;
  c.blobs_stored = blobs_stored_;
  return c;
}

BlobStore::Verified BlobStore::VerifyAll() const {
  Verified v;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(fs::path(dir_) / "objects", ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      v.problems.push_back(absl::StrCat("cannot list ", dir_, "/objects: ", ec.message()));
      break;
    }
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    int64_t size = 0;
    const std::string got = gridsync::Sha256OfFile(it->path().string(), &size);
    ++v.files;
    v.bytes += static_cast<uint64_t>(size);
    if (got != name) {
      v.problems.push_back(absl::StrCat("attachment ", it->path().string(), ": its bytes hash to ",
                                        got, " (damaged on disk; restore it from a backup)"));
    }
  }
  return v;
}

absl::StatusOr<std::string> BlobStore::Read(const std::string& sha256, int64_t offset,
                                            int64_t max) const {
  const std::string path = ObjectPath(sha256);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(
          "the attachment's bytes have not reached the server yet: the phone that took it "
          "uploads them at its next sync");
    }
    return Errno("opening", path);
  }
  std::string out(static_cast<size_t>(max), '\0');
  const ssize_t n = ::pread(fd, out.data(), out.size(), offset);
  absl::Status st = n < 0 ? Errno("reading", path) : absl::OkStatus();
  ::close(fd);
  if (!st.ok()) return st;
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace gridsync::server
