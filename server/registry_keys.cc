#include "server/registry_keys.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/be64.h"
#include "core/coverage.h"
#include "core/ids.h"
#include "server/rocks_util.h"

namespace gridsync::server {

std::string RegistryKey(absl::string_view id) {
  switch (id.size()) {
    case core::kVillageCodeLen:
    case core::kGridCodeLen:
      return absl::StrCat("o", id);
    case core::kHouseholdIdLen:
      return absl::StrCat("h", id);
    case core::kPersonIdLen:
      return absl::StrCat("p", id);
    default:
      return absl::StrCat("?", id);
  }
}

std::pair<std::string, std::string> RegistryPlace(const gridsync::v1::RegistryChange& c) {
  switch (c.item_case()) {
    case gridsync::v1::RegistryChange::kOrgUnit:
      return {c.org_unit().code(), RegistryKey(c.org_unit().code())};
    case gridsync::v1::RegistryChange::kHousehold:
      return {c.household().grid_code(), RegistryKey(c.household().household_id())};
    case gridsync::v1::RegistryChange::kPerson:
      return {c.person().person_id().substr(0, core::kGridCodeLen),
              RegistryKey(c.person().person_id())};
    case gridsync::v1::RegistryChange::kSurveyForm:
      return {"", absl::StrCat(kSurveyFormPrefix, c.survey_form().version())};
    case gridsync::v1::RegistryChange::kCadre:
      return {c.cadre().village_code(),
              absl::StrCat(kCadrePrefix, c.cadre().village_code(), c.cadre().device_id())};
    default:
      return {"", kPolicyKey};
  }
}

std::string RegistryIndexKey(const std::string& code, uint64_t seq) {
  return absl::StrCat("r", code, std::string(1, '\0'), core::Be64(seq));
}

absl::StatusOr<gridsync::v1::RegistryChange> RegistryEntry(const std::string& key,
                                                           const std::string& value) {
  gridsync::v1::RegistryChange c;
  bool ok = false;
  if (key == kPolicyKey) {
    ok = c.mutable_check_policy()->ParseFromString(value);
  } else if (key.rfind(kSurveyFormPrefix, 0) == 0) {
    ok = c.mutable_survey_form()->ParseFromString(value);
  } else if (key[0] == kCadrePrefix[0]) {
    ok = c.mutable_cadre()->ParseFromString(value);
  } else if (key[0] == 'o') {
    ok = c.mutable_org_unit()->ParseFromString(value);
  } else if (key[0] == 'h') {
    ok = c.mutable_household()->ParseFromString(value);
  } else if (key[0] == 'p') {
    ok = c.mutable_person()->ParseFromString(value);
  }
  if (!ok) return absl::DataLossError(absl::StrCat("registry entry ", key, " is unreadable"));
  return c;
}

std::string_view FeedCode(const gridsync::v1::RegistryChange& r) {
  if (r.has_org_unit()) return r.org_unit().code();
  if (r.has_household()) return r.household().household_id();
  if (r.has_person()) return r.person().person_id();
  if (r.has_cadre()) return r.cadre().village_code();
  return {};
}

absl::StatusOr<std::vector<gridsync::v1::SurveyForm>> ReadSurveyForms(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* registry) {
  std::vector<gridsync::v1::SurveyForm> forms;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), registry));
  for (it->Seek(kSurveyFormPrefix); it->Valid() && it->key().starts_with(kSurveyFormPrefix);
       it->Next()) {
    if (!forms.emplace_back().ParseFromArray(it->value().data(),
                                             static_cast<int>(it->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("questionnaire form ", it->key().ToString(), " is unreadable"));
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading questionnaire forms");
  std::stable_sort(forms.begin(), forms.end(), [](const auto& a, const auto& b) {
    return a.published_at_ms() > b.published_at_ms();
  });
  return forms;
}

absl::StatusOr<gridsync::v1::CheckPolicy> ReadCheckPolicy(rocksdb::DB* db,
                                                          rocksdb::ColumnFamilyHandle* registry) {
  std::string v;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), registry, kPolicyKey, &v);
  if (s.IsNotFound()) return core::DefaultCheckPolicy();
  if (!s.ok()) return FromRocks(s, "reading the check policy");
  gridsync::v1::CheckPolicy p;
  if (!p.ParseFromString(v)) return absl::DataLossError("the stored check policy does not parse");
  return p;
}

}  // namespace gridsync::server
