// Builders for mutations in tests.
#ifndef GRIDSYNC_TESTS_CORE_TEST_MUTATIONS_H_
#define GRIDSYNC_TESTS_CORE_TEST_MUTATIONS_H_

#include <string>

#include "core/hlc.h"
#include "gridsync/v1/mutation.pb.h"

namespace gridsync::testing {

inline constexpr char kTestGrid[] = "410185001201001";
inline constexpr char kTestHousehold[] = "4101850012010010001";
inline constexpr char kTestCase[] = "01JDQ3ZV0000000000000000AA";

inline gridsync::v1::Mutation CaseMutation(const std::string& device, uint64_t seq, int64_t ms,
                                           const std::string& record_id = kTestCase) {
  gridsync::v1::Mutation m;
  m.set_device_seq(seq);
  m.set_record_id(record_id);
  m.set_kind(gridsync::v1::RECORD_KIND_DISPUTE_CASE);
  m.set_grid_code(kTestGrid);
  m.set_hlc(core::PackHlc(ms, 0));
  m.set_device_id(device);
  m.set_author("worker " + device);
  return m;
}

inline gridsync::v1::Mutation SetString(gridsync::v1::Mutation m, const std::string& field,
                                        const std::string& value,
                                        const gridsync::v1::VersionVector& seen = {}) {
  m.mutable_set_field()->set_field(field);
  m.mutable_set_field()->mutable_value()->set_string_value(value);
  *m.mutable_set_field()->mutable_seen() = seen;
  return m;
}

}  // namespace gridsync::testing

#endif  // GRIDSYNC_TESTS_CORE_TEST_MUTATIONS_H_
