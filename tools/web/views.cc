#include "tools/web/views.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/grpc_status.h"
#include "core/assessment.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/proposal.h"
#include "core/registry.h"
#include "core/safety_figures.h"
#include "core/view.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "gridsync/v1/sync_service.grpc.pb.h"
#include "tools/common/client.h"
#include "tools/common/day_print.h"
#include "tools/common/person_category.h"

namespace gridsync::web {
namespace {

using gridsync::v1::CaseLevel;
using Coverage = gridsync::v1::GetCoverageResponse;  // a scope's figures
using tools::MonthlyReport;
using tools::UnitRow;

constexpr int kListRows = 500;

// --- the overview ----------------------------------------------------------

std::string RankTable(const MonthlyReport& r) {
  const auto& rows = tools::Ranked(r);
  std::string h = absl::StrCat("<table id=\"rank\" class=\"sortable\"><thead><tr><th>排名</th><th>",
                               r.level == gridsync::v1::ORG_LEVEL_COUNTY ? "镇" : "村",
                               "</th><th>综合得分</th><th>较上月</th><th>年度累计</th>",
                               FigureHeads(), "</tr></thead><tbody>");
  for (const UnitRow& u : rows) {
    absl::StrAppend(&h, "<tr data-code=\"", u.unit.code(), "\"><td>",
                    u.rank > 0 ? absl::StrCat(u.rank) : "—", "</td><td class=\"l\">",
                    u.unit.level() == gridsync::v1::ORG_LEVEL_TOWN
                        ? absl::StrCat("<a href=\"#/overview?code=", u.unit.code(), "&amp;month=",
                                       r.month, "\">", HtmlEscape(u.unit.name()), "</a>")
                        : UnitLink(u.unit.code(), u.unit.name(), r.month),
                    "</td><td>", Score(u.score), "</td><td>", Change(u.score, u.last_month_score),
                    "</td><td>", Score(u.year_score), "</td>", FigureCells(u.coverage), "</tr>");
  }
  absl::StrAppend(
      &h, "</tbody><tfoot><tr><td></td><td class=\"l\">全部</td><td>", Score(r.scope.score),
      "</td><td>", Change(r.scope.score, r.scope.last_month_score), "</td><td>",
      Score(r.scope.year_score), "</td>", FigureCells(r.scope.coverage), "</tr></tfoot></table>");
  return h;
}

std::string ShortfallList(const MonthlyReport& r) {
  std::string h = "<h2>未达 100% 的单位</h2><ul class=\"short\">";
  bool any = false;
  for (const auto& s : tools::Shortfalls(r, tools::Ranked(r))) {
    if (s.units.empty()) continue;
    any = true;
    absl::StrAppend(&h, "<li><b>", s.figure, "</b> (", s.units.size(), " 个): ");
    for (size_t i = 0; i < s.units.size(); ++i) {
      const UnitRow* u = s.units[i];
      absl::StrAppend(&h, i ? "、" : "", UnitLink(u->unit.code(), u->unit.name(), r.month), " ",
                      Pct(u->figures.*s.rate));
    }
    h += "</li>";
  }
  if (!any) h += "<li>各项均达 100%</li>";
  h += "</ul>";
  // Named whatever the weights: a month's screening is owed by every village.
  const auto unreported = tools::UnreportedVillages(r);
  absl::StrAppend(&h, "<p class=\"unreported\">矛盾纠纷排查未上报 (", unreported.size(), " 个村)",
                  unreported.empty() ? ": 无" : ": ");
  for (size_t i = 0; i < unreported.size(); ++i)
    absl::StrAppend(&h, i ? "、" : "", HtmlEscape(unreported[i]));
  h += "</p>";
  auto last = tools::LastThree(tools::Ranked(r));
  if (!last.empty()) {
    h += "<p class=\"last\">后三名: ";
    for (size_t i = 0; i < last.size(); ++i)
      absl::StrAppend(&h, i ? "、" : "",
                      UnitLink(last[i]->unit.code(), last[i]->unit.name(), r.month));
    h += "</p>";
  }
  return h;
}

// This week's night patrols by village: done (the policy's count met) or not yet.
absl::StatusOr<std::string> WeekPatrols(Office& o, const MonthlyReport& r) {
  gridsync::v1::Period week;
  week.set_from_ms(core::WeekStart(core::SystemWallMs()));
  auto cached = o.WeekCoverage(r.scope_code);
  if (!cached.ok()) return cached.status();
  const gridsync::v1::GetCoverageResponse* c = cached->get();
  std::map<std::string, const gridsync::v1::VillagePatrols*> by;
  for (const auto& v : c->patrols().by_village()) by[v.village_code()] = &v;
  std::string h =
      absl::StrCat("<h2>本周平安夜巡 (", Date(week.from_ms()), " 起, 每周 ",
                   c->patrols().per_week(), " 次)</h2><p class=\"sub\">",
                   "<a href=\"/print/patrols\" target=\"_blank\">打印上周夜巡通报</a> (",
                   "<a href=\"/print/patrols.xlsx\">Excel</a>) · ",
                   "<a href=\"/print/patrols?week=", Date(week.from_ms()),
                   "\" target=\"_blank\">打印本周 (截至现在)</a></p>",
                   "<table id=\"patrols\" class=\"sortable\"><thead><tr><th>村</th>"
                   "<th>本周夜巡</th><th>状态</th></tr></thead><tbody>");
  int done = 0, total = 0;
  for (const UnitRow& u : r.villages) {
    auto it = by.find(u.unit.code());
    const int64_t n = it == by.end() ? 0 : it->second->patrols();
    const bool met = n >= std::max(1, c->patrols().per_week());
    done += met;
    ++total;
    absl::StrAppend(&h, "<tr><td class=\"l\">", HtmlEscape(tools::VillageOf(r, u.unit.code())),
                    "</td><td>", n, "</td><td class=\"", met ? "ok\">已完成" : "below\">未完成",
                    "</td></tr>");
  }
  absl::StrAppend(&h, "</tbody></table><p>", done, " / ", total, " 个村本周已完成</p>");
  return h;
}

// The questionnaire's progress: respondents and households asked, by village.
std::string SurveyProgress(const MonthlyReport& r, int quota) {
  std::map<std::string, const gridsync::v1::SurveyGroup*> by;
  for (const auto& g : r.scope.coverage.surveys().by_village()) by[g.code()] = &g;
  std::string h = absl::StrCat(
      "<h2>本月民调进度 (安全感、满意度)</h2><p class=\"sub\">",
      quota > 0 ? absl::StrCat("县里定的配额: 每村每月 ", quota, " 份有效答卷")
                : std::string("县里未设配额: 进度按答卷户数占全村户数计"),
      " · <a href=\"/print/survey?month=", r.month,
      "\" target=\"_blank\">打印民调通报</a> (<a href=\"/print/survey.xlsx?month=", r.month,
      "\">Excel</a>)</p>"
      "<table id=\"survey\" class=\"sortable\"><thead><tr><th>村</th><th>答卷</th><th>",
      quota > 0 ? "配额" : "户数",
      "</th><th>进度</th><th>安全感率</th><th>满意率</th></tr></thead><tbody>");
  for (const UnitRow& u : r.villages) {
    auto it = by.find(u.unit.code());
    const int64_t answered = it == by.end() ? 0 : it->second->answered();
    const int64_t target = quota > 0 ? quota : u.coverage.visits().households();
    absl::StrAppend(&h, "<tr><td class=\"l\">", HtmlEscape(tools::VillageOf(r, u.unit.code())),
                    "</td><td>", answered, "</td><td>", target, "</td>",
                    FigureCell("survey_progress", std::min(answered, target), target), "<td>",
                    Pct(u.figures.safety_rate), "</td><td>", Pct(u.figures.satisfaction_rate),
                    "</td></tr>");
  }
  h += "</tbody></table>";
  return h;
}

// --- lists -----------------------------------------------------------------

std::string CaseStatusButtons(const gridsync::v1::CaseSummary& c, CaseLevel level) {
  std::string h;
  auto button = [&](const char* status, const char* word) {
    absl::StrAppend(&h, "<button data-act=\"case\" data-id=\"", HtmlEscape(c.record_id()),
                    "\" data-status=\"", status, "\">", word, "</button>");
  };
  if (c.status() == gridsync::v1::CASE_STATUS_REGISTERED) button("ACCEPTED", "受理");
  if (c.status() <= gridsync::v1::CASE_STATUS_ACCEPTED) button("MEDIATING", "调解中");
  button("RESOLVED", "化解");
  if (level == gridsync::v1::CASE_LEVEL_TOWN) button("ESCALATED", "上交县");
  return h;
}

std::string CaseTable(const std::string& id, const gridsync::v1::ListOpenCasesResponse& cases,
                      const MonthlyReport* names, bool acts, CaseLevel level) {
  std::string h = absl::StrCat(FilterBox(id), "<table id=\"", id,
                               "\" class=\"sortable\"><thead><tr><th>事项</th><th>网格</th>"
                               "<th>状态</th><th>办理</th><th>登记</th><th>期限</th><th>承办</th>"
                               "<th>回访</th>",
                               acts ? "<th>操作</th>" : "", "</tr></thead><tbody>");
  for (int i = 0; i < cases.cases_size(); ++i) {
    const auto& c = cases.cases(i);
    const bool late = i < cases.past_deadline_size() && cases.past_deadline(i);
    const bool follow_due =
        c.status() == gridsync::v1::CASE_STATUS_RESOLVED && !c.followed_up_both();
    absl::StrAppend(
        &h, "<tr", late ? " class=\"late\"" : "", "><td class=\"l\">",
        RecordLink(c.record_id(), c.title().empty() ? c.record_id() : c.title()), " ",
        HtmlEscape(tools::CaseMarks(c, i < cases.backlog_size() && cases.backlog(i))), "</td><td>",
        HtmlEscape(names ? tools::VillageOf(*names, c.grid_code()) : c.grid_code()), "</td><td>",
        tools::CaseStatusWord(c.status()), "</td><td>", tools::CaseLevelWord(c.level()),
        "</td><td>", Date(c.registered_at_ms()), "</td><td>",
        c.deadline_ms() > 0 ? Date(c.deadline_ms()) : "—", late ? " 超期" : "",
        "</td><td class=\"l\">", HtmlEscape(tools::CaseHolderText(c)), "</td><td>",
        follow_due ? "待回访" : absl::StrCat(c.follow_ups(), " 次"), "</td>",
        acts ? absl::StrCat("<td class=\"acts\">", CaseStatusButtons(c, level), "</td>") : "",
        "</tr>");
  }
  absl::StrAppend(
      &h, "</tbody></table><p class=\"sub\">共 ", cases.total(), " 件",
      cases.total() > cases.cases_size() ? absl::StrCat(", 显示前 ", cases.cases_size()) : "",
      "</p>");
  return h;
}

absl::StatusOr<gridsync::v1::ListOpenCasesResponse> OpenCases(Office& o, const std::string& code,
                                                              CaseLevel level, int64_t as_of) {
  gridsync::v1::ListOpenCasesRequest req;
  req.set_scope_code(code);
  req.set_page_size(kListRows);
  req.set_level(level);
  req.set_as_of_ms(as_of);
  return Ask<gridsync::v1::ListOpenCasesRequest, gridsync::v1::ListOpenCasesResponse>(
      o, &gridsync::v1::CoverageService::Stub::ListOpenCases, req);
}

absl::StatusOr<std::string> OverdueTable(Office& o, const std::string& id, const std::string& code,
                                         const std::string& month,
                                         gridsync::v1::PersonGroup group) {
  gridsync::v1::ListOverduePersonsRequest req;
  req.set_scope_code(code);
  *req.mutable_period() = MonthPeriod(month);
  req.set_page_size(kListRows);
  req.set_group(group);
  auto resp =
      Ask<gridsync::v1::ListOverduePersonsRequest, gridsync::v1::ListOverduePersonsResponse>(
          o, &gridsync::v1::CoverageService::Stub::ListOverduePersons, req);
  if (!resp.ok()) return resp.status();
  std::string h = absl::StrCat(FilterBox(id), "<table id=\"", id,
                               "\" class=\"sortable\"><thead><tr><th>姓名</th><th>类别</th>"
                               "<th>风险等级</th><th>户</th><th>上次见面</th><th>间隔(天)</th>"
                               "<th>逾期(天)</th><th>情况</th></tr></thead><tbody>");
  for (const auto& p : resp->persons()) {
    const auto& sp = p.person();
    absl::StrAppend(&h, "<tr><td class=\"l\">", HtmlEscape(sp.name()), "</td><td>",
                    tools::PersonCategoryChinese(sp.category()), "</td><td>",
                    HtmlEscape(core::RiskLevelName(sp.category(), p.risk_level())), "</td><td>",
                    HtmlEscape(sp.household_id()), "</td><td>", Date(p.last_checked_ms()),
                    "</td><td>", p.interval_days(), "</td><td>", p.days_overdue(), "</td><td>",
                    p.last_out_of_contact() ? "失联"
                    : p.last_absent()       ? "不在"
                                            : "",
                    "</td></tr>");
  }
  absl::StrAppend(&h, "</tbody></table><p class=\"sub\">共 ", resp->total(), " 人</p>");
  return h;
}

absl::StatusOr<std::string> UnvisitedTable(Office& o, const std::string& id,
                                           const std::string& code, const std::string& month) {
  gridsync::v1::ListUnvisitedHouseholdsRequest req;
  req.set_scope_code(code);
  *req.mutable_period() = MonthPeriod(month);
  req.set_page_size(kListRows);
  auto resp = Ask<gridsync::v1::ListUnvisitedHouseholdsRequest,
                  gridsync::v1::ListUnvisitedHouseholdsResponse>(
      o, &gridsync::v1::CoverageService::Stub::ListUnvisitedHouseholds, req);
  if (!resp.ok()) return resp.status();
  std::string h = absl::StrCat(FilterBox(id), "<table id=\"", id,
                               "\" class=\"sortable\"><thead><tr><th>户号</th>"
                               "<th>户主</th><th>地址</th><th>网格</th></tr></thead><tbody>");
  for (const auto& hh : resp->households()) {
    absl::StrAppend(&h, "<tr data-household=\"", HtmlEscape(hh.household_id()), "\"><td>",
                    HtmlEscape(hh.household_id()), "</td><td class=\"l\">",
                    HtmlEscape(hh.head_name()), "</td><td class=\"l\">", HtmlEscape(hh.address()),
                    "</td><td>", HtmlEscape(hh.grid_code()), "</td></tr>");
  }
  absl::StrAppend(&h, "</tbody></table><p class=\"sub\">显示 ", resp->households_size(), " 户",
                  resp->next_page_token().empty() ? "" : " (还有更多)", "</p>");
  return h;
}

std::string Kpis(const Coverage& c) {
  std::string h = "<div class=\"kpis\">";
  for (const auto& f : CountsOf(c)) {
    absl::StrAppend(&h, "<div class=\"kpi\" data-fig=\"", f.key, "\" data-num=\"", f.num,
                    "\" data-den=\"", f.den, "\">", f.name, "<b>", Pct(core::RateOf(f.num, f.den)),
                    "</b><span>", f.num, " / ", f.den, "</span></div>");
  }
  return h + "</div>";
}

std::string OrgName(Office& o, const std::string& code) { return o.UnitName(code); }

int64_t HouseholdsOf(const Coverage& c, const std::string& device) {
  for (const auto& w : c.visits().by_worker())
    if (w.device_id() == device) return w.households_visited();
  return 0;
}

// --- one record ------------------------------------------------------------

std::string ValueText(const google::protobuf::Message& m,
                      const google::protobuf::FieldDescriptor* f, int i);

// How the record page names a field: the words the phone's forms use; the
// schema's name for the rest.
std::string FieldLabel(const std::string& name) {
  static const auto* labels =
      new std::map<std::string, std::string>{{"household_id", "户号"},
                                             {"visited_at_ms", "走访时间"},
                                             {"talked_with_household", "谈一次心"},
                                             {"open_letter_delivered", "送一封信"},
                                             {"questionnaire_done", "填一张表"},
                                             {"opinions_collected", "征一条意见"},
                                             {"nobody_home", "无人在家"},
                                             {"opinions", "意见"},
                                             {"notes", "备注"},
                                             {"problems_found", "发现问题"},
                                             {"photos", "照片"},
                                             {"category", "类别"},
                                             {"title", "事项"},
                                             {"description", "情况"},
                                             {"urgent_major_hard", "急大难"},
                                             {"criminal_risk", "民转刑风险"},
                                             {"status", "状态"},
                                             {"mediation_type", "调解方式"},
                                             {"registered_at_ms", "登记时间"},
                                             {"deadline_ms", "办结期限"},
                                             {"mediator", "调解员"},
                                             {"parties", "当事人"},
                                             {"mediation_sessions", "调解经过"},
                                             {"follow_ups", "回访"},
                                             {"attachments", "附件"},
                                             {"person_id", "人员编号"},
                                             {"risk_level", "风险等级"},
                                             {"checked_at_ms", "见面时间"},
                                             {"observed", "见面情况"},
                                             {"guardian_present", "监护人在场"},
                                             {"medication", "服药"},
                                             {"person_absent", "本人不在"},
                                             {"out_of_contact", "失联"},
                                             {"name", "姓名"},
                                             {"phone", "电话"},
                                             {"address", "地址"},
                                             {"head_name", "户主"},
                                             {"reason", "理由"},
                                             {"action", "变更"},
                                             {"decision", "审批"},
                                             {"decision_note", "审批意见"},
                                             {"guardian", "监护人"},
                                             {"started_at_ms", "开始"},
                                             {"ended_at_ms", "结束"},
                                             {"members", "参加人员"},
                                             {"places", "巡查地点"},
                                             {"problems", "发现问题"},
                                             {"route", "路线"},
                                             {"asked_at_ms", "调查时间"},
                                             {"outcome", "结果"},
                                             {"safety", "安全感"},
                                             {"satisfaction", "满意度"},
                                             {"answers", "答题"},
                                             {"form_version", "问卷版本"},
                                             {"at_ms", "时间"},
                                             {"summary", "经过"},
                                             {"satisfied", "满意"},
                                             {"caption", "说明"}};
  auto it = labels->find(name);
  return it == labels->end() ? name : it->second;
}

const char* KindWord(gridsync::v1::RecordKind k) {
  switch (k) {
    case gridsync::v1::RECORD_KIND_VISIT:
      return "入户走访";
    case gridsync::v1::RECORD_KIND_DISPUTE_CASE:
      return "矛盾纠纷";
    case gridsync::v1::RECORD_KIND_SPECIAL_CHECK:
      return "重点人员见面";
    case gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL:
      return "登记变更申请";
    case gridsync::v1::RECORD_KIND_PATROL:
      return "平安夜巡";
    case gridsync::v1::RECORD_KIND_SURVEY:
      return "安全感满意度调查";
    default:
      return "记录";
  }
}

// Who wrote what, when: each field's values with their authors, each log
// entry and a void, oldest first.
std::string HistoryTable(const gridsync::v1::RecordState& st) {
  struct Row {
    uint64_t hlc;
    std::string who, what;
  };
  std::vector<Row> rows;
  rows.push_back({st.header().created_hlc(), st.header().created_by(), "登记"});
  for (const auto& r : st.registers()) {
    for (const auto& sib : r.siblings())
      rows.push_back({sib.hlc(), sib.author(), "填写 " + FieldLabel(r.field())});
  }
  for (const auto& l : st.logs()) {
    for (const auto& e : l.elements())
      rows.push_back({e.hlc(), e.author(), "添加 " + FieldLabel(l.log())});
  }
  if (st.has_void_mark()) {
    rows.push_back(
        {st.void_mark().hlc(), st.void_mark().author(), "作废: " + st.void_mark().reason()});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.hlc < b.hlc; });
  std::string h =
      "<h2>修改记录</h2><table id=\"history\"><thead><tr><th>时间</th><th>谁</th>"
      "<th>做了什么</th></tr></thead><tbody>";
  for (const Row& r : rows) {
    absl::StrAppend(&h, "<tr><td>", DateTime(core::HlcWallMs(r.hlc)), "</td><td class=\"l\">",
                    HtmlEscape(r.who), "</td><td class=\"l\">", HtmlEscape(r.what), "</td></tr>");
  }
  return h + "</tbody></table>";
}

// Every field set in `m`, as rows; photos as links through /photo.
void AppendFields(const std::string& record_id, const google::protobuf::Message& m,
                  std::string* h) {
  const auto* r = m.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const auto* f : fields) {
    const int n = f->is_repeated() ? r->FieldSize(m, f) : 1;
    for (int i = 0; i < n; ++i) {
      absl::StrAppend(h, "<tr><th>", FieldLabel(f->name()), n > 1 ? absl::StrCat(" ", i + 1) : "",
                      "</th><td>");
      if (f->message_type() != nullptr) {
        const auto& sub = f->is_repeated() ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f);
        if (f->message_type()->name() == "PhotoRef") {
          const auto& p = static_cast<const gridsync::v1::PhotoRef&>(sub);
          const std::string url = absl::StrCat("/photo?record=", HtmlEscape(record_id),
                                               "&amp;sha=", HtmlEscape(p.sha256()));
          absl::StrAppend(
              h, "<a href=\"", url, "\" target=\"_blank\">",
              HtmlEscape(p.file_name().empty() ? p.sha256().substr(0, 12) : p.file_name()), "</a> ",
              HtmlEscape(p.caption()));
          if (absl::StartsWith(p.content_type(), "image/"))
            absl::StrAppend(h, "<br><img class=\"photo\" src=\"", url, "\" alt=\"照片\">");
        } else {
          *h += "<table class=\"fields\">";
          AppendFields(record_id, sub, h);
          *h += "</table>";
        }
      } else {
        *h += HtmlEscape(ValueText(m, f, f->is_repeated() ? i : -1));
      }
      *h += "</td></tr>";
    }
  }
}

std::string ValueText(const google::protobuf::Message& m,
                      const google::protobuf::FieldDescriptor* f, int i) {
  using FD = google::protobuf::FieldDescriptor;
  const auto* r = m.GetReflection();
  const bool rep = i >= 0;
  const bool time = absl::EndsWith(f->name(), "_ms");
  switch (f->cpp_type()) {
    case FD::CPPTYPE_STRING:
      return rep ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
    case FD::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f)) ? "是" : "否";
    case FD::CPPTYPE_ENUM: {
      const auto* v = rep ? r->GetRepeatedEnum(m, f, i) : r->GetEnum(m, f);
      const std::string& type = v->type()->name();
      if (type == "CaseStatus")
        return tools::CaseStatusWord(static_cast<gridsync::v1::CaseStatus>(v->number()));
      if (type == "PersonCategory")
        return tools::PersonCategoryChinese(static_cast<gridsync::v1::PersonCategory>(v->number()));
      if (type == "OpinionTopic")
        return tools::OpinionTopicWord(static_cast<gridsync::v1::OpinionTopic>(v->number()));
      return v->name();
    }
    case FD::CPPTYPE_INT64: {
      const int64_t v = rep ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f);
      return time ? DateTime(v) : absl::StrCat(v);
    }
    case FD::CPPTYPE_INT32:
      return absl::StrCat(rep ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f));
    case FD::CPPTYPE_UINT32:
      return absl::StrCat(rep ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f));
    case FD::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f));
    case FD::CPPTYPE_DOUBLE:
      return absl::StrCat(rep ? r->GetRepeatedDouble(m, f, i) : r->GetDouble(m, f));
    case FD::CPPTYPE_FLOAT:
      return absl::StrCat(rep ? r->GetRepeatedFloat(m, f, i) : r->GetFloat(m, f));
    default:
      return "";
  }
}

std::string SiblingText(const gridsync::v1::Sibling& s) {
  std::string v;
  google::protobuf::TextFormat::PrintToString(s.value(), &v);
  return absl::StrCat(s.author(), ": ", v);
}

}  // namespace

absl::StatusOr<std::string> OverviewView(Office& o, const Params& params) {
  auto month = MonthParam(params);
  if (!month.ok()) return month.status();
  const std::string code = Get(params, "code").empty() ? o.account().scope : Get(params, "code");
  auto r = o.Report(code, *month);
  if (!r.ok()) return r.status();
  const MonthlyReport& rep = **r;
  std::string h = absl::StrCat(
      "<h1>", HtmlEscape(rep.scope_name), " ", rep.month, " 平安建设考核</h1>",
      MonthBar("overview", rep.month, absl::StrCat("code=", rep.scope_code)),
      "<p class=\"sub\">综合得分权重: ", HtmlEscape(core::DescribeWeights(rep.weights)),
      " · 100% 为达标线, 未达标的格子标红 · <a href=\"/report.html?code=", rep.scope_code,
      "&amp;month=", rep.month,
      "\" target=\"_blank\">打印通报</a> · <a href=\"/report.xlsx?code=", rep.scope_code,
      "&amp;month=", rep.month, "\">下载 Excel</a></p>", Kpis(rep.scope.coverage), "<h2>排名</h2>",
      FilterBox("rank"), RankTable(rep), ShortfallList(rep));
  if (rep.level == gridsync::v1::ORG_LEVEL_TOWN) {
    auto patrols = WeekPatrols(o, rep);
    if (!patrols.ok()) return patrols.status();
    h += *patrols;
    auto policy = PolicyOf(o);
    if (!policy.ok()) return policy.status();
    h += SurveyProgress(rep, policy->survey_quota());
  }
  return h;
}

absl::StatusOr<std::string> UnitView(Office& o, const Params& params) {
  auto month = MonthParam(params);
  if (!month.ok()) return month.status();
  const std::string code = Get(params, "code");
  auto c = CoverageOf(o, code, MonthPeriod(*month));
  if (!c.ok()) return c.status();
  std::string h = absl::StrCat("<h1>", HtmlEscape(OrgName(o, code)), " ", *month, "</h1>",
                               MonthBar("unit", *month, absl::StrCat("code=", code)), Kpis(*c));
  if (c->visits().by_grid_size() > 1 || core::LevelOfCode(code) != gridsync::v1::ORG_LEVEL_GRID) {
    h += "<h2>网格</h2><table id=\"grids\" class=\"sortable\"><thead><tr><th>网格</th><th>户数</th>"
         "<th>已走访</th><th>入户率</th></tr></thead><tbody>";
    for (const auto& g : c->visits().by_grid()) {
      absl::StrAppend(&h, "<tr><td class=\"l\">",
                      UnitLink(g.grid_code(), OrgName(o, g.grid_code()), *month), "</td><td>",
                      g.households(), "</td><td>", g.visited(), "</td>",
                      FigureCell("visit", g.visited(), g.households()), "</tr>");
    }
    h += "</tbody></table>";
  }
  h += "<h2>网格员</h2><table id=\"workers\" class=\"sortable\"><thead><tr><th>网格员</th>"
       "<th>本月走访户数</th></tr></thead><tbody>";
  for (const auto& w : c->visits().by_worker()) {
    absl::StrAppend(&h, "<tr><td class=\"l\"><a href=\"#/worker?device=", HtmlEscape(w.device_id()),
                    "&amp;code=", code, "&amp;month=", *month, "\">", HtmlEscape(w.worker()),
                    "</a></td><td>", w.households_visited(), "</td></tr>");
  }
  h += "</tbody></table><h2>本月未走访的户</h2>";
  auto unvisited = UnvisitedTable(o, "unvisited", code, *month);
  if (!unvisited.ok()) return unvisited.status();
  h += *unvisited + "<h2>到期和逾期的重点人员 (管控)</h2>";
  auto overdue = OverdueTable(o, "overdue", code, *month, gridsync::v1::PERSON_GROUP_SUPERVISED);
  if (!overdue.ok()) return overdue.status();
  h += *overdue + "<h2>到期和逾期的关爱对象</h2>";
  auto care = OverdueTable(o, "care", code, *month, gridsync::v1::PERSON_GROUP_CARE);
  if (!care.ok()) return care.status();
  h += *care + "<h2>未结纠纷</h2>";
  auto cases = OpenCases(o, code, gridsync::v1::CASE_LEVEL_UNSPECIFIED, 0);
  if (!cases.ok()) return cases.status();
  return h + CaseTable("cases", *cases, nullptr, false, gridsync::v1::CASE_LEVEL_UNSPECIFIED);
}

absl::StatusOr<std::string> WorkerView(Office& o, const Params& params) {
  auto month = MonthParam(params);
  if (!month.ok()) return month.status();
  const std::string code = Get(params, "code"), device = Get(params, "device");
  auto c = CoverageOf(o, code, MonthPeriod(*month));
  if (!c.ok()) return c.status();
  std::string name = device;
  for (const auto& w : c->visits().by_worker())
    if (w.device_id() == device) name = w.worker();
  auto range = core::MonthRange(*month);
  std::string rows;
  int visits = 0;
  if (!o.has_replica()) {
    return absl::StrCat("<h1>", HtmlEscape(name), " · ", HtmlEscape(OrgName(o, code)), " ", *month,
                        "</h1><p>本月走访 ", HouseholdsOf(*c, device),
                        " 户。走访明细在镇综治中心的管理台查看 (县级账号不保存各户记录)。</p>");
  }
  // The phone's visits of the month, grid by grid of the unit (a replica
  // lists a grid's records without reading the others).
  std::set<std::string> worked;  // the grids it recorded visits in
  for (const auto& g : c->visits().by_grid()) {
    sdk::RecordFilter filter;
    filter.kind = gridsync::v1::RECORD_KIND_VISIT;
    filter.grid_code = g.grid_code();
    filter.include_voided = false;
    for (const std::string& id : o.client().List(filter)) {
      auto state = o.client().GetState(id);
      if (!state.ok() || state->header().created_by_device() != device) continue;
      auto rec = o.client().Get(id);
      if (!rec.ok()) continue;
      const auto& v = rec->visit();
      if (v.visited_at_ms() < range->first || v.visited_at_ms() >= range->second) continue;
      ++visits;
      worked.insert(g.grid_code());
      absl::StrAppend(&rows, "<tr><td>", RecordLink(id, DateTime(v.visited_at_ms())), "</td><td>",
                      HtmlEscape(v.household_id()), "</td><td>",
                      v.nobody_home() ? "无人在家" : "入户", "</td><td class=\"l\">",
                      HtmlEscape(v.opinions()), "</td></tr>");
    }
  }
  std::string h = absl::StrCat(
      "<h1>", HtmlEscape(name), " · ", HtmlEscape(OrgName(o, code)), " ", *month, "</h1>",
      MonthBar("worker", *month, absl::StrCat("code=", code, "&device=", device)), "<p>本月走访 ",
      HouseholdsOf(*c, device), " 户, 记录 ", visits, " 条</p>", FilterBox("visits"),
      "<table id=\"visits\" class=\"sortable\"><thead><tr><th>时间</th><th>户号</th>"
      "<th>结果</th><th>意见</th></tr></thead><tbody>",
      rows, "</tbody></table>");
  for (const std::string& grid : worked) {
    auto unvisited = UnvisitedTable(o, "unvisited-" + grid, grid, *month);
    if (!unvisited.ok()) return unvisited.status();
    absl::StrAppend(&h, "<h2>", HtmlEscape(OrgName(o, grid)), " 本月还没走访的户</h2>", *unvisited);
  }
  return h;
}

absl::StatusOr<std::string> RecordView(Office& o, const Params& params) {
  const std::string id = Get(params, "id");
  auto stub = gridsync::v1::SyncService::NewStub(o.channel());
  auto ctx = tools::CallContext(o.token(), std::chrono::seconds(30));
  gridsync::v1::ReadRecordRequest req;
  req.set_record_id(id);
  gridsync::v1::ReadRecordResponse resp;
  if (auto st = FromGrpc(stub->ReadRecord(ctx.get(), req, &resp)); !st.ok()) return st;
  const gridsync::v1::Record* rec = &resp.record();
  std::string h =
      absl::StrCat("<h1>记录 ", HtmlEscape(id), "</h1><p class=\"sub\">", KindWord(rec->kind()),
                   " · 网格 ", HtmlEscape(rec->grid_code()), " · 登记人 ",
                   HtmlEscape(rec->created_by()), rec->has_void_mark() ? " · 已作废" : "", "</p>");
  h += "<table class=\"fields\">";
  const auto* body_field = rec->GetReflection()->GetOneofFieldDescriptor(
      *rec, rec->GetDescriptor()->FindOneofByName("body"));
  if (body_field != nullptr)
    AppendFields(id, rec->GetReflection()->GetMessage(*rec, body_field), &h);
  h += "</table>";
  if (rec->status_history_size() > 0) {
    absl::StrAppend(&h,
                    "<h2>办理经过</h2><table><thead><tr><th>轮次</th><th>阶段</th><th>时间</th>"
                    "</tr></thead><tbody>");
    for (const auto& s : rec->status_history()) {
      absl::StrAppend(&h, "<tr><td>", s.epoch(), "</td><td>", tools::CaseStatusWord(s.stage()),
                      "</td><td>", DateTime(s.at_ms()), "</td></tr>");
    }
    absl::StrAppend(&h, "</tbody></table><p>现由 ", tools::CaseLevelWord(rec->case_level()),
                    " 办理</p>");
  }
  if (rec->conflicts_size() > 0) {
    h += "<h2>冲突 (手机上同时改过)</h2><ul>";
    for (const auto& c : rec->conflicts()) {
      absl::StrAppend(&h, "<li><b>", HtmlEscape(c.field()), "</b>: ");
      for (int i = 0; i < c.siblings_size(); ++i)
        absl::StrAppend(&h, i ? " / " : "", HtmlEscape(SiblingText(c.siblings(i))));
      h += "</li>";
    }
    h += "</ul>";
  }
  return h + HistoryTable(resp.state());
}

absl::StatusOr<std::string> QueueView(Office& o, const Params&) {
  const CaseLevel level = core::LevelOfCode(o.account().scope) == gridsync::v1::ORG_LEVEL_COUNTY
                              ? gridsync::v1::CASE_LEVEL_COUNTY
                              : gridsync::v1::CASE_LEVEL_TOWN;
  auto cases = OpenCases(o, o.account().scope, level, 0);
  if (!cases.ok()) return cases.status();
  const bool acts = o.account().role == gridsync::v1::ROLE_TOWN_OFFICE;
  return absl::StrCat("<h1>上交受理: ", level == gridsync::v1::CASE_LEVEL_TOWN ? "镇" : "县",
                      "里在办的纠纷</h1><p class=\"sub\">超期的在前; 化解后待回访的标出</p>",
                      CaseTable("queue", *cases, nullptr, acts, level));
}

absl::StatusOr<std::string> ProposalsView(Office& o, const Params&) {
  if (!o.has_replica()) {
    return std::string(
        "<h1>登记变更申请</h1><p>县级账号只能查看: "
        "网格员报来的户籍和人员变更由村书记和镇综治中心审批。</p>");
  }
  auto list = o.client().ListProposals(o.account().scope, false, 0, kListRows);
  if (!list.ok()) return list.status();
  std::string h = absl::StrCat(
      "<h1>登记变更申请</h1><p class=\"sub\">待审 ", list->pending(), " 件, 共 ", list->total(),
      " 件; 批准后户籍和人员名单随之改变, 各手机下次同步时收到</p>", FilterBox("proposals"),
      "<table id=\"proposals\" class=\"sortable\"><thead><tr><th>申请</th><th>户</th><th>内容</th>"
      "<th>理由</th><th>申请人</th><th>时间</th><th>结果</th></tr></thead><tbody>");
  for (const auto& p : list->proposals()) {
    const auto& q = p.proposal();
    std::string what =
        absl::StrCat(q.address(), " ", q.head_name(), " ", q.name(), " ", q.guardian(),
                     q.contact_lost() ? " 失联" : "", q.moved_away() ? " 迁走" : "");
    std::string result;
    if (q.decision() == gridsync::core::kProposalPending && !p.voided()) {
      result = absl::StrCat("<input class=\"note\" data-for=\"", HtmlEscape(p.record_id()),
                            "\" placeholder=\"意见\"><button data-act=\"decide\" data-id=\"",
                            HtmlEscape(p.record_id()),
                            "\" data-approve=\"1\">批准</button>"
                            "<button data-act=\"decide\" data-id=\"",
                            HtmlEscape(p.record_id()), "\" data-approve=\"0\">驳回</button>");
    } else {
      result = absl::StrCat(p.voided()                                                 ? "已撤销"
                            : q.decision() == gridsync::v1::PROPOSAL_DECISION_APPROVED ? "已批准"
                                                                                       : "已驳回",
                            " ", HtmlEscape(p.decided_by()), " ", HtmlEscape(q.decision_note()));
    }
    absl::StrAppend(
        &h, "<tr data-id=\"", HtmlEscape(p.record_id()), "\"><td>",
        RecordLink(p.record_id(), gridsync::v1::ProposalAction_Name(q.action()).substr(16)),
        "</td><td>", HtmlEscape(q.household_id()), "</td><td class=\"l\">", HtmlEscape(what),
        "</td><td class=\"l\">", HtmlEscape(q.reason()), "</td><td>", HtmlEscape(p.proposed_by()),
        "</td><td>", DateTime(p.proposed_at_ms()), "</td><td class=\"acts\">", result,
        "</td></tr>");
  }
  return h + "</tbody></table>";
}

// 排查整治台账: the scope's trouble spots from the office's replica, those not
// rectified first (past their deadline first, then oldest), then the
// rectified, latest first. The county's login keeps no replica: it reads
// the figures.
std::string SpotRegister(Office& o) {
  if (!o.has_replica()) return "<p class=\"sub\">县级账号不保存各村台账: 见总览的排查整治率。</p>";
  struct Row {
    std::string id, grid;
    gridsync::v1::TroubleSpot spot;
    core::TroubleSpotMark mark;
  };
  std::vector<Row> rows;
  sdk::RecordFilter filter;
  filter.kind = gridsync::v1::RECORD_KIND_TROUBLE_SPOT;
  filter.include_voided = false;
  const int64_t now = core::SystemWallMs();
  for (const std::string& id : o.client().List(filter)) {
    auto state = o.client().GetState(id);
    if (!state.ok()) continue;
    auto mark = core::MarksOf(*state).trouble_spot;
    if (mark) rows.push_back({id, mark->grid_code, core::BuildView(*state).trouble_spot(), *mark});
  }
  auto late = [now](const Row& r) {
    return r.mark.rectified_at_ms == 0 && r.mark.deadline_ms > 0 && r.mark.deadline_ms < now;
  };
  auto rank = [&](const Row& r) {
    const bool open = r.mark.rectified_at_ms == 0;
    return std::make_tuple(!open, !late(r), open ? r.mark.found_at_ms : -r.mark.rectified_at_ms);
  };
  std::sort(rows.begin(), rows.end(),
            [&](const Row& a, const Row& b) { return rank(a) < rank(b); });
  std::string h = absl::StrCat(FilterBox("spots"),
                               "<table id=\"spots\" class=\"sortable\"><thead><tr><th>地点</th>"
                               "<th>问题</th><th>网格</th><th>发现</th><th>状态</th><th>时限</th>"
                               "<th>整治措施</th></tr></thead><tbody>");
  for (const Row& r : rows) {
    const bool open = r.mark.rectified_at_ms == 0;
    absl::StrAppend(
        &h, "<tr", late(r) ? " class=\"late\"" : "", "><td class=\"l\">",
        RecordLink(r.id, r.spot.place().empty() ? r.id : r.spot.place()), "</td><td class=\"l\">",
        HtmlEscape(r.spot.problem()), "</td><td>", HtmlEscape(OrgName(o, r.grid)), "</td><td>",
        Date(r.mark.found_at_ms), "</td><td>",
        open
            ? (r.spot.state() == gridsync::v1::RECTIFICATION_STATE_RECTIFYING ? "整治中" : "待整治")
            : absl::StrCat("已整治 ", Date(r.mark.rectified_at_ms)),
        "</td><td>", r.mark.deadline_ms > 0 ? Date(r.mark.deadline_ms) : "—",
        late(r) ? " 超期" : "", "</td><td>", r.spot.steps_size(), " 项</td></tr>");
  }
  return absl::StrCat(h, "</tbody></table><p class=\"sub\">共 ", rows.size(), " 处</p>");
}

absl::StatusOr<std::string> OverdueView(Office& o, const Params& params) {
  auto month = MonthParam(params);
  if (!month.ok()) return month.status();
  const std::string& scope = o.account().scope;
  auto supervised =
      OverdueTable(o, "overdue", scope, *month, gridsync::v1::PERSON_GROUP_SUPERVISED);
  auto care = OverdueTable(o, "care", scope, *month, gridsync::v1::PERSON_GROUP_CARE);
  auto cases = OpenCases(o, scope, gridsync::v1::CASE_LEVEL_UNSPECIFIED, 0);
  if (!supervised.ok() || !care.ok() || !cases.ok()) {
    return !supervised.ok() ? supervised.status() : !care.ok() ? care.status() : cases.status();
  }
  gridsync::v1::ListOpenCasesResponse late, backlog;
  for (int i = 0; i < cases->cases_size(); ++i) {
    const bool past = i < cases->past_deadline_size() && cases->past_deadline(i);
    const bool old = i < cases->backlog_size() && cases->backlog(i);
    for (auto* list : {past ? &late : nullptr, old ? &backlog : nullptr}) {
      if (list == nullptr) continue;
      *list->add_cases() = cases->cases(i);
      list->add_past_deadline(past);
      list->add_backlog(old);
    }
  }
  late.set_total(late.cases_size());
  backlog.set_total(backlog.cases_size());
  return absl::StrCat(
      "<h1>逾期督办</h1><h2>超期未结的纠纷</h2>",
      CaseTable("late", late, nullptr, false, gridsync::v1::CASE_LEVEL_UNSPECIFIED),
      "<h2>积案 (在办超过县定天数)</h2>",
      CaseTable("backlog", backlog, nullptr, false, gridsync::v1::CASE_LEVEL_UNSPECIFIED),
      "<h2>排查整治台账 (治安混乱地区和突出治安问题)</h2>", SpotRegister(o),
      "<h2>到期和逾期的重点人员 (管控)</h2>", *supervised, "<h2>到期和逾期的关爱对象</h2>", *care);
}

namespace {

absl::StatusOr<std::vector<gridsync::v1::OrgUnit>> UnitsUnder(Office& o, const std::string& code,
                                                              gridsync::v1::OrgLevel level) {
  gridsync::v1::ListScopeUnitsRequest req;
  req.set_scope_code(code);
  req.set_level(level);
  auto resp = Ask<gridsync::v1::ListScopeUnitsRequest, gridsync::v1::ListScopeUnitsResponse>(
      o, &gridsync::v1::CoverageService::Stub::ListScopeUnits, req);
  if (!resp.ok()) return resp.status();
  std::vector<gridsync::v1::OrgUnit> out(resp->org_units().begin(), resp->org_units().end());
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.code() < b.code(); });
  return out;
}

// The form a town office gives a task with: to a village of the town.
absl::StatusOr<std::string> GiveTaskForm(Office& o) {
  auto villages = UnitsUnder(o, o.account().scope, gridsync::v1::ORG_LEVEL_VILLAGE);
  if (!villages.ok()) return villages.status();
  std::string h =
      "<form class=\"give\" data-act=\"task\"><label>村 <select name=\"village\" required>";
  for (const auto& v : *villages) {
    absl::StrAppend(&h, "<option value=\"", HtmlEscape(v.code()), "\">", HtmlEscape(v.name()),
                    "</option>");
  }
  h += "</select></label><label>任务 <input name=\"title\" required maxlength=\"200\"></label>"
       "<label>类别 <select name=\"category\">";
  for (int c = gridsync::v1::TASK_CATEGORY_HAZARD; c <= gridsync::v1::TASK_CATEGORY_OTHER; ++c) {
    absl::StrAppend(&h, "<option value=\"", c, "\">",
                    tools::TaskCategoryName(static_cast<gridsync::v1::TaskCategory>(c)),
                    "</option>");
  }
  return h +
         "</select></label><label>期限 <input name=\"deadline\" type=\"date\" required></label>"
         "<label>说明 <input name=\"description\" maxlength=\"4000\"></label>"
         "<button type=\"submit\">下达</button></form>";
}

// The acts on a task the office may take now: on a report of it done.
std::string TaskButtons(const gridsync::v1::TaskItem& t) {
  if (t.state() != gridsync::v1::TASK_STATE_DONE) return "";
  const std::string id = HtmlEscape(t.record_id());
  return absl::StrCat("<input class=\"note\" data-for=\"", id,
                      "\" placeholder=\"意见\"><button data-act=\"task-step\" data-id=\"", id,
                      "\" data-step=\"confirm\">确认办结</button><button data-act=\"task-step\" "
                      "data-id=\"",
                      id, "\" data-step=\"send-back\">退回重办</button>");
}

}  // namespace

absl::StatusOr<std::string> TasksView(Office& o, const Params&) {
  gridsync::v1::ListTasksRequest req;
  req.set_scope_code(o.account().scope);
  req.set_page_size(kListRows);
  auto list = Ask<gridsync::v1::ListTasksRequest, gridsync::v1::ListTasksResponse>(
      o, &gridsync::v1::CoverageService::Stub::ListTasks, req);
  if (!list.ok()) return list.status();
  const bool acts = o.account().role == gridsync::v1::ROLE_TOWN_OFFICE;
  std::string h =
      absl::StrCat("<h1>督办任务</h1><p class=\"sub\">未办结 ", list->open(), " 件, 超期 ",
                   list->overdue(), " 件; 超期的在前, 村里报结后由镇里确认办结或退回重办</p>");
  if (acts) {
    auto form = GiveTaskForm(o);
    if (!form.ok()) return form.status();
    h += *form;
  }
  absl::StrAppend(
      &h, FilterBox("tasks"),
      "<table id=\"tasks\" class=\"sortable\"><thead><tr><th>任务</th><th>类别</th>"
      "<th>村</th><th>状态</th><th>下达</th><th>期限</th><th>退回</th><th>最近说明</th>",
      acts ? "<th>办理</th>" : "", "</tr></thead><tbody>");
  for (const auto& t : list->tasks()) {
    absl::StrAppend(
        &h, "<tr data-id=\"", HtmlEscape(t.record_id()), "\"", t.overdue() ? " class=\"late\"" : "",
        "><td class=\"l\">", RecordLink(t.record_id(), t.title()), "</td><td>",
        tools::TaskCategoryName(t.category()), "</td><td>",
        HtmlEscape(OrgName(o, t.grid_code().substr(0, core::kVillageCodeLen))), "</td><td>",
        tools::TaskStateName(t.state()), "</td><td>", Date(t.assigned_at_ms()), "</td><td>",
        Date(t.deadline_ms()), t.overdue() ? absl::StrCat(" 超期 ", t.days_overdue(), " 天") : "",
        "</td><td>", t.returned(), "</td><td class=\"l\">", HtmlEscape(t.last_note()), "</td>",
        acts ? absl::StrCat("<td class=\"acts\">", TaskButtons(t), "</td>") : "", "</tr>");
  }
  absl::StrAppend(
      &h, "</tbody></table><p class=\"sub\">共 ", list->total(), " 件",
      list->total() > list->tasks_size() ? absl::StrCat(", 显示前 ", list->tasks_size()) : "",
      "</p>");
  return h;
}

namespace {

const char* SaidWord(gridsync::v1::VisitConfirmation c) {
  switch (c) {
    case gridsync::v1::VISIT_CONFIRMATION_CONFIRMED:
      return "属实";
    case gridsync::v1::VISIT_CONFIRMATION_NOT_MADE:
      return "未入户";
    case gridsync::v1::VISIT_CONFIRMATION_UNSURE:
      return "记不清";
    default:
      return "待核实";
  }
}

// What the office records of a sampled visit: the household's answer.
std::string VerifyButtons(const std::string& visit_id) {
  const std::string id = HtmlEscape(visit_id);
  std::string h =
      absl::StrCat("<input class=\"note\" data-for=\"", id, "\" placeholder=\"住户怎么说\">");
  for (const auto& [said, word] :
       {std::pair{"confirmed", "属实"}, std::pair{"not-made", "未入户"},
        std::pair{"unsure", "记不清"}, std::pair{"unreached", "未接通"}}) {
    absl::StrAppend(&h, "<button data-act=\"verify\" data-id=\"", id, "\" data-said=\"", said,
                    "\">", word, "</button>");
  }
  return h;
}

}  // namespace

absl::StatusOr<std::string> VerifyView(Office& o, const Params& params) {
  auto month = MonthParam(params);
  if (!month.ok()) return month.status();
  auto villages = UnitsUnder(o, o.account().scope, gridsync::v1::ORG_LEVEL_VILLAGE);
  if (!villages.ok()) return villages.status();
  std::string village = Get(params, "village");
  if (village.empty() && !villages->empty()) village = villages->front().code();
  std::string h = absl::StrCat(
      "<h1>核查抽样 (复查 / 电话抽查)</h1><p class=\"sub\">每村每月按规则抽取已走访户 "
      "(SHA-256 排序, 谁来抽都一样), 由镇里电话或上门核实; 核实为未入户的走访不计入户率</p>",
      MonthBar("verify", *month, absl::StrCat("village=", village)), "<p class=\"villages\">");
  for (const auto& v : *villages) {
    absl::StrAppend(&h, "<a href=\"#/verify?village=", HtmlEscape(v.code()), "&month=", *month,
                    "\"", v.code() == village ? " class=\"on\"" : "", ">", HtmlEscape(v.name()),
                    "</a> ");
  }
  h += "</p>";
  if (village.empty()) return h;
  gridsync::v1::DrawVerificationSampleRequest req;
  req.set_village_code(village);
  req.set_month(*month);
  auto sample = Ask<gridsync::v1::DrawVerificationSampleRequest,
                    gridsync::v1::DrawVerificationSampleResponse>(
      o, &gridsync::v1::CoverageService::Stub::DrawVerificationSample, req);
  if (!sample.ok()) return sample.status();
  const bool acts = o.account().role == gridsync::v1::ROLE_TOWN_OFFICE;
  absl::StrAppend(&h, "<h2>", HtmlEscape(OrgName(o, village)), " ", *month, ": 已走访 ",
                  sample->households_visited(), " 户, 抽取 ", sample->visits_size(),
                  " 户</h2><table id=\"sample\" class=\"sortable\"><thead><tr><th>户</th>"
                  "<th>户主</th><th>地址</th><th>网格员</th><th>走访</th><th>核实结果</th>",
                  acts ? "<th>记录</th>" : "", "</tr></thead><tbody>");
  for (const auto& v : sample->visits()) {
    absl::StrAppend(
        &h, "<tr data-id=\"", HtmlEscape(v.visit_record_id()), "\"",
        v.confirmation() == gridsync::v1::VISIT_CONFIRMATION_NOT_MADE ? " class=\"late\"" : "",
        "><td>", HtmlEscape(v.household_id()), "</td><td>", HtmlEscape(v.head_name()),
        "</td><td class=\"l\">", HtmlEscape(v.address()), "</td><td>", HtmlEscape(v.worker()),
        "</td><td>", RecordLink(v.visit_record_id(), Date(v.visited_at_ms())), "</td><td>",
        SaidWord(v.confirmation()), "</td>",
        acts ? absl::StrCat("<td class=\"acts\">", VerifyButtons(v.visit_record_id()), "</td>")
             : "",
        "</tr>");
  }
  return h + "</tbody></table>";
}

namespace {

// A task as the office's form gives it: to the village's first grid.
absl::StatusOr<std::string> GiveTask(Office& o, const Params& params) {
  const std::string village = Get(params, "village");
  if (core::LevelOfCode(village) != gridsync::v1::ORG_LEVEL_VILLAGE) {
    return absl::InvalidArgumentError("village: 请选择村");
  }
  absl::CivilDay day;
  if (!absl::ParseCivilTime(Get(params, "deadline"), &day)) {
    return absl::InvalidArgumentError("deadline: 请填写期限 (年-月-日)");
  }
  int category = 0;
  if (!absl::SimpleAtoi(Get(params, "category"), &category) ||
      !gridsync::v1::TaskCategory_IsValid(category)) {
    return absl::InvalidArgumentError("category: 请选择类别");
  }
  auto grids = UnitsUnder(o, village, gridsync::v1::ORG_LEVEL_GRID);
  if (!grids.ok()) return grids.status();
  if (grids->empty()) return absl::FailedPreconditionError("这个村还没有网格");
  gridsync::v1::Task t;
  t.set_title(Get(params, "title"));
  t.set_description(Get(params, "description"));
  t.set_category(static_cast<gridsync::v1::TaskCategory>(category));
  t.set_whole_village(true);
  t.set_deadline_ms(core::DayEndMs(day - absl::CivilDay(1970, 1, 1)));
  auto st = o.Act([&](sdk::Client& c) { return c.GiveTask(grids->front().code(), t).status(); });
  if (!st.ok()) return st;
  return absl::StrCat("已向", o.UnitName(village), "下达: ", t.title());
}

}  // namespace

absl::StatusOr<std::string> Act(Office& o, const Params& params) {
  const std::string what = Get(params, "what"), id = Get(params, "id");
  if (what == "decide") {
    const bool approve = Get(params, "approve") == "1";
    auto st = o.Act([&](sdk::Client& c) { return c.Decide(id, approve, Get(params, "note")); });
    if (!st.ok()) return st;
    return std::string(approve ? "已批准" : "已驳回");
  }
  if (what == "case") {
    gridsync::v1::CaseStatus status;
    const std::string s = Get(params, "status");
    if (s != "ACCEPTED" && s != "MEDIATING" && s != "RESOLVED" && s != "ESCALATED" && s != "CLOSED")
      return absl::InvalidArgumentError(
          "status: ACCEPTED, MEDIATING, RESOLVED, ESCALATED 或 CLOSED");
    gridsync::v1::CaseStatus_Parse("CASE_STATUS_" + s, &status);
    auto st = o.Act([&](sdk::Client& c) { return c.SetStatus(id, status); });
    if (!st.ok()) return st;
    return absl::StrCat("已改为 ", tools::CaseStatusWord(status));
  }
  if (what == "task") return GiveTask(o, params);
  if (what == "verify") {
    const std::string said = Get(params, "said");
    gridsync::v1::VisitVerification v;
    v.set_method(gridsync::v1::VERIFICATION_METHOD_PHONE);
    v.set_reached(said != "unreached");
    if (said == "confirmed") {
      v.set_confirmation(gridsync::v1::VISIT_CONFIRMATION_CONFIRMED);
    } else if (said == "not-made") {
      v.set_confirmation(gridsync::v1::VISIT_CONFIRMATION_NOT_MADE);
    } else if (said == "unsure") {
      v.set_confirmation(gridsync::v1::VISIT_CONFIRMATION_UNSURE);
    } else if (said != "unreached") {
      return absl::InvalidArgumentError("said: confirmed, not-made, unsure 或 unreached");
    }
    v.set_remark(Get(params, "note"));
    auto st = o.Act([&](sdk::Client& c) { return c.VerifyVisit(id, v); });
    if (!st.ok()) return st;
    return absl::StrCat("已记录: ", said == "unreached" ? "未接通" : SaidWord(v.confirmation()));
  }
  if (what == "task-step") {
    const std::string step = Get(params, "step");
    if (step != "confirm" && step != "send-back")
      return absl::InvalidArgumentError("step: confirm 或 send-back");
    const auto action =
        step == "confirm" ? gridsync::v1::TASK_ACTION_CONFIRM : gridsync::v1::TASK_ACTION_SEND_BACK;
    auto st = o.Act([&](sdk::Client& c) { return c.StepTask(id, action, Get(params, "note")); });
    if (!st.ok()) return st;
    return std::string(step == "confirm" ? "已确认办结" : "已退回重办");
  }
  return absl::InvalidArgumentError("what: decide, case, task, task-step 或 verify");
}

}  // namespace gridsync::web
