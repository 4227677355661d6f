// Registry proposals end to end on the server: proposed on a worker's
// phone, decided by the village secretary only, applied to the registry and
// the coverage denominators in the approving write, pulled by the phones,
// overridden by a county import that says so.
#include "core/proposal.h"

#include "absl/strings/match.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {

using gridsync::v1::Mutation;
using tools::BoolValue;
using tools::IntValue;
using tools::StrValue;

class ProposalTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    coverage_ = gridsync::v1::CoverageService::NewStub(channel_);
    worker_ = NewPhone(kGridA, gridsync::v1::ROLE_GRID_WORKER, "网格员 王芳");
    secretary_ = NewPhone(kVillageAB, gridsync::v1::ROLE_VILLAGE_SECRETARY, "村书记 李国华");
    worker_token_ = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA}, "另一部手机");
  }

  // A proposal create by `p` (not pushed).
  Mutation Propose(tools::Phone& p, gridsync::v1::ProposalAction action,
                   const std::string& household,
                   std::vector<std::pair<std::string, gridsync::v1::FieldValue>> fields) {
    Mutation m = p.Begin(gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL, p.NewRecordId(), kGridA);
    m.mutable_create()->set_subject_id(household);
    tools::AddCreateField(&m, "action", IntValue(action));
    for (auto& [name, value] : fields) tools::AddCreateField(&m, name, value);
    return m;
  }
  gridsync::v1::MutationResult PushOne(tools::Phone& p, const Mutation& m) {
    auto r = p.Push({m});
    EXPECT_TRUE(r.ok()) << r.status();
    p.Record(m);
    return r.ok() ? r->results(0) : gridsync::v1::MutationResult();
  }
  // The secretary pulls and decides.
  gridsync::v1::MutationResult Decide(tools::Phone& p, const std::string& id,
                                      gridsync::v1::ProposalDecision d) {
    EXPECT_TRUE(p.PullAll().ok());
    const auto* known = p.Find(id);
    EXPECT_NE(known, nullptr) << id;
    if (known == nullptr) return {};
    return PushOne(p, p.SetField(*known, "decision", IntValue(d)));
  }
  gridsync::v1::GetCoverageResponse Cov(const std::string& scope) {
    gridsync::v1::GetCoverageRequest req;
    req.set_scope_code(scope);
    gridsync::v1::GetCoverageResponse out;
    auto ctx = tools::CallContext(admin_token_);
    EXPECT_TRUE(coverage_->GetCoverage(ctx.get(), req, &out).ok());
    return out;
  }
  // The registry entries a grid worker's pull from 0 brings, by id.
  std::map<std::string, gridsync::v1::RegistryChange> PulledRegistry() {
    gridsync::v1::PullRequest req;
    gridsync::v1::PullResponse resp;
    EXPECT_TRUE(Pull(worker_token_, req, &resp).ok());
    std::map<std::string, gridsync::v1::RegistryChange> out;
    for (const auto& c : resp.registry()) {
      if (c.has_household()) out[c.household().household_id()] = c;
      if (c.has_person()) out[c.person().person_id()] = c;
    }
    return out;
  }

  std::unique_ptr<gridsync::v1::CoverageService::Stub> coverage_;
  std::unique_ptr<tools::Phone> worker_, secretary_;
  std::string worker_token_;  // another phone of grid A, for pulls
};

TEST_F(ProposalTest, ANewHouseholdIsRegisteredWhenTheSecretaryApprovesIt) {
  const auto m = Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_NEW_HOUSEHOLD, "",
                         {{"head_name", StrValue("𠮷大娘")},
                          {"address", StrValue("3组21号")},
                          {"reason", StrValue("从外村嫁入，新建房屋")}});
  ASSERT_EQ(PushOne(*worker_, m).outcome(), gridsync::v1::MUTATION_OUTCOME_APPLIED);
  EXPECT_EQ(Cov(kGridA).visits().households(), 20);  // not yet: only a proposal
  EXPECT_FALSE(PulledRegistry().count(Household(kGridA, 21)));

  // The worker cannot approve it.
  auto own =
      PushOne(*worker_, worker_->SetField(*worker_->Find(m.record_id()), "decision",
                                          IntValue(gridsync::v1::PROPOSAL_DECISION_APPROVED)));
  EXPECT_EQ(own.outcome(), gridsync::v1::MUTATION_OUTCOME_REJECTED);
  EXPECT_EQ(own.code(), static_cast<int>(absl::StatusCode::kPermissionDenied)) << own.message();
  EXPECT_TRUE(absl::StrContains(own.message(), "village secretary")) << own.message();
  // A secretary of another village cannot see the grid.
  auto other = NewPhone("410185001202", gridsync::v1::ROLE_VILLAGE_SECRETARY, "二村书记");
  Mutation far = other->Begin(gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL, m.record_id(), kGridA);
  far.mutable_set_field()->set_field("decision");
  *far.mutable_set_field()->mutable_value() = IntValue(gridsync::v1::PROPOSAL_DECISION_APPROVED);
  EXPECT_EQ(PushOne(*other, far).code(), static_cast<int>(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(Cov(kGridA).visits().households(), 20);

  auto approved = Decide(*secretary_, m.record_id(), gridsync::v1::PROPOSAL_DECISION_APPROVED);
  ASSERT_EQ(approved.outcome(), gridsync::v1::MUTATION_OUTCOME_APPLIED) << approved.message();
  EXPECT_EQ(Cov(kGridA).visits().households(), 21);
  auto reg = PulledRegistry();
  ASSERT_TRUE(reg.count(Household(kGridA, 21)));
  const auto& h = reg[Household(kGridA, 21)].household();
  EXPECT_EQ(h.head_name(), "𠮷大娘");
  EXPECT_EQ(h.address(), "3组21号");
  EXPECT_EQ(h.changed_by_proposal(), m.record_id());
  // Who proposed and who decided stay in the record.
  auto rec = GetRecord(m.record_id());
  EXPECT_EQ(rec.record().created_by(), "网格员 王芳");
  EXPECT_EQ(rec.record().registry_proposal().decision(), gridsync::v1::PROPOSAL_DECISION_APPROVED);
  bool decided_by_secretary = false;
  for (const auto& r : rec.state().registers()) {
    if (r.field() == "decision") decided_by_secretary = r.siblings(0).author() == "村书记 李国华";
  }
  EXPECT_TRUE(decided_by_secretary);

  // A decision is final.
  auto again = Decide(*secretary_, m.record_id(), gridsync::v1::PROPOSAL_DECISION_REJECTED);
  EXPECT_EQ(again.code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(absl::StrContains(again.message(), "already approved by 村书记 李国华"))
      << again.message();
  EXPECT_EQ(Cov(kGridA).visits().households(), 21);

  // A second new household gets the next number; a rejected one none.
  const auto second = Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_NEW_HOUSEHOLD, "",
                              {{"head_name", StrValue("张新")}});
  const auto third = Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_NEW_HOUSEHOLD, "",
                             {{"head_name", StrValue("重复登记")}});
  ASSERT_EQ(PushOne(*worker_, second).code(), 0);
  ASSERT_EQ(PushOne(*worker_, third).code(), 0);
  ASSERT_EQ(Decide(*secretary_, third.record_id(), gridsync::v1::PROPOSAL_DECISION_REJECTED).code(),
            0);
  ASSERT_EQ(
      Decide(*secretary_, second.record_id(), gridsync::v1::PROPOSAL_DECISION_APPROVED).code(), 0);
  reg = PulledRegistry();
  EXPECT_EQ(reg[Household(kGridA, 22)].household().head_name(), "张新");
  EXPECT_FALSE(reg.count(Household(kGridA, 23)));
  EXPECT_EQ(Cov(kGridA).visits().households(), 22);
}

TEST_F(ProposalTest, MovedOutHouseholdsLeaveTheFiguresAndPersonsChange) {
  // Households 4 and 5 visited this month; 5 then moves out.
  for (int n : {4, 5}) {
    ASSERT_EQ(PushOne(*worker_, Visit(*worker_, kGridA, n)).code(), 0);
  }
  auto before = Cov(kGridA);
  EXPECT_EQ(before.visits().visited(), 2);
  const auto out = Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_MOVED_OUT, Household(kGridA, 5),
                           {{"reason", StrValue("全家迁往郑州")}});
  ASSERT_EQ(PushOne(*worker_, out).code(), 0);
  ASSERT_EQ(Decide(*secretary_, out.record_id(), gridsync::v1::PROPOSAL_DECISION_APPROVED).code(),
            0);
  auto after = Cov(kGridA);
  EXPECT_EQ(after.visits().households(), 19);
  EXPECT_EQ(after.visits().visited(), 1);  // its visit left with it
  ASSERT_EQ(after.visits().by_worker_size(), 1);
  EXPECT_EQ(after.visits().by_worker(0).households_visited(), 1);
  gridsync::v1::ListUnvisitedHouseholdsRequest ureq;
  ureq.set_scope_code(kGridA);
  gridsync::v1::ListUnvisitedHouseholdsResponse uresp;
  auto ctx = tools::CallContext(admin_token_);
  ASSERT_TRUE(coverage_->ListUnvisitedHouseholds(ctx.get(), ureq, &uresp).ok());
  EXPECT_EQ(uresp.households_size(), 18);
  for (const auto& h : uresp.households()) EXPECT_NE(h.household_id(), Household(kGridA, 5));

  // A new person in household 1 (next number: 02); household 3's person moves away.
  const int64_t persons = Cov(kGridA).checks().persons();
  const auto person =
      Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_NEW_PERSON, Household(kGridA, 1),
              {{"name", StrValue("𡒄某")},
               {"category", IntValue(gridsync::v1::PERSON_CATEGORY_DRUG_REHABILITATION)},
               {"risk_level", IntValue(2)}});
  const auto away =
      Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_PERSON_CHANGE, Household(kGridA, 3),
              {{"person_id", StrValue(Person(kGridA, 3))}, {"moved_away", BoolValue(true)}});
  ASSERT_EQ(PushOne(*worker_, person).code(), 0);
  ASSERT_EQ(PushOne(*worker_, away).code(), 0);
  ASSERT_EQ(
      Decide(*secretary_, person.record_id(), gridsync::v1::PROPOSAL_DECISION_APPROVED).code(), 0);
  ASSERT_EQ(Decide(*secretary_, away.record_id(), gridsync::v1::PROPOSAL_DECISION_APPROVED).code(),
            0);
  auto reg = PulledRegistry();
  ASSERT_TRUE(reg.count(Household(kGridA, 1) + "02"));
  EXPECT_EQ(reg[Household(kGridA, 1) + "02"].person().name(), "𡒄某");
  EXPECT_GT(reg[Person(kGridA, 3)].person().supervised_until_ms(), 0);
  // The new person counts from approval on (not yet due), the one who left no longer.
  auto now = Cov(kGridA);
  EXPECT_EQ(now.checks().persons(), persons);  // +1 -1
}

TEST_F(ProposalTest, ACountyImportWinsOverAnApprovedChangeAndSaysSo) {
  const auto fix = Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_CORRECT_HOUSEHOLD,
                           Household(kGridA, 2), {{"head_name", StrValue("李建国（户主已更换）")}});
  ASSERT_EQ(PushOne(*worker_, fix).code(), 0);
  ASSERT_EQ(Decide(*secretary_, fix.record_id(), gridsync::v1::PROPOSAL_DECISION_APPROVED).code(),
            0);
  EXPECT_EQ(PulledRegistry()[Household(kGridA, 2)].household().head_name(), "李建国（户主已更换）");

  gridsync::v1::ImportRegistryRequest imp;
  auto* h = imp.add_households();
  h->set_household_id(Household(kGridA, 2));
  h->set_grid_code(kGridA);
  h->set_head_name("李老汉");
  gridsync::v1::ImportRegistryResponse resp;
  auto ctx = tools::CallContext(admin_token_);
  ASSERT_TRUE(admin_->ImportRegistry(ctx.get(), imp, &resp).ok());
  EXPECT_EQ(resp.updated(), 1);
  ASSERT_EQ(resp.overrode_proposals_size(), 1);
  EXPECT_EQ(resp.overrode_proposals(0), fix.record_id());
  const auto now = PulledRegistry()[Household(kGridA, 2)].household();
  EXPECT_EQ(now.head_name(), "李老汉");
  EXPECT_TRUE(now.changed_by_proposal().empty());
}

TEST_F(ProposalTest, MalformedProposalsAreRefusedWithTheReason) {
  struct Case {
    Mutation m;
    std::string says;
  };
  std::vector<Case> cases = {
      {Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_NEW_HOUSEHOLD, Household(kGridA, 9),
               {{"head_name", StrValue("x")}}),
       "leave it empty"},
      {Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_NEW_HOUSEHOLD, "", {}),
       "address or the head"},
      {Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_CORRECT_HOUSEHOLD, Household(kGridA, 9), {}),
       "new address"},
      {Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_MOVED_OUT, "", {}), "needs the household"},
      {Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_NEW_PERSON, Household(kGridA, 9),
               {{"name", StrValue("x")}}),
       "name and a category"},
      {Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_PERSON_CHANGE, Household(kGridA, 9),
               {{"person_id", StrValue(Person(kGridA, 8))}, {"contact_lost", BoolValue(true)}}),
       "must be a person of household"},
      {Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_PERSON_CHANGE, Household(kGridA, 9),
               {{"person_id", StrValue(Household(kGridA, 9) + "07")},
                {"contact_lost", BoolValue(true)}}),
       "is not in the registry"},
      {Propose(*worker_, gridsync::v1::PROPOSAL_ACTION_UNSPECIFIED, Household(kGridA, 9), {}),
       "ProposalAction"},
  };
  for (auto& c : cases) {
    auto r = PushOne(*worker_, c.m);
    EXPECT_EQ(r.outcome(), gridsync::v1::MUTATION_OUTCOME_REJECTED) << c.says;
    EXPECT_EQ(r.code(), static_cast<int>(absl::StatusCode::kInvalidArgument)) << c.says;
    EXPECT_TRUE(absl::StrContains(r.message(), c.says)) << r.message();
  }
  EXPECT_EQ(Cov(kGridA).visits().households(), 20);
}

}  // namespace
}  // namespace gridsync::testing
