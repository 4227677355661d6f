#include "core/ids.h"

namespace gridsync::core {
namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

bool IsCrockford(char c) {
  for (const char* p = kCrockford; *p; ++p) {
    if (*p == c) return true;
  }
  return false;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
}  // namespace

bool IsFormVersion(std::string_view s) {
  if (s.empty() || s.size() > 40) return false;
  for (char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsValidRecordId(std::string_view id) {
  if (id.size() == 26) {
    // The first character holds the top 3 bits of a 48-bit time: at most '7'.
    if (id[0] > '7') return false;
    for (char c : id) {
      if (!IsCrockford(c)) return false;
    }
    return true;
  }
  if (id.size() == 36) {
    for (size_t i = 0; i < id.size(); ++i) {
      const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? id[i] != '-' : !IsHex(id[i])) return false;
    }
    return id[14] == '7';  // version 7: time-ordered
  }
  return false;
}

std::string NewUlid(int64_t ms, std::mt19937_64& rng) {
  std::string out(26, '0');
  uint64_t t = static_cast<uint64_t>(ms) & ((1ull << 48) - 1);
  for (int i = 9; i >= 0; --i) {
    out[i] = kCrockford[t & 31];
    t >>= 5;
  }
  uint64_t r1 = rng(), r2 = rng();
  for (int i = 10; i < 26; ++i) {
    uint64_t& r = i < 18 ? r1 : r2;
    out[i] = kCrockford[r & 31];
    r >>= 5;
  }
  return out;
}

gridsync::v1::OrgLevel LevelOfCode(std::string_view code) {
  using gridsync::v1::OrgLevel;
  if (!IsDigits(code)) return OrgLevel::ORG_LEVEL_UNSPECIFIED;
  if (code.size() == kGridCodeLen) return OrgLevel::ORG_LEVEL_GRID;
  if (code.size() != kVillageCodeLen) return OrgLevel::ORG_LEVEL_UNSPECIFIED;
  if (code.ends_with("000000")) {
    return code.substr(0, kCountyPrefixLen).ends_with("00") ? OrgLevel::ORG_LEVEL_UNSPECIFIED
                                                            : OrgLevel::ORG_LEVEL_COUNTY;
  }
  if (code.ends_with("000")) return OrgLevel::ORG_LEVEL_TOWN;
  return OrgLevel::ORG_LEVEL_VILLAGE;
}

std::string ScopePrefix(std::string_view code) {
  using gridsync::v1::OrgLevel;
  switch (LevelOfCode(code)) {
    case OrgLevel::ORG_LEVEL_COUNTY:
      return std::string(code.substr(0, kCountyPrefixLen));
    case OrgLevel::ORG_LEVEL_TOWN:
      return std::string(code.substr(0, kTownPrefixLen));
    case OrgLevel::ORG_LEVEL_VILLAGE:
    case OrgLevel::ORG_LEVEL_GRID:
      return std::string(code);
    default:
      return "";
  }
}

std::string ParentCode(std::string_view code) {
  using gridsync::v1::OrgLevel;
  switch (LevelOfCode(code)) {
    case OrgLevel::ORG_LEVEL_TOWN:
      return std::string(code.substr(0, kCountyPrefixLen)) + "000000";
    case OrgLevel::ORG_LEVEL_VILLAGE:
      return std::string(code.substr(0, kTownPrefixLen)) + "000";
    case OrgLevel::ORG_LEVEL_GRID:
      return std::string(code.substr(0, kVillageCodeLen));
    default:
      return "";
  }
}

}  // namespace gridsync::core
