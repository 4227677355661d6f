// Push and Pull against a real server: idempotency, conflicts, scope, paging,
// gap-free change numbers under concurrency.
#include <algorithm>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "core/coverage.h"
#include "core/merge.h"
#include "core/view.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "rocksdb/db.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {
using gridsync::v1::MUTATION_OUTCOME_APPLIED;
using gridsync::v1::MUTATION_OUTCOME_DUPLICATE;

gridsync::v1::FieldValue Str(const std::string& s) {
  gridsync::v1::FieldValue v;
  v.set_string_value(s);
  return v;
}

class SyncServiceTest : public ServerTest {};

TEST_F(SyncServiceTest, SameBatchPushedThreeTimesStoresOneCopyAndAnswersTheSame) {
  auto phone = NewPhone(kGridA);
  std::vector<gridsync::v1::Mutation> batch;
  for (int i = 1; i <= 5; ++i) batch.push_back(Visit(*phone, kGridA, i));
  auto first = phone->Push(batch);
  ASSERT_TRUE(first.ok());
  const auto stats1 = Stats();
  for (int round = 0; round < 2; ++round) {
    auto again = phone->Push(batch);
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(again->results_size(), 5);
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(first->results(i).outcome(), MUTATION_OUTCOME_APPLIED);
      EXPECT_EQ(again->results(i).outcome(), MUTATION_OUTCOME_DUPLICATE);
      EXPECT_EQ(again->results(i).change_seq(), first->results(i).change_seq());
      EXPECT_EQ(again->results(i).record_id(), first->results(i).record_id());
    }
  }
  const auto stats2 = Stats();
  EXPECT_EQ(stats2.records(), 5u);
  EXPECT_EQ(stats2.last_change_seq(), stats1.last_change_seq());
}

TEST_F(SyncServiceTest, DuplicateWithinOneBatchIsAppliedOnce) {
  auto phone = NewPhone(kGridA);
  auto m = Visit(*phone, kGridA);
  auto r = phone->Push({m, m});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->results(0).outcome(), MUTATION_OUTCOME_APPLIED);
  EXPECT_EQ(r->results(1).outcome(), MUTATION_OUTCOME_DUPLICATE);
  EXPECT_EQ(r->results(1).change_seq(), r->results(0).change_seq());
  EXPECT_EQ(Stats().last_change_seq(), base_seq_ + 1);
}

TEST_F(SyncServiceTest, AReusedSeqWithOtherContentIsSeqReusedAndNothingAfterItApplies) {
  auto phone = NewPhone(kGridA);
  auto first = Visit(*phone, kGridA, 1);
  auto second = Visit(*phone, kGridA, 2);
  ASSERT_TRUE(phone->Push({first, second}).ok());
  const uint64_t head = Stats().last_change_seq();

  // The same seq and content, re-stamped (a retry after a skew refusal): a
  // duplicate with the first result.
  auto retry = first;
  retry.set_hlc(retry.hlc() + 5000);
  auto r = phone->Push({retry});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->results(0).outcome(), gridsync::v1::MUTATION_OUTCOME_DUPLICATE);
  EXPECT_EQ(r->results(0).content_hash(), 0u);  // bookkeeping, never answered
  // The store keeps only the change number and hash; the answer is whole.
  EXPECT_EQ(r->results(0).record_id(), first.record_id());
  EXPECT_EQ(r->results(0).device_seq(), first.device_seq());
  EXPECT_GT(r->results(0).change_seq(), 0u);

  // The same seq for another record (a restored replica): SEQ_REUSED with
  // the device's highest seq; the next mutation of the push, numbered by
  // the same rewound counter, is not applied either.
  auto other = Visit(*phone, kGridA, 3);
  other.set_device_seq(first.device_seq());
  auto next = Visit(*phone, kGridA, 4);
  next.set_device_seq(second.device_seq() + 5);  // a seq the server has not seen
  r = phone->Push({other, next});
  ASSERT_TRUE(r.ok()) << r.status();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(r->results(i).outcome(), gridsync::v1::MUTATION_OUTCOME_SEQ_REUSED) << i;
    EXPECT_EQ(r->results(i).device_high_seq(), second.device_seq()) << i;
  }
  EXPECT_TRUE(absl::StrContains(r->results(0).message(), "restored")) << r->results(0).message();
  EXPECT_TRUE(absl::StrContains(r->results(0).message(), first.record_id()))
      << r->results(0).message();
  EXPECT_EQ(Stats().last_change_seq(), head);
  EXPECT_EQ(GetRecord(first.record_id()).record().visit().household_id(), Household(kGridA, 1));
}

TEST_F(SyncServiceTest, FieldsTheServerDoesNotKnowAreNotStored) {
  // An unknown field inside a causal context (a newer or broken client)
  // would otherwise be kept in one join order and not the other, and two
  // replicas of the same writes would differ in bytes (found by fuzzing).
  auto phone = NewPhone(kGridA);
  auto create = Visit(*phone, kGridA, 1);
  auto edit = phone->Begin(gridsync::v1::RECORD_KIND_VISIT, create.record_id(), kGridA);
  edit.mutable_set_field()->set_field("notes");
  edit.mutable_set_field()->mutable_value()->set_string_value("户主外出");
  auto* seen = edit.mutable_set_field()->mutable_seen();
  seen->GetReflection()->MutableUnknownFields(seen)->AddVarint(9, 1);
  edit.GetReflection()->MutableUnknownFields(&edit)->AddLengthDelimited(99, "x");
  auto r = phone->Push({create, edit});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->results(1).outcome(), MUTATION_OUTCOME_APPLIED) << r->results(1).message();
  const auto state = GetRecord(create.record_id()).state();
  for (const auto& reg : state.registers()) {
    EXPECT_TRUE(reg.context().GetReflection()->GetUnknownFields(reg.context()).empty())
        << reg.field();
  }
}

TEST_F(SyncServiceTest, ConcurrentEditsOfOneCaseFromTwoDevicesConflictThenResolve) {
  auto worker = NewPhone(kGridA, gridsync::v1::ROLE_GRID_WORKER, "网格员王");
  auto secretary = NewPhone(kVillageAB, gridsync::v1::ROLE_VILLAGE_SECRETARY, "书记李");
  auto c = worker->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, worker->NewRecordId(), kGridA);
  c.mutable_create()->set_subject_id(Household(kGridA, 3));
  worker->Record(c);
  ASSERT_TRUE(worker->Push({c}).ok());
  ASSERT_TRUE(secretary->PullAll().ok());
  const std::string id = c.record_id();
  ASSERT_NE(secretary->Find(id), nullptr);

  // Both offline: same field, different values; plus a status and a log.
  auto w = worker->SetField(*worker->Find(id), "title", Str("院墙纠纷"));
  worker->Record(w);
  auto s = secretary->SetField(*secretary->Find(id), "title", Str("宅基地纠纷"));
  secretary->Record(s);
  auto st = secretary->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, kGridA);
  st.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_MEDIATING);
  secretary->Record(st);
  // Reconnect in one order: secretary first, then worker.
  ASSERT_TRUE(secretary->Push({s, st}).ok());
  ASSERT_TRUE(worker->Push({w}).ok());
  ASSERT_TRUE(worker->PullAll().ok());
  ASSERT_TRUE(secretary->PullAll().ok());

  const auto server = GetRecord(id);
  const std::string server_bytes = core::SerializeCanonical(server.state());
  EXPECT_EQ(core::SerializeCanonical(*worker->Find(id)), server_bytes);
  EXPECT_EQ(core::SerializeCanonical(*secretary->Find(id)), server_bytes);
  ASSERT_EQ(server.record().conflicts_size(), 1);
  const auto& conflict = server.record().conflicts(0);
  EXPECT_EQ(conflict.field(), "title");
  ASSERT_EQ(conflict.siblings_size(), 2);
  std::set<std::string> authors = {conflict.siblings(0).author(), conflict.siblings(1).author()};
  EXPECT_EQ(authors, (std::set<std::string>{"网格员王", "书记李"}));
  EXPECT_EQ(server.record().dispute_case().title(), conflict.siblings(0).value().string_value());
  EXPECT_EQ(core::BuildView(*worker->Find(id)).dispute_case().title(),
            server.record().dispute_case().title());
  EXPECT_EQ(server.record().dispute_case().status(), gridsync::v1::CASE_STATUS_MEDIATING);

  // The secretary resolves; the worker's phone sees it cleared.
  auto fix = secretary->SetField(*secretary->Find(id), "title", Str("王张两家宅基地纠纷"));
  secretary->Record(fix);
  ASSERT_TRUE(secretary->Push({fix}).ok());
  ASSERT_TRUE(worker->PullAll().ok());
  EXPECT_FALSE(core::HasConflict(*worker->Find(id)));
  EXPECT_EQ(core::BuildView(*worker->Find(id)).dispute_case().title(), "王张两家宅基地纠纷");
  EXPECT_EQ(core::SerializeCanonical(*worker->Find(id)),
            core::SerializeCanonical(GetRecord(id).state()));
  EXPECT_EQ(Stats().records_with_conflicts(), 0u);
}

TEST_F(SyncServiceTest, PullShowsEachCallerOnlyItsScope) {
  auto a = NewPhone(kGridA);
  auto b = NewPhone(kGridB);
  auto d = NewPhone(kGridD);
  auto ma = Visit(*a, kGridA), mb = Visit(*b, kGridB), md = Visit(*d, kGridD);
  ASSERT_TRUE(a->Push({ma}).ok());
  ASSERT_TRUE(b->Push({mb}).ok());
  ASSERT_TRUE(d->Push({md}).ok());
  auto ids_for = [&](const std::string& token) {
    gridsync::v1::PullRequest req;
    gridsync::v1::PullResponse resp;
    EXPECT_TRUE(Pull(token, req, &resp).ok());
    EXPECT_TRUE(resp.caught_up());
    std::set<std::string> ids;
    for (const auto& r : resp.records()) ids.insert(r.record_id());
    return ids;
  };
  using Ids = std::set<std::string>;
  EXPECT_EQ(ids_for(Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA})), Ids({ma.record_id()}));
  EXPECT_EQ(ids_for(Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA, kGridD})),
            Ids({ma.record_id(), md.record_id()}));
  EXPECT_EQ(ids_for(Enroll(gridsync::v1::ROLE_VILLAGE_SECRETARY, {kVillageAB})),
            Ids({ma.record_id(), mb.record_id()}));
  EXPECT_EQ(ids_for(Enroll(gridsync::v1::ROLE_TOWN_OFFICE, {kTownABC})),
            Ids({ma.record_id(), mb.record_id()}));
  EXPECT_EQ(ids_for(Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty})),
            Ids({ma.record_id(), mb.record_id(), md.record_id()}));
}

TEST_F(SyncServiceTest, PullPagesUntilCaughtUpAndNeverRepeatsAChange) {
  auto a = NewPhone(kGridA);
  std::set<std::string> pushed;
  for (int b = 0; b < 5; ++b) {
    std::vector<gridsync::v1::Mutation> batch;
    for (int i = 0; i < 50; ++i) {
      batch.push_back(Visit(*a, kGridA, 1 + i % 20));
      pushed.insert(batch.back().record_id());
    }
    ASSERT_TRUE(a->Push(batch).ok());
  }
  const std::string token = Enroll(gridsync::v1::ROLE_VILLAGE_SECRETARY, {kVillageAB});
  uint64_t cursor = 0;
  std::set<std::string> got, registry;
  int pages = 0;
  for (; pages < 10; ++pages) {
    gridsync::v1::PullRequest req;
    req.set_cursor(cursor);
    req.set_page_size(100);
    gridsync::v1::PullResponse resp;
    ASSERT_TRUE(Pull(token, req, &resp).ok());
    EXPECT_GT(resp.next_cursor(), cursor);
    cursor = resp.next_cursor();
    for (const auto& r : resp.records()) EXPECT_TRUE(got.insert(r.record_id()).second);
    for (const auto& r : resp.registry()) {
      const std::string key = r.has_org_unit()    ? r.org_unit().code()
                              : r.has_household() ? r.household().household_id()
                                                  : r.person().person_id();
      EXPECT_TRUE(registry.insert(key).second) << key;
    }
    EXPECT_LE(resp.records_size() + resp.registry_size(), 100);
    if (resp.caught_up()) break;
  }
  // The village's registry (its 2 grids' 40 households and 40 persons, the
  // grids, the village and the town and county above it) and 250 records.
  EXPECT_EQ(pages, 3);  // 100 + 100 + 100 + 35
  EXPECT_EQ(got, pushed);
  EXPECT_EQ(registry.size(), 85u);
  EXPECT_TRUE(registry.count(kCounty) && registry.count(kTownABC) && registry.count(kVillageAB));
  EXPECT_FALSE(registry.count("410185100000"));  // another town
  EXPECT_FALSE(registry.count(Household(kGridC, 1)));
  EXPECT_EQ(cursor, base_seq_ + 250);
}

// A grid worker's first pull brings the grid's registry; later pulls bring
// only what changed, the check policy included; a registry-only pull from 0
// brings the registry without the records.
TEST_F(SyncServiceTest, PullBringsTheRegistryOfTheScopeIncrementally) {
  const std::string token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA});
  auto a = NewPhone(kGridA);
  ASSERT_TRUE(a->Push({Visit(*a, kGridA)}).ok());
  auto pull = [&](uint64_t cursor, bool registry_only) {
    gridsync::v1::PullRequest req;
    req.set_cursor(cursor);
    req.set_registry_only(registry_only);
    gridsync::v1::PullResponse resp;
    EXPECT_TRUE(Pull(token, req, &resp).ok());
    EXPECT_TRUE(resp.caught_up());
    return resp;
  };
  auto first = pull(0, false);
  EXPECT_EQ(first.records_size(), 1);
  EXPECT_EQ(first.registry_size(),
            20 + 20 + 4);  // households, persons, grid, village, town, county
  auto only = pull(0, true);
  EXPECT_EQ(only.records_size(), 0);
  EXPECT_EQ(only.registry_size(), 44);
  EXPECT_EQ(pull(first.next_cursor(), false).registry_size(), 0);

  // A new household in grid A and one in grid C, a renamed village, a new policy.
  gridsync::v1::ImportRegistryRequest imp;
  auto* h = imp.add_households();
  h->set_household_id(Household(kGridA, 21));
  h->set_grid_code(kGridA);
  h->set_head_name("新迁入户");
  auto* hc = imp.add_households();
  hc->set_household_id(Household(kGridC, 21));
  hc->set_grid_code(kGridC);
  auto* v = imp.add_org_units();
  v->set_code(kVillageAB);
  v->set_name("一村（更名）");
  Import(imp);
  SetDefaultCheckInterval(20);

  auto later = pull(first.next_cursor(), false);
  ASSERT_EQ(later.registry_size(), 3);
  std::set<std::string> what;
  for (const auto& r : later.registry()) {
    if (r.has_household()) what.insert(r.household().head_name());
    if (r.has_org_unit()) what.insert(r.org_unit().name());
    if (r.has_check_policy()) what.insert(std::to_string(r.check_policy().default_interval_days()));
  }
  EXPECT_EQ(what, (std::set<std::string>{"新迁入户", "一村（更名）", "20"}));
}

TEST_F(SyncServiceTest, ConcurrentPushesGetGapFreeChangeNumbersInCommitOrder) {
  constexpr int kThreads = 8, kBatches = 20, kPerBatch = 25;
  std::vector<std::unique_ptr<tools::Phone>> phones;
  for (int t = 0; t < kThreads; ++t) phones.push_back(NewPhone(t % 2 ? kGridA : kGridC));
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string grid = t % 2 ? kGridA : kGridC;
      for (int b = 0; b < kBatches; ++b) {
        std::vector<gridsync::v1::Mutation> batch;
        for (int i = 0; i < kPerBatch; ++i) batch.push_back(Visit(*phones[t], grid, 1 + i % 20));
        auto r = phones[t]->Push(batch);
        ASSERT_TRUE(r.ok());
        for (const auto& res : r->results()) seqs[t].push_back(res.change_seq());
        // Within one push, change numbers follow the mutation order.
        for (int i = 1; i < r->results_size(); ++i) {
          EXPECT_EQ(r->results(i).change_seq(), r->results(i - 1).change_seq() + 1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<uint64_t> all;
  for (const auto& s : seqs) all.insert(all.end(), s.begin(), s.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kBatches * kPerBatch));
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], base_seq_ + i + 1);
  EXPECT_EQ(Stats().last_change_seq(), base_seq_ + all.size());
}

TEST_F(SyncServiceTest, StateAndTokensSurviveARestart) {
  std::string device_id;
  const std::string token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA}, "网格员", &device_id);
  tools::Phone a(channel_, token, device_id, "网格员", 7);
  auto m = Visit(a, kGridA);
  ASSERT_TRUE(a.Push({m}).ok());
  const std::string before = core::SerializeCanonical(GetRecord(m.record_id()).state());
  server_->Shutdown();
  auto s = server::GridSyncServer::Start(options_);
  ASSERT_TRUE(s.ok()) << s.status();
  server_ = std::move(*s);
  channel_ = tools::Connect(addr());
  admin_ = gridsync::v1::AdminService::NewStub(channel_);
  EXPECT_EQ(core::SerializeCanonical(GetRecord(m.record_id()).state()), before);
  EXPECT_EQ(Stats().last_change_seq(), base_seq_ + 1);
  tools::Phone again(channel_, token, device_id, "网格员", 8);
  auto r = again.Push({m});  // the retry of an acked mutation after the restart
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->results(0).outcome(), MUTATION_OUTCOME_DUPLICATE);
  EXPECT_EQ(r->results(0).change_seq(), base_seq_ + 1);
}

}  // namespace
}  // namespace gridsync::testing

namespace gridsync::testing {
namespace {

// A store written before phones pulled the registry has no pull index for
// it: the server builds one from the change log when it opens.
TEST_F(SyncServiceTest, AStoreFromBeforeRegistryPullsIsIndexedAtOpen) {
  StopServer(std::chrono::milliseconds(0));
  {
    auto raw = OpenRawStore(dir_);
    ASSERT_NE(raw, nullptr);
    ASSERT_TRUE(raw->db->DeleteRange(rocksdb::WriteOptions(), raw->cf[3], "r", "s").ok());
    ASSERT_TRUE(raw->db->Delete(rocksdb::WriteOptions(), raw->cf[0], "registry_pull_index").ok());
  }
  StartServer();
  gridsync::v1::PullRequest req;
  gridsync::v1::PullResponse resp;
  ASSERT_TRUE(Pull(Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA}), req, &resp).ok());
  EXPECT_EQ(resp.registry_size(), 44);
}

}  // namespace
}  // namespace gridsync::testing

namespace gridsync::testing {
namespace {

// A questionnaire round asked by someone other than the grid's worker (a
// town's survey team): the worker's phone is never sent those answers, the
// secretary's is, and the village's figures count them all.
TEST_F(SyncServiceTest, AGridWorkerIsNotSentTheQuestionnairesOthersAskedInItsGrid) {
  auto worker = NewPhone(kGridA);
  auto team = NewPhone(kTownABC, gridsync::v1::ROLE_TOWN_OFFICE, "镇民调组");
  const int64_t now = core::SystemWallMs() - 60 * 1000;
  auto own = Survey(*worker, kGridA, 1, now, gridsync::v1::SURVEY_OUTCOME_ANSWERED, 1, 1);
  auto others = Survey(*team, kGridA, 2, now, gridsync::v1::SURVEY_OUTCOME_ANSWERED, 4, 4);
  for (auto [p, m] : {std::pair{worker.get(), own}, std::pair{team.get(), others}}) {
    auto r = p->Push({m});
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->results(0).outcome(), MUTATION_OUTCOME_APPLIED) << r->results(0).message();
  }
  auto pulled = [&](const std::string& token) {
    gridsync::v1::PullRequest req;
    gridsync::v1::PullResponse resp;
    EXPECT_TRUE(Pull(token, req, &resp).ok());
    std::set<std::string> ids;
    for (const auto& s : resp.records()) ids.insert(s.record_id());
    return ids;
  };
  const auto by_worker = pulled(worker->token());
  EXPECT_TRUE(by_worker.count(own.record_id()));
  EXPECT_FALSE(by_worker.count(others.record_id()));
  const std::string secretary =
      Enroll(gridsync::v1::ROLE_VILLAGE_SECRETARY, {kVillageAB}, "村书记");
  const auto by_secretary = pulled(secretary);
  EXPECT_TRUE(by_secretary.count(own.record_id()));
  EXPECT_TRUE(by_secretary.count(others.record_id()));
  EXPECT_TRUE(pulled(team->token()).count(others.record_id()));
  // Who asked is kept with the answers.
  const auto rec = GetRecord(others.record_id());
  EXPECT_EQ(rec.record().created_by(), "镇民调组");
}

}  // namespace
}  // namespace gridsync::testing

namespace gridsync::testing {
namespace {

// 上交: once the village escalated a case, its phones no longer move it on
// (not even later in the same push); the town office does, and may send
// it on to the county, which the town's phones then no longer move.
TEST_F(SyncServiceTest, AnEscalatedCaseIsMovedOnByTheLevelHoldingItOnly) {
  auto worker = NewPhone(kGridA, gridsync::v1::ROLE_GRID_WORKER, "网格员王");
  auto town = NewPhone(kTownABC, gridsync::v1::ROLE_TOWN_OFFICE, "镇综治中心");
  auto c = worker->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, worker->NewRecordId(), kGridA);
  c.mutable_create()->set_subject_id(Household(kGridA, 3));
  const std::string id = c.record_id();
  auto status = [&](tools::Phone& p, gridsync::v1::CaseStatus s, uint32_t epoch) {
    auto m = p.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, kGridA);
    m.mutable_set_status()->set_status(s);
    m.mutable_set_status()->set_epoch(epoch);
    return m;
  };
  auto outcomes = [](tools::Phone& p, const std::vector<gridsync::v1::Mutation>& ms) {
    auto r = p.Push(ms);
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<int> codes;
    for (const auto& res : r->results()) {
      codes.push_back(res.outcome() == MUTATION_OUTCOME_APPLIED ? 0 : res.code());
      if (res.code() == static_cast<int>(absl::StatusCode::kPermissionDenied))
        EXPECT_TRUE(absl::StrContains(res.message(), "escalated (上交)")) << res.message();
    }
    return codes;
  };
  const int kDenied = static_cast<int>(absl::StatusCode::kPermissionDenied);
  // Escalated, then accepted in the town's epoch by the village's own phone.
  EXPECT_EQ(outcomes(*worker, {c, status(*worker, gridsync::v1::CASE_STATUS_ESCALATED, 0),
                               status(*worker, gridsync::v1::CASE_STATUS_ACCEPTED, 1)}),
            (std::vector<int>{0, 0, kDenied}));
  EXPECT_EQ(outcomes(*worker, {status(*worker, gridsync::v1::CASE_STATUS_MEDIATING, 1)}),
            std::vector<int>{kDenied});
  EXPECT_EQ(outcomes(*town, {status(*town, gridsync::v1::CASE_STATUS_ACCEPTED, 1),
                             status(*town, gridsync::v1::CASE_STATUS_ESCALATED, 1)}),
            (std::vector<int>{0, 0}));
  EXPECT_EQ(outcomes(*town, {status(*town, gridsync::v1::CASE_STATUS_MEDIATING, 2)}),
            std::vector<int>{kDenied});
  const auto rec = GetRecord(id);
  EXPECT_EQ(rec.record().case_level(), gridsync::v1::CASE_LEVEL_COUNTY);
  EXPECT_EQ(rec.record().dispute_case().status(), gridsync::v1::CASE_STATUS_REGISTERED);
}

}  // namespace
}  // namespace gridsync::testing
