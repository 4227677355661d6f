#include "tools/common/report.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/registry.h"
#include "tools/common/client.h"
#include "tools/common/day_print.h"
#include "tools/common/person_category.h"

namespace gridsync::tools {
namespace {

using gridsync::v1::CoverageService;

using core::RateOf;

void Score(UnitRow* row, const core::ScoreWeights& weights) {
  row->figures = core::FiguresOf(row->coverage);
  row->score = core::Score(row->figures, weights);
}

void Rank(std::vector<UnitRow>* rows) {
  std::sort(rows->begin(), rows->end(), [](const UnitRow& a, const UnitRow& b) {
    if (a.score != b.score) return a.score > b.score;  // unscored last
    return a.unit.code() < b.unit.code();
  });
  // Equal scores share a rank (1, 2, 2, 4).
  for (size_t i = 0; i < rows->size(); ++i) {
    auto& r = (*rows)[i];
    if (!r.score) {
      r.rank = 0;
    } else {
      r.rank =
          i > 0 && (*rows)[i - 1].score == r.score ? (*rows)[i - 1].rank : static_cast<int>(i) + 1;
    }
  }
}

// "93.5", or "—" when there is no score.
std::string ScoreText(const std::optional<double>& s) {
  return s ? absl::StrFormat("%.1f", *s * 100) : "—";
}

// "+2.5", "-0.3", or "—" without both scores.
std::string Change(const UnitRow& row) {
  if (!row.score || !row.last_month_score) return "—";
  return absl::StrFormat("%+.1f", (*row.score - *row.last_month_score) * 100);
}

// The figures with a weight, as the report names the units below 100%.
std::vector<core::NamedFigure> ScoredFigures(const core::ScoreWeights& w) {
  std::vector<core::NamedFigure> out;
  for (const core::NamedFigure& n : core::ScorableFigures()) {
    if (w.*n.weight > 0) out.push_back(n);
  }
  return out;
}

std::string Pct(const std::optional<double>& r) {
  return r ? absl::StrFormat("%.1f%%", *r * 100) : "—";
}

// 满意度得分 as points: "86.4 分", or "—".
std::string Points(const std::optional<double>& score) {
  return score ? absl::StrFormat("%.1f 分", *score * 100) : "—";
}

// "20:00–06:00": the night window patrols were counted under.
std::string NightWindowText(const gridsync::v1::PatrolCoverage& p) {
  return absl::StrFormat("%02d:%02d–%02d:%02d", p.night_from_minute() / 60,
                         p.night_from_minute() % 60, p.night_to_minute() / 60,
                         p.night_to_minute() % 60);
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

// Units with the lower 安全感率 first (no answers last), then 满意率.
std::vector<const UnitRow*> LowestSafetyFirst(const std::vector<UnitRow>& units) {
  std::vector<const UnitRow*> out;
  for (const auto& u : units) out.push_back(&u);
  auto key = [](const UnitRow* u) {
    return std::make_tuple(!u->figures.safety_rate.has_value(), u->figures.safety_rate.value_or(0),
                           u->figures.satisfaction_rate.value_or(0));
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const UnitRow* a, const UnitRow* b) { return key(a) < key(b); });
  return out;
}

}  // namespace

// The village of `code`, after its town in a county's report (village names
// repeat across towns, not within one).
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

std::string VillageOf(const MonthlyReport& r, const std::string& code) {
  const std::string village = UnitName(r, code.substr(0, 12));
  if (r.level == gridsync::v1::ORG_LEVEL_TOWN) return village;
  return UnitName(r, code.substr(0, 9) + "000") + " " + village;
}

// A village as VillageOf names it; a town alone.
std::string RowName(const MonthlyReport& r, const UnitRow& row) {
  return row.unit.level() == gridsync::v1::ORG_LEVEL_VILLAGE ? VillageOf(r, row.unit.code())
                                                             : row.unit.name();
}

std::string CaseStatusWord(gridsync::v1::CaseStatus s) {
  switch (s) {
    case gridsync::v1::CASE_STATUS_REGISTERED:
      return "已登记";
    case gridsync::v1::CASE_STATUS_ACCEPTED:
      return "已受理";
    case gridsync::v1::CASE_STATUS_MEDIATING:
      return "调解中";
    case gridsync::v1::CASE_STATUS_RESOLVED:
      return "已化解";
    case gridsync::v1::CASE_STATUS_ESCALATED:
      return "已上交";
    case gridsync::v1::CASE_STATUS_FOLLOWED_UP:
      return "已回访";
    case gridsync::v1::CASE_STATUS_CLOSED:
      return "已办结";
    default:
      return "未知";
  }
}

std::string CaseLevelWord(gridsync::v1::CaseLevel level) {
  switch (level) {
    case gridsync::v1::CASE_LEVEL_TOWN:
      return "镇";
    case gridsync::v1::CASE_LEVEL_COUNTY:
      return "县";
    default:
      return "村";
  }
}

std::vector<gridsync::v1::WorkerVisits> WorkerRows(const MonthlyReport& r) {
  const auto& by = r.scope.coverage.visits().by_worker();
  std::vector<gridsync::v1::WorkerVisits> out(by.begin(), by.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(a.households_visited(), a.worker(), a.device_id()) <
           std::make_tuple(b.households_visited(), b.worker(), b.device_id());
  });
  return out;
}

gridsync::v1::WorkerVerification VerificationOf(const MonthlyReport& r,
                                                const std::string& device_id) {
  for (const auto& v : r.scope.coverage.verification().by_worker()) {
    if (v.device_id() == device_id) return v;
  }
  return {};
}

std::string CaseHolderText(const gridsync::v1::CaseSummary& c) {
  if (c.level() <= gridsync::v1::CASE_LEVEL_VILLAGE) return c.holder();
  return absl::StrCat(CaseLevelWord(c.level()), "综治中心 (村承办: ", c.holder(), ")");
}

std::vector<std::pair<const UnitRow*, gridsync::v1::CaseLevel>> ReceivingUnits(
    const MonthlyReport& r) {
  std::vector<std::pair<const UnitRow*, gridsync::v1::CaseLevel>> out;
  out.emplace_back(&r.scope, r.level == gridsync::v1::ORG_LEVEL_COUNTY
                                 ? gridsync::v1::CASE_LEVEL_COUNTY
                                 : gridsync::v1::CASE_LEVEL_TOWN);
  for (const auto& t : r.towns) out.emplace_back(&t, gridsync::v1::CASE_LEVEL_TOWN);
  return out;
}

// 急大难 and 民转刑, as the list marks a case.
std::string CaseMarks(const gridsync::v1::CaseSummary& c, bool backlog) {
  std::string out;
  if (backlog) out += "积案 ";
  if (c.urgent_major_hard()) out += "急大难 ";
  if (c.criminal_risk()) out += "民转刑 ";
  return out.empty() ? "" : out.substr(0, out.size() - 1);
}

// The units of the lowest level a report ranks: a town's villages, or a
// county's towns.
const std::vector<UnitRow>& Ranked(const MonthlyReport& r) {
  return r.level == gridsync::v1::ORG_LEVEL_COUNTY ? r.towns : r.villages;
}

// For each scored figure, the units below 100% (未达标).
std::vector<Shortfall> Shortfalls(const MonthlyReport& r, const std::vector<UnitRow>& rows) {
  std::vector<Shortfall> out;
  for (const core::NamedFigure& n : ScoredFigures(r.weights)) {
    const auto rate = n.figure;
    Shortfall s{n.chinese, rate, {}};
    for (const auto& row : rows) {
      if ((row.figures.*rate).has_value() && *(row.figures.*rate) < 1) s.units.push_back(&row);
    }
    std::stable_sort(s.units.begin(), s.units.end(), [rate = rate](auto* a, auto* b) {
      return *(a->figures.*rate) < *(b->figures.*rate);
    });
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> UnreportedVillages(const MonthlyReport& r) {
  std::vector<std::string> out;
  for (const auto& v : r.scope.coverage.screening().by_village()) {
    if (v.months_reported() < v.months()) out.push_back(VillageOf(r, v.village_code()));
  }
  return out;
}

// The last three ranked units (后三名), last first.
std::vector<const UnitRow*> LastThree(const std::vector<UnitRow>& rows) {
  std::vector<const UnitRow*> out;
  for (auto it = rows.rbegin(); it != rows.rend() && out.size() < 3; ++it) {
    if (it->rank > 0) out.push_back(&*it);
  }
  return out;
}

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

absl::StatusOr<std::string> PreviousMonth(const std::string& month) {
  auto range = core::MonthRange(month);
  if (!range.ok()) return range.status();
  return core::MonthName(core::MonthOf(range->first - 1));
}

std::vector<std::string> EarlierMonthsOfYear(const std::string& month) {
  std::vector<std::string> out;
  auto range = core::MonthRange(month);
  if (!range.ok()) return out;
  const int32_t m = core::MonthOf(range->first);
  for (int32_t k = m - m % 100 + 1; k < m; ++k) out.push_back(core::MonthName(k));
  return out;
}

namespace {

// The CoverageService calls a report makes, under one token.
class ReportSource {
 public:
  ReportSource(const std::shared_ptr<grpc::Channel>& channel, std::string token)
      : stub_(CoverageService::NewStub(channel)), token_(std::move(token)) {}

  absl::StatusOr<gridsync::v1::GetCoverageResponse> Coverage(const std::string& code,
                                                             const std::string& month) {
    gridsync::v1::GetCoverageRequest req;
    req.set_scope_code(code);
    req.mutable_period()->set_month(month);
    gridsync::v1::GetCoverageResponse c;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(stub_->GetCoverage(ctx.get(), req, &c)); !st.ok()) return st;
    return c;
  }
  // A unit's row: this month's coverage scored, and last month's score.
  // REQUIRES: `year` are earlier months of `month`'s year (YearMonths).
  // `last_month` empty: the scope recorded nothing then, so no 较上月.
  absl::StatusOr<UnitRow> Row(const gridsync::v1::OrgUnit& unit, const std::string& month,
                              const std::string& last_month, const std::vector<std::string>& year,
                              const core::ScoreWeights& w) {
    UnitRow row;
    row.unit = unit;
    auto c = Coverage(unit.code(), month);
    if (!c.ok()) return c.status();
    row.coverage = std::move(*c);
    Score(&row, w);
    if (!last_month.empty()) {
      auto before = Coverage(unit.code(), last_month);
      if (!before.ok()) return before.status();
      row.last_month_score = core::Score(core::FiguresOf(*before), w);
    }
    // 年度累计: this month's score and those of the year's months counted.
    double sum = 0;
    auto add = [&](const std::optional<double>& s) {
      if (s) sum += *s, ++row.year_months;
    };
    add(row.score);
    for (const std::string& m : year) {
      if (m == last_month) {
        add(row.last_month_score);
        continue;
      }
      auto c = Coverage(unit.code(), m);
      if (!c.ok()) return c.status();
      add(core::Score(core::FiguresOf(*c), w));
    }
    if (row.year_months > 0) row.year_score = sum / row.year_months;
    return row;
  }
  // The year's months before `month` that 年度累计 counts: from the first
  // in which the whole scope recorded any work (a visit, a case, a patrol,
  // a questionnaire), so that a county that began mid-year is not scored
  // on the months before it did.
  absl::StatusOr<std::vector<std::string>> YearMonths(const std::string& code,
                                                      const std::string& month) {
    std::vector<std::string> out;
    for (const std::string& m : EarlierMonthsOfYear(month)) {
      if (out.empty()) {
        auto worked = HadWork(code, m);
        if (!worked.ok()) return worked.status();
        if (!*worked) continue;
      }
      out.push_back(m);
    }
    return out;
  }
  // Whether the scope recorded any work in `month`.
  absl::StatusOr<bool> HadWork(const std::string& code, const std::string& month) {
    auto c = Coverage(code, month);
    if (!c.ok()) return c.status();
    return c->visits().visited() + c->cases().registered() + c->patrols().patrols() +
               c->surveys().asked() >
           0;
  }
  absl::StatusOr<gridsync::v1::ListScopeUnitsResponse> Units(const std::string& code) {
    gridsync::v1::ListScopeUnitsRequest req;
    req.set_scope_code(code);
    gridsync::v1::ListScopeUnitsResponse units;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(stub_->ListScopeUnits(ctx.get(), req, &units)); !st.ok()) return st;
    return units;
  }
  absl::StatusOr<gridsync::v1::ListOverduePersonsResponse> Overdue(const std::string& code,
                                                                   const std::string& month,
                                                                   gridsync::v1::PersonGroup group,
                                                                   int limit) {
    gridsync::v1::ListOverduePersonsRequest req;
    req.set_scope_code(code);
    req.set_group(group);
    req.mutable_period()->set_month(month);
    req.set_page_size(std::min(limit, 1000));
    gridsync::v1::ListOverduePersonsResponse out;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(stub_->ListOverduePersons(ctx.get(), req, &out)); !st.ok()) return st;
    return out;
  }
  absl::StatusOr<gridsync::v1::ListOpenCasesResponse> Open(const std::string& code,
                                                           int64_t as_of_ms, int limit) {
    gridsync::v1::ListOpenCasesRequest req;
    req.set_scope_code(code);
    req.set_page_size(std::min(limit, 1000));
    req.set_as_of_ms(as_of_ms);
    gridsync::v1::ListOpenCasesResponse out;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(stub_->ListOpenCases(ctx.get(), req, &out)); !st.ok()) return st;
    return out;
  }
  absl::StatusOr<gridsync::v1::ListTasksResponse> OpenTasks(const std::string& code, int limit) {
    gridsync::v1::ListTasksRequest req;
    req.set_scope_code(code);
    req.set_open_only(true);
    req.set_page_size(std::min(limit, 1000));
    gridsync::v1::ListTasksResponse out;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(stub_->ListTasks(ctx.get(), req, &out)); !st.ok()) return st;
    return out;
  }

 private:
  std::unique_ptr<CoverageService::Stub> stub_;
  std::string token_;
};

// The open cases at the month's end (now, while it runs), with their status
// then, not today's.
absl::Status AddOpenCases(ReportSource* source, int64_t month_end_ms, int limit, MonthlyReport* r) {
  const core::AsOf as_of{std::min(month_end_ms, r->generated_at_ms),
                         month_end_ms <= r->generated_at_ms};
  auto open = source->Open(r->scope_code, as_of.ms, limit);
  if (!open.ok()) return open.status();
  r->open_cases.assign(open->cases().begin(), open->cases().end());
  for (const auto& c : r->open_cases) r->status_then.push_back(core::CaseStatusAsOf(c, as_of));
  r->past_deadline.assign(open->past_deadline().begin(), open->past_deadline().end());
  r->backlog.assign(open->backlog().begin(), open->backlog().end());
  r->open_total = open->total();
  auto tasks = source->OpenTasks(r->scope_code, limit);
  if (!tasks.ok()) return tasks.status();
  r->open_tasks.assign(tasks->tasks().begin(), tasks->tasks().end());
  r->open_tasks_total = tasks->total();
  r->overdue_tasks = tasks->overdue();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MonthlyReport> BuildMonthlyReport(const std::shared_ptr<grpc::Channel>& channel,
                                                 const std::string& token,
                                                 const std::string& scope_code,
                                                 const std::string& month,
                                                 const core::ScoreWeights& weights,
                                                 int list_limit) {
  MonthlyReport r;
  r.level = core::LevelOfCode(scope_code);
  if (r.level != gridsync::v1::ORG_LEVEL_TOWN && r.level != gridsync::v1::ORG_LEVEL_COUNTY) {
    return absl::InvalidArgumentError(absl::StrCat("report: ", scope_code.substr(0, 32),
                                                   " is not a town or county code (12 digits)"));
  }
  auto range = core::MonthRange(month);
  auto last_month = PreviousMonth(month);
  if (!range.ok() || !last_month.ok()) return range.ok() ? last_month.status() : range.status();
  r.scope_code = scope_code;
  r.month = month;
  r.weights = weights;
  r.generated_at_ms = core::SystemWallMs();
  ReportSource source(channel, token);
  gridsync::v1::OrgUnit whole;
  whole.set_code(scope_code);
  whole.set_level(r.level);
  auto year = source.YearMonths(scope_code, month);
  if (!year.ok()) return year.status();
  // 较上月 only when the scope had begun by then: last month is among the
  // year's counted months, or (last year's December) had work itself.
  bool begun = !year->empty() && year->back() == *last_month;
  if (!begun) {
    auto worked = source.HadWork(scope_code, *last_month);
    if (!worked.ok()) return worked.status();
    begun = *worked;
  }
  if (!begun) last_month->clear();
  r.last_month = *last_month;
  r.year = *year;
  r.rows_asked_at_ms = r.generated_at_ms;
  auto scope = source.Row(whole, month, *last_month, *year, weights);
  if (!scope.ok()) return scope.status();
  r.scope = std::move(*scope);
  auto units = source.Units(scope_code);
  if (!units.ok()) return units.status();
  for (const auto& u : units->org_units()) {
    r.names[u.code()] = u.name();
    if (u.level() != gridsync::v1::ORG_LEVEL_TOWN && u.level() != gridsync::v1::ORG_LEVEL_VILLAGE)
      continue;
    if (u.code() == scope_code) continue;
    auto row = source.Row(u, month, *last_month, *year, weights);
    if (!row.ok()) return row.status();
    (u.level() == gridsync::v1::ORG_LEVEL_TOWN ? r.towns : r.villages).push_back(std::move(*row));
  }
  r.scope_name = UnitName(r, scope_code);
  r.scope.unit.set_name(r.scope_name);
  Rank(&r.towns);
  Rank(&r.villages);
  auto overdue =
      source.Overdue(scope_code, month, gridsync::v1::PERSON_GROUP_SUPERVISED, list_limit);
  auto care = source.Overdue(scope_code, month, gridsync::v1::PERSON_GROUP_CARE, list_limit);
  if (!overdue.ok() || !care.ok()) return overdue.ok() ? care.status() : overdue.status();
  r.overdue.assign(overdue->persons().begin(), overdue->persons().end());
  r.overdue_total = overdue->total();
  r.care_due.assign(care->persons().begin(), care->persons().end());
  r.care_due_total = care->total();
  if (auto st = AddOpenCases(&source, range->second, list_limit, &r); !st.ok()) return st;
  return r;
}

absl::StatusOr<MonthlyReport> RefreshMonthlyReport(const std::shared_ptr<grpc::Channel>& channel,
                                                   const std::string& token,
                                                   const MonthlyReport& old,
                                                   const std::vector<std::string>& changed,
                                                   int list_limit) {
  MonthlyReport r = old;
  auto range = core::MonthRange(r.month);
  if (!range.ok()) return range.status();
  r.generated_at_ms = core::SystemWallMs();
  ReportSource source(channel, token);
  auto touched = [&](const std::string& unit) {
    const std::string prefix = core::ScopePrefix(unit);
    for (const std::string& code : changed)
      if (absl::StartsWith(code, prefix)) return true;
    return false;
  };
  auto scope = source.Row(r.scope.unit, r.month, r.last_month, r.year, r.weights);
  if (!scope.ok()) return scope.status();
  r.scope = std::move(*scope);
  for (std::vector<UnitRow>* rows : {&r.towns, &r.villages}) {
    for (UnitRow& row : *rows) {
      if (!touched(row.unit.code())) continue;
      auto fresh = source.Row(row.unit, r.month, r.last_month, r.year, r.weights);
      if (!fresh.ok()) return fresh.status();
      row = std::move(*fresh);
    }
    Rank(rows);
  }
  auto overdue =
      source.Overdue(r.scope_code, r.month, gridsync::v1::PERSON_GROUP_SUPERVISED, list_limit);
  auto care = source.Overdue(r.scope_code, r.month, gridsync::v1::PERSON_GROUP_CARE, list_limit);
  if (!overdue.ok() || !care.ok()) return overdue.ok() ? care.status() : overdue.status();
  r.overdue.assign(overdue->persons().begin(), overdue->persons().end());
  r.overdue_total = overdue->total();
  r.care_due.assign(care->persons().begin(), care->persons().end());
  r.care_due_total = care->total();
  r.status_then.clear();
  if (auto st = AddOpenCases(&source, range->second, list_limit, &r); !st.ok()) return st;
  return r;
}

namespace {

// 全县 or 全镇: how the report names its whole scope.
const char* WholeScope(const MonthlyReport& r) {
  return r.level == gridsync::v1::ORG_LEVEL_COUNTY ? "全县" : "全镇";
}

// What the line under the title says of the whole scope: each figure with
// its counts, as core/assessment.h defines it.
std::string ScopeFigures(const MonthlyReport& r) {
  const auto& c = r.scope.coverage;
  const auto& f = r.scope.figures;
  return absl::StrCat(
      WholeScope(r), ": 入户率 ", Pct(f.visit_rate), " (", c.visits().visited(), "/",
      c.visits().households(), " 户), 管控率 ", Pct(f.check_rate), " (",
      c.checks().persons() - c.checks().overdue(), "/", c.checks().persons(), " 人按期, 逾期 ",
      c.checks().overdue(), "), 关爱率 ", Pct(f.care_rate), " (",
      c.care().persons() - c.care().overdue(), "/", c.care().persons(), " 人), 化解在基层率 ",
      Pct(f.grassroots_rate), " (", c.cases().resolved(), "/", c.cases().registered(), " 件, 上交 ",
      c.cases().escalated(), ", 在办 ", c.cases().open_now(), "), 调处率 ", Pct(f.mediation_rate),
      ", 回访率 ", Pct(f.follow_up_rate), ", 回访满意率 ", Pct(f.follow_up_satisfaction_rate), " (",
      c.cases().follow_ups_satisfied(), "/", c.cases().follow_ups(), "), 积案化解率 ",
      Pct(f.backlog_clearance_rate), " (", c.cases().backlog_cleared(), "/", c.cases().backlog(),
      " 件, 在办 ", c.cases().backlog_open(), "), 排查上报率 ", Pct(f.screening_rate), " (",
      c.screening().reported(), "/", c.screening().village_months(), " 村, 零报告 ",
      c.screening().zero_reports(), "), 排查整治率 ", Pct(f.trouble_spot_rate), " (",
      c.trouble_spots().rectified(), "/", c.trouble_spots().spots(), " 处, 在整治 ",
      c.trouble_spots().open(), "), 督办按期办结率 ", Pct(f.task_rate), " (", c.tasks().on_time(),
      "/", c.tasks().due(), " 件到期, 超期未办结 ", c.tasks().overdue(), "), 核实率 ",
      Pct(f.verification_rate), " (抽查 ", c.verification().sampled(), " 户, 核实 ",
      c.verification().verified(), ", 属实 ", c.verification().confirmed(), ", 未入户 ",
      c.verification().not_made(), "), 干部参与率 ", Pct(f.cadre_rate), " (", c.cadres().met(), "/",
      c.cadres().cadres(), " 人达到挂点户数), 综合得分 ", ScoreText(r.scope.score), ", 年度累计 ",
      ScoreText(r.scope.year_score), " (", r.scope.year_months, " 个月平均)");
}

}  // namespace

std::string RenderReportTable(const MonthlyReport& r) {
  std::string out = absl::StrCat(r.scope_name, " (", r.scope_code, ") ", r.month, " 月度考核\n");
  const auto& c = r.scope.coverage;
  absl::StrAppend(&out, ScopeFigures(r), "\n综合得分权重: ", core::DescribeWeights(r.weights),
                  "\n");
  absl::StrAppend(&out, "留痕: 有照片的入户走访 ", c.visits().with_photos(),
                  " 次, 附调解协议书的纠纷 ", c.cases().with_signed_agreement(), "/",
                  c.cases().registered(), " 件\n");
  auto table = [&](const char* title, const std::vector<UnitRow>& rows) {
    absl::StrAppend(&out, "\n", title, "\n");
    const std::vector<std::pair<std::string, int>> cols = {
        {"名次", 4}, {"代码", 12},  {"名称", 24},  {"户数", 7},   {"已走访", 7}, {"入户率", 7},
        {"人数", 5}, {"逾期", 5},   {"管控率", 7}, {"关爱率", 7}, {"纠纷", 5},   {"化解", 5},
        {"上交", 5}, {"化解率", 7}, {"综合", 7},   {"较上月", 7}, {"年累计", 7}};
    for (size_t i = 0; i < cols.size(); ++i) {
      absl::StrAppend(&out, Pad(cols[i].first, cols[i].second, i != 1 && i != 2), " ");
    }
    out += "\n";
    for (const auto& row : rows) {
      const auto& v = row.coverage;
      const std::vector<std::string> cells = {row.rank ? absl::StrCat(row.rank) : "—",
                                              row.unit.code(),
                                              RowName(r, row),
                                              absl::StrCat(v.visits().households()),
                                              absl::StrCat(v.visits().visited()),
                                              Pct(row.figures.visit_rate),
                                              absl::StrCat(v.checks().persons()),
                                              absl::StrCat(v.checks().overdue()),
                                              Pct(row.figures.check_rate),
                                              Pct(row.figures.care_rate),
                                              absl::StrCat(v.cases().registered()),
                                              absl::StrCat(v.cases().resolved()),
                                              absl::StrCat(v.cases().escalated()),
                                              Pct(row.figures.grassroots_rate),
                                              ScoreText(row.score),
                                              Change(row),
                                              ScoreText(row.year_score)};
      // One cell per column: a cell without its column would read past `cols`.
      for (size_t i = 0; i < cells.size() && i < cols.size(); ++i) {
        absl::StrAppend(&out, Pad(cells[i], cols[i].second, i != 1 && i != 2), " ");
      }
      out += "\n";
    }
  };
  if (r.level == gridsync::v1::ORG_LEVEL_COUNTY) table("乡镇排名 (towns)", r.towns);
  table("村排名 (villages)", r.villages);
  for (const Shortfall& s : Shortfalls(r, Ranked(r))) {
    absl::StrAppend(&out, "\n", s.figure, "未达100%: ", s.units.size(), " 个");
    for (size_t i = 0; i < s.units.size() && i < 20; ++i) {
      absl::StrAppend(&out, i ? "、" : " ", RowName(r, *s.units[i]), " ",
                      Pct(s.units[i]->figures.*s.rate));
    }
  }
  out += "\n后三名:";
  for (const UnitRow* u : LastThree(Ranked(r))) {
    absl::StrAppend(&out, " ", u->rank, ". ", RowName(r, *u), " ", ScoreText(u->score));
  }
  out += "\n";

  const auto unreported = UnreportedVillages(r);
  absl::StrAppend(&out, "\n矛盾纠纷排查上报 (screening): 排查上报率 ",
                  Pct(r.scope.figures.screening_rate), ", 零报告 ", c.screening().zero_reports(),
                  " 村, 排查发现纠纷 ", c.screening().disputes_found(), " 件、治安隐患 ",
                  c.screening().hazards_found(), " 处; 未上报 ", unreported.size(), " 村",
                  unreported.empty() ? "" : ": ", absl::StrJoin(unreported, "、"), "\n");
  const auto& p = c.patrols();
  absl::StrAppend(&out, "\n平安夜巡 (patrols): 巡逻率 ", Pct(r.scope.figures.patrol_rate), " (",
                  p.weeks_patrolled(), "/", p.weeks(), " 村周, 每周至少 ", p.per_week(),
                  " 次, 夜巡时段 ", NightWindowText(p), "), ", p.patrols(), " 次夜巡, ",
                  p.villages_every_week(), "/", p.villages(), " 个村每周达标, 民警参与 ",
                  p.weeks_with_police(), "/", p.weeks(), " 村周; 白天巡逻 ", p.daytime(),
                  " 次不计\n");
  const auto& q = c.surveys();
  absl::StrAppend(
      &out, "民调 (questionnaire): 受访 ", q.answered(), " 人 (", q.households(), " 户), 拒访 ",
      q.refused(), ", 无人在家 ", q.nobody_home(), "; 安全感率 ", Pct(r.scope.figures.safety_rate),
      ", 满意率 ", Pct(r.scope.figures.satisfaction_rate), ", 满意度得分 ",
      Points(r.scope.figures.satisfaction_score), ", 知晓率 ", Pct(r.scope.figures.awareness_rate),
      ", 参与率 ", Pct(r.scope.figures.participation_rate), "\n");
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
      absl::StrAppend(&out, Pad(RowName(r, *v), 36), Pad(Pct(v->figures.patrol_rate), 8, true),
                      Pad(absl::StrCat(v->coverage.surveys().answered()), 6, true),
                      Pad(Pct(v->figures.safety_rate), 9, true),
                      Pad(Pct(v->figures.satisfaction_rate), 8, true), "\n");
    }
  }
  absl::StrAppend(&out, "\n逾期未管控人员 (overdue persons): ", r.overdue_total,
                  "; 未按期关爱 (care visits due): ", r.care_due_total,
                  "; 未结纠纷 (open cases): ", r.open_total,
                  "; 未办结督办任务 (open tasks): ", r.open_tasks_total, ", 超期 ", r.overdue_tasks,
                  "\n");
  return out;
}

namespace {

// 未达标: for each scored figure, the units below 100%; then the last three.
void AppendShortfallsHtml(const MonthlyReport& r, std::string* h) {
  const char* level = r.level == gridsync::v1::ORG_LEVEL_COUNTY ? "乡镇" : "村";
  absl::StrAppend(h, "<h2>未达100%的", level,
                  " 和后三名</h2>\n<table><tr><th>指标</th>"
                  "<th>个数</th><th>",
                  level, " (低者在前)</th></tr>\n");
  for (const Shortfall& s : Shortfalls(r, Ranked(r))) {
    std::string names;
    for (const UnitRow* u : s.units) {
      absl::StrAppend(&names, names.empty() ? "" : "、", Esc(RowName(r, *u)), " ",
                      Pct(u->figures.*s.rate));
    }
    absl::StrAppend(h, "<tr><td class=\"l n\">", s.figure, "</td><td>", s.units.size(),
                    "</td><td class=\"l\">", names.empty() ? "全部达标" : names, "</td></tr>\n");
  }
  std::string last;
  for (const UnitRow* u : LastThree(Ranked(r))) {
    absl::StrAppend(&last, last.empty() ? "" : "、", u->rank, ". ", Esc(RowName(r, *u)), " ",
                    ScoreText(u->score));
  }
  absl::StrAppend(h, "<tr><td class=\"l n\">后三名 (约谈)</td><td></td><td class=\"l\">", last,
                  "</td></tr>\n</table>\n");
}

// 上交受理: the cases each receiving office took over from the level below
// in the month, and what it made of them (化解 by itself, 再上交, 在办 at
// the month's end).
void AppendReceivedHtml(const MonthlyReport& r, std::string* h) {
  *h +=
      "<h2>上交受理 (下级上交的矛盾纠纷)</h2>\n<table><tr><th>受理单位</th><th>受理</th>"
      "<th>化解</th><th>再上交</th><th>在办</th><th>超期</th><th>化解率</th>"
      "<th>回访满意率</th></tr>\n";
  for (const auto& [row, level] : ReceivingUnits(r)) {
    const auto& k = row->coverage.received();
    absl::StrAppend(h, "<tr><td class=\"l\">", Esc(row->unit.name()), " (", CaseLevelWord(level),
                    ")</td><td>", k.registered(), "</td><td>", k.resolved(), "</td><td>",
                    k.escalated(), "</td><td>", k.open_now(), "</td><td>", k.open_past_deadline(),
                    "</td><td>", Pct(core::RateOf(k.resolved(), k.registered())), "</td><td>",
                    Pct(core::RateOf(k.follow_ups_satisfied(), k.follow_ups())), "</td></tr>\n");
  }
  *h += "</table>\n";
}

// A town's workers, a row per phone (a county's are in the spreadsheet).
void AppendWorkersHtml(const MonthlyReport& r, std::string* h) {
  const auto rows = WorkerRows(r);
  absl::StrAppend(h, "<h2>网格员入户走访 (", rows.size(),
                  " 部手机, 按走访户数从少到多)</h2>\n<table><tr><th>持机人</th><th>手机</th>"
                  "<th>走访户数</th><th>抽查核实</th><th>未入户</th><th>核实率</th></tr>\n");
  for (const auto& w : rows) {
    const gridsync::v1::WorkerVerification v = VerificationOf(r, w.device_id());
    absl::StrAppend(h, "<tr><td class=\"l\">", Esc(w.worker()), "</td><td class=\"l\">",
                    Esc(w.device_id()), "</td><td>", w.households_visited(), "</td><td>",
                    v.verified(), "</td><td>", v.not_made(), "</td><td>",
                    Pct(core::RateOf(v.confirmed(), v.verified())), "</td></tr>\n");
  }
  if (rows.empty()) *h += "<tr><td class=\"l\" colspan=\"6\">本月无入户走访</td></tr>\n";
  *h += "</table>\n";
}

// Persons needing a visit, `total` of them, `rows` listed.
void AppendPersonsHtml(const MonthlyReport& r, const char* title,
                       const std::vector<gridsync::v1::OverduePerson>& rows, int64_t total,
                       std::string* h) {
  absl::StrAppend(h, "<h2>", title, " (", total, " 人",
                  rows.size() < static_cast<size_t>(total) ? absl::StrCat(", 列出前 ", rows.size())
                                                           : std::string(),
                  ")</h2>\n<table><tr><th>姓名</th><th>乡镇 "
                  "村</th><th>类别</th><th>风险等级</th><th>上次走访</th>"
                  "<th>要求间隔(天)</th><th>逾期(天)</th><th>上次情况</th></tr>\n");
  for (const auto& p : rows) {
    const bool flagged = p.last_absent() || p.last_out_of_contact();
    absl::StrAppend(h, "<tr", flagged ? " class=\"late\"" : "", "><td class=\"l\">",
                    Esc(p.person().name()), "</td><td class=\"l\">",
                    Esc(VillageOf(r, p.person().person_id())), "</td><td class=\"l\">",
                    PersonCategoryChinese(p.person().category()), "</td><td>",
                    core::RiskLevelName(p.person().category(), p.risk_level()), "</td><td>",
                    Date(p.last_checked_ms()), "</td><td>", p.interval_days(), "</td><td>",
                    p.days_overdue(), "</td><td class=\"l\">",
                    p.last_out_of_contact() ? "失联"
                    : p.last_absent()       ? "不在位"
                                            : "",
                    "</td></tr>\n");
  }
  if (rows.empty()) *h += "<tr><td class=\"l\" colspan=\"8\">无</td></tr>\n";
  *h += "</table>\n";
}

// The page's head (its style, for the screen and for A4) and title.
void AppendHeadHtml(const MonthlyReport& r, std::string* out) {
  std::string& h = *out;
  absl::StrAppend(&h, R"(<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>)",
                  Esc(r.scope_name), " ", r.month, R"( 月度考核</title>
<style>
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei","GS CJK","GS CJK ExtB",sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:2px solid #c00;padding-bottom:4px}
.sub{color:#666;font-size:13px} .kpi{display:inline-block;margin:12px 24px 0 0} .kpi b{font-size:26px;color:#c00}
table{border-collapse:collapse;font-size:13px;margin-top:6px} th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3} td.l{text-align:left} td.n{white-space:nowrap} tr.late td{color:#b00}
@page{size:A4;margin:12mm}
@media print{body{margin:0;font-size:11px} table{font-size:10px} th,td{padding:1px 4px} h2{page-break-after:avoid;margin-top:14px} svg{page-break-inside:avoid} .kpi{margin:6px 14px 0 0} .kpi b{font-size:18px}}
</style></head><body>
)");
  absl::StrAppend(&h, "<h1>", Esc(r.scope_name), " ", r.month,
                  " 平安建设月度考核</h1>\n<div class=\"sub\">", r.scope_code, " · 生成于 ",
                  Date(r.generated_at_ms), " · gridsync</div>\n");
}

// One figure as a tile: its name, rate and what it counts.
void AppendKpiHtml(const char* name, std::optional<double> rate, const std::string& detail,
                   std::string* h) {
  absl::StrAppend(h, "<div class=\"kpi\">", name, "<br><b>", Pct(rate),
                  "</b><br><span class=\"sub\">", detail, "</span></div>\n");
}

// The scope's figures as tiles, the score's weights first.
void AppendKpisHtml(const MonthlyReport& r, std::string* out) {
  std::string& h = *out;
  const auto& c = r.scope.coverage;
  auto kpi = [&](const char* name, std::optional<double> rate, const std::string& detail) {
    AppendKpiHtml(name, rate, detail, &h);
  };
  const auto& f = r.scope.figures;
  absl::StrAppend(&h, "<div class=\"sub\">综合得分权重: ", core::DescribeWeights(r.weights),
                  "</div>\n");
  kpi("综合得分", r.scope.score,
      absl::StrCat("上月 ", ScoreText(r.scope.last_month_score), ", 年度累计 ",
                   ScoreText(r.scope.year_score), " (", r.scope.year_months, " 个月平均)"));
  kpi("入户率", f.visit_rate,
      absl::StrCat(c.visits().visited(), " / ", c.visits().households(), " 户"));
  kpi("管控率", f.check_rate,
      absl::StrCat(c.checks().persons() - c.checks().overdue(), " / ", c.checks().persons(),
                   " 人按期, 逾期 ", c.checks().overdue()));
  kpi("关爱率", f.care_rate,
      absl::StrCat(c.care().persons() - c.care().overdue(), " / ", c.care().persons(),
                   " 人按期 (孤寡老人、留守儿童、残疾人)"));
  kpi("化解在基层率", f.grassroots_rate,
      absl::StrCat(c.cases().resolved(), " / ", c.cases().registered(), " 件, 上交 ",
                   c.cases().escalated()));
  kpi("调处率", f.mediation_rate,
      absl::StrCat(c.cases().resolved(), " / ", c.cases().registered() - c.cases().escalated(),
                   " 件 (不计上交)"));
  kpi("回访率", f.follow_up_rate,
      absl::StrCat(c.cases().followed_up_both(), " / ", c.cases().resolved(), " 件"));
  kpi("回访满意率", f.follow_up_satisfaction_rate,
      absl::StrCat(c.cases().follow_ups_satisfied(), " / ", c.cases().follow_ups(),
                   " 次回访当事人满意"));
  kpi("积案化解率", f.backlog_clearance_rate,
      absl::StrCat(c.cases().backlog_cleared(), " / ", c.cases().backlog(), " 件积案 (在办超 ",
                   c.cases().backlog_days(), " 天), 仍在办 ", c.cases().backlog_open()));
  // Evidence (留痕): visits with a photo, cases with the signed agreement.
  absl::StrAppend(&h, "<div class=\"kpi\">照片留痕<br><b>", c.visits().with_photos(),
                  "</b><br><span class=\"sub\">次入户走访带照片</span></div>\n");
  kpi("协议书留痕", RateOf(c.cases().with_signed_agreement(), c.cases().registered()),
      absl::StrCat(c.cases().with_signed_agreement(), " / ", c.cases().registered(),
                   " 件附调解协议书"));
  kpi("排查上报率", f.screening_rate,
      absl::StrCat(c.screening().reported(), " / ", c.screening().village_months(),
                   " 村按月上报, 零报告 ", c.screening().zero_reports()));
  kpi("排查整治率", f.trouble_spot_rate,
      absl::StrCat(c.trouble_spots().rectified(), " / ", c.trouble_spots().spots(),
                   " 处已整治, 新发现 ", c.trouble_spots().found(), ", 超期未整治 ",
                   c.trouble_spots().open_past_deadline()));
  kpi("督办按期办结率", f.task_rate,
      absl::StrCat(c.tasks().on_time(), " / ", c.tasks().due(), " 件到期按期办结, 逾期办结 ",
                   c.tasks().late(), ", 超期未办结 ", c.tasks().overdue(), ", 待确认 ",
                   c.tasks().awaiting_confirmation()));
  kpi("核实率", f.verification_rate,
      absl::StrCat(c.verification().confirmed(), " / ", c.verification().verified(),
                   " 户核实属实 (应抽查 ", c.verification().sampled(), " 户), 未入户 ",
                   c.verification().not_made()));
  kpi("干部参与率", f.cadre_rate,
      absl::StrCat(c.cadres().met(), " / ", c.cadres().cadres(), " 名干部党员走访达标 (每月 干部 ",
                   c.cadres().cadre_quota(), " 户, 党员 ", c.cadres().party_member_quota(),
                   " 户), 共走访 ", c.cadres().households_visited(), " 户"));
  kpi("巡逻率", r.scope.figures.patrol_rate,
      absl::StrCat(c.patrols().weeks_patrolled(), " / ", c.patrols().weeks(), " 村周达标 (每周 ",
                   c.patrols().per_week(), " 次)"));
  kpi("安全感率", r.scope.figures.safety_rate,
      absl::StrCat("受访 ", c.surveys().answered(), " 人, 拒访 ", c.surveys().refused()));
  kpi("满意率", r.scope.figures.satisfaction_rate,
      absl::StrCat("无人在家 ", c.surveys().nobody_home(), " 次"));
  absl::StrAppend(&h, "<div class=\"kpi\">满意度得分<br><b>", Points(f.satisfaction_score),
                  "</b><br><span class=\"sub\">", c.surveys().satisfaction_scored(),
                  " 人评分 (不清楚不计)</span></div>\n");
  kpi("知晓率", f.awareness_rate,
      absl::StrCat(c.surveys().aware(), " / ", c.surveys().awareness_answers(), " 个回答"));
  kpi("参与率", f.participation_rate,
      absl::StrCat(c.surveys().participated(), " / ", c.surveys().participation_answers(),
                   " 个回答"));
}

// 排查上报 of a ranked row: a village's month as 已报, 零报告 or 未报; a
// town's (or a longer period's) as its rate.
std::string ScreeningCell(const UnitRow& row) {
  const auto& s = row.coverage.screening();
  if (row.unit.level() != gridsync::v1::ORG_LEVEL_VILLAGE || s.village_months() != 1)
    return Pct(row.figures.screening_rate);
  return s.reported() == 0 ? "未报" : s.zero_reports() == 1 ? "零报告" : "已报";
}

// A ranking of towns or villages, a row each.
void AppendRankingHtml(const MonthlyReport& r, const char* title, const std::vector<UnitRow>& rows,
                       std::string* out) {
  std::string& h = *out;
  absl::StrAppend(
      &h, "<h2>", title,
      "</h2>\n<table><tr><th>名次</th><th>代码</th><th>名称</th><th>户数</th>"
      "<th>已走访</th><th>入户率</th><th>重点人员</th><th>逾期</th><th>管控率</th>"
      "<th>关爱率</th><th>纠纷</th><th>化解</th><th>上交</th><th>化解在基层率</th><th>调处率</th>"
      "<th>积案</th><th>积案化解率</th><th>排查上报</th><th>排查整治率</th>"
      "<th>督办按期办结率</th><th>核实率</th><th>干部参与率</th>"
      "<th>照片留痕</th><th>协议书</th><th>综合得分</th><th>较上月</th><th>年度累计</th></tr>\n");
  for (const auto& row : rows) {
    const auto& v = row.coverage;
    absl::StrAppend(
        &h, "<tr><td>", row.rank ? absl::StrCat(row.rank) : "—", "</td><td class=\"l\">",
        row.unit.code(), "</td><td class=\"l\">", Esc(RowName(r, row)), "</td><td>",
        v.visits().households(), "</td><td>", v.visits().visited(), "</td><td>",
        Pct(row.figures.visit_rate), "</td><td>", v.checks().persons(), "</td><td>",
        v.checks().overdue(), "</td><td>", Pct(row.figures.check_rate), "</td><td>",
        Pct(row.figures.care_rate), "</td><td>", v.cases().registered(), "</td><td>",
        v.cases().resolved(), "</td><td>", v.cases().escalated(), "</td><td>",
        Pct(row.figures.grassroots_rate), "</td><td>", Pct(row.figures.mediation_rate), "</td><td>",
        v.cases().backlog_open(), "</td><td>", Pct(row.figures.backlog_clearance_rate), "</td><td>",
        ScreeningCell(row), "</td><td>", Pct(row.figures.trouble_spot_rate), "</td><td>",
        Pct(row.figures.task_rate), "</td><td>", Pct(row.figures.verification_rate), "</td><td>",
        Pct(row.figures.cadre_rate), "</td><td>", v.visits().with_photos(), "</td><td>",
        v.cases().with_signed_agreement(), "</td><td>", ScoreText(row.score), "</td><td>",
        Change(row), "</td><td>", ScoreText(row.year_score), "</td></tr>\n");
  }
  h += "</table>\n";
}

// One horizontal bar per village, for one rate.
// Highest first, or with `lowest_first` the villages to act on first.
// More than 10 villages: the 5 highest and the 5 lowest.
void AppendVillageChartHtml(const MonthlyReport& r, const char* title, const char* color,
                            std::optional<double> core::AssessmentFigures::*rate, bool lowest_first,
                            std::string* out) {
  std::string& h = *out;
  std::vector<const UnitRow*> rows;
  for (const auto& v : r.villages) {
    if (v.figures.*rate) rows.push_back(&v);
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const UnitRow* a, const UnitRow* b) {
    return lowest_first ? *(a->figures.*rate) < *(b->figures.*rate)
                        : *(a->figures.*rate) > *(b->figures.*rate);
  });
  const size_t all = rows.size();
  if (all > 10) rows.erase(rows.begin() + 5, rows.end() - 5);
  const int bar_h = 16, gap = 4, label_w = 260, bar_w = 420, top = 24;
  const int height = top + static_cast<int>(rows.size()) * (bar_h + gap) + 24;
  absl::StrAppend(&h, "<h2>", title, " (按村",
                  all > rows.size() ? absl::StrCat(", ", all, " 个村中最高和最低各 5 个") : "",
                  ")</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"",
                  label_w + bar_w + 70, "\" height=\"", height, "\" font-size=\"12\">\n");
  for (int pct = 0; pct <= 100; pct += 25) {
    const int x = label_w + bar_w * pct / 100;
    absl::StrAppend(&h, "<line x1=\"", x, "\" y1=\"", top - 6, "\" x2=\"", x, "\" y2=\"",
                    height - 20, "\" stroke=\"#ddd\"/><text x=\"", x, "\" y=\"", top - 10,
                    "\" text-anchor=\"middle\" fill=\"#888\">", pct, "%</text>\n");
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const int y = top + static_cast<int>(i) * (bar_h + gap);
    const double v = *(rows[i]->figures.*rate);
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
}

// 矛盾纠纷排查上报: who reported the month's screening, a 零报告 included,
// and the villages that did not, named.
void AppendScreeningHtml(const MonthlyReport& r, std::string* out) {
  const auto& s = r.scope.coverage.screening();
  const auto unreported = UnreportedVillages(r);
  std::string names;
  for (const auto& n : unreported) absl::StrAppend(&names, names.empty() ? "" : "、", Esc(n));
  absl::StrAppend(out, "<h2>矛盾纠纷排查上报 (含零报告)</h2>\n<div class=\"sub\">", s.reported(),
                  " / ", s.village_months(), " 村按月上报, 其中零报告 ", s.zero_reports(),
                  " 村; 排查发现纠纷 ", s.disputes_found(), " 件、治安隐患 ", s.hazards_found(),
                  " 处</div>\n<table><tr><th>未上报的村 (", unreported.size(),
                  ")</th></tr>\n<tr><td class=\"l\">", names.empty() ? "全部已上报" : names,
                  "</td></tr>\n</table>\n");
}

// 平安夜巡, as the town reports it after a round.
void AppendPatrolsHtml(const MonthlyReport& r, std::string* out) {
  std::string& h = *out;
  const auto& c = r.scope.coverage;
  const auto& p = c.patrols();
  absl::StrAppend(&h, "<h2>平安夜巡 (每村每周至少 ", p.per_week(), " 次, 夜巡时段 ",
                  NightWindowText(p), ")</h2>\n<div class=\"sub\">", p.patrols(), " 次夜巡; ",
                  p.villages_every_week(), " / ", p.villages(), " 个村每周达标; 民警参与 ",
                  p.weeks_with_police(), " / ", p.weeks(), " 村周; 白天巡逻 ", p.daytime(),
                  " 次不计; 一周自周一起算, 属于其周一所在的月</div>\n");
  AppendVillageChartHtml(r, "巡逻率 (低者在前)", "#8c6d31", &core::AssessmentFigures::patrol_rate,
                         true, &h);
}

// The questionnaire: answers by level, the towns lowest first, the lowest
// villages, and what people raised most.
void AppendSurveysHtml(const MonthlyReport& r, std::string* out) {
  std::string& h = *out;
  const auto& c = r.scope.coverage;
  const auto& q = c.surveys();
  absl::StrAppend(
      &h, "<h2>群众安全感和满意度民调</h2>\n<div class=\"sub\">受访 ", q.answered(), " 人 (",
      q.households(), " 户), 拒访 ", q.refused(), ", 无人在家 ", q.nobody_home(),
      "; 安全感率、满意率为回答 安全、基本安全 (满意、基本满意) 者占全部回答 (含不清楚) 的比例; "
      "旧版量表的回答按 很安全→安全、一般→不太安全、说不清→不清楚 计入</div>\n"
      "<table><tr><th>档次</th><th>安全感</th><th>满意度</th></tr>\n");
  const char* levels[] = {"安全 / 满意", "基本安全 / 基本满意", "不太安全 / 不太满意",
                          "不安全 / 不满意", "不清楚"};
  for (int i = 0; i < 5; ++i) {
    absl::StrAppend(&h, "<tr><td class=\"l\">", levels[i], "</td><td>",
                    i < q.safety_levels_size() ? q.safety_levels(i) : 0, "</td><td>",
                    i < q.satisfaction_levels_size() ? q.satisfaction_levels(i) : 0,
                    "</td></tr>\n");
  }
  h += "</table>\n<table><tr><th>乡镇</th><th>巡逻率</th><th>受访</th><th>安全感率</th>"
       "<th>满意率</th><th>满意度得分</th><th>知晓率</th><th>参与率</th></tr>\n";
  for (const UnitRow* t : LowestSafetyFirst(r.towns)) {
    absl::StrAppend(
        &h, "<tr><td class=\"l\">", Esc(t->unit.name()), "</td><td>", Pct(t->figures.patrol_rate),
        "</td><td>", t->coverage.surveys().answered(), "</td><td>", Pct(t->figures.safety_rate),
        "</td><td>", Pct(t->figures.satisfaction_rate), "</td><td>",
        Points(t->figures.satisfaction_score), "</td><td>", Pct(t->figures.awareness_rate),
        "</td><td>", Pct(t->figures.participation_rate), "</td></tr>\n");
  }
  h += "</table>\n";
  AppendVillageChartHtml(r, "安全感率 (低者在前)", "#756bb1", &core::AssessmentFigures::safety_rate,
                         true, &h);
  AppendVillageChartHtml(r, "满意率 (低者在前)", "#de2d26",
                         &core::AssessmentFigures::satisfaction_rate, true, &h);
  absl::StrAppend(&h,
                  "<h2>群众反映最多的问题 (问题导向)</h2>\n<table><tr><th>问题</th>"
                  "<th>条数</th></tr>\n");
  for (const auto& o : q.opinions()) {
    absl::StrAppend(&h, "<tr><td class=\"l\">", OpinionTopicWord(o.topic()), "</td><td>", o.count(),
                    "</td></tr>\n");
  }
  if (q.opinions().empty()) h += "<tr><td class=\"l\" colspan=\"2\">本月无意见建议</td></tr>\n";
  h += "</table>\n";
}

// The open cases, past their deadline first, as they stood at the month's end.
void AppendOpenCasesHtml(const MonthlyReport& r, std::string* out) {
  std::string& h = *out;
  absl::StrAppend(
      &h, "<h2>未结矛盾纠纷 (", r.open_total, " 件",
      r.open_cases.size() < static_cast<size_t>(r.open_total)
          ? absl::StrCat(", 列出前 ", r.open_cases.size())
          : std::string(),
      ", 月末状态)</h2>\n<table><tr><th>案由</th><th>标记</th><th>乡镇 "
      "村</th><th>办理</th><th>状态</th><th>承办人</th><th>登记</th><th>期限</th></tr>\n");
  for (size_t i = 0; i < r.open_cases.size(); ++i) {
    const auto& k = r.open_cases[i];
    const bool late = i < r.past_deadline.size() && r.past_deadline[i];
    absl::StrAppend(&h, "<tr", late ? " class=\"late\"" : "", "><td class=\"l\">", Esc(k.title()),
                    "</td><td class=\"l\">", CaseMarks(k, i < r.backlog.size() && r.backlog[i]),
                    "</td><td class=\"l\">", Esc(VillageOf(r, k.grid_code())), "</td><td>",
                    CaseLevelWord(k.level()), "</td><td class=\"l\">",
                    CaseStatusWord(i < r.status_then.size() ? r.status_then[i] : k.status()),
                    "</td><td class=\"l\">", Esc(CaseHolderText(k)), "</td><td>",
                    Date(k.registered_at_ms()), "</td><td>",
                    k.deadline_ms() > 0 ? Date(k.deadline_ms()) : "—", late ? " 已超期" : "",
                    "</td></tr>\n");
  }
  h += "</table>\n";
}

// The office's tasks not yet confirmed, overdue first, as they stand now.
void AppendTasksHtml(const MonthlyReport& r, std::string* out) {
  std::string& h = *out;
  absl::StrAppend(&h, "<h2>督办任务 (未办结 ", r.open_tasks_total, " 件, 超期 ", r.overdue_tasks,
                  r.open_tasks.size() < static_cast<size_t>(r.open_tasks_total)
                      ? absl::StrCat(", 列出前 ", r.open_tasks.size())
                      : std::string(),
                  ", 当前状态)</h2>\n<table><tr><th>任务</th><th>类别</th><th>乡镇 村</th>"
                  "<th>状态</th><th>下达</th><th>期限</th><th>退回</th><th>最近说明</th></tr>\n");
  for (const auto& t : r.open_tasks) {
    absl::StrAppend(&h, "<tr", t.overdue() ? " class=\"late\"" : "", "><td class=\"l\">",
                    Esc(t.title()), "</td><td>", TaskCategoryName(t.category()),
                    "</td><td class=\"l\">", Esc(VillageOf(r, t.grid_code())), "</td><td>",
                    TaskStateName(t.state()), "</td><td>", Date(t.assigned_at_ms()), "</td><td>",
                    Date(t.deadline_ms()),
                    t.overdue() ? absl::StrCat(" 超期 ", t.days_overdue(), " 天") : "", "</td><td>",
                    t.returned(), "</td><td class=\"l\">", Esc(t.last_note()), "</td></tr>\n");
  }
  if (r.open_tasks.empty()) h += "<tr><td class=\"l\" colspan=\"8\">无未办结任务</td></tr>\n";
  h += "</table>\n";
}

}  // namespace

std::string RenderReportHtml(const MonthlyReport& r) {
  std::string h;
  AppendHeadHtml(r, &h);
  AppendKpisHtml(r, &h);
  if (r.level == gridsync::v1::ORG_LEVEL_COUNTY) AppendRankingHtml(r, "乡镇排名", r.towns, &h);
  AppendRankingHtml(r, "村排名", r.villages, &h);
  AppendShortfallsHtml(r, &h);
  AppendVillageChartHtml(r, "入户率", "#c0392b", &core::AssessmentFigures::visit_rate, false, &h);
  AppendVillageChartHtml(r, "管控率", "#2c7fb8", &core::AssessmentFigures::check_rate, false, &h);
  AppendVillageChartHtml(r, "化解在基层率", "#31a354", &core::AssessmentFigures::grassroots_rate,
                         false, &h);
  AppendScreeningHtml(r, &h);
  AppendPatrolsHtml(r, &h);
  AppendSurveysHtml(r, &h);
  AppendPersonsHtml(r, "逾期未管控、失联或不在位的重点人员", r.overdue, r.overdue_total, &h);
  AppendPersonsHtml(r, "未按期关爱的孤寡老人、留守儿童、残疾人", r.care_due, r.care_due_total, &h);
  AppendReceivedHtml(r, &h);
  if (r.level == gridsync::v1::ORG_LEVEL_TOWN) AppendWorkersHtml(r, &h);
  AppendOpenCasesHtml(r, &h);
  AppendTasksHtml(r, &h);
  h += "</body></html>\n";
  return h;
}

}  // namespace gridsync::tools
