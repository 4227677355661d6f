// libFuzzer: the reader of the tables clerks bring (tools/common/table_file.h)
// over any bytes: CSV in any encoding and .xlsx workbooks (the seeds in
// tests/fuzz/table_seeds/ include both). The laws checked:
//  - it returns a table or an error, never crashes, leaks or runs long;
//  - every cell of a table is well-formed UTF-8, on one line, without spaces
//    around it, and no row is blank;
//  - rows are in order of the line (or sheet row) they start on;
//  - a table written back as RFC 4180 CSV, every field quoted, reads back
//    as the same cells.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/utf8.h"
#include "tools/common/table_file.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

std::string AsCsv(const std::vector<gridsync::tools::TableRow>& rows) {
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.cells.size(); ++i) {
      if (i > 0) out += ',';
      out += '"';
      for (char c : row.cells[i]) out += c == '"' ? std::string("\"\"") : std::string(1, c);
      out += '"';
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto table = gridsync::tools::ReadTable(bytes, "fuzz");
  if (!table.ok()) return 0;
  int last_line = 0;
  for (const auto& row : table->rows) {
    Check(row.line >= last_line);
    last_line = row.line;
    bool blank = true;
    for (const auto& cell : row.cells) {
      Check(gridsync::core::IsValidUtf8(cell));
      Check(cell.find_first_of("\r\n") == std::string::npos);
      Check(cell.empty() || (cell.front() != ' ' && cell.back() != ' ' && cell.front() != '\t' &&
                             cell.back() != '\t'));
      blank = blank && cell.empty();
    }
    Check(!blank);
  }
  auto again = gridsync::tools::ParseCsv(AsCsv(table->rows));
  Check(again.ok() && again->size() == table->rows.size());
  for (size_t i = 0; i < again->size(); ++i) {
    const auto& a = (*again)[i].cells;
    const auto& b = table->rows[i].cells;
    Check(a == b);
  }
  return 0;
}
