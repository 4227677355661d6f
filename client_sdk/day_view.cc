#include "client_sdk/day_view.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "core/case_level.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/merge.h"
#include "core/proposal.h"
#include "core/registry.h"
#include "core/safety_figures.h"
#include "core/task.h"

namespace gridsync::sdk {
namespace {

using gridsync::v1::CaseSummary;

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Calls fn(key, value) for the entries of a map keyed by org code or id
// that lie under `prefix`.
template <typename Map, typename Fn>
void ForEachUnder(const Map& m, const std::string& prefix, Fn fn) {
  for (auto it = m.lower_bound(prefix); it != m.end() && StartsWith(it->first, prefix); ++it) {
    fn(it->first, it->second);
  }
}

// The rows [offset, offset + limit) of `all` into `out`.
template <typename Row, typename Out>
void Page(const std::vector<Row>& all, int offset, int limit, Out* out) {
  const size_t from = static_cast<size_t>(std::max(offset, 0));
  const size_t to = std::min(all.size(), from + static_cast<size_t>(std::max(limit, 0)));
  for (size_t i = from; i < to; ++i) *out->Add() = all[i];
}

// Entries of a per-subject time index within [from, to).
template <typename V>
auto InRange(const std::map<std::pair<int64_t, std::string>, V>& m, int64_t from, int64_t to) {
  return std::pair{m.lower_bound({from, std::string()}), m.lower_bound({to, std::string()})};
}

// A proposal with its authors: the creator proposed, the decision's writer decided.
gridsync::v1::ProposalItem ProposalItemOf(const gridsync::v1::RecordState& s) {
  gridsync::v1::ProposalItem item;
  item.set_record_id(s.record_id());
  item.set_grid_code(s.header().grid_code());
  *item.mutable_proposal() = core::ProposalOf(s);
  item.set_proposed_by(s.header().created_by());
  item.set_proposed_at_ms(core::HlcWallMs(s.header().created_hlc()));
  item.set_voided(s.has_void_mark());
  const gridsync::v1::Sibling* w = core::DecisionWrite(s);
  if (w != nullptr && item.proposal().decision() != gridsync::core::kProposalPending) {
    item.set_decided_by(w->author());
    item.set_decided_at_ms(core::HlcWallMs(w->hlc()));
  }
  return item;
}

}  // namespace

void DayView::PutRegistry(const gridsync::v1::RegistryChange& c) {
  switch (c.item_case()) {
    case gridsync::v1::RegistryChange::kOrgUnit:
      units_[c.org_unit().code()] = c.org_unit();
      break;
    case gridsync::v1::RegistryChange::kHousehold:
      households_[c.household().household_id()] = c.household();
      break;
    case gridsync::v1::RegistryChange::kPerson:
      persons_[c.person().person_id()] = c.person();
      break;
    case gridsync::v1::RegistryChange::kCheckPolicy:
      policy_ = c.check_policy();
      break;
    case gridsync::v1::RegistryChange::kSurveyForm:
      forms_[c.survey_form().version()] = c.survey_form();
      break;
    case gridsync::v1::RegistryChange::kCadre:
      cadres_[c.cadre().device_id()] = c.cadre();
      break;
    default:
      break;
  }
}

void DayView::PutRecord(const std::string& record_id, const gridsync::v1::RecordState* view) {
  if (view != nullptr && view->header().kind() == gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL) {
    proposals_[record_id] = ProposalItemOf(*view);
    return;
  }
  proposals_.erase(record_id);
  Counted now;
  if (view != nullptr) {
    now.marks = core::MarksOf(*view);
    now.nobody_home = core::NobodyHomeOf(*view);
  }
  auto it = counted_.find(record_id);
  if (it != counted_.end()) {
    if (it->second.marks == now.marks && it->second.nobody_home == now.nobody_home) return;
    Index(record_id, it->second, -1);
  }
  Index(record_id, now, +1);
  if (now.marks.empty() && !now.nobody_home) {
    if (it != counted_.end()) counted_.erase(it);
  } else {
    counted_[record_id] = std::move(now);
  }
}

void DayView::Index(const std::string& id, const Counted& c, int delta) {
  auto put = [&](auto& index, const std::string& subject, int64_t at, auto value) {
    auto& m = index[subject];
    if (delta > 0) {
      m[{at, id}] = std::move(value);
    } else {
      m.erase({at, id});
      if (m.empty()) index.erase(subject);
    }
  };
  if (c.marks.visit) {
    put(visits_, c.marks.visit->household_id, c.marks.visit->at_ms, c.marks.visit->worker);
    if (c.marks.visit->photo && delta > 0) photo_visits_.insert(id);
    if (delta < 0) photo_visits_.erase(id);
  }
  if (c.nobody_home)
    put(attempts_, c.nobody_home->household_id, c.nobody_home->at_ms, c.nobody_home->worker);
  if (c.marks.check) put(checks_, c.marks.check->person_id, c.marks.check->at_ms, *c.marks.check);
  if (c.marks.dispute) {
    if (delta > 0) {
      cases_[id] = core::CaseSummaryOf(*c.marks.dispute, id);
    } else {
      cases_.erase(id);
    }
  }
  if (c.marks.patrol) {
    put(patrols_, c.marks.patrol->grid_code, c.marks.patrol->started_at_ms, c.marks.patrol->police);
  }
  if (c.marks.trouble_spot) {
    put(trouble_spots_, c.marks.trouble_spot->grid_code, c.marks.trouble_spot->found_at_ms,
        *c.marks.trouble_spot);
  }
  if (c.marks.verification) {
    put(verifications_, c.marks.verification->grid_code, c.marks.verification->visited_at_ms,
        *c.marks.verification);
  }
  if (c.marks.task) {
    if (delta > 0) {
      tasks_[id] = c.marks.task->item;
    } else {
      tasks_.erase(id);
    }
  }
  if (c.marks.screening) {
    put(screenings_, c.marks.screening->grid_code, c.marks.screening->month, *c.marks.screening);
  }
  if (c.marks.survey) {
    put(surveys_, c.marks.survey->household_id.substr(0, core::kGridCodeLen), c.marks.survey->at_ms,
        *c.marks.survey);
  }
}

std::vector<gridsync::v1::OrgUnit> DayView::Units() const {
  std::vector<gridsync::v1::OrgUnit> out;
  for (const auto& [code, u] : units_) out.push_back(u);
  return out;
}

const gridsync::v1::CheckPolicy& DayView::Policy() const {
  return policy_ ? *policy_ : default_policy_;
}

std::vector<core::PersonDue> DayView::Persons(const std::string& prefix, int64_t as_of_ms) const {
  std::vector<core::PersonDue> out;
  ForEachUnder(persons_, prefix,
               [&](const std::string& id, const gridsync::v1::SupervisedPerson& p) {
                 const core::CheckMark* last = nullptr;
                 if (auto c = checks_.find(id); c != checks_.end()) {
                   auto before = c->second.lower_bound({as_of_ms, std::string()});
                   if (before != c->second.begin()) last = &std::prev(before)->second;
                 }
                 out.push_back(core::EvaluatePerson(p, last, Policy(), as_of_ms));
               });
  return out;
}

gridsync::v1::HouseholdList DayView::Households(const std::string& scope_code, int64_t from_ms,
                                                int64_t to_ms, int offset, int limit) const {
  gridsync::v1::HouseholdList out;
  out.set_from_ms(from_ms);
  out.set_to_ms(to_ms);
  std::vector<gridsync::v1::HouseholdDay> rows;
  ForEachUnder(households_, core::ScopePrefix(scope_code),
               [&](const std::string& id, const gridsync::v1::Household& h) {
                 if (h.status() != gridsync::core::kHouseholdActive) return;  // moved out, empty
                 gridsync::v1::HouseholdDay day;
                 *day.mutable_household() = h;
                 day.set_state(gridsync::v1::VISIT_STATE_NOT_YET);
                 if (auto v = visits_.find(id); v != visits_.end()) {
                   auto [b, e] = InRange(v->second, from_ms, to_ms);
                   for (auto i = b; i != e; ++i) {
                     day.set_visits(day.visits() + 1);
                     day.set_last_visit_ms(i->first.first);
                   }
                 }
                 if (day.visits() > 0) {
                   day.set_state(gridsync::v1::VISIT_STATE_VISITED);
                 } else if (auto a = attempts_.find(id); a != attempts_.end()) {
                   auto [b, e] = InRange(a->second, from_ms, to_ms);
                   if (b != e) {
                     day.set_state(gridsync::v1::VISIT_STATE_NOBODY_HOME);
                     day.set_last_visit_ms(std::prev(e)->first.first);
                   }
                 }
                 rows.push_back(std::move(day));
               });
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.state() < b.state();  // not yet, nobody home, visited; by id within
  });
  out.set_total(static_cast<int64_t>(rows.size()));
  out.set_visited(std::count_if(rows.begin(), rows.end(), [](const auto& d) {
    return d.state() == gridsync::v1::VISIT_STATE_VISITED;
  }));
  Page(rows, offset, limit, out.mutable_households());
  return out;
}

gridsync::v1::DueCheckList DayView::DueChecks(const std::string& scope_code, int64_t now_ms,
                                              int within_days, int offset, int limit) const {
  gridsync::v1::DueCheckList out;
  out.set_as_of_ms(now_ms);
  std::vector<core::PersonDue> due;
  const int64_t horizon = now_ms + static_cast<int64_t>(std::max(within_days, 0)) * core::kDayMs;
  for (auto& p : Persons(core::ScopePrefix(scope_code), now_ms)) {
    if (p.NeedsAttention() || (p.under_policy && p.row.due_at_ms() <= horizon)) {
      due.push_back(std::move(p));
    }
  }
  std::sort(due.begin(), due.end(), core::OverdueFirst);
  out.set_total(static_cast<int64_t>(due.size()));
  std::vector<gridsync::v1::OverduePerson> rows;
  for (auto& d : due) rows.push_back(std::move(d.row));
  Page(rows, offset, limit, out.mutable_persons());
  return out;
}

gridsync::v1::CaseList DayView::Cases(const std::string& scope_code, int64_t now_ms, int offset,
                                      int limit) const {
  gridsync::v1::CaseList out;
  const std::string prefix = core::ScopePrefix(scope_code);
  std::vector<gridsync::v1::CaseItem> open, follow_ups;
  const int64_t backlog_age = core::BacklogAgeMs(Policy());
  for (const auto& [id, c] : cases_) {
    if (!StartsWith(c.grid_code(), prefix)) continue;
    gridsync::v1::CaseItem item;
    *item.mutable_summary() = c;
    // Its status at the level holding it (a case escalated to a town office
    // is open in its list).
    const auto status = core::CaseStatusAsOf(c, {now_ms, false});
    item.mutable_summary()->set_status(status);
    if (core::IsOpen(status)) {
      item.set_past_deadline(core::PastDeadline(c, now_ms));
      item.set_backlog(core::IsBacklog(c, core::CaseLevelAsOf(c, {now_ms, false}), {now_ms, false},
                                       backlog_age));
      open.push_back(std::move(item));
    } else if (core::IsResolved(status) && !c.followed_up_both()) {
      item.set_follow_up_due(true);
      follow_ups.push_back(std::move(item));
    }
  }
  // As the server's ListOpenCases: past their deadline first (longest
  // overdue first), then by registration.
  auto rank = [](const gridsync::v1::CaseItem& i) {
    const auto& s = i.summary();
    return std::make_tuple(!i.past_deadline(), i.past_deadline() ? s.deadline_ms() : 0,
                           s.registered_at_ms(), std::string_view(s.record_id()));
  };
  std::sort(open.begin(), open.end(),
            [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  std::sort(follow_ups.begin(), follow_ups.end(),
            [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  out.set_open(static_cast<int64_t>(open.size()));
  out.set_follow_ups_due(static_cast<int64_t>(follow_ups.size()));
  open.insert(open.end(), follow_ups.begin(), follow_ups.end());
  out.set_total(static_cast<int64_t>(open.size()));
  Page(open, offset, limit, out.mutable_cases());
  return out;
}

gridsync::v1::ListTasksResponse DayView::Tasks(const std::string& scope_code, int64_t now_ms,
                                               bool open_only, int offset, int limit) const {
  const std::string prefix = core::ScopePrefix(scope_code);
  std::vector<gridsync::v1::TaskItem> tasks;
  for (const auto& [id, t] : tasks_) {
    if (StartsWith(t.grid_code(), prefix)) tasks.push_back(t);
  }
  return core::TaskListOf(std::move(tasks), now_ms, open_only, offset, limit);
}

// The replica's entities, each offered to core's builder as the server's
// index offers its own (server/coverage_index.cc).
gridsync::v1::GetCoverageResponse DayView::GetCoverage(const std::string& scope_code,
                                                       const core::ResolvedPeriod& q) const {
  core::CoverageBuilder b(core::ScopePrefix(scope_code), q, Policy());
  AddVisits(q, &b);
  for (const auto& p : Persons(b.prefix(), q.as_of.ms)) b.AddPerson(p);
  for (const auto& [id, s] : cases_) {
    b.AddRegisteredCase(s);
    b.AddOpenCase(s);
    b.AddEscalatedCase(s);
    if (s.registered_at_ms() < b.aged_before()) b.AddAgedCase(s);
  }
  AddPatrols(&b);
  ForEachUnder(screenings_, b.prefix(),
               [&](const std::string&, const std::map<At, core::ScreeningMark>& m) {
                 for (const auto& [at, mark] : m) b.AddScreening(mark);
               });
  ForEachUnder(trouble_spots_, b.prefix(),
               [&](const std::string&, const std::map<At, core::TroubleSpotMark>& m) {
                 for (const auto& [at, mark] : m) b.AddTroubleSpot(mark);
               });
  for (const auto& [id, t] : tasks_) b.AddTask(t);
  for (const auto& [device, c] : cadres_) b.AddCadre(c);
  ForEachUnder(verifications_, b.prefix(),
               [&](const std::string&, const std::map<At, core::VerifyMark>& m) {
                 for (auto [i, e] = InRange(m, q.from_ms, q.to_ms); i != e; ++i)
                   b.AddVerification(i->second);
               });
  for (const auto& [version, f] : forms_) b.AddForm(f);
  ForEachUnder(surveys_, b.prefix(),
               [&](const std::string&, const std::map<At, core::SurveyMark>& m) {
                 for (auto [i, e] = InRange(m, q.from_ms, q.to_ms); i != e; ++i)
                   b.AddSurvey(i->second);
               });
  auto c = std::move(b).Finish();
  c.set_scope_code(scope_code);
  return c;
}

// Every active household of the scope, those visited in the period, and the
// distinct households each worker visited.
void DayView::AddVisits(const core::ResolvedPeriod& q, core::CoverageBuilder* b) const {
  std::map<std::string, std::set<std::string>> by_worker;
  ForEachUnder(households_, b->prefix(),
               [&](const std::string& id, const gridsync::v1::Household& h) {
                 if (h.status() != gridsync::core::kHouseholdActive) return;  // out of the figures
                 b->AddHouseholds(h.grid_code(), 1);
                 auto v = visits_.find(id);
                 if (v == visits_.end()) return;
                 auto [first, end] = InRange(v->second, q.from_ms, q.to_ms);
                 if (first == end) return;
                 b->AddVisited(h.grid_code(), 1);
                 for (auto i = first; i != end; ++i) {
                   by_worker[i->second].insert(id);
                   if (photo_visits_.count(i->first.second)) b->AddPhotoVisits(1);
                 }
               });
  for (const auto& [w, hs] : by_worker) b->AddWorkerHouseholds(w, static_cast<int64_t>(hs.size()));
}

void DayView::AddPatrols(core::CoverageBuilder* b) const {
  ForEachUnder(units_, b->village_prefix(),
               [&](const std::string& code, const gridsync::v1::OrgUnit& u) {
                 if (u.level() == gridsync::v1::ORG_LEVEL_VILLAGE) b->AddVillage(code);
               });
  // Not a structured binding: clang before 16 cannot capture one in a lambda.
  const std::pair<int64_t, int64_t> span = b->patrol_span();
  const int64_t from = span.first, to = span.second;
  ForEachUnder(patrols_, b->prefix(), [&](const std::string& grid, const std::map<At, bool>& m) {
    for (auto [i, e] = InRange(m, from, to); i != e; ++i)
      b->AddPatrol(grid, {i->first.first, i->second});
  });
}

std::vector<gridsync::v1::SurveyForm> DayView::SurveyForms() const {
  std::vector<gridsync::v1::SurveyForm> out;
  for (const auto& [version, f] : forms_) out.push_back(f);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.published_at_ms() > b.published_at_ms();
  });
  return out;
}

gridsync::v1::ProposalList DayView::Proposals(const std::string& scope_code, bool pending_only,
                                              int offset, int limit) const {
  const std::string prefix = core::ScopePrefix(scope_code);
  std::vector<gridsync::v1::ProposalItem> rows;
  for (const auto& [id, p] : proposals_) {
    if (!StartsWith(p.grid_code(), prefix) || p.voided()) continue;
    const bool pending = p.proposal().decision() == gridsync::core::kProposalPending;
    if (pending_only && !pending) continue;
    rows.push_back(p);
  }
  auto rank = [](const gridsync::v1::ProposalItem& p) {
    const bool pending = p.proposal().decision() == gridsync::core::kProposalPending;
    return std::make_tuple(!pending, pending ? p.proposed_at_ms() : -p.decided_at_ms(),
                           std::string_view(p.record_id()));
  };
  std::sort(rows.begin(), rows.end(),
            [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  gridsync::v1::ProposalList out;
  out.set_total(static_cast<int64_t>(rows.size()));
  out.set_pending(std::count_if(rows.begin(), rows.end(), [](const auto& p) {
    return p.proposal().decision() == gridsync::core::kProposalPending;
  }));
  Page(rows, offset, limit, out.mutable_proposals());
  return out;
}

}  // namespace gridsync::sdk
