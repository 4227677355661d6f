// The registry part of the RocksDB store (server/registry_store.h): org
// units, households and supervised persons in the `registry` column family
// (server/registry_keys.h), each change logged through the commit queue, and
// the households' side of the coverage aggregates kept with them.
#ifndef GRIDSYNC_SERVER_ROCKS_REGISTRY_H_
#define GRIDSYNC_SERVER_ROCKS_REGISTRY_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "server/coverage_index.h"
#include "server/logged_write.h"
#include "server/registry_store.h"

namespace gridsync::server {

class RocksRegistry : public RegistryStore {
 public:
  // REQUIRES: all four outlive this.
  RocksRegistry(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* registry, CoverageIndex* coverage,
                ChangeLogger* log)
      : db_(db), registry_(registry), coverage_(coverage), log_(log) {}

  absl::StatusOr<gridsync::v1::ImportRegistryResponse> ImportRegistry(
      const gridsync::v1::ImportRegistryRequest& req, const gridsync::v1::Actor& by) override;
  absl::StatusOr<std::vector<gridsync::v1::OrgUnit>> ListOrgUnits(
      const std::string& prefix, gridsync::v1::OrgLevel level) override;
  absl::StatusOr<gridsync::v1::ListHouseholdsResponse> ListHouseholds(
      const std::string& grid_code) override;
  absl::StatusOr<std::vector<bool>> RegistryHas(const std::vector<std::string>& ids) override;
  absl::StatusOr<gridsync::v1::CheckPolicy> GetCheckPolicy() override;
  absl::StatusOr<std::vector<gridsync::v1::SurveyForm>> ListSurveyForms() override;
  absl::StatusOr<gridsync::v1::SurveyForm> PublishSurveyForm(
      gridsync::v1::SurveyForm form, int64_t now_ms, const gridsync::v1::Actor& by) override;
  absl::Status PutCadre(const gridsync::v1::Cadre& cadre, const gridsync::v1::Actor& by) override;
  absl::Status SetCheckPolicy(const gridsync::v1::CheckPolicy& policy,
                              const gridsync::v1::Actor& by) override;

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* registry_;
  CoverageIndex* coverage_;
  ChangeLogger* log_;
  // Imports and policy changes read what they replace: one at a time.
  absl::Mutex mu_;  // one registry write at a time
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_ROCKS_REGISTRY_H_
