// Excel's workbook format is read with Debian's libzip (the archive and its
// deflate) and expat (the XML): Debian 12 packages no C or C++ library that
// reads .xlsx (libxlsxwriter only writes; freexl 1.0 reads only .xls), and
// the part of SpreadsheetML a register uses (strings, numbers, dates of one
// sheet) is small.
#include "tools/common/table_file.h"

#include <expat.h>
#include <iconv.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "core/utf8.h"

namespace gridsync::tools {
namespace {

constexpr char kHowToSave[] =
    "save it from Excel or WPS as \"CSV UTF-8 (逗号分隔)\", as \"CSV (逗号分隔)\" or as an "
    ".xlsx workbook";

// A cell as a register field: line breaks as one space, no surrounding blanks.
std::string Cell(absl::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' || raw[i] == '\n') {
      if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
      out += ' ';
    } else {
      out += raw[i];
    }
  }
  const size_t b = out.find_first_not_of(" \t");
  const size_t e = out.find_last_not_of(" \t");
  return b == std::string::npos ? "" : out.substr(b, e - b + 1);
}

bool Blank(const TableRow& row) {
  for (const auto& c : row.cells) {
    if (!c.empty()) return false;
  }
  return true;
}

// ---- text encodings --------------------------------------------------------

// `in` converted from `from` to UTF-8; the offset of the first byte that is
// not in `from` when the conversion fails.
absl::StatusOr<std::string> Iconv(absl::string_view in, const char* from, size_t* bad_offset) {
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return absl::InternalError(absl::StrCat("this system cannot convert from ", from));
  }
  std::string out(in.size() * 2 + 16, '\0');
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  size_t done = 0;
  while (src_left > 0) {
    char* dst = out.data() + done;
    size_t dst_left = out.size() - done;
    const size_t r = iconv(cd, &src, &src_left, &dst, &dst_left);
    done = out.size() - dst_left;
    if (r != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    iconv_close(cd);
    *bad_offset = in.size() - src_left;
    return absl::InvalidArgumentError(absl::StrCat("not ", from));
  }
  iconv_close(cd);
  out.resize(done);
  return out;
}

// The bytes of a text file as UTF-8 and the name of the encoding they were in.
absl::StatusOr<std::string> DecodeText(absl::string_view bytes, absl::string_view name,
                                       std::string* encoding) {
  size_t bad = 0;
  if (absl::StartsWith(bytes, "\xFF\xFE") || absl::StartsWith(bytes, "\xFE\xFF")) {
    *encoding = "UTF-16";
    auto text = Iconv(bytes, "UTF-16", &bad);  // the byte-order mark tells the order
    if (!text.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: starts as UTF-16 but byte %d is not UTF-16; %s", name, bad, kHowToSave));
    }
    return absl::StatusOr<std::string>(std::string(absl::StripPrefix(*text, "\xEF\xBB\xBF")));
  }
  if (absl::StrContains(bytes, absl::string_view("\0", 1))) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": holds NUL bytes, so it is not a text table; ", kHowToSave));
  }
  if (absl::ConsumePrefix(&bytes, "\xEF\xBB\xBF")) {
    *encoding = "UTF-8";
    const std::string_view std_bytes(bytes.data(), bytes.size());
    if (auto at = core::FirstInvalidUtf8(std_bytes)) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": begins as UTF-8 but ",
                                                     core::DescribeInvalidUtf8(std_bytes, *at),
                                                     "; ", kHowToSave));
    }
    return std::string(bytes);
  }
  if (core::IsValidUtf8(std::string_view(bytes.data(), bytes.size()))) {
    *encoding = "UTF-8";
    return std::string(bytes);
  }
  *encoding = "GB18030";
  auto text = Iconv(bytes, "GB18030", &bad);
  if (!text.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: is neither UTF-8 nor GB18030/GBK (byte %d cannot be read in either); %s", name, bad,
        kHowToSave));
  }
  return text;
}

// ---- CSV ---------------------------------------------------------------------

// A tab when the first line has tabs and no commas outside quotes (Excel's
// "Unicode text").
char SeparatorOf(absl::string_view text) {
  bool quoted = false, tab = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == ',' || c == '\n' || c == '\r') return c == ',' || !tab ? ',' : '\t';
    tab = tab || c == '\t';
  }
  return tab ? '\t' : ',';
}

// The state of an RFC 4180 reader between two characters.
class CsvReader {
 public:
  explicit CsvReader(char sep) : sep_(sep) {}

  void Take(absl::string_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      const bool crlf = c == '\r' && i + 1 < text.size() && text[i + 1] == '\n';
      if (quoted_) {
        if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
          field_ += '"';
          ++i;
        } else if (c == '"') {
          quoted_ = false;
        } else {
          if (c == '\n' || (c == '\r' && !crlf)) ++line_;
          field_ += c;
        }
      } else if (c == sep_) {
        EndField();
      } else if (c == '\r' || c == '\n') {
        if (crlf) ++i;
        EndRow();
        ++line_;
        row_.line = line_;
      } else if (c == '"' && !was_quoted_ && field_.find_first_not_of(" \t") == std::string::npos) {
        field_.clear();
        quoted_ = was_quoted_ = true;
        quote_line_ = line_;
      } else {
        field_ += c;  // also text after a closing quote: kept, as spreadsheets do
      }
    }
  }

  absl::StatusOr<std::vector<TableRow>> Finish() {
    if (quoted_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", quote_line_,
          ": a quoted field starts here and is never closed (a \" is missing, or the file was cut "
          "short)"));
    }
    if (!field_.empty() || !row_.cells.empty() || was_quoted_) EndRow();
    return std::move(rows_);
  }

 private:
  void EndField() {
    row_.cells.push_back(Cell(field_));
    field_.clear();
    was_quoted_ = false;
  }
  void EndRow() {
    EndField();
    if (!Blank(row_)) rows_.push_back(std::move(row_));
    row_ = TableRow{};
  }

  const char sep_;
  int line_ = 1;
  int quote_line_ = 0;
  bool quoted_ = false;      // inside a quoted field
  bool was_quoted_ = false;  // the field being read began with a quote
  std::string field_;
  TableRow row_{1, {}};
  std::vector<TableRow> rows_;
};

// ---- xlsx ------------------------------------------------------------------

// No part of a register's workbook comes near this; a zip bomb would.
constexpr zip_uint64_t kMaxPartBytes = 256ull << 20;

class ZipArchive {
 public:
  static absl::StatusOr<std::unique_ptr<ZipArchive>> Open(absl::string_view bytes) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    zip_t* za = src ? zip_open_from_source(src, ZIP_RDONLY, &error) : nullptr;
    if (za == nullptr) {
      if (src) zip_source_free(src);
      const std::string why = zip_error_strerror(&error);
      zip_error_fini(&error);
      return absl::InvalidArgumentError(absl::StrCat("the workbook is damaged (", why, ")"));
    }
    zip_error_fini(&error);
    return std::unique_ptr<ZipArchive>(new ZipArchive(za));
  }
  ~ZipArchive() { zip_discard(za_); }

  // The uncompressed part at `path`; NOT_FOUND when the archive has none.
  absl::StatusOr<std::string> Read(const std::string& path) {
    zip_file_t* f = zip_fopen(za_, path.c_str(), 0);
    if (f == nullptr) return absl::NotFoundError(absl::StrCat("the workbook has no ", path));
    std::string out;
    char buf[1 << 16];
    zip_int64_t n = 0;
    while ((n = zip_fread(f, buf, sizeof buf)) > 0) {
      if (out.size() + n > kMaxPartBytes) {
        zip_fclose(f);
        return absl::InvalidArgumentError(absl::StrCat(path, " is over 256 MB uncompressed"));
      }
      out.append(buf, n);
    }
    zip_fclose(f);
    if (n < 0) return absl::InvalidArgumentError(absl::StrCat(path, " is damaged"));
    return out;
  }

 private:
  explicit ZipArchive(zip_t* za) : za_(za) {}
  zip_t* za_;
};

// One XML part through expat, names without their namespace: the handlers
// get local names ("c", "id") whatever prefix the writer used.
class XmlPart {
 public:
  using Attrs = std::map<std::string, std::string>;
  std::function<void(const std::string&, const Attrs&)> on_start = [](auto&, auto&) {};
  std::function<void(const std::string&)> on_end = [](auto&) {};
  std::function<void(absl::string_view)> on_text = [](absl::string_view) {};

  absl::Status Parse(absl::string_view xml, absl::string_view part) {
    XML_Parser p = XML_ParserCreateNS("UTF-8", '|');
    XML_SetUserData(p, this);
    XML_SetElementHandler(p, &Start, &End);
    XML_SetCharacterDataHandler(p, &Text);
    const bool ok = XML_Parse(p, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
    const std::string why = ok ? "" : XML_ErrorString(XML_GetErrorCode(p));
    XML_ParserFree(p);
    if (ok) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("the workbook is damaged (", part, ": ", why, ")"));
  }

 private:
  static std::string Local(const char* name) {
    const char* bar = strrchr(name, '|');
    return bar ? bar + 1 : name;
  }
  static void Start(void* self, const char* name, const char** attrs) {
    Attrs a;
    for (int i = 0; attrs[i] && attrs[i + 1]; i += 2) a[Local(attrs[i])] = attrs[i + 1];
    static_cast<XmlPart*>(self)->on_start(Local(name), a);
  }
  static void End(void* self, const char* name) {
    static_cast<XmlPart*>(self)->on_end(Local(name));
  }
  static void Text(void* self, const char* s, int len) {
    static_cast<XmlPart*>(self)->on_text(absl::string_view(s, len));
  }
};

std::string AttrOr(const XmlPart::Attrs& a, const std::string& key, std::string dflt = "") {
  auto it = a.find(key);
  return it == a.end() ? dflt : it->second;
}

// The text of <t> elements between <si> (or <is>) and its end, leaving out
// phonetic runs (<rPh>): what Excel shows in the cell.
class RichText {
 public:
  void Start(const std::string& name) {
    if (name == "rPh") ++phonetic_;
    if (name == "t" && phonetic_ == 0) in_t_ = true;
  }
  void End(const std::string& name) {
    if (name == "rPh") --phonetic_;
    if (name == "t") in_t_ = false;
  }
  void Text(absl::string_view s) {
    if (in_t_) text_.append(s.data(), s.size());
  }
  std::string Take() { return std::exchange(text_, ""); }

 private:
  int phonetic_ = 0;
  bool in_t_ = false;
  std::string text_;
};

absl::StatusOr<std::vector<std::string>> SharedStrings(ZipArchive& zip) {
  auto xml = zip.Read("xl/sharedStrings.xml");
  if (absl::IsNotFound(xml.status())) return std::vector<std::string>{};
  if (!xml.ok()) return xml.status();
  std::vector<std::string> out;
  RichText text;
  XmlPart part;
  part.on_start = [&](const std::string& n, const XmlPart::Attrs&) { text.Start(n); };
  part.on_end = [&](const std::string& n) {
    text.End(n);
    if (n == "si") out.push_back(text.Take());
  };
  part.on_text = [&](absl::string_view s) { text.Text(s); };
  if (auto st = part.Parse(*xml, "sharedStrings.xml"); !st.ok()) return st;
  return out;
}

// Excel's built-in number formats that show a date (ECMA-376 18.8.30, with
// the ones Chinese Excel adds).
bool BuiltInDateFormat(int id) {
  return (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) || (id >= 50 && id <= 58);
}

// A custom format shows a date when it has a year or a day outside quoted
// text and [colour] brackets.
bool CustomDateFormat(absl::string_view code) {
  bool quoted = false, bracket = false;
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && (c == '[' || c == ']')) {
      bracket = c == '[';
    } else if (!quoted && !bracket && (c == 'y' || c == 'Y' || c == 'd' || c == 'D')) {
      return true;
    }
  }
  return false;
}

// For each cell style index (a cell's s="N"), whether it shows a date.
absl::StatusOr<std::vector<bool>> DateStyles(ZipArchive& zip) {
  auto xml = zip.Read("xl/styles.xml");
  if (absl::IsNotFound(xml.status())) return std::vector<bool>{};
  if (!xml.ok()) return xml.status();
  std::map<int, bool> custom;
  std::vector<bool> out;
  bool in_cell_xfs = false;
  XmlPart part;
  part.on_start = [&](const std::string& n, const XmlPart::Attrs& a) {
    int id = 0;
    if (n == "numFmt" && absl::SimpleAtoi(AttrOr(a, "numFmtId"), &id)) {
      custom[id] = CustomDateFormat(AttrOr(a, "formatCode"));
    } else if (n == "cellXfs") {
      in_cell_xfs = true;
    } else if (n == "xf" && in_cell_xfs) {
      if (!absl::SimpleAtoi(AttrOr(a, "numFmtId", "0"), &id)) id = 0;
      auto it = custom.find(id);
      out.push_back(it != custom.end() ? it->second : BuiltInDateFormat(id));
    }
  };
  part.on_end = [&](const std::string& n) {
    if (n == "cellXfs") in_cell_xfs = false;
  };
  if (auto st = part.Parse(*xml, "styles.xml"); !st.ok()) return st;
  return out;
}

// The part holding the workbook's first sheet, and whether its dates count
// from 1904 (old Mac Excel) rather than 1900.
absl::StatusOr<std::string> FirstSheetPath(ZipArchive& zip, bool* date1904) {
  auto workbook = zip.Read("xl/workbook.xml");
  if (!workbook.ok()) return workbook.status();
  std::string rel_id;
  XmlPart wb;
  wb.on_start = [&](const std::string& n, const XmlPart::Attrs& a) {
    if (n == "sheet" && rel_id.empty()) rel_id = AttrOr(a, "id");
    if (n == "workbookPr")
      *date1904 = AttrOr(a, "date1904") == "1" || AttrOr(a, "date1904") == "true";
  };
  if (auto st = wb.Parse(*workbook, "workbook.xml"); !st.ok()) return st;
  std::string target;
  if (auto rels = zip.Read("xl/_rels/workbook.xml.rels"); rels.ok()) {
    XmlPart part;
    part.on_start = [&](const std::string& n, const XmlPart::Attrs& a) {
      if (n == "Relationship" && AttrOr(a, "Id") == rel_id) target = AttrOr(a, "Target");
    };
    if (auto st = part.Parse(*rels, "workbook.xml.rels"); !st.ok()) return st;
  }
  if (target.empty()) return std::string("xl/worksheets/sheet1.xml");
  if (absl::StartsWith(target, "/")) return target.substr(1);  // from the archive's root
  return absl::StrCat("xl/", target);
}

// Far more than a register has; bounds what a damaged sheet can allocate.
constexpr int kMaxColumns = 1024;

// "C12" -> column 2 (from 0); -1 when it does not start with a column within
// the first kMaxColumns.
int ColumnOf(absl::string_view ref) {
  int col = 0, letters = 0;
  for (char c : ref) {
    if (c < 'A' || c > 'Z') break;
    col = col * 26 + (c - 'A' + 1);
    if (++letters > 3) return -1;
  }
  return letters == 0 || col > kMaxColumns ? -1 : col - 1;
}

// A number as Excel's General format shows it: whole numbers in full (a
// division code, a phone number), others as stored.
std::string GeneralNumber(const std::string& v) {
  double d = 0;
  if (!absl::SimpleAtod(v, &d) || !std::isfinite(d)) return v;
  if (d == std::floor(d) && std::fabs(d) < 1e17) return absl::StrFormat("%.0f", d);
  return v;
}

// A date serial as YYYY-MM-DD (the time of day, if any, left out).
std::string ExcelDate(const std::string& v, bool date1904) {
  double d = 0;
  if (!absl::SimpleAtod(v, &d) || !std::isfinite(d) || d < 0 || d > 2958465) return v;
  // The 1900 system counts from 1899-12-30 (Lotus's leap day 1900-02-29
  // included) for every date after February 1900.
  const absl::CivilDay epoch = date1904 ? absl::CivilDay(1904, 1, 1) : absl::CivilDay(1899, 12, 30);
  return absl::FormatCivilTime(epoch + static_cast<int64_t>(std::floor(d)));
}

// The rows of one sheet part.
class SheetReader {
 public:
  SheetReader(const std::vector<std::string>& strings, const std::vector<bool>& dates,
              bool date1904)
      : strings_(strings), dates_(dates), date1904_(date1904) {}

  absl::StatusOr<std::vector<TableRow>> Read(absl::string_view xml) {
    XmlPart part;
    part.on_start = [this](const std::string& n, const XmlPart::Attrs& a) { Start(n, a); };
    part.on_end = [this](const std::string& n) { End(n); };
    part.on_text = [this](absl::string_view s) {
      if (in_v_) value_.append(s.data(), s.size());
      rich_.Text(s);
    };
    if (auto st = part.Parse(xml, "the sheet"); !st.ok()) return st;
    if (!error_.empty()) return absl::InvalidArgumentError(error_);
    std::stable_sort(rows_.begin(), rows_.end(),
                     [](const TableRow& a, const TableRow& b) { return a.line < b.line; });
    // Every row as wide as the sheet's widest, as Excel saves a sheet as CSV:
    // empty cells at the end of a row are still its columns.
    size_t width = 0;
    for (const auto& r : rows_) width = std::max(width, r.cells.size());
    for (auto& r : rows_) r.cells.resize(width);
    return std::move(rows_);
  }

 private:
  void Start(const std::string& n, const XmlPart::Attrs& a) {
    if (n == "row") {
      int r = 0;
      row_ = TableRow{absl::SimpleAtoi(AttrOr(a, "r"), &r) && r > 0 ? r : last_row_ + 1, {}};
    } else if (n == "c") {
      const std::string ref = AttrOr(a, "r");
      col_ = ref.empty() ? static_cast<int>(row_.cells.size()) : ColumnOf(ref);
      if (col_ < 0 && error_.empty()) {
        error_ = absl::StrCat("the first sheet has a cell at ", ref,
                              ", not within the 1,024 columns of a register's table");
      }
      type_ = AttrOr(a, "t", "n");
      int s = 0;
      date_ = absl::SimpleAtoi(AttrOr(a, "s"), &s) && s >= 0 &&
              static_cast<size_t>(s) < dates_.size() && dates_[s];
      value_.clear();
      rich_.Take();
    } else if (n == "v") {
      in_v_ = true;
    } else {
      rich_.Start(n);
    }
  }

  void End(const std::string& n) {
    if (n == "v") {
      in_v_ = false;
    } else if (n == "c" && col_ >= 0) {
      std::string text = Cell(CellText());
      if (text.empty()) return;  // an empty cell (perhaps only styled) adds no column
      if (row_.cells.size() <= static_cast<size_t>(col_)) row_.cells.resize(col_ + 1);
      row_.cells[col_] = std::move(text);
    } else if (n == "row") {
      last_row_ = row_.line;
      if (!Blank(row_)) rows_.push_back(std::move(row_));
      row_ = TableRow{};
    } else {
      rich_.End(n);
    }
  }

  std::string CellText() {
    if (type_ == "s") {
      size_t i = 0;
      return absl::SimpleAtoi(value_, &i) && i < strings_.size() ? strings_[i] : "";
    }
    if (type_ == "inlineStr") return rich_.Take();
    if (type_ == "b") return value_ == "1" ? "TRUE" : "FALSE";
    if (type_ == "str" || type_ == "e") return value_;
    return date_ ? ExcelDate(value_, date1904_) : GeneralNumber(value_);
  }

  const std::vector<std::string>& strings_;
  const std::vector<bool>& dates_;
  const bool date1904_;
  std::vector<TableRow> rows_;
  TableRow row_;
  int last_row_ = 0;
  int col_ = 0;
  std::string type_;
  bool date_ = false;
  bool in_v_ = false;
  std::string value_;
  RichText rich_;
  std::string error_;  // the first reason the sheet cannot be read
};

absl::StatusOr<std::vector<TableRow>> ParseXlsx(absl::string_view bytes) {
  auto zip = ZipArchive::Open(bytes);
  if (!zip.ok()) return zip.status();
  bool date1904 = false;
  auto sheet_path = FirstSheetPath(**zip, &date1904);
  if (!sheet_path.ok()) return sheet_path.status();
  auto strings = SharedStrings(**zip);
  if (!strings.ok()) return strings.status();
  auto dates = DateStyles(**zip);
  if (!dates.ok()) return dates.status();
  auto sheet = (*zip)->Read(*sheet_path);
  if (!sheet.ok()) return sheet.status();
  return SheetReader(*strings, *dates, date1904).Read(*sheet);
}

}  // namespace

absl::StatusOr<std::vector<TableRow>> ParseCsv(absl::string_view utf8) {
  CsvReader reader(SeparatorOf(utf8));
  reader.Take(utf8);
  return reader.Finish();
}

absl::StatusOr<Table> ReadTable(absl::string_view bytes, absl::string_view name) {
  Table table;
  if (absl::StartsWith(bytes, "PK\x03\x04")) {
    table.format = "xlsx";
    auto rows = ParseXlsx(bytes);
    if (!rows.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": ", rows.status().message(),
                       "; open it in Excel or WPS and save it again as .xlsx or as \"CSV UTF-8 "
                       "(逗号分隔)\""));
    }
    table.rows = *std::move(rows);
    return table;
  }
  if (absl::StartsWith(bytes, "\xD0\xCF\x11\xE0")) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": is an Excel 97-2003 workbook (.xls), which is not read; ", kHowToSave));
  }
  std::string encoding;
  auto text = DecodeText(bytes, name, &encoding);
  if (!text.ok()) return text.status();
  auto rows = ParseCsv(*text);
  if (!rows.ok())
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", rows.status().message()));
  table.format = "CSV, " + encoding;
  table.rows = *std::move(rows);
  return table;
}

absl::StatusOr<Table> ReadTableFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ReadTable(bytes, path);
}

}  // namespace gridsync::tools
