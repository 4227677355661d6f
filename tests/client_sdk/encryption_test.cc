// The replica at rest (issue 14): with a key, no file under the replica's
// folder holds what the grid worker's phone knows in plain bytes; a wrong
// key is a clear error; a plain replica is encrypted with all it holds,
// also when the first try was killed; a new key re-encrypts it.
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "client_sdk/replica_disk.h"
#include "core/attachment.h"
#include "tests/client_sdk/sdk_test.h"
#include "tools/common/client.h"
#include "tools/common/sample_data.h"

namespace gridsync::testing {
namespace {

namespace fs = std::filesystem;

// What must not be readable on a lost phone: a household head's name and
// address (with characters outside the BMP), a visit's notes, and text
// inside a photo.
constexpr char kHeadName[] = "𠮷𡒄英";
constexpr char kAddress[] = "登封市𡒄家村十八号院";
constexpr char kNotes[] = "户主说邻居家漏水，已约定周六调解 𠮷";
constexpr char kPhotoText[] = "PHOTO-SECRET-签名-𠮷";

std::string NewKey() {
  std::string k(32, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(k.data()), 32);
  return k;
}

// UTF-16 (little or big endian) of UTF-8 text.
std::string Utf16(const std::string& utf8, bool big_endian) {
  std::u32string cps;
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    const int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    cps.push_back(cp);
    i += static_cast<size_t>(n);
  }
  std::string out;
  auto unit = [&](uint16_t u) {
    out.push_back(static_cast<char>(big_endian ? u >> 8 : u & 0xFF));
    out.push_back(static_cast<char>(big_endian ? u & 0xFF : u >> 8));
  };
  for (char32_t cp : cps) {
    if (cp < 0x10000) {
      unit(static_cast<uint16_t>(cp));
    } else {
      cp -= 0x10000;
      unit(static_cast<uint16_t>(0xD800 + (cp >> 10)));
      unit(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    }
  }
  return out;
}

// The files under `dir` holding any of `texts` in UTF-8 or UTF-16, as
// "file: text".
std::vector<std::string> PlainHits(const std::string& dir, const std::vector<std::string>& texts) {
  std::vector<std::string> hits;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    for (const auto& t : texts) {
      for (const std::string& form : {t, Utf16(t, false), Utf16(t, true)}) {
        if (bytes.find(form) != std::string::npos) {
          hits.push_back(e.path().filename().string() + ": " + t);
          break;
        }
      }
    }
  }
  return hits;
}

class EncryptionTest : public SdkTest {
 protected:
  void SetUp() override {
    SdkTest::SetUp();
    gridsync::v1::ImportRegistryRequest req;
    auto* h = req.add_households();
    h->set_household_id(Household(kGridA, 90));
    h->set_grid_code(kGridA);
    h->set_head_name(kHeadName);
    h->set_address(kAddress);
    Import(req);
  }

  // A day's work on the phone: the grid's registry synced, a visit with
  // notes and a photo, all pushed, then the app closed.
  std::string Work(Phone& p) {
    SyncOk(p);
    auto id = p->Create(
        gridsync::v1::RECORD_KIND_VISIT, kGridA, Household(kGridA, 90),
        {F("visited_at_ms", tools::IntValue(p->NowMs())),
         F("talked_with_household", tools::BoolValue(true)), F("notes", tools::StrValue(kNotes))});
    EXPECT_TRUE(id.ok()) << id.status();
    auto ref = p->AttachBytes(*id, Photo(), {.file_name = "门口.jpg"});
    EXPECT_TRUE(ref.ok()) << ref.status();
    SyncOk(p);
    return *id;
  }
  static std::string Photo() { return tools::SampleJpeg(64 << 10, 3) + kPhotoText; }
  std::vector<std::string> Secrets() const { return {kHeadName, kAddress, kNotes, kPhotoText}; }
};

TEST_F(EncryptionTest, NoFileOfAnEncryptedReplicaHoldsWhatThePhoneKnowsInPlainBytes) {
  // The same day on a plain replica: the names are there to find, so the
  // scan would see them.
  Phone plain = NewPhone(kGridA, "网格员甲");
  Work(plain);
  plain.client.reset();
  EXPECT_GE(PlainHits(plain.options.data_dir, Secrets()).size(), 3u);

  Phone p = NewPhone(kGridA, "网格员乙");
  p.options.replica_key = NewKey();
  Reopen(p);
  const std::string visit = Work(p);
  const auto held = p->Get(visit);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_NE(held->SerializeAsString().find("漏水"), std::string::npos);
  auto photo = p->ReadAttachment(visit, core::Sha256Hex(Photo()));
  ASSERT_TRUE(photo.ok()) << photo.status();
  EXPECT_EQ(*photo, Photo());
  EXPECT_EQ(p->FetchAttachment(visit, core::Sha256Hex(Photo())).status().code(),
            absl::StatusCode::kFailedPrecondition);
  p.client.reset();  // the app closed: the WAL and the memtables' contents on disk
  EXPECT_EQ(PlainHits(p.options.data_dir, Secrets()), std::vector<std::string>{});
  EXPECT_TRUE(fs::exists(p.options.data_dir + "/replica.key"));

  // Opened again with its key, it holds the same.
  Reopen(p);
  auto again = p->Get(visit);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), held->SerializeAsString());
}

// Issue 24: one flipped ciphertext bit made `gridsync-phone fetch` write a
// different file and print the original hash; RocksDB's LOG lay beside the
// encrypted tables in plaintext.
TEST_F(EncryptionTest, AChangedAttachmentIsNeverHandedOutAndNoPlaintextLogIsKept) {
  Phone p = NewPhone(kGridA, "网格员乙");
  p.options.replica_key = NewKey();
  Reopen(p);
  const std::string visit = Work(p);
  const std::string sha = core::Sha256Hex(Photo());
  // Its file is not named by the photo's hash, which the server and the
  // county know: the one file in the folder is it.
  EXPECT_FALSE(fs::exists(p.options.data_dir + "/attachments/" + sha));
  std::string file;
  for (const auto& e : fs::directory_iterator(p.options.data_dir + "/attachments")) {
    file = e.path().string();
  }
  ASSERT_FALSE(file.empty());
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 + 1000);  // past the IV header, inside the photo
    char c = 0;
    f.read(&c, 1);
    f.seekp(4096 + 1000);
    c ^= 0x01;
    f.write(&c, 1);
  }
  // Read as the record names it: the changed copy is fetched again.
  auto photo = p->ReadAttachment(visit, sha);
  ASSERT_TRUE(photo.ok()) << photo.status();
  EXPECT_EQ(*photo, Photo());
  p.client.reset();
  for (const auto& e : fs::directory_iterator(p.options.data_dir)) {
    const std::string name = e.path().filename().string();
    EXPECT_FALSE(name == "LOG" || absl::StartsWith(name, "LOG.old")) << name;
  }
  // With the server out of reach, a changed copy is an error, never other
  // bytes. (One bit flipped: writing a fixed byte left the file as it was
  // once in 256 runs, when the ciphertext held that byte already.)
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(4096 + 2000);
    char c = 0;
    f.read(&c, 1);
    f.seekp(4096 + 2000);
    c ^= 0x01;
    f.write(&c, 1);
  }
  StopServer(std::chrono::milliseconds(0));
  Reopen(p);
  photo = p->ReadAttachment(visit, sha);
  EXPECT_FALSE(photo.ok()) << "handed out bytes that are not the photo";
}

TEST_F(EncryptionTest, AWrongKeyOrNoKeyIsAClearErrorAndChangesNothing) {
  Phone p = NewPhone(kGridA, "网格员乙");
  const std::string key = NewKey();
  p.options.replica_key = key;
  Reopen(p);
  const std::string visit = Work(p);
  p.client.reset();

  sdk::ClientOptions o = p.options;
  o.replica_key = NewKey();
  auto wrong = sdk::Client::Open(o);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(wrong.status().message().find("does not open this replica"), std::string::npos);
  o.replica_key = "";
  auto none = sdk::Client::Open(o);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition) << none.status();
  o.replica_key = "short";
  EXPECT_EQ(sdk::Client::Open(o).status().code(), absl::StatusCode::kInvalidArgument);

  p.options.replica_key = key;
  Reopen(p);
  EXPECT_TRUE(p->Get(visit).ok());
}

TEST_F(EncryptionTest, APlainReplicaIsEncryptedWithItsUnsentWorkOnTheFirstOpenWithAKey) {
  Phone p = NewPhone(kGridA, "网格员丙");
  SyncOk(p);
  // Offline work the server has not seen: two visits and a photo.
  const std::string v1 = NewVisit(p, kGridA, 1);
  auto v2 = p->Create(
      gridsync::v1::RECORD_KIND_VISIT, kGridA, Household(kGridA, 90),
      {F("visited_at_ms", tools::IntValue(p->NowMs())), F("notes", tools::StrValue(kNotes))});
  ASSERT_TRUE(v2.ok());
  ASSERT_TRUE(p->AttachBytes(*v2, Photo(), {}).ok());  // a third write: the photo's reference
  ASSERT_EQ(p->Stats().pending, 3);
  p.client.reset();

  p.options.replica_key = NewKey();
  Reopen(p);  // encrypts the replica
  EXPECT_FALSE(fs::exists(p.options.data_dir + ".old"));
  EXPECT_FALSE(fs::exists(p.options.data_dir + ".encrypting"));
  EXPECT_EQ(p->Stats().pending, 3);
  auto photo = p->ReadAttachment(*v2, core::Sha256Hex(Photo()));
  ASSERT_TRUE(photo.ok()) << photo.status();
  EXPECT_EQ(*photo, Photo());
  auto r = p->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->pushed, 3);
  EXPECT_EQ(r->attachments_uploaded, 1);
  ExpectSameAsServer(p, v1);
  ExpectSameAsServer(p, *v2);
  p.client.reset();
  EXPECT_EQ(PlainHits(p.options.data_dir, Secrets()), std::vector<std::string>{});
}

// A phone killed while its replica was being encrypted: an unfinished copy
// is thrown away and made again; a finished one is swapped in.
TEST_F(EncryptionTest, AnInterruptedEncryptionIsRedoneOrFinishedOnTheNextOpen) {
  Phone p = NewPhone(kGridA, "网格员丁");
  SyncOk(p);
  const std::string visit = NewVisit(p, kGridA, 2);  // unsent
  p.client.reset();
  const std::string dir = p.options.data_dir;
  const std::string plain_copy = dir + "-plain-copy";
  fs::copy(dir, plain_copy, fs::copy_options::recursive);

  // Killed part-way through the copy: a staging folder without its mark.
  fs::create_directories(dir + ".encrypting");
  std::ofstream(dir + ".encrypting/000007.log") << "half a copy";
  p.options.replica_key = NewKey();
  Reopen(p);
  EXPECT_EQ(p->Stats().pending, 1);
  p.client.reset();

  // Killed after the copy was complete, before the swap: the encrypted copy
  // (with its mark) is staged beside the plain folder.
  fs::rename(dir, dir + ".encrypting");
  fs::rename(plain_copy, dir);
  Reopen(p);
  EXPECT_FALSE(fs::exists(dir + ".encrypting"));
  EXPECT_FALSE(fs::exists(dir + ".old"));
  EXPECT_TRUE(fs::exists(dir + "/replica.key"));
  EXPECT_EQ(p->Stats().pending, 1);
  EXPECT_TRUE(p->Get(visit).ok());
  auto r = p->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->pushed, 1);
}

TEST_F(EncryptionTest, ANewKeyReencryptsTheReplicaAndTheOldOneOpensNothing) {
  Phone p = NewPhone(kGridA, "网格员戊");
  const std::string old_key = NewKey(), new_key = NewKey();
  p.options.replica_key = old_key;
  Reopen(p);
  const std::string visit = Work(p);
  const std::string unsent = NewVisit(p, kGridA, 4);
  p.client.reset();
  const std::string dir = p.options.data_dir;
  std::ifstream in(dir + "/replica.key", std::ios::binary);
  const std::string wrapped_before((std::istreambuf_iterator<char>(in)), {});

  EXPECT_EQ(sdk::Client::Rekey(dir, new_key, new_key).code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(sdk::Client::Rekey(dir, old_key, new_key).ok());
  EXPECT_FALSE(fs::exists(dir + ".old"));
  EXPECT_FALSE(fs::exists(dir + ".encrypting"));
  sdk::ClientOptions o = p.options;
  EXPECT_EQ(sdk::Client::Open(o).status().code(), absl::StatusCode::kPermissionDenied);
  p.options.replica_key = new_key;
  Reopen(p);
  EXPECT_TRUE(p->Get(visit).ok());
  EXPECT_EQ(p->Stats().pending, 1);
  auto photo = p->ReadAttachment(visit, core::Sha256Hex(Photo()));
  ASSERT_TRUE(photo.ok()) << photo.status();
  EXPECT_EQ(*photo, Photo());
  auto r = p->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->pushed, 1);
  ExpectSameAsServer(p, unsent);
  p.client.reset();
  EXPECT_EQ(PlainHits(dir, Secrets()), std::vector<std::string>{});
}

// Neither side writes a supervised person's name, guardian or contact, a
// household's head or address, or what a check observed into its logs (the
// server's and the SDK's share this process's stderr here).
TEST_F(EncryptionTest, SensitiveFieldsNeverReachEitherSidesLogs) {
  const std::string name = "𡒄某某", guardian = "监护人𠮷妈 13800138000";
  const std::string observed = "情绪激动，说要找𠮷家算账";
  ::testing::internal::CaptureStderr();
  gridsync::v1::ImportRegistryRequest req;
  auto* person = req.add_persons();
  person->set_person_id(Person(kGridA, 90));
  person->set_household_id(Household(kGridA, 90));
  person->set_name(name);
  person->set_guardian(guardian);
  person->set_category(gridsync::v1::PERSON_CATEGORY_SEVERE_MENTAL_DISORDER);
  person->set_risk_level(3);
  Import(req);
  Phone p = NewPhone(kGridA, "网格员己");
  p.options.replica_key = NewKey();
  Reopen(p);
  SyncOk(p);
  auto check =
      p->Create(gridsync::v1::RECORD_KIND_SPECIAL_CHECK, kGridA, Person(kGridA, 90),
                {F("checked_at_ms", tools::IntValue(p->NowMs())),
                 F("risk_level", tools::IntValue(3)), F("observed", tools::StrValue(observed))});
  ASSERT_TRUE(check.ok()) << check.status();
  // One refused too: a check of a person the registry does not have.
  ASSERT_TRUE(p->Create(gridsync::v1::RECORD_KIND_SPECIAL_CHECK, kGridA, Person(kGridA, 91),
                        {F("checked_at_ms", tools::IntValue(p->NowMs())),
                         F("observed", tools::StrValue(observed))})
                  .ok());
  SyncOk(p);
  EXPECT_EQ(p->Rejected().size(), 1u);
  Reopen(p);
  EXPECT_TRUE(GetRecord(*check).has_state());
  const std::string logs = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(logs.find("level=info"), std::string::npos);  // the logs were captured
  for (const std::string& secret : {name, guardian, std::string("13800138000"), observed,
                                    std::string(kHeadName), std::string(kAddress)}) {
    EXPECT_EQ(logs.find(secret), std::string::npos) << secret << " in:\n" << logs;
  }
}

}  // namespace
}  // namespace gridsync::testing
