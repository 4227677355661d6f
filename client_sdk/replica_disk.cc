#include "client_sdk/replica_disk.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client_sdk/attachment_files.h"
#include "client_sdk/disk_status.h"
#include "client_sdk/replica_crypto.h"
#include "common/durable_file.h"
#include "core/attachment.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace gridsync::sdk {
namespace {

namespace fs = std::filesystem;

constexpr char kComplete[] = "complete";  // the last file a copy writes

std::string Staging(const std::string& dir) { return dir + ".encrypting"; }
std::string Old(const std::string& dir) { return dir + ".old"; }
std::string Wiping(const std::string& dir) { return dir + ".wiping"; }

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

absl::Status Failed(const std::string& what, const std::string& path, const std::string& why) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", why));
}

// Syncs a folder after a rename in it, as far as the disk lets it (a copy or
// a wipe goes on either way; the next open finishes what a power cut undid).
void SyncDir(const std::string& dir) { gridsync::SyncDir(dir, "the phone's").IgnoreError(); }

absl::Status Rename(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) return Failed("renaming", from, ec.message());
  SyncDir(fs::path(to).parent_path().string());
  return absl::OkStatus();
}

// Overwrites the file at `path` with zeros, synced, and removes it.
absl::Status Shred(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (!ec) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      std::string block(64 << 10, '\0');
      for (uintmax_t done = 0; done < size;) {
        const size_t n = static_cast<size_t>(std::min<uintmax_t>(block.size(), size - done));
        if (::pwrite(fd, block.data(), n, static_cast<off_t>(done)) != static_cast<ssize_t>(n))
          break;
        done += n;
      }
      ::fsync(fd);
      ::close(fd);
    }
  }
  fs::remove(path, ec);
  if (ec) return Failed("removing", path, ec.message());
  return absl::OkStatus();
}

// Shreds every file under `folder`, then removes it.
absl::Status ShredFolder(const std::string& folder) {
  std::error_code ec;
  if (!Exists(folder)) return absl::OkStatus();
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(folder, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(it->path().string());
  }
  for (const auto& f : files) {
    if (auto st = Shred(f); !st.ok()) return st;
  }
  fs::remove_all(folder, ec);
  if (ec) return Failed("removing", folder, ec.message());
  SyncDir(fs::path(folder).parent_path().string());
  return absl::OkStatus();
}

// Finishes a wipe, and finishes or discards a copy that an earlier open or
// rekey left (the header's three cases).
absl::Status Recover(const std::string& dir) {
  if (auto st = ShredFolder(Wiping(dir)); !st.ok()) return st;
  const std::string staging = Staging(dir), old = Old(dir);
  std::error_code ec;
  if (Exists(staging)) {
    if (!Exists(staging + "/" + kComplete)) {
      fs::remove_all(staging, ec);
      if (ec) return Failed("removing", staging, ec.message());
    } else {
      if (Exists(dir)) {
        if (auto st = Rename(dir, old); !st.ok()) return st;
      }
      if (auto st = Rename(staging, dir); !st.ok()) return st;
    }
  }
  if (Exists(old) && HasWrappedKey(dir)) {
    // The replica as it was (a plain one's bytes): overwritten, not only unlinked.
    if (auto st = ShredFolder(old); !st.ok()) return st;
  }
  return absl::OkStatus();
}

std::unique_ptr<rocksdb::Env> EnvOf(const std::shared_ptr<rocksdb::FileSystem>& files) {
  return rocksdb::NewCompositeEnv(files);
}

// Copies the database in `from` (read through `from_files`) into the new
// folder `to` (written through `to_files`), key by key, flushed and synced.
absl::Status CopyDatabase(const std::string& from,
                          const std::shared_ptr<rocksdb::FileSystem>& from_files,
                          const std::string& to,
                          const std::shared_ptr<rocksdb::FileSystem>& to_files) {
  auto from_env = EnvOf(from_files);
  auto to_env = EnvOf(to_files);
  rocksdb::Options read_opts;
  read_opts.env = from_env.get();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(read_opts, from, &raw);
  if (!s.ok()) return FromRocksIo(s, "opening the replica in", from);
  std::unique_ptr<rocksdb::DB> src(raw);
  rocksdb::Options write_opts;
  write_opts.create_if_missing = true;
  write_opts.env = to_env.get();
  s = rocksdb::DB::Open(write_opts, to, &raw);
  if (!s.ok()) return FromRocksIo(s, "creating the replica in", to);
  std::unique_ptr<rocksdb::DB> dst(raw);
  std::unique_ptr<rocksdb::Iterator> it(src->NewIterator(rocksdb::ReadOptions()));
  rocksdb::WriteBatch batch;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    batch.Put(it->key(), it->value());
    if (batch.GetDataSize() >= (1 << 20)) {
      if (s = dst->Write(rocksdb::WriteOptions(), &batch); !s.ok()) break;
      batch.Clear();
    }
  }
  if (s.ok()) s = it->status();
  if (s.ok()) s = dst->Write(rocksdb::WriteOptions(), &batch);
  if (s.ok()) s = dst->Flush(rocksdb::FlushOptions());
  if (s.ok()) s = dst->SyncWAL();
  if (s.ok()) s = dst->Close();
  if (!s.ok()) return FromRocksIo(s, "copying the replica into", to);
  return absl::OkStatus();
}

// Copies one attachment file whole, named anew from its bytes' own hash
// under `to_name_key`, into the folder `to_att`, synced.
absl::Status CopyAttachment(const std::string& from_path,
                            const std::shared_ptr<rocksdb::FileSystem>& from_files,
                            const std::string& to_att,
                            const std::shared_ptr<rocksdb::FileSystem>& to_files,
                            const std::string& to_name_key) {
  const rocksdb::IOOptions io;
  uint64_t size = 0;
  std::unique_ptr<rocksdb::FSRandomAccessFile> in;
  std::unique_ptr<rocksdb::FSWritableFile> out;
  rocksdb::IOStatus io_s = from_files->GetFileSize(from_path, io, &size, nullptr);
  if (io_s.ok()) {
    io_s = from_files->NewRandomAccessFile(from_path, rocksdb::FileOptions(), &in, nullptr);
  }
  std::string bytes(size, '\0');
  rocksdb::Slice got;
  if (io_s.ok()) io_s = in->Read(0, size, io, &got, bytes.data(), nullptr);
  if (io_s.ok() && got.size() != size) io_s = rocksdb::IOStatus::Corruption("short read");
  const std::string path =
      to_att + "/" +
      AttachmentName(to_name_key, core::Sha256Hex(std::string_view(got.data(), got.size())));
  if (io_s.ok()) io_s = to_files->NewWritableFile(path, rocksdb::FileOptions(), &out, nullptr);
  if (io_s.ok()) io_s = out->Append(got, io, nullptr);
  if (io_s.ok()) io_s = out->Sync(io, nullptr);
  if (io_s.ok()) io_s = out->Close(io, nullptr);
  if (!io_s.ok()) return FromRocksIo(io_s, "copying the attachment", from_path);
  return absl::OkStatus();
}

// Copies the replica in `from` (its database and its attachments, read
// through `from_files`) into the new folder `to` (written through
// `to_files`), synced, then marks it complete.
absl::Status CopyReplica(const std::string& from,
                         const std::shared_ptr<rocksdb::FileSystem>& from_files,
                         const std::string& to,
                         const std::shared_ptr<rocksdb::FileSystem>& to_files,
                         const std::string& to_name_key) {
  if (auto st = CopyDatabase(from, from_files, to, to_files); !st.ok()) return st;
  // The attachments, whole files (a download under way starts again).
  const std::string from_att = from + "/attachments", to_att = to + "/attachments";
  std::error_code ec;
  fs::create_directories(to_att, ec);
  if (ec) return Failed("creating", to_att, ec.message());
  for (const auto& e : fs::directory_iterator(from_att, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.find('.') != std::string::npos) continue;
    auto st = CopyAttachment(e.path().string(), from_files, to_att, to_files, to_name_key);
    if (!st.ok()) return st;
  }
  if (ec) return Failed("listing", from_att, ec.message());
  SyncDir(to_att);

  // Complete: from here on an interrupted swap is finished, not undone.
  const std::string mark = to + "/" + kComplete;
  const int fd = ::open(mark.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return Failed("writing", mark, "cannot create it");
  }
  ::close(fd);
  SyncDir(to);
  return absl::OkStatus();
}

// Whether `dir` holds an encrypted replica's files without the key that
// opens them: a wipe killed after the key went (KeyErased: after it was
// overwritten, before it was removed).
bool EncryptedWithoutKey(const std::string& dir) {
  if (HasWrappedKey(dir)) return false;
  std::ifstream in(dir + "/CURRENT", std::ios::binary);
  char head[8] = {};
  in.read(head, sizeof(head));
  return in.gcount() == sizeof(head) && IsEncryptedFileHeader(std::string_view(head, sizeof(head)));
}

// The key attachments' names are made with, from the data key.
std::string NameKeyOf(const std::string& data_key) {
  return AttachmentName(data_key, "gridsync attachment names");
}

ReplicaDisk Encrypted(const std::string& data_key) {
  ReplicaDisk d;
  d.files = EncryptedFileSystem(data_key);
  d.env = EnvOf(d.files);
  d.attachment_name_key = NameKeyOf(data_key);
  return d;
}

// A fresh staging folder beside `dir` with a new data key wrapped under
// `app_key`; returns the data key.
absl::StatusOr<std::string> NewStaging(const std::string& dir, const std::string& app_key) {
  const std::string staging = Staging(dir);
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) return Failed("creating", staging, ec.message());
  return CreateDataKey(staging, app_key);
}

}  // namespace

absl::StatusOr<ReplicaDisk> OpenReplicaDisk(const std::string& dir, const std::string& app_key) {
  if (auto st = Recover(dir); !st.ok()) return st;
  if (EncryptedWithoutKey(dir) || KeyErased(dir)) {
    if (auto st = WipeReplica(dir); !st.ok())
      return st;  // finishes the wipe; a new replica follows
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Failed("creating", dir, ec.message());
  if (app_key.empty()) {
    if (HasWrappedKey(dir)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the replica in ", dir, " is encrypted: open it with its key (replica_key)"));
    }
    return ReplicaDisk();
  }
  if (app_key.size() != kReplicaKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the replica key must be ", kReplicaKeyBytes, " bytes, not ", app_key.size()));
  }
  if (HasWrappedKey(dir)) {
    auto data_key = OpenDataKey(dir, app_key);
    if (!data_key.ok()) return data_key.status();
    return Encrypted(*data_key);
  }
  if (!Exists(dir + "/CURRENT")) {  // a new replica
    auto data_key = CreateDataKey(dir, app_key);
    if (!data_key.ok()) return data_key.status();
    return Encrypted(*data_key);
  }
  // A plain replica, opened with a key for the first time: encrypted whole,
  // then swapped in.
  auto data_key = NewStaging(dir, app_key);
  if (!data_key.ok()) return data_key.status();
  ReplicaDisk d = Encrypted(*data_key);
  if (auto st = CopyReplica(dir, rocksdb::FileSystem::Default(), Staging(dir), d.files,
                            d.attachment_name_key);
      !st.ok()) {
    return st;
  }
  if (auto st = Recover(dir); !st.ok()) return st;
  d.migrated = true;
  return d;
}

absl::Status WipeReplica(const std::string& dir) {
  if (HasWrappedKey(dir)) {
    if (auto st = EraseWrappedKey(dir); !st.ok()) return st;
  }
  if (Exists(dir)) {
    if (auto st = Rename(dir, Wiping(dir)); !st.ok()) return st;
  }
  for (const std::string& folder : {Wiping(dir), Staging(dir), Old(dir)}) {
    if (auto st = ShredFolder(folder); !st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status RekeyReplica(const std::string& dir, const std::string& old_key,
                          const std::string& new_key) {
  if (auto st = Recover(dir); !st.ok()) return st;
  if (!HasWrappedKey(dir)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the replica in ", dir, " is not encrypted: open it with a key first"));
  }
  auto old_data_key = OpenDataKey(dir, old_key);
  if (!old_data_key.ok()) return old_data_key.status();
  auto new_data_key = NewStaging(dir, new_key);
  if (!new_data_key.ok()) return new_data_key.status();
  if (auto st = CopyReplica(dir, EncryptedFileSystem(*old_data_key), Staging(dir),
                            EncryptedFileSystem(*new_data_key), NameKeyOf(*new_data_key));
      !st.ok()) {
    return st;
  }
  return Recover(dir);
}

}  // namespace gridsync::sdk
