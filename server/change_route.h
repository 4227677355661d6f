// Where a stored change goes, read from its bytes without parsing the rest.
#ifndef GRIDSYNC_SERVER_CHANGE_ROUTE_H_
#define GRIDSYNC_SERVER_CHANGE_ROUTE_H_

#include <cstdint>
#include <string_view>

namespace gridsync::server {

// What the feed routes a change by. The views point into the bytes given to
// ReadChangeRoute and live as long as they do.
struct ChangeRoute {
  uint64_t seq = 0;
  // A record change (Change.mutation or Change.refill): its grid and record
  // id are set. Otherwise the change is a registry entry, an administrative
  // act or a stored blob, which the caller parses whole.
  bool record = false;
  std::string_view grid, record_id;
};

// Reads the route of a serialized gridsync.v1.Change: its seq, and for a
// record change the grid and record id, skipping every other field
// (a change's mutation is most of its bytes; the feed reads millions).
// Returns false if the bytes do not parse as far as it reads.
bool ReadChangeRoute(std::string_view change, ChangeRoute* out);

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_CHANGE_ROUTE_H_
