// The registry: org units, households, supervised persons and the check
// policy, each change logged in the change log. One of the store's four
// parts (server/store.h).
#ifndef GRIDSYNC_SERVER_REGISTRY_STORE_H_
#define GRIDSYNC_SERVER_REGISTRY_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gridsync/v1/admin_service.pb.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/registry.pb.h"

namespace gridsync::server {

class RegistryStore {
 public:
  virtual ~RegistryStore() = default;

  // Registry. Each change is logged with `by`, and the import as a whole as
  // an AdminAct with its counts, in the same write.
  virtual absl::StatusOr<gridsync::v1::ImportRegistryResponse> ImportRegistry(
      const gridsync::v1::ImportRegistryRequest& req, const gridsync::v1::Actor& by) = 0;
  virtual absl::StatusOr<std::vector<gridsync::v1::OrgUnit>> ListOrgUnits(
      const std::string& prefix, gridsync::v1::OrgLevel level) = 0;
  virtual absl::StatusOr<gridsync::v1::ListHouseholdsResponse> ListHouseholds(
      const std::string& grid_code) = 0;
  // Which of these keys exist: org unit codes, household ids or person ids.
  virtual absl::StatusOr<std::vector<bool>> RegistryHas(const std::vector<std::string>& ids) = 0;

  virtual absl::StatusOr<gridsync::v1::CheckPolicy> GetCheckPolicy() = 0;
  virtual absl::Status SetCheckPolicy(const gridsync::v1::CheckPolicy& policy,
                                      const gridsync::v1::Actor& by) = 0;

  // Puts a cadre on its village's roster, or replaces its entry (inactive
  // once its device is revoked), and sends it to the village's phones.
  virtual absl::Status PutCadre(const gridsync::v1::Cadre& cadre,
                                const gridsync::v1::Actor& by) = 0;

  // Questionnaire forms (registry.proto SurveyForm), newest first.
  virtual absl::StatusOr<std::vector<gridsync::v1::SurveyForm>> ListSurveyForms() = 0;
  // Stores a new version, stamped published_at_ms = `now_ms` (or 1 ms after
  // the newest, if that is not earlier), and sends it to every phone. ALREADY_EXISTS if the version
  // was published before. REQUIRES: core::ValidateSurveyForm(form) found nothing.
  virtual absl::StatusOr<gridsync::v1::SurveyForm> PublishSurveyForm(
      gridsync::v1::SurveyForm form, int64_t now_ms, const gridsync::v1::Actor& by) = 0;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_REGISTRY_STORE_H_
