// Big-endian 64- and 32-bit keys: they sort as bytes the way the numbers sort, so a
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

// The same in 4 bytes (months as yyyymm, small counts).
inline std::string Be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 3; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 0xff);
  return s;
}
inline uint32_t FromBe32(std::string_view s) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4 && i < s.size(); ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_BE64_H_
