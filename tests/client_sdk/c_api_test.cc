// The C API: handles, error codes and messages, values, records, logs as
// JSON, rejections and sync, against a real server.
#include "core/hlc.h"
#include "gridsync/gridsync.h"
#include "gridsync/v1/coverage_service.pb.h"
#include "tests/client_sdk/sdk_test.h"

extern "C" int gs_c_header_check(void);

namespace gridsync::testing {
namespace {

class CApiTest : public SdkTest {
 protected:
  gs_client* OpenC(const std::string& holder) {
    std::string device;
    tokens_.push_back(Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA}, holder, &device));
    devices_.push_back(device);
    dirs_.push_back(dir_ + "/c-phone-" + std::to_string(dirs_.size()));
    addr_ = "127.0.0.1:" + std::to_string(proxy_->port());
    gs_options o;
    gs_options_init(&o);
    o.data_dir = dirs_.back().c_str();
    o.server_address = addr_.c_str();
    o.device_id = devices_.back().c_str();
    o.token = tokens_.back().c_str();
    o.holder = holder.c_str();
    gs_client* c = nullptr;
    gs_error err;
    EXPECT_EQ(gs_open(&o, &c, &err), GS_OK) << err.message;
    return c;
  }
  std::deque<std::string> tokens_, devices_, dirs_;
  std::string addr_;
};

gs_value Str(const char* s) { return gs_value{GS_VALUE_STRING, s, 0, 0}; }
gs_value Int(int64_t i) { return gs_value{GS_VALUE_INT, nullptr, i, 0}; }
gs_value Bool(bool b) { return gs_value{GS_VALUE_BOOL, nullptr, 0, b ? 1 : 0}; }

TEST_F(CApiTest, HeaderIsValidC) { EXPECT_EQ(gs_c_header_check(), 1); }

TEST_F(CApiTest, ErrorsCarryTheCodeAndAMessage) {
  gs_client* c = OpenC("王芳");
  gs_error err;
  const std::string grid = kGridA, hh = Household(kGridA, 1) + "01";
  gs_field f[] = {{"risk_level", Int(9)}};
  char id[64];
  EXPECT_EQ(gs_create(c, GS_KIND_SPECIAL_CHECK, grid.c_str(), hh.c_str(), f, 1, id, &err),
            GS_INVALID_ARGUMENT);
  EXPECT_EQ(err.code, GS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("risk_level"), std::string::npos) << err.message;
  gs_record* r = nullptr;
  EXPECT_EQ(gs_get(c, "01JDZZZZZZZZZZZZZZZZZZZZZZ", &r, &err), GS_NOT_FOUND);
  EXPECT_EQ(r, nullptr);
  EXPECT_EQ(gs_set_field(nullptr, "x", "y", nullptr, &err), GS_INVALID_ARGUMENT);
  gs_value bad{42, nullptr, 0, 0};
  EXPECT_EQ(gs_set_field(c, "x", "notes", &bad, nullptr), GS_INVALID_ARGUMENT);  // err may be NULL
  gs_close(c);
}

TEST_F(CApiTest, InvalidUtf8IsRefusedAtOnceNamingTheField) {
  gs_client* c = OpenC("王芳");
  gs_error err;
  const std::string grid = kGridA, hh = Household(kGridA, 1);
  const int64_t now = core::SystemWallMs();
  // What JNI's modified UTF-8 makes of 𠮷: two surrogate halves.
  gs_field f[] = {{"visited_at_ms", Int(now)}, {"notes", Str("\xED\xA1\x82\xED\xBE\xB7")}};
  char id[64];
  EXPECT_EQ(gs_create(c, GS_KIND_VISIT, grid.c_str(), hh.c_str(), f, 2, id, &err),
            GS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("notes is not valid UTF-8"), std::string::npos)
      << err.message;
  gs_field good[] = {{"visited_at_ms", Int(now)}, {"notes", Str("𠮷 𡒄")}};
  ASSERT_EQ(gs_create(c, GS_KIND_VISIT, grid.c_str(), hh.c_str(), good, 2, id, &err), GS_OK)
      << err.message;
  gs_value v = Str("\xFF");
  EXPECT_EQ(gs_set_field(c, id, "notes", &v, &err), GS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("notes"), std::string::npos) << err.message;
  EXPECT_EQ(gs_void(c, id, "\xC0\x80", &err), GS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("void_record.reason"), std::string::npos) << err.message;
  gs_stats s;
  ASSERT_EQ(gs_get_stats(c, &s, &err), GS_OK);
  EXPECT_EQ(s.pending, 1);  // only the good visit entered the outbox
  gs_sync_report r{};
  ASSERT_EQ(gs_sync(c, nullptr, nullptr, &r, &err), GS_OK) << err.message;
  EXPECT_EQ(r.pushed, 1);
  EXPECT_EQ(GetRecord(id).record().visit().notes(), "𠮷 𡒄");
  gs_close(c);
}

TEST_F(CApiTest, RecordsLogsAndSyncThroughTheCApi) {
  gs_client* a = OpenC("王芳");
  gs_client* b = OpenC("李强");
  gs_error err;
  const std::string grid = kGridA, hh = Household(kGridA, 2);
  gs_field fields[] = {{"category", Int(gridsync::v1::DISPUTE_CATEGORY_NEIGHBOURS)},
                       {"title", Str("院墙纠纷")},
                       {"registered_at_ms", Int(core::SystemWallMs())},
                       {"urgent_major_hard", Bool(true)}};
  char id[64];
  ASSERT_EQ(gs_create(a, GS_KIND_DISPUTE_CASE, grid.c_str(), hh.c_str(), fields, 4, id, &err),
            GS_OK)
      << err.message;
  char element[64];
  ASSERT_EQ(
      gs_append_log(a, id, "parties", R"({"name": "赵大爷", "role": "applicant"})", element, &err),
      GS_OK)
      << err.message;
  EXPECT_EQ(gs_append_log(a, id, "parties", "{not json", element, &err), GS_INVALID_ARGUMENT);
  EXPECT_EQ(gs_append_log(a, id, "no_such_log", "{}", element, &err), GS_INVALID_ARGUMENT);

  int progress_calls = 0;
  gs_sync_report rep;
  ASSERT_EQ(gs_sync(
                a, [](void* user, int, int64_t, int64_t, int64_t) { ++*static_cast<int*>(user); },
                &progress_calls, &rep, &err),
            GS_OK)
      << err.message;
  EXPECT_EQ(rep.pushed, 2);
  EXPECT_GT(progress_calls, 0);
  ASSERT_EQ(gs_sync(b, nullptr, nullptr, &rep, &err), GS_OK) << err.message;
  EXPECT_EQ(rep.pulled, 1);

  ASSERT_EQ(gs_set_status(b, id, gridsync::v1::CASE_STATUS_ACCEPTED, &err), GS_OK) << err.message;
  gs_record* r = nullptr;
  ASSERT_EQ(gs_get(b, id, &r, &err), GS_OK) << err.message;
  EXPECT_STREQ(gs_record_id(r), id);
  EXPECT_EQ(gs_record_kind(r), GS_KIND_DISPUTE_CASE);
  EXPECT_STREQ(gs_record_subject(r), hh.c_str());
  EXPECT_STREQ(gs_record_author(r), "王芳");
  EXPECT_EQ(gs_record_status(r), gridsync::v1::CASE_STATUS_ACCEPTED);
  EXPECT_EQ(gs_record_voided(r), 0);
  std::map<std::string, gs_value> got;
  for (size_t i = 0; i < gs_record_field_count(r); ++i)
    got[gs_record_field_name(r, i)] = gs_record_field_value(r, i);
  ASSERT_EQ(got.count("title"), 1u);
  EXPECT_STREQ(got["title"].str, "院墙纠纷");
  EXPECT_EQ(got["urgent_major_hard"].b, 1);
  EXPECT_EQ(got["category"].i, gridsync::v1::DISPUTE_CATEGORY_NEIGHBOURS);
  ASSERT_EQ(gs_record_log_name_count(r), 1u);
  EXPECT_STREQ(gs_record_log_name(r, 0), "parties");
  ASSERT_EQ(gs_record_log_count(r, "parties"), 1u);
  EXPECT_NE(std::string(gs_record_log_json(r, "parties", 0)).find("赵大爷"), std::string::npos);
  EXPECT_NE(std::string(gs_record_json(r)).find("院墙纠纷"), std::string::npos);
  EXPECT_EQ(gs_record_conflict_count(r), 0u);
  gs_record_free(r);

  gs_strings* ids = nullptr;
  ASSERT_EQ(gs_list(b, GS_KIND_DISPUTE_CASE, nullptr, 0, &ids, &err), GS_OK);
  ASSERT_EQ(gs_strings_count(ids), 1u);
  EXPECT_STREQ(gs_strings_get(ids, 0), id);
  gs_strings_free(ids);
  gs_stats st;
  ASSERT_EQ(gs_get_stats(b, &st, &err), GS_OK);
  EXPECT_EQ(st.pending, 1);
  gs_close(a);
  gs_close(b);
}

// A server restored from an older backup: the report says what this phone
// pushed again and sent back.
TEST_F(CApiTest, TheReportSaysWhatARestoredServerGotBack) {
  gs_client* a = OpenC("王芳");
  gs_error err;
  gs_sync_report rep;
  const std::string grid = kGridA;
  gs_field fields[] = {{"talked_with_household", Bool(true)}};
  char id[64];
  auto visit = [&](int household) {
    const std::string hh = Household(kGridA, household);
    ASSERT_EQ(gs_create(a, GS_KIND_VISIT, grid.c_str(), hh.c_str(), fields, 1, id, &err), GS_OK)
        << err.message;
  };
  visit(1);
  ASSERT_EQ(gs_sync(a, nullptr, nullptr, &rep, &err), GS_OK) << err.message;
  const std::string backups = BackUpServer();
  visit(2);
  visit(3);
  ASSERT_EQ(gs_sync(a, nullptr, nullptr, &rep, &err), GS_OK) << err.message;  // acked, pulled
  visit(4);                                                                   // never sent
  RestoreServer(backups);
  ASSERT_EQ(gs_sync(a, nullptr, nullptr, &rep, &err), GS_OK) << err.message;
  EXPECT_EQ(rep.pushed, 1);
  EXPECT_EQ(rep.repushed, 0);  // what it had sent was pulled back before the restore
  EXPECT_EQ(rep.refilled, 2);
  EXPECT_EQ(rep.refill_refused, 0);
  EXPECT_TRUE(GetRecord(id).has_record());
  ASSERT_EQ(gs_sync(a, nullptr, nullptr, &rep, &err), GS_OK) << err.message;
  EXPECT_EQ(rep.repushed + rep.refilled, 0);
  gs_close(a);
}

TEST_F(CApiTest, RejectionsAreListedAndDismissed) {
  gs_client* c = OpenC("王芳");
  gs_error err;
  const std::string grid = kGridA, hh = Household(kGridA, 99);
  gs_field f[] = {{"visited_at_ms", Int(core::SystemWallMs())}};
  char id[64];
  ASSERT_EQ(gs_create(c, GS_KIND_VISIT, grid.c_str(), hh.c_str(), f, 1, id, &err), GS_OK);
  gs_sync_report rep;
  ASSERT_EQ(gs_sync(c, nullptr, nullptr, &rep, &err), GS_OK) << err.message;
  EXPECT_EQ(rep.rejected, 1);
  gs_rejected* rj = nullptr;
  ASSERT_EQ(gs_list_rejected(c, &rj, &err), GS_OK);
  ASSERT_EQ(gs_rejected_count(rj), 1u);
  EXPECT_STREQ(gs_rejected_record_id(rj, 0), id);
  EXPECT_EQ(gs_rejected_code(rj, 0), GS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gs_rejected_message(rj, 0)).find(hh), std::string::npos);
  const uint64_t seq = gs_rejected_seq(rj, 0);
  gs_rejected_free(rj);
  EXPECT_EQ(gs_dismiss_rejected(c, seq, &err), GS_OK);
  EXPECT_EQ(gs_dismiss_rejected(c, seq, &err), GS_NOT_FOUND);
  gs_close(c);
}

TEST_F(CApiTest, TheDaysListsAndFigures) {
  gs_client* c = OpenC("王芳");
  gs_error err;
  gs_day* d = nullptr;
  EXPECT_EQ(gs_list_households(c, kGridA, nullptr, 0, 100, &d, &err), GS_NOT_FOUND);  // no sync yet
  EXPECT_NE(std::string(err.message).find("sync"), std::string::npos) << err.message;
  const std::string grid = kGridA, hh = Household(kGridA, 5);
  gs_field f[] = {{"visited_at_ms", Int(core::SystemWallMs())}};
  char id[64];
  ASSERT_EQ(gs_create(c, GS_KIND_VISIT, grid.c_str(), hh.c_str(), f, 1, id, &err), GS_OK);
  gs_sync_report rep;
  ASSERT_EQ(gs_sync(c, nullptr, nullptr, &rep, &err), GS_OK) << err.message;

  ASSERT_EQ(gs_list_households(c, kGridA, "", 0, 10, &d, &err), GS_OK) << err.message;
  EXPECT_EQ(gs_day_total(d), 20);
  ASSERT_EQ(gs_day_count(d), 10u);
  EXPECT_EQ(gs_day_state(d, 0), GS_VISIT_NOT_YET);
  EXPECT_EQ(std::string(gs_day_grid(d, 0)), kGridA);
  EXPECT_NE(std::string(gs_day_json(d)).find("\"visited\":\"1\""), std::string::npos)
      << gs_day_json(d);
  EXPECT_STREQ(gs_day_id(d, 99), "");  // out of range: empty, not a crash
  gs_coverage cov;
  EXPECT_EQ(gs_day_coverage(d, &cov, &err), GS_INVALID_ARGUMENT);
  gs_day_free(d);
  ASSERT_EQ(gs_list_households(c, kGridA, "", 19, 10, &d, &err), GS_OK);
  ASSERT_EQ(gs_day_count(d), 1u);
  EXPECT_EQ(std::string(gs_day_id(d, 0)), hh);  // visited last
  EXPECT_EQ(gs_day_state(d, 0), GS_VISIT_VISITED);
  EXPECT_GT(gs_day_time_ms(d, 0), 0);
  gs_day_free(d);

  ASSERT_EQ(gs_list_due_checks(c, kGridA, 7, 0, 100, &d, &err), GS_OK) << err.message;
  EXPECT_EQ(gs_day_total(d), 20);  // nobody was ever checked
  EXPECT_TRUE(gs_day_flags(d, 0) & GS_DAY_NEVER_CHECKED);
  gs_day_free(d);
  ASSERT_EQ(gs_list_open_cases(c, kGridA, 0, 100, &d, &err), GS_OK);
  EXPECT_EQ(gs_day_total(d), 0);
  gs_day_free(d);

  ASSERT_EQ(gs_get_coverage(c, kGridA, nullptr, &d, &err), GS_OK) << err.message;
  ASSERT_EQ(gs_day_coverage(d, &cov, &err), GS_OK);
  EXPECT_EQ(cov.households, 20);
  EXPECT_EQ(cov.visited, 1);
  EXPECT_DOUBLE_EQ(cov.visit_rate, 0.05);
  EXPECT_EQ(cov.persons, 19);      // the supervised (管控)
  EXPECT_EQ(cov.care_persons, 1);  // household 20's left-behind child (关爱)
  EXPECT_DOUBLE_EQ(cov.grassroots_rate,
                   cov.registered ? static_cast<double>(cov.resolved) / cov.registered : 0);
  EXPECT_DOUBLE_EQ(cov.satisfaction_rate, 0);  // the members before it did not move
  // The same answer whole, in protobuf's binary form.
  size_t len = 0;
  const void* bytes = gs_day_proto(d, &len);
  gridsync::v1::GetCoverageResponse whole;
  ASSERT_TRUE(whole.ParseFromArray(bytes, static_cast<int>(len)));
  EXPECT_EQ(whole.visits().visited(), cov.visited);
  EXPECT_EQ(whole.scope_code(), kGridA);
  ASSERT_EQ(whole.visits().by_grid_size(), 1);
  EXPECT_EQ(whole.visits().by_grid(0).households(), 20);
  gs_day_free(d);
  EXPECT_EQ(gs_get_coverage(c, kGridA, "2026-1", &d, &err), GS_INVALID_ARGUMENT);
  EXPECT_EQ(gs_list_households(c, kGridA, "", 0, 0, &d, &err), GS_INVALID_ARGUMENT);
  EXPECT_EQ(gs_list_households(c, kGridA, "", 0, 10, nullptr, &err), GS_INVALID_ARGUMENT);
  gs_close(c);
}

TEST_F(CApiTest, ProposalsAsJson) {
  gs_client* c = OpenC("王芳");
  gs_error err;
  gs_sync_report rep;
  ASSERT_EQ(gs_sync(c, nullptr, nullptr, &rep, &err), GS_OK) << err.message;
  char id[64];
  ASSERT_EQ(gs_propose(c, kGridA,
                       "{\"action\": \"PROPOSAL_ACTION_NEW_HOUSEHOLD\", \"head_name\": \"𠮷大娘\"}",
                       id, &err),
            GS_OK)
      << err.message;
  EXPECT_EQ(gs_propose(c, kGridA, "{\"action\": 99x}", id, &err), GS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("RegistryProposal"), std::string::npos) << err.message;
  gs_day* d = nullptr;
  ASSERT_EQ(gs_list_proposals(c, kGridA, 1, 0, 100, &d, &err), GS_OK) << err.message;
  ASSERT_EQ(gs_day_count(d), 1u);
  EXPECT_STREQ(gs_day_name(d, 0), "𠮷大娘");
  EXPECT_STREQ(gs_day_author(d, 0), "王芳");
  EXPECT_EQ(gs_day_flags(d, 0), 1u);  // PROPOSAL_ACTION_NEW_HOUSEHOLD
  EXPECT_EQ(gs_day_state(d, 0), 0);   // pending
  EXPECT_NE(std::string(gs_day_entry_json(d, 0)).find("\"proposed_by\":\"王芳\""),
            std::string::npos)
      << gs_day_entry_json(d, 0);
  gs_day_free(d);
  std::string pid;
  ASSERT_EQ(gs_list_proposals(c, kGridA, 0, 0, 100, &d, &err), GS_OK);
  pid = gs_day_id(d, 0);
  gs_day_free(d);
  EXPECT_EQ(gs_decide(c, pid.c_str(), 1, "", &err), GS_PERMISSION_DENIED);
  EXPECT_NE(std::string(err.message).find("village secretary"), std::string::npos) << err.message;
  gs_close(c);
}

}  // namespace
// The header's kinds are the schema's, all of them: a kind added to
// records.proto fails here until gridsync.h has it too.
TEST(CApiHeaderTest, RecordKindsAreTheSchemas) {
  static_assert(GS_KIND_VISIT == static_cast<int>(gridsync::v1::RECORD_KIND_VISIT));
  static_assert(GS_KIND_DISPUTE_CASE == static_cast<int>(gridsync::v1::RECORD_KIND_DISPUTE_CASE));
  static_assert(GS_KIND_SPECIAL_CHECK == static_cast<int>(gridsync::v1::RECORD_KIND_SPECIAL_CHECK));
  static_assert(GS_KIND_REGISTRY_PROPOSAL ==
                static_cast<int>(gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL));
  static_assert(GS_KIND_PATROL == static_cast<int>(gridsync::v1::RECORD_KIND_PATROL));
  static_assert(GS_KIND_SURVEY == static_cast<int>(gridsync::v1::RECORD_KIND_SURVEY));
  static_assert(GS_KIND_SCREENING_REPORT ==
                static_cast<int>(gridsync::v1::RECORD_KIND_SCREENING_REPORT));
  static_assert(GS_KIND_TROUBLE_SPOT == static_cast<int>(gridsync::v1::RECORD_KIND_TROUBLE_SPOT));
  static_assert(GS_KIND_TASK == static_cast<int>(gridsync::v1::RECORD_KIND_TASK));
  EXPECT_EQ(gridsync::v1::RecordKind_MAX, GS_KIND_TASK);
  static_assert(GS_TASK_SEND_BACK == static_cast<int>(gridsync::v1::TASK_ACTION_SEND_BACK));
  EXPECT_EQ(gridsync::v1::TaskAction_MAX, GS_TASK_SEND_BACK);
}

}  // namespace gridsync::testing
