#include "tools/web/view_util.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "core/coverage.h"
#include "core/hlc.h"

namespace gridsync::web {

using Coverage = gridsync::v1::GetCoverageResponse;  // a scope's figures

std::string Get(const Params& p, const std::string& k) {
  auto it = p.find(k);
  return it == p.end() ? "" : it->second;
}

std::string Pct(const std::optional<double>& r) {
  return r ? absl::StrFormat("%.1f%%", *r * 100) : "—";
}

std::string Date(int64_t ms) {
  if (ms <= 0) return "从未";
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixMillis(ms), absl::FixedTimeZone(8 * 3600));
}

std::string DateTime(int64_t ms) {
  if (ms <= 0) return "—";
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixMillis(ms),
                          absl::FixedTimeZone(8 * 3600));
}

// A figure's cell: its rate, its counts for checking, below 100% marked.
std::string FigureCell(const char* fig, int64_t num, int64_t den) {
  const auto rate = core::RateOf(num, den);
  return absl::StrCat("<td data-fig=\"", fig, "\" data-num=\"", num, "\" data-den=\"", den, "\"",
                      rate && *rate < 1 ? " class=\"below\"" : "", " title=\"", num, " / ", den,
                      "\">", Pct(rate), "</td>");
}

std::vector<FigureCounts> CountsOf(const Coverage& c) {
  const auto& cs = c.cases();
  const auto& s = c.surveys();
  return {
      {"visit", "入户率", c.visits().visited(), c.visits().households()},
      {"check", "管控率", c.checks().persons() - c.checks().overdue(), c.checks().persons()},
      {"care", "关爱率", c.care().persons() - c.care().overdue(), c.care().persons()},
      {"grassroots", "化解在基层率", cs.resolved(), cs.registered()},
      {"follow_up", "回访率", cs.followed_up_both(), cs.resolved()},
      {"backlog", "积案化解率", cs.backlog_cleared(), cs.backlog()},
      {"screening", "排查上报率", c.screening().reported(), c.screening().village_months()},
      {"trouble_spot", "排查整治率", c.trouble_spots().rectified(), c.trouble_spots().spots()},
      {"task", "督办按期办结率", c.tasks().on_time(), c.tasks().due()},
      {"verification", "核实率", c.verification().confirmed(), c.verification().verified()},
      {"cadre", "干部参与率", c.cadres().met(), c.cadres().cadres()},
      {"patrol", "巡逻率", c.patrols().weeks_patrolled(), c.patrols().weeks()},
      {"safety", "安全感率",
       s.safety_levels_size() >= 2 ? s.safety_levels(0) + s.safety_levels(1) : 0,
       s.safety_answers()},
      {"satisfaction", "满意率",
       s.satisfaction_levels_size() >= 2 ? s.satisfaction_levels(0) + s.satisfaction_levels(1) : 0,
       s.satisfaction_answers()},
      {"awareness", "知晓率", s.aware(), s.awareness_answers()},
  };
}

std::string FigureHeads() {
  std::string h;
  for (const auto& f : CountsOf(Coverage())) absl::StrAppend(&h, "<th>", f.name, "</th>");
  return h;
}

std::string FigureCells(const Coverage& c) {
  std::string h;
  for (const auto& f : CountsOf(c)) h += FigureCell(f.key, f.num, f.den);
  return h;
}

std::string Score(const std::optional<double>& s) {
  return s ? absl::StrFormat("%.1f", *s * 100) : "—";
}

std::string Change(const std::optional<double>& now, const std::optional<double>& before) {
  if (!now || !before) return "—";
  const double d = (*now - *before) * 100;
  return absl::StrFormat("<span class=\"%s\">%+.1f</span>", d < 0 ? "down" : "up", d);
}

std::string UnitLink(const std::string& code, const std::string& name, const std::string& month) {
  return absl::StrCat("<a href=\"#/unit?code=", code, "&amp;month=", month, "\">", HtmlEscape(name),
                      "</a>");
}

std::string RecordLink(const std::string& id, const std::string& text) {
  return absl::StrCat("<a href=\"#/record?id=", HtmlEscape(id), "\">", HtmlEscape(text), "</a>");
}

std::string FilterBox(const std::string& table) {
  return absl::StrCat("<input class=\"filter\" data-for=\"", table,
                      "\" placeholder=\"筛选: 输入村名、姓名、事项…\">");
}

absl::StatusOr<Coverage> CoverageOf(Office& o, const std::string& code,
                                    const gridsync::v1::Period& period) {
  gridsync::v1::GetCoverageRequest req;
  req.set_scope_code(code);
  *req.mutable_period() = period;
  return Ask<gridsync::v1::GetCoverageRequest, Coverage>(
      o, &gridsync::v1::CoverageService::Stub::GetCoverage, req);
}

gridsync::v1::Period MonthPeriod(const std::string& month) {
  gridsync::v1::Period p;
  p.set_month(month);
  return p;
}

std::string MonthBar(const std::string& route, const std::string& month, const std::string& extra) {
  return absl::StrCat(
      "<div class=\"bar\"><label>月份 <input type=\"month\" class=\"month\" value=\"", month,
      "\" data-route=\"", route, "\" data-extra=\"", HtmlEscape(extra), "\"></label></div>");
}

std::string HtmlEscape(const std::string& s) {
  return absl::StrReplaceAll(
      s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}});
}

absl::StatusOr<std::string> MonthParam(const Params& params) {
  std::string m = Get(params, "month");
  if (m.empty()) return core::MonthName(core::MonthOf(core::SystemWallMs()));
  if (!core::MonthRange(m).ok())
    return absl::InvalidArgumentError("月份应为 YYYY-MM, 例如 2026-11");
  return m;
}

absl::StatusOr<gridsync::v1::CheckPolicy> PolicyOf(Office& o) {
  return Ask<gridsync::v1::GetCheckPolicyRequest, gridsync::v1::CheckPolicy>(
      o, &gridsync::v1::CoverageService::Stub::GetCheckPolicy,
      gridsync::v1::GetCheckPolicyRequest());
}

}  // namespace gridsync::web
