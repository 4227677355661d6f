// The server's blob store on its own: quota charges that survive a restart,
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

TEST_F(BlobStoreTest, TheDaysQuotaIsChargedOncePerBlobAndSurvivesARestart) {
  BlobStore::Options o;
  o.quota_bytes_per_day = 1000;
  auto s = Open(o);
  const std::string a = core::Sha256Hex("a"), b = core::Sha256Hex("b");
  ASSERT_TRUE(s->Admit("dev1", a, 600, "image/jpeg", 20261127).ok());
  ASSERT_TRUE(s->Admit("dev1", a, 600, "image/jpeg", 20261127).ok());  // a resume: not again
  EXPECT_EQ(s->Admit("dev1", b, 600, "image/jpeg", 20261127).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(s->Admit("dev2", b, 600, "image/jpeg", 20261127).ok());  // another device
  s.reset();
  s = Open(o);  // a restarted server keeps the day's charges
  EXPECT_EQ(s->Admit("dev1", b, 600, "image/jpeg", 20261127).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(s->Admit("dev1", b, 600, "image/jpeg", 20261128).ok());  // the next day
  EXPECT_EQ(s->Admit("dev1", b, 600, "image/gif", 20261128).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s->Admit("dev1", b, int64_t{11} << 20, "image/jpeg", 20261128).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(BlobStoreTest, AppendsAtTheHeldOffsetAndStoresOnlyTheRightHash) {
  auto s = Open();
  const std::string bytes = Jpeg(3000, 'x');
  const std::string sha = core::Sha256Hex(bytes);
  auto p = s->Append(sha, 3000, "image/jpeg", 0, bytes.substr(0, 1000));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->offset, 1000);
  EXPECT_EQ(s->Received(sha), 1000);
  EXPECT_EQ(s->Append(sha, 3000, "image/jpeg", 500, "yy").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s->Append(sha, 3000, "image/jpeg", 1000, std::string(2001, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);  // past the size
  p = s->Append(sha, 3000, "image/jpeg", 1000, bytes.substr(1000));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->stored);
  EXPECT_EQ(s->StoredSize(sha), 3000);
  auto read = s->Read(sha, 2990, 100);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes.substr(2990));
  // Another blob whose bytes do not hash to its name: discarded.
  const std::string other = core::Sha256Hex("other");
  EXPECT_EQ(s->Append(other, 3000, "image/jpeg", 0, bytes).status().code(),
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
