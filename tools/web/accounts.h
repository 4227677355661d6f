// The console's people (gridsync-web): who may log in, and the device
// token each acts with on gridsyncd.
//
// How a person gets an account (README, "The township's console"):
//   1. The county's admin runs `gridsyncctl console-user --name 王芳 --scope
//      TOWN_CODE`: gridsyncd enrols a device for her (role town office, or
//      county job for a county code; her name as its holder) and the command
//      prints an activation code, "<device id>.<token>".
//   2. She opens the console, enters her name, the code and a password of
//      her own (激活). The console checks the code with gridsyncd, which
//      answers with her role and scope, and keeps her account.
//   3. From then on she logs in with her name and password.
//
// What the console keeps of an account, in <data>/accounts: her name, the
// device id, role and scope, and the token and her replica's key sealed
// with AES-256-GCM under a key derived from her password (PBKDF2-HMAC-
// SHA256, a random salt per account). The console's disk holds no usable
// credential: a copy of it gives neither the token nor the replica without
// the password, and a wrong password fails the GCM tag. A lost password is
// a new code (step 1 again; the old device is revoked with `gridsyncctl
// revoke`), which replaces the account.
//
// Thread-safe.
#ifndef GRIDSYNC_TOOLS_WEB_ACCOUNTS_H_
#define GRIDSYNC_TOOLS_WEB_ACCOUNTS_H_

#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gridsync/v1/registry.pb.h"

namespace gridsync::web {

struct Account {
  std::string name;  // as she logs in; the holder gridsyncd knows her device by
  std::string device_id;
  gridsync::v1::Role role = gridsync::v1::ROLE_UNSPECIFIED;
  std::string scope;  // the org code she sees (a town, or the county)
};

// What the password opens: never written in the clear.
struct AccountSecrets {
  std::string token;        // the device's bearer token
  std::string replica_key;  // 32 bytes: her replica's key at rest
};

// A password is at least this many characters (UTF-8 code points).
inline constexpr int kMinPasswordChars = 8;

// "<device id>.<token>" into its parts; INVALID_ARGUMENT when it is not one.
absl::StatusOr<std::pair<std::string, std::string>> ParseActivationCode(const std::string& code);

class AccountBook {
 public:
  // Reads <dir>/accounts (none yet: no accounts). DATA_LOSS names a line
  // that cannot be read.
  static absl::StatusOr<std::unique_ptr<AccountBook>> Open(const std::string& dir);

  std::optional<Account> Find(const std::string& name) const;

  // Keeps `account` with `secrets` sealed under `password`, replacing an
  // account of the same name; written and synced before it returns.
  // INVALID_ARGUMENT for a name with control characters or over 64 bytes, or
  // a password shorter than kMinPasswordChars.
  absl::Status Put(const Account& account, const AccountSecrets& secrets,
                   const std::string& password);

  // The secrets of `name` under `password`: UNAUTHENTICATED for an unknown
  // name or a wrong password (one message for both).
  absl::StatusOr<std::pair<Account, AccountSecrets>> Unlock(const std::string& name,
                                                            const std::string& password) const;

 private:
  struct Sealed {
    Account account;
    std::string salt, nonce, ciphertext;  // raw bytes; the GCM tag ends ciphertext
    int iterations = 0;
  };
  explicit AccountBook(std::string path) : path_(std::move(path)) {}
  absl::Status WriteLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  mutable absl::Mutex mu_;
  std::map<std::string, Sealed> accounts_ ABSL_GUARDED_BY(mu_);  // by name
};

}  // namespace gridsync::web

#endif  // GRIDSYNC_TOOLS_WEB_ACCOUNTS_H_
