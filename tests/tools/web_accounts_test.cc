// The console's accounts and sessions (tools/web/accounts.h, sessions.h):
// what the disk keeps opens only with the password, sessions end when they
// should, and guessing is slowed.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "tools/web/accounts.h"
#include "tools/web/sessions.h"

namespace gridsync::web {
namespace {

class WebAccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/web_accounts_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string FileText() {
    std::stringstream ss;
    ss << std::ifstream(dir_ + "/accounts").rdbuf();
    return ss.str();
  }

  std::string dir_;
  const Account wang_{"王芳𠮷", "dev-0123456789abcdef", gridsync::v1::ROLE_TOWN_OFFICE,
                      "410185100000"};
  const AccountSecrets secrets_{std::string(64, 'a'), std::string(32, '\x07')};
};

TEST_F(WebAccountsTest, TheRightPasswordOpensTheSecretsAfterAReopen) {
  auto book = AccountBook::Open(dir_);
  ASSERT_TRUE(book.ok()) << book.status();
  ASSERT_TRUE((*book)->Put(wang_, secrets_, "长城-password").ok());
  auto reopened = AccountBook::Open(dir_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto unlocked = (*reopened)->Unlock(wang_.name, "长城-password");
  ASSERT_TRUE(unlocked.ok()) << unlocked.status();
  EXPECT_EQ(unlocked->first.device_id, wang_.device_id);
  EXPECT_EQ(unlocked->first.role, wang_.role);
  EXPECT_EQ(unlocked->first.scope, wang_.scope);
  EXPECT_EQ(unlocked->second.token, secrets_.token);
  EXPECT_EQ(unlocked->second.replica_key, secrets_.replica_key);
}

TEST_F(WebAccountsTest, AWrongPasswordAndAnUnknownNameGetOneAnswer) {
  auto book = AccountBook::Open(dir_);
  ASSERT_TRUE((*book)->Put(wang_, secrets_, "长城-password").ok());
  auto wrong = (*book)->Unlock(wang_.name, "长城-passwore");
  auto unknown = (*book)->Unlock("李明", "长城-password");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
}

TEST_F(WebAccountsTest, TheFileHoldsNoTokenAndIsReadableOnlyByItsOwner) {
  auto book = AccountBook::Open(dir_);
  ASSERT_TRUE((*book)->Put(wang_, secrets_, "长城-password").ok());
  const std::string text = FileText();
  EXPECT_EQ(text.find(secrets_.token), std::string::npos);
  EXPECT_EQ(text.find("6161616161616161"), std::string::npos);  // nor its hex
  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/accounts").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
}

TEST_F(WebAccountsTest, ASealedSecretMovedToAnotherAccountDoesNotOpen) {
  auto book = AccountBook::Open(dir_);
  Account li = wang_;
  li.name = "李明";
  ASSERT_TRUE((*book)->Put(wang_, secrets_, "same-password").ok());
  ASSERT_TRUE((*book)->Put(li, secrets_, "same-password").ok());
  // Swap the sealed fields of the two lines (salt, nonce, ciphertext).
  std::vector<std::vector<std::string>> lines;
  std::stringstream in(FileText());
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string part; std::getline(ls, part, '\t');) f.push_back(part);
    lines.push_back(f);
  }
  ASSERT_EQ(lines.size(), 2u);
  for (int i = 5; i < 8; ++i) std::swap(lines[0][i], lines[1][i]);
  std::ofstream out(dir_ + "/accounts", std::ios::trunc);
  for (const auto& f : lines) {
    for (size_t i = 0; i < f.size(); ++i) out << (i ? "\t" : "") << f[i];
    out << "\n";
  }
  out.close();
  auto reopened = AccountBook::Open(dir_);
  ASSERT_TRUE(reopened.ok());
  EXPECT_FALSE((*reopened)->Unlock("李明", "same-password").ok());
  EXPECT_FALSE((*reopened)->Unlock(wang_.name, "same-password").ok());
}

TEST_F(WebAccountsTest, ADamagedFileIsDataLossNamingTheLine) {
  std::ofstream(dir_ + "/accounts") << "only\tthree\tfields\n";
  auto book = AccountBook::Open(dir_);
  EXPECT_EQ(book.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(book.status().message().find("line 1"), absl::string_view::npos);
}

TEST_F(WebAccountsTest, ShortPasswordsAndNamesWithTabsAreRefused) {
  auto book = AccountBook::Open(dir_);
  EXPECT_EQ((*book)->Put(wang_, secrets_, "短密码12345").code(), absl::StatusCode::kOk);
  EXPECT_EQ((*book)->Put(wang_, secrets_, "七个字的密码").code(),
            absl::StatusCode::kInvalidArgument);  // 6 characters, 18 bytes
  Account tabbed = wang_;
  tabbed.name = "王\t芳";
  EXPECT_EQ((*book)->Put(tabbed, secrets_, "long-enough").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(WebAccountsTest, ActivationCodesSplitAtTheirLastDot) {
  auto code = ParseActivationCode("dev-0a1b.6b37c2");
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(code->first, "dev-0a1b");
  EXPECT_EQ(code->second, "6b37c2");
  EXPECT_FALSE(ParseActivationCode("no-dot-here").ok());
  EXPECT_FALSE(ParseActivationCode("dev-0a1b.").ok());
}

TEST(WebSessionsTest, ASessionEndsWhenIdleAndAtLogout) {
  SessionTable t(std::chrono::seconds(1), std::chrono::seconds(60));
  const Session s = t.Start("王芳");
  EXPECT_EQ(s.id.size(), 64u);
  EXPECT_EQ(s.csrf.size(), 32u);
  EXPECT_TRUE(t.Touch(s.id).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_TRUE(t.Alive(s.id));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_FALSE(t.Alive(s.id)) << "asking whether it is alive is not a use";
  EXPECT_FALSE(t.Touch(s.id).has_value()) << "idle past its time";
  const Session s2 = t.Start("王芳");
  EXPECT_NE(s2.id, s.id);
  t.End(s2.id);
  EXPECT_FALSE(t.Touch(s2.id).has_value());
  EXPECT_FALSE(t.AnyFor("王芳"));
}

TEST(WebSessionsTest, ASessionEndsAtItsLifetimeEvenWhenUsed) {
  SessionTable t(std::chrono::seconds(60), std::chrono::seconds(1));
  const Session s = t.Start("王芳");
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(t.Touch(s.id).has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_FALSE(t.Touch(s.id).has_value());
  EXPECT_EQ(t.Expire(), std::vector<std::string>{}) << "already gone";
}

TEST(WebSessionsTest, FiveFailedLoginsStopTheNameForAWhile) {
  SessionTable t(std::chrono::seconds(60), std::chrono::seconds(60));
  for (int i = 0; i < kMaxFailures; ++i) {
    EXPECT_TRUE(t.MayTry("王芳"));
    t.Failed("王芳");
  }
  EXPECT_FALSE(t.MayTry("王芳"));
  EXPECT_TRUE(t.MayTry("李明")) << "another name is not stopped";
  t.Succeeded("王芳");
  EXPECT_TRUE(t.MayTry("王芳"));
}

}  // namespace
}  // namespace gridsync::web
