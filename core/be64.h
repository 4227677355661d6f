// Big-endian 64-bit keys: they sort as bytes the way the numbers sort, so a
// RocksDB iterator walks them in numeric order.
#ifndef GRIDSYNC_CORE_BE64_H_
#define GRIDSYNC_CORE_BE64_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace gridsync::core {

inline std::string Be64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return s;
}

// The number in the first 8 bytes of `s` (fewer if `s` is shorter).
inline uint64_t FromBe64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_BE64_H_
