#include "tools/web/notices.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "core/assessment.h"
#include "core/coverage.h"
#include "core/safety_figures.h"
#include "tools/common/report.h"

namespace gridsync::web {
namespace {

using tools::xlsx::Count;
using tools::xlsx::Points;
using tools::xlsx::Rate;
using tools::xlsx::Text;

constexpr char kStyle[] = R"(<link rel="stylesheet" href="/static/fonts.css"><style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","WenQuanYi Micro Hei","GS CJK","GS CJK ExtB",sans-serif;margin:24px;color:#222}
h1{font-size:22px;text-align:center;margin:0 0 4px} .sub{color:#555;font-size:13px;text-align:center}
p{font-size:14px;line-height:1.7}
table{border-collapse:collapse;font-size:13px;margin:8px auto} th,td{border:1px solid #999;padding:3px 8px;text-align:right}
th{background:#eee} td.l{text-align:left} tr.below td{color:#b00;font-weight:bold}
@page{size:A4;margin:15mm}
@media print{body{margin:0} table{font-size:11px} tr{page-break-inside:avoid}}
</style>)";

// The Monday of the week holding `date` (YYYY-MM-DD, China time), or of last
// week when empty.
absl::StatusOr<int64_t> WeekOf(const std::string& date) {
  if (date.empty()) return core::WeekStart(core::SystemWallMs()) - 7 * core::kDayMs;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d", date, absl::FixedTimeZone(8 * 3600), &t, &err)) {
    return absl::InvalidArgumentError("week: 给一个日期 YYYY-MM-DD, 例如 2026-11-30");
  }
  return core::WeekStart(absl::ToUnixMillis(t));
}

// The villages of the account's scope, with their names.
absl::StatusOr<std::vector<gridsync::v1::OrgUnit>> Villages(Office& o) {
  gridsync::v1::ListScopeUnitsRequest req;
  req.set_scope_code(o.account().scope);
  req.set_level(gridsync::v1::ORG_LEVEL_VILLAGE);
  auto r = Ask<gridsync::v1::ListScopeUnitsRequest, gridsync::v1::ListScopeUnitsResponse>(
      o, &gridsync::v1::CoverageService::Stub::ListScopeUnits, req);
  if (!r.ok()) return r.status();
  return std::vector<gridsync::v1::OrgUnit>(r->org_units().begin(), r->org_units().end());
}

std::string CellHtml(const tools::XlsxCell& c) {
  if (c.empty) return "<td>—</td>";
  switch (c.kind) {
    case tools::XlsxCell::kText:
      return absl::StrCat("<td class=\"l\">", HtmlEscape(c.text), "</td>");
    case tools::XlsxCell::kCount:
      return absl::StrCat("<td>", static_cast<int64_t>(c.number), "</td>");
    case tools::XlsxCell::kRate:
      return absl::StrCat("<td>", Pct(c.number), "</td>");
    case tools::XlsxCell::kPoints:
      return absl::StrFormat("<td>%.1f</td>", c.number);
  }
  return "<td></td>";
}

// "张庄村、李庄村" of the first column of the rows short of the mark.
std::string ShortOf(const Notice& n) {
  std::string out;
  for (size_t i = 0; i < n.rows.size(); ++i)
    if (n.short_of[i]) absl::StrAppend(&out, out.empty() ? "" : "、", n.rows[i][0].text);
  return out;
}

}  // namespace

absl::StatusOr<Notice> PatrolNotice(Office& o, const Params& params) {
  auto monday = WeekOf(Get(params, "week"));
  if (!monday.ok()) return monday.status();
  gridsync::v1::Period week;
  week.set_from_ms(*monday);
  week.set_to_ms(*monday + 7 * core::kDayMs);
  auto c = CoverageOf(o, o.account().scope, week);
  auto villages = Villages(o);
  if (!c.ok() || !villages.ok()) return c.ok() ? villages.status() : c.status();
  std::map<std::string, const gridsync::v1::VillagePatrols*> by;
  for (const auto& v : c->patrols().by_village()) by[v.village_code()] = &v;
  const int per_week = std::max(1, c->patrols().per_week());
  Notice n;
  n.title = absl::StrCat(o.UnitName(o.account().scope), " ", Date(*monday), " 至 ",
                         Date(*monday + 6 * core::kDayMs), " 平安夜巡情况通报");
  n.standard =
      absl::StrFormat("每村每周夜巡 %d 次为达标 · 夜间 %02d:%02d 起计", per_week,
                      c->patrols().night_from_minute() / 60, c->patrols().night_from_minute() % 60);
  n.file = absl::StrCat("patrols-", o.account().scope, "-", Date(*monday));
  n.header = {"村", "夜巡次数", "白天巡查", "民警参与", "结果"};
  int met = 0;
  for (const auto& v : *villages) {
    auto it = by.find(v.code());
    const auto* p = it == by.end() ? nullptr : it->second;
    const bool ok = p != nullptr && p->patrols() >= per_week;
    met += ok;
    n.rows.push_back({Text(v.name()), Count(p ? p->patrols() : 0), Count(p ? p->daytime() : 0),
                      Text(p && p->weeks_with_police() > 0 ? "有" : "—"),
                      Text(ok ? "达标" : "未达标")});
    n.short_of.push_back(!ok);
  }
  const std::string missed = ShortOf(n);
  n.summary = absl::StrCat(
      "本周 ", villages->size(), " 个村中, ", met, " 个村达标, ", villages->size() - met,
      " 个村未达标",
      missed.empty() ? "。" : absl::StrCat(": ", missed, "。请未达标的村说明原因, 下周补齐。"));
  return n;
}

absl::StatusOr<Notice> SurveyNotice(Office& o, const Params& params) {
  auto month = MonthParam(params);
  if (!month.ok()) return month.status();
  auto c = CoverageOf(o, o.account().scope, MonthPeriod(*month));
  auto villages = Villages(o);
  auto policy = PolicyOf(o);
  if (!c.ok() || !villages.ok() || !policy.ok()) {
    return !c.ok() ? c.status() : !villages.ok() ? villages.status() : policy.status();
  }
  std::map<std::string, const gridsync::v1::SurveyGroup*> by;
  for (const auto& g : c->surveys().by_village()) by[g.code()] = &g;
  struct Row {
    const gridsync::v1::OrgUnit* unit;
    const gridsync::v1::SurveyGroup* g;  // null: nobody answered
  };
  std::vector<Row> order;
  for (const auto& v : *villages) {
    auto it = by.find(v.code());
    order.push_back({&v, it == by.end() || it->second->answered() == 0 ? nullptr : it->second});
  }
  // Lowest 安全感率 first (none answered last): whom the 通报 names first.
  std::stable_sort(order.begin(), order.end(), [](const Row& a, const Row& b) {
    if ((a.g == nullptr) != (b.g == nullptr)) return b.g == nullptr;
    return a.g != nullptr && a.g->safety_rate() < b.g->safety_rate();
  });
  const int quota = policy->survey_quota();
  Notice n;
  n.title = absl::StrCat(o.UnitName(o.account().scope), " ", *month, " 安全感满意度民调情况通报");
  n.standard =
      quota > 0 ? absl::StrCat("每村每月配额 ", quota, " 份有效答卷") : std::string("县里未设配额");
  n.file = absl::StrCat("survey-", o.account().scope, "-", *month);
  n.header = {
      "村 (安全感率低的在前)", "有效答卷", "配额", "安全感率", "满意率", "满意度得分", "知晓率"};
  for (const Row& r : order) {
    auto rate = [&](double v) { return Rate(r.g ? std::optional<double>(v) : std::nullopt); };
    const int64_t answered = r.g ? r.g->answered() : 0;
    n.rows.push_back(
        {Text(r.unit->name()), Count(answered), quota > 0 ? Count(quota) : Text("—"),
         rate(r.g ? r.g->safety_rate() : 0), rate(r.g ? r.g->satisfaction_rate() : 0),
         Points(r.g ? std::optional<double>(r.g->satisfaction_score() / 100) : std::nullopt),
         rate(r.g ? r.g->awareness_rate() : 0)});
    n.short_of.push_back(quota > 0 && answered < quota);
  }
  const auto& s = c->surveys();
  std::string opinions;
  for (int i = 0; i < s.opinions_size() && i < 5; ++i) {
    absl::StrAppend(&opinions, i ? "、" : "", tools::OpinionTopicWord(s.opinions(i).topic()), " ",
                    s.opinions(i).count(), " 条");
  }
  const auto f = core::FiguresOf(*c);
  const std::string short_of = ShortOf(n);
  n.summary =
      absl::StrCat("本月共调查 ", s.asked(), " 户次, 有效答卷 ", s.answered(), " 份 (拒访 ",
                   s.refused(), ", 无人在家 ", s.nobody_home(), ")。安全感率 ", Pct(f.safety_rate),
                   ", 满意率 ", Pct(f.satisfaction_rate), ", 知晓率 ", Pct(f.awareness_rate), "。",
                   short_of.empty() ? "" : absl::StrCat("未完成配额的村: ", short_of, "。"),
                   opinions.empty() ? "" : absl::StrCat("群众反映较多的问题: ", opinions, "。"));
  return n;
}

std::string NoticeHtml(const Notice& n) {
  std::string h =
      absl::StrCat("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>",
                   HtmlEscape(n.title), "</title>", kStyle, "</head><body><h1>",
                   HtmlEscape(n.title), "</h1><div class=\"sub\">", HtmlEscape(n.standard),
                   "</div><p>", HtmlEscape(n.summary), "</p><table><thead><tr>");
  for (const std::string& col : n.header) absl::StrAppend(&h, "<th>", HtmlEscape(col), "</th>");
  h += "</tr></thead><tbody>";
  for (size_t i = 0; i < n.rows.size(); ++i) {
    h += n.short_of[i] ? "<tr class=\"below\">" : "<tr>";
    for (const auto& cell : n.rows[i]) h += CellHtml(cell);
    h += "</tr>";
  }
  return h + "</tbody></table></body></html>";
}

absl::Status WriteNoticeXlsx(const Notice& n, const std::string& path) {
  tools::XlsxBook book(path);
  if (!book.ok()) return absl::InternalError(absl::StrCat("xlsx: cannot create ", path));
  std::vector<std::vector<tools::XlsxCell>> rows = n.rows;
  rows.push_back({});
  rows.push_back({Text(n.summary)});
  book.Sheet("通报", n.header, rows, absl::StrCat(n.title, " (", n.standard, ")"));
  return book.Close();
}

}  // namespace gridsync::web
