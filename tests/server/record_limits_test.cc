// Pages bounded in bytes, and a store written before the record limits
// (core/record_limits.h): its oversized record still syncs, trimmed to the
// limits, and `gridsyncd check` names it.
#include "core/record_limits.h"

#include <gtest/gtest.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "core/merge.h"
#include "gridsync/v1/feed_service.grpc.pb.h"
#include "gridsync/v1/records.pb.h"
#include "tests/server/server_process.h"
#include "tests/server/test_server.h"
#include "tools/common/client.h"

namespace gridsync::testing {
namespace {

class RecordLimitsTest : public ServerTest {
 protected:
  // A case with `n` follow-ups of `notes_bytes` each, pushed by `phone`.
  std::string CaseWithFollowUps(tools::Phone* phone, int n, size_t notes_bytes) {
    const std::string id = phone->NewRecordId();
    std::vector<gridsync::v1::Mutation> batch;
    auto create = phone->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, kGridA);
    create.mutable_create()->set_subject_id(Household(kGridA, 1));
    batch.push_back(create);
    for (int i = 0; i < n; ++i) {
      gridsync::v1::FollowUp f;
      f.set_at_ms(registry_now_ms_);
      f.set_notes(std::string(notes_bytes, 'x'));
      auto m = phone->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, kGridA);
      m.mutable_append_log()->set_log("follow_ups");
      m.mutable_append_log()->set_element_id(absl::StrCat("f", 1000 + i));
      m.mutable_append_log()->set_payload(f.SerializeAsString());
      batch.push_back(std::move(m));
    }
    auto r = phone->Push(batch);
    EXPECT_TRUE(r.ok()) << r.status();
    for (const auto& res : r->results()) {
      EXPECT_EQ(res.outcome(), gridsync::v1::MUTATION_OUTCOME_APPLIED) << res.message();
    }
    return id;
  }

  // Pulls `token`'s scope to the end; every page's size into *sizes.
  std::map<std::string, gridsync::v1::RecordState> PullAll(const std::string& token,
                                                           std::vector<size_t>* sizes) {
    std::map<std::string, gridsync::v1::RecordState> out;
    gridsync::v1::PullRequest req;
    req.set_page_size(5000);
    for (int page = 0; page < 1000; ++page) {
      gridsync::v1::PullResponse resp;
      auto st = Pull(token, req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      sizes->push_back(resp.ByteSizeLong());
      for (const auto& s : resp.records()) out[s.record_id()] = s;
      req.set_cursor(resp.next_cursor());
      if (resp.caught_up()) break;
    }
    return out;
  }
};

TEST_F(RecordLimitsTest, PullPagesStopAtTwoMebibytesAndLoseNothing) {
  std::string device;
  const std::string token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA}, "王芳", &device);
  tools::Phone phone(channel_, token, device, "王芳", 7);
  std::set<std::string> ids;
  for (int i = 0; i < 24; ++i) ids.insert(CaseWithFollowUps(&phone, 60, 3900));  // ~240 KB each
  std::vector<size_t> sizes;
  const auto got = PullAll(token, &sizes);
  std::set<std::string> pulled;
  for (const auto& [id, s] : got) pulled.insert(id);
  EXPECT_EQ(pulled, ids);
  EXPECT_GE(sizes.size(), 3u);  // 24 x 240 KB: at least three pages
  for (size_t s : sizes) EXPECT_LT(s, server::kMaxPageBytes + core::kMaxRecordBytes);
  for (const auto& [id, s] : got) EXPECT_EQ(s.logs(0).elements_size(), 60) << id;
}

TEST_F(RecordLimitsTest, ARecordStoredBeforeTheLimitsStillSyncsTrimmedAndCheckNamesIt) {
  std::string device;
  const std::string token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA}, "王芳", &device);
  tools::Phone phone(channel_, token, device, "王芳", 7);
  const std::string big = CaseWithFollowUps(&phone, 3, 10);
  const std::string small = CaseWithFollowUps(&phone, 3, 10);
  // What an older server let one token do: 3,000 follow-ups each padded
  // with 2 KB the schema does not know, a 6 MB record.
  StopServer(std::chrono::milliseconds(0));
  {
    auto raw = OpenRawStore(dir_);
    ASSERT_NE(raw, nullptr);
    std::string bytes;
    ASSERT_TRUE(raw->db->Get(rocksdb::ReadOptions(), raw->cf[1], big, &bytes).ok());
    gridsync::v1::RecordState s;
    ASSERT_TRUE(s.ParseFromString(bytes));
    gridsync::v1::LogSet* log = s.mutable_logs(0);
    const gridsync::v1::LogElement first = log->elements(0);
    for (int i = 0; i < 3000; ++i) {
      gridsync::v1::LogElement e = first;
      e.set_element_id(absl::StrCat("g", 10000 + i));
      e.set_payload(e.payload() + std::string("\xba\x3e\xd0\x0f", 4) + std::string(2000, 'p'));
      *log->add_elements() = std::move(e);
    }
    ASSERT_GT(s.ByteSizeLong(), size_t{5} << 20);  // more than a gRPC client takes
    ASSERT_TRUE(
        raw->db->Put(rocksdb::WriteOptions(), raw->cf[1], big, core::SerializeCanonical(s)).ok());
    // The older server's coverage index is of its own version: rebuilt at
    // the next start (its marks count the follow-ups).
    ASSERT_TRUE(raw->db->Delete(rocksdb::WriteOptions(), raw->cf[0], "coverage_version").ok());
  }
  StartServer();
  std::vector<size_t> sizes;
  const auto got = PullAll(token, &sizes);
  ASSERT_EQ(got.count(big), 1u);
  ASSERT_EQ(got.count(small), 1u);
  EXPECT_TRUE(core::OverLimits(got.at(big)).empty());
  EXPECT_EQ(got.at(big).logs(0).elements_size(), core::kMaxLogElements);
  for (size_t s : sizes) EXPECT_LT(s, size_t{4} << 20);
  EXPECT_FALSE(GetRecord(big).over_limits().empty());

  // The county's feed reads through it too.
  auto feed = gridsync::v1::FeedService::NewStub(channel_);
  gridsync::v1::SubscribeRequest sub;
  sub.set_scope_code(kCounty);
  auto ctx = tools::CallContext(admin_token_);
  auto reader = feed->Subscribe(ctx.get(), sub);
  gridsync::v1::SubscribeResponse m;
  bool saw_big = false, caught_up = false;
  while (reader->Read(&m)) {
    if (m.state().record_id() == big) {
      saw_big = true;
      EXPECT_LE(m.state().ByteSizeLong(), core::kMaxRecordBytes);
    }
    caught_up = m.caught_up();
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(saw_big);
  EXPECT_TRUE(caught_up);

  StopServer(std::chrono::milliseconds(0));
  std::string out;
  EXPECT_EQ(RunCommand({GRIDSYNCD_PATH, "check", "--data", dir_}, &out), 0) << out;
  EXPECT_NE(out.find(absl::StrCat("OVER LIMITS (sent trimmed to readers): record ", big)),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find(small), std::string::npos) << out;
}

}  // namespace
}  // namespace gridsync::testing
