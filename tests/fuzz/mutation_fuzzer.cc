// libFuzzer: the mutation validator and the merge. The input is a
// serialized PushRequest (the seed corpus is one); its first three mutations
// that validate are merged as two devices' writes, and the merge laws of
// core/merge.h are checked: commutative, associative, idempotent, and
// canonical bytes whatever the order.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/merge.h"
#include "core/validate.h"
#include "core/view.h"
#include "server/push_decode.h"

namespace {
using gridsync::core::Join;
using gridsync::core::SerializeCanonical;
using gridsync::v1::RecordState;

void Require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto decoded = gridsync::server::DecodePushRequest(
      absl::string_view(reinterpret_cast<const char*>(data), size), 1000);
  if (!decoded.ok()) return 0;
  std::vector<RecordState> deltas;
  for (auto& d : *decoded) {
    if (!d.mutation || deltas.size() == 3) continue;
    gridsync::v1::Mutation m = *d.mutation;
    if (gridsync::core::ValidateMutation(m)) continue;
    m.set_device_id(deltas.size() % 2 ? "dev-b" : "dev-a");
    m.set_author("fuzz");
    m.set_record_id(decoded->front().record_id);  // all on one record, to meet
    RecordState empty;
    (void)gridsync::core::CheckAgainstState(empty, m);
    deltas.push_back(gridsync::core::ToDelta(m));
  }
  if (deltas.empty()) return 0;
  while (deltas.size() < 3) deltas.push_back(deltas.front());
  const RecordState &a = deltas[0], &b = deltas[1], &c = deltas[2];

  RecordState ab = a, ba = b;
  Join(&ab, b);
  Join(&ba, a);
  Require(SerializeCanonical(ab) == SerializeCanonical(ba));  // commutative
  RecordState ab_c = ab, bc = b, a_bc = a;
  Join(&ab_c, c);
  Join(&bc, c);
  Join(&a_bc, bc);
  Require(SerializeCanonical(ab_c) == SerializeCanonical(a_bc));  // associative
  RecordState twice = ab_c;
  Join(&twice, ab_c);
  Join(&twice, a);
  Require(SerializeCanonical(twice) == SerializeCanonical(ab_c));  // idempotent
  (void)gridsync::core::HasConflict(ab_c);
  (void)gridsync::core::BuildView(ab_c);
  return 0;
}
