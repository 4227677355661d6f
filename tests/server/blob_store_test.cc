// The server's blob store on its own: quota charges by the bytes received
// that survive a restart,
// offsets, verification, abandoned uploads.
#include "server/blob_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/attachment.h"

namespace gridsync::server {
namespace {

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/blob-store-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<BlobStore> Open(BlobStore::Options o = {}) {
    auto s = BlobStore::Open(dir_, o);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::string dir_;
};

std::string Jpeg(size_t n, char fill) {
  std::string b("\xFF\xD8\xFF\xE0", 4);
  b.resize(n, fill);
  return b;
}

TEST_F(BlobStoreTest, TheDaysQuotaIsChargedByTheBytesReceivedAndSurvivesARestart) {
  BlobStore::Options o;
  o.quota_bytes_per_day = 1000;
  auto s = Open(o);
  const std::string a = Jpeg(600, 'a'), b = Jpeg(600, 'b');
  const std::string sa = core::Sha256Hex(a), sb = core::Sha256Hex(b);
  constexpr int kDay = 20261127;
  ASSERT_TRUE(s->Admit("dev1", sa, 600, "image/jpeg", kDay).ok());
  ASSERT_TRUE(s->Append("dev1", kDay, sa, 600, "image/jpeg", 0, a.substr(0, 300)).ok());
  ASSERT_TRUE(s->Admit("dev1", sa, 600, "image/jpeg", kDay).ok());  // a resume: 300 to come
  ASSERT_TRUE(s->Append("dev1", kDay, sa, 600, "image/jpeg", 300, a.substr(300)).ok());
  // 600 charged: another 600 does not fit, whether admitted or sent.
  EXPECT_EQ(s->Admit("dev1", sb, 600, "image/jpeg", kDay).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s->Append("dev1", kDay, sb, 600, "image/jpeg", 0, b).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s->Received(sb), 0);  // nothing of a refused chunk is kept
  EXPECT_TRUE(s->Admit("dev2", sb, 600, "image/jpeg", kDay).ok());  // another device
  s.reset();
  s = Open(o);  // a restarted server keeps the day's charges
  EXPECT_EQ(s->Admit("dev1", sb, 600, "image/jpeg", kDay).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(s->Admit("dev1", sb, 600, "image/jpeg", kDay + 1).ok());  // the next day
  EXPECT_EQ(s->Admit("dev1", sb, 600, "image/gif", kDay + 1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s->Admit("dev1", sb, int64_t{11} << 20, "image/jpeg", kDay + 1).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(BlobStoreTest, StoredInfoGivesTheSizeAndTheTypeTheBytesShow) {
  auto s = Open();
  const std::string bytes = Jpeg(700, 'z');
  const std::string sha = core::Sha256Hex(bytes);
  EXPECT_FALSE(s->StoredInfo(sha));
  ASSERT_TRUE(s->Append("dev1", 20261127, sha, 700, "image/jpeg", 0, bytes).ok());
  auto info = s->StoredInfo(sha);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, 700);
  EXPECT_EQ(info->content_type, "image/jpeg");
}

TEST_F(BlobStoreTest, AppendsAtTheHeldOffsetAndStoresOnlyTheRightHash) {
  auto s = Open();
  const std::string bytes = Jpeg(3000, 'x');
  const std::string sha = core::Sha256Hex(bytes);
  auto p = s->Append("dev1", 20261127, sha, 3000, "image/jpeg", 0, bytes.substr(0, 1000));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->offset, 1000);
  EXPECT_EQ(s->Received(sha), 1000);
  EXPECT_EQ(s->Append("dev1", 20261127, sha, 3000, "image/jpeg", 500, "yy").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s->Append("dev1", 20261127, sha, 3000, "image/jpeg", 1000, std::string(2001, 'x'))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);  // past the size
  p = s->Append("dev1", 20261127, sha, 3000, "image/jpeg", 1000, bytes.substr(1000));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->stored);
  EXPECT_EQ(s->StoredSize(sha), 3000);
  auto read = s->Read(sha, 2990, 100);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes.substr(2990));
  // Another blob whose bytes do not hash to its name: discarded.
  const std::string other = core::Sha256Hex("other");
  EXPECT_EQ(s->Append("dev1", 20261127, other, 3000, "image/jpeg", 0, bytes).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(s->Received(other), 0);
  EXPECT_FALSE(s->StoredSize(other));
}

TEST_F(BlobStoreTest, UploadsNotResumedFor30DaysAreRemovedAtOpen) {
  Open();
  const std::string old_one = dir_ + "/partial/" + core::Sha256Hex("old");
  const std::string fresh = dir_ + "/partial/" + core::Sha256Hex("fresh");
  std::ofstream(old_one) << "partial";
  std::ofstream(fresh) << "partial";
  std::filesystem::last_write_time(
      old_one, std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 31));
  Open();
  EXPECT_FALSE(std::filesystem::exists(old_one));
  EXPECT_TRUE(std::filesystem::exists(fresh));
}

}  // namespace
}  // namespace gridsync::server
