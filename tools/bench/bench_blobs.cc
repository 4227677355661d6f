// gridsync-bench-blobs: where photos should live (issue 11), measured. The
// same workload -- visit records of about 1 KB, each fifth with a photo of
// 0.2-3 MB of incompressible bytes, every write durable -- stored three ways:
//
//   cf      photos as values of their own column family of the store
//   blobdb  the same column family with RocksDB's integrated blob files
//   files   content-addressed files beside the store (ab/cd/<sha256>),
//           written to a temporary name, fsynced, renamed, directory fsynced
//
// For each: ingest time, bytes written to disk per byte stored (write
// amplification: WAL, flushes, compactions and files), a full compaction's
// time, and a backup's time and size, the first and then an incremental one
// after 10% more.
//
//   gridsync-bench-blobs [--mb 1024] [--dir /tmp/gridsync-bench-blobs] [--seed 1]
#include <fcntl.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/statistics.h"
#include "rocksdb/utilities/backup_engine.h"
#include "tools/common/flags.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

uint64_t DirBytes(const fs::path& dir) {
  uint64_t n = 0;
  if (!fs::exists(dir)) return 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) n += e.file_size();
  }
  return n;
}

std::string Sha256Hex(const std::string& data) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(d), SHA256_DIGEST_LENGTH));
}

void Check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) {
    fprintf(stderr, "gridsync-bench-blobs: %s: %s\n", what, s.ToString().c_str());
    exit(1);
  }
}

// Writes `data` as dir/ab/cd/<hash> once: temporary name, fsync, rename,
// fsync of the directory. Returns the bytes written (0 when present).
uint64_t PutFile(const fs::path& root, const std::string& hash, const std::string& data) {
  const fs::path dir = root / hash.substr(0, 2) / hash.substr(2, 2);
  const fs::path path = dir / hash;
  if (fs::exists(path)) return 0;
  fs::create_directories(dir);
  const fs::path tmp = dir / (hash + ".tmp");
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size()) ||
      fsync(fd) != 0) {
    perror("gridsync-bench-blobs: writing a photo file");
    exit(1);
  }
  close(fd);
  fs::rename(tmp, path);
  const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  fsync(dfd);
  close(dfd);
  return data.size();
}

struct Result {
  std::string layout;
  double ingest_s = 0, compact_s = 0, backup_s = 0, backup2_s = 0;
  uint64_t logical = 0, written = 0, on_disk = 0, backup_bytes = 0, backup2_bytes = 0;
};

// One layout: ingest `mb` of photos (with their records), then a full
// compaction, a backup, 10% more, and an incremental backup.
Result Run(const std::string& layout, const fs::path& base, int mb, uint64_t seed) {
  Result r;
  r.layout = layout;
  const fs::path dir = base / layout, db_dir = dir / "db", files = dir / "files",
                 backups = dir / "backups";
  fs::remove_all(dir);
  fs::create_directories(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.write_buffer_size = 64 << 20;
  options.statistics = rocksdb::CreateDBStatistics();
  rocksdb::ColumnFamilyOptions photos_cf = options;
  if (layout == "blobdb") {
    photos_cf.enable_blob_files = true;
    photos_cf.min_blob_size = 4096;
    photos_cf.blob_file_size = 256 << 20;
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, options},
                                                      {"photos", photos_cf}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  Check(rocksdb::DB::Open(options, db_dir.string(), cfs, &handles, &raw), "open");
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions sync;
  sync.sync = true;

  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> photo_size(200 << 10, 3 << 20);
  std::string record(1000, 'r');
  auto ingest = [&](uint64_t bytes) {
    uint64_t photos = 0, i = r.logical;
    while (photos < bytes) {
      ++i;
      const std::string id = absl::StrCat("01JDQ5", i);
      std::string photo;
      if (i % 5 == 0) {
        photo.resize(photo_size(rng));
        for (size_t k = 0; k + 8 <= photo.size(); k += 8) {
          const uint64_t v = rng();
          memcpy(&photo[k], &v, 8);
        }
        photos += photo.size();
      }
      rocksdb::WriteBatch batch;
      batch.Put(handles[0], id, record);
      if (!photo.empty()) {
        const std::string hash = Sha256Hex(photo);
        if (layout == "files") {
          r.written += PutFile(files, hash, photo);
        } else {
          batch.Put(handles[1], hash, photo);
        }
      }
      Check(db->Write(sync, &batch), "write");
      r.logical += record.size() + photo.size();
    }
  };
  auto t0 = Clock::now();
  ingest(static_cast<uint64_t>(mb) << 20);
  Check(db->Flush(rocksdb::FlushOptions(), handles), "flush");
  r.ingest_s = Since(t0);

  t0 = Clock::now();
  for (auto* h : handles) Check(db->CompactRange({}, h, nullptr, nullptr), "compact");
  r.compact_s = Since(t0);

  auto* stats = options.statistics.get();
  r.written += stats->getTickerCount(rocksdb::WAL_FILE_BYTES) +
               stats->getTickerCount(rocksdb::FLUSH_WRITE_BYTES) +
               stats->getTickerCount(rocksdb::COMPACT_WRITE_BYTES) +
               stats->getTickerCount(rocksdb::BLOB_DB_BLOB_FILE_BYTES_WRITTEN);
  r.on_disk = DirBytes(db_dir) + DirBytes(files);

  // Backups: BackupEngine for the store; for files beside it, a copy of the
  // files not yet in the backup (what rsync or a hard-link copy does).
  fs::create_directories(backups);
  rocksdb::BackupEngine* engine = nullptr;
  Check(rocksdb::BackupEngine::Open(rocksdb::Env::Default(),
                                    rocksdb::BackupEngineOptions(backups / "store"), &engine),
        "backup engine");
  std::unique_ptr<rocksdb::BackupEngine> be(engine);
  auto backup = [&]() {
    const auto b0 = Clock::now();
    Check(be->CreateNewBackup(db.get(), /*flush_before_backup=*/true), "backup");
    if (fs::exists(files)) {
      fs::copy(files, backups / "files",
               fs::copy_options::recursive | fs::copy_options::skip_existing);
    }
    return Since(b0);
  };
  r.backup_s = backup();
  r.backup_bytes = DirBytes(backups);
  ingest((static_cast<uint64_t>(mb) << 20) / 10);
  r.backup2_s = backup();
  r.backup2_bytes = DirBytes(backups) - r.backup_bytes;
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  db->Close();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const gridsync::tools::FlagSet flags = {
      "gridsync-bench-blobs",
      "usage: gridsync-bench-blobs [FLAGS]\n"
      "  photos stored, read and verified through the server's blob store\n",
      {{"--mb", "N", "megabytes of photos (1024)"},
       {"--dir", "DIR", "where (/tmp/gridsync-bench-blobs)"},
       {"--seed", "S", "the random seed (1)"}}};
  const gridsync::tools::Args args = gridsync::tools::ParseArgs(argc, argv, flags);
  int mb = 1024;
  uint64_t seed = 1;
  if (!args.error.empty() || !absl::SimpleAtoi(args.Get("--mb", "1024"), &mb) || mb < 1 ||
      !absl::SimpleAtoi(args.Get("--seed", "1"), &seed)) {
    return gridsync::tools::UsageError(flags, args.error);
  }
  const fs::path base = args.Get("--dir", "/tmp/gridsync-bench-blobs");
  printf(
      "%d MB of photos (0.2-3 MB each, incompressible) with a 1 KB record per visit, every "
      "write synced\n",
      mb);
  printf("%-7s %9s %9s %10s %11s %10s %11s %13s\n", "layout", "ingest", "MB/s", "write amp",
         "on disk MB", "compact s", "backup s/MB", "+10%: s/MB");
  for (const char* layout : {"cf", "blobdb", "files"}) {
    const Result r = Run(layout, base, mb, seed);
    printf("%-7s %8.1fs %9.1f %10.2f %11.0f %10.2f %5.1f/%-5.0f %7.1f/%-5.0f\n", layout, r.ingest_s,
           (r.logical >> 20) / r.ingest_s,
           static_cast<double>(r.written) / static_cast<double>(r.logical), r.on_disk / 1e6,
           r.compact_s, r.backup_s, r.backup_bytes / 1e6, r.backup2_s, r.backup2_bytes / 1e6);
    fflush(stdout);
  }
  fs::remove_all(base);
  return 0;
}
