// The tables clerks bring, as Excel and WPS save them (tools/common/table_file.h).
#include "tools/common/table_file.h"

#include <xlsxwriter.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/server/server_process.h"
#include "tests/server/test_server.h"

namespace gridsync::tools {
namespace {

using Cells = std::vector<std::vector<std::string>>;

Cells CellsOf(const Table& t) {
  Cells out;
  for (const auto& r : t.rows) out.push_back(r.cells);
  return out;
}

std::vector<int> LinesOf(const Table& t) {
  std::vector<int> out;
  for (const auto& r : t.rows) out.push_back(r.line);
  return out;
}

TEST(TableFileTest, AQuotedLineBreakIsOneFieldOfOneRow) {
  // An address typed on two lines in a cell: Excel quotes it and writes the
  // break (CRLF, as on Windows) inside the quotes.
  auto t = ReadTable(
      "household_id,grid_code,address,head_name\r\n"
      "1,g,\"登封市大金店镇\r\n王村3组\",王大\r\n"
      "2,g,\"村东头, \"\"老槐树\"\"旁\",李二\r\n"
      "\r\n"
      "3,g,  村西头  ,赵三",
      "h.csv");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->format, "CSV, UTF-8");
  EXPECT_EQ(CellsOf(*t), (Cells{{"household_id", "grid_code", "address", "head_name"},
                                {"1", "g", "登封市大金店镇 王村3组", "王大"},
                                {"2", "g", "村东头, \"老槐树\"旁", "李二"},
                                {"3", "g", "村西头", "赵三"}}));
  EXPECT_EQ(LinesOf(*t), (std::vector<int>{1, 2, 4, 6}));  // where each row starts
}

TEST(TableFileTest, AQuoteNeverClosedNamesItsLine) {
  auto t = ReadTable("a,b\n1,\"two\n3,4\n", "h.csv");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(t.status().message(), "h.csv: line 2: a quoted field"))
      << t.status();
}

TEST(TableFileTest, EncodingsAreToldFromTheBytes) {
  // UTF-8 with Excel's byte-order mark.
  auto bom = ReadTable("\xEF\xBB\xBFname\n王芳\n", "bom.csv");
  ASSERT_TRUE(bom.ok()) << bom.status();
  EXPECT_EQ(CellsOf(*bom), (Cells{{"name"}, {"王芳"}}));
  // GB18030 as Excel on Chinese Windows saves "CSV (逗号分隔)": 王芳 in its
  // two-byte (GBK) range, 𠮷 in its four-byte range.
  auto gb = ReadTable("name,town\n\xCD\xF5\xB7\xBC,\xB5\xC7\xB7\xE2\xCA\xD0\n\x95\x34\xB2\x35,x\n",
                      "gb.csv");
  ASSERT_TRUE(gb.ok()) << gb.status();
  EXPECT_EQ(gb->format, "CSV, GB18030");
  EXPECT_EQ(CellsOf(*gb), (Cells{{"name", "town"}, {"王芳", "登封市"}, {"𠮷", "x"}}));
  // UTF-16 with its mark and tabs: Excel's "Unicode text".
  const std::u16string u16 = u"\uFEFFname\tcode\r\n王芳\t410185\r\n";
  auto wide =
      ReadTable(std::string(reinterpret_cast<const char*>(u16.data()), u16.size() * 2), "u16.txt");
  ASSERT_TRUE(wide.ok()) << wide.status();
  EXPECT_EQ(wide->format, "CSV, UTF-16");
  EXPECT_EQ(CellsOf(*wide), (Cells{{"name", "code"}, {"王芳", "410185"}}));
}

TEST(TableFileTest, WhatCannotBeReadSaysHowToSaveIt) {
  auto xls = ReadTable(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8), "old.xls");
  ASSERT_FALSE(xls.ok());
  EXPECT_TRUE(absl::StrContains(xls.status().message(), "Excel 97-2003 workbook (.xls)"));
  EXPECT_TRUE(absl::StrContains(xls.status().message(), "CSV UTF-8 (逗号分隔)"));
  auto neither = ReadTable("a\n\xFF\xFF\xFF\n", "bad.csv");  // not UTF-8, not GB18030
  ASSERT_FALSE(neither.ok());
  EXPECT_TRUE(
      absl::StrContains(neither.status().message(), "bad.csv: is neither UTF-8 nor GB18030"))
      << neither.status();
  auto torn = ReadTable(std::string("PK\x03\x04garbage", 11), "torn.xlsx");
  ASSERT_FALSE(torn.ok());
  EXPECT_TRUE(absl::StrContains(torn.status().message(), "torn.xlsx: the workbook is damaged"))
      << torn.status();
  EXPECT_TRUE(absl::IsNotFound(ReadTableFile("/nonexistent/x.csv").status()));
}

// A register as a clerk keeps it in Excel: IDs typed as numbers, a date
// cell, an address with a line break, an empty last column, a blank row.
std::string WriteRegisterXlsx(const std::string& path, bool constant_memory) {
  lxw_workbook_options options = {};
  options.constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE;  // inline strings
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &options);
  lxw_worksheet* ws = workbook_add_worksheet(wb, "住户");
  lxw_format* date = workbook_add_format(wb);
  format_set_num_format(date, "yyyy\"年\"m\"月\"d\"日\"");
  const char* header[] = {"person_id", "household_id",    "name", "category", "risk_level",
                          "guardian",  "supervised_since"};
  for (int c = 0; c < 7; ++c) worksheet_write_string(ws, 0, c, header[c], nullptr);
  worksheet_write_number(ws, 1, 0, 410185100201001, nullptr);
  worksheet_write_string(ws, 1, 1, "4101851002010", nullptr);
  worksheet_write_string(ws, 1, 2, "  赵𠮷 ", nullptr);
  worksheet_write_string(ws, 1, 3, "严重精神障碍患者", nullptr);
  worksheet_write_number(ws, 1, 4, 3, nullptr);
  worksheet_write_string(ws, 1, 5, "赵父\n(父亲)", nullptr);
  lxw_datetime day = {2026, 3, 1, 0, 0, 0};
  worksheet_write_datetime(ws, 1, 6, &day, date);
  worksheet_write_number(ws, 3, 0, 410185100201002, nullptr);  // row 3 left blank
  worksheet_write_string(ws, 3, 1, "4101851002010", nullptr);
  worksheet_write_string(ws, 3, 2, "钱𡒄", nullptr);
  worksheet_write_number(ws, 3, 4, 2.5, nullptr);
  workbook_close(wb);
  return path;
}

TEST(TableFileTest, AnXlsxReadsAsExcelShowsItsFirstSheet) {
  const std::string dir = testing::TempDir("table-xlsx");
  std::filesystem::create_directories(dir);
  for (bool inline_strings : {false, true}) {
    auto t = ReadTableFile(WriteRegisterXlsx(dir + "/r.xlsx", inline_strings));
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->format, "xlsx");
    EXPECT_EQ(CellsOf(*t), (Cells{{"person_id", "household_id", "name", "category", "risk_level",
                                   "guardian", "supervised_since"},
                                  {"410185100201001", "4101851002010", "赵𠮷", "严重精神障碍患者",
                                   "3", "赵父 (父亲)", "2026-03-01"},
                                  {"410185100201002", "4101851002010", "钱𡒄", "", "2.5", "", ""}}))
        << "inline strings: " << inline_strings;
    EXPECT_EQ(LinesOf(*t), (std::vector<int>{1, 2, 4}));
  }
  std::filesystem::remove_all(dir);
}

// gridsyncctl imports what Excel writes, and stores the same as from the
// UTF-8 CSV a script would write: importing that afterwards changes nothing.
TEST(TableFileTest, GridsyncctlImportsGb18030AndXlsxAsTheSameRegister) {
  const std::string dir = testing::TempDir("table-import");
  ASSERT_EQ(testing::RunCommand({GRIDSYNCD_PATH, "init", "--data", dir}), 0);
  testing::ServerProcess proc(dir);
  ASSERT_TRUE(proc.Start());
  auto ctl = [&](std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(),
                {GRIDSYNCCTL_PATH, "--server", proc.addr(), "--token-file", dir + "/admin.token"});
    out->clear();
    return testing::RunCommand(args, out, /*with_stderr=*/true);
  };
  std::string out;
  ASSERT_EQ(
      ctl({"import-org", std::string(GRIDSYNC_SHARED_DATA) + "/henan-zhengzhou-dengfeng-towns.csv"},
          &out),
      0)
      << out;
  ASSERT_EQ(ctl({"gen-sample", "--min-grids", "2"}, &out), 0) << out;
  const std::string grid = "410185001901001";
  // 登封市\n王村 / 王大 / 李二 in GB18030, the address on two lines.
  std::ofstream(dir + "/h-gb.csv", std::ios::binary)
      << "household_id,grid_code,address,head_name\r\n"
      << grid << "9001," << grid << ",\"\xB5\xC7\xB7\xE2\xCA\xD0\r\n\xCD\xF5\xB4\xE5\","
      << "\xCD\xF5\xB4\xF3\r\n"
      << grid << "9002," << grid << ",x,\xC0\xEE\xB6\xFE\r\n";
  EXPECT_EQ(ctl({"import-households", dir + "/h-gb.csv"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "read as CSV, GB18030")) << out;
  EXPECT_TRUE(absl::StrContains(out, "2 read; 2 created, 0 updated, 0 unchanged, 0 rejected"))
      << out;
  std::ofstream(dir + "/h.csv") << grid << "9001," << grid << ",登封市 王村,王大\n"
                                << grid << "9002," << grid << ",x,李二\n";
  EXPECT_EQ(ctl({"import-households", dir + "/h.csv"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "0 created, 0 updated, 2 unchanged")) << out;

  lxw_workbook* wb = workbook_new((dir + "/p.xlsx").c_str());
  lxw_worksheet* ws = workbook_add_worksheet(wb, nullptr);
  lxw_format* date = workbook_add_format(wb);
  format_set_num_format(date, "yyyy/m/d");
  const char* headed[] = {"人员编号", "户编号", "姓名", "类别", "风险等级", "监护人", "列管日期"};
  for (int c = 0; c < 7; ++c) worksheet_write_string(ws, 0, c, headed[c], nullptr);
  // The data from the second row, under the township's own header.
  worksheet_write_string(ws, 1, 0, (grid + "900101").c_str(), nullptr);
  worksheet_write_string(ws, 1, 1, (grid + "9001").c_str(), nullptr);
  worksheet_write_string(ws, 1, 2, "王小𠮷", nullptr);
  worksheet_write_string(ws, 1, 3, "严重精神障碍患者", nullptr);
  worksheet_write_number(ws, 1, 4, 3, nullptr);
  worksheet_write_string(ws, 1, 5, "王大\n父亲", nullptr);
  lxw_datetime day = {2026, 3, 1, 0, 0, 0};
  worksheet_write_datetime(ws, 1, 6, &day, date);
  worksheet_write_string(ws, 2, 0, (grid + "900201").c_str(), nullptr);
  worksheet_write_string(ws, 2, 1, (grid + "9002").c_str(), nullptr);
  worksheet_write_string(ws, 2, 2, "李小", nullptr);
  worksheet_write_string(ws, 2, 3, "community_corrections", nullptr);
  ASSERT_EQ(workbook_close(wb), LXW_NO_ERROR);
  EXPECT_EQ(ctl({"import-persons", dir + "/p.xlsx"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "read as xlsx")) << out;
  EXPECT_TRUE(absl::StrContains(out, "line 1 taken as the header (人员编号,户编号,")) << out;
  EXPECT_TRUE(absl::StrContains(out, "2 read; 2 created, 0 updated, 0 unchanged, 0 rejected"))
      << out;
  std::ofstream(dir + "/p.csv") << grid << "900101," << grid
                                << "9001,王小𠮷,严重精神障碍患者,3,王大 父亲,2026-03-01\n"
                                << grid << "900201," << grid
                                << "9002,李小,community_corrections,,,\n";
  EXPECT_EQ(ctl({"import-persons", dir + "/p.csv"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "0 created, 0 updated, 2 unchanged")) << out;
  // A workbook saved as the old .xls: refused with what to do, nothing sent.
  std::ofstream(dir + "/p.xls", std::ios::binary) << std::string("\xD0\xCF\x11\xE0\xA1\xB1", 6);
  EXPECT_EQ(ctl({"import-persons", dir + "/p.xls"}, &out), 1) << out;
  EXPECT_TRUE(absl::StrContains(out, "save it from Excel or WPS as")) << out;
  EXPECT_EQ(proc.Kill(SIGTERM), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gridsync::tools
