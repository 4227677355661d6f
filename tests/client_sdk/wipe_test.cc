// Wipe on revoke (issue 14): a device revoked as lost has its replica and
// attachments erased at its next contact, and the app is told; a plain
// revoke stops the phone and keeps its replica; a wipe cut short is
// finished by the next open.
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <filesystem>
#include <fstream>

#include "client_sdk/replica_disk.h"
#include "tests/client_sdk/sdk_test.h"
#include "tools/common/client.h"
#include "tools/common/sample_data.h"

namespace gridsync::testing {
namespace {

namespace fs = std::filesystem;

std::string NewKey() {
  std::string k(32, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(k.data()), 32);
  return k;
}

class WipeTest : public SdkTest {
 protected:
  void Revoke(const std::string& device, bool wipe) {
    ASSERT_TRUE(RevokeDevice(admin_.get(), admin_token_, device, wipe).ok());
  }
  // A phone with a synced visit, a photo, and a visit not yet sent.
  std::string Work(Phone& p) {
    SyncOk(p);
    const std::string sent = NewVisit(p, kGridA, 1);
    EXPECT_TRUE(p->AttachBytes(sent, tools::SampleJpeg(32 << 10, 5), {}).ok());
    SyncOk(p);
    return NewVisit(p, kGridA, 2);  // unsent
  }
};

TEST_F(WipeTest, ALostPhoneErasesItsReplicaAtItsNextContactAndTellsTheApp) {
  for (const bool encrypted : {true, false}) {
    SCOPED_TRACE(encrypted ? "encrypted replica" : "plain replica");
    Phone p = NewPhone(kGridA, "网格员甲");
    if (encrypted) {
      p.options.replica_key = NewKey();
      Reopen(p);
    }
    const std::string unsent = Work(p);
    ASSERT_TRUE(fs::exists(p.options.data_dir + "/attachments"));
    Revoke(p.options.device_id, /*wipe=*/true);

    auto r = p->Sync();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_NE(r.status().message().find("erased"), std::string::npos) << r.status();
    EXPECT_NE(r.status().message().find("reported lost"), std::string::npos) << r.status();
    EXPECT_TRUE(p->Wiped());
    EXPECT_FALSE(fs::exists(p.options.data_dir));
    EXPECT_FALSE(fs::exists(p.options.data_dir + ".wiping"));
    // Nothing is read from memory either, and nothing is written again.
    EXPECT_EQ(p->Get(unsent).status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_TRUE(p->List().empty());
    EXPECT_EQ(p->Stats().records, 0);
    EXPECT_EQ(p->Create(gridsync::v1::RECORD_KIND_VISIT, kGridA, Household(kGridA, 3), {})
                  .status()
                  .code(),
              absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(p->Sync().status().code(), absl::StatusCode::kPermissionDenied);
    p.client.reset();  // the app closes it: no crash, nothing written back
    EXPECT_FALSE(fs::exists(p.options.data_dir));
  }
}

TEST_F(WipeTest, APlainRevokeStopsThePhoneAndKeepsItsUnsentWork) {
  Phone p = NewPhone(kGridA, "网格员乙");
  const std::string unsent = Work(p);
  Revoke(p.options.device_id, /*wipe=*/false);
  auto r = p->Sync();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated) << r.status();
  EXPECT_FALSE(p->Wiped());
  Reopen(p);
  EXPECT_EQ(p->Stats().pending, 1);
  EXPECT_TRUE(p->Get(unsent).ok());
}

// Killed after the key went (the files are ciphertext no key opens), or
// after the folder was renamed for shredding: the next open finishes the
// wipe and starts an empty replica.
TEST_F(WipeTest, AWipeCutShortIsFinishedByTheNextOpen) {
  Phone p = NewPhone(kGridA, "网格员丙");
  p.options.replica_key = NewKey();
  Reopen(p);
  const std::string unsent = Work(p);
  p.client.reset();
  const std::string dir = p.options.data_dir;
  fs::remove(dir + "/replica.key");  // the wipe's first step, then a kill
  Reopen(p);
  EXPECT_EQ(p->Stats().records, 0);
  EXPECT_EQ(p->Stats().pending, 0);
  EXPECT_FALSE(p->Get(unsent).ok());
  p.client.reset();

  fs::create_directories(dir + ".wiping/attachments");
  std::ofstream(dir + ".wiping/000009.sst") << "a table half shredded";
  std::ofstream(dir + ".wiping/attachments/abc") << "a photo";
  Reopen(p);
  EXPECT_FALSE(fs::exists(dir + ".wiping"));
}

}  // namespace
}  // namespace gridsync::testing
