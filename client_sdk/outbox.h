// The device's own writes in memory, in device seq order and indexed by
// record: those the server has not acknowledged (pending: change_seq 0)
// and those it acknowledged that no pull has brought back yet (replayed on
// the pulled state until one does). It mirrors LocalStore's o/ entries; its
// owner writes the disk first.
//
// Not thread-safe: Replica's lock guards it.
#ifndef GRIDSYNC_CLIENT_SDK_OUTBOX_H_
#define GRIDSYNC_CLIENT_SDK_OUTBOX_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gridsync/v1/client_store.pb.h"
#include "gridsync/v1/record_state.pb.h"

namespace gridsync::sdk {

class Outbox {
 public:
  using Entry = gridsync::v1::OutboxEntry;

  // Adds `e`, or replaces the entry of its seq (an acknowledgement, a new
  // stamp). REQUIRES: a replaced entry keeps its record.
  void Add(Entry e);
  // Drops entry `seq`, if held.
  void Remove(uint64_t seq);
  void Clear();

  // Whether the record has entries, and whether any is pending.
  bool Holds(const std::string& record_id) const { return by_record_.count(record_id) > 0; }
  bool HasPending(const std::string& record_id) const;
  // Applies the record's entries to *s, in seq order (core::Apply).
  void Replay(const std::string& record_id, gridsync::v1::RecordState* s) const;
  // The records that have entries, in id order.
  std::set<std::string> RecordIds() const;

  // The entry of `seq`; null when none. An entry changes only through Add
  // (of the changed copy, once it is on disk).
  const Entry* Find(uint64_t seq) const;
  // fn(entry) for every entry, or every pending one, in seq order.
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const auto& [seq, e] : by_seq_) fn(e);
  }
  template <typename Fn>
  void ForEachPending(Fn fn) const {
    for (const auto& [seq, e] : by_seq_) {
      if (e.change_seq() == 0) fn(e);
    }
  }
  // The first `max` pending mutations; *more when there are others.
  std::vector<gridsync::v1::Mutation> PendingBatch(int max, bool* more) const;
  // The acknowledged entries a pull up to `cursor` brought back: their
  // change seq is at most `cursor`.
  std::vector<uint64_t> CoveredBy(uint64_t cursor) const;

  int64_t CountPending() const;
  size_t size() const { return by_seq_.size(); }

 private:
  std::map<uint64_t, Entry> by_seq_;
  std::map<std::string, std::set<uint64_t>> by_record_;  // record -> its seqs
};

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_OUTBOX_H_
