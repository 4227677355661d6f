#include "tools/common/report_xlsx.h"

#include <functional>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "core/assessment.h"
#include "core/registry.h"
#include "tools/common/day_print.h"
#include "tools/common/person_category.h"
#include "tools/common/xlsx_book.h"

namespace gridsync::tools {
namespace {

using Cell = XlsxCell;
using Book = XlsxBook;
using xlsx::Count;
using xlsx::Points;
using xlsx::Rate;
using xlsx::Text;

std::string Day(int64_t ms) {
  if (ms <= 0) return "";
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixMillis(ms), absl::FixedTimeZone(8 * 3600));
}

// 汇总: the whole scope's figures, each with what it counts.
std::vector<std::vector<Cell>> Summary(const MonthlyReport& r) {
  const auto& c = r.scope.coverage;
  const auto& f = r.scope.figures;
  const auto& k = c.checks();
  const auto& cs = c.cases();
  const auto& q = c.surveys();
  return {
      {Text("综合得分"), Points(r.scope.score), Text(core::DescribeWeights(r.weights))},
      {Text("上月综合得分"), Points(r.scope.last_month_score), Text("")},
      {Text("年度累计"), Points(r.scope.year_score),
       Text(absl::StrCat(r.scope.year_months, " 个月平均"))},
      {Text("入户率"), Rate(f.visit_rate),
       Text(absl::StrCat(c.visits().visited(), "/", c.visits().households(), " 户"))},
      {Text("管控率"), Rate(f.check_rate),
       Text(absl::StrCat(k.persons() - k.overdue(), "/", k.persons(), " 人按期, 逾期 ",
                         k.overdue()))},
      {Text("关爱率"), Rate(f.care_rate),
       Text(absl::StrCat(c.care().persons() - c.care().overdue(), "/", c.care().persons(), " 人"))},
      {Text("化解在基层率"), Rate(f.grassroots_rate),
       Text(absl::StrCat(cs.resolved(), "/", cs.registered(), " 件, 上交 ", cs.escalated()))},
      {Text("调处率"), Rate(f.mediation_rate), Text("不计上交, 不计分")},
      {Text("回访率"), Rate(f.follow_up_rate),
       Text(absl::StrCat(cs.followed_up_both(), "/", cs.resolved(), " 件"))},
      {Text("回访满意率"), Rate(f.follow_up_satisfaction_rate),
       Text(absl::StrCat(cs.follow_ups_satisfied(), "/", cs.follow_ups(), " 次回访"))},
      {Text("积案化解率"), Rate(f.backlog_clearance_rate),
       Text(absl::StrCat(cs.backlog_cleared(), "/", cs.backlog(), " 件积案 (在办超 ",
                         cs.backlog_days(), " 天), 仍在办 ", cs.backlog_open()))},
      {Text("排查上报率"), Rate(f.screening_rate),
       Text(absl::StrCat(c.screening().reported(), "/", c.screening().village_months(),
                         " 村按月上报, 零报告 ", c.screening().zero_reports()))},
      {Text("排查整治率"), Rate(f.trouble_spot_rate),
       Text(absl::StrCat(c.trouble_spots().rectified(), "/", c.trouble_spots().spots(),
                         " 处已整治, 在整治 ", c.trouble_spots().open()))},
      {Text("督办按期办结率"), Rate(f.task_rate),
       Text(absl::StrCat(c.tasks().on_time(), "/", c.tasks().due(), " 件到期按期办结, 超期未办结 ",
                         c.tasks().overdue()))},
      {Text("核实率"), Rate(f.verification_rate),
       Text(absl::StrCat(c.verification().confirmed(), "/", c.verification().verified(),
                         " 户核实属实, 应抽查 ", c.verification().sampled(), ", 未入户 ",
                         c.verification().not_made()))},
      {Text("干部参与率"), Rate(f.cadre_rate),
       Text(absl::StrCat(c.cadres().met(), "/", c.cadres().cadres(), " 名干部党员走访达标"))},
      {Text("巡逻率"), Rate(f.patrol_rate),
       Text(absl::StrCat(c.patrols().weeks_patrolled(), "/", c.patrols().weeks(), " 村周"))},
      {Text("安全感率"), Rate(f.safety_rate),
       Text(absl::StrCat("安全+基本安全, 受访 ", q.answered(), " 人"))},
      {Text("满意率"), Rate(f.satisfaction_rate), Text("满意+基本满意")},
      {Text("满意度得分"), Points(f.satisfaction_score),
       Text(absl::StrCat(q.satisfaction_scored(), " 人评分"))},
      {Text("知晓率"), Rate(f.awareness_rate),
       Text(absl::StrCat(q.aware(), "/", q.awareness_answers(), " 个回答"))},
      {Text("参与率"), Rate(f.participation_rate),
       Text(absl::StrCat(q.participated(), "/", q.participation_answers(), " 个回答"))},
  };
}

const std::vector<std::string> kRankHeader = {
    "名次",           "代码",   "名称",       "户数",   "已走访",     "入户率",     "重点人员",
    "逾期",           "管控率", "关爱率",     "纠纷",   "化解",       "上交",       "化解在基层率",
    "调处率",         "回访率", "回访满意率", "积案",   "积案化解率", "排查上报率", "排查整治率",
    "督办按期办结率", "核实率", "干部参与率", "巡逻率", "安全感率",   "满意率",     "满意度得分",
    "知晓率",         "参与率", "综合得分",   "上月",   "年度累计"};

std::vector<std::vector<Cell>> RankRows(const MonthlyReport& r, const std::vector<UnitRow>& units) {
  std::vector<std::vector<Cell>> out;
  for (const auto& u : units) {
    const auto& v = u.coverage;
    const auto& f = u.figures;
    out.push_back({u.rank ? Count(u.rank) : Text("—"),
                   Text(u.unit.code()),
                   Text(RowName(r, u)),
                   Count(v.visits().households()),
                   Count(v.visits().visited()),
                   Rate(f.visit_rate),
                   Count(v.checks().persons()),
                   Count(v.checks().overdue()),
                   Rate(f.check_rate),
                   Rate(f.care_rate),
                   Count(v.cases().registered()),
                   Count(v.cases().resolved()),
                   Count(v.cases().escalated()),
                   Rate(f.grassroots_rate),
                   Rate(f.mediation_rate),
                   Rate(f.follow_up_rate),
                   Rate(f.follow_up_satisfaction_rate),
                   Count(v.cases().backlog_open()),
                   Rate(f.backlog_clearance_rate),
                   Rate(f.screening_rate),
                   Rate(f.trouble_spot_rate),
                   Rate(f.task_rate),
                   Rate(f.verification_rate),
                   Rate(f.cadre_rate),
                   Rate(f.patrol_rate),
                   Rate(f.safety_rate),
                   Rate(f.satisfaction_rate),
                   Points(f.satisfaction_score),
                   Rate(f.awareness_rate),
                   Rate(f.participation_rate),
                   Points(u.score),
                   Points(u.last_month_score),
                   Points(u.year_score)});
  }
  return out;
}

std::vector<std::vector<Cell>> ShortfallRows(const MonthlyReport& r) {
  std::vector<std::vector<Cell>> out;
  for (const Shortfall& s : Shortfalls(r, Ranked(r))) {
    for (const UnitRow* u : s.units) {
      out.push_back({Text(s.figure), Text(RowName(r, *u)), Rate(u->figures.*s.rate)});
    }
  }
  for (const UnitRow* u : LastThree(Ranked(r))) {
    out.push_back({Text("后三名 (约谈)"), Text(RowName(r, *u)), Points(u->score)});
  }
  for (const auto& name : UnreportedVillages(r)) {
    out.push_back({Text("排查未上报"), Text(name), Text("")});
  }
  return out;
}

std::vector<std::vector<Cell>> PersonRows(const MonthlyReport& r,
                                          const std::vector<gridsync::v1::OverduePerson>& rows) {
  std::vector<std::vector<Cell>> out;
  for (const auto& p : rows) {
    out.push_back({Text(p.person().name()), Text(VillageOf(r, p.person().person_id())),
                   Text(PersonCategoryChinese(p.person().category())),
                   Text(core::RiskLevelName(p.person().category(), p.risk_level())),
                   Text(p.last_checked_ms() > 0 ? Day(p.last_checked_ms()) : "从未"),
                   Count(p.interval_days()), Count(p.days_overdue()),
                   Text(p.last_out_of_contact() ? "失联"
                        : p.last_absent()       ? "不在位"
                                                : "")});
  }
  return out;
}

std::vector<std::vector<Cell>> CaseRows(const MonthlyReport& r) {
  std::vector<std::vector<Cell>> out;
  for (size_t i = 0; i < r.open_cases.size(); ++i) {
    const auto& k = r.open_cases[i];
    const bool late = i < r.past_deadline.size() && r.past_deadline[i];
    out.push_back({Text(k.title()), Text(CaseMarks(k, i < r.backlog.size() && r.backlog[i])),
                   Text(VillageOf(r, k.grid_code())), Text(CaseLevelWord(k.level())),
                   Text(CaseStatusWord(i < r.status_then.size() ? r.status_then[i] : k.status())),
                   Text(CaseHolderText(k)), Text(Day(k.registered_at_ms())),
                   Text(Day(k.deadline_ms())), Text(late ? "已超期" : "")});
  }
  return out;
}

std::vector<std::vector<Cell>> TaskRows(const MonthlyReport& r) {
  std::vector<std::vector<Cell>> out;
  for (const auto& t : r.open_tasks) {
    out.push_back({Text(t.title()), Text(TaskCategoryName(t.category())),
                   Text(VillageOf(r, t.grid_code())), Text(TaskStateName(t.state())),
                   Text(Day(t.assigned_at_ms())), Text(Day(t.deadline_ms())),
                   Count(t.days_overdue()), Count(t.returned()), Text(t.last_note())});
  }
  return out;
}

// The workers, a row per phone.
std::vector<std::vector<Cell>> WorkerCells(const MonthlyReport& r) {
  std::vector<std::vector<Cell>> out;
  for (const auto& w : WorkerRows(r)) {
    const gridsync::v1::WorkerVerification v = VerificationOf(r, w.device_id());
    out.push_back({Text(w.worker()), Text(w.device_id()), Count(w.households_visited()),
                   Count(v.verified()), Count(v.not_made()),
                   Rate(core::RateOf(v.confirmed(), v.verified()))});
  }
  return out;
}

// As the HTML's 上交受理 table.
std::vector<std::vector<Cell>> ReceivedRows(const MonthlyReport& r) {
  std::vector<std::vector<Cell>> out;
  for (const auto& [row, level] : ReceivingUnits(r)) {
    const auto& k = row->coverage.received();
    out.push_back({Text(row->unit.name()), Text(CaseLevelWord(level)), Count(k.registered()),
                   Count(k.resolved()), Count(k.escalated()), Count(k.open_now()),
                   Count(k.open_past_deadline()), Rate(core::RateOf(k.resolved(), k.registered())),
                   Rate(core::RateOf(k.follow_ups_satisfied(), k.follow_ups()))});
  }
  return out;
}

}  // namespace

absl::Status WriteReportXlsx(const MonthlyReport& r, const std::string& path) {
  Book book(path);
  if (!book.ok()) return absl::InternalError(absl::StrCat("xlsx: cannot create ", path));
  book.Sheet("汇总", {"指标", "数值", "说明"}, Summary(r),
             absl::StrCat(r.scope_name, " (", r.scope_code, ") ", r.month, " 平安建设月度考核"));
  if (r.level == gridsync::v1::ORG_LEVEL_COUNTY) {
    book.Sheet("乡镇排名", kRankHeader, RankRows(r, r.towns));
  }
  book.Sheet("村排名", kRankHeader, RankRows(r, r.villages));
  book.Sheet("未达标", {"指标", "单位", "数值"}, ShortfallRows(r));
  const std::vector<std::string> persons = {"姓名",     "乡镇 村",      "类别",     "风险等级",
                                            "上次走访", "要求间隔(天)", "逾期(天)", "上次情况"};
  book.Sheet("逾期未管控", persons, PersonRows(r, r.overdue));
  book.Sheet("未按期关爱", persons, PersonRows(r, r.care_due));
  book.Sheet("未结纠纷",
             {"案由", "标记", "乡镇 村", "办理", "月末状态", "承办人", "登记", "期限", "超期"},
             CaseRows(r));
  book.Sheet("上交受理",
             {"受理单位", "层级", "受理", "化解", "再上交", "在办", "超期", "化解率", "回访满意率"},
             ReceivedRows(r));
  book.Sheet("督办任务",
             {"任务", "类别", "乡镇 村", "状态", "下达", "期限", "超期(天)", "退回", "最近说明"},
             TaskRows(r));
  book.Sheet("网格员", {"持机人", "手机", "走访户数", "抽查核实", "未入户", "核实率"},
             WorkerCells(r));
  return book.Close();
}

}  // namespace gridsync::tools
