#include "server/backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/durable_file.h"
#include "gridsync/v1/mutation.pb.h"
#include "rocksdb/utilities/backup_engine.h"
#include "server/local_actor.h"
#include "server/rocks_util.h"

namespace gridsync::server {
namespace {

constexpr char kSeqMeta[] = "last_change_seq=";

BackupEntry EntryOf(const rocksdb::BackupInfo& b) {
  BackupEntry e;
  e.id = b.backup_id;
  e.created_unix_s = b.timestamp;
  e.size_bytes = b.size;
  e.files = b.number_files;
  if (b.app_metadata.rfind(kSeqMeta, 0) == 0) {
    (void)absl::SimpleAtoi(b.app_metadata.substr(sizeof(kSeqMeta) - 1), &e.last_change_seq);
  }
  return e;
}

absl::Status FromIo(const rocksdb::IOStatus& s, absl::string_view what) {
  return FromRocks(rocksdb::Status(s), what);
}

absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> OpenReadOnly(
    const std::string& dir) {
  if (!std::filesystem::exists(dir)) {
    return absl::NotFoundError(absl::StrCat("no backups in ", dir, ": it does not exist"));
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  if (auto st = FromIo(rocksdb::BackupEngineReadOnly::Open(rocksdb::Env::Default(),
                                                           rocksdb::BackupEngineOptions(dir), &raw),
                       absl::StrCat("opening the backups in ", dir));
      !st.ok()) {
    return st;
  }
  return std::unique_ptr<rocksdb::BackupEngineReadOnly>(raw);
}

}  // namespace

absl::StatusOr<BackupEntry> BackupStore(rocksdb::DB* db, const std::string& dir, int keep,
                                        uint64_t last_change_seq) {
  if (dir.empty() || dir[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("backup directory '", dir, "' must be an absolute path on the server"));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create backup directory ", dir, ": ", ec.message()));
  }
  rocksdb::BackupEngine* raw = nullptr;
  if (auto st = FromIo(rocksdb::BackupEngine::Open(rocksdb::Env::Default(),
                                                   rocksdb::BackupEngineOptions(dir), &raw),
                       absl::StrCat("opening the backups in ", dir));
      !st.ok()) {
    return st;
  }
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  rocksdb::CreateBackupOptions options;
  options.flush_before_backup = true;  // no WAL replay needed to open a restore
  rocksdb::BackupID id = 0;
  if (auto st = FromIo(engine->CreateNewBackupWithMetadata(
                           options, db, absl::StrCat(kSeqMeta, last_change_seq), &id),
                       "backing up the store");
      !st.ok()) {
    return st;
  }
  if (auto st = FromIo(engine->VerifyBackup(id, /*verify_with_checksum=*/true),
                       absl::StrCat("verifying backup ", id));
      !st.ok()) {
    return st;
  }
  if (keep > 0) {
    if (auto st =
            FromIo(engine->PurgeOldBackups(static_cast<uint32_t>(keep)), "removing older backups");
        !st.ok()) {
      return st;
    }
  }
  rocksdb::BackupInfo info;
  if (auto st = FromRocks(engine->GetBackupInfo(id, &info), "reading the new backup"); !st.ok()) {
    return st;
  }
  return EntryOf(info);
}

absl::StatusOr<std::vector<BackupEntry>> ListBackups(const std::string& dir) {
  auto engine = OpenReadOnly(dir);
  if (!engine.ok()) return engine.status();
  std::vector<rocksdb::BackupInfo> infos;
  (*engine)->GetBackupInfo(&infos);
  std::vector<BackupEntry> out;
  for (const auto& b : infos) out.push_back(EntryOf(b));
  return out;
}

absl::Status RestoreBackup(const std::string& dir, uint32_t id, const std::string& data_dir) {
  if (std::filesystem::exists(data_dir) && !std::filesystem::is_empty(data_dir)) {
    return absl::FailedPreconditionError(
        absl::StrCat(data_dir,
                     " is not empty: restore into a new directory, then point "
                     "gridsyncd --data at it"));
  }
  auto backups = ListBackups(dir);
  if (!backups.ok()) return backups.status();
  if (backups->empty()) return absl::NotFoundError(absl::StrCat("no backups in ", dir));
  if (id == 0) id = backups->back().id;
  auto opened = OpenReadOnly(dir);
  if (!opened.ok()) return opened.status();
  const auto& engine = *opened;
  if (auto st = FromIo(engine->VerifyBackup(id, /*verify_with_checksum=*/true),
                       absl::StrCat("verifying backup ", id, " of ", dir));
      !st.ok()) {
    return st;
  }
  if (auto st = FromIo(engine->RestoreDBFromBackup(id, data_dir, data_dir),
                       absl::StrCat("restoring backup ", id, " into ", data_dir));
      !st.ok()) {
    return st;
  }
  const std::filesystem::path blobs = std::filesystem::path(dir) / "blobs" / "objects";
  if (std::filesystem::exists(blobs)) {
    auto copied =
        CopyBlobs(blobs.string(), (std::filesystem::path(data_dir) / "blobs" / "objects").string());
    if (!copied.ok()) return copied.status();
    if (!copied->damaged.empty()) {
      return absl::DataLossError(absl::StrCat(
          copied->damaged.size(), " attachments in the backup do not hash to their names (",
          copied->damaged.front(), (copied->damaged.size() > 1 ? ", …" : ""),
          "): the restore is refused; restore from an older backup, or copy good files of "
          "them into the backup first"));
    }
  }
  // What the store logs as the restore's AdminAct when it next opens.
  gridsync::v1::AdminAct act;
  act.set_action("restore");
  *act.mutable_by() = LocalActor();
  act.set_subject(dir);
  for (const auto& b : *backups) {
    if (b.id != id) continue;
    act.set_detail(absl::StrCat("backup ", id, " of ", dir, ", taken at unix time ",
                                b.created_unix_s, " (last change ", b.last_change_seq,
                                "), restored into ", data_dir));
  }
  std::ofstream marker(std::filesystem::path(data_dir) / kRestoredMarker, std::ios::binary);
  marker << act.SerializeAsString();
  marker.close();
  if (!marker) {
    return absl::InternalError(absl::StrCat("writing ", kRestoredMarker, " into ", data_dir,
                                            ": the restored store would keep its epoch"));
  }
  return absl::OkStatus();
}

namespace {

// Copies `from` to `dest` through a temporary name, synced. OK, or why not.
std::error_code CopyFileSynced(const std::filesystem::path& from,
                               const std::filesystem::path& dest) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dest.parent_path(), ec);
  const fs::path tmp = dest.string() + ".part";
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (!ec) {
    const int fd = ::open(tmp.c_str(), O_RDONLY);
    const bool synced = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!synced) ec = std::make_error_code(std::errc::io_error);
  }
  if (!ec) fs::rename(tmp, dest, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
  }
  return ec;
}

bool HashesToItsName(const std::filesystem::path& file) {
  int64_t size = 0;
  return gridsync::Sha256OfFile(file.string(), &size) == file.filename().string();
}

}  // namespace

absl::StatusOr<BlobCopy> CopyBlobs(const std::string& from_objects, const std::string& to_objects) {
  namespace fs = std::filesystem;
  BlobCopy out;
  std::error_code ec;
  if (!fs::exists(from_objects, ec)) return out;  // a store without attachments
  fs::recursive_directory_iterator it(from_objects, ec), end;
  for (; it != end; it.increment(ec)) {
    if (ec) {
      return absl::UnavailableError(absl::StrCat("listing ", from_objects, ": ", ec.message()));
    }
    if (!it->is_regular_file()) continue;
    ++out.total;
    const fs::path rel = fs::relative(it->path(), from_objects);
    const fs::path dest = fs::path(to_objects) / rel;
    // Every copy is checked against its name, the one there already too: a
    // damaged copy is copied again; a damaged original is not copied.
    if (fs::exists(dest)) {
      if (HashesToItsName(dest)) continue;
      ++out.repaired;
    }
    if (!HashesToItsName(it->path())) {
      out.damaged.push_back(it->path().string());
      if (fs::exists(dest)) --out.repaired;
      continue;
    }
    if (ec = CopyFileSynced(it->path(), dest); ec) {
      return absl::UnavailableError(absl::StrCat("copying attachment ", it->path().string(), " to ",
                                                 dest.string(), ": ", ec.message()));
    }
    ++out.copied;
    out.bytes += fs::file_size(dest, ec);
  }
  return out;
}

}  // namespace gridsync::server
