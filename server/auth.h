// Device tokens and scopes (DESIGN.md section 7).
#ifndef GRIDSYNC_SERVER_AUTH_H_
#define GRIDSYNC_SERVER_AUTH_H_

#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/registry.pb.h"
#include "server/store.h"

namespace gridsync::server {

using gridsync::v1::Role;

// Who is calling, and which grid-code prefixes they may read and write.
struct Principal {
  gridsync::v1::Device device;
  std::vector<std::string> prefixes;  // empty string: everything (admin)

  bool InScope(absl::string_view grid_code) const;
  // The code prefix of `scope_code` (a county, town, village or grid) when
  // this caller may see it: INVALID_ARGUMENT for a code that is none of
  // those, PERMISSION_DENIED for one outside the device's scope.
  absl::StatusOr<std::string> Narrow(const std::string& scope_code) const;
  bool CanWrite() const;  // grid workers, village secretaries, town offices
  bool IsAdmin() const { return device.role() == gridsync::v1::ROLE_ADMIN; }
  // Who this caller is, for the audit trail (Change.by, AdminAct.by).
  gridsync::v1::Actor actor() const {
    gridsync::v1::Actor a;
    a.set_device_id(device.device_id());
    a.set_holder(device.holder());
    return a;
  }
};

// The author a device's writes carry (Mutation.author): its holder, or its
// id when it has none.
inline std::string AuthorOf(const gridsync::v1::Device& d) {
  return d.holder().empty() ? d.device_id() : d.holder();
}

// "gridsync-sdk 0.26.0" from a gRPC user agent that begins
// "gridsync-sdk/0.26.0 " (common/version.h); "other" when it does not begin
// with a gridsync program and a release of at most 32 characters
// [0-9A-Za-z.+~-], so that a client cannot make the metrics page grow.
std::string ReleaseOf(absl::string_view user_agent);

// The principal of an enrolled device, as Authenticate makes it.
Principal PrincipalFor(const gridsync::v1::Device& device);

class Authenticator {
 public:
  Authenticator(DeviceStore* devices, RegistryStore* registry)
      : devices_(devices), registry_(registry) {}

  // Loads enrolled devices from the store.
  absl::Status Load();

  // `authorization` is the request's "authorization" metadata value.
  // UNAUTHENTICATED when missing, malformed, unknown or revoked;
  // PERMISSION_DENIED with the wipe order when revoked as lost. An
  // authenticated call is noted as the device's last, with the release its
  // `user_agent` names (ReleaseOf).
  absl::StatusOr<Principal> Authenticate(absl::string_view authorization,
                                         absl::string_view user_agent = {}) const;

  // Whether `device_id`, authenticated before, may still go on: what a long
  // call (a feed stream) asks as it runs, so that a revocation ends it.
  // UNAUTHENTICATED when revoked or gone; PERMISSION_DENIED with the wipe
  // order when revoked as lost.
  absl::Status StillValid(const std::string& device_id) const;

  // With a client CA (gridsyncd --tls-client-ca), a county job's token is
  // good only over a connection with a verified client certificate: a token
  // copied off the county's machine is not enough on its own.
  void RequireJobCertificates() { job_certificates_ = true; }

  // An enrolled device that is not revoked, as if it called: whose writes
  // another replica brings back (SyncService.Refill) are checked as its own
  // push of them would be. NOT_FOUND for none; FAILED_PRECONDITION when
  // revoked.
  absl::StatusOr<Principal> PrincipalOf(const std::string& device_id) const;

  // Registers `public_key` (core/write_proof.h) as one the device signs its
  // writes with; nothing when it is registered already. INVALID_ARGUMENT
  // for a key that is not 32 bytes; RESOURCE_EXHAUSTED when the device has
  // core::kMaxSigningKeysPerDevice keys.
  absl::Status RegisterSigningKey(const std::string& device_id, const std::string& public_key);

  // Devices whose token was used in the last `window_ms` (metrics).
  int ActiveDevices(int64_t window_ms) const;
  // The same devices by the program and release their last call named
  // ("gridsync-sdk 0.26.0"; "other" for a client that names none).
  std::map<std::string, int> ActiveDevicesByRelease(int64_t window_ms) const;
  bool job_certificates() const { return job_certificates_; }

  struct Enrolled {
    std::string device_id;
    std::string token;
  };
  // Checks the scope against the role and the registry. A cadre's device
  // (ROLE_CADRE) needs `cadre_kind`; INVALID_ARGUMENT for one given to
  // another role.
  absl::StatusOr<Enrolled> Enroll(
      Role role, const std::vector<std::string>& scope_codes, const std::string& holder,
      gridsync::v1::CadreKind cadre_kind = gridsync::v1::CADRE_KIND_UNSPECIFIED);
  // The enrolled device `device_id`, revoked or not; NOT_FOUND for none.
  absl::StatusOr<gridsync::v1::Device> DeviceById(const std::string& device_id) const;
  // With `wipe`, the device is lost: Authenticate then answers its token
  // with PERMISSION_DENIED carrying the wipe order (common/grpc_status.h).
  absl::Status Revoke(const std::string& device_id, bool wipe = false);
  // Lets a revoked device in again. FAILED_PRECONDITION for one revoked as
  // lost: its phone may have erased its replica already; enrol it again.
  absl::Status Reinstate(const std::string& device_id);
  size_t DeviceCount() const;

  static std::string HashToken(absl::string_view token);

 private:
  // Reads the device, lets `change` edit it (true: it did), stores and
  // serves it. One update at a time, so that a key registered while the
  // device is revoked cannot undo the revocation.
  absl::Status Update(const std::string& device_id,
                      const std::function<absl::StatusOr<bool>(gridsync::v1::Device*)>& change);

  DeviceStore* devices_;
  RegistryStore* registry_;
  bool job_certificates_ = false;
  absl::Mutex update_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // held through each Update
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, gridsync::v1::Device> by_hash_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::string> hash_of_device_ ABSL_GUARDED_BY(mu_);
  struct Seen {
    int64_t ms = 0;       // the device's last authenticated call
    std::string release;  // what that call's user agent named (ReleaseOf)
  };
  mutable std::unordered_map<std::string, Seen> seen_ ABSL_GUARDED_BY(mu_);  // by device id
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_AUTH_H_
