// Backups while the server serves, and restores of them, as an operator
// runs them: gridsyncctl backup / backups, gridsyncd restore.
#include "server/backup.h"

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "core/attachment.h"
#include "rocksdb/db.h"
#include "server/rocks_store.h"
#include "tests/server/server_process.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {

class BackupTest : public ServerTest {
 protected:
  std::vector<std::string> Ctl() const {
    return {GRIDSYNCCTL_PATH, "--server", addr(), "--token-file", dir_ + "/admin.token"};
  }
  int Run(std::vector<std::string> base, const std::vector<std::string>& args, std::string* out) {
    base.insert(base.end(), args.begin(), args.end());
    out->clear();
    return RunCommand(base, out, /*with_stderr=*/true);
  }
  // Pushes `n` visits from a new phone of grid A; returns their ids.
  std::vector<std::string> Write(int n) {
    auto phone = NewPhone(kGridA);
    std::vector<gridsync::v1::Mutation> ms;
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      ms.push_back(Visit(*phone, kGridA, 1 + i % 20));
      ids.push_back(ms.back().record_id());
    }
    auto r = phone->Push(ms);
    EXPECT_TRUE(r.ok()) << r.status();
    return ids;
  }
};

TEST_F(BackupTest, ABackupWhileServingRestoresToWhatItHeld) {
  const std::string backups = dir_ + "-backups";
  const auto first = Write(50);
  std::string out;
  // Backed up while a phone keeps pushing.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 20 && !stop.load(); ++i) Write(10);
  });
  ASSERT_EQ(Run(Ctl(), {"backup", "--to", backups}, &out), 0) << out;
  stop = true;
  writer.join();
  EXPECT_TRUE(absl::StrContains(out, "backup 1 in " + backups)) << out;
  EXPECT_TRUE(absl::StrContains(out, "verified")) << out;
  EXPECT_TRUE(absl::StrContains(
      out, "attachments: 0 new files (0.0 MB) copied into " + backups + "/blobs, 0 in all"))
      << out;
  const auto later = Write(30);
  ASSERT_EQ(Run(Ctl(), {"backup", "--to", backups, "--keep", "2"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "backup 2")) << out;
  EXPECT_TRUE(absl::StrContains(out, "2 kept")) << out;
  ASSERT_EQ(Run({GRIDSYNCCTL_PATH}, {"backups", "--in", backups}, &out), 0) << out;  // no server
  EXPECT_TRUE(absl::StrContains(out, "\n1 ")) << out;
  EXPECT_TRUE(absl::StrContains(out, "\n2 ")) << out;

  // Refused: another role, a relative path.
  const std::string worker = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty});
  const std::string worker_file = dir_ + "-job.token";
  std::ofstream(worker_file) << worker << "\n";
  EXPECT_EQ(Run({GRIDSYNCCTL_PATH, "--server", addr(), "--token-file", worker_file},
                {"backup", "--to", backups}, &out),
            1);
  EXPECT_TRUE(absl::StrContains(out, "PERMISSION_DENIED")) << out;
  EXPECT_EQ(Run(Ctl(), {"backup", "--to", "relative/dir"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "absolute path")) << out;

  // Restore backup 1 into a new directory and serve it: what was acked
  // before it began is there, what came after is not.
  const std::string restored = dir_ + "-restored";
  ASSERT_EQ(Run({GRIDSYNCD_PATH},
                {"restore", "--from", backups, "--backup", "1", "--data", restored}, &out),
            0)
      << out;
  EXPECT_NE(Run({GRIDSYNCD_PATH}, {"restore", "--from", backups, "--data", restored}, &out), 0);
  EXPECT_TRUE(absl::StrContains(out, "is not empty")) << out;
  std::filesystem::copy_file(dir_ + "/admin.token", restored + "/admin.token");
  {
    ServerProcess proc(restored);
    ASSERT_TRUE(proc.Start());
    const std::vector<std::string> ctl = {GRIDSYNCCTL_PATH, "--server", proc.addr(), "--token-file",
                                          restored + "/admin.token"};
    const std::string ids = dir_ + "-first.ids";
    {
      std::ofstream f(ids);
      for (const auto& id : first) f << id << "\n";
    }
    ASSERT_EQ(Run(ctl, {"verify", "--ids", ids}, &out), 0) << out;
    EXPECT_TRUE(absl::StrContains(out, "50 of 50 ids stored")) << out;
    {
      std::ofstream f(ids);
      for (const auto& id : later) f << id << "\n";
    }
    EXPECT_EQ(Run(ctl, {"verify", "--ids", ids}, &out), 1) << out;
    EXPECT_TRUE(absl::StrContains(out, "0 of 30 ids stored")) << out;
    EXPECT_EQ(proc.Kill(SIGTERM), 0);
  }
  {  // The restore is the restored store's last change: who, from where.
    auto store = server::RocksStore::Open(restored, {});
    ASSERT_TRUE(store.ok()) << store.status();
    const uint64_t last = (*store)->LastChangeSeq();
    auto page = (*store)->ReadChanges(last - 1, "", 1);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->seqs.size(), 1u);
    gridsync::v1::Change change;
    ASSERT_TRUE(change.ParseFromString(page->change_bytes[0]));
    const auto& act = change.admin();
    EXPECT_EQ(act.action(), "restore");
    EXPECT_EQ(act.subject(), backups);
    EXPECT_TRUE(absl::StrContains(act.by().holder(), "local user")) << act.by().holder();
    EXPECT_TRUE(absl::StrContains(act.detail(), "backup 1 of " + backups)) << act.detail();
    EXPECT_FALSE(std::filesystem::exists(restored + "/" + server::kRestoredMarker));
  }
  // The newest backup has them.
  const std::string newest = dir_ + "-newest";
  ASSERT_EQ(Run({GRIDSYNCD_PATH}, {"restore", "--from", backups, "--data", newest}, &out), 0)
      << out;
  std::filesystem::copy_file(dir_ + "/admin.token", newest + "/admin.token");
  ServerProcess proc(newest);
  ASSERT_TRUE(proc.Start());
  const std::string ids = dir_ + "-later.ids";
  {
    std::ofstream f(ids);
    for (const auto& id : later) f << id << "\n";
  }
  ASSERT_EQ(
      Run({GRIDSYNCCTL_PATH, "--server", proc.addr(), "--token-file", newest + "/admin.token"},
          {"verify", "--ids", ids}, &out),
      0)
      << out;
  EXPECT_EQ(proc.Kill(SIGTERM), 0);
}

TEST_F(BackupTest, CheckSaysPlainlyWhatIsWrong) {
  Write(40);
  StopServer(std::chrono::milliseconds(0));
  std::string out;
  ASSERT_EQ(Run({GRIDSYNCD_PATH}, {"check", "--data", dir_}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out,
                                "ok (table checksums, change log gap-free, coverage = records, "
                                "attachments = their hashes)"))
      << out;
  {  // an attachment's file damaged on disk
    const std::string sha(64, 'a');
    const std::string folder = dir_ + "/blobs/objects/aa/aa";
    std::filesystem::create_directories(folder);
    std::ofstream(folder + "/" + sha) << "not the bytes of that hash";
  }
  {  // an aggregate goes missing behind the server's back
    auto raw = OpenRawStore(dir_);
    ASSERT_NE(raw, nullptr);
    ASSERT_TRUE(
        raw->db->Delete(rocksdb::WriteOptions(), raw->cf[7], std::string("H") + kGridA).ok());
  }
  EXPECT_EQ(Run({GRIDSYNCD_PATH}, {"check", "--data", dir_}, &out), 1) << out;
  EXPECT_TRUE(absl::StrContains(out, std::string("PROBLEM: coverage key H") + kGridA +
                                         " is missing (the records count for it)"))
      << out;
  EXPECT_TRUE(absl::StrContains(
      out, "/blobs/objects/aa/aa/" + std::string(64, 'a') + ": its bytes hash to"))
      << out;
  EXPECT_TRUE(absl::StrContains(out, "PROBLEMS FOUND")) << out;
}

}  // namespace
}  // namespace gridsync::testing

namespace gridsync::testing {
namespace {

// Writes `bytes` as a blob file named by `name` under `objects` (the blob
// store's layout); returns its path.
std::string PutObject(const std::string& objects, const std::string& name,
                      const std::string& bytes) {
  const std::string dir = objects + "/" + name.substr(0, 2) + "/" + name.substr(2, 2);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
  return dir + "/" + name;
}

// Issue 24: a photo damaged in a backup was kept by the next backup
// ("verified, 0 new files") and restored without a word.
TEST_F(BackupTest, EveryPhotoIsHashedADamagedCopyCopiedAgainADamagedOriginalNamed) {
  const std::string from = dir_ + "-blobs/objects", to = dir_ + "-backup/blobs/objects";
  const std::string good = "good photo bytes", also = "another photo";
  const std::string good_sha = core::Sha256Hex(good), also_sha = core::Sha256Hex(also);
  PutObject(from, good_sha, good);
  const std::string original = PutObject(from, also_sha, also);
  auto copied = server::CopyBlobs(from, to);
  ASSERT_TRUE(copied.ok()) << copied.status();
  EXPECT_EQ(copied->copied, 2u);
  EXPECT_TRUE(copied->damaged.empty());

  // A bit flipped in the backup's copy: the next backup copies it again.
  const std::string copy = PutObject(to, good_sha, "good photo byteS");
  copied = server::CopyBlobs(from, to);
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ(copied->copied, 1u);
  EXPECT_EQ(copied->repaired, 1u);
  std::ifstream in(copy, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), good);

  // Damaged on the server itself: not copied, named.
  std::ofstream(original, std::ios::binary | std::ios::trunc) << "another photO";
  std::filesystem::remove(to + "/" + also_sha.substr(0, 2) + "/" + also_sha.substr(2, 2) + "/" +
                          also_sha);
  copied = server::CopyBlobs(from, to);
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ(copied->copied, 0u);
  ASSERT_EQ(copied->damaged.size(), 1u);
  EXPECT_EQ(copied->damaged[0], original);
  std::filesystem::remove_all(dir_ + "-blobs");
  std::filesystem::remove_all(dir_ + "-backup");
}

TEST_F(BackupTest, ARestoreRefusesABackupWithADamagedPhoto) {
  const std::string backups = dir_ + "-backups";
  std::string out;
  Write(5);
  ASSERT_EQ(Run(Ctl(), {"backup", "--to", backups}, &out), 0) << out;
  const std::string photo = "a photo";
  const std::string sha = core::Sha256Hex(photo);
  const std::string copy = PutObject(backups + "/blobs/objects", sha, photo);
  ASSERT_TRUE(server::RestoreBackup(backups, 0, dir_ + "-restored").ok());
  EXPECT_TRUE(std::filesystem::exists(dir_ + "-restored/blobs/objects/" + sha.substr(0, 2) + "/" +
                                      sha.substr(2, 2) + "/" + sha));
  std::ofstream(copy, std::ios::binary | std::ios::trunc) << "a photO";
  absl::Status st = server::RestoreBackup(backups, 0, dir_ + "-restored-again");
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(st.message(), "do not hash to their names")) << st.message();
  for (const char* d : {"-backups", "-restored", "-restored-again"}) {
    std::filesystem::remove_all(dir_ + d);
  }
}

}  // namespace
}  // namespace gridsync::testing
