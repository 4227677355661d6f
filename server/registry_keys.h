// How the RocksDB store lays out the registry (internal to the store):
//   registry   'o'+code -> OrgUnit, 'h'+id -> Household, 'p'+id -> SupervisedPerson,
//              kPolicyKey -> CheckPolicy, kSurveyFormPrefix+version -> SurveyForm,
//              kCadrePrefix+village+device -> Cadre
//   scoped     'r' + code + '\0' + be64(seq) -> registry key: the pull index of
//              registry changes, under the code of the unit they hang under
#ifndef GRIDSYNC_SERVER_REGISTRY_KEYS_H_
#define GRIDSYNC_SERVER_REGISTRY_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/registry.pb.h"
#include "rocksdb/db.h"

namespace gridsync::server {

inline constexpr char kPolicyKey[] = "~check_policy";
// Followed by the version: every questionnaire form published.
inline constexpr char kSurveyFormPrefix[] = "~survey_form/";
// A cadre on its village's roster: kCadrePrefix + village code + device id.
inline constexpr char kCadrePrefix[] = "c";

// The registry key of an org unit code, a household id or a person id (told
// apart by their lengths).
std::string RegistryKey(absl::string_view id);

// Where a registry change is pulled from: the code of the unit it hangs
// under (a household's or person's grid, an org unit's own code; "" for the
// check policy), and its key in the registry.
std::pair<std::string, std::string> RegistryPlace(const gridsync::v1::RegistryChange& c);

// The pull index entry of a registry change.
std::string RegistryIndexKey(const std::string& code, uint64_t seq);

// The registry entry stored under `key`, as a change.
absl::StatusOr<gridsync::v1::RegistryChange> RegistryEntry(const std::string& key,
                                                           const std::string& value);

// The code a registry change is scoped by in the feed: the org unit's own,
// the household's or the person's id; "" for the check policy (everywhere).
std::string_view FeedCode(const gridsync::v1::RegistryChange& r);

// Every questionnaire form published, newest first.
absl::StatusOr<std::vector<gridsync::v1::SurveyForm>> ReadSurveyForms(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* registry);

// The check policy stored in `registry` (the default when none was set).
absl::StatusOr<gridsync::v1::CheckPolicy> ReadCheckPolicy(rocksdb::DB* db,
                                                          rocksdb::ColumnFamilyHandle* registry);

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_REGISTRY_KEYS_H_
