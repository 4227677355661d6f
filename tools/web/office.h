// One logged-in account's link to gridsyncd (gridsync-web): its token, the
// change feed of its scope (followed, so that pages update as phones sync)
// and, for the roles that act (a town office, a village secretary), a
// replica as their phone keeps one (the phone SDK: proposals to decide, and
// the writes the person makes, merged and synced as a phone's). A county
// job reads only, so it keeps no replica: a county's records would be
// gigabytes. Every read and write goes to gridsyncd under the account's own
// token, so the server, not the console, decides what it may see and do.
//
// Invariants:
// - version() grows by one after each batch of the feed's changes, once
//   the replica has pulled them: a page built after it sees them.
// - Each change the feed brings is told to the shared report cache before
//   version() moves, and the cache hears whether the feed is open.
//
// Thread-safe.
#ifndef GRIDSYNC_TOOLS_WEB_OFFICE_H_
#define GRIDSYNC_TOOLS_WEB_OFFICE_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gridsync/client.h"
#include "tools/common/report.h"
#include "tools/web/accounts.h"
#include "tools/web/report_cache.h"

namespace gridsync::web {

struct OfficeOptions {
  std::shared_ptr<grpc::Channel> channel;  // to gridsyncd
  std::string server_address;              // for the replica's own channel
  std::string tls_root_certs;              // PEM, as the tools take --tls-ca
  std::string data_dir;                    // the console's folder; replicas under replicas/
  core::ScoreWeights weights;              // the county's (--weights)
  std::shared_ptr<ReportCache> reports;    // shared by every office of the console
};

class Office {
 public:
  // Opens the replica of `account` and starts following its scope's feed.
  // The replica's first sync runs in the background (synced() says when).
  static absl::StatusOr<std::unique_ptr<Office>> Open(const OfficeOptions& options,
                                                      const Account& account,
                                                      const AccountSecrets& secrets);
  // Checks an activation code with gridsyncd and returns the role and
  // scope gridsyncd gives the device, with a fresh replica key; for a role
  // that acts, its replica is made and synced. UNAUTHENTICATED for a code
  // gridsyncd refuses; PERMISSION_DENIED for a role that has no console (a
  // grid worker's).
  static absl::StatusOr<std::pair<Account, AccountSecrets>> Activate(const OfficeOptions& options,
                                                                     const std::string& name,
                                                                     const std::string& device_id,
                                                                     const std::string& token);
  ~Office();  // stops following the feed

  const Account& account() const { return account_; }
  const std::string& token() const { return secrets_.token; }
  const std::shared_ptr<grpc::Channel>& channel() const { return options_.channel; }
  // The replica. REQUIRES: has_replica().
  sdk::Client& client() { return *client_; }
  bool has_replica() const { return client_ != nullptr; }

  uint64_t version() const;
  // Waits until version() is above `seen`, at most `timeout`; returns it.
  uint64_t WaitChange(uint64_t seen, std::chrono::milliseconds timeout) const;
  // When the replica last caught up with gridsyncd (ms since the epoch;
  // 0: not yet).
  int64_t synced_at_ms() const;
  // Whether the feed stream is open now (false: reconnecting; the page says so).
  bool following() const;
  // Set once gridsyncd refuses the account's token (its device revoked or
  // lost): why, for the page; the office then stops following. Empty
  // while the token is good.
  std::string refused() const;

  // The month's report of a town or the county (`scope`: the account's own,
  // or a town within it; gridsyncd refuses others), as `gridsyncctl
  // report` builds it; from the shared cache while no change came under
  // its scope (report_cache.h).
  absl::StatusOr<std::shared_ptr<const tools::MonthlyReport>> Report(const std::string& scope,
                                                                     const std::string& month);

  // The coverage of `scope` from this week's Monday (China time) until now,
  // from the shared cache while no change came under `scope`.
  absl::StatusOr<std::shared_ptr<const gridsync::v1::GetCoverageResponse>> WeekCoverage(
      const std::string& scope);

  // An attachment of a record (its bytes and content type) as gridsyncd's
  // BlobService hands it to this account: the attachment rules are the
  // server's.
  absl::StatusOr<std::pair<std::string, std::string>> ReadAttachment(const std::string& record_id,
                                                                     const std::string& sha256);

  // The name of an org unit of the scope (ListScopeUnits, asked once);
  // the code itself for one it does not know.
  std::string UnitName(const std::string& code);

  // Runs a write on the replica and syncs it at once, so gridsyncd has it
  // (and answers with its refusal, if any) before the page is told.
  // PERMISSION_DENIED for an account without a replica (it reads only).
  absl::Status Act(const std::function<absl::Status(sdk::Client&)>& write);

 private:
  Office(OfficeOptions options, Account account, AccountSecrets secrets);
  void Follow();
  absl::Status SyncNow();

  const OfficeOptions options_;
  const Account account_;
  const AccountSecrets secrets_;
  std::unique_ptr<sdk::Client> client_;

  mutable absl::Mutex mu_;
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t synced_at_ms_ ABSL_GUARDED_BY(mu_) = 0;
  bool following_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::string refused_ ABSL_GUARDED_BY(mu_);
  grpc::ClientContext* stream_ ABSL_GUARDED_BY(mu_) = nullptr;     // the open feed call, to cancel
  std::map<std::string, std::string> names_ ABSL_GUARDED_BY(mu_);  // org code -> name

  absl::Mutex act_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // one write and its sync at a time
  std::thread follower_;
};

}  // namespace gridsync::web

#endif  // GRIDSYNC_TOOLS_WEB_OFFICE_H_
