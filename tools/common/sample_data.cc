#include "tools/common/sample_data.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/registry.h"
#include "tools/common/client.h"
#include "tools/common/table_file.h"

namespace gridsync::tools {
namespace {
using gridsync::v1::OrgLevel;
using gridsync::v1::OrgUnit;

const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                           "郭", "孙", "马", "朱", "胡", "高", "郑", "梁", "宋", "许"};
const char* kGiven[] = {"建国", "秀英", "桂兰", "志强", "玉梅", "国华", "海燕", "德明",
                        "春生", "丽娟", "卫东", "红霞", "建军", "淑珍", "振华", "金凤"};

std::string Name(std::mt19937_64& rng) {
  return absl::StrCat(kSurnames[rng() % std::size(kSurnames)], kGiven[rng() % std::size(kGiven)]);
}

// Who is visited in a village, roughly as grid work finds it: mostly
// severe mental disorders and community corrections, low risk (监管); a
// quarter are cared for (关爱).
gridsync::v1::PersonCategory Category(std::mt19937_64& rng) {
  const int r = static_cast<int>(rng() % 100);
  if (r < 35) return gridsync::v1::PERSON_CATEGORY_SEVERE_MENTAL_DISORDER;
  if (r < 52) return gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS;
  if (r < 62) return gridsync::v1::PERSON_CATEGORY_DRUG_REHABILITATION;
  if (r < 72) return gridsync::v1::PERSON_CATEGORY_RELEASED_PRISONER;
  if (r < 76) return gridsync::v1::PERSON_CATEGORY_IDLE_YOUTH;
  if (r < 86) return gridsync::v1::PERSON_CATEGORY_ELDERLY_ALONE;
  if (r < 95) return gridsync::v1::PERSON_CATEGORY_LEFT_BEHIND_CHILD;
  return gridsync::v1::PERSON_CATEGORY_DISABLED;
}

// A risk level on the category's own scale (core::RiskScaleOf).
int Risk(std::mt19937_64& rng, gridsync::v1::PersonCategory category) {
  const int r = static_cast<int>(rng() % 100);
  const int drawn = r < 55 ? 0 : r < 85 ? 1 : r < 96 ? 2 : 3;
  const core::RiskScale s = core::RiskScaleOf(category);
  return std::clamp(
      category == gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS ? drawn + 1 : drawn, s.lowest,
      s.highest);
}

}  // namespace

absl::StatusOr<DivisionImport> ReadDivisionCsv(const std::string& path) {
  auto table = ReadTableFile(path);
  if (!table.ok()) return table.status();
  DivisionImport out;
  std::set<std::string> seen;
  auto add = [&](const std::string& code, const std::string& name, int line_no) {
    if (code.empty() || !seen.insert(code).second) return;
    OrgUnit* u = out.request.add_org_units();
    u->set_code(code);
    u->set_name(name);
    out.lines.push_back(line_no);
  };
  if (table->rows.empty() || table->rows[0].cells[0] != "county_code") {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": line 1 must be the header county_code,county_name,town_code,town_name,"
                     "village_code,village_name"));
  }
  for (size_t i = 1; i < table->rows.size(); ++i) {
    const auto& [n, cols] = table->rows[i];
    if (cols.size() != 6) {
      out.errors.push_back(absl::StrCat("line ", n, ": expected 6 columns, found ", cols.size()));
      continue;
    }
    add(cols[0], cols[1], n);
    add(cols[2], cols[3], n);
    add(cols[4], cols[5], n);
  }
  return out;
}

gridsync::v1::ImportRegistryRequest GenerateSample(const std::vector<OrgUnit>& existing,
                                                   const SampleShape& shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  gridsync::v1::ImportRegistryRequest req;
  std::map<std::string, std::vector<std::string>> villages_of_town, grids_of_village;
  std::vector<std::string> towns;
  for (const auto& u : existing) {
    if (u.level() == OrgLevel::ORG_LEVEL_TOWN) towns.push_back(u.code());
    if (u.level() == OrgLevel::ORG_LEVEL_VILLAGE)
      villages_of_town[u.parent_code()].push_back(u.code());
    if (u.level() == OrgLevel::ORG_LEVEL_GRID)
      grids_of_village[u.parent_code()].push_back(u.code());
  }
  std::vector<std::pair<std::string, std::string>> villages;  // code, name
  for (const auto& town : towns) {
    auto& vs = villages_of_town[town];
    if (vs.empty()) {
      for (int v = 1; v <= shape.villages_per_town; ++v) {
        // 9xx: no official village code uses it, so generated ones never clash.
        const std::string code = absl::StrFormat("%s9%02d", town.substr(0, 9), v);
        OrgUnit* u = req.add_org_units();
        u->set_code(code);
        u->set_name(absl::StrFormat("样例%d村", v));
        u->set_generated(true);
        vs.push_back(code);
      }
    }
    for (const auto& v : vs) villages.emplace_back(v, "");
  }
  const int64_t now = shape.now_ms > 0 ? shape.now_ms : core::SystemWallMs();
  for (const auto& [village, unused] : villages) {
    const auto& have = grids_of_village[village];
    const int grids = shape.grids_per_village + static_cast<int>(rng() % 2);
    for (int g = 1; g <= grids; ++g) {
      const std::string grid = absl::StrFormat("%s%03d", village, g);
      if (std::find(have.begin(), have.end(), grid) == have.end()) {
        OrgUnit* u = req.add_org_units();
        u->set_code(grid);
        u->set_name(absl::StrFormat("第%d网格", g));
        u->set_generated(true);
      }
      const int households = std::max(
          1, shape.households_per_grid / 2 +
                 static_cast<int>(rng() %
                                  static_cast<uint64_t>(shape.households_per_grid * 4 / 5 + 1)));
      for (int h = 1; h <= households && h <= 9999; ++h) {
        const std::string hid = absl::StrFormat("%s%04d", grid, h);
        auto* hh = req.add_households();
        hh->set_household_id(hid);
        hh->set_grid_code(grid);
        hh->set_address(absl::StrFormat("%d组%d号", 1 + (h - 1) / 30, h));
        hh->set_head_name(Name(rng));
        hh->set_generated(true);
        if (static_cast<int>(rng() % 100) >= shape.persons_per_100) continue;
        auto* person = req.add_persons();
        person->set_person_id(hid + "01");
        person->set_household_id(hid);
        person->set_name(Name(rng));
        person->set_category(Category(rng));
        person->set_risk_level(Risk(rng, person->category()));
        person->set_guardian(Name(rng));
        person->set_supervised_since_ms(now - static_cast<int64_t>(rng() % (3 * 365)) * 86400000LL -
                                        86400000LL);
        person->set_generated(true);
      }
    }
  }
  return req;
}

absl::StatusOr<std::vector<std::string>> EnsureSampleGrids(gridsync::v1::AdminService::Stub* admin,
                                                           const std::string& admin_token,
                                                           int min_grids, uint64_t seed) {
  auto list = [&]() -> absl::StatusOr<std::vector<OrgUnit>> {
    gridsync::v1::ListOrgUnitsRequest req;
    gridsync::v1::ListOrgUnitsResponse resp;
    auto ctx = CallContext(admin_token);
    if (auto st = FromGrpc(admin->ListOrgUnits(ctx.get(), req, &resp)); !st.ok()) return st;
    return std::vector<OrgUnit>(resp.org_units().begin(), resp.org_units().end());
  };
  auto units = list();
  if (!units.ok()) return units.status();
  auto grids_in = [](const std::vector<OrgUnit>& us) {
    std::vector<std::string> g;
    for (const auto& u : us) {
      if (u.level() == OrgLevel::ORG_LEVEL_GRID) g.push_back(u.code());
    }
    return g;
  };
  if (static_cast<int>(grids_in(*units).size()) < min_grids) {
    int towns = 0, villages = 0;
    for (const auto& u : *units) {
      towns += u.level() == OrgLevel::ORG_LEVEL_TOWN;
      villages += u.level() == OrgLevel::ORG_LEVEL_VILLAGE;
    }
    if (towns == 0) {
      return absl::FailedPreconditionError(
          "the server has no towns: import org data first (gridsyncctl import-org FILE.csv)");
    }
    SampleShape shape;
    const int village_count = villages > 0 ? villages : towns * shape.villages_per_town;
    shape.grids_per_village =
        std::max(shape.grids_per_village, (min_grids + village_count - 1) / village_count);
    auto req = GenerateSample(*units, shape, seed);
    // Import in pieces that fit a message: org units first, then by grid.
    gridsync::v1::ImportRegistryRequest piece;
    auto send = [&]() -> absl::Status {
      gridsync::v1::ImportRegistryResponse resp;
      auto ctx = CallContext(admin_token, std::chrono::seconds(300));
      if (auto st = FromGrpc(admin->ImportRegistry(ctx.get(), piece, &resp)); !st.ok()) return st;
      if (resp.rejections_size() > 0) {
        return absl::InternalError(
            absl::StrCat("sample registry rejected: ", resp.rejections(0).message()));
      }
      piece.Clear();
      return absl::OkStatus();
    };
    *piece.mutable_org_units() = req.org_units();
    if (auto st = send(); !st.ok()) return st;
    for (const auto& h : req.households()) {
      *piece.add_households() = h;
      if (piece.households_size() >= 20000) {
        if (auto st = send(); !st.ok()) return st;
      }
    }
    *piece.mutable_persons() = req.persons();
    if (auto st = send(); !st.ok()) return st;
    units = list();
    if (!units.ok()) return units.status();
  }
  return grids_in(*units);
}

std::string SampleJpeg(size_t n, uint64_t seed) {
  std::string b("\xFF\xD8\xFF\xE0", 4);
  std::mt19937_64 rng(seed);
  while (b.size() < n) b.push_back(static_cast<char>(rng()));
  b.resize(n);
  return b;
}

}  // namespace gridsync::tools
