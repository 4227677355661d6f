// The one way the RocksDB store's parts write to the change log besides a
// push or a refill (internal to the store).
#ifndef GRIDSYNC_SERVER_LOGGED_WRITE_H_
#define GRIDSYNC_SERVER_LOGGED_WRITE_H_

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "gridsync/v1/mutation.pb.h"
#include "rocksdb/write_batch.h"

namespace gridsync::server {

// Registry entries to log as changes, with the writes they go with; or an
// administrative act, or an attachment stored. Each is a change of its own,
// in this order.
struct LoggedWrite {
  rocksdb::WriteBatch* batch;  // written in the same atomic write as the changes
  std::vector<gridsync::v1::RegistryChange> changes;
  gridsync::v1::Actor by;                        // who made the changes
  std::optional<gridsync::v1::AdminAct> act;     // logged after them
  std::optional<gridsync::v1::BlobStored> blob;  // or this, logged alone
};

class ChangeLogger {
 public:
  virtual ~ChangeLogger() = default;
  // Numbers the changes of `w` in the commit queue (alone, never grouped
  // with a push), writes them with w->batch in one synced write, and
  // returns once they are durable and visible to pulls and the feed.
  virtual absl::Status Log(LoggedWrite* w) = 0;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_LOGGED_WRITE_H_
