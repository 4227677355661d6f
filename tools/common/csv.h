// Reading the registry CSVs an operator brings (often saved from Excel).
#ifndef GRIDSYNC_TOOLS_COMMON_CSV_H_
#define GRIDSYNC_TOOLS_COMMON_CSV_H_

#include <string>
#include <string_view>
#include <vector>

namespace gridsync::tools {

// One CSV line split into fields: "a,\"b, c\",d" -> {a, "b, c", d}; a
// doubled quote inside quotes is one quote. Surrounding spaces and a
// trailing CR are dropped, and so is a UTF-8 byte-order mark at the start.
inline std::vector<std::string> SplitCsvLine(std::string_view line) {
  if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  for (auto& f : out) {
    const size_t b = f.find_first_not_of(" \t");
    const size_t e = f.find_last_not_of(" \t");
    f = b == std::string::npos ? "" : f.substr(b, e - b + 1);
  }
  return out;
}

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_CSV_H_
