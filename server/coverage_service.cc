#include "server/coverage_service.h"

#include "absl/strings/str_cat.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/schema.h"
#include "core/validate.h"
#include "server/grpc_edge.h"
#include "server/raw_unary.h"

namespace gridsync::server {
namespace {

absl::Status CheckPolicyValid(const gridsync::v1::CheckPolicy& p) {
  if (p.default_interval_days() < 1 || p.default_interval_days() > 3650) {
    return absl::InvalidArgumentError("policy.default_interval_days must be 1..3650");
  }
  for (int i = 0; i < p.intervals_size(); ++i) {
    const auto& r = p.intervals(i);
    if (r.category() == gridsync::v1::PERSON_CATEGORY_UNSPECIFIED ||
        !gridsync::v1::PersonCategory_IsValid(r.category())) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy.intervals[", i, "].category is not a person category"));
    }
    if (r.risk_level() < 0 || r.risk_level() > 5) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy.intervals[", i, "].risk_level must be 0..5"));
    }
    if (r.interval_days() < 1 || r.interval_days() > 3650) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy.intervals[", i, "].interval_days must be 1..3650"));
    }
  }
  if (p.patrols_per_week() < 0 || p.patrols_per_week() > 7) {
    return absl::InvalidArgumentError("policy.patrols_per_week must be 1..7 (0: the default, 1)");
  }
  if (p.satisfaction_points_size() != 0 && p.satisfaction_points_size() != 4) {
    return absl::InvalidArgumentError(
        "policy.satisfaction_points must be 4 (满意, 基本满意, 不太满意, 不满意) or none");
  }
  for (int32_t points : p.satisfaction_points()) {
    if (points < 0 || points > 100)
      return absl::InvalidArgumentError("policy.satisfaction_points must each be 0..100");
  }
  if (p.backlog_days() < 0 || p.backlog_days() > 3650) {
    return absl::InvalidArgumentError("policy.backlog_days must be 1..3650 (0: the default, 90)");
  }
  for (int32_t quota : {p.cadre_quota(), p.party_member_quota()}) {
    if (quota < 0 || quota > 1000)
      return absl::InvalidArgumentError(
          "policy.cadre_quota and party_member_quota must be 1..1000 (0: the defaults, 10 and 5)");
  }
  if (p.verification_sample() < 0 || p.verification_sample() > 1000) {
    return absl::InvalidArgumentError(
        "policy.verification_sample must be 1..1000 (0: the default, 10)");
  }
  if (p.survey_quota() < 0 || p.survey_quota() > 100000) {
    return absl::InvalidArgumentError("policy.survey_quota must be 0..100000 (0: none)");
  }
  for (int32_t minute : {p.night_from_minute(), p.night_to_minute()}) {
    if (minute < 0 || minute >= 24 * 60)
      return absl::InvalidArgumentError(
          "policy.night_from_minute and night_to_minute must be 0..1439 (minutes after midnight)");
  }
  return absl::OkStatus();
}

}  // namespace

CoverageServiceImpl::CoverageServiceImpl(CoverageStore* coverage, RegistryStore* registry,
                                         const Authenticator* auth, std::function<int64_t()> now)
    : coverage_(coverage),
      registry_(registry),
      auth_(auth),
      now_(now ? std::move(now) : std::function<int64_t()>(core::SystemWallMs)) {
  using S = CoverageServiceImpl;
  const Edge edge{auth_, &bad_requests_};
  AddMethod(Unary("/gridsync.v1.CoverageService/GetCoverage", this, Require::kDevice,
                  &S::GetCoverage, edge));
  AddMethod(Unary("/gridsync.v1.CoverageService/ListUnvisitedHouseholds", this, Require::kDevice,
                  &S::ListUnvisitedHouseholds, edge));
  AddMethod(Unary("/gridsync.v1.CoverageService/ListOverduePersons", this, Require::kDevice,
                  &S::ListOverduePersons, edge));
  AddMethod(Unary("/gridsync.v1.CoverageService/ListOpenCases", this, Require::kDevice,
                  &S::ListOpenCases, edge));
  AddMethod(
      Unary("/gridsync.v1.CoverageService/ListTasks", this, Require::kDevice, &S::ListTasks, edge));
  AddMethod(Unary("/gridsync.v1.CoverageService/DrawVerificationSample", this, Require::kDevice,
                  &S::DrawVerificationSample, edge));
  AddMethod(Unary("/gridsync.v1.CoverageService/ListScopeUnits", this, Require::kDevice,
                  &S::ListScopeUnits, edge));
  AddMethod(Unary("/gridsync.v1.CoverageService/GetCheckPolicy", this, Require::kDevice,
                  &S::GetCheckPolicy, edge));
  AddMethod(Unary("/gridsync.v1.CoverageService/SetCheckPolicy", this, Require::kAdmin,
                  &S::SetCheckPolicy, edge));
  AddMethod(Unary("/gridsync.v1.CoverageService/ListSurveyForms", this, Require::kDevice,
                  &S::ListSurveyForms, edge));
  AddMethod(Unary("/gridsync.v1.CoverageService/PublishSurveyForm", this, Require::kAdmin,
                  &S::PublishSurveyForm, edge));
}

absl::StatusOr<CoverageQuery> CoverageServiceImpl::Authorize(const Principal& who,
                                                             const std::string& scope_code,
                                                             const gridsync::v1::Period& period) {
  auto prefix = who.Narrow(scope_code);
  if (!prefix.ok()) return prefix.status();
  CoverageQuery q;
  q.prefix = std::move(*prefix);
  auto known = registry_->RegistryHas({scope_code});
  if (!known.ok()) return known.status();
  if (!(*known)[0]) {
    return absl::NotFoundError(absl::StrCat("org unit ", scope_code, " is not in the registry"));
  }
  auto period_q = core::ResolvePeriod(period, now_());
  if (!period_q.ok()) return period_q.status();
  q.from_ms = period_q->from_ms;
  q.to_ms = period_q->to_ms;
  q.as_of_ms = period_q->as_of.ms;
  q.ended = period_q->as_of.ended;
  q.month = period_q->month;
  q.now_ms = period_q->now_ms;
  return q;
}

grpc::Status CoverageServiceImpl::GetCoverage(grpc::ServerContext*, const Principal& who,
                                              const gridsync::v1::GetCoverageRequest& req,
                                              gridsync::v1::GetCoverageResponse* resp) {
  auto q = Authorize(who, req.scope_code(), req.period());
  if (!q.ok()) return ToGrpc(q.status());
  auto c = coverage_->GetCoverage(*q);
  if (!c.ok()) return ToGrpc(c.status());
  *resp = std::move(*c);
  resp->set_scope_code(req.scope_code());
  return grpc::Status::OK;
}

namespace {

// The list calls' page sizes: 0 for the default (100), at most 1000. A
// size out of range is refused, as Pull refuses its own, not mapped.
absl::Status CheckPageSize(int page_size) {
  constexpr int kMaxListPage = 1000;
  if (page_size >= 0 && page_size <= kMaxListPage) return absl::OkStatus();
  return WithField(absl::InvalidArgumentError(absl::StrCat("page_size ", page_size, " must be 1..",
                                                           kMaxListPage, " (0 for 100)")),
                   "page_size");
}

}  // namespace

grpc::Status CoverageServiceImpl::ListUnvisitedHouseholds(
    grpc::ServerContext*, const Principal& who,
    const gridsync::v1::ListUnvisitedHouseholdsRequest& req,
    gridsync::v1::ListUnvisitedHouseholdsResponse* resp) {
  if (auto st = CheckPageSize(req.page_size()); !st.ok()) return ToGrpc(st);
  auto q = Authorize(who, req.scope_code(), req.period());
  if (!q.ok()) return ToGrpc(q.status());
  if (!req.page_token().empty() && !core::IsHouseholdId(req.page_token())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "page_token is not one this call returned");
  }
  auto r = coverage_->ListUnvisited(*q, req.page_size(), req.page_token());
  if (!r.ok()) return ToGrpc(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status CoverageServiceImpl::ListOverduePersons(
    grpc::ServerContext*, const Principal& who, const gridsync::v1::ListOverduePersonsRequest& req,
    gridsync::v1::ListOverduePersonsResponse* resp) {
  if (auto st = CheckPageSize(req.page_size()); !st.ok()) return ToGrpc(st);
  if (!gridsync::v1::PersonGroup_IsValid(req.group())) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("group ", req.group(), " is not a PersonGroup (0, 1 or 2)")));
  }
  auto q = Authorize(who, req.scope_code(), req.period());
  if (!q.ok()) return ToGrpc(q.status());
  auto r = coverage_->ListOverdue(*q, req.group(), req.page_size(), req.page_token());
  if (!r.ok()) return ToGrpc(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status CoverageServiceImpl::ListOpenCases(grpc::ServerContext*, const Principal& who,
                                                const gridsync::v1::ListOpenCasesRequest& req,
                                                gridsync::v1::ListOpenCasesResponse* resp) {
  if (auto st = CheckPageSize(req.page_size()); !st.ok()) return ToGrpc(st);
  auto q = Authorize(who, req.scope_code(), gridsync::v1::Period());
  if (!q.ok()) return ToGrpc(q.status());
  const int64_t now = now_();
  const core::AsOf as_of{req.as_of_ms() > 0 ? req.as_of_ms() : now,
                         req.as_of_ms() > 0 && req.as_of_ms() < now};
  if (!gridsync::v1::CaseLevel_IsValid(req.level())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("level ", req.level(), " is not a case level"));
  }
  auto r =
      coverage_->ListOpenCases(q->prefix, as_of, req.level(), req.page_size(), req.page_token());
  if (!r.ok()) return ToGrpc(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status CoverageServiceImpl::ListTasks(grpc::ServerContext*, const Principal& who,
                                            const gridsync::v1::ListTasksRequest& req,
                                            gridsync::v1::ListTasksResponse* resp) {
  if (auto st = CheckPageSize(req.page_size()); !st.ok()) return ToGrpc(st);
  auto q = Authorize(who, req.scope_code(), gridsync::v1::Period());
  if (!q.ok()) return ToGrpc(q.status());
  auto r =
      coverage_->ListTasks(q->prefix, now_(), req.open_only(), req.page_size(), req.page_token());
  if (!r.ok()) return ToGrpc(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status CoverageServiceImpl::DrawVerificationSample(
    grpc::ServerContext*, const Principal& who,
    const gridsync::v1::DrawVerificationSampleRequest& req,
    gridsync::v1::DrawVerificationSampleResponse* resp) {
  const auto role = who.device.role();
  if (role != gridsync::v1::ROLE_TOWN_OFFICE && role != gridsync::v1::ROLE_COUNTY_JOB &&
      !who.IsAdmin()) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "the verification sample is the town office's and the county's: a village "
                        "that knew it beforehand could prepare the households it names");
  }
  if (core::LevelOfCode(req.village_code()) != gridsync::v1::ORG_LEVEL_VILLAGE) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("village_code '", req.village_code().substr(0, 32),
                                     "' is not a village's 12-digit code"));
  }
  gridsync::v1::Period period;
  period.set_month(req.month());
  auto q = Authorize(who, req.village_code(), period);
  if (!q.ok()) return ToGrpc(q.status());
  auto r = coverage_->DrawSample(req.village_code(), *q);
  if (!r.ok()) return ToGrpc(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status CoverageServiceImpl::ListScopeUnits(grpc::ServerContext*, const Principal& who,
                                                 const gridsync::v1::ListScopeUnitsRequest& req,
                                                 gridsync::v1::ListScopeUnitsResponse* resp) {
  auto q = Authorize(who, req.scope_code(), gridsync::v1::Period());
  if (!q.ok()) return ToGrpc(q.status());
  if (!gridsync::v1::OrgLevel_IsValid(req.level())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "level is not an org level");
  }
  auto units = registry_->ListOrgUnits(q->prefix, req.level());
  if (!units.ok()) return ToGrpc(units.status());
  for (auto& u : *units) *resp->add_org_units() = std::move(u);
  return grpc::Status::OK;
}

grpc::Status CoverageServiceImpl::GetCheckPolicy(grpc::ServerContext*, const Principal&,
                                                 const gridsync::v1::GetCheckPolicyRequest&,
                                                 gridsync::v1::CheckPolicy* resp) {
  auto p = registry_->GetCheckPolicy();
  if (!p.ok()) return ToGrpc(p.status());
  *resp = std::move(*p);
  return grpc::Status::OK;
}

grpc::Status CoverageServiceImpl::SetCheckPolicy(grpc::ServerContext*, const Principal& who,
                                                 const gridsync::v1::SetCheckPolicyRequest& req,
                                                 gridsync::v1::CheckPolicy* resp) {
  if (auto st = CheckPolicyValid(req.policy()); !st.ok()) return ToGrpc(st);
  if (auto st = registry_->SetCheckPolicy(req.policy(), who.actor()); !st.ok()) return ToGrpc(st);
  *resp = req.policy();
  return grpc::Status::OK;
}

grpc::Status CoverageServiceImpl::ListSurveyForms(grpc::ServerContext*, const Principal&,
                                                  const gridsync::v1::ListSurveyFormsRequest&,
                                                  gridsync::v1::ListSurveyFormsResponse* resp) {
  auto forms = registry_->ListSurveyForms();
  if (!forms.ok()) return ToGrpc(forms.status());
  for (auto& f : *forms) *resp->add_forms() = std::move(f);
  return grpc::Status::OK;
}

grpc::Status CoverageServiceImpl::PublishSurveyForm(
    grpc::ServerContext*, const Principal& who, const gridsync::v1::PublishSurveyFormRequest& req,
    gridsync::v1::SurveyForm* resp) {
  if (auto bad = core::ValidateSurveyForm(req.form())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat(bad->field, ": ", bad->message));
  }
  auto form = registry_->PublishSurveyForm(req.form(), now_(), who.actor());
  if (!form.ok()) return ToGrpc(form.status());
  *resp = std::move(*form);
  return grpc::Status::OK;
}

}  // namespace gridsync::server
