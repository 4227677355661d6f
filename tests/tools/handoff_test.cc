// The export's reader-to-writer queue (tools/common/handoff.h).
#include "tools/common/handoff.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace gridsync::tools {
namespace {

TEST(HandoffTest, TheWriterTakesEverythingInOrderThenTheEnd) {
  Handoff<int> h(2);
  std::vector<int> got;
  std::thread writer([&] {
    while (auto v = h.Take()) got.push_back(*v);
  });
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(h.Put(i));
  h.Close();
  writer.join();
  ASSERT_EQ(got.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(got[i], i);
  EXPECT_TRUE(h.failure().ok());
}

TEST(HandoffTest, TheReaderWaitsWhileCapacityItemsWait) {
  Handoff<int> h(2);
  ASSERT_TRUE(h.Put(1));
  ASSERT_TRUE(h.Put(2));
  std::atomic<bool> third_in{false};
  std::thread reader([&] {
    h.Put(3);
    third_in = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(third_in.load());  // two wait: the third is held back
  EXPECT_EQ(*h.Take(), 1);
  reader.join();
  EXPECT_TRUE(third_in.load());
  EXPECT_EQ(*h.Take(), 2);
  EXPECT_EQ(*h.Take(), 3);
}

TEST(HandoffTest, AFailedWriterDropsWhatWaitsAndRefusesMore) {
  Handoff<int> h(2);
  ASSERT_TRUE(h.Put(1));
  ASSERT_TRUE(h.Put(2));
  std::atomic<bool> refused{false};
  std::thread reader([&] { refused = !h.Put(3); });  // waits for room
  h.Fail(absl::UnavailableError("PostgreSQL went away"));
  reader.join();
  EXPECT_TRUE(refused.load());
  EXPECT_FALSE(h.Put(4));
  EXPECT_EQ(h.failure().message(), "PostgreSQL went away");
  h.Close();
  EXPECT_FALSE(h.Take().has_value());  // nothing of what waited is written
}

}  // namespace
}  // namespace gridsync::tools
