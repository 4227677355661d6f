#include "common/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "core/attachment.h"

namespace gridsync {

absl::Status ErrnoStatus(absl::string_view what, const std::string& path,
                         absl::string_view whose_disk) {
  const int e = errno;
  const std::string msg = absl::StrCat(what, " ", path, ": ", std::strerror(e));
  if (e == ENOSPC || e == EDQUOT) {
    return absl::ResourceExhaustedError(
        absl::StrCat(whose_disk, " disk is full: ", msg, "; try again when there is space"));
  }
  return absl::UnavailableError(absl::StrCat("storage error: ", msg));
}

absl::Status AppendSynced(const std::string& path, std::string_view data, bool truncate,
                          absl::string_view whose_disk) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0600);
  if (fd < 0) return ErrnoStatus("opening", path, whose_disk);
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status st = ErrnoStatus("writing", path, whose_disk);
      ::close(fd);
      return st;
    }
    done += static_cast<size_t>(n);
  }
  absl::Status st =
      ::fdatasync(fd) == 0 ? absl::OkStatus() : ErrnoStatus("syncing", path, whose_disk);
  ::close(fd);
  return st;
}

absl::Status SyncDir(const std::string& dir, absl::string_view whose_disk) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("opening", dir, whose_disk);
  const int rc = ::fsync(fd);
  absl::Status st = rc == 0 ? absl::OkStatus() : ErrnoStatus("syncing", dir, whose_disk);
  ::close(fd);
  return st;
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

std::string Sha256OfFile(const std::string& path, int64_t* size) {
  std::ifstream in(path, std::ios::binary);
  core::Sha256 hash;
  std::string buf(1 << 20, '\0');
  int64_t total = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    hash.Update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
    total += in.gcount();
  }
  if (size != nullptr) *size = total;
  return hash.HexDigest();
}

}  // namespace gridsync
