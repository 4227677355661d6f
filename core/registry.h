// Checks of registry entries (org units, households, persons): pure code.
#ifndef GRIDSYNC_CORE_REGISTRY_H_
#define GRIDSYNC_CORE_REGISTRY_H_

#include <optional>
#include <string>

#include "gridsync/v1/registry.pb.h"

namespace gridsync::core {

// A household that lives where the registry says: HouseholdStatus's zero
// value (named _UNSPECIFIED for the protobuf style, and by default what
// every household is), as opposed to MOVED_OUT and EMPTY.
inline constexpr gridsync::v1::HouseholdStatus kHouseholdActive =
    gridsync::v1::HOUSEHOLD_STATUS_UNSPECIFIED;

// A message saying what is wrong, or nullopt. Parent existence is the
// caller's to check (against its store).
std::optional<std::string> CheckOrgUnit(const gridsync::v1::OrgUnit& u);
std::optional<std::string> CheckHousehold(const gridsync::v1::Household& h);
std::optional<std::string> CheckPerson(const gridsync::v1::SupervisedPerson& p);

// A category's own risk scale (风险等级), stored as a number 0..5 that the
// check policy's intervals are keyed on:
//  - 严重精神障碍患者: the six assessment levels, 0级 .. 5级;
//  - 社区矫正对象: 普管 (1) and 严管 (2); 0 (a register that does not
//    grade) reads 普管, and values kept from before the scale 3..5 严管;
//  - the care groups (孤寡老人, 留守儿童, 残疾人): no risk scale; a level a
//    register gives them (0..5) keys their check interval and reads "—";
//  - the others: 0 .. 5, read as N级.
struct RiskScale {
  int32_t lowest = 0, highest = 5;  // what a new import or check may give
};
RiskScale RiskScaleOf(gridsync::v1::PersonCategory category);
// How a level reads in the category's scale ("严管", "3级", "—").
std::string RiskLevelName(gridsync::v1::PersonCategory category, int32_t level);
// Why `level` is not on the category's scale; nullopt when it is.
std::optional<std::string> CheckRiskLevel(gridsync::v1::PersonCategory category, int32_t level);

// The code of the unit a registry entry hangs under.
std::string ParentOf(const gridsync::v1::OrgUnit& u);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_REGISTRY_H_
