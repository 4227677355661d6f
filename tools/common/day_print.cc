#include "tools/common/day_print.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "core/coverage.h"
#include "core/proposal.h"
#include "core/registry.h"
#include "google/protobuf/util/json_util.h"

namespace gridsync::tools {
namespace {

// "2026-11-27 21:50" in China time; "-" for 0.
std::string When(int64_t ms) {
  if (ms <= 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixMillis(ms),
                          absl::FixedTimeZone(8 * 3600));
}

std::string Pct(double rate) { return absl::StrFormat("%.1f%%", 100 * rate); }

std::string NameOf(const std::map<std::string, std::string>& names, const std::string& code) {
  auto it = names.find(code);
  return it == names.end() ? "" : it->second;
}

}  // namespace

std::string Count(int64_t n, const char* one, const char* many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

std::string StableJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  o.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

std::string CoverageText(const gridsync::v1::GetCoverageResponse& c,
                         const std::map<std::string, std::string>& names) {
  std::string out = absl::StrFormat("%s %s · %s to %s (as of %s)\n", c.scope_code(),
                                    NameOf(names, c.scope_code()), When(c.from_ms()),
                                    When(c.to_ms()), When(c.as_of_ms()));
  const auto& v = c.visits();
  absl::StrAppendFormat(&out, "入户率 %s  %d of %d households visited\n", Pct(v.rate()),
                        v.visited(), v.households());
  for (const auto& g : v.by_grid()) {
    absl::StrAppendFormat(&out, "  %s %-12s %4d/%-4d %s\n", g.grid_code(),
                          NameOf(names, g.grid_code()), g.visited(), g.households(), Pct(g.rate()));
  }
  for (const auto& w : v.by_worker()) {
    absl::StrAppendFormat(&out, "  by %s: %d households\n", w.worker(), w.households_visited());
  }
  const auto& k = c.checks();
  absl::StrAppendFormat(&out,
                        "管控率 %s  %d persons: %d checked in interval, %d not yet due, %d overdue "
                        "(%d never checked), %d absent or out of contact\n",
                        Pct(k.rate()), k.persons(), k.checked_in_interval(), k.not_yet_due(),
                        k.overdue(), k.never_checked(), k.absent_or_out_of_contact());
  const auto& care = c.care();
  absl::StrAppendFormat(&out, "关爱率 %s  %d cared for (孤寡老人, 留守儿童, 残疾人): %d overdue\n",
                        Pct(care.rate()), care.persons(), care.overdue());
  const auto& cs = c.cases();
  absl::StrAppendFormat(&out,
                        "调处率 %s  %d cases registered: %d resolved, %d escalated, %d open\n"
                        "回访率 %s  %d of %d resolved followed up (both parties)\n"
                        "open now %d, past their deadline %d\n",
                        Pct(cs.mediation_rate()), cs.registered(), cs.resolved(), cs.escalated(),
                        cs.open(), Pct(cs.follow_up_rate()), cs.followed_up_both(), cs.resolved(),
                        cs.open_now(), cs.open_past_deadline());
  absl::StrAppendFormat(&out,
                        "积案化解率 %s  %d cases open past %d days (积案) in the period: %d "
                        "resolved, %d still open\n",
                        Pct(cs.backlog_clearance_rate()), cs.backlog(), cs.backlog_days(),
                        cs.backlog_cleared(), cs.backlog_open());
  if (c.has_received()) {
    const auto& k = c.received();
    absl::StrAppendFormat(&out,
                          "上交受理 %d cases escalated to this office: %d resolved here, %d "
                          "escalated further; open now %d, past their deadline %d\n",
                          k.registered(), k.resolved(), k.escalated(), k.open_now(),
                          k.open_past_deadline());
  }
  absl::StrAppendFormat(&out,
                        "留痕  %d visits with photos, %d of %d cases with a signed agreement\n",
                        c.visits().with_photos(), cs.with_signed_agreement(), cs.registered());
  const auto& sc = c.screening();
  absl::StrAppendFormat(
      &out,
      "排查上报率 %s  %d of %d village-months reported their dispute screening "
      "(%d 零报告), %d disputes and %d hazards found; %d villages have not reported "
      "every month\n",
      Pct(sc.rate()), sc.reported(), sc.village_months(), sc.zero_reports(), sc.disputes_found(),
      sc.hazards_found(), sc.villages_not_reported());
  const auto& ts = c.trouble_spots();
  absl::StrAppendFormat(&out,
                        "排查整治率 %s  %d of %d trouble spots rectified, %d found in the period, "
                        "%d open (%d past their deadline)\n",
                        Pct(ts.rate()), ts.rectified(), ts.spots(), ts.found(), ts.open(),
                        ts.open_past_deadline());
  const auto& tk = c.tasks();
  absl::StrAppendFormat(&out,
                        "督办按期办结率 %s  %d of %d tasks due done on time (%d late), %d open "
                        "(%d overdue, %d awaiting confirmation), %d assigned in the period\n",
                        Pct(tk.rate()), tk.on_time(), tk.due(), tk.late(), tk.open(), tk.overdue(),
                        tk.awaiting_confirmation(), tk.assigned());
  const auto& vf = c.verification();
  absl::StrAppendFormat(&out,
                        "核实率 %s  %d of %d visits verified confirmed by the household, %d not "
                        "made, %d unsure; %d to sample (%d a village a month)\n",
                        Pct(vf.rate()), vf.confirmed(), vf.verified(), vf.not_made(), vf.unsure(),
                        vf.sampled(), vf.sample_per_village());
  const auto& cd = c.cadres();
  absl::StrAppendFormat(&out,
                        "干部参与率 %s  %d of %d cadres and party members visited their quota "
                        "(%d and %d households a month), %d households\n",
                        Pct(cd.rate()), cd.met(), cd.cadres(), cd.cadre_quota(),
                        cd.party_member_quota(), cd.households_visited());
  const auto& p = c.patrols();
  absl::StrAppendFormat(&out,
                        "巡逻率 %s  %d of %d village-weeks with %d+ night patrols, %d patrols; "
                        "%d of %d villages every week\n",
                        Pct(p.rate()), p.weeks_patrolled(), p.weeks(), p.per_week(), p.patrols(),
                        p.villages_every_week(), p.villages());
  const auto& q = c.surveys();
  absl::StrAppendFormat(&out,
                        "安全感率 %s  满意率 %s  %d respondents (%d households), %d refused, %d "
                        "nobody home\n",
                        Pct(q.safety_rate()), Pct(q.satisfaction_rate()), q.answered(),
                        q.households(), q.refused(), q.nobody_home());
  if (q.opinions_size() > 0) {
    out += "  raised most:";
    for (int i = 0; i < q.opinions_size() && i < 3; ++i) {
      absl::StrAppendFormat(
          &out, " %s %d",
          absl::AsciiStrToLower(gridsync::v1::OpinionTopic_Name(q.opinions(i).topic()).substr(14)),
          q.opinions(i).count());
    }
    out += "\n";
  }
  return out;
}

std::string HouseholdsText(const gridsync::v1::HouseholdList& l) {
  std::string out = absl::StrFormat("%d of %d households visited (%s to %s)\n", l.visited(),
                                    l.total(), When(l.from_ms()), When(l.to_ms()));
  for (const auto& d : l.households()) {
    const char* state = d.state() == gridsync::v1::VISIT_STATE_VISITED       ? "visited    "
                        : d.state() == gridsync::v1::VISIT_STATE_NOBODY_HOME ? "nobody home"
                                                                             : "not yet    ";
    absl::StrAppendFormat(&out, "%s  %s  %-8s %-20s %s\n", state, d.household().household_id(),
                          d.household().head_name(), d.household().address(),
                          When(d.last_visit_ms()));
  }
  return out;
}

std::string DueChecksText(const gridsync::v1::DueCheckList& l) {
  std::string out = absl::StrFormat("%s to check (as of %s)\n",
                                    Count(l.total(), "person", "persons"), When(l.as_of_ms()));
  for (const auto& p : l.persons()) {
    std::string why =
        p.last_absent()           ? "absent at the last check"
        : p.last_out_of_contact() ? "out of contact"
        : p.days_overdue() > 0
            ? absl::StrCat(p.days_overdue(), p.days_overdue() == 1 ? " day" : " days", " overdue")
        : p.never_checked() ? "never checked, not yet due"
                            : "due soon";
    if (p.never_checked() && p.days_overdue() > 0) absl::StrAppend(&why, ", never checked");
    absl::StrAppendFormat(&out, "%s  %-8s risk %s, every %d days, due %s: %s\n",
                          p.person().person_id(), p.person().name(),
                          core::RiskLevelName(p.person().category(), p.risk_level()),
                          p.interval_days(), When(p.due_at_ms()), why);
  }
  return out;
}

std::string CasesText(const gridsync::v1::CaseList& l) {
  std::string out = absl::StrFormat("%s, %s due\n", Count(l.open(), "open case", "open cases"),
                                    Count(l.follow_ups_due(), "follow-up", "follow-ups"));
  for (const auto& c : l.cases()) {
    const auto& s = c.summary();
    const std::string what =
        c.follow_up_due()     ? "follow-up due"
        : c.past_deadline()   ? absl::StrCat("past its deadline ", When(s.deadline_ms()))
        : s.deadline_ms() > 0 ? absl::StrCat("deadline ", When(s.deadline_ms()))
                              : "no deadline";
    absl::StrAppendFormat(&out, "%s  %s  %-14s %s; registered %s%s\n", s.record_id(),
                          gridsync::v1::CaseStatus_Name(s.status()).substr(12), s.title(), what,
                          When(s.registered_at_ms()), c.backlog() ? " (积案)" : "");
  }
  return out;
}

const char* TaskStateName(gridsync::v1::TaskState s) {
  switch (s) {
    case gridsync::v1::TASK_STATE_ACCEPTED:
      return "办理中";
    case gridsync::v1::TASK_STATE_DONE:
      return "待确认";
    case gridsync::v1::TASK_STATE_CONFIRMED:
      return "已办结";
    case gridsync::v1::TASK_STATE_RETURNED:
      return "退回重办";
    default:
      return "待签收";
  }
}

const char* TaskCategoryName(gridsync::v1::TaskCategory c) {
  switch (c) {
    case gridsync::v1::TASK_CATEGORY_HAZARD:
      return "隐患整改";
    case gridsync::v1::TASK_CATEGORY_REVISIT:
      return "入户复访";
    case gridsync::v1::TASK_CATEGORY_DISPUTE:
      return "纠纷跟进";
    case gridsync::v1::TASK_CATEGORY_PERSON:
      return "重点人员";
    default:
      return "其他";
  }
}

std::string TasksText(const gridsync::v1::ListTasksResponse& l) {
  std::string out = absl::StrFormat("%s, %d open, %d overdue\n", Count(l.total(), "task", "tasks"),
                                    l.open(), l.overdue());
  for (const auto& t : l.tasks()) {
    const std::string when = t.overdue() ? absl::StrCat("overdue ", t.days_overdue(),
                                                        " d, deadline ", When(t.deadline_ms()))
                                         : absl::StrCat("deadline ", When(t.deadline_ms()));
    absl::StrAppendFormat(&out, "%s  %s  %s %s  %s; from %s%s\n", t.record_id(),
                          TaskStateName(t.state()), TaskCategoryName(t.category()), t.title(), when,
                          t.issued_by(),
                          t.last_note().empty() ? "" : absl::StrCat("; ", t.last_note()));
  }
  return out;
}

std::string ProposalsText(const gridsync::v1::ProposalList& l) {
  std::string out =
      absl::StrFormat("%s, %d pending\n", Count(l.total(), "proposal", "proposals"), l.pending());
  for (const auto& item : l.proposals()) {
    const auto& p = item.proposal();
    const std::string subject = !p.person_id().empty()      ? p.person_id()
                                : !p.household_id().empty() ? p.household_id()
                                                            : item.grid_code();
    std::string what =
        absl::StrCat(gridsync::v1::ProposalAction_Name(p.action()).substr(16), " ", subject);
    for (const auto& s : {p.head_name(), p.address(), p.name(), p.guardian()}) {
      if (!s.empty()) absl::StrAppend(&what, " ", s);
    }
    const std::string state =
        p.decision() == gridsync::core::kProposalPending
            ? "pending"
            : absl::StrCat(p.decision() == gridsync::v1::PROPOSAL_DECISION_APPROVED ? "approved"
                                                                                    : "rejected",
                           " by ", item.decided_by(), " ", When(item.decided_at_ms()));
    absl::StrAppendFormat(&out, "%s  %-34s by %s %s: %s\n", item.record_id(), what,
                          item.proposed_by(), When(item.proposed_at_ms()), state);
  }
  return out;
}

}  // namespace gridsync::tools
