#ifndef GRIDSYNC_SERVER_COVERAGE_SERVICE_H_
#define GRIDSYNC_SERVER_COVERAGE_SERVICE_H_

#include <grpcpp/impl/service_type.h>

#include <functional>

#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "server/auth.h"
#include "server/log.h"
#include "server/store.h"

namespace gridsync::server {

// Coverage: authenticate, check the scope (a secretary sees only the
// village), turn the period into times, ask the store.
class CoverageServiceImpl final : public grpc::Service {
 public:
  // Registers gridsync.v1.CoverageService over raw bytes (server/raw_unary.h).
  CoverageServiceImpl(CoverageStore* coverage, RegistryStore* registry, const Authenticator* auth,
                      std::function<int64_t()> now = nullptr);

  grpc::Status GetCoverage(grpc::ServerContext* ctx, const Principal& who,
                           const gridsync::v1::GetCoverageRequest& req,
                           gridsync::v1::GetCoverageResponse* resp);
  grpc::Status ListUnvisitedHouseholds(grpc::ServerContext* ctx, const Principal& who,
                                       const gridsync::v1::ListUnvisitedHouseholdsRequest& req,
                                       gridsync::v1::ListUnvisitedHouseholdsResponse* resp);
  grpc::Status ListOverduePersons(grpc::ServerContext* ctx, const Principal& who,
                                  const gridsync::v1::ListOverduePersonsRequest& req,
                                  gridsync::v1::ListOverduePersonsResponse* resp);
  grpc::Status ListOpenCases(grpc::ServerContext* ctx, const Principal& who,
                             const gridsync::v1::ListOpenCasesRequest& req,
                             gridsync::v1::ListOpenCasesResponse* resp);
  grpc::Status DrawVerificationSample(grpc::ServerContext* ctx, const Principal& who,
                                      const gridsync::v1::DrawVerificationSampleRequest& req,
                                      gridsync::v1::DrawVerificationSampleResponse* resp);
  grpc::Status ListTasks(grpc::ServerContext* ctx, const Principal& who,
                         const gridsync::v1::ListTasksRequest& req,
                         gridsync::v1::ListTasksResponse* resp);
  grpc::Status ListScopeUnits(grpc::ServerContext* ctx, const Principal& who,
                              const gridsync::v1::ListScopeUnitsRequest& req,
                              gridsync::v1::ListScopeUnitsResponse* resp);
  grpc::Status GetCheckPolicy(grpc::ServerContext* ctx, const Principal& who,
                              const gridsync::v1::GetCheckPolicyRequest& req,
                              gridsync::v1::CheckPolicy* resp);
  grpc::Status ListSurveyForms(grpc::ServerContext* ctx, const Principal& who,
                               const gridsync::v1::ListSurveyFormsRequest& req,
                               gridsync::v1::ListSurveyFormsResponse* resp);
  grpc::Status PublishSurveyForm(grpc::ServerContext* ctx, const Principal& who,
                                 const gridsync::v1::PublishSurveyFormRequest& req,
                                 gridsync::v1::SurveyForm* resp);
  grpc::Status SetCheckPolicy(grpc::ServerContext* ctx, const Principal& who,
                              const gridsync::v1::SetCheckPolicyRequest& req,
                              gridsync::v1::CheckPolicy* resp);

 private:
  // The caller, allowed to see `scope_code`, and the query for the period.
  absl::StatusOr<CoverageQuery> Authorize(const Principal& who, const std::string& scope_code,
                                          const gridsync::v1::Period& period);

  CoverageStore* coverage_;
  RegistryStore* registry_;
  const Authenticator* auth_;
  std::function<int64_t()> now_;
  RateLimitedLog bad_requests_{"refused coverage request"};
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_COVERAGE_SERVICE_H_
