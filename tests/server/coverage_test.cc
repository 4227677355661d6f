// CoverageService against an independent count: the test generates visits,
// checks and cases (late syncs, voids, nobody-home visits, a visit to another
// grid's household, risk levels changing), keeps its own model of them, and
// counts by brute force what every scope and period should show.
#include "core/coverage.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "core/hlc.h"
#include "core/ids.h"
#include "core/merge.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {

using gridsync::v1::Mutation;
using tools::BoolValue;
using tools::IntValue;
using tools::StrValue;

constexpr uint64_t kSeed = 8;
constexpr int64_t kDay = core::kDayMs;

struct VisitModel {
  std::string household, worker, device;
  int64_t at = 0;
  bool nobody_home = false, voided = false;
};
struct CheckModel {
  std::string person;
  int64_t at = 0;
  int risk = -1;
  bool absent = false, voided = false;
};
struct CaseModel {
  std::string grid, id;
  int64_t registered = 0, deadline = 0;
  // The status changes, in order, each at a time on the phone's clock; the
  // last is the status now.
  std::vector<std::pair<int64_t, gridsync::v1::CaseStatus>> steps;
  uint32_t epoch = 0;  // reopens
  int followups = 0;   // of its two parties
  bool voided = false;

  gridsync::v1::CaseStatus At(int64_t t) const {
    gridsync::v1::CaseStatus s = gridsync::v1::CASE_STATUS_REGISTERED;
    for (const auto& [at, status] : steps) {
      if (at < t) s = status;
    }
    return s;
  }
  gridsync::v1::CaseStatus Now() const {
    return steps.empty() ? gridsync::v1::CASE_STATUS_REGISTERED : steps.back().second;
  }
};

class CoverageTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    coverage_ = gridsync::v1::CoverageService::NewStub(channel_);
  }

  grpc::Status Coverage(const std::string& token, const std::string& scope,
                        const gridsync::v1::Period& period,
                        gridsync::v1::GetCoverageResponse* out) {
    gridsync::v1::GetCoverageRequest req;
    req.set_scope_code(scope);
    *req.mutable_period() = period;
    auto ctx = tools::CallContext(token);
    return coverage_->GetCoverage(ctx.get(), req, out);
  }

  // Pushes and expects every mutation applied.
  void PushAll(tools::Phone& phone, const std::vector<Mutation>& ms) {
    for (size_t i = 0; i < ms.size(); i += 500) {
      std::vector<Mutation> batch(ms.begin() + i, ms.begin() + std::min(ms.size(), i + 500));
      auto r = phone.Push(batch);
      ASSERT_TRUE(r.ok()) << r.status();
      for (const auto& res : r->results()) {
        ASSERT_EQ(res.outcome(), gridsync::v1::MUTATION_OUTCOME_APPLIED) << res.message();
      }
    }
  }

  std::unique_ptr<gridsync::v1::CoverageService::Stub> coverage_;
};

gridsync::v1::Period Month(int64_t ms) {
  gridsync::v1::Period p;
  p.set_month(core::MonthName(core::MonthOf(ms)));
  return p;
}

TEST_F(CoverageTest, NumbersMatchABruteForceCountOverTheSameRecords) {
  std::mt19937_64 rng(kSeed);
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  const int64_t now = core::SystemWallMs();
  const auto this_month = *core::MonthRange(core::MonthName(core::MonthOf(now)));
  const int64_t last_month_start =
      this_month.first - 20 * kDay - (this_month.first - 20 * kDay) % kDay;
  const auto last_month = *core::MonthRange(core::MonthName(core::MonthOf(last_month_start)));

  std::vector<VisitModel> visits;
  std::vector<CheckModel> checks;
  std::vector<CaseModel> cases;
  const std::vector<std::string> grids = {kGridA, kGridB, kGridC, kGridD};
  for (const auto& grid : grids) {
    auto phone = NewPhone(grid, gridsync::v1::ROLE_GRID_WORKER, "网格员" + grid.substr(12));
    auto helper = NewPhone(grid, gridsync::v1::ROLE_GRID_WORKER, "协管员" + grid.substr(12));
    std::vector<Mutation> ms, helper_ms, phone_voids;  // pushed in this order
    // Visits over last month and this one (all pushed now: late syncs).
    for (int i = 0; i < 60; ++i) {
      const bool by_helper = i % 3 == 0;
      tools::Phone& p = by_helper ? *helper : *phone;
      VisitModel v;
      v.household = Household(grid, 1 + static_cast<int>(rng() % 20));
      v.worker = (by_helper ? "协管员" : "网格员") + grid.substr(12);
      v.device = p.device_id();
      v.at = last_month.first +
             static_cast<int64_t>(rng() % static_cast<uint64_t>(now - last_month.first));
      v.nobody_home = rng() % 6 == 0;
      auto m = p.Begin(gridsync::v1::RECORD_KIND_VISIT, p.NewRecordId(), grid);
      m.mutable_create()->set_subject_id(v.household);
      tools::AddCreateField(&m, "visited_at_ms", IntValue(v.at));
      tools::AddCreateField(&m, "nobody_home", BoolValue(v.nobody_home));
      (by_helper ? helper_ms : ms).push_back(m);
      if (rng() % 8 == 0) {
        v.voided = true;
        auto vm = p.Begin(gridsync::v1::RECORD_KIND_VISIT, m.record_id(), grid);
        vm.mutable_void_record()->set_reason("录错户了");
        (by_helper ? helper_ms : phone_voids).push_back(vm);
      }
      visits.push_back(v);
    }
    // Checks: some persons drift to risk 3 (a 7-day interval) mid-month.
    for (int i = 0; i < 40; ++i) {
      CheckModel c;
      c.person = Person(grid, 1 + static_cast<int>(rng() % 20));
      c.at = now - static_cast<int64_t>(rng() % (50 * kDay));
      auto m = phone->Begin(gridsync::v1::RECORD_KIND_SPECIAL_CHECK, phone->NewRecordId(), grid);
      m.mutable_create()->set_subject_id(c.person);
      tools::AddCreateField(&m, "checked_at_ms", IntValue(c.at));
      if (rng() % 2 == 0) {
        c.risk = rng() % 3 == 0 ? 3 : 1;
        tools::AddCreateField(&m, "risk_level", IntValue(c.risk));
      }
      c.absent = rng() % 7 == 0;
      tools::AddCreateField(&m, "person_absent", BoolValue(c.absent));
      ms.push_back(m);
      if (rng() % 10 == 0) {
        c.voided = true;
        auto vm = phone->Begin(gridsync::v1::RECORD_KIND_SPECIAL_CHECK, m.record_id(), grid);
        vm.mutable_void_record()->set_reason("重复录入");
        phone_voids.push_back(vm);
      }
      checks.push_back(c);
    }
    // Cases with statuses, parties, follow-ups and deadlines.
    for (int i = 0; i < 8; ++i) {
      CaseModel c;
      c.grid = grid;
      c.id = phone->NewRecordId();
      c.registered = last_month.first +
                     static_cast<int64_t>(rng() % static_cast<uint64_t>(now - last_month.first));
      c.deadline = rng() % 2 ? c.registered + 15 * kDay : 0;
      auto m = phone->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, c.id, grid);
      m.mutable_create()->set_subject_id(Household(grid, 1));
      tools::AddCreateField(&m, "title", StrValue("纠纷" + std::to_string(i)));
      tools::AddCreateField(&m, "registered_at_ms", IntValue(c.registered));
      if (c.deadline) tools::AddCreateField(&m, "deadline_ms", IntValue(c.deadline));
      ms.push_back(m);
      for (const char* name : {"王家", "张家"}) {
        gridsync::v1::Party party;
        party.set_name(name);
        auto lm = phone->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, c.id, grid);
        lm.mutable_append_log()->set_log("parties");
        lm.mutable_append_log()->set_element_id(phone->NewRecordId());
        lm.mutable_append_log()->set_payload(party.SerializeAsString());
        ms.push_back(lm);
      }
      // A path forward, each step later than the last (some after last
      // month's end: a past month must not see them), some reopened.
      using S = gridsync::v1::CaseStatus;
      const std::vector<std::vector<S>> paths = {
          {},
          {gridsync::v1::CASE_STATUS_MEDIATING},
          {gridsync::v1::CASE_STATUS_MEDIATING, gridsync::v1::CASE_STATUS_RESOLVED},
          {gridsync::v1::CASE_STATUS_ESCALATED},
          {gridsync::v1::CASE_STATUS_RESOLVED, gridsync::v1::CASE_STATUS_FOLLOWED_UP},
          {gridsync::v1::CASE_STATUS_MEDIATING, gridsync::v1::CASE_STATUS_RESOLVED,
           gridsync::v1::CASE_STATUS_MEDIATING}};  // the last one a reopen
      const auto& path = paths[rng() % paths.size()];
      int64_t t = c.registered;
      uint32_t epoch = 0;
      for (size_t k = 0; k < path.size(); ++k) {
        t += static_cast<int64_t>(rng() % static_cast<uint64_t>((now - t) / 2 + 1));
        auto sm = phone->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, c.id, grid);
        sm.set_hlc(core::PackHlc(t, static_cast<uint32_t>(k)));
        if (k > 0 && core::StatusRank(path[k]) < core::StatusRank(path[k - 1])) {
          sm.mutable_reopen()->set_seen_status(path[k - 1]);
          sm.mutable_reopen()->set_seen_epoch(epoch++);
          sm.mutable_reopen()->set_to_status(path[k]);
          sm.mutable_reopen()->set_reason("当事人反悔，重新调解");
        } else {
          sm.mutable_set_status()->set_status(path[k]);
          sm.mutable_set_status()->set_epoch(epoch);
        }
        ms.push_back(sm);
        c.steps.emplace_back(t, path[k]);
      }
      c.epoch = epoch;
      c.followups = static_cast<int>(rng() % 3);
      for (int f = 0; f < c.followups; ++f) {
        gridsync::v1::FollowUp fu;
        fu.set_party_name(f == 0 ? "王家" : "张家");
        auto fm = phone->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, c.id, grid);
        fm.mutable_append_log()->set_log("follow_ups");
        fm.mutable_append_log()->set_element_id(phone->NewRecordId());
        fm.mutable_append_log()->set_payload(fu.SerializeAsString());
        ms.push_back(fm);
      }
      if (rng() % 9 == 0) {
        c.voided = true;
        auto vm = phone->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, c.id, grid);
        vm.mutable_void_record()->set_reason("不属于纠纷");
        phone_voids.push_back(vm);
      }
      cases.push_back(c);
    }
    PushAll(*phone, ms);
    PushAll(*helper, helper_ms);
    PushAll(*phone, phone_voids);
    // A visit to a household of another grid is refused and counts nowhere.
    auto stray = phone->Begin(gridsync::v1::RECORD_KIND_VISIT, phone->NewRecordId(), grid);
    stray.mutable_create()->set_subject_id(Household(grid == kGridA ? kGridB : kGridA, 2));
    auto r = phone->Push({stray});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->results(0).outcome(), gridsync::v1::MUTATION_OUTCOME_REJECTED);
  }

  const auto policy = core::DefaultCheckPolicy();
  // Brute force for one scope prefix and [from, to).
  auto expect = [&](const std::string& scope, int64_t from, int64_t to) {
    SCOPED_TRACE(scope + " " + std::to_string(from));
    const std::string prefix = core::ScopePrefix(scope);
    auto in = [&](const std::string& id) { return id.rfind(prefix, 0) == 0; };
    std::set<std::string> visited;
    std::map<std::string, std::set<std::string>> by_worker;
    for (const auto& v : visits) {
      if (!in(v.household) || v.voided || v.nobody_home || v.at < from || v.at >= to) continue;
      visited.insert(v.household);
      by_worker[v.device + " " + v.worker].insert(v.household);
    }
    int64_t households = 0;
    for (const auto& g : grids) households += in(g) ? 20 : 0;
    const int64_t as_of = std::min(to, core::SystemWallMs());
    const bool ended = to <= core::SystemWallMs();
    // [0]: the supervised (管控率), [1]: the care groups (关爱率).
    struct PersonCounts {
      int64_t persons = 0, in_interval = 0, absent = 0, never = 0, not_yet_due = 0, overdue = 0;
    } want[2];
    for (const auto& g : grids) {
      if (!in(g)) continue;
      for (int n = 1; n <= 20; ++n) {
        // Odd households' persons came under supervision at the import.
        const int64_t since = PersonSince(registry_now_ms_, n);
        if ((since != 0 ? since : registry_now_ms_) >= as_of) continue;
        PersonCounts& k = want[core::IsCareCategory(PersonCategoryOf(n)) ? 1 : 0];
        ++k.persons;
        const CheckModel* last = nullptr;
        for (const auto& c : checks) {
          if (c.person != Person(g, n) || c.voided || c.at >= as_of) continue;
          if (last == nullptr || c.at > last->at) last = &c;
        }
        const int risk =
            last != nullptr && last->risk >= 0 ? last->risk : 1;  // the registry says 1
        const int interval = core::RequiredIntervalDays(policy, PersonCategoryOf(n), risk);
        if (last == nullptr) {
          ++k.never;
          // Due one interval after coming under the policy (the import's
          // time for odd households: seconds before as_of at most).
          if (since == 0 || as_of - since <= interval * kDay) {
            ++k.not_yet_due;
          } else {
            ++k.overdue;
          }
          continue;
        }
        if (as_of - last->at <= interval * kDay) {  // to the millisecond
          ++k.in_interval;
        } else {
          ++k.overdue;
        }
        if (last->absent) ++k.absent;
      }
    }
    int64_t registered = 0, resolved = 0, escalated = 0, both = 0, open_now = 0, past = 0;
    for (const auto& c : cases) {
      if (!in(c.grid) || c.voided) continue;
      // While the period runs, the status now; after, the status at its end.
      const gridsync::v1::CaseStatus status = ended ? c.At(as_of) : c.Now();
      const bool open = status == gridsync::v1::CASE_STATUS_REGISTERED ||
                        status == gridsync::v1::CASE_STATUS_MEDIATING;
      if (open && c.registered < as_of) {
        ++open_now;
        if (c.deadline && c.deadline < as_of) ++past;
      }
      if (c.registered < from || c.registered >= to) continue;
      ++registered;
      const bool is_resolved = status == gridsync::v1::CASE_STATUS_RESOLVED ||
                               status == gridsync::v1::CASE_STATUS_FOLLOWED_UP;
      if (is_resolved) ++resolved;
      if (status == gridsync::v1::CASE_STATUS_ESCALATED) ++escalated;
      // 回访率 is over the resolved cases: an escalated case followed up
      // counts for neither side, so the rate never exceeds 100%.
      if (is_resolved && c.followups == 2) ++both;
    }

    gridsync::v1::Period period;
    if (core::MonthRange(core::MonthName(core::MonthOf(from)))->first == from &&
        to - from < 32 * kDay) {
      period = Month(from);
    } else {
      period.set_from_ms(from);
      period.set_to_ms(to);
    }
    gridsync::v1::GetCoverageResponse got;
    auto st = Coverage(admin_token_, scope, period, &got);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(got.visits().households(), households);
    EXPECT_EQ(got.visits().visited(), static_cast<int64_t>(visited.size()));
    std::map<std::string, int64_t> got_workers;
    // A row per phone, named by its holder.
    for (const auto& w : got.visits().by_worker())
      got_workers[w.device_id() + " " + w.worker()] = w.households_visited();
    std::map<std::string, int64_t> want_workers;
    for (const auto& [w, hs] : by_worker) want_workers[w] = static_cast<int64_t>(hs.size());
    EXPECT_EQ(got_workers, want_workers);
    for (int care = 0; care < 2; ++care) {
      SCOPED_TRACE(care ? "关爱" : "管控");
      const auto& k = want[care];
      const auto& c = care ? got.care() : got.checks();
      EXPECT_EQ(c.persons(), k.persons);
      EXPECT_EQ(c.checked_in_interval(), k.in_interval);
      EXPECT_EQ(c.never_checked(), k.never);
      EXPECT_EQ(c.not_yet_due(), k.not_yet_due);
      EXPECT_EQ(c.overdue(), k.overdue);
      EXPECT_DOUBLE_EQ(c.rate(),
                       k.persons > 0 ? static_cast<double>(k.persons - k.overdue) / k.persons : 0);
      EXPECT_EQ(c.absent_or_out_of_contact(), k.absent);
    }
    EXPECT_EQ(got.cases().registered(), registered);
    EXPECT_EQ(got.cases().resolved(), resolved);
    EXPECT_EQ(got.cases().escalated(), escalated);
    EXPECT_EQ(got.cases().followed_up_both(), both);
    EXPECT_LE(got.cases().follow_up_rate(), 1.0);
    EXPECT_DOUBLE_EQ(
        got.cases().mediation_rate(),
        registered - escalated > 0 ? static_cast<double>(resolved) / (registered - escalated) : 0);
    EXPECT_EQ(got.cases().open_now(), open_now);
    EXPECT_EQ(got.cases().open_past_deadline(), past);

    // The unvisited list, in pages of 7, is the registry minus the visited.
    std::set<std::string> unvisited;
    std::string token;
    for (int page = 0; page < 100; ++page) {
      gridsync::v1::ListUnvisitedHouseholdsRequest req;
      req.set_scope_code(scope);
      *req.mutable_period() = period;
      req.set_page_size(7);
      req.set_page_token(token);
      gridsync::v1::ListUnvisitedHouseholdsResponse resp;
      auto ctx = tools::CallContext(admin_token_);
      ASSERT_TRUE(coverage_->ListUnvisitedHouseholds(ctx.get(), req, &resp).ok());
      for (const auto& h : resp.households())
        EXPECT_TRUE(unvisited.insert(h.household_id()).second);
      token = resp.next_page_token();
      if (token.empty()) break;
    }
    EXPECT_EQ(static_cast<int64_t>(unvisited.size() + visited.size()), households);
    for (const auto& h : visited) EXPECT_FALSE(unvisited.count(h)) << h;
  };
  for (const char* scope : {kGridA, kVillageAB, kTownABC, kCounty}) {
    expect(scope, this_month.first, this_month.second);
    expect(scope, last_month.first, last_month.second);
    expect(scope, now - 10 * kDay, now);  // any range
  }

  // The overdue list puts persons found absent first.
  gridsync::v1::ListOverduePersonsRequest req;
  req.set_scope_code(kCounty);
  req.set_page_size(1000);
  gridsync::v1::ListOverduePersonsResponse resp;
  auto ctx = tools::CallContext(admin_token_);
  ASSERT_TRUE(coverage_->ListOverduePersons(ctx.get(), req, &resp).ok());
  bool seen_present = false;
  for (const auto& p : resp.persons()) {
    const bool flagged = p.last_absent() || p.last_out_of_contact();
    EXPECT_FALSE(flagged && seen_present) << "an absent person after a present one";
    seen_present |= !flagged;
  }
  // The lists of the two groups split the whole list by category.
  std::multiset<std::string> all, split;
  for (const auto& p : resp.persons()) all.insert(p.person().person_id());
  for (auto group : {gridsync::v1::PERSON_GROUP_SUPERVISED, gridsync::v1::PERSON_GROUP_CARE}) {
    req.set_group(group);
    gridsync::v1::ListOverduePersonsResponse part;
    auto gctx = tools::CallContext(admin_token_);
    ASSERT_TRUE(coverage_->ListOverduePersons(gctx.get(), req, &part).ok());
    for (const auto& p : part.persons()) {
      EXPECT_EQ(core::IsCareCategory(p.person().category()),
                group == gridsync::v1::PERSON_GROUP_CARE);
      split.insert(p.person().person_id());
    }
  }
  EXPECT_EQ(split, all);
  req.set_group(static_cast<gridsync::v1::PersonGroup>(9));
  auto bad_ctx = tools::CallContext(admin_token_);
  EXPECT_EQ(coverage_->ListOverduePersons(bad_ctx.get(), req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // Cases open at last month's end, as the list shows them, are the
  // model's: registered by then and open by the steps taken by then, at
  // the level holding it: an escalated case is open at the town, which
  // received it and had done nothing with it yet.
  std::set<std::string> want_open, got_open, want_town, got_town;
  for (const auto& c : cases) {
    const auto s = c.At(last_month.second);
    if (c.voided || c.registered >= last_month.second) continue;
    if (s == gridsync::v1::CASE_STATUS_REGISTERED || s == gridsync::v1::CASE_STATUS_MEDIATING)
      want_open.insert(c.id);
    if (s == gridsync::v1::CASE_STATUS_ESCALATED) {
      want_open.insert(c.id);
      want_town.insert(c.id);
    }
  }
  gridsync::v1::ListOpenCasesRequest open_req;
  open_req.set_scope_code(kCounty);
  open_req.set_page_size(1000);
  open_req.set_as_of_ms(last_month.second);
  gridsync::v1::ListOpenCasesResponse open_resp;
  auto open_ctx = tools::CallContext(admin_token_);
  ASSERT_TRUE(coverage_->ListOpenCases(open_ctx.get(), open_req, &open_resp).ok());
  for (const auto& c : open_resp.cases()) {
    got_open.insert(c.record_id());
    if (c.level() == gridsync::v1::CASE_LEVEL_TOWN) got_town.insert(c.record_id());
  }
  EXPECT_EQ(got_open, want_open);
  EXPECT_EQ(got_town, want_town);
  EXPECT_FALSE(want_open.empty());
  EXPECT_FALSE(want_town.empty());

  // Last month's report does not move when its cases go on: every case is
  // closed now, and last month reads the same.
  gridsync::v1::GetCoverageResponse before, after;
  ASSERT_TRUE(Coverage(admin_token_, kCounty, Month(last_month.first), &before).ok());
  auto closer = NewPhone(kGridA, gridsync::v1::ROLE_GRID_WORKER, "镇综治办");
  for (const auto& c : cases) {
    if (c.grid != kGridA || c.voided) continue;
    auto m = closer->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, c.id, c.grid);
    m.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_CLOSED);
    m.mutable_set_status()->set_epoch(c.epoch);
    PushAll(*closer, {m});
  }
  ASSERT_TRUE(Coverage(admin_token_, kCounty, Month(last_month.first), &after).ok());
  EXPECT_EQ(after.SerializeAsString(), before.SerializeAsString());
  ASSERT_TRUE(Coverage(admin_token_, kGridA, {}, &after).ok());
  EXPECT_EQ(after.cases().open_now(), 0);  // this month sees them closed
}

TEST_F(CoverageTest, ASecretarySeesOnlyTheVillage) {
  const std::string token = Enroll(gridsync::v1::ROLE_VILLAGE_SECRETARY, {kVillageAB}, "村书记");
  gridsync::v1::GetCoverageResponse got;
  EXPECT_TRUE(Coverage(token, kVillageAB, {}, &got).ok());
  EXPECT_EQ(got.visits().households(), 40);
  EXPECT_TRUE(Coverage(token, kGridB, {}, &got).ok());  // a grid of the village
  EXPECT_EQ(Coverage(token, "410185001202", {}, &got).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Coverage(token, kTownABC, {}, &got).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Coverage(token, kCounty, {}, &got).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  const std::string worker = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA}, "网格员");
  EXPECT_EQ(Coverage(worker, kVillageAB, {}, &got).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Coverage("not-a-token", kVillageAB, {}, &got).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  gridsync::v1::Period bad;
  bad.set_month("2026-13");
  EXPECT_EQ(Coverage(token, kVillageAB, bad, &got).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Coverage(admin_token_, "410185001299", {}, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace gridsync::testing
