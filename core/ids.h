// Record ids and org codes (DESIGN.md section 2).
#ifndef GRIDSYNC_CORE_IDS_H_
#define GRIDSYNC_CORE_IDS_H_

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "gridsync/v1/common.pb.h"

namespace gridsync::core {

// Lengths of the significant prefix of each level's code.
inline constexpr size_t kCountyPrefixLen = 6;
inline constexpr size_t kTownPrefixLen = 9;
inline constexpr size_t kVillageCodeLen = 12;
inline constexpr size_t kGridCodeLen = 15;
inline constexpr size_t kHouseholdIdLen = 19;
inline constexpr size_t kPersonIdLen = 21;

bool IsDigits(std::string_view s);
// A questionnaire form's version: 1 to 40 letters, digits, '-', '_' or '.'.
bool IsFormVersion(std::string_view s);
// A 26-character Crockford base32 ULID, or a canonical UUIDv7.
bool IsValidRecordId(std::string_view id);
// A new ULID for wall time `ms`, random bits from `rng`.
std::string NewUlid(int64_t ms, std::mt19937_64& rng);

// The level of a 12-digit division code (county, town or village), or of a
// 15-digit grid code; UNSPECIFIED if it is neither.
gridsync::v1::OrgLevel LevelOfCode(std::string_view code);
// The prefix that every code under `code` starts with ("410185" for the
// county 410185000000). Empty if the code is not an org code.
std::string ScopePrefix(std::string_view code);
// The 12-digit code of the parent unit (county for a town, ...).
std::string ParentCode(std::string_view code);

inline bool IsGridCode(std::string_view s) { return s.size() == kGridCodeLen && IsDigits(s); }
inline bool IsHouseholdId(std::string_view s) { return s.size() == kHouseholdIdLen && IsDigits(s); }
inline bool IsPersonId(std::string_view s) { return s.size() == kPersonIdLen && IsDigits(s); }

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_IDS_H_
