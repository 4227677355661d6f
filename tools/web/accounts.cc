#include "tools/web/accounts.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>

#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/durable_file.h"
#include "core/utf8.h"

namespace gridsync::web {
namespace {

constexpr char kDisk[] = "the console's data folder";
// PBKDF2 rounds: about 0.1 s on the machines counties run; a guessed
// password costs an attacker holding the file the same.
constexpr int kIterations = 200000;
constexpr int kSaltBytes = 16, kNonceBytes = 12, kTagBytes = 16, kKeyBytes = 32;

std::string RandomBytes(int n) {
  std::string b(static_cast<size_t>(n), '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(b.data()), n) != 1) abort();
  return b;
}

std::string DeriveKey(const std::string& password, const std::string& salt, int iterations) {
  std::string key(kKeyBytes, '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), kKeyBytes,
                    reinterpret_cast<unsigned char*>(key.data()));
  return key;
}

// AES-256-GCM of `plain` under `key`: ciphertext then tag. `aad` binds the
// account's name and device, so a sealed blob moved to another line fails.
std::string Seal(const std::string& key, const std::string& nonce, const std::string& aad,
                 const std::string& plain) {
  std::string out(plain.size() + kTagBytes, '\0');
  auto* ctx = EVP_CIPHER_CTX_new();
  int len = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr,
                     reinterpret_cast<const unsigned char*>(key.data()),
                     reinterpret_cast<const unsigned char*>(nonce.data()));
  EVP_EncryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                    static_cast<int>(aad.size()));
  EVP_EncryptUpdate(ctx, o, &len, reinterpret_cast<const unsigned char*>(plain.data()),
                    static_cast<int>(plain.size()));
  EVP_EncryptFinal_ex(ctx, o + len, &len);
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, o + plain.size());
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

std::optional<std::string> OpenSealed(const std::string& key, const std::string& nonce,
                                      const std::string& aad, const std::string& sealed) {
  if (sealed.size() < kTagBytes) return std::nullopt;
  const size_t n = sealed.size() - kTagBytes;
  std::string plain(n, '\0');
  auto* ctx = EVP_CIPHER_CTX_new();
  int len = 0;
  EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr,
                     reinterpret_cast<const unsigned char*>(key.data()),
                     reinterpret_cast<const unsigned char*>(nonce.data()));
  EVP_DecryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                    static_cast<int>(aad.size()));
  EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(plain.data()), &len,
                    reinterpret_cast<const unsigned char*>(sealed.data()), static_cast<int>(n));
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, const_cast<char*>(sealed.data() + n));
  const bool ok =
      EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(plain.data()), &len) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return std::nullopt;
  return plain;
}

std::string Aad(const Account& a) { return absl::StrCat(a.name, "\n", a.device_id); }

int CodePoints(const std::string& s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool HexField(absl::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0 || hex.find_first_not_of("0123456789abcdef") != absl::string_view::npos)
    return false;
  *out = absl::HexStringToBytes(hex);
  return true;
}

}  // namespace

absl::StatusOr<std::pair<std::string, std::string>> ParseActivationCode(const std::string& code) {
  const size_t dot = code.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == code.size() || code.size() > 200) {
    return absl::InvalidArgumentError(
        "激活码的格式是 “设备号.令牌”, 由县里管理员用 gridsyncctl console-user 生成, 请整段复制");
  }
  return std::make_pair(code.substr(0, dot), code.substr(dot + 1));
}

absl::StatusOr<std::unique_ptr<AccountBook>> AccountBook::Open(const std::string& dir) {
  std::unique_ptr<AccountBook> book(new AccountBook(dir + "/accounts"));
  std::ifstream in(book->path_);
  std::string line;
  absl::MutexLock lock(
      &book->mu_);  // nobody else holds the book yet; the fields' rule all the same
  for (int n = 1; std::getline(in, line); ++n) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    Sealed s;
    int role = 0;
    if (f.size() != 8 || !absl::SimpleAtoi(f[2], &role) || !absl::SimpleAtoi(f[4], &s.iterations) ||
        !HexField(f[5], &s.salt) || !HexField(f[6], &s.nonce) || !HexField(f[7], &s.ciphertext) ||
        !gridsync::v1::Role_IsValid(role)) {
      return absl::DataLossError(absl::StrCat(book->path_, " line ", n,
                                              " cannot be read; restore the file from a backup"));
    }
    s.account = {f[0], f[1], static_cast<gridsync::v1::Role>(role), f[3]};
    book->accounts_[f[0]] = std::move(s);
  }
  return book;
}

std::optional<Account> AccountBook::Find(const std::string& name) const {
  absl::MutexLock l(&mu_);
  auto it = accounts_.find(name);
  if (it == accounts_.end()) return std::nullopt;
  return it->second.account;
}

absl::Status AccountBook::Put(const Account& account, const AccountSecrets& secrets,
                              const std::string& password) {
  if (account.name.empty() || account.name.size() > 64 || !core::IsValidUtf8(account.name) ||
      account.name.find_first_of(std::string("\t\n\r\0", 4)) != std::string::npos) {
    return absl::InvalidArgumentError("姓名: 1 到 64 字节的文字, 不含制表符和换行");
  }
  if (CodePoints(password) < kMinPasswordChars) {
    return absl::InvalidArgumentError(absl::StrCat("密码至少 ", kMinPasswordChars, " 个字符"));
  }
  Sealed s;
  s.account = account;
  s.iterations = kIterations;
  s.salt = RandomBytes(kSaltBytes);
  s.nonce = RandomBytes(kNonceBytes);
  s.ciphertext = Seal(DeriveKey(password, s.salt, s.iterations), s.nonce, Aad(account),
                      absl::StrCat(secrets.token, "\n", secrets.replica_key));
  absl::MutexLock l(&mu_);
  auto before = accounts_;
  accounts_[account.name] = std::move(s);
  absl::Status st = WriteLocked();
  if (!st.ok()) accounts_ = std::move(before);
  return st;
}

absl::StatusOr<std::pair<Account, AccountSecrets>> AccountBook::Unlock(
    const std::string& name, const std::string& password) const {
  const auto refused = absl::UnauthenticatedError("姓名或密码不对");
  Sealed s;
  {
    absl::MutexLock l(&mu_);
    auto it = accounts_.find(name);
    if (it == accounts_.end()) {
      DeriveKey(password, std::string(kSaltBytes, '\0'), kIterations);  // the same time as a miss
      return refused;
    }
    s = it->second;
  }
  auto plain =
      OpenSealed(DeriveKey(password, s.salt, s.iterations), s.nonce, Aad(s.account), s.ciphertext);
  if (!plain) return refused;
  const size_t nl = plain->find('\n');
  if (nl == std::string::npos)
    return absl::DataLossError("the account's sealed secrets are damaged");
  return std::make_pair(s.account, AccountSecrets{plain->substr(0, nl), plain->substr(nl + 1)});
}

absl::Status AccountBook::WriteLocked() const {
  std::string text;
  for (const auto& [name, s] : accounts_) {
    absl::StrAppend(&text, name, "\t", s.account.device_id, "\t", static_cast<int>(s.account.role),
                    "\t", s.account.scope, "\t", s.iterations, "\t", absl::BytesToHexString(s.salt),
                    "\t", absl::BytesToHexString(s.nonce), "\t",
                    absl::BytesToHexString(s.ciphertext), "\n");
  }
  const std::string tmp = path_ + ".new";
  if (auto st = gridsync::AppendSynced(tmp, text, /*truncate=*/true, kDisk); !st.ok()) return st;
  if (::rename(tmp.c_str(), path_.c_str()) != 0)
    return gridsync::ErrnoStatus("renaming", tmp, kDisk);
  return gridsync::SyncDir(path_.substr(0, path_.rfind('/')), kDisk);
}

}  // namespace gridsync::web
