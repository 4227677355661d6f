#include "tools/common/xlsx_book.h"

#include <xlsxwriter.h>

#include "absl/strings/str_cat.h"

namespace gridsync::tools {

XlsxBook::XlsxBook(const std::string& path) : wb_(workbook_new(path.c_str())) {
  if (wb_ == nullptr) return;
  bold_ = workbook_add_format(wb_);
  format_set_bold(bold_);
  format_set_bg_color(bold_, 0xF3F3F3);
  pct_ = workbook_add_format(wb_);
  format_set_num_format(pct_, "0.0%");
  points_ = workbook_add_format(wb_);
  format_set_num_format(points_, "0.0");
}

XlsxBook::~XlsxBook() {
  if (wb_ != nullptr) workbook_close(wb_);
}

void XlsxBook::Sheet(const char* name, const std::vector<std::string>& header,
                     const std::vector<std::vector<XlsxCell>>& rows, const std::string& title) {
  lxw_worksheet* ws = workbook_add_worksheet(wb_, name);
  lxw_row_t r = 0;
  if (!title.empty()) worksheet_write_string(ws, r++, 0, title.c_str(), bold_);
  for (size_t c = 0; c < header.size(); ++c) {
    worksheet_write_string(ws, r, static_cast<lxw_col_t>(c), header[c].c_str(), bold_);
    worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                         c == 2 || header[c].size() > 12 ? 18 : 11, nullptr);
  }
  worksheet_freeze_panes(ws, r + 1, 0);
  for (const auto& row : rows) {
    ++r;
    for (size_t c = 0; c < row.size(); ++c) Write(ws, r, static_cast<lxw_col_t>(c), row[c]);
  }
}

absl::Status XlsxBook::Close() {
  if (wb_ == nullptr) return absl::InternalError("xlsx: the file could not be made");
  const lxw_error e = workbook_close(wb_);
  wb_ = nullptr;
  if (e != LXW_NO_ERROR) return absl::InternalError(absl::StrCat("xlsx: ", lxw_strerror(e)));
  return absl::OkStatus();
}

void XlsxBook::Write(lxw_worksheet* ws, uint32_t r, uint16_t c, const XlsxCell& cell) {
  if (cell.empty) return;
  switch (cell.kind) {
    case XlsxCell::kText:
      if (!cell.text.empty()) worksheet_write_string(ws, r, c, cell.text.c_str(), nullptr);
      return;
    case XlsxCell::kCount:
      worksheet_write_number(ws, r, c, cell.number, nullptr);
      return;
    case XlsxCell::kRate:
      worksheet_write_number(ws, r, c, cell.number, pct_);
      return;
    case XlsxCell::kPoints:
      worksheet_write_number(ws, r, c, cell.number, points_);
      return;
  }
}

}  // namespace gridsync::tools
