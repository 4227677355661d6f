// gridsync-export against a real PostgreSQL (GRIDSYNC_TEST_PG: a libpq
// conninfo of a server where the test may create databases; scripts/test.sh
// starts one). The exporter runs as a child process and is SIGKILLed at
// random points while phones keep pushing; after a final catch-up every
// table must equal the server's state: no row missing, none twice.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/attachment.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "core/view.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gridsync/client.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "gridsync/v1/feed_service.grpc.pb.h"
#include "server/auth.h"
#include "server/backup.h"
#include "server/local_actor.h"
#include "tests/server/server_process.h"
#include "tests/server/test_server.h"
#include "tests/tools/scratch_db.h"
#include "tools/common/export_lib.h"
#include "tools/common/pg.h"
#include "tools/common/sample_data.h"

namespace gridsync::testing {
namespace {

using gridsync::v1::Mutation;

constexpr uint64_t kSeed = 20261125;

class ExportTest : public ServerTest {
 protected:
  void SetUp() override {
    db_ = ScratchDb::Create();
    if (db_ == nullptr) {
      if (getenv("CI") != nullptr)
        FAIL() << "GRIDSYNC_TEST_PG is not set; scripts/test.sh starts a PostgreSQL";
      GTEST_SKIP()
          << "GRIDSYNC_TEST_PG is not set (scripts/test.sh starts a PostgreSQL for these tests)";
    }
    ServerTest::SetUp();
    job_token_ = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty}, "县委政法委");
    token_file_ = dir_ + ".job.token";
    // A token is a secret: 0600, like gridsyncd's admin.token.
    const int fd = open(token_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    const std::string line = job_token_ + "\n";
    ASSERT_EQ(write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    close(fd);
  }

  std::vector<std::string> ExportArgs(bool once) {
    std::vector<std::string> a = {GRIDSYNC_EXPORT_PATH, "--server", addr(),  "--token-file",
                                  token_file_,          "--scope",  kCounty, "--pg",
                                  db_->conninfo(),      "--batch",  "300"};
    if (once) a.push_back("--once");
    return a;
  }

  pid_t Spawn(const std::vector<std::string>& args) {
    const pid_t pid = fork();
    if (pid == 0) {
      std::vector<char*> argv;
      for (const auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
      argv.push_back(nullptr);
      freopen((dir_ + ".export.log").c_str(), "a", stderr);
      freopen("/dev/null", "w", stdout);
      execv(argv[0], argv.data());
      _exit(127);
    }
    return pid;
  }

  // One grid's worth of field work: visits (some voided), checks, cases
  // with parties, status moves and edits of the title.
  std::vector<Mutation> Work(tools::Phone& p, const std::string& grid, std::mt19937_64& rng,
                             int n) {
    std::vector<Mutation> ms;
    const int64_t now = core::SystemWallMs();
    for (int i = 0; i < n; ++i) {
      const int what = static_cast<int>(rng() % 10);
      if (what < 6) {
        auto m = Visit(p, grid, 1 + static_cast<int>(rng() % 20));
        tools::AddCreateField(
            &m, "visited_at_ms",
            tools::IntValue(now - static_cast<int64_t>(rng() % (40 * core::kDayMs))));
        ms.push_back(m);
        if (rng() % 10 == 0) {
          auto v = p.Begin(gridsync::v1::RECORD_KIND_VISIT, m.record_id(), grid);
          v.mutable_void_record()->set_reason("录错户了");
          ms.push_back(v);
        }
      } else if (what < 8) {
        auto m = p.Begin(gridsync::v1::RECORD_KIND_SPECIAL_CHECK, p.NewRecordId(), grid);
        m.mutable_create()->set_subject_id(Person(grid, 1 + static_cast<int>(rng() % 20)));
        tools::AddCreateField(
            &m, "checked_at_ms",
            tools::IntValue(now - static_cast<int64_t>(rng() % (20 * core::kDayMs))));
        tools::AddCreateField(&m, "person_absent", tools::BoolValue(rng() % 5 == 0));
        tools::AddCreateField(&m, "observed", tools::StrValue("情绪稳定, 按时服药"));
        ms.push_back(m);
      } else {
        const std::string id = p.NewRecordId();
        auto m = p.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, grid);
        m.mutable_create()->set_subject_id(Household(grid, 1 + static_cast<int>(rng() % 20)));
        tools::AddCreateField(&m, "title", tools::StrValue("宅基地边界纠纷 '引号' \\ 反斜杠"));
        ms.push_back(m);
        gridsync::v1::Party party;
        party.set_name("李家");
        auto lm = p.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, grid);
        lm.mutable_append_log()->set_log("parties");
        lm.mutable_append_log()->set_element_id(p.NewRecordId());
        lm.mutable_append_log()->set_payload(party.SerializeAsString());
        ms.push_back(lm);
        if (rng() % 2) {
          auto sm = p.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, grid);
          sm.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_MEDIATING);
          ms.push_back(sm);
        }
      }
    }
    return ms;
  }

  // The server's view, read from the feed: change numbers in scope, the
  // last registry entry per key, and every record's current state.
  struct ServerView {
    std::vector<uint64_t> seqs;
    std::map<std::string, gridsync::v1::RecordState> records;
    std::map<std::string, gridsync::v1::Household> households;
    std::map<std::string, gridsync::v1::SupervisedPerson> persons;
    std::map<std::string, gridsync::v1::OrgUnit> org_units;
    std::optional<gridsync::v1::CheckPolicy> policy;
    int mutations = 0;
    uint64_t head = 0;
  };
  ServerView ReadServer() {
    ServerView v;
    auto stub = gridsync::v1::FeedService::NewStub(channel_);
    gridsync::v1::SubscribeRequest req;
    req.set_scope_code(kCounty);
    auto ctx = tools::CallContext(job_token_);
    auto reader = stub->Subscribe(ctx.get(), req);
    gridsync::v1::SubscribeResponse m;
    while (reader->Read(&m)) {
      v.head = m.cursor();
      if (!m.has_change()) continue;
      v.seqs.push_back(m.change().seq());
      const auto& r = m.change().registry();
      v.mutations += m.change().has_mutation();
      // A record's state comes with its first change of each page the server read.
      if (m.has_state()) v.records[m.state().record_id()] = m.state();
      if (r.has_household()) v.households[r.household().household_id()] = r.household();
      if (r.has_person()) v.persons[r.person().person_id()] = r.person();
      if (r.has_org_unit()) v.org_units[r.org_unit().code()] = r.org_unit();
      if (r.has_check_policy()) v.policy = r.check_policy();
    }
    EXPECT_TRUE(reader->Finish().ok());
    return v;
  }

  std::unique_ptr<ScratchDb> db_;
  std::string job_token_, token_file_;
};

std::vector<std::string> Column(tools::PgConn& pg, const std::string& sql) {
  auto r = pg.Query(sql);
  EXPECT_TRUE(r.ok()) << r.status();
  std::vector<std::string> out;
  if (!r.ok()) return out;
  for (const auto& row : r->rows) out.push_back(row[0].value_or("NULL"));
  return out;
}

TEST_F(ExportTest, KilledAtRandomPointsThenRestartedGivesEveryChangeExactlyOnce) {
  std::mt19937_64 rng(kSeed);
  SCOPED_TRACE(absl::StrCat("seed ", kSeed));
  // Phones keep working while the exporter is killed and restarted.
  // They write until the kills are over (at most 80 rounds), so that each
  // kill finds work to do however fast the exporter is.
  std::atomic<int> pushed{0};
  std::atomic<bool> kills_over{false};
  std::vector<std::thread> writers;
  for (const std::string grid : {kGridA, kGridB, kGridC, kGridD}) {
    std::shared_ptr<tools::Phone> phone(NewPhone(grid).release());
    writers.emplace_back([&, grid, phone, seed = rng()] {
      std::mt19937_64 r(seed);
      for (int round = 0; round < 80 && !kills_over; ++round) {
        auto ms = Work(*phone, grid, r, 60);
        auto resp = phone->Push(ms);
        ASSERT_TRUE(resp.ok()) << resp.status();
        for (const auto& res : resp->results()) {
          ASSERT_EQ(res.outcome(), gridsync::v1::MUTATION_OUTCOME_APPLIED) << res.message();
        }
        pushed += static_cast<int>(ms.size());
        std::this_thread::sleep_for(std::chrono::milliseconds(40));
      }
    });
  }
  // Kill the following exporter at random points, 10 times; note where its
  // stored cursor stood after each kill.
  auto pg = tools::PgConn::Connect(db_->conninfo());
  ASSERT_TRUE(pg.ok()) << pg.status();
  std::set<std::string> cursors_seen;
  auto cursor = [&]() -> std::string {
    auto c = (*pg)->Query("SELECT cursor FROM export_cursor");
    return c.ok() && !c->rows.empty() && c->rows[0][0] ? *c->rows[0][0] : "";
  };
  std::string last_cursor;
  int kills = 0;
  for (int i = 0; i < 10; ++i) {
    const pid_t pid = Spawn(ExportArgs(/*once=*/false));
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 300));
    // On a loaded machine the exporter may not have stored anything yet:
    // wait (at most 3 s) until it has, so that each kill interrupts work.
    for (int w = 0; w < 60 && cursor() == last_cursor; ++w) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    kills += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    if (i == 4) {  // the registry changes meanwhile too: addresses corrected, a new check policy
      gridsync::v1::ImportRegistryRequest fix;
      for (int h = 1; h <= 5; ++h) {
        auto* hh = fix.add_households();
        hh->set_household_id(Household(kGridA, h));
        hh->set_grid_code(kGridA);
        hh->set_address(absl::StrCat("嵩阳街道 ", h, " 号 (门牌已更正)"));
        hh->set_head_name(absl::StrCat("户主", h));
      }
      gridsync::v1::ImportRegistryResponse ir;
      auto ictx = tools::CallContext(admin_token_);
      ASSERT_TRUE(admin_->ImportRegistry(ictx.get(), fix, &ir).ok());
      EXPECT_EQ(ir.updated(), 5);
      auto cov = gridsync::v1::CoverageService::NewStub(channel_);
      gridsync::v1::SetCheckPolicyRequest sp;
      *sp.mutable_policy() = core::DefaultCheckPolicy();
      sp.mutable_policy()->set_default_interval_days(45);
      gridsync::v1::CheckPolicy set;
      auto pctx = tools::CallContext(admin_token_);
      ASSERT_TRUE(cov->SetCheckPolicy(pctx.get(), sp, &set).ok());
    }
    last_cursor = cursor();
    if (!last_cursor.empty()) cursors_seen.insert(last_cursor);
  }
  kills_over = true;
  for (auto& t : writers) t.join();
  EXPECT_EQ(kills, 10);
  EXPECT_GE(cursors_seen.size(), 3u) << "the exporter was not killed while it had work to do";
  // Catch up once more; a second --once finds nothing new.
  std::string out;
  ASSERT_EQ(RunCommand(ExportArgs(true), &out), 0) << out;
  out.clear();
  ASSERT_EQ(RunCommand(ExportArgs(true), &out), 0) << out;
  EXPECT_NE(out.find(": 0 changes"), std::string::npos) << out;

  const ServerView server = ReadServer();
  // changes: every change number in scope, once.
  std::vector<std::string> want_seqs;
  for (uint64_t s : server.seqs) want_seqs.push_back(std::to_string(s));
  EXPECT_EQ(Column(**pg, "SELECT seq FROM changes ORDER BY seq"), want_seqs);
  EXPECT_EQ(Column(**pg, "SELECT cursor FROM export_cursor"),
            std::vector<std::string>{std::to_string(server.head)});
  EXPECT_EQ(server.mutations, pushed.load());

  // Records: the same ids, each row built from the server's current state.
  std::map<std::string, std::string> rows;  // record_id -> doc
  for (const char* table : {"visits", "cases", "checks"}) {
    auto r = (*pg)->Query(absl::StrCat("SELECT record_id, doc::text FROM ", table));
    ASSERT_TRUE(r.ok()) << r.status();
    for (const auto& row : r->rows)
      EXPECT_TRUE(rows.emplace(*row[0], *row[1]).second) << *row[0] << " twice";
  }
  ASSERT_EQ(rows.size(), server.records.size());
  int compared = 0;
  for (const auto& [id, state] : server.records) {
    auto it = rows.find(id);
    ASSERT_NE(it, rows.end()) << "record " << id << " is missing from PostgreSQL";
    gridsync::v1::Record got;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(it->second, &got).ok()) << it->second;
    const auto want = core::BuildView(state);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, want))
        << "record " << id << ": PostgreSQL has " << got.ShortDebugString() << "\nthe server has "
        << want.ShortDebugString();
    ++compared;
  }
  EXPECT_GT(compared, 1000);
  // Registry tables, field by field.
  std::vector<std::string> hh, persons, units, policy;
  for (const auto& [id, h] : server.households) {
    hh.push_back(absl::StrCat(id, "|", h.grid_code(), "|", h.address(), "|", h.head_name()));
  }
  for (const auto& [id, p] : server.persons) {
    persons.push_back(absl::StrCat(id, "|", p.household_id(), "|", p.name(), "|", p.risk_level()));
  }
  for (const auto& [code, u] : server.org_units)
    absl::StrAppend(&units.emplace_back(), code, "|", u.name());
  EXPECT_EQ(Column(**pg,
                   "SELECT household_id || '|' || grid_code || '|' || address || '|' || head_name "
                   "FROM households ORDER BY household_id COLLATE \"C\""),
            hh);
  EXPECT_EQ(Column(**pg,
                   "SELECT person_id || '|' || household_id || '|' || name || '|' || risk_level "
                   "FROM persons ORDER BY person_id COLLATE \"C\""),
            persons);
  EXPECT_EQ(Column(**pg, "SELECT code || '|' || name FROM org_units ORDER BY code COLLATE \"C\""),
            units);
  ASSERT_TRUE(server.policy.has_value());
  EXPECT_EQ(Column(**pg, "SELECT DISTINCT scope FROM check_policy"),
            std::vector<std::string>{kCounty});
  EXPECT_EQ(Column(**pg, "SELECT interval_days FROM check_policy WHERE category = 'default'"),
            std::vector<std::string>{"45"});
  EXPECT_EQ(Column(**pg, "SELECT count(*) FROM check_policy WHERE category <> 'default'"),
            std::vector<std::string>{std::to_string(server.policy->intervals_size())});
  EXPECT_EQ(Column(**pg, "SELECT count(*) FROM households WHERE address LIKE '%门牌已更正%'"),
            std::vector<std::string>{"5"});
  // The word the table has always held for a household living there, though
  // the enum's zero value is HOUSEHOLD_STATUS_UNSPECIFIED since 0.27.0.
  EXPECT_EQ(Column(**pg, "SELECT count(*) > 0 FROM households WHERE status = 'active'"),
            std::vector<std::string>{"t"});
  EXPECT_EQ(Column(**pg, "SELECT count(*) FROM households WHERE status = 'unspecified'"),
            std::vector<std::string>{"0"});
}

TEST_F(ExportTest, CoverageViewsAgreeWithTheServersCoverage) {
  std::mt19937_64 rng(kSeed + 1);
  for (const std::string grid : {kGridA, kGridB, kGridC}) {
    auto phone = NewPhone(grid);
    auto r = phone->Push(Work(*phone, grid, rng, 200));
    ASSERT_TRUE(r.ok()) << r.status();
  }
  // Cases of last month, some resolved or escalated within it and some
  // only now: last month's view counts them as they were at its end.
  const int64_t now = core::SystemWallMs();
  const auto this_month = *core::MonthRange(core::MonthName(core::MonthOf(now)));
  const int64_t last_start =
      core::MonthRange(core::MonthName(core::MonthOf(this_month.first - 1)))->first;
  auto phone = NewPhone(kGridA);
  std::vector<gridsync::v1::Mutation> ms;
  for (int i = 0; i < 12; ++i) {
    const std::string id = phone->NewRecordId();
    auto c = phone->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, kGridA);
    c.mutable_create()->set_subject_id(Household(kGridA, 1 + i));
    tools::AddCreateField(&c, "title", tools::StrValue("宅基地纠纷"));
    tools::AddCreateField(&c, "registered_at_ms", tools::IntValue(last_start + i * core::kDayMs));
    ms.push_back(c);
    if (i % 4 == 0) continue;  // still open
    auto st = phone->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, kGridA);
    st.mutable_set_status()->set_status(i % 4 == 3 ? gridsync::v1::CASE_STATUS_ESCALATED
                                                   : gridsync::v1::CASE_STATUS_RESOLVED);
    // i % 4 == 2: resolved only now, after last month ended.
    if (i % 4 != 2) st.set_hlc(core::PackHlc(last_start + (i + 1) * core::kDayMs, 0));
    ms.push_back(st);
  }
  // 积案 past 10 days: in grid B, one resolved and one escalated 15 days
  // after registration, both within last month.
  auto phone_b = NewPhone(kGridB);
  std::vector<gridsync::v1::Mutation> old_b;
  for (auto status : {gridsync::v1::CASE_STATUS_RESOLVED, gridsync::v1::CASE_STATUS_ESCALATED}) {
    const std::string id = phone_b->NewRecordId();
    auto c = phone_b->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, kGridB);
    c.mutable_create()->set_subject_id(Household(kGridB, 1));
    tools::AddCreateField(&c, "title", tools::StrValue("积案"));
    tools::AddCreateField(&c, "registered_at_ms", tools::IntValue(last_start));
    old_b.push_back(c);
    auto st = phone_b->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, kGridB);
    st.mutable_set_status()->set_status(status);
    st.set_hlc(core::PackHlc(last_start + 15 * core::kDayMs, 0));
    old_b.push_back(st);
  }
  {  // and one still open that passes the 10 days at the month's very end
    auto c = phone_b->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, phone_b->NewRecordId(), kGridB);
    c.mutable_create()->set_subject_id(Household(kGridB, 2));
    tools::AddCreateField(&c, "title", tools::StrValue("刚成积案"));
    tools::AddCreateField(&c, "registered_at_ms",
                          tools::IntValue(this_month.first - 10 * core::kDayMs - 1));
    old_b.push_back(c);
  }
  // Village AB's screening of last month: 3 disputes found (village C's: none).
  {
    auto s = phone->Begin(gridsync::v1::RECORD_KIND_SCREENING_REPORT, phone->NewRecordId(), kGridA);
    tools::AddCreateField(&s, "month", tools::IntValue(core::MonthOf(last_start)));
    tools::AddCreateField(&s, "disputes_found", tools::IntValue(3));
    ms.push_back(s);
  }
  // A trouble spot of grid A found last month, rectified on its 20th day.
  {
    const std::string id = phone->NewRecordId();
    auto s = phone->Begin(gridsync::v1::RECORD_KIND_TROUBLE_SPOT, id, kGridA);
    tools::AddCreateField(&s, "place", tools::StrValue("村东砖厂路口"));
    tools::AddCreateField(&s, "found_at_ms", tools::IntValue(last_start + 2 * core::kDayMs));
    ms.push_back(s);
    auto done = phone->Begin(gridsync::v1::RECORD_KIND_TROUBLE_SPOT, id, kGridA);
    done.mutable_set_field()->set_field("state");
    done.mutable_set_field()->mutable_value()->set_int_value(
        gridsync::v1::RECTIFICATION_STATE_RECTIFIED);
    done.set_hlc(core::PackHlc(last_start + 20 * core::kDayMs, 0));
    ms.push_back(done);
  }
  for (auto* batch : {&ms, &old_b}) {
    auto pushed = (batch == &ms ? phone : phone_b)->Push(*batch);
    ASSERT_TRUE(pushed.ok()) << pushed.status();
    for (const auto& res : pushed->results()) ASSERT_EQ(res.code(), 0) << res.message();
  }
  // 督办: the town office's tasks to grid A last month: done on time and
  // confirmed only now, done late, never done, due this month, and one
  // sent back; the office's writes and the worker's in the order made.
  {
    auto office = NewPhone(kTownABC, gridsync::v1::ROLE_TOWN_OFFICE, "镇综治中心");
    std::vector<gridsync::v1::Mutation> given, village, answered;
    auto day = [&](int d) { return last_start + d * core::kDayMs; };
    auto step = [&](tools::Phone& p, const std::string& id, gridsync::v1::TaskAction a,
                    int64_t at) {
      gridsync::v1::TaskStep s;
      s.set_action(a);
      auto m = p.Begin(gridsync::v1::RECORD_KIND_TASK, id, kGridA);
      m.set_hlc(core::PackHlc(at, 0));
      m.mutable_append_log()->set_log("steps");
      m.mutable_append_log()->set_element_id(p.NewRecordId());
      m.mutable_append_log()->set_payload(s.SerializeAsString());
      return m;
    };
    struct Plan {
      int given, deadline, done, answer;  // days after last month began; -1: none
      bool back;
    };
    const int64_t next_month = this_month.second - last_start;
    for (const Plan& p :
         {Plan{1, 10, 8, -2, false}, Plan{2, 12, 15, 16, false}, Plan{3, 20, -1, -1, false},
          Plan{4, static_cast<int>(next_month / core::kDayMs) - 3, -1, -1, false},
          Plan{5, 25, 6, 7, true}}) {
      const std::string id = office->NewRecordId();
      auto c = office->Begin(gridsync::v1::RECORD_KIND_TASK, id, kGridA);
      c.set_hlc(core::PackHlc(day(p.given), 0));
      tools::AddCreateField(&c, "title", tools::StrValue("核查出租房屋"));
      tools::AddCreateField(&c, "deadline_ms", tools::IntValue(day(p.deadline)));
      given.push_back(c);
      if (p.done < 0) continue;
      village.push_back(step(*phone, id, gridsync::v1::TASK_ACTION_REPORT_DONE, day(p.done)));
      answered.push_back(
          step(*office, id,
               p.back ? gridsync::v1::TASK_ACTION_SEND_BACK : gridsync::v1::TASK_ACTION_CONFIRM,
               p.answer < 0 ? now : day(p.answer)));
    }
    for (auto* batch : {&given, &village, &answered}) {
      auto pushed = (batch == &village ? phone : office)->Push(*batch);
      ASSERT_TRUE(pushed.ok()) << pushed.status();
      for (const auto& res : pushed->results()) ASSERT_EQ(res.code(), 0) << res.message();
    }
  }
  {
    gridsync::v1::SetCheckPolicyRequest sp;
    *sp.mutable_policy() = core::DefaultCheckPolicy();
    sp.mutable_policy()->set_backlog_days(10);
    gridsync::v1::CheckPolicy set;
    auto pctx = tools::CallContext(admin_token_);
    ASSERT_TRUE(gridsync::v1::CoverageService::NewStub(channel_)
                    ->SetCheckPolicy(pctx.get(), sp, &set)
                    .ok());
  }

  // 复查: two visits of grid A last month, verified by the town office, one
  // found not made.
  {
    auto office = NewPhone(kTownABC, gridsync::v1::ROLE_TOWN_OFFICE, "镇综治中心");
    std::vector<gridsync::v1::Mutation> made, said;
    for (int n : {17, 18}) {
      const std::string id = phone->NewRecordId();
      auto v = phone->Begin(gridsync::v1::RECORD_KIND_VISIT, id, kGridA);
      v.mutable_create()->set_subject_id(Household(kGridA, n));
      tools::AddCreateField(&v, "visited_at_ms", tools::IntValue(last_start + 3 * core::kDayMs));
      made.push_back(v);
      gridsync::v1::VisitVerification f;
      f.set_method(gridsync::v1::VERIFICATION_METHOD_PHONE);
      f.set_reached(true);
      f.set_confirmation(n == 17 ? gridsync::v1::VISIT_CONFIRMATION_CONFIRMED
                                 : gridsync::v1::VISIT_CONFIRMATION_NOT_MADE);
      auto m = office->Begin(gridsync::v1::RECORD_KIND_VISIT, id, kGridA);
      m.mutable_append_log()->set_log("verifications");
      m.mutable_append_log()->set_element_id(office->NewRecordId());
      m.mutable_append_log()->set_payload(f.SerializeAsString());
      said.push_back(m);
    }
    for (auto* batch : {&made, &said}) {
      auto pushed = (batch == &made ? phone : office)->Push(*batch);
      ASSERT_TRUE(pushed.ok()) << pushed.status();
      for (const auto& res : pushed->results()) ASSERT_EQ(res.code(), 0) << res.message();
    }
  }

  // 干部参与率: a cadre of village AB visits 10 households last month (its
  // quota), a party member 2 (short of 5).
  for (const auto& [kind, n] : {std::pair{gridsync::v1::CADRE_KIND_CADRE, 10},
                                std::pair{gridsync::v1::CADRE_KIND_PARTY_MEMBER, 2}}) {
    std::string device;
    const std::string token = Enroll(gridsync::v1::ROLE_CADRE, {kVillageAB}, "干部", &device, kind);
    tools::Phone cadre(channel_, token, device, "干部", 11);
    std::vector<gridsync::v1::Mutation> ms;
    for (int h = 1; h <= n; ++h) {
      auto v = cadre.Begin(gridsync::v1::RECORD_KIND_VISIT, cadre.NewRecordId(), kGridB);
      v.mutable_create()->set_subject_id(Household(kGridB, h));
      tools::AddCreateField(&v, "visited_at_ms", tools::IntValue(last_start + 5 * core::kDayMs));
      ms.push_back(v);
    }
    auto pushed = cadre.Push(ms);
    ASSERT_TRUE(pushed.ok()) << pushed.status();
    for (const auto& res : pushed->results()) ASSERT_EQ(res.code(), 0) << res.message();
  }

  std::string out;
  ASSERT_EQ(RunCommand(ExportArgs(true), &out, /*with_stderr=*/true), 0) << out;
  auto pg = tools::PgConn::Connect(db_->conninfo());
  ASSERT_TRUE(pg.ok()) << pg.status();
  auto coverage = gridsync::v1::CoverageService::NewStub(channel_);
  for (const std::string& village : {std::string(kVillageAB), std::string(kGridC).substr(0, 12)})
    for (const std::string& month :
         {core::MonthName(core::MonthOf(now)), core::MonthName(core::MonthOf(last_start))}) {
      SCOPED_TRACE(village + " " + month);
      gridsync::v1::GetCoverageRequest req;
      req.set_scope_code(village);
      req.mutable_period()->set_month(month);
      gridsync::v1::GetCoverageResponse cov;
      auto ctx = tools::CallContext(job_token_);
      ASSERT_TRUE(coverage->GetCoverage(ctx.get(), req, &cov).ok());
      auto got = Column(
          **pg,
          absl::StrCat("SELECT sum(households) || '/' || sum(visited) FROM visit_coverage_by_month "
                       "WHERE village_code = '",
                       village, "' AND month = '", month, "'"));
      EXPECT_EQ(got, std::vector<std::string>{absl::StrCat(cov.visits().households(), "/",
                                                           cov.visits().visited())})
          << village;
      auto cases = Column(
          **pg,
          absl::StrCat("SELECT registered || '/' || open || '/' || resolved || '/' || escalated "
                       "FROM case_coverage_by_month WHERE village_code = '",
                       village, "' AND month = '", month, "'"));
      const auto& k = cov.cases();
      EXPECT_EQ(cases, k.registered() == 0 ? std::vector<std::string>{}
                                           : std::vector<std::string>{
                                                 absl::StrCat(k.registered(), "/", k.open(), "/",
                                                              k.resolved(), "/", k.escalated())});
      EXPECT_EQ(k.backlog_days(), 10);
      const auto& ts = cov.trouble_spots();
      EXPECT_EQ(
          Column(**pg, absl::StrCat("SELECT spots || '/' || rectified || '/' || open || '/' || "
                                    "found FROM trouble_spots_by_month WHERE village_code = '",
                                    village, "' AND month = '", month, "'")),
          ts.spots() == 0 ? std::vector<std::string>{}
                          : std::vector<std::string>{absl::StrCat(
                                ts.spots(), "/", ts.rectified(), "/", ts.open(), "/", ts.found())});
      const auto& sc = cov.screening();
      ASSERT_EQ(sc.village_months(), 1);
      EXPECT_EQ(Column(**pg, absl::StrCat("SELECT reported || '/' || zero_report || '/' || "
                                          "disputes_found FROM screening_by_month WHERE "
                                          "village_code = '",
                                          village, "' AND month = '", month, "'")),
                std::vector<std::string>{absl::StrCat(sc.reported() ? "true" : "false", "/",
                                                      sc.zero_reports() ? "true" : "false", "/",
                                                      sc.disputes_found())});
      const auto& vf = cov.verification();
      EXPECT_EQ(Column(**pg, absl::StrCat("SELECT sampled || '/' || verified || '/' || confirmed "
                                          "|| '/' || not_made || '/' || unsure FROM "
                                          "verification_by_month WHERE village_code = '",
                                          village, "' AND month = '", month, "'")),
                vf.sampled() == 0 ? std::vector<std::string>{}
                                  : std::vector<std::string>{absl::StrCat(
                                        vf.sampled(), "/", vf.verified(), "/", vf.confirmed(), "/",
                                        vf.not_made(), "/", vf.unsure())});
      if (village == kVillageAB && month == core::MonthName(core::MonthOf(last_start))) {
        EXPECT_EQ(absl::StrCat(vf.verified(), "/", vf.confirmed(), "/", vf.not_made()), "2/1/1");
      }
      const auto& cd = cov.cadres();
      EXPECT_EQ(Column(**pg, absl::StrCat("SELECT cadres || '/' || met || '/' || "
                                          "households_visited FROM cadre_participation_by_month "
                                          "WHERE village_code = '",
                                          village, "' AND month = '", month, "'")),
                cd.cadres() == 0 ? std::vector<std::string>{}
                                 : std::vector<std::string>{absl::StrCat(
                                       cd.cadres(), "/", cd.met(), "/", cd.households_visited())});
      if (village == kVillageAB && month == core::MonthName(core::MonthOf(last_start))) {
        EXPECT_EQ(absl::StrCat(cd.cadres(), "/", cd.met(), "/", cd.households_visited()), "2/1/12");
      }
      const auto& tk = cov.tasks();
      if (village == kVillageAB && month == core::MonthName(core::MonthOf(last_start))) {
        // Due: all but the fourth; on time the first (confirmed only now),
        // late the second; open at the month's end the first, third,
        // fourth and fifth; overdue the third and the one sent back.
        EXPECT_EQ(absl::StrCat(tk.due(), "/", tk.on_time(), "/", tk.late(), "/", tk.open(), "/",
                               tk.overdue(), "/", tk.awaiting_confirmation(), "/", tk.assigned()),
                  "4/1/1/4/2/1/5");
      }
      EXPECT_EQ(Column(**pg, absl::StrCat("SELECT due || '/' || on_time || '/' || late || '/' || "
                                          "open || '/' || overdue || '/' || "
                                          "awaiting_confirmation || '/' || assigned FROM "
                                          "task_by_month WHERE village_code = '",
                                          village, "' AND month = '", month, "'")),
                tk.due() + tk.open() + tk.assigned() == 0
                    ? std::vector<std::string>{}
                    : std::vector<std::string>{absl::StrCat(
                          tk.due(), "/", tk.on_time(), "/", tk.late(), "/", tk.open(), "/",
                          tk.overdue(), "/", tk.awaiting_confirmation(), "/", tk.assigned())});
      auto backlog = Column(**pg, absl::StrCat("SELECT backlog || '/' || cleared || '/' || open "
                                               "FROM case_backlog_by_month WHERE village_code = '",
                                               village, "' AND month = '", month, "'"));
      EXPECT_EQ(backlog, k.backlog() == 0
                             ? std::vector<std::string>{}
                             : std::vector<std::string>{absl::StrCat(
                                   k.backlog(), "/", k.backlog_cleared(), "/", k.backlog_open())});
    }
  // Last month in grid A: the 12 cases, 3 open and 3 resolved only this
  // month (open at its end), 3 resolved and 3 escalated within it.
  gridsync::v1::GetCoverageRequest req;
  req.set_scope_code(kGridA);
  req.mutable_period()->set_month(core::MonthName(core::MonthOf(last_start)));
  gridsync::v1::GetCoverageResponse cov;
  auto ctx = tools::CallContext(job_token_);
  ASSERT_TRUE(coverage->GetCoverage(ctx.get(), req, &cov).ok());
  EXPECT_EQ(cov.cases().registered(), 12);
  EXPECT_EQ(cov.cases().open(), 6);
  EXPECT_EQ(cov.cases().resolved(), 3);
  EXPECT_EQ(cov.cases().escalated(), 3);
  EXPECT_EQ(cov.screening().reported(), 1);  // the village's report, recorded in grid A
  EXPECT_EQ(cov.screening().disputes_found(), 3);
  EXPECT_EQ(cov.trouble_spots().spots(), 1);  // found and rectified within last month
  EXPECT_EQ(cov.trouble_spots().rectified(), 1);
  // 积案 of last month: the 3 still open and the 3 resolved only now, open
  // then; this month the same 6, the 3 resolved now cleared.
  EXPECT_EQ(cov.cases().backlog(), 6);
  EXPECT_EQ(cov.cases().backlog_open(), 6);
  EXPECT_EQ(cov.cases().backlog_cleared(), 0);
  req.mutable_period()->set_month(core::MonthName(core::MonthOf(now)));
  auto ctx2 = tools::CallContext(job_token_);
  ASSERT_TRUE(coverage->GetCoverage(ctx2.get(), req, &cov).ok());
  EXPECT_EQ(cov.cases().backlog(), 6);
  EXPECT_EQ(cov.cases().backlog_open(), 3);
  EXPECT_EQ(cov.cases().backlog_cleared(), 3);
  EXPECT_DOUBLE_EQ(cov.cases().backlog_clearance_rate(), 0.5);
  // Grid B's three of last month: one cleared, one escalated (neither), one
  // 积案 from the month's last millisecond, open.
  req.set_scope_code(kGridB);
  req.mutable_period()->set_month(core::MonthName(core::MonthOf(last_start)));
  auto ctx3 = tools::CallContext(job_token_);
  ASSERT_TRUE(coverage->GetCoverage(ctx3.get(), req, &cov).ok());
  EXPECT_EQ(cov.cases().backlog(), 3);
  EXPECT_EQ(cov.cases().backlog_cleared(), 1);
  EXPECT_EQ(cov.cases().backlog_open(), 1);
}

// A registry proposal is exported with who proposed and who decided, and
// the registry change its approval made says so in the audit log.
TEST_F(ExportTest, ProposalsAndTheChangesTheyMadeAreExported) {
  auto worker = NewPhone(kGridA, gridsync::v1::ROLE_GRID_WORKER, "网格员 王芳");
  auto secretary = NewPhone(kVillageAB, gridsync::v1::ROLE_VILLAGE_SECRETARY, "村书记 李国华");
  Mutation m =
      worker->Begin(gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL, worker->NewRecordId(), kGridA);
  m.mutable_create()->set_subject_id(Household(kGridA, 4));
  tools::AddCreateField(&m, "action", tools::IntValue(gridsync::v1::PROPOSAL_ACTION_MOVED_OUT));
  tools::AddCreateField(&m, "reason", tools::StrValue("全家迁往郑州"));
  auto pushed = worker->Push({m, Visit(*worker, kGridA, 1)});
  ASSERT_TRUE(pushed.ok() && pushed->results(0).code() == 0 && pushed->results(1).code() == 0);
  ASSERT_TRUE(secretary->PullAll().ok());
  auto d = secretary->SetField(*secretary->Find(m.record_id()), "decision",
                               tools::IntValue(gridsync::v1::PROPOSAL_DECISION_APPROVED));
  auto decided = secretary->Push({d});
  ASSERT_TRUE(decided.ok() && decided->results(0).code() == 0);

  std::string out;
  ASSERT_EQ(RunCommand(ExportArgs(true), &out), 0) << out;
  auto pg = tools::PgConn::Connect(db_->conninfo());
  ASSERT_TRUE(pg.ok()) << pg.status();
  EXPECT_EQ(Column(**pg,
                   "SELECT action || '/' || decision || '/' || proposed_by || '/' || "
                   "decided_by || '/' || reason FROM proposals"),
            std::vector<std::string>{"moved_out/approved/网格员 王芳/村书记 李国华/全家迁往郑州"});
  EXPECT_EQ(Column(**pg, absl::StrCat("SELECT status || '/' || changed_by_proposal FROM households "
                                      "WHERE household_id = '",
                                      Household(kGridA, 4), "'")),
            std::vector<std::string>{"moved_out/" + m.record_id()});
  EXPECT_EQ(Column(**pg, absl::StrCat("SELECT op FROM changes WHERE kind = 'household' AND "
                                      "subject = '",
                                      Household(kGridA, 4), "' ORDER BY seq DESC LIMIT 1")),
            std::vector<std::string>{"proposal " + m.record_id()});
  const auto month = core::MonthName(core::MonthOf(core::SystemWallMs()));
  // 入户率's denominator in the view leaves the household out, as CoverageService does.
  EXPECT_EQ(Column(**pg, absl::StrCat("SELECT sum(households) FROM visit_coverage_by_month WHERE "
                                      "grid_code = '",
                                      kGridA, "' AND month = '", month, "'")),
            std::vector<std::string>{"19"});
}

// 平安夜巡 (issue 15): patrols are rows once each, with their logs counted,
// and the weekly view counts a village's patrols by week.
TEST_F(ExportTest, PatrolsAreRowsAndCountedByWeek) {
  auto a = NewPhone(kGridA, gridsync::v1::ROLE_GRID_WORKER, "网格员 王芳");
  auto b = NewPhone(kGridB, gridsync::v1::ROLE_GRID_WORKER, "网格员 李强");
  const int64_t monday = 1764518400000;  // 2025-12-01 00:00 China time, a Monday
  std::vector<Mutation> ms;
  for (const auto& [phone, grid, at] : std::vector<std::tuple<tools::Phone*, const char*, int64_t>>{
           {a.get(), kGridA, monday + 20 * 3600000},     // Monday evening
           {b.get(), kGridB, monday + 4 * 86400000},     // Friday, same village, same week
           {a.get(), kGridA, monday + 8 * 86400000}}) {  // the week after
    Mutation m = phone->Begin(gridsync::v1::RECORD_KIND_PATROL, phone->NewRecordId(), grid);
    tools::AddCreateField(&m, "started_at_ms", tools::IntValue(at));
    tools::AddCreateField(&m, "route", tools::StrValue("村委会—𠮷家巷"));
    auto pushed = phone->Push({m});
    ASSERT_TRUE(pushed.ok() && pushed->results(0).code() == 0)
        << (pushed.ok() ? pushed->results(0).message() : pushed.status().ToString());
    ms.push_back(m);
  }
  gridsync::v1::PatrolProblem lamp;
  lamp.set_description("路灯坏了");
  Mutation log = a->Begin(gridsync::v1::RECORD_KIND_PATROL, ms[0].record_id(), kGridA);
  log.mutable_append_log()->set_log("problems");
  log.mutable_append_log()->set_element_id("p1");
  log.mutable_append_log()->set_payload(lamp.SerializeAsString());
  auto pushed = a->Push({log});
  ASSERT_TRUE(pushed.ok() && pushed->results(0).code() == 0);

  std::string out;
  ASSERT_EQ(RunCommand(ExportArgs(true), &out), 0) << out;
  auto pg = tools::PgConn::Connect(db_->conninfo());
  ASSERT_TRUE(pg.ok()) << pg.status();
  EXPECT_EQ(
      Column(**pg, "SELECT count(*) || '/' || sum(problems) || '/' || min(route) FROM patrols"),
      std::vector<std::string>{"3/1/村委会—𠮷家巷"});
  EXPECT_EQ(Column(**pg,
                   "SELECT week || ' ' || patrols || ' ' || problems FROM patrols_by_week "
                   "ORDER BY week"),
            (std::vector<std::string>{"2025-12-01 2 1", "2025-12-08 1 0"}));
}

// 安全感/满意度 (issue 15): questionnaires are rows once each (a voided one
// marked), the form they were asked under is a row, and the village's
// month view gives the server's 安全感率 and 满意率.
TEST_F(ExportTest, QuestionnairesAndFormsAreRowsAndTheVillageViewAgreesWithTheServer) {
  auto coverage = gridsync::v1::CoverageService::NewStub(channel_);
  {
    gridsync::v1::PublishSurveyFormRequest req;
    req.mutable_form()->set_version("2026-Q4");
    req.mutable_form()->set_safety_question("您觉得本村安全吗？");
    req.mutable_form()->set_satisfaction_question("您对平安建设工作满意吗？");
    gridsync::v1::SurveyForm out;
    auto ctx = tools::CallContext(admin_token_);
    ASSERT_TRUE(coverage->PublishSurveyForm(ctx.get(), req, &out).ok());
  }
  auto a = NewPhone(kGridA, gridsync::v1::ROLE_GRID_WORKER, "网格员 王芳");
  const int64_t now = core::SystemWallMs() - 60000;
  std::vector<Mutation> ms;
  auto survey = [&](int household, gridsync::v1::SurveyOutcome outcome, int safety,
                    int satisfaction) {
    ms.push_back(Survey(*a, kGridA, household, now, outcome, safety, satisfaction));
    return ms.back().record_id();
  };
  const std::string first = survey(1, gridsync::v1::SURVEY_OUTCOME_ANSWERED, 1, 3);
  survey(2, gridsync::v1::SURVEY_OUTCOME_ANSWERED, 4, 2);
  survey(3, gridsync::v1::SURVEY_OUTCOME_REFUSED, 0, 0);
  // On the official scale: 基本安全, 基本满意 (the others are the older scale's).
  survey(5, gridsync::v1::SURVEY_OUTCOME_ANSWERED, gridsync::v1::SAFETY_ANSWER_BASICALLY_SAFE,
         gridsync::v1::SATISFACTION_ANSWER_BASICALLY_SATISFIED);
  const std::string wrong = survey(4, gridsync::v1::SURVEY_OUTCOME_ANSWERED, 1, 1);
  gridsync::v1::SurveyOpinion said;
  said.set_topic(gridsync::v1::OPINION_TOPIC_FRAUD);
  said.set_text("𠮷家巷老人接到诈骗电话");
  Mutation log = a->Begin(gridsync::v1::RECORD_KIND_SURVEY, first, kGridA);
  log.mutable_append_log()->set_log("opinions");
  log.mutable_append_log()->set_element_id("o1");
  log.mutable_append_log()->set_payload(said.SerializeAsString());
  ms.push_back(log);
  Mutation v = a->Begin(gridsync::v1::RECORD_KIND_SURVEY, wrong, kGridA);
  v.mutable_void_record()->set_reason("问错了户");
  ms.push_back(v);
  auto pushed = a->Push(ms);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  for (const auto& r : pushed->results()) ASSERT_EQ(r.code(), 0) << r.message();

  std::string out;
  ASSERT_EQ(RunCommand(ExportArgs(true), &out), 0) << out;
  ASSERT_EQ(RunCommand(ExportArgs(true), &out), 0) << out;  // again: nothing twice
  auto pg = tools::PgConn::Connect(db_->conninfo());
  ASSERT_TRUE(pg.ok()) << pg.status();
  EXPECT_EQ(Column(**pg, "SELECT count(*) || '/' || count(*) FILTER (WHERE voided) FROM surveys"),
            std::vector<std::string>{"5/1"});
  // Levels on the official scale: 很安全 is 1 (安全), 基本安全 2, 不太安全 3.
  EXPECT_EQ(Column(**pg,
                   "SELECT string_agg(safety_level::text, ' ' ORDER BY safety_level) "
                   "FROM surveys WHERE NOT voided"),
            std::vector<std::string>{"1 2 3"});
  EXPECT_EQ(Column(**pg, "SELECT version || ' ' || questions FROM survey_forms"),
            std::vector<std::string>{"2026-Q4 0"});
  const std::string month = core::MonthName(core::MonthOf(now));
  EXPECT_EQ(Column(**pg, absl::StrCat("SELECT asked || ' ' || answered || ' ' || refused || ' ' || "
                                      "safety_rate || ' ' || satisfaction_rate FROM "
                                      "surveys_by_village WHERE month = '",
                                      month, "'")),
            std::vector<std::string>{"4 3 1 0.6666666666666666 0.6666666666666666"});
  EXPECT_EQ(Column(**pg, "SELECT topic || ' ' || text FROM survey_opinions"),
            std::vector<std::string>{"fraud 𠮷家巷老人接到诈骗电话"});
  gridsync::v1::GetCoverageRequest req;
  req.set_scope_code(kVillageAB);
  req.mutable_period()->set_month(month);
  gridsync::v1::GetCoverageResponse c;
  auto ctx = tools::CallContext(admin_token_);
  ASSERT_TRUE(coverage->GetCoverage(ctx.get(), req, &c).ok());
  EXPECT_DOUBLE_EQ(c.surveys().safety_rate(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(c.surveys().satisfaction_rate(), 2.0 / 3);
  EXPECT_EQ(c.surveys().asked(), 4);
}

// The audit trail (who enrolled, imported, backed up, restored) and the
// records phones sent back after a restore reach the county's database.
TEST_F(ExportTest, TheAuditTrailAndRefilledRecordsAreExported) {
  auto worker = NewPhone(kGridA, gridsync::v1::ROLE_GRID_WORKER, "网格员 王芳");
  gridsync::v1::BackupRequest breq;
  breq.set_dir(dir_ + "-backups");
  gridsync::v1::BackupResponse bresp;
  auto ctx = tools::CallContext(admin_token_);
  ASSERT_TRUE(admin_->Backup(ctx.get(), breq, &bresp).ok());
  const Mutation v = Visit(*worker, kGridA, 2);
  ASSERT_TRUE(worker->Push({v}).ok());
  const gridsync::v1::RecordState held = GetRecord(v.record_id()).state();

  StopServer(std::chrono::milliseconds(0));  // the county restores the backup
  std::filesystem::rename(dir_, dir_ + "-lost");
  ASSERT_TRUE(server::RestoreBackup(breq.dir(), 0, dir_).ok());
  StartServer();
  gridsync::v1::PullRequest preq;
  gridsync::v1::PullResponse presp;
  auto pctx = tools::CallContext(worker->token());
  ASSERT_TRUE(sync_->Pull(pctx.get(), preq, &presp).ok());
  gridsync::v1::RefillRequest rreq;
  rreq.set_store_epoch(presp.store_epoch());
  *rreq.add_records() = held;
  gridsync::v1::RefillResponse rresp;
  auto rctx = tools::CallContext(worker->token());
  ASSERT_TRUE(sync_->Refill(rctx.get(), rreq, &rresp).ok());
  ASSERT_EQ(rresp.results(0).outcome(), gridsync::v1::REFILL_OUTCOME_MERGED);

  std::string out;
  ASSERT_EQ(RunCommand(ExportArgs(true), &out), 0) << out;
  auto pg = tools::PgConn::Connect(db_->conninfo());
  ASSERT_TRUE(pg.ok()) << pg.status();
  EXPECT_EQ(Column(**pg,
                   "SELECT action || ' by ' || coalesce(by_holder, '?') FROM admin_acts "
                   "WHERE action <> 'enrol' ORDER BY seq"),
            // The backup's own act came after it, so the restore took it away;
            // the restore's names the backup.
            (std::vector<std::string>{"registry_import by admin",
                                      "restore by " + server::LocalActor().holder()}));
  EXPECT_EQ(Column(**pg,
                   "SELECT count(*) FROM admin_acts WHERE action = 'restore' AND detail "
                   "LIKE 'backup 1 of %'"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(
      Column(**pg, "SELECT detail FROM admin_acts WHERE subject = '" + worker->device_id() + "'"),
      std::vector<std::string>{"ROLE_GRID_WORKER for [410185001201001] held by '网格员 王芳'"});
  EXPECT_EQ(Column(**pg,
                   "SELECT count(*) FROM changes WHERE kind = 'household' AND author = "
                   "'admin' AND device_id IS NOT NULL"),
            std::vector<std::string>{"80"});
  EXPECT_EQ(Column(**pg, "SELECT op || ' by ' || author FROM changes WHERE subject = '" +
                             v.record_id() + "' ORDER BY seq"),
            std::vector<std::string>{"refill by 网格员 王芳"});
  EXPECT_EQ(Column(**pg, "SELECT worker FROM visits WHERE record_id = '" + v.record_id() + "'"),
            std::vector<std::string>{"网格员 王芳"});
}

TEST_F(ExportTest, AttachmentsAreRowsAndTheirBytesFilesWrittenOnce) {
  sdk::ClientOptions o;
  o.data_dir = dir_ + "-sdk-phone";
  o.server_address = addr();
  o.token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA}, "网格员 王芳", &o.device_id);
  o.holder = "网格员 王芳";
  o.attachments_unmetered_only = true;
  auto phone = sdk::Client::Open(o);
  ASSERT_TRUE(phone.ok()) << phone.status();
  auto& p = **phone;
  ASSERT_TRUE(p.Sync().ok());
  auto visit = [&](int n) {
    auto id = p.Create(gridsync::v1::RECORD_KIND_VISIT, kGridA, Household(kGridA, n),
                       {{"visited_at_ms", tools::IntValue(p.NowMs())},
                        {"talked_with_household", tools::BoolValue(true)}});
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or("");
  };
  const std::string photo = tools::SampleJpeg(300 << 10, 1),
                    agreement = tools::SampleJpeg(100 << 10, 2),
                    later = tools::SampleJpeg(50 << 10, 3);
  const std::string v1 = visit(1), v2 = visit(2), v3 = visit(3);
  auto case_id = p.Create(gridsync::v1::RECORD_KIND_DISPUTE_CASE, kGridA, Household(kGridA, 4),
                          {{"category", tools::IntValue(gridsync::v1::DISPUTE_CATEGORY_NEIGHBOURS)},
                           {"title", tools::StrValue("院墙纠纷")},
                           {"registered_at_ms", tools::IntValue(p.NowMs())}});
  ASSERT_TRUE(case_id.ok());
  ASSERT_TRUE(p.AttachBytes(v1, photo, {.file_name = "门口𠮷.jpg"}).ok());
  ASSERT_TRUE(p.AttachBytes(v2, photo).ok());  // the same photo on another visit
  ASSERT_TRUE(p.AttachBytes(*case_id, agreement,
                            {.file_name = "调解协议书.jpg",
                             .purpose = gridsync::v1::ATTACHMENT_PURPOSE_SIGNED_AGREEMENT})
                  .ok());
  // These go on Wi-Fi; the next is referenced but its bytes wait (mobile data).
  p.SetNetworkMetered(false);
  ASSERT_TRUE(p.Sync().ok());
  p.SetNetworkMetered(true);
  ASSERT_TRUE(p.AttachBytes(v3, later).ok());
  auto r = p.Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->attachments_waiting, 1);

  const std::string blobs_dir = dir_ + "-county-blobs";
  auto args = ExportArgs(true);
  args.insert(args.end(), {"--blobs-dir", blobs_dir});
  std::string out;
  ASSERT_EQ(RunCommand(args, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "2 attachment files")) << out;
  auto pg = tools::PgConn::Connect(db_->conninfo());
  ASSERT_TRUE(pg.ok()) << pg.status();
  EXPECT_EQ(
      Column(**pg,
             "SELECT record_kind || ' ' || size || ' ' || content_type || ' ' || purpose || ' "
             "' || coalesce(file_name, '-') || ' ' || (uploaded_at IS NOT NULL) FROM "
             "attachments ORDER BY size DESC, file_name NULLS LAST"),
      (std::vector<std::string>{
          "visit 307200 image/jpeg scene 门口𠮷.jpg true", "visit 307200 image/jpeg scene - true",
          "dispute_case 102400 image/jpeg signed_agreement 调解协议书.jpg true",
          "visit 51200 image/jpeg scene - false"}));
  const std::string sha = core::Sha256Hex(photo);
  const std::string file = blobs_dir + "/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha;
  std::ifstream in(file, std::ios::binary);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()),
            photo);
  EXPECT_EQ(Column(**pg, "SELECT file_path FROM blobs WHERE sha256 = '" + sha + "'"),
            std::vector<std::string>{sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha});
  EXPECT_EQ(Column(**pg, "SELECT count(*) FROM changes WHERE kind = 'attachment'"),
            std::vector<std::string>{"2"});

  // The last photo's bytes arrive; the next run writes only its file.
  p.SetNetworkMetered(false);
  ASSERT_TRUE(p.Sync().ok());
  ASSERT_EQ(RunCommand(args, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "1 attachment files")) << out;
  EXPECT_EQ(Column(**pg, "SELECT count(*) FROM attachments WHERE uploaded_at IS NULL"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(Column(**pg, "SELECT count(*) FROM blobs WHERE file_path IS NOT NULL"),
            std::vector<std::string>{"3"});
}

TEST_F(ExportTest, ASecondExporterOnTheSameScopeIsRefused) {
  auto first = tools::PgMirror::Open(db_->conninfo(), kCounty);
  ASSERT_TRUE(first.ok()) << first.status();
  std::string out;
  EXPECT_EQ(RunCommand(ExportArgs(true), &out), 1);
  auto second = tools::PgMirror::Open(db_->conninfo(), kCounty, std::chrono::milliseconds(300));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition) << second.status();
}

// A province rolls its county feeds into one database: change numbers
// repeat across counties, so the change log is keyed by scope too.
TEST_F(ExportTest, TwoCountiesShareOneDatabase) {
  auto a = tools::PgMirror::Open(db_->conninfo(), "410185000000");
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = tools::PgMirror::Open(db_->conninfo(), "410182000000");
  ASSERT_TRUE(b.ok()) << b.status();
  auto msg = [](const std::string& household) {
    gridsync::v1::SubscribeResponse m;
    m.set_cursor(1);
    m.mutable_change()->set_seq(1);
    m.mutable_change()->set_committed_at_ms(core::SystemWallMs());
    auto* h = m.mutable_change()->mutable_registry()->mutable_household();
    h->set_household_id(household);
    h->set_grid_code(household.substr(0, 15));
    return m;
  };
  ASSERT_TRUE((*a)->Apply({msg("4101850012010010001")}, 1).ok());
  ASSERT_TRUE((*b)->Apply({msg("4101820012010010001")}, 1).ok());
  EXPECT_EQ(*(*a)->Cursor(), 1u);
  EXPECT_EQ(*(*b)->Cursor(), 1u);
  EXPECT_EQ(Column((*a)->conn(), "SELECT scope || ':' || seq FROM changes ORDER BY scope"),
            (std::vector<std::string>{"410182000000:1", "410185000000:1"}));
  // The same change applied again is refused, and nothing of that batch is kept.
  auto again = (*a)->Apply({msg("4101850012010010002")}, 1);
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(Column((*a)->conn(), "SELECT count(*) FROM households"), std::vector<std::string>{"2"});
}

TEST_F(ExportTest, AFollowingExportRidesOutLostDatabaseConnections) {
  std::atomic<bool> stop{false};
  tools::ExportOptions opts;
  opts.server = addr();
  opts.token = job_token_;
  opts.scope = kCounty;
  opts.pg = db_->conninfo();
  opts.max_batch = 50;
  opts.stop = &stop;
  {  // the tables, before anyone asks for the cursor
    auto schema = tools::PgMirror::Open(db_->conninfo(), kCounty);
    ASSERT_TRUE(schema.ok()) << schema.status();
  }
  absl::StatusOr<tools::ExportReport> report;
  std::thread exporter([&] { report = tools::RunExport(opts); });
  struct Join {  // a failed ASSERT must not leave the thread running
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } join{stop, exporter};
  auto pg = tools::PgConn::Connect(db_->conninfo());
  ASSERT_TRUE(pg.ok()) << pg.status();
  std::mt19937_64 rng(kSeed + 2);
  auto phone = NewPhone(kGridA);
  auto cursor = [&] {
    auto c = Column(**pg, "SELECT coalesce(max(cursor), 0) FROM export_cursor");
    return c.empty() ? 0ull : std::stoull(c[0]);
  };
  auto cut = [&] {  // every other connection to this database: the exporter's
    ASSERT_TRUE((*pg)
                    ->Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                    .ok());
  };
  auto caught_up = [&] {
    const uint64_t head = Stats().last_change_seq();
    for (int i = 0; i < 300 && cursor() < head; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return cursor() == head;
  };
  // Connections cut at whatever the exporter is doing (setting up,
  // reading, in the middle of a transaction)...
  for (int round = 0; round < 3; ++round) {
    auto r = phone->Push(Work(*phone, kGridA, rng, 300));
    ASSERT_TRUE(r.ok()) << r.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 100));
    cut();
  }
  // ...and one cut while it waits, caught up: the next batch finds it gone.
  ASSERT_TRUE(caught_up());
  cut();
  auto r = phone->Push(Work(*phone, kGridA, rng, 300));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(caught_up());
  stop = true;
  exporter.join();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_GE(report->reconnects, 1u);
  EXPECT_EQ(cursor(), Stats().last_change_seq());
  const ServerView server = ReadServer();
  EXPECT_EQ(Column(**pg, "SELECT count(*) FROM changes"),
            std::vector<std::string>{std::to_string(server.seqs.size())});
  EXPECT_EQ(Column(**pg, "SELECT count(*) FROM visits")[0],
            std::to_string(
                std::count_if(server.records.begin(), server.records.end(), [](const auto& kv) {
                  return kv.second.header().kind() == gridsync::v1::RECORD_KIND_VISIT;
                })));
}

TEST_F(ExportTest, AnUnreachableDatabaseIsAClearError) {
  tools::ExportOptions opts;
  opts.server = addr();
  opts.token = job_token_;
  opts.scope = kCounty;
  opts.pg = "host=127.0.0.1 port=1 dbname=nowhere connect_timeout=2";
  opts.follow = false;
  auto r = tools::RunExport(opts);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("cannot connect to PostgreSQL"), std::string::npos)
      << r.status();
}

TEST_F(ExportTest, AWrongTokenIsAClearError) {
  tools::ExportOptions opts;
  opts.server = addr();
  opts.token = "not-a-token";
  opts.scope = kCounty;
  opts.pg = db_->conninfo();
  opts.follow = false;
  auto r = tools::RunExport(opts);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated) << r.status();
}

}  // namespace
}  // namespace gridsync::testing
