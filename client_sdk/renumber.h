// A replica that went back in time (its folder restored from an older copy:
// Android's app-data backup, a device-to-device transfer, a support person
// copying a folder) numbers its new mutations with device seqs the server
// already holds for the device. The server answers SEQ_REUSED with the
// highest seq it holds; the unsent mutations are then given new seqs past it,
// in their order, and pushed again. Nothing is lost and nothing applied twice:
// acknowledged entries keep their numbers.
#ifndef GRIDSYNC_CLIENT_SDK_RENUMBER_H_
#define GRIDSYNC_CLIENT_SDK_RENUMBER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gridsync/v1/client_api.pb.h"
#include "gridsync/v1/client_store.pb.h"

namespace gridsync::sdk {

// Reads a register's causal context as pulled from the server (without
// the outbox replayed): the counter it holds for `replica`, 0 if none.
using PulledCounter = std::function<uint64_t(const std::string& record_id, const std::string& field,
                                             const std::string& replica)>;

// `unsent`, in seq order, renumbered from `first_seq` on and moved to
// replica epoch `epoch` (Mutation.replica_epoch): their field writes become
// dots of the new replica "<device>~<epoch>", which never claims the writes
// the restore took away. Their causal contexts (`seen`) follow:
//  - an entry of the old replica is cut down to what the server's state
//    held when pulled: the lost timeline's writes, which the writer never
//    saw, are not claimed (at worst an own write not yet pulled shows as a
//    conflict a person resolves; nothing is replaced silently);
//  - the own unsent writes it named are named again in the new replica,
//    by their new numbers.
// REQUIRES: `unsent` sorted by device_seq, all of replica epoch
// `unsent[0].mutation().replica_epoch()`; first_seq > every seq in it.
std::vector<gridsync::v1::OutboxEntry> RenumberOutbox(std::vector<gridsync::v1::OutboxEntry> unsent,
                                                      uint64_t first_seq, uint64_t epoch,
                                                      const std::string& device_id,
                                                      const PulledCounter& pulled);

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_RENUMBER_H_
