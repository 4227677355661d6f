#include "server/auth.h"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pwd.h>
#include <unistd.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/grpc_status.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/write_proof.h"
#include "server/log.h"

namespace gridsync::server {
namespace {
using gridsync::v1::OrgLevel;

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    abort();  // no randomness: refuse to make guessable tokens
  }
  return absl::BytesToHexString(raw);
}

OrgLevel ScopeLevelFor(Role role) {
  switch (role) {
    case gridsync::v1::ROLE_GRID_WORKER:
      return OrgLevel::ORG_LEVEL_GRID;
    case gridsync::v1::ROLE_VILLAGE_SECRETARY:
    case gridsync::v1::ROLE_CADRE:
      return OrgLevel::ORG_LEVEL_VILLAGE;
    case gridsync::v1::ROLE_TOWN_OFFICE:
      return OrgLevel::ORG_LEVEL_TOWN;
    case gridsync::v1::ROLE_COUNTY_JOB:
      return OrgLevel::ORG_LEVEL_COUNTY;
    default:
      return OrgLevel::ORG_LEVEL_UNSPECIFIED;
  }
}

}  // namespace

bool Principal::InScope(absl::string_view grid_code) const {
  for (const auto& p : prefixes) {
    if (absl::StartsWith(grid_code, p)) return true;
  }
  return false;
}

absl::StatusOr<std::string> Principal::Narrow(const std::string& scope_code) const {
  std::string prefix = core::ScopePrefix(scope_code);
  if (prefix.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scope_code '", scope_code.substr(0, 32), "' is not a county, town, village or grid code"));
  }
  if (!InScope(prefix)) {
    return absl::PermissionDeniedError(absl::StrCat(
        scope_code, " is outside this device's scope; ask for your own village or grids"));
  }
  return prefix;
}

bool Principal::CanWrite() const {
  switch (device.role()) {
    case gridsync::v1::ROLE_GRID_WORKER:
    case gridsync::v1::ROLE_VILLAGE_SECRETARY:
    case gridsync::v1::ROLE_TOWN_OFFICE:
    case gridsync::v1::ROLE_CADRE:
      return true;
    default:
      return false;
  }
}

std::string Authenticator::HashToken(absl::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
}

absl::Status Authenticator::Load() {
  auto devices = devices_->ListDevices();
  if (!devices.ok()) return devices.status();
  absl::MutexLock lock(&mu_);
  for (auto& d : *devices) {
    hash_of_device_[d.device_id()] = d.token_sha256();
    by_hash_[d.token_sha256()] = std::move(d);
  }
  return absl::OkStatus();
}

std::string ReleaseOf(absl::string_view user_agent) {
  const absl::string_view first = user_agent.substr(0, user_agent.find(' '));
  const size_t slash = first.find('/');
  if (!absl::StartsWith(first, "gridsync-") || slash == absl::string_view::npos) return "other";
  const absl::string_view program = first.substr(0, slash), release = first.substr(slash + 1);
  const auto ok = [](absl::string_view s, const char* extra) {
    if (s.empty() || s.size() > 32) return false;
    for (char c : s) {
      if (!absl::ascii_isalnum(c) && strchr(extra, c) == nullptr) return false;
    }
    return true;
  };
  if (!ok(program, "-") || !ok(release, ".+~-")) return "other";
  return absl::StrCat(program, " ", release);
}

absl::StatusOr<Principal> Authenticator::Authenticate(absl::string_view authorization,
                                                      absl::string_view user_agent) const {
  if (authorization.empty()) {
    return absl::UnauthenticatedError("missing 'authorization: Bearer <device token>' metadata");
  }
  if (!absl::ConsumePrefix(&authorization, "Bearer ")) {
    return absl::UnauthenticatedError("authorization must be 'Bearer <device token>'");
  }
  const std::string hash = HashToken(authorization);
  std::string release = ReleaseOf(user_agent);
  absl::MutexLock lock(&mu_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) {
    return absl::UnauthenticatedError("unknown device token; enrol the device again");
  }
  if (it->second.revoked() && it->second.wipe()) {
    return WithWipeOrder(absl::PermissionDeniedError(
        absl::StrCat("device ", it->second.device_id(),
                     " was reported lost: this phone's replica is to be erased")));
  }
  if (it->second.revoked()) {
    return absl::UnauthenticatedError(
        absl::StrCat("device ", it->second.device_id(), " was revoked; enrol it again"));
  }
  Seen& seen = seen_[it->second.device_id()];
  seen.ms = core::SystemWallMs();
  seen.release = std::move(release);
  return PrincipalFor(it->second);
}

Principal PrincipalFor(const gridsync::v1::Device& device) {
  Principal p{device, {}};
  if (p.device.role() == gridsync::v1::ROLE_ADMIN) {
    p.prefixes.push_back("");
  } else {
    for (const auto& code : p.device.scope_codes()) p.prefixes.push_back(core::ScopePrefix(code));
  }
  return p;
}

absl::StatusOr<Principal> Authenticator::PrincipalOf(const std::string& device_id) const {
  auto d = DeviceById(device_id);
  if (!d.ok()) return d.status();
  if (d->revoked()) {
    return absl::FailedPreconditionError(absl::StrCat("device ", device_id, " is revoked"));
  }
  return PrincipalFor(*d);
}

absl::Status Authenticator::RegisterSigningKey(const std::string& device_id,
                                               const std::string& public_key) {
  if (public_key.size() != core::kSigningKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("signing_key is ", public_key.size(),
                                                   " bytes; an Ed25519 public key is ",
                                                   core::kSigningKeyBytes));
  }
  return Update(device_id, [&](gridsync::v1::Device* d) -> absl::StatusOr<bool> {
    for (const auto& k : d->signing_keys()) {
      if (k == public_key) return false;
    }
    if (d->signing_keys_size() >= core::kMaxSigningKeysPerDevice) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "device ", device_id, " has ", d->signing_keys_size(),
          " signing keys registered, the most a device may: its writes from this replica are "
          "kept unsigned; enrol the phone again"));
    }
    d->add_signing_keys(public_key);
    LogInfo("device ", device_id, " registered signing key ", d->signing_keys_size());
    return true;
  });
}

absl::Status Authenticator::StillValid(const std::string& device_id) const {
  absl::MutexLock lock(&mu_);
  auto h = hash_of_device_.find(device_id);
  auto it = h == hash_of_device_.end() ? by_hash_.end() : by_hash_.find(h->second);
  if (it == by_hash_.end()) {
    return absl::UnauthenticatedError(absl::StrCat("device ", device_id, " is no longer enrolled"));
  }
  if (it->second.revoked() && it->second.wipe()) {
    return WithWipeOrder(absl::PermissionDeniedError(
        absl::StrCat("device ", device_id, " was reported lost while this call was open")));
  }
  if (it->second.revoked()) {
    return absl::UnauthenticatedError(
        absl::StrCat("device ", device_id, " was revoked while this call was open"));
  }
  return absl::OkStatus();
}

int Authenticator::ActiveDevices(int64_t window_ms) const {
  const int64_t since = core::SystemWallMs() - window_ms;
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const auto& [device, seen] : seen_) n += seen.ms >= since;
  return n;
}

std::map<std::string, int> Authenticator::ActiveDevicesByRelease(int64_t window_ms) const {
  const int64_t since = core::SystemWallMs() - window_ms;
  absl::MutexLock lock(&mu_);
  std::map<std::string, int> out;
  for (const auto& [device, seen] : seen_) {
    if (seen.ms >= since) ++out[seen.release];
  }
  return out;
}

absl::StatusOr<Authenticator::Enrolled> Authenticator::Enroll(
    Role role, const std::vector<std::string>& scope_codes, const std::string& holder,
    gridsync::v1::CadreKind cadre_kind) {
  if (role == gridsync::v1::ROLE_UNSPECIFIED || !gridsync::v1::Role_IsValid(role)) {
    return absl::InvalidArgumentError(
        "role must be grid_worker, village_secretary, town_office, county_job, cadre or admin");
  }
  if (holder.size() > 200) return absl::InvalidArgumentError("holder: at most 200 bytes");
  if ((role == gridsync::v1::ROLE_CADRE) != (cadre_kind != gridsync::v1::CADRE_KIND_UNSPECIFIED)) {
    return absl::InvalidArgumentError(
        role == gridsync::v1::ROLE_CADRE
            ? "cadre_kind: a cadre's device is a cadre's (CADRE_KIND_CADRE, 村干部) or a party "
              "member's (CADRE_KIND_PARTY_MEMBER, 党员)"
            : "cadre_kind: only a cadre's device (ROLE_CADRE) has one");
  }
  if (!gridsync::v1::CadreKind_IsValid(cadre_kind)) {
    return absl::InvalidArgumentError("cadre_kind: CADRE_KIND_CADRE or CADRE_KIND_PARTY_MEMBER");
  }
  const OrgLevel want = ScopeLevelFor(role);
  if (role == gridsync::v1::ROLE_ADMIN) {
    if (!scope_codes.empty()) return absl::InvalidArgumentError("scope: an admin has no scope");
  } else {
    const size_t max_codes = role == gridsync::v1::ROLE_GRID_WORKER ? 3 : 1;
    if (scope_codes.empty() || scope_codes.size() > max_codes) {
      return absl::InvalidArgumentError(absl::StrCat("scope: a ", Role_Name(role), " has 1",
                                                     max_codes > 1 ? " to 3 grid codes" : " code"));
    }
    for (const auto& code : scope_codes) {
      if (core::LevelOfCode(code) != want) {
        return absl::InvalidArgumentError(absl::StrCat("scope: ", code.substr(0, 32), " is not a ",
                                                       OrgLevel_Name(want), " code"));
      }
    }
    auto have = registry_->RegistryHas(scope_codes);
    if (!have.ok()) return have.status();
    for (size_t i = 0; i < scope_codes.size(); ++i) {
      if (!(*have)[i]) {
        return absl::FailedPreconditionError(absl::StrCat(
            "scope: ", scope_codes[i], " is not in the registry; import the org data first"));
      }
    }
  }
  gridsync::v1::Device d;
  d.set_device_id("dev-" + RandomHex(8));
  d.set_role(role);
  for (const auto& c : scope_codes) d.add_scope_codes(c);
  d.set_holder(holder);
  d.set_cadre_kind(cadre_kind);
  const std::string token = RandomHex(32);  // 256 random bits
  d.set_token_sha256(HashToken(token));
  d.set_enrolled_at_ms(core::SystemWallMs());
  if (auto st = devices_->PutDevice(d); !st.ok()) return st;
  {
    absl::MutexLock lock(&mu_);
    hash_of_device_[d.device_id()] = d.token_sha256();
    by_hash_[d.token_sha256()] = d;
  }
  LogInfo("enrolled ", d.device_id(), " as ", Role_Name(role), " for [",
          absl::StrJoin(scope_codes, ","), "] held by '", holder, "'");
  return Enrolled{d.device_id(), token};
}

absl::StatusOr<gridsync::v1::Device> Authenticator::DeviceById(const std::string& device_id) const {
  absl::MutexLock lock(&mu_);
  auto h = hash_of_device_.find(device_id);
  if (h == hash_of_device_.end()) {
    return absl::NotFoundError(absl::StrCat("no device ", device_id.substr(0, 64)));
  }
  return by_hash_.at(h->second);
}

absl::Status Authenticator::Update(
    const std::string& device_id,
    const std::function<absl::StatusOr<bool>(gridsync::v1::Device*)>& change) {
  absl::MutexLock one_writer(&update_mu_);
  auto d = DeviceById(device_id);
  if (!d.ok()) return d.status();
  auto changed = change(&*d);
  if (!changed.ok() || !*changed) return changed.status();
  if (auto st = devices_->PutDevice(*d); !st.ok()) return st;
  absl::MutexLock lock(&mu_);
  by_hash_[d->token_sha256()] = *d;
  return absl::OkStatus();
}

absl::Status Authenticator::Revoke(const std::string& device_id, bool wipe) {
  return Update(device_id, [&](gridsync::v1::Device* d) -> absl::StatusOr<bool> {
    d->set_revoked(true);
    d->set_revoked_at_ms(core::SystemWallMs());
    d->set_wipe(d->wipe() || wipe);
    LogInfo("revoked ", device_id,
            d->wipe() ? " as lost: its replica is erased at its next contact" : "");
    return true;
  });
}

absl::Status Authenticator::Reinstate(const std::string& device_id) {
  return Update(device_id, [&](gridsync::v1::Device* d) -> absl::StatusOr<bool> {
    if (d->wipe()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "device ", device_id,
          " was revoked as lost and is not reinstated: enrol the phone again if it was found"));
    }
    d->set_revoked(false);
    d->set_revoked_at_ms(0);
    LogInfo("reinstated ", device_id);
    return true;
  });
}

size_t Authenticator::DeviceCount() const {
  absl::MutexLock lock(&mu_);
  return by_hash_.size();
}

}  // namespace gridsync::server
