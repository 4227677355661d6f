// Latency percentiles for the benches and the load generator.
#ifndef GRIDSYNC_TOOLS_COMMON_PERCENTILE_H_
#define GRIDSYNC_TOOLS_COMMON_PERCENTILE_H_

#include <algorithm>
#include <cstddef>
#include <vector>

namespace gridsync::tools {

// The q-quantile (0 <= q <= 1) of `v` by nearest rank: the value at
// index q x n of the sorted values (the largest for q = 1); 0 when empty.
inline double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_PERCENTILE_H_
