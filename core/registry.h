// Checks of registry entries (org units, households, persons): pure code.
#ifndef GRIDSYNC_CORE_REGISTRY_H_
#define GRIDSYNC_CORE_REGISTRY_H_

#include <optional>
#include <string>

#include "gridsync/v1/registry.pb.h"

namespace gridsync::core {

// A message saying what is wrong, or nullopt. Parent existence is the
// caller's to check (against its store).
std::optional<std::string> CheckOrgUnit(const gridsync::v1::OrgUnit& u);
std::optional<std::string> CheckHousehold(const gridsync::v1::Household& h);
std::optional<std::string> CheckPerson(const gridsync::v1::SupervisedPerson& p);

// The code of the unit a registry entry hangs under.
std::string ParentOf(const gridsync::v1::OrgUnit& u);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_REGISTRY_H_
