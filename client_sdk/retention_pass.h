// One retention pass on the phone (core/retention.h): which registry
// entries and records the phone lets go, and which attachment files then
// serve no record it keeps. The server keeps everything; the phone keeps
// what a worker still needs.
//
// A household is let go a set time after a pull first brought it as no
// longer active (LocalStore::LeftMarks); a person when supervision ended
// that long ago or its household goes; a record by core::KeepOnPhone, or
// with the household or person it is about. A record with writes still in
// the outbox is always kept.
//
// Not thread-safe: one pass, fed by one caller.
#ifndef GRIDSYNC_CLIENT_SDK_RETENTION_PASS_H_
#define GRIDSYNC_CLIENT_SDK_RETENTION_PASS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/retention.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/record_state.pb.h"

namespace gridsync::sdk {

class RetentionPass {
 public:
  // What the pass lets go.
  struct Letgo {
    std::vector<std::string> records;                   // record ids
    std::vector<gridsync::v1::RegistryChange> entries;  // households and persons
    std::set<std::string> files;  // sha256 of files no record kept (or queued) references
    bool empty() const { return records.empty() && entries.empty(); }
  };

  // `left_marks`: household id -> when it was first pulled as left, in the
  // server's time, as `now_ms` is.
  RetentionPass(core::PhoneRetention policy, int64_t now_ms,
                std::map<std::string, int64_t> left_marks)
      : policy_(policy), now_ms_(now_ms), left_marks_(std::move(left_marks)) {}

  // Each registry entry held, in any order.
  void OfferRegistry(const gridsync::v1::RegistryChange& c);
  // Each record held, after the whole registry. `in_outbox`: the record has
  // writes the server's state here does not hold yet.
  void OfferRecord(const gridsync::v1::RecordState& s, bool in_outbox);
  // The decision, once every record was offered. `queued_files` are
  // attachments waiting to upload: never let go.
  Letgo Finish(const std::set<std::string>& queued_files);

 private:
  // Persons are decided once every household is known.
  void DecidePersons();

  const core::PhoneRetention policy_;
  const int64_t now_ms_;
  const std::map<std::string, int64_t> left_marks_;
  std::set<std::string> gone_;                         // household and person ids let go
  std::vector<gridsync::v1::RegistryChange> persons_;  // until DecidePersons
  bool persons_decided_ = false;
  std::set<std::string> kept_files_;
  Letgo letgo_;
};

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_RETENTION_PASS_H_
