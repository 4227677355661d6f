// A workbook of plain tables (.xlsx through Debian's libxlsxwriter), as the
// report and the console's 通报 write them: a sheet is a header row and rows
// of cells; rates are real numbers formatted as percentages, so a clerk's
// spreadsheet sums and sorts them.
#ifndef GRIDSYNC_TOOLS_COMMON_XLSX_BOOK_H_
#define GRIDSYNC_TOOLS_COMMON_XLSX_BOOK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

struct lxw_workbook;
struct lxw_format;
struct lxw_worksheet;

namespace gridsync::tools {

// A cell: text, a count, a rate (formatted as a percentage), or a score
// (0..1, shown as points out of 100); an absent figure is an empty cell.
struct XlsxCell {
  enum Kind { kText, kCount, kRate, kPoints } kind = kText;
  std::string text;
  double number = 0;
  bool empty = false;
};

namespace xlsx {
inline XlsxCell Text(std::string s) { return {XlsxCell::kText, std::move(s), 0, false}; }
inline XlsxCell Count(int64_t n) { return {XlsxCell::kCount, "", static_cast<double>(n), false}; }
inline XlsxCell Rate(const std::optional<double>& r) {
  return {XlsxCell::kRate, "", r.value_or(0), !r};
}
inline XlsxCell Points(const std::optional<double>& s) {
  return {XlsxCell::kPoints, "", s ? *s * 100 : 0, !s};
}
}  // namespace xlsx

// One workbook and its formats. Not thread-safe.
class XlsxBook {
 public:
  explicit XlsxBook(const std::string& path);
  ~XlsxBook();
  XlsxBook(const XlsxBook&) = delete;
  XlsxBook& operator=(const XlsxBook&) = delete;

  // False when the file could not be made (Close then says why).
  bool ok() const { return wb_ != nullptr; }
  // A sheet of `header` and `rows` under an optional `title` line, columns
  // sized to their headers, the header row frozen.
  void Sheet(const char* name, const std::vector<std::string>& header,
             const std::vector<std::vector<XlsxCell>>& rows, const std::string& title = "");
  // Writes the file.
  absl::Status Close();

 private:
  void Write(lxw_worksheet* ws, uint32_t r, uint16_t c, const XlsxCell& cell);

  lxw_workbook* wb_;
  lxw_format* bold_ = nullptr;
  lxw_format* pct_ = nullptr;
  lxw_format* points_ = nullptr;
};

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_XLSX_BOOK_H_
