#include "tools/web/notices.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "core/assessment.h"
#include "core/coverage.h"
#include "core/safety_figures.h"
#include "tools/gridsyncctl/report.h"

namespace gridsync::web {
namespace {

constexpr char kStyle[] = R"(<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","WenQuanYi Micro Hei","GS CJK",sans-serif;margin:24px;color:#222}
@font-face{font-family:"GS CJK";src:url(/static/font.ttc)}
h1{font-size:22px;text-align:center;margin:0 0 4px} .sub{color:#555;font-size:13px;text-align:center}
p{font-size:14px;line-height:1.7}
table{border-collapse:collapse;font-size:13px;margin:8px auto} th,td{border:1px solid #999;padding:3px 8px;text-align:right}
th{background:#eee} td.l{text-align:left} .below{color:#b00;font-weight:bold}
@page{size:A4;margin:15mm}
@media print{body{margin:0} table{font-size:11px} tr{page-break-inside:avoid}}
</style>)";

std::string Page(const std::string& title, const std::string& body) {
  return absl::StrCat("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>",
                      HtmlEscape(title), "</title>", kStyle, "</head><body>", body,
                      "</body></html>");
}

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

}  // namespace

absl::StatusOr<std::string> PatrolNotice(Office& o, const Params& params) {
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
  std::string rows, missed;
  int met = 0;
  for (const auto& v : *villages) {
    auto it = by.find(v.code());
    const int64_t n = it == by.end() ? 0 : it->second->patrols();
    const bool ok = n >= per_week;
    met += ok;
    if (!ok) absl::StrAppend(&missed, missed.empty() ? "" : "、", HtmlEscape(v.name()));
    absl::StrAppend(&rows, "<tr><td class=\"l\">", HtmlEscape(v.name()), "</td><td>", n,
                    "</td><td>", it == by.end() ? 0 : it->second->daytime(), "</td><td>",
                    it != by.end() && it->second->weeks_with_police() > 0 ? "有" : "—", "</td><td",
                    ok ? ">达标" : " class=\"below\">未达标", "</td></tr>");
  }
  const std::string scope = o.UnitName(o.account().scope);
  const std::string title = absl::StrCat(scope, " ", Date(*monday), " 至 ",
                                         Date(*monday + 6 * core::kDayMs), " 平安夜巡情况通报");
  return Page(
      title,
      absl::StrCat(
          "<h1>", HtmlEscape(title), "</h1><div class=\"sub\">每村每周夜巡 ", per_week,
          " 次为达标 · 夜间 ", c->patrols().night_from_minute() / 60, ":",
          absl::StrFormat("%02d", c->patrols().night_from_minute() % 60), " 起计</div>",
          "<p>本周全镇 ", villages->size(), " 个村中, ", met, " 个村达标, ", villages->size() - met,
          " 个村未达标",
          missed.empty() ? "。" : absl::StrCat(": ", missed, "。请未达标的村说明原因, 下周补齐。"),
          "</p><table><thead><tr><th>村</th><th>夜巡次数</th><th>白天巡查</th><th>民警参与</th>"
          "<th>结果</th></tr></thead><tbody>",
          rows, "</tbody></table>"));
}

absl::StatusOr<std::string> SurveyNotice(Office& o, const Params& params) {
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
    const gridsync::v1::SurveyGroup* g;
  };
  std::vector<Row> order;
  for (const auto& v : *villages) {
    auto it = by.find(v.code());
    order.push_back({&v, it == by.end() ? nullptr : it->second});
  }
  // Lowest 安全感率 first (none answered last): who the 通报 names first.
  std::stable_sort(order.begin(), order.end(), [](const Row& a, const Row& b) {
    if ((a.g == nullptr) != (b.g == nullptr)) return b.g == nullptr;
    return a.g != nullptr && a.g->safety_rate() < b.g->safety_rate();
  });
  const int quota = policy->survey_quota();
  std::string rows, short_of;
  for (const Row& r : order) {
    const int64_t answered = r.g ? r.g->answered() : 0;
    if (quota > 0 && answered < quota)
      absl::StrAppend(&short_of, short_of.empty() ? "" : "、", HtmlEscape(r.unit->name()));
    auto pct = [&](double v) { return r.g && r.g->answered() > 0 ? Pct(v) : std::string("—"); };
    absl::StrAppend(
        &rows, "<tr><td class=\"l\">", HtmlEscape(r.unit->name()), "</td><td>", answered,
        quota > 0 ? absl::StrCat(" / ", quota) : "", "</td><td>", pct(r.g ? r.g->safety_rate() : 0),
        "</td><td>", pct(r.g ? r.g->satisfaction_rate() : 0), "</td><td>",
        r.g && r.g->answered() > 0 ? absl::StrFormat("%.1f", r.g->satisfaction_score()) : "—",
        "</td><td>", pct(r.g ? r.g->awareness_rate() : 0), "</td></tr>");
  }
  const auto& s = c->surveys();
  std::string opinions;
  for (int i = 0; i < s.opinions_size() && i < 5; ++i) {
    absl::StrAppend(&opinions, i ? "、" : "", tools::OpinionTopicWord(s.opinions(i).topic()), " ",
                    s.opinions(i).count(), " 条");
  }
  const auto f = core::FiguresOf(*c);
  const std::string title =
      absl::StrCat(o.UnitName(o.account().scope), " ", *month, " 安全感满意度民调情况通报");
  return Page(
      title,
      absl::StrCat(
          "<h1>", HtmlEscape(title), "</h1><div class=\"sub\">",
          quota > 0 ? absl::StrCat("每村每月配额 ", quota, " 份") : std::string("县里未设配额"),
          "</div><p>本月共调查 ", s.asked(), " 户次, 有效答卷 ", s.answered(), " 份 (拒访 ",
          s.refused(), ", 无人在家 ", s.nobody_home(), ")。安全感率 ", Pct(f.safety_rate),
          ", 满意率 ", Pct(f.satisfaction_rate), ", 知晓率 ", Pct(f.awareness_rate), "。",
          short_of.empty() ? "" : absl::StrCat("未完成配额的村: ", short_of, "。"),
          opinions.empty() ? "" : absl::StrCat("群众反映较多的问题: ", opinions, "。"),
          "</p><table><thead><tr><th>村 (安全感率低的在前)</th><th>答卷</th><th>安全感率</th>"
          "<th>满意率</th><th>满意度得分</th><th>知晓率</th></tr></thead><tbody>",
          rows, "</tbody></table>"));
}

}  // namespace gridsync::web
