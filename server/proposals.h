// Approved registry proposals into the registry (core/proposal.h), inside
// the commit that approves them: the registry entry, its change-log entry
// and the coverage denominators move in the same WriteBatch as the record.
#ifndef GRIDSYNC_SERVER_PROPOSALS_H_
#define GRIDSYNC_SERVER_PROPOSALS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/record_state.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace gridsync::server {

// The approvals of one commit group. REQUIRES: used by the commit-queue
// leader only (registry imports run there too, so the registry it reads
// does not move under it).
class ProposalApplier {
 public:
  ProposalApplier(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* registry)
      : db_(db), registry_(registry) {}

  // Whether `state` is a registry proposal whose decision is approval.
  static bool IsApproved(const gridsync::v1::RecordState& state);

  // Writes the registry entry the approved proposal `state` makes into
  // `batch`, and returns it as a change to log; NOT_FOUND (nothing written)
  // when what it changes left the registry meanwhile.
  absl::StatusOr<gridsync::v1::RegistryChange> Apply(const gridsync::v1::RecordState& state,
                                                     rocksdb::WriteBatch* batch);

  // Households that became active (+1) or inactive (-1), per grid, for the
  // coverage denominators; and those now inactive / active again.
  const std::map<std::string, int64_t>& household_deltas() const { return deltas_; }
  const std::vector<std::string>& deactivated() const { return deactivated_; }

 private:
  // The stored (or earlier in this group) value under `key`; "" if none.
  absl::StatusOr<std::string> Read(const std::string& key);
  // The next free id under `prefix` ('h' + grid or 'p' + household) with
  // `digits` more digits.
  absl::StatusOr<std::string> NextId(const std::string& prefix, int digits);

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* registry_;
  std::map<std::string, std::string> written_;  // this group's registry writes
  std::map<std::string, int64_t> deltas_;
  std::vector<std::string> deactivated_;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_PROPOSALS_H_
