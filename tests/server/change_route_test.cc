// ReadChangeRoute reads a stored change's seq, grid and record id from its
// bytes without parsing it: it must agree with a full parse on every input
// a full parse accepts, including cut and damaged ones.
#include "server/change_route.h"

#include <gtest/gtest.h>

#include <random>

#include "gridsync/v1/mutation.pb.h"

namespace gridsync::server {
namespace {

using gridsync::v1::Change;

Change MutationChange() {
  Change c;
  c.set_seq(123456789);
  c.set_committed_at_ms(1764000000000);
  auto* m = c.mutable_mutation();
  m->set_device_seq(7);
  m->set_record_id("01JD5Z8W9Q0000000000000000");
  m->set_kind(gridsync::v1::RECORD_KIND_VISIT);
  m->set_grid_code("410185001201001");
  m->set_hlc(uint64_t{1764000000000} << 16);
  m->set_device_id("dev-0123456789abcdef");
  m->set_author("网格员𠮷");
  return c;
}

Change RefillChange() {
  Change c;
  c.set_seq(42);
  auto* r = c.mutable_refill();
  r->set_device_id("dev-x");
  r->mutable_state()->mutable_header()->set_subject_id("4101850012010010001");
  r->mutable_state()->mutable_header()->set_grid_code("410185001201002");
  r->mutable_state()->set_record_id("01JD5Z8W9Q0000000000000001");
  return c;
}

Change RegistryChange() {
  Change c;
  c.set_seq(9);
  c.mutable_registry()->mutable_household()->set_household_id("4101850012010010001");
  c.mutable_by()->set_device_id("dev-admin");
  return c;
}

// What the feed routes by, from a full parse.
ChangeRoute Parsed(const Change& c) {
  ChangeRoute r;
  r.seq = c.seq();
  if (c.has_mutation()) {
    r.record = true;
    r.grid = c.mutation().grid_code();
    r.record_id = c.mutation().record_id();
  } else if (c.has_refill()) {
    r.record = true;
    r.grid = c.refill().state().header().grid_code();
    r.record_id = c.refill().state().record_id();
  }
  return r;
}

void ExpectSame(const ChangeRoute& got, const ChangeRoute& want, const std::string& what) {
  EXPECT_EQ(got.seq, want.seq) << what;
  EXPECT_EQ(got.record, want.record) << what;
  EXPECT_EQ(got.grid, want.grid) << what;
  EXPECT_EQ(got.record_id, want.record_id) << what;
}

TEST(ChangeRouteTest, ReadsRecordChangesAndTellsTheOthersApart) {
  for (const Change& c : {MutationChange(), RefillChange(), RegistryChange()}) {
    const std::string bytes = c.SerializeAsString();
    ChangeRoute route;
    ASSERT_TRUE(ReadChangeRoute(bytes, &route));
    ExpectSame(route, Parsed(c), c.ShortDebugString());
  }
  ChangeRoute route;
  EXPECT_TRUE(ReadChangeRoute("", &route));  // an empty Change: seq 0, no record
  EXPECT_EQ(route.seq, 0u);
  EXPECT_FALSE(route.record);
}

// Every prefix of each change, and each with one byte replaced: wherever a
// full parse succeeds, the route agrees with it.
TEST(ChangeRouteTest, AgreesWithAFullParseOnCutAndDamagedBytes) {
  std::mt19937 rng(5);
  int parsed = 0, refused = 0;
  for (const Change& c : {MutationChange(), RefillChange(), RegistryChange()}) {
    const std::string bytes = c.SerializeAsString();
    std::vector<std::string> inputs;
    for (size_t n = 0; n <= bytes.size(); ++n) inputs.push_back(bytes.substr(0, n));
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (int k = 0; k < 8; ++k) {
        std::string b = bytes;
        b[i] = static_cast<char>(rng());
        inputs.push_back(b);
      }
    }
    for (const std::string& in : inputs) {
      Change full;
      ChangeRoute route;
      const bool ok = ReadChangeRoute(in, &route);
      if (full.ParseFromString(in)) {
        ++parsed;
        ASSERT_TRUE(ok) << testing::PrintToString(in);
        ExpectSame(route, Parsed(full), testing::PrintToString(in));
      } else {
        refused += !ok;
      }
    }
  }
  EXPECT_GT(parsed, 100);
  EXPECT_GT(refused, 100);  // it does see broken framing
}

}  // namespace
}  // namespace gridsync::server
