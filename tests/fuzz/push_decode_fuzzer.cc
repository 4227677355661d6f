// libFuzzer: the Push decode-and-validate path on arbitrary bytes, as a
// client anywhere on the network can send them (server/push_decode.h), and
// Pull's request parse. Nothing may crash, leak, or read out of bounds; a
// decoded mutation must be one the validators can look at.
#include <cstddef>
#include <cstdint>

#include "core/hlc.h"
#include "core/utf8.h"
#include "core/validate.h"
#include "gridsync/v1/sync_service.pb.h"
#include "server/push_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view body(reinterpret_cast<const char*>(data), size);
  auto decoded = gridsync::server::DecodePushRequest(body, 1000);
  if (decoded.ok()) {
    for (const auto& d : *decoded) {
      if (!d.mutation) {
        // What the answer carries must itself be sendable.
        if (!gridsync::core::IsValidUtf8(d.record_id)) __builtin_trap();
        continue;
      }
      if (gridsync::core::ValidateMutation(*d.mutation)) continue;
      (void)gridsync::core::CheckDomainTimes(*d.mutation, 1767225600000, 600000);
    }
  }
  gridsync::v1::PullRequest pull;
  (void)gridsync::server::ParseRequest(body, &pull);
  return 0;
}
