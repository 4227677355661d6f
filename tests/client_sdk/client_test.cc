// The SDK against a real server: offline writes, convergence of concurrent
// edits, conflicts and their resolution, rejections, clock skew, re-enrolment,
// progress and background sync.
#include "gridsync/client.h"

#include <atomic>
#include <filesystem>

#include "absl/strings/match.h"
#include "common/version.h"
#include "core/hlc.h"
#include "core/merge.h"
#include "core/write_proof.h"
#include "tests/client_sdk/sdk_test.h"

namespace gridsync::testing {
namespace {

using gridsync::v1::FieldValue;
using tools::BoolValue;
using tools::IntValue;
using tools::StrValue;

sdk::RecordFilter ConflictsOnly() {
  sdk::RecordFilter f;
  f.conflicts_only = true;
  return f;
}

sdk::RecordFilter OfKind(gridsync::v1::RecordKind kind) {
  sdk::RecordFilter f;
  f.kind = kind;
  return f;
}

class ClientTest : public SdkTest {};

TEST_F(ClientTest, WritesShowAtOnceOfflineAndSurviveAnAppRestart) {
  auto p = NewPhone(kGridA, "王芳");
  proxy_->set_refuse(true);  // no network
  const std::string id = NewVisit(p, kGridA, 1);
  ASSERT_TRUE(p->SetField(id, "notes", StrValue("老人独居，需常去看看")).ok());
  auto rec = p->Get(id);
  ASSERT_TRUE(rec.ok()) << rec.status();
  EXPECT_EQ(rec->visit().notes(), "老人独居，需常去看看");
  EXPECT_EQ(p->Stats().pending, 2);

  auto failed = p->Sync();
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable) << failed.status();
  Reopen(p);
  EXPECT_EQ(p->Stats().pending, 2);
  EXPECT_EQ(p->Get(id)->visit().notes(), "老人独居，需常去看看");

  proxy_->set_refuse(false);
  SyncOk(p);
  const auto stats = p->Stats();
  EXPECT_EQ(stats.pending, 0);
  EXPECT_EQ(stats.acked_unpulled, 0);
  ExpectSameAsServer(p, id);
  EXPECT_EQ(GetRecord(id).record().visit().notes(), "老人独居，需常去看看");
}

TEST_F(ClientTest, WritesAreValidatedOnThePhone) {
  auto p = NewPhone(kGridA, "王芳");
  auto bad = p->Create(gridsync::v1::RECORD_KIND_SPECIAL_CHECK, kGridA, Person(kGridA, 1),
                       {F("risk_level", IntValue(9))});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("risk_level"), std::string::npos) << bad.status();
  EXPECT_EQ(p->SetField("01JDZZZZZZZZZZZZZZZZZZZZZZ", "notes", StrValue("x")).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(p->Stats().pending, 0);
}

// Two phones, both offline, edit the same case: the same field (a conflict),
// different fields, a status forward on one and a follow-up on the other.
// They reconnect in either order and end byte-identical with the server.
class ConcurrentEdits : public ClientTest, public ::testing::WithParamInterface<bool> {};

TEST_P(ConcurrentEdits, ConvergeWithTheConflictShownAndResolvedAnywhere) {
  auto a = NewPhone(kGridA, "王芳");
  auto b = NewPhone(kGridA, "李强");
  const std::string id = NewCase(a, kGridA);
  SyncOk(a);
  SyncOk(b);
  ASSERT_TRUE(b->Get(id).ok());

  ASSERT_TRUE(a->SetField(id, "title", StrValue("院墙位置纠纷")).ok());
  ASSERT_TRUE(b->SetField(id, "title", StrValue("宅基地边界纠纷")).ok());
  ASSERT_TRUE(a->SetField(id, "description", StrValue("两户院墙相距不足一米")).ok());
  ASSERT_TRUE(b->SetField(id, "mediator", StrValue("村调委会张主任")).ok());
  ASSERT_TRUE(a->SetStatus(id, gridsync::v1::CASE_STATUS_MEDIATING).ok());
  gridsync::v1::FollowUp fu;
  fu.set_at_ms(core::SystemWallMs());
  fu.set_party_name("赵大爷");
  fu.set_satisfied(true);
  ASSERT_TRUE(b->AppendLog(id, "follow_ups", fu).ok());

  Phone& first = GetParam() ? a : b;
  Phone& second = GetParam() ? b : a;
  SyncOk(first);
  SyncOk(second);
  SyncOk(first);
  ExpectSameAsServer(a, id);
  ExpectSameAsServer(b, id);

  auto rec = a->Get(id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->dispute_case().description(), "两户院墙相距不足一米");
  EXPECT_EQ(rec->dispute_case().mediator(), "村调委会张主任");
  EXPECT_EQ(rec->dispute_case().status(), gridsync::v1::CASE_STATUS_MEDIATING);
  ASSERT_EQ(rec->dispute_case().follow_ups_size(), 1);
  EXPECT_EQ(rec->dispute_case().follow_ups(0).party_name(), "赵大爷");
  ASSERT_EQ(rec->conflicts_size(), 1);
  EXPECT_EQ(rec->conflicts(0).field(), "title");
  ASSERT_EQ(rec->conflicts(0).siblings_size(), 2);
  std::set<std::string> authors;
  for (const auto& s : rec->conflicts(0).siblings()) authors.insert(s.author());
  EXPECT_EQ(authors, (std::set<std::string>{"王芳", "李强"}));
  EXPECT_EQ(a->List(ConflictsOnly()), std::vector<std::string>{id});
  EXPECT_EQ(b->List(ConflictsOnly()), std::vector<std::string>{id});
  // Both phones show the same winner.
  EXPECT_EQ(rec->dispute_case().title(), b->Get(id)->dispute_case().title());

  // b keeps the loser's value; the resolution syncs to a and clears it.
  const std::string kept = rec->conflicts(0).siblings(1).value().string_value();
  ASSERT_TRUE(b->ChooseSibling(id, "title", 1).ok());
  EXPECT_TRUE(b->List(ConflictsOnly()).empty());
  SyncOk(b);
  SyncOk(a);
  auto resolved = a->Get(id);
  EXPECT_EQ(resolved->conflicts_size(), 0);
  EXPECT_EQ(resolved->dispute_case().title(), kept);
  EXPECT_TRUE(a->List(ConflictsOnly()).empty());
  ExpectSameAsServer(a, id);
  ExpectSameAsServer(b, id);
}

INSTANTIATE_TEST_SUITE_P(BothOrders, ConcurrentEdits, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "AFirst" : "BFirst"; });

TEST_F(ClientTest, ATimeOfWorkFarAheadOfTheServersClockIsRefusedAtWrite) {
  // The phone's own clock is a day ahead; after one sync the SDK knows the
  // server's time, and a visit stamped from the phone's clock is refused
  // at once, naming the field, before it enters the outbox.
  const int64_t day = 24 * 3600 * 1000;
  Phone p = NewPhone(kGridA, "王芳", [] { return core::SystemWallMs() + 24 * 3600 * 1000; });
  SyncOk(p);
  auto id = p->Create(gridsync::v1::RECORD_KIND_VISIT, kGridA, Household(kGridA, 1),
                      {F("visited_at_ms", IntValue(core::SystemWallMs() + day))});
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(id.status().message(), "visited_at_ms")) << id.status();
  EXPECT_EQ(p->Stats().pending, 0);
  // The SDK's corrected time is accepted.
  id = p->Create(gridsync::v1::RECORD_KIND_VISIT, kGridA, Household(kGridA, 1),
                 {F("visited_at_ms", IntValue(p->NowMs()))});
  ASSERT_TRUE(id.ok()) << id.status();
  auto r = p->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->pushed, 1);
  EXPECT_EQ(r->server_release, kVersion);  // the Pull answer says which server it was
}

TEST_F(ClientTest, RejectedMutationIsKeptWithTheServersReasonAndNotRetried) {
  auto p = NewPhone(kGridA, "王芳");
  const std::string good = NewVisit(p, kGridA, 2);
  const std::string bad = NewVisit(p, kGridA, 99);  // not in the registry
  auto r = p->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->pushed, 1);
  EXPECT_EQ(r->rejected, 1);
  auto rejected = p->Rejected();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].mutation().record_id(), bad);
  EXPECT_EQ(rejected[0].code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_NE(rejected[0].message().find(Household(kGridA, 99)), std::string::npos)
      << rejected[0].message();
  // Gone from the view, kept in the list, never pushed again.
  EXPECT_EQ(p->Get(bad).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(p->List(), std::vector<std::string>{good});
  auto again = p->Sync();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->push_calls, 0);
  Reopen(p);
  EXPECT_EQ(p->Rejected().size(), 1u);
  ASSERT_TRUE(p->DismissRejected(rejected[0].mutation().device_seq()).ok());
  EXPECT_TRUE(p->Rejected().empty());
  EXPECT_EQ(p->DismissRejected(rejected[0].mutation().device_seq()).code(),
            absl::StatusCode::kNotFound);
  // Its seq is never handed out again.
  const std::string next = NewVisit(p, kGridA, 3);
  SyncOk(p);
  EXPECT_EQ(p->Stats().pending, 0);
  ExpectSameAsServer(p, next);
}

TEST_F(ClientTest, PhonesAnHourAheadAndAYearBehindSyncAndConverge) {
  const int64_t kHour = 3600 * 1000, kYear = 365LL * 86400 * 1000;
  auto ahead = NewPhone(kGridA, "王芳", [=] { return core::SystemWallMs() + kHour; });
  auto behind = NewPhone(kGridA, "李强", [=] { return core::SystemWallMs() - kYear; });
  const std::string id = NewCase(ahead, kGridA);
  ASSERT_TRUE(ahead->SetField(id, "mediator", StrValue("张主任")).ok());
  auto r = ahead->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->restamped, 2);
  EXPECT_EQ(r->pushed, 2);
  EXPECT_NEAR(ahead->Stats().clock_offset_ms, -kHour, 5000);
  SyncOk(behind);
  EXPECT_NEAR(behind->Stats().clock_offset_ms, kYear, 5000);
  // The corrected clock survives an app restart: no second refusal.
  Reopen(ahead);
  EXPECT_NEAR(ahead->Stats().clock_offset_ms, -kHour, 5000);
  // Both edit offline; the phone a year behind now stamps with server time.
  ASSERT_TRUE(ahead->SetField(id, "title", StrValue("A")).ok());
  ASSERT_TRUE(behind->SetField(id, "title", StrValue("B")).ok());
  SyncOk(behind);
  auto again = ahead->Sync();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->restamped, 0);
  EXPECT_EQ(again->pushed, 1);
  SyncOk(behind);
  ExpectSameAsServer(ahead, id);
  ExpectSameAsServer(behind, id);
  // The server never stored a stamp beyond its skew window.
  const int64_t limit = core::SystemWallMs() + core::kDefaultMaxSkewMs;
  const auto state = GetRecord(id).state();
  EXPECT_LE(core::HlcWallMs(state.header().created_hlc()), limit);
  for (const auto& reg : state.registers()) {
    for (const auto& s : reg.siblings()) EXPECT_LE(core::HlcWallMs(s.hlc()), limit) << reg.field();
  }
  ASSERT_EQ(ahead->Get(id)->conflicts_size(), 1);
}

TEST_F(ClientTest, ReEnrolledPhoneGetsItsScopeBackByPulling) {
  auto p = NewPhone(kGridA, "王芳");
  std::vector<std::string> ids;
  for (int i = 1; i <= 20; ++i) ids.push_back(NewVisit(p, kGridA, i));
  ids.push_back(NewCase(p, kGridA));
  SyncOk(p);
  // Another device's replica is refused: a wiped phone gets a new enrolment.
  auto wrong = p.options;
  wrong.device_id = "dev-someoneelse";
  EXPECT_EQ(sdk::Client::Open(wrong).status().code(), absl::StatusCode::kFailedPrecondition);

  auto wiped = NewPhone(kGridA, "王芳");
  std::vector<sdk::SyncProgress> seen;
  auto r = wiped->Sync([&](const sdk::SyncProgress& pr) { seen.push_back(pr); });
  ASSERT_TRUE(r.ok()) << r.status();
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(wiped->List(), ids);
  for (const auto& id : ids) ExpectSameAsServer(wiped, id);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().phase, sdk::SyncProgress::Phase::kDone);
  EXPECT_EQ(seen.back().pulled, 21);
  EXPECT_EQ(wiped->List(OfKind(gridsync::v1::RECORD_KIND_DISPUTE_CASE)).size(), 1u);
}

TEST_F(ClientTest, GzipIsNegotiatedAndAPhoneWithoutItStillSyncs) {
  auto writer = NewPhone(kGridA, "王芳");
  for (int i = 0; i < 200; ++i) NewVisit(writer, kGridA, 1 + i % 20);
  SyncOk(writer);
  int64_t down[2];
  for (bool gzip : {true, false}) {
    auto p = NewPhone(kGridA, gzip ? "甲" : "乙");
    p.options.compression = gzip;
    Reopen(p);
    proxy_->ResetCounters();
    auto r = p->Sync();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->pulled, 200);
    down[gzip] = proxy_->bytes_down();
  }
  // Each visit carries its writes' signatures (core/write_proof.h): 3 of
  // 64 random bytes, which no compressor shrinks.
  int64_t signature_bytes = 0;
  for (const auto& id : writer->List()) {
    for (const auto& w : core::SignedWritesOf(*writer->GetState(id))) {
      signature_bytes += static_cast<int64_t>(w.signature.size());
    }
  }
  EXPECT_EQ(signature_bytes, 200 * 3 * 64);
  printf("pull of 200 visits: gzip %lld B, identity %lld B, of which %lld B signatures\n",
         static_cast<long long>(down[true]), static_cast<long long>(down[false]),
         static_cast<long long>(signature_bytes));
  EXPECT_LT(down[true] - signature_bytes, (down[false] - signature_bytes) / 3)
      << "gzip " << down[true] << " B, identity " << down[false] << " B";
}

TEST_F(ClientTest, ProgressCountsPushedAndPulledRecords) {
  auto p = NewPhone(kGridA, "王芳");
  p.options.push_batch = 7;
  p.options.pull_page = 5;
  Reopen(p);
  for (int i = 0; i < 30; ++i) NewVisit(p, kGridA, 1 + i % 20);
  std::vector<sdk::SyncProgress> seen;
  auto r = p->Sync([&](const sdk::SyncProgress& pr) { seen.push_back(pr); });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->push_calls, 5);  // 7+7+7+7+2
  EXPECT_EQ(r->pushed, 30);
  EXPECT_EQ(r->pulled, 30);
  EXPECT_GE(r->pull_calls, 6);
  int64_t last_pushed = 0;
  for (const auto& pr : seen) {
    EXPECT_GE(pr.pushed, last_pushed);
    last_pushed = pr.pushed;
  }
  EXPECT_EQ(seen.back().pending, 0);
}

TEST_F(ClientTest, BackgroundSyncDeliversWritesAndStopsCleanly) {
  auto p = NewPhone(kGridA, "王芳");
  std::atomic<int> ok_runs{0};
  sdk::BackgroundOptions bo;
  bo.interval = std::chrono::milliseconds(50);
  bo.on_result = [&](const absl::Status& st, const sdk::SyncReport&) {
    if (st.ok()) ++ok_runs;
  };
  p->StartBackground(bo);
  const std::string id = NewVisit(p, kGridA, 4);
  for (int i = 0; i < 200 && (p->Stats().pending > 0 || p->Stats().acked_unpulled > 0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(p->Stats().pending, 0);
  const auto t0 = std::chrono::steady_clock::now();
  p->StopBackground();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_GT(ok_runs.load(), 0);
  EXPECT_TRUE(GetRecord(id).has_record());
}

TEST_F(ClientTest, BackgroundSyncBacksOffWhileTheNetworkIsDown) {
  auto p = NewPhone(kGridA, "王芳");
  proxy_->set_refuse(true);
  std::atomic<int> failures{0}, successes{0};
  sdk::BackgroundOptions bo;
  bo.interval = std::chrono::milliseconds(20);
  bo.min_backoff = std::chrono::milliseconds(40);
  bo.max_backoff = std::chrono::milliseconds(160);
  bo.on_result = [&](const absl::Status& st, const sdk::SyncReport&) {
    (st.ok() ? successes : failures)++;
  };
  p->StartBackground(bo);
  NewVisit(p, kGridA, 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  // Backoff 40, 80, 160, 160... (with jitter, at least half of each): far
  // fewer attempts than a 20 ms loop would make.
  const int during = failures.load();
  EXPECT_GE(during, 2);
  EXPECT_LE(during, 16);
  EXPECT_EQ(successes.load(), 0);
  proxy_->set_refuse(false);
  for (int i = 0; i < 200 && p->Stats().pending > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(p->Stats().pending, 0);
  p->StopBackground();
}

}  // namespace
}  // namespace gridsync::testing
