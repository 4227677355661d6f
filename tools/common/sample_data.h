// Division CSVs (shared/data) and generated sample registries.
#ifndef GRIDSYNC_TOOLS_COMMON_SAMPLE_DATA_H_
#define GRIDSYNC_TOOLS_COMMON_SAMPLE_DATA_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gridsync/v1/admin_service.grpc.pb.h"

namespace gridsync::tools {

// The org units of a division table (county_code,county_name,town_code,
// town_name,village_code,village_name) in CSV or .xlsx (table_file.h), each
// unit once, with the line it first came from in `lines` (same order as the
// request's org_units).
struct DivisionImport {
  gridsync::v1::ImportRegistryRequest request;
  std::vector<int> lines;
  std::vector<std::string> errors;  // "line N: ..." for rows that cannot be read
};
absl::StatusOr<DivisionImport> ReadDivisionCsv(const std::string& path);

// A village gets grids_per_village grids, or one more (half of them); a
// grid about households_per_grid households (half to 1.3 times as many); a
// household a supervised person with probability persons_per_100 / 100.
struct SampleShape {
  int villages_per_town = 3;  // made only under towns that have no villages
  int grids_per_village = 2;
  int households_per_grid = 120;
  int persons_per_100 = 3;
  int64_t now_ms = 0;  // persons came under supervision up to 3 years before (0: the clock)
};

// Generated villages, grids, households and persons under the given units,
// all marked generated, deterministic for a seed. Grids already listed in
// `existing` are kept; the result tops each village up to the shape.
gridsync::v1::ImportRegistryRequest GenerateSample(
    const std::vector<gridsync::v1::OrgUnit>& existing, const SampleShape& shape, uint64_t seed);

// Makes sure the server has at least `min_grids` grids with households,
// generating sample units under its imported towns and villages. Returns the
// grid codes.
absl::StatusOr<std::vector<std::string>> EnsureSampleGrids(gridsync::v1::AdminService::Stub* admin,
                                                           const std::string& admin_token,
                                                           int min_grids, uint64_t seed);

// `n` bytes that start like a JPEG and do not compress (photos in tests and
// benchmarks), the same for a seed.
std::string SampleJpeg(size_t n, uint64_t seed);

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_SAMPLE_DATA_H_
