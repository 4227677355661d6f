// Decoding a Push body so that one bad mutation is one rejection (DESIGN.md
// "Boundaries where text and time change form").
//
// protobuf refuses a whole message when any string in it is not UTF-8, and
// gRPC then answers INTERNAL with no message before a handler runs: one bad
// string from one phone would fail its whole batch and block its outbox.
// So a PushRequest is never parsed as one message: its mutations are split
// out of the body as they lie on the wire (field 1, length-delimited) and
// each is parsed on its own. A mutation that does not parse is decoded again
// against a copy of the schema in which every string is `bytes`, to name the
// field that is not UTF-8, or else is reported as malformed.
#ifndef GRIDSYNC_SERVER_PUSH_DECODE_H_
#define GRIDSYNC_SERVER_PUSH_DECODE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/validate.h"
#include "gridsync/v1/mutation.pb.h"

namespace gridsync::server {

struct DecodedMutation {
  // Set when the mutation parsed; otherwise `violation` says why not.
  std::optional<gridsync::v1::Mutation> mutation;
  core::FieldViolation violation;  // field relative to the mutation
  // Read from an unparsed mutation as far as they can be, for its result:
  // the record id only when it is well-formed UTF-8.
  uint64_t device_seq = 0;
  std::string record_id;
};

// The mutations of a serialized PushRequest, in order, without the fields
// this schema does not know; *signing_key (when not null) gets its
// signing_key, empty when it has none.
// INVALID_ARGUMENT when the body is not a PushRequest at all (truncated, or
// field 1 is not length-delimited); RESOURCE_EXHAUSTED when it holds more than
// `max_mutations` (counted before any is parsed).
absl::StatusOr<std::vector<DecodedMutation>> DecodePushRequest(absl::string_view body,
                                                               int max_mutations,
                                                               std::string* signing_key = nullptr);

// Parses a whole request that has no per-item results (Pull and the like).
// INVALID_ARGUMENT, naming the type and what is wrong (a string that is not
// UTF-8 is named by its path), when it does not parse.
absl::Status ParseRequest(absl::string_view body, google::protobuf::Message* out);

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_PUSH_DECODE_H_
