#include "tools/gridsyncctl/report.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "tools/common/client.h"
#include "tools/common/person_category.h"

namespace gridsync::tools {
namespace {

using gridsync::v1::CoverageService;

std::optional<double> RateOf(int64_t num, int64_t den) {
  if (den <= 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

void Score(UnitRow* row) {
  const auto& c = row->coverage;
  row->visit_rate = RateOf(c.visits().visited(), c.visits().households());
  row->check_rate = RateOf(c.checks().checked_in_interval(), c.checks().persons());
  row->mediation_rate =
      RateOf(c.cases().resolved(), c.cases().registered() - c.cases().escalated());
  double sum = 0;
  int n = 0;
  for (const auto& r : {row->visit_rate, row->check_rate, row->mediation_rate}) {
    if (r) sum += *r, ++n;
  }
  row->score = n ? sum / n : -1;
  row->patrol_rate = RateOf(c.patrols().weeks_patrolled(), c.patrols().weeks());
  const auto& q = c.surveys();
  auto top_two = [](const auto& levels) { return levels.size() >= 2 ? levels[0] + levels[1] : 0; };
  row->safety_rate = RateOf(top_two(q.safety_levels()), q.safety_answers());
  row->satisfaction_rate = RateOf(top_two(q.satisfaction_levels()), q.satisfaction_answers());
}

const char* OpinionTopicWord(gridsync::v1::OpinionTopic t) {
  switch (t) {
    case gridsync::v1::OPINION_TOPIC_PUBLIC_ORDER:
      return "治安";
    case gridsync::v1::OPINION_TOPIC_FRAUD:
      return "电信网络诈骗";
    case gridsync::v1::OPINION_TOPIC_DISPUTES:
      return "矛盾纠纷";
    case gridsync::v1::OPINION_TOPIC_TRAFFIC:
      return "交通安全";
    case gridsync::v1::OPINION_TOPIC_FIRE:
      return "消防安全";
    case gridsync::v1::OPINION_TOPIC_ENVIRONMENT:
      return "环境卫生";
    case gridsync::v1::OPINION_TOPIC_INFRASTRUCTURE:
      return "道路照明等设施";
    case gridsync::v1::OPINION_TOPIC_SERVICES:
      return "办事服务";
    default:
      return "其他";
  }
}

void Rank(std::vector<UnitRow>* rows) {
  std::sort(rows->begin(), rows->end(), [](const UnitRow& a, const UnitRow& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.unit.code() < b.unit.code();
  });
  // Equal scores share a rank (1, 2, 2, 4).
  for (size_t i = 0; i < rows->size(); ++i) {
    auto& r = (*rows)[i];
    if (r.score < 0) {
      r.rank = 0;
    } else {
      r.rank =
          i > 0 && (*rows)[i - 1].score == r.score ? (*rows)[i - 1].rank : static_cast<int>(i) + 1;
    }
  }
}

std::string Pct(const std::optional<double>& r) {
  return r ? absl::StrFormat("%.1f%%", *r * 100) : "—";
}

std::string Date(int64_t ms) {
  if (ms <= 0) return "从未";
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixMillis(ms), absl::FixedTimeZone(8 * 3600));
}

std::string Esc(const std::string& s) {
  return absl::StrReplaceAll(
      s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}});
}

// Pads to `width` terminal columns (left-aligned, or right with `right`).
std::string Pad(const std::string& s, int width, bool right = false) {
  const int w = DisplayWidth(s);
  if (w >= width) return s;
  const std::string fill(static_cast<size_t>(width - w), ' ');
  return right ? fill + s : s + fill;
}

std::string UnitName(const MonthlyReport& r, const std::string& code) {
  auto it = r.names.find(code);
  return it == r.names.end() ? code : it->second;
}

std::string VillageOf(const MonthlyReport& r, const std::string& code) {
  const std::string village = code.substr(0, 12);
  const std::string town = code.substr(0, 9) + "000";
  return UnitName(r, town) + " " + UnitName(r, village);
}

// A village with its town (village names repeat across towns); a town alone.
std::string RowName(const MonthlyReport& r, const UnitRow& row) {
  return row.unit.level() == gridsync::v1::ORG_LEVEL_VILLAGE ? VillageOf(r, row.unit.code())
                                                             : row.unit.name();
}

// Units with the lower 安全感率 first (no answers last), then 满意率.
std::vector<const UnitRow*> LowestSafetyFirst(const std::vector<UnitRow>& units) {
  std::vector<const UnitRow*> out;
  for (const auto& u : units) out.push_back(&u);
  auto key = [](const UnitRow* u) {
    return std::make_tuple(!u->safety_rate.has_value(), u->safety_rate.value_or(0),
                           u->satisfaction_rate.value_or(0));
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const UnitRow* a, const UnitRow* b) { return key(a) < key(b); });
  return out;
}

std::string CaseStatusWord(gridsync::v1::CaseStatus s) {
  switch (s) {
    case gridsync::v1::CASE_STATUS_REGISTERED:
      return "已登记";
    case gridsync::v1::CASE_STATUS_ACCEPTED:
      return "已受理";
    case gridsync::v1::CASE_STATUS_MEDIATING:
      return "调解中";
    default:
      return gridsync::v1::CaseStatus_Name(s);
  }
}

}  // namespace

int DisplayWidth(const std::string& s) {
  int w = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++w, ++i;
    } else if ((c >> 5) == 0x6) {
      ++w, i += 2;
    } else if ((c >> 4) == 0xE) {
      // U+1100 and up in three bytes: CJK, fullwidth forms, the em dash (—) is one.
      const bool em_dash = s.compare(i, 3, "\xE2\x80\x94") == 0;
      w += em_dash ? 1 : 2, i += 3;
    } else {
      w += 2, i += 4;
    }
  }
  return w;
}

absl::StatusOr<MonthlyReport> BuildMonthlyReport(const std::shared_ptr<grpc::Channel>& channel,
                                                 const std::string& token,
                                                 const std::string& county_code,
                                                 const std::string& month, int list_limit) {
  auto stub = CoverageService::NewStub(channel);
  MonthlyReport r;
  r.county_code = county_code;
  r.month = month;
  r.generated_at_ms = core::SystemWallMs();
  gridsync::v1::Period period;
  period.set_month(month);
  auto coverage = [&](const std::string& code) -> absl::StatusOr<gridsync::v1::Coverage> {
    gridsync::v1::GetCoverageRequest req;
    req.set_scope_code(code);
    *req.mutable_period() = period;
    gridsync::v1::Coverage c;
    auto ctx = CallContext(token);
    if (auto st = FromGrpc(stub->GetCoverage(ctx.get(), req, &c)); !st.ok()) return st;
    return c;
  };
  auto county = coverage(county_code);
  if (!county.ok()) return county.status();
  r.county.coverage = *county;
  Score(&r.county);
  gridsync::v1::ListScopeUnitsRequest ureq;
  ureq.set_scope_code(county_code);
  gridsync::v1::ListScopeUnitsResponse units;
  {
    auto ctx = CallContext(token);
    if (auto st = FromGrpc(stub->ListScopeUnits(ctx.get(), ureq, &units)); !st.ok()) return st;
  }
  for (const auto& u : units.org_units()) {
    r.names[u.code()] = u.name();
    if (u.level() != gridsync::v1::ORG_LEVEL_TOWN && u.level() != gridsync::v1::ORG_LEVEL_VILLAGE)
      continue;
    UnitRow row;
    row.unit = u;
    auto c = coverage(u.code());
    if (!c.ok()) return c.status();
    row.coverage = *c;
    Score(&row);
    (u.level() == gridsync::v1::ORG_LEVEL_TOWN ? r.towns : r.villages).push_back(std::move(row));
  }
  r.county_name = UnitName(r, county_code);
  r.county.unit.set_code(county_code);
  r.county.unit.set_name(r.county_name);
  Rank(&r.towns);
  Rank(&r.villages);

  gridsync::v1::ListOverduePersonsRequest oreq;
  oreq.set_scope_code(county_code);
  *oreq.mutable_period() = period;
  oreq.set_page_size(std::min(list_limit, 1000));
  gridsync::v1::ListOverduePersonsResponse overdue;
  {
    auto ctx = CallContext(token);
    if (auto st = FromGrpc(stub->ListOverduePersons(ctx.get(), oreq, &overdue)); !st.ok())
      return st;
  }
  r.overdue.assign(overdue.persons().begin(), overdue.persons().end());
  r.overdue_total = overdue.total();

  gridsync::v1::ListOpenCasesRequest creq;
  creq.set_scope_code(county_code);
  creq.set_page_size(std::min(list_limit, 1000));
  // "Past deadline" as of the month's end, or now if that is earlier.
  auto range = core::MonthRange(month);
  if (!range.ok()) return range.status();
  creq.set_as_of_ms(std::min(range->second, r.generated_at_ms));
  gridsync::v1::ListOpenCasesResponse open;
  {
    auto ctx = CallContext(token);
    if (auto st = FromGrpc(stub->ListOpenCases(ctx.get(), creq, &open)); !st.ok()) return st;
  }
  r.open_cases.assign(open.cases().begin(), open.cases().end());
  r.past_deadline.assign(open.past_deadline().begin(), open.past_deadline().end());
  r.open_total = open.total();
  return r;
}

std::string RenderReportTable(const MonthlyReport& r) {
  std::string out = absl::StrCat(r.county_name, " (", r.county_code, ") ", r.month, " 月度考核\n");
  const auto& c = r.county.coverage;
  absl::StrAppend(&out, "全县: 入户率 ", Pct(r.county.visit_rate), " (", c.visits().visited(), "/",
                  c.visits().households(), " 户), 管控率 ", Pct(r.county.check_rate), " (",
                  c.checks().checked_in_interval(), "/", c.checks().persons(), " 人, 逾期 ",
                  c.checks().overdue(), "), 调处率 ", Pct(r.county.mediation_rate), " (",
                  c.cases().resolved(), "/", c.cases().registered() - c.cases().escalated(),
                  " 件, 在办 ", c.cases().open_now(), ")\n");
  absl::StrAppend(&out, "留痕: 有照片的入户走访 ", c.visits().with_photos(),
                  " 次, 附调解协议书的纠纷 ", c.cases().with_signed_agreement(), "/",
                  c.cases().registered(), " 件\n");
  auto table = [&](const char* title, const std::vector<UnitRow>& rows) {
    absl::StrAppend(&out, "\n", title, "\n");
    const std::vector<std::pair<std::string, int>> cols = {
        {"名次", 4},   {"代码", 12},  {"名称", 24}, {"户数", 7},   {"已走访", 7},
        {"入户率", 7}, {"人数", 5},   {"按期", 5},  {"管控率", 7}, {"纠纷", 5},
        {"化解", 5},   {"调处率", 7}, {"综合", 7}};
    for (size_t i = 0; i < cols.size(); ++i) {
      absl::StrAppend(&out, Pad(cols[i].first, cols[i].second, i != 1 && i != 2), " ");
    }
    out += "\n";
    for (const auto& row : rows) {
      const auto& v = row.coverage;
      const std::vector<std::string> cells = {
          row.rank ? absl::StrCat(row.rank) : "—",
          row.unit.code(),
          RowName(r, row),
          absl::StrCat(v.visits().households()),
          absl::StrCat(v.visits().visited()),
          Pct(row.visit_rate),
          absl::StrCat(v.checks().persons()),
          absl::StrCat(v.checks().checked_in_interval()),
          Pct(row.check_rate),
          absl::StrCat(v.cases().registered()),
          absl::StrCat(v.cases().resolved()),
          Pct(row.mediation_rate),
          row.score >= 0 ? absl::StrFormat("%.1f", row.score * 100) : "—"};
      for (size_t i = 0; i < cells.size(); ++i) {
        absl::StrAppend(&out, Pad(cells[i], cols[i].second, i != 1 && i != 2), " ");
      }
      out += "\n";
    }
  };
  table("乡镇排名 (towns)", r.towns);
  table("村排名 (villages)", r.villages);

  const auto& p = c.patrols();
  absl::StrAppend(&out, "\n平安夜巡 (patrols): 巡逻率 ", Pct(r.county.patrol_rate), " (",
                  p.weeks_patrolled(), "/", p.weeks(), " 村周, 每周至少 ", p.per_week(), " 次), ",
                  p.patrols(), " 次巡逻, ", p.villages_every_week(), "/", p.villages(),
                  " 个村每周达标\n");
  const auto& q = c.surveys();
  absl::StrAppend(&out, "民调 (questionnaire): 受访 ", q.answered(), " 人 (", q.households(),
                  " 户), 拒访 ", q.refused(), ", 无人在家 ", q.nobody_home(), "; 安全感率 ",
                  Pct(r.county.safety_rate), ", 满意率 ", Pct(r.county.satisfaction_rate), "\n");
  if (q.opinions_size() > 0) {
    out += "群众反映最多的问题:";
    for (int i = 0; i < q.opinions_size() && i < 5; ++i) {
      absl::StrAppend(&out, " ", OpinionTopicWord(q.opinions(i).topic()), " ",
                      q.opinions(i).count());
    }
    out += "\n";
  }
  // Towns, then villages, lowest 安全感率 first.
  for (const auto& [title, units] : {std::pair{"乡镇 (安全感率低者在前)", &r.towns},
                                     std::pair{"村 (安全感率低者在前)", &r.villages}}) {
    absl::StrAppend(&out, "\n", Pad(title, 36), Pad("巡逻率", 8, true), Pad("受访", 6, true),
                    Pad("安全感率", 9, true), Pad("满意率", 8, true), "\n");
    for (const UnitRow* v : LowestSafetyFirst(*units)) {
      absl::StrAppend(&out, Pad(RowName(r, *v), 36), Pad(Pct(v->patrol_rate), 8, true),
                      Pad(absl::StrCat(v->coverage.surveys().answered()), 6, true),
                      Pad(Pct(v->safety_rate), 9, true), Pad(Pct(v->satisfaction_rate), 8, true),
                      "\n");
    }
  }
  absl::StrAppend(&out, "\n逾期未管控人员 (overdue persons): ", r.overdue_total,
                  "; 未结纠纷 (open cases): ", r.open_total, "\n");
  return out;
}

std::string RenderReportHtml(const MonthlyReport& r) {
  std::string h;
  absl::StrAppend(&h, R"(<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>)",
                  Esc(r.county_name), " ", r.month, R"( 月度考核</title>
<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:2px solid #c00;padding-bottom:4px}
.sub{color:#666;font-size:13px} .kpi{display:inline-block;margin:12px 24px 0 0} .kpi b{font-size:26px;color:#c00}
table{border-collapse:collapse;font-size:13px;margin-top:6px} th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3} td.l{text-align:left} tr.late td{color:#b00}
@media print{h2{page-break-after:avoid} table,svg{page-break-inside:avoid}}
</style></head><body>
)");
  const auto& c = r.county.coverage;
  absl::StrAppend(&h, "<h1>", Esc(r.county_name), " ", r.month,
                  " 平安建设月度考核</h1>\n<div class=\"sub\">", r.county_code, " · 生成于 ",
                  Date(r.generated_at_ms), " · gridsync</div>\n");
  auto kpi = [&](const char* name, std::optional<double> rate, const std::string& detail) {
    absl::StrAppend(&h, "<div class=\"kpi\">", name, "<br><b>", Pct(rate),
                    "</b><br><span class=\"sub\">", detail, "</span></div>\n");
  };
  kpi("入户率", r.county.visit_rate,
      absl::StrCat(c.visits().visited(), " / ", c.visits().households(), " 户"));
  kpi("管控率", r.county.check_rate,
      absl::StrCat(c.checks().checked_in_interval(), " / ", c.checks().persons(), " 人"));
  kpi("调处率", r.county.mediation_rate,
      absl::StrCat(c.cases().resolved(), " / ", c.cases().registered() - c.cases().escalated(),
                   " 件"));
  kpi("回访率", RateOf(c.cases().followed_up_both(), c.cases().resolved()),
      absl::StrCat(c.cases().followed_up_both(), " / ", c.cases().resolved(), " 件"));
  // Evidence (留痕): visits with a photo, cases with the signed agreement.
  absl::StrAppend(&h, "<div class=\"kpi\">照片留痕<br><b>", c.visits().with_photos(),
                  "</b><br><span class=\"sub\">次入户走访带照片</span></div>\n");
  kpi("协议书留痕", RateOf(c.cases().with_signed_agreement(), c.cases().registered()),
      absl::StrCat(c.cases().with_signed_agreement(), " / ", c.cases().registered(),
                   " 件附调解协议书"));
  kpi("巡逻率", r.county.patrol_rate,
      absl::StrCat(c.patrols().weeks_patrolled(), " / ", c.patrols().weeks(), " 村周达标 (每周 ",
                   c.patrols().per_week(), " 次)"));
  kpi("安全感率", r.county.safety_rate,
      absl::StrCat("受访 ", c.surveys().answered(), " 人, 拒访 ", c.surveys().refused()));
  kpi("满意率", r.county.satisfaction_rate,
      absl::StrCat("无人在家 ", c.surveys().nobody_home(), " 次"));

  auto table = [&](const char* title, const std::vector<UnitRow>& rows) {
    absl::StrAppend(
        &h, "<h2>", title,
        "</h2>\n<table><tr><th>名次</th><th>代码</th><th>名称</th><th>户数</th>"
        "<th>已走访</th><th>入户率</th><th>重点人员</th><th>按期管控</th><th>管控率</th>"
        "<th>纠纷</th><th>化解</th><th>调处率</th><th>照片留痕</th><th>协议书</th>"
        "<th>综合得分</th></tr>\n");
    for (const auto& row : rows) {
      const auto& v = row.coverage;
      absl::StrAppend(
          &h, "<tr><td>", row.rank ? absl::StrCat(row.rank) : "—", "</td><td class=\"l\">",
          row.unit.code(), "</td><td class=\"l\">", Esc(RowName(r, row)), "</td><td>",
          v.visits().households(), "</td><td>", v.visits().visited(), "</td><td>",
          Pct(row.visit_rate), "</td><td>", v.checks().persons(), "</td><td>",
          v.checks().checked_in_interval(), "</td><td>", Pct(row.check_rate), "</td><td>",
          v.cases().registered(), "</td><td>", v.cases().resolved(), "</td><td>",
          Pct(row.mediation_rate), "</td><td>", v.visits().with_photos(), "</td><td>",
          v.cases().with_signed_agreement(), "</td><td>",
          row.score >= 0 ? absl::StrFormat("%.1f", row.score * 100) : "—", "</td></tr>\n");
    }
    h += "</table>\n";
  };

  // One horizontal bar per village, for one rate.
  // Highest first, or with `lowest_first` the villages to act on first.
  auto chart = [&](const char* title, const char* color, std::optional<double> UnitRow::*rate,
                   bool lowest_first = false) {
    std::vector<const UnitRow*> rows;
    for (const auto& v : r.villages) {
      if (v.*rate) rows.push_back(&v);
    }
    std::stable_sort(rows.begin(), rows.end(), [&](const UnitRow* a, const UnitRow* b) {
      return lowest_first ? *(a->*rate) < *(b->*rate) : *(a->*rate) > *(b->*rate);
    });
    const int bar_h = 16, gap = 4, label_w = 260, bar_w = 420, top = 24;
    const int height = top + static_cast<int>(rows.size()) * (bar_h + gap) + 24;
    absl::StrAppend(&h, "<h2>", title,
                    " (按村)</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"",
                    label_w + bar_w + 70, "\" height=\"", height, "\" font-size=\"12\">\n");
    for (int pct = 0; pct <= 100; pct += 25) {
      const int x = label_w + bar_w * pct / 100;
      absl::StrAppend(&h, "<line x1=\"", x, "\" y1=\"", top - 6, "\" x2=\"", x, "\" y2=\"",
                      height - 20, "\" stroke=\"#ddd\"/><text x=\"", x, "\" y=\"", top - 10,
                      "\" text-anchor=\"middle\" fill=\"#888\">", pct, "%</text>\n");
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      const int y = top + static_cast<int>(i) * (bar_h + gap);
      const double v = *(rows[i]->*rate);
      absl::StrAppend(
          &h, "<text x=\"", label_w - 6, "\" y=\"", y + bar_h - 4, "\" text-anchor=\"end\">",
          Esc(VillageOf(r, rows[i]->unit.code())), "</text><rect x=\"", label_w, "\" y=\"", y,
          "\" width=\"", static_cast<int>(std::lround(bar_w * v)), "\" height=\"", bar_h,
          "\" fill=\"", color, "\"><title>", Esc(rows[i]->unit.name()), " ", Pct(v),
          "</title></rect><text x=\"", label_w + static_cast<int>(std::lround(bar_w * v)) + 4,
          "\" y=\"", y + bar_h - 4, "\">", Pct(v), "</text>\n");
    }
    if (rows.empty())
      absl::StrAppend(&h, "<text x=\"10\" y=\"", top + 12, "\" fill=\"#888\">本月无数据</text>\n");
    h += "</svg>\n";
  };

  table("乡镇排名", r.towns);
  table("村排名", r.villages);
  chart("入户率", "#c0392b", &UnitRow::visit_rate);
  chart("管控率", "#2c7fb8", &UnitRow::check_rate);
  chart("调处率", "#31a354", &UnitRow::mediation_rate);

  // 平安夜巡 and the questionnaire, as the town reports them after a round.
  const auto& p = c.patrols();
  absl::StrAppend(&h, "<h2>平安夜巡 (每村每周至少 ", p.per_week(), " 次)</h2>\n<div class=\"sub\">",
                  p.patrols(), " 次巡逻; ", p.villages_every_week(), " / ", p.villages(),
                  " 个村每周达标; 一周自周一起算, 属于其周一所在的月</div>\n");
  chart("巡逻率 (低者在前)", "#8c6d31", &UnitRow::patrol_rate, true);
  const auto& q = c.surveys();
  absl::StrAppend(
      &h, "<h2>群众安全感和满意度民调</h2>\n<div class=\"sub\">受访 ", q.answered(), " 人 (",
      q.households(), " 户), 拒访 ", q.refused(), ", 无人在家 ", q.nobody_home(),
      "; 安全感率、满意率为回答前两档 (很安全/安全, 很满意/满意) "
      "者所占比例</div>\n<table><tr><th>档次</th><th>安全感</th><th>满意度</th></tr>\n");
  const char* levels[] = {"很安全 / 很满意",     "安全 / 满意",     "一般",
                          "不太安全 / 不太满意", "不安全 / 不满意", "说不清"};
  for (int i = 0; i < 6; ++i) {
    absl::StrAppend(&h, "<tr><td class=\"l\">", levels[i], "</td><td>",
                    i < q.safety_levels_size() ? q.safety_levels(i) : 0, "</td><td>",
                    i < q.satisfaction_levels_size() ? q.satisfaction_levels(i) : 0,
                    "</td></tr>\n");
  }
  h += "</table>\n<table><tr><th>乡镇</th><th>巡逻率</th><th>受访</th><th>安全感率</th>"
       "<th>满意率</th></tr>\n";
  for (const UnitRow* t : LowestSafetyFirst(r.towns)) {
    absl::StrAppend(&h, "<tr><td class=\"l\">", Esc(t->unit.name()), "</td><td>",
                    Pct(t->patrol_rate), "</td><td>", t->coverage.surveys().answered(), "</td><td>",
                    Pct(t->safety_rate), "</td><td>", Pct(t->satisfaction_rate), "</td></tr>\n");
  }
  h += "</table>\n";
  chart("安全感率 (低者在前)", "#756bb1", &UnitRow::safety_rate, true);
  chart("满意率 (低者在前)", "#de2d26", &UnitRow::satisfaction_rate, true);
  absl::StrAppend(&h,
                  "<h2>群众反映最多的问题 (问题导向)</h2>\n<table><tr><th>问题</th>"
                  "<th>条数</th></tr>\n");
  for (const auto& o : q.opinions()) {
    absl::StrAppend(&h, "<tr><td class=\"l\">", OpinionTopicWord(o.topic()), "</td><td>", o.count(),
                    "</td></tr>\n");
  }
  if (q.opinions().empty()) h += "<tr><td class=\"l\" colspan=\"2\">本月无意见建议</td></tr>\n";
  h += "</table>\n";

  absl::StrAppend(&h, "<h2>逾期未管控、失联或不在位的重点人员 (", r.overdue_total, " 人",
                  r.overdue.size() < static_cast<size_t>(r.overdue_total)
                      ? absl::StrCat(", 列出前 ", r.overdue.size())
                      : std::string(),
                  ")</h2>\n<table><tr><th>姓名</th><th>乡镇 "
                  "村</th><th>类别</th><th>风险等级</th><th>上次走访</th>"
                  "<th>要求间隔(天)</th><th>逾期(天)</th><th>上次情况</th></tr>\n");
  for (const auto& p : r.overdue) {
    const bool flagged = p.last_absent() || p.last_out_of_contact();
    absl::StrAppend(&h, "<tr", flagged ? " class=\"late\"" : "", "><td class=\"l\">",
                    Esc(p.person().name()), "</td><td class=\"l\">",
                    Esc(VillageOf(r, p.person().person_id())), "</td><td class=\"l\">",
                    PersonCategoryChinese(p.person().category()), "</td><td>", p.risk_level(),
                    "</td><td>", Date(p.last_checked_ms()), "</td><td>", p.interval_days(),
                    "</td><td>", p.days_overdue(), "</td><td class=\"l\">",
                    p.last_out_of_contact() ? "失联"
                    : p.last_absent()       ? "不在位"
                                            : "",
                    "</td></tr>\n");
  }
  h += "</table>\n";
  absl::StrAppend(&h, "<h2>未结矛盾纠纷 (", r.open_total, " 件",
                  r.open_cases.size() < static_cast<size_t>(r.open_total)
                      ? absl::StrCat(", 列出前 ", r.open_cases.size())
                      : std::string(),
                  ")</h2>\n<table><tr><th>案由</th><th>乡镇 "
                  "村</th><th>状态</th><th>登记</th><th>期限</th></tr>\n");
  for (size_t i = 0; i < r.open_cases.size(); ++i) {
    const auto& k = r.open_cases[i];
    const bool late = i < r.past_deadline.size() && r.past_deadline[i];
    absl::StrAppend(
        &h, "<tr", late ? " class=\"late\"" : "", "><td class=\"l\">", Esc(k.title()),
        "</td><td class=\"l\">", Esc(VillageOf(r, k.grid_code())), "</td><td class=\"l\">",
        CaseStatusWord(k.status()), "</td><td>", Date(k.registered_at_ms()), "</td><td>",
        k.deadline_ms() > 0 ? Date(k.deadline_ms()) : "—", late ? " 已超期" : "", "</td></tr>\n");
  }
  h += "</table>\n</body></html>\n";
  return h;
}

}  // namespace gridsync::tools
