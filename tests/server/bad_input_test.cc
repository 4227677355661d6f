// Every kind of bad input gets a clear status, and nothing stored changes.
#include <grpcpp/impl/codegen/client_unary_call.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/hlc.h"
#include "core/merge.h"
#include "gridsync/v1/records.pb.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {
using gridsync::v1::MUTATION_OUTCOME_APPLIED;
using gridsync::v1::MUTATION_OUTCOME_REJECTED;

class BadInputTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    phone_ = NewPhone(kGridA);
    // Something stored before every bad input, to check it never changes.
    auto c = phone_->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, phone_->NewRecordId(), kGridA);
    c.mutable_create()->set_subject_id(Household(kGridA, 2));
    auto* f = c.mutable_create()->add_fields();
    f->set_field("title");
    f->mutable_value()->set_string_value("灌溉用水纠纷");
    ASSERT_TRUE(phone_->Push({c}).ok());
    case_id_ = c.record_id();
    before_ = core::SerializeCanonical(GetRecord(case_id_).state());
    seq_before_ = Stats().last_change_seq();
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(core::SerializeCanonical(GetRecord(case_id_).state()), before_);
    }
    ServerTest::TearDown();
  }
  // A push of `bad` between two good visits: the good ones are applied.
  gridsync::v1::MutationResult PushBetweenGood(gridsync::v1::Mutation bad) {
    auto good1 = Visit(*phone_, kGridA, 1);
    auto good2 = Visit(*phone_, kGridA, 3);
    auto r = phone_->Push({good1, bad, good2});
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {};
    EXPECT_EQ(r->results(0).outcome(), MUTATION_OUTCOME_APPLIED);
    EXPECT_EQ(r->results(2).outcome(), MUTATION_OUTCOME_APPLIED);
    EXPECT_EQ(r->results(1).outcome(), MUTATION_OUTCOME_REJECTED);
    return r->results(1);
  }
  gridsync::v1::Mutation CaseEdit(const std::string& field, const std::string& value) {
    auto m = phone_->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, case_id_, kGridA);
    m.mutable_set_field()->set_field(field);
    m.mutable_set_field()->mutable_value()->set_string_value(value);
    return m;
  }

  std::unique_ptr<tools::Phone> phone_;
  std::string case_id_, before_;
  uint64_t seq_before_ = 0;
};

TEST_F(BadInputTest, MissingOrWrongTokenIsUnauthenticated) {
  gridsync::v1::PushRequest req;
  gridsync::v1::PushResponse resp;
  grpc::ClientContext bare;
  auto st = sync_->Push(&bare, req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(absl::StrContains(st.error_message(), "authorization"));
  EXPECT_EQ(Push("0123", req, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext basic;
  basic.AddMetadata("authorization", "Basic abc");
  EXPECT_EQ(sync_->Push(&basic, req, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(BadInputTest, InvalidFieldIsRejectedWithItsPath) {
  auto r = PushBetweenGood(CaseEdit("title", std::string(500, 'x')));
  EXPECT_EQ(r.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(r.field(), "mutations[1].set_field.value");
  EXPECT_TRUE(absl::StrContains(r.message(), "at most 200")) << r.message();
  r = PushBetweenGood(CaseEdit("no_such_field", "x"));
  EXPECT_EQ(r.field(), "mutations[1].set_field.field");
  auto bad_id = CaseEdit("title", "x");
  bad_id.set_record_id("not-an-id");
  r = PushBetweenGood(bad_id);
  EXPECT_EQ(r.field(), "mutations[1].record_id");
}

TEST_F(BadInputTest, UnknownHouseholdIsRejectedAsStaleRegistry) {
  auto m = Visit(*phone_, kGridA, 99);  // households stop at 0020
  auto r = PushBetweenGood(m);
  EXPECT_EQ(r.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(r.field(), "mutations[1].create.subject_id");
  EXPECT_TRUE(absl::StrContains(r.message(), "pull first")) << r.message();
}

TEST_F(BadInputTest, OutOfScopeMutationIsPermissionDenied) {
  auto m = Visit(*phone_, kGridD, 1);
  auto r = PushBetweenGood(m);
  EXPECT_EQ(r.code(), static_cast<int>(absl::StatusCode::kPermissionDenied));
  EXPECT_TRUE(absl::StrContains(r.message(), kGridD));
}

TEST_F(BadInputTest, ClockSkewIsFailedPreconditionWithServerTimeAndRetryable) {
  auto m = CaseEdit("title", "时钟超前");
  m.set_hlc(core::PackHlc(core::SystemWallMs() + 3600 * 1000, 0));  // an hour ahead
  auto r = PushBetweenGood(m);
  EXPECT_EQ(r.code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(r.retryable());
  EXPECT_TRUE(absl::StrContains(r.message(), "server time")) << r.message();
  // Re-stamped with the same sequence number, it goes through.
  m.set_hlc(core::PackHlc(core::SystemWallMs(), 0));
  auto again = phone_->Push({m});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->results(0).outcome(), MUTATION_OUTCOME_APPLIED);
  before_ = core::SerializeCanonical(GetRecord(case_id_).state());  // a real edit landed
}

TEST_F(BadInputTest, WrongKindOrGridForAnExistingRecordIsRejected) {
  auto m = CaseEdit("title", "x");
  m.set_kind(gridsync::v1::RECORD_KIND_VISIT);
  m.mutable_set_field()->set_field("notes");
  auto r = PushBetweenGood(m);
  EXPECT_EQ(r.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(absl::StrContains(r.message(), case_id_));
}

TEST_F(BadInputTest, ARecordOfAnotherGridIsNotFoundOrNotYoursAndNothingMore) {
  // A case in grid B, which the phone of grid A may not see.
  auto other = NewPhone(kGridB);
  auto hidden = other->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, other->NewRecordId(), kGridB);
  hidden.mutable_create()->set_subject_id(Household(kGridB, 1));
  ASSERT_TRUE(other->Push({hidden}).ok());
  const std::string hidden_before = core::SerializeCanonical(GetRecord(hidden.record_id()).state());
  // An edit and a create that claim it for grid A.
  for (bool create : {false, true}) {
    auto m = phone_->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, hidden.record_id(), kGridA);
    if (create) {
      m.mutable_create()->set_subject_id(Household(kGridA, 1));
    } else {
      m.mutable_set_field()->set_field("title");
      m.mutable_set_field()->mutable_value()->set_string_value("x");
    }
    auto r = PushBetweenGood(m);
    EXPECT_EQ(r.code(), static_cast<int>(absl::StatusCode::kNotFound));
    EXPECT_TRUE(absl::StrContains(r.message(), "not found in grid " + std::string(kGridA)))
        << r.message();
    EXPECT_FALSE(absl::StrContains(r.message(), kGridB)) << r.message();
    EXPECT_FALSE(absl::StrContains(r.message(), "DISPUTE")) << r.message();
  }
  EXPECT_EQ(core::SerializeCanonical(GetRecord(hidden.record_id()).state()), hidden_before);
}

TEST_F(BadInputTest, ATimeOfWorkInTheFutureIsRefusedByFieldButADeadlineIsNot) {
  const int64_t in_2031 = 1924992000000;  // 2031-01-01
  auto visit = Visit(*phone_, kGridA, 1);
  auto* f = visit.mutable_create()->add_fields();
  f->set_field("visited_at_ms");
  f->mutable_value()->set_int_value(in_2031);
  auto r = PushBetweenGood(visit);
  EXPECT_EQ(r.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(r.field(), "mutations[1].create.fields[1].value");
  EXPECT_TRUE(absl::StrContains(r.message(), "visited_at_ms")) << r.message();
  EXPECT_TRUE(absl::StrContains(r.message(), "days ahead")) << r.message();
  EXPECT_FALSE(r.retryable());

  // Eleven minutes ahead is past the 10-minute bound; nine is not.
  auto edit = CaseEdit("title", "x");
  edit.mutable_set_field()->set_field("registered_at_ms");
  edit.mutable_set_field()->mutable_value()->set_int_value(core::SystemWallMs() + 11 * 60000);
  r = PushBetweenGood(edit);
  EXPECT_EQ(r.field(), "mutations[1].set_field.value") << r.message();

  auto session = CaseEdit("title", "x");
  session.clear_set_field();
  gridsync::v1::MediationSession s;
  s.set_held_at_ms(in_2031);
  s.set_mediator("张主任");
  session.mutable_append_log()->set_log("mediation_sessions");
  session.mutable_append_log()->set_element_id("s-2031");
  session.mutable_append_log()->set_payload(s.SerializeAsString());
  r = PushBetweenGood(session);
  EXPECT_EQ(r.field(), "mutations[1].append_log.payload.held_at_ms") << r.message();

  // A deadline is in the future by nature.
  auto deadline = CaseEdit("title", "x");
  deadline.mutable_set_field()->set_field("deadline_ms");
  deadline.mutable_set_field()->mutable_value()->set_int_value(in_2031);
  auto ok = phone_->Push({deadline});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->results(0).outcome(), MUTATION_OUTCOME_APPLIED) << ok->results(0).message();
  before_ = core::SerializeCanonical(GetRecord(case_id_).state());
}

TEST_F(BadInputTest, StaleStatusAfterReopenIsFailedPrecondition) {
  auto close = phone_->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, case_id_, kGridA);
  close.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_CLOSED);
  auto reopen = phone_->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, case_id_, kGridA);
  reopen.mutable_reopen()->set_seen_status(gridsync::v1::CASE_STATUS_CLOSED);
  reopen.mutable_reopen()->set_to_status(gridsync::v1::CASE_STATUS_MEDIATING);
  reopen.mutable_reopen()->set_reason("当事人再次反映");
  ASSERT_TRUE(phone_->Push({close, reopen}).ok());
  before_ = core::SerializeCanonical(GetRecord(case_id_).state());
  auto late = phone_->Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, case_id_, kGridA);
  late.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_FOLLOWED_UP);  // epoch 0
  auto r = PushBetweenGood(late);
  EXPECT_EQ(r.code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(absl::StrContains(r.message(), "reopened")) << r.message();
}

TEST_F(BadInputTest, OneStringThatIsNotUtf8IsOneRejectionAndTheOtherNinetyNineApply) {
  gridsync::v1::PushRequest req;
  for (int i = 0; i < 100; ++i) {
    auto m = Visit(*phone_, kGridA, 1 + i % 5);
    auto* f = m.mutable_create()->add_fields();
    f->set_field("notes");
    // Mutation 37 carries JNI's modified UTF-8 of 𠮷: two surrogate halves.
    f->mutable_value()->set_string_value(i == 37 ? "户主 \xED\xA1\x82\xED\xBE\xB7" : "户主 𠮷");
    *req.add_mutations() = m;
  }
  gridsync::v1::PushResponse resp;
  std::string token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA});
  seq_before_ = Stats().last_change_seq();  // the enrolment is logged
  ASSERT_TRUE(Push(token, req, &resp).ok());
  ASSERT_EQ(resp.results_size(), 100);
  int applied = 0;
  for (int i = 0; i < 100; ++i) {
    const auto& r = resp.results(i);
    EXPECT_EQ(r.device_seq(), req.mutations(i).device_seq());
    EXPECT_EQ(r.record_id(), req.mutations(i).record_id());
    if (i != 37) {
      applied += r.outcome() == MUTATION_OUTCOME_APPLIED;
      continue;
    }
    EXPECT_EQ(r.outcome(), MUTATION_OUTCOME_REJECTED);
    EXPECT_EQ(r.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
    EXPECT_EQ(r.field(), "mutations[37].create.fields[1].value.string_value");
    EXPECT_TRUE(absl::StrContains(r.message(), "notes: string_value is not valid UTF-8"))
        << r.message();
  }
  EXPECT_EQ(applied, 99);
  EXPECT_EQ(Stats().last_change_seq(), seq_before_ + 99);
  EXPECT_EQ(GetRecord(req.mutations(36).record_id()).record().visit().notes(), "户主 𠮷");
  gridsync::v1::GetRecordRequest get;
  get.set_record_id(req.mutations(37).record_id());
  gridsync::v1::GetRecordResponse got;
  auto ctx = tools::CallContext(admin_token_);
  EXPECT_EQ(admin_->GetRecord(ctx.get(), get, &got).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(BadInputTest, ARecordIdThatIsNotUtf8IsRejectedWithoutEchoingIt) {
  auto bad = Visit(*phone_, kGridA, 1);
  bad.set_record_id("\xFF\xFE");
  auto r = PushBetweenGood(bad);
  EXPECT_EQ(r.field(), "mutations[1].record_id");
  EXPECT_EQ(r.record_id(), "");  // an answer must itself be valid UTF-8
  EXPECT_EQ(r.device_seq(), bad.device_seq());
}

// A body sent as raw bytes, as a client in another language or a broken
// proxy might.
grpc::Status CallRaw(grpc::Channel* channel, const std::string& method, const std::string& token,
                     const std::string& body) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token);
  grpc::Slice slice(body);
  grpc::ByteBuffer req(&slice, 1), resp;
  return grpc::internal::BlockingUnaryCallImpl<grpc::ByteBuffer, grpc::ByteBuffer>(
             channel,
             grpc::internal::RpcMethod(method.c_str(), grpc::internal::RpcMethod::NORMAL_RPC), &ctx,
             req, &resp)
      .status();
}

TEST_F(BadInputTest, ABodyThatIsNotProtobufIsInvalidArgumentSayingSo) {
  std::string token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA});
  seq_before_ = Stats().last_change_seq();  // the enrolment is logged
  for (const char* method :
       {"/gridsync.v1.SyncService/Push", "/gridsync.v1.SyncService/Pull",
        "/gridsync.v1.AdminService/GetRecord", "/gridsync.v1.AdminService/ImportRegistry",
        "/gridsync.v1.CoverageService/GetCoverage", "/gridsync.v1.CoverageService/ListOpenCases"}) {
    for (const std::string& body : {std::string("\xFF\xFF\xFF\xFF"), std::string("\x0A\x40short"),
                                    std::string("{\"mutations\": []}")}) {
      // The admin's methods take the admin token; other methods any device's.
      const bool admin = absl::StrContains(method, "AdminService");
      auto st = CallRaw(channel_.get(), method, admin ? admin_token_ : token, body);
      EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << method << " " << body << ": " << st.error_message();
      EXPECT_TRUE(absl::StrContains(st.error_message(), "request body is not a gridsync.v1."))
          << st.error_message();
      // A device the method is not for is refused before its body is read:
      // it learns nothing of how the body would be read.
      if (!admin) continue;
      st = CallRaw(channel_.get(), method, token, body);
      EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << method;
      EXPECT_TRUE(absl::StrContains(st.error_message(), "needs the admin token"))
          << st.error_message();
    }
  }
  // A registry import whose household head is not UTF-8 names the field.
  auto st = CallRaw(channel_.get(), "/gridsync.v1.AdminService/ImportRegistry", admin_token_,
                    "\x12\x06\x22\x04\xED\xA1\x82x");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(st.error_message(), "households[0].head_name"))
      << st.error_message();
  // A Pull whose scope is not UTF-8 names the field.
  st = CallRaw(channel_.get(), "/gridsync.v1.SyncService/Pull", token, "\x1A\x02\xC0\x80");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(st.error_message(), "scope_code")) << st.error_message();
  // Without a token the body is never looked at.
  for (const char* method :
       {"/gridsync.v1.SyncService/Push", "/gridsync.v1.SyncService/Pull",
        "/gridsync.v1.SyncService/Refill", "/gridsync.v1.AdminService/GetRecord",
        "/gridsync.v1.AdminService/ImportRegistry", "/gridsync.v1.CoverageService/GetCoverage",
        "/gridsync.v1.BlobService/BeginUpload", "/gridsync.v1.BlobService/ReadBlob"}) {
    EXPECT_EQ(CallRaw(channel_.get(), method, "", "\xFF").error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << method;
  }
  EXPECT_EQ(Stats().last_change_seq(), seq_before_);
}

TEST_F(BadInputTest, TooManyMutationsIsResourceExhausted) {
  gridsync::v1::PushRequest req;
  for (int i = 0; i < 1001; ++i) *req.add_mutations() = Visit(*phone_, kGridA);
  gridsync::v1::PushResponse resp;
  std::string token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA});
  seq_before_ = Stats().last_change_seq();  // the enrolment is logged
  auto st = Push(token, req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(st.error_message(), "1000")) << st.error_message();
  EXPECT_EQ(Stats().last_change_seq(), seq_before_);
}

TEST_F(BadInputTest, OversizedMessageIsResourceExhausted) {
  gridsync::v1::PushRequest req;
  auto m = CaseEdit("title", "x");
  auto* log = m.mutable_append_log();
  log->set_log("follow_ups");
  log->set_element_id("big");
  log->set_payload(std::string(9 << 20, 'x'));  // over the 8 MiB limit
  *req.add_mutations() = m;
  gridsync::v1::PushResponse resp;
  std::string token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA});
  seq_before_ = Stats().last_change_seq();  // the enrolment is logged
  EXPECT_EQ(Push(token, req, &resp).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Stats().last_change_seq(), seq_before_);
}

TEST_F(BadInputTest, CursorPastTheServerIsOutOfRangeAndBadPageSizeInvalid) {
  std::string token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA});
  seq_before_ = Stats().last_change_seq();  // the enrolment is logged
  gridsync::v1::PullRequest req;
  gridsync::v1::PullResponse resp;
  req.set_cursor(1000000);
  auto st = Pull(token, req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_TRUE(absl::StrContains(st.error_message(), "pull from 0"));
  req.set_cursor(0);
  req.set_page_size(100000);
  EXPECT_EQ(Pull(token, req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req.set_page_size(0);
  req.set_scope_code("garbage");
  EXPECT_EQ(Pull(token, req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(BadInputTest, RegistryImportRejectsBadRowsByIndexAndKeepsTheRest) {
  gridsync::v1::ImportRegistryRequest req;
  auto* ok = req.add_households();
  ok->set_household_id(Household(kGridA, 21));
  ok->set_grid_code(kGridA);
  auto* bad = req.add_households();
  bad->set_household_id("12345");
  bad->set_grid_code(kGridA);
  auto* orphan = req.add_org_units();
  orphan->set_code("410185999201");  // its town 410185999 does not exist
  orphan->set_name("无");
  gridsync::v1::ImportRegistryResponse resp;
  auto ctx = tools::CallContext(admin_token_);
  ASSERT_TRUE(admin_->ImportRegistry(ctx.get(), req, &resp).ok());
  EXPECT_EQ(resp.created(), 1);
  ASSERT_EQ(resp.rejections_size(), 2);
  EXPECT_EQ(resp.rejections(0).kind(), "org_unit");
  EXPECT_TRUE(absl::StrContains(resp.rejections(0).message(), "import it first"));
  EXPECT_EQ(resp.rejections(1).kind(), "household");
  EXPECT_EQ(resp.rejections(1).index(), 1);
}

TEST_F(BadInputTest, EnrolmentScopeMustMatchTheRoleAndExist) {
  auto enroll = [&](gridsync::v1::Role role, const std::string& scope) {
    gridsync::v1::EnrollDeviceRequest req;
    req.set_role(role);
    req.add_scope_codes(scope);
    gridsync::v1::EnrollDeviceResponse resp;
    auto ctx = tools::CallContext(admin_token_);
    return admin_->EnrollDevice(ctx.get(), req, &resp).error_code();
  };
  EXPECT_EQ(enroll(gridsync::v1::ROLE_GRID_WORKER, kVillageAB), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(enroll(gridsync::v1::ROLE_GRID_WORKER, "410185001201009"),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(enroll(gridsync::v1::ROLE_UNSPECIFIED, kGridA), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(enroll(gridsync::v1::ROLE_VILLAGE_SECRETARY, kVillageAB), grpc::StatusCode::OK);
}

}  // namespace
}  // namespace gridsync::testing
