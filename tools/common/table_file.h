// The tables a clerk brings: a register (divisions, households, persons) or
// a policy saved from Excel, WPS or a script, read into rows of UTF-8 cells.
//
// What is read:
//   - CSV as RFC 4180 has it: a quoted field may hold commas, doubled quotes
//     and line breaks (an address on two lines is one field of one row);
//     CRLF or LF line ends; a line of tabs and no commas is split at tabs
//     (Excel's "Unicode text").
//   - The text in UTF-8 with or without a byte-order mark, in UTF-16 with
//     one (Excel's "Unicode text"), or else in GB18030, of which GBK and
//     GB2312 are subsets: what Excel on Chinese Windows saves as "CSV (逗号分
//     隔)". The encoding is told from the bytes, never from the locale.
//   - An .xlsx workbook's first sheet: shared, inline and formula strings,
//     numbers as Excel shows them in General format (no exponent for whole
//     numbers below 10^15: division codes), dates as YYYY-MM-DD.
//
// Cells keep their text as typed except that spaces and tabs around an
// unquoted CSV field, or around any xlsx cell, are dropped, and a line break
// inside a cell becomes one space: a register's fields are single lines.
#ifndef GRIDSYNC_TOOLS_COMMON_TABLE_FILE_H_
#define GRIDSYNC_TOOLS_COMMON_TABLE_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gridsync::tools {

struct TableRow {
  int line = 0;  // where the row starts: the CSV's line, or the sheet's row number
  std::vector<std::string> cells;
};

struct Table {
  std::string format;          // how the bytes were read: "CSV, UTF-8", "CSV, GB18030", "xlsx", ...
  std::vector<TableRow> rows;  // blank rows left out
};

// The table in the file at `path`: an .xlsx workbook when its bytes are a zip
// archive (whatever its name), otherwise CSV.
// Errors: NOT_FOUND when the file cannot be read; INVALID_ARGUMENT, naming
// the file and saying how to save it so that it can be read, when its bytes
// are neither (a legacy .xls, a text in another encoding, a quote never
// closed, a damaged workbook).
absl::StatusOr<Table> ReadTableFile(const std::string& path);

// The same for bytes already in memory; `name` is used in messages.
absl::StatusOr<Table> ReadTable(absl::string_view bytes, absl::string_view name);

// RFC 4180 over text already in UTF-8. Exposed for tests.
absl::StatusOr<std::vector<TableRow>> ParseCsv(absl::string_view utf8);

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_TABLE_FILE_H_
