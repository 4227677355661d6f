#include "client_sdk/replica_crypto.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/durable_file.h"
#include "rocksdb/env_encryption.h"

namespace gridsync::sdk {
namespace {

// replica.key: magic, the GCM nonce, the wrapped data key, the GCM tag.
constexpr char kKeyMagic[] = "GSRK1\n";  // 6 bytes
constexpr size_t kKeyMagicLen = 6;
constexpr size_t kNonceLen = 12, kTagLen = 16;
constexpr char kKeyAad[] = "gridsync replica data key v1";
constexpr char kErasedMagic[] = "GSRK-ERASED\n";  // replica.key after EraseWrappedKey

// Each file's header: magic and its IV, then zeros to a page.
constexpr size_t kPrefixLen = 4096;
constexpr char kFileMagic[] = "GSENC1\n\n";  // 8 bytes
constexpr size_t kFileMagicLen = 8;
constexpr size_t kIvLen = 16;

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

// AES-256-CTR from the file's IV, at any byte offset: the counter is the IV
// plus the offset's block number (a 128-bit big-endian sum), and the first
// offset % 16 bytes of that block's keystream are skipped. Encrypting and
// decrypting are the same operation.
class CtrStream final : public rocksdb::BlockAccessCipherStream {
 public:
  CtrStream(const std::string& key, const char* iv) : key_(key) { memcpy(iv_, iv, kIvLen); }

  size_t BlockSize() override { return 16; }
  rocksdb::Status Encrypt(uint64_t offset, char* data, size_t size) override {
    return Xor(offset, data, size);
  }
  rocksdb::Status Decrypt(uint64_t offset, char* data, size_t size) override {
    return Xor(offset, data, size);
  }

 protected:
  void AllocateScratch(std::string&) override {}
  rocksdb::Status EncryptBlock(uint64_t block, char* data, char*) override {
    return Xor(block * 16, data, 16);
  }
  rocksdb::Status DecryptBlock(uint64_t block, char* data, char*) override {
    return Xor(block * 16, data, 16);
  }

 private:
  rocksdb::Status Xor(uint64_t offset, char* data, size_t size) const {
    unsigned char counter[kIvLen];
    memcpy(counter, iv_, kIvLen);
    uint64_t add = offset / 16;
    unsigned carry = 0;
    for (int i = static_cast<int>(kIvLen) - 1; i >= 0; --i) {
      const unsigned sum = counter[i] + static_cast<unsigned>(add & 0xff) + carry;
      counter[i] = static_cast<unsigned char>(sum & 0xff);
      carry = sum >> 8;
      add >>= 8;
    }
    CipherCtx c;
    int n = 0;
    if (c.ctx == nullptr ||
        EVP_EncryptInit_ex(c.ctx, EVP_aes_256_ctr(), nullptr,
                           reinterpret_cast<const unsigned char*>(key_.data()), counter) != 1) {
      return rocksdb::Status::IOError("AES-256-CTR could not be set up");
    }
    if (const size_t skip = offset % 16; skip > 0) {
      unsigned char waste[16];
      if (EVP_EncryptUpdate(c.ctx, waste, &n, waste, static_cast<int>(skip)) != 1) {
        return rocksdb::Status::IOError("AES-256-CTR failed");
      }
    }
    auto* p = reinterpret_cast<unsigned char*>(data);
    for (size_t done = 0; done < size;) {
      const int chunk = static_cast<int>(std::min<size_t>(size - done, 1 << 30));
      if (EVP_EncryptUpdate(c.ctx, p + done, &n, p + done, chunk) != 1) {
        return rocksdb::Status::IOError("AES-256-CTR failed");
      }
      done += static_cast<size_t>(chunk);
    }
    return rocksdb::Status::OK();
  }

  const std::string key_;
  unsigned char iv_[kIvLen];
};

class CtrProvider final : public rocksdb::EncryptionProvider {
 public:
  explicit CtrProvider(std::string key) : key_(std::move(key)) {}
  const char* Name() const override { return "GridsyncAes256Ctr"; }
  size_t GetPrefixLength() const override { return kPrefixLen; }

  rocksdb::Status CreateNewPrefix(const std::string&, char* prefix, size_t len) const override {
    if (len < kPrefixLen) return rocksdb::Status::InvalidArgument("prefix too short");
    memset(prefix, 0, len);
    memcpy(prefix, kFileMagic, kFileMagicLen);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(prefix + kFileMagicLen), kIvLen) != 1) {
      return rocksdb::Status::IOError("no random bytes for a file's IV");
    }
    return rocksdb::Status::OK();
  }

  rocksdb::Status AddCipher(const std::string&, const char*, size_t, bool) override {
    return rocksdb::Status::NotSupported("the replica's key is fixed when it is opened");
  }

  rocksdb::Status CreateCipherStream(
      const std::string& fname, const rocksdb::EnvOptions&, rocksdb::Slice& prefix,
      std::unique_ptr<rocksdb::BlockAccessCipherStream>* result) override {
    if (prefix.size() < kFileMagicLen + kIvLen ||
        memcmp(prefix.data(), kFileMagic, kFileMagicLen) != 0) {
      return rocksdb::Status::Corruption(
          absl::StrCat(fname, " is not a file of an encrypted replica"));
    }
    *result = std::make_unique<CtrStream>(key_, prefix.data() + kFileMagicLen);
    return rocksdb::Status::OK();
  }

 private:
  const std::string key_;
};

constexpr char kDisk[] = "the phone's";

std::string KeyPath(const std::string& dir) { return dir + "/" + kReplicaKeyFile; }

// Writes `bytes` to `path` through a temporary file, synced, then renamed.
absl::Status WriteSynced(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  if (auto st = gridsync::AppendSynced(tmp, bytes, /*truncate=*/true, kDisk); !st.ok()) return st;
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return gridsync::ErrnoStatus("renaming", tmp, kDisk);
  return gridsync::SyncDir(std::filesystem::path(path).parent_path().string(), kDisk);
}

absl::Status CheckAppKey(const std::string& app_key) {
  if (app_key.size() != kReplicaKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the replica key must be ", kReplicaKeyBytes, " bytes, not ", app_key.size()));
  }
  return absl::OkStatus();
}

}  // namespace

bool HasWrappedKey(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::exists(KeyPath(dir), ec);
}

absl::Status EraseWrappedKey(const std::string& dir) {
  const std::string path = KeyPath(dir);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    std::string mark(kKeyMagicLen + kNonceLen + kReplicaKeyBytes + kTagLen, '\0');
    memcpy(mark.data(), kErasedMagic, strlen(kErasedMagic));
    const bool ok =
        ::pwrite(fd, mark.data(), mark.size(), 0) == static_cast<ssize_t>(mark.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return absl::UnavailableError(absl::StrCat("cannot overwrite ", path));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::UnavailableError(absl::StrCat("cannot remove ", path));
  }
  return gridsync::SyncDir(dir, kDisk);
}

bool KeyErased(const std::string& dir) {
  std::ifstream in(KeyPath(dir), std::ios::binary);
  std::string head(strlen(kErasedMagic), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  return in.gcount() == static_cast<std::streamsize>(head.size()) && head == kErasedMagic;
}

absl::StatusOr<std::string> CreateDataKey(const std::string& dir, const std::string& app_key) {
  if (auto st = CheckAppKey(app_key); !st.ok()) return st;
  std::string data_key(kReplicaKeyBytes, '\0');
  unsigned char nonce[kNonceLen];
  if (RAND_bytes(reinterpret_cast<unsigned char*>(data_key.data()), kReplicaKeyBytes) != 1 ||
      RAND_bytes(nonce, kNonceLen) != 1) {
    return absl::UnavailableError("no random bytes for the replica's data key");
  }
  std::string out(kKeyMagic, kKeyMagicLen);
  out.append(reinterpret_cast<const char*>(nonce), kNonceLen);
  std::string wrapped(kReplicaKeyBytes, '\0');
  unsigned char tag[kTagLen];
  CipherCtx c;
  int n = 0;
  const bool ok =
      c.ctx != nullptr &&
      EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(app_key.data()), nonce) == 1 &&
      EVP_EncryptUpdate(c.ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(kKeyAad),
                        static_cast<int>(strlen(kKeyAad))) == 1 &&
      EVP_EncryptUpdate(c.ctx, reinterpret_cast<unsigned char*>(wrapped.data()), &n,
                        reinterpret_cast<const unsigned char*>(data_key.data()),
                        static_cast<int>(kReplicaKeyBytes)) == 1 &&
      EVP_EncryptFinal_ex(c.ctx, tag, &n) == 1 &&
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagLen, tag) == 1;
  if (!ok) return absl::InternalError("AES-256-GCM could not wrap the replica's data key");
  out += wrapped;
  out.append(reinterpret_cast<const char*>(tag), kTagLen);
  if (auto st = WriteSynced(KeyPath(dir), out); !st.ok()) return st;
  return data_key;
}

absl::StatusOr<std::string> OpenDataKey(const std::string& dir, const std::string& app_key) {
  if (auto st = CheckAppKey(app_key); !st.ok()) return st;
  std::ifstream in(KeyPath(dir), std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), {});
  if (file.size() != kKeyMagicLen + kNonceLen + kReplicaKeyBytes + kTagLen ||
      file.compare(0, kKeyMagicLen, kKeyMagic) != 0) {
    return absl::DataLossError(absl::StrCat(KeyPath(dir), " is damaged (", file.size(),
                                            " bytes): the replica cannot be opened"));
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(file.data() + kKeyMagicLen);
  const auto* wrapped = nonce + kNonceLen;
  unsigned char tag[kTagLen];
  memcpy(tag, wrapped + kReplicaKeyBytes, kTagLen);
  std::string data_key(kReplicaKeyBytes, '\0');
  CipherCtx c;
  int n = 0;
  const bool set_up =
      c.ctx != nullptr &&
      EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(app_key.data()), nonce) == 1 &&
      EVP_DecryptUpdate(c.ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(kKeyAad),
                        static_cast<int>(strlen(kKeyAad))) == 1 &&
      EVP_DecryptUpdate(c.ctx, reinterpret_cast<unsigned char*>(data_key.data()), &n, wrapped,
                        static_cast<int>(kReplicaKeyBytes)) == 1 &&
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagLen, tag) == 1;
  if (!set_up) return absl::InternalError("AES-256-GCM could not be set up");
  if (EVP_DecryptFinal_ex(c.ctx, tag, &n) != 1) {
    return absl::PermissionDeniedError(
        "the replica key does not open this replica (a wrong key, or another phone's folder)");
  }
  return data_key;
}

bool IsEncryptedFileHeader(std::string_view head) {
  return head.size() >= kFileMagicLen &&
         head.substr(0, kFileMagicLen) == std::string_view(kFileMagic, kFileMagicLen);
}

std::shared_ptr<rocksdb::FileSystem> EncryptedFileSystem(const std::string& data_key) {
  return rocksdb::NewEncryptedFS(rocksdb::FileSystem::Default(),
                                 std::make_shared<CtrProvider>(data_key));
}

}  // namespace gridsync::sdk
