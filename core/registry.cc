#include "core/registry.h"

#include "absl/strings/str_cat.h"
#include "core/ids.h"
#include "core/schema.h"

namespace gridsync::core {
namespace {
constexpr size_t kMaxName = 200;
}

std::string ParentOf(const gridsync::v1::OrgUnit& u) { return ParentCode(u.code()); }

std::optional<std::string> CheckOrgUnit(const gridsync::v1::OrgUnit& u) {
  const auto level = LevelOfCode(u.code());
  if (level == gridsync::v1::ORG_LEVEL_UNSPECIFIED) {
    return absl::StrCat(
        "code '", u.code().substr(0, 32),
        "' is not a 12-digit county, town or village code, nor a 15-digit grid code");
  }
  if (u.level() != gridsync::v1::ORG_LEVEL_UNSPECIFIED && u.level() != level) {
    return absl::StrCat("code ", u.code(), " is a ", gridsync::v1::OrgLevel_Name(level), ", not a ",
                        gridsync::v1::OrgLevel_Name(u.level()));
  }
  if (u.name().empty() || u.name().size() > kMaxName) {
    return absl::StrCat("unit ", u.code(), " needs a name of 1 to ", kMaxName, " bytes");
  }
  if (!u.parent_code().empty() && u.parent_code() != ParentCode(u.code())) {
    return absl::StrCat("unit ", u.code(), " belongs under ", ParentCode(u.code()), ", not ",
                        u.parent_code());
  }
  return std::nullopt;
}

std::optional<std::string> CheckHousehold(const gridsync::v1::Household& h) {
  if (!IsHouseholdId(h.household_id()) || !IsGridCode(h.grid_code()) ||
      h.household_id().substr(0, kGridCodeLen) != h.grid_code()) {
    return absl::StrCat("household '", h.household_id().substr(0, 32),
                        "' must be its 15-digit grid code + 4 digits (grid '",
                        h.grid_code().substr(0, 32), "')");
  }
  if (h.address().size() > kMaxName || h.head_name().size() > kMaxName) {
    return absl::StrCat("household ", h.household_id(), ": address and head name are at most ",
                        kMaxName, " bytes");
  }
  return std::nullopt;
}

RiskScale RiskScaleOf(gridsync::v1::PersonCategory category) {
  switch (category) {
    case gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS:
      return {0, 2};
    default:
      return {0, 5};
  }
}

std::string RiskLevelName(gridsync::v1::PersonCategory category, int32_t level) {
  if (level < 0) return "—";  // not recorded
  switch (category) {
    case gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS:
      return level >= 2 ? "严管" : "普管";
    case gridsync::v1::PERSON_CATEGORY_ELDERLY_ALONE:
    case gridsync::v1::PERSON_CATEGORY_LEFT_BEHIND_CHILD:
    case gridsync::v1::PERSON_CATEGORY_DISABLED:
      return "—";
    default:
      return absl::StrCat(level, "级");
  }
}

std::optional<std::string> CheckRiskLevel(gridsync::v1::PersonCategory category, int32_t level) {
  const RiskScale s = RiskScaleOf(category);
  if (level >= s.lowest && level <= s.highest) return std::nullopt;
  if (category == gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS) {
    return absl::StrCat("risk level ", level,
                        " is not on the 社区矫正 scale: 1 普管, 2 严管 (0: not graded)");
  }
  return absl::StrCat("risk level ", level, " is outside ", s.lowest, "..", s.highest);
}

std::optional<std::string> CheckPerson(const gridsync::v1::SupervisedPerson& p) {
  if (!IsPersonId(p.person_id()) || p.person_id().substr(0, kHouseholdIdLen) != p.household_id()) {
    return absl::StrCat("person '", p.person_id().substr(0, 32),
                        "' must be its 19-digit household id + 2 digits");
  }
  if (p.category() == gridsync::v1::PERSON_CATEGORY_UNSPECIFIED ||
      !gridsync::v1::PersonCategory_IsValid(p.category())) {
    return absl::StrCat("person ", p.person_id(), " needs a category");
  }
  if (auto why = CheckRiskLevel(p.category(), p.risk_level())) {
    return absl::StrCat("person ", p.person_id(), ": ", *why);
  }
  if (p.name().size() > kMaxName || p.guardian().size() > kMaxName) {
    return absl::StrCat("person ", p.person_id(), ": names are at most ", kMaxName, " bytes");
  }
  if (p.supervised_since_ms() != 0 &&
      (p.supervised_since_ms() < kMinTimeMs || p.supervised_since_ms() >= kMaxTimeMs)) {
    return absl::StrCat("person ", p.person_id(), ": supervised_since_ms ", p.supervised_since_ms(),
                        " is not between 2000 and 2100");
  }
  return std::nullopt;
}

}  // namespace gridsync::core
