#include "core/coverage.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "core/assessment.h"
#include "core/attachment.h"
#include "core/case_level.h"
#include "core/hlc.h"
#include "core/merge.h"
#include "core/record_limits.h"
#include "core/schema.h"
#include "core/task.h"
#include "core/verification.h"

namespace gridsync::core {
namespace {

using gridsync::v1::CaseStatus;
using gridsync::v1::FieldValue;
using gridsync::v1::RecordState;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The winning value of a register, nullptr if the field was never written.
const FieldValue* Value(const RecordState& s, std::string_view field) {
  for (const auto& r : s.registers()) {
    if (r.field() == field && r.siblings_size() > 0) return &Winner(r).value();
  }
  return nullptr;
}

// When the field's current value was written (its winner's stamp); 0 if
// never.
int64_t WrittenAtMs(const RecordState& s, std::string_view field) {
  for (const auto& r : s.registers()) {
    if (r.field() == field && r.siblings_size() > 0) return HlcWallMs(Winner(r).hlc());
  }
  return 0;
}

int64_t Int(const RecordState& s, std::string_view field, int64_t dflt = 0) {
  const FieldValue* v = Value(s, field);
  return v != nullptr && v->kind_case() == FieldValue::kIntValue ? v->int_value() : dflt;
}

bool Bool(const RecordState& s, std::string_view field) {
  const FieldValue* v = Value(s, field);
  return v != nullptr && v->kind_case() == FieldValue::kBoolValue && v->bool_value();
}

std::string Str(const RecordState& s, std::string_view field) {
  const FieldValue* v = Value(s, field);
  return v != nullptr && v->kind_case() == FieldValue::kStringValue ? v->string_value() : "";
}

const gridsync::v1::LogSet* Log(const RecordState& s, std::string_view log) {
  for (const auto& l : s.logs()) {
    if (l.log() == log) return &l;
  }
  return nullptr;
}

// Every party of the case followed up, and at least two of them (回访双方).
bool FollowedUpBoth(const RecordState& s) {
  std::set<std::string> parties, followed;
  if (const auto* l = Log(s, "parties")) {
    for (const auto& e : l->elements()) {
      gridsync::v1::Party p;
      if (p.ParseFromString(e.payload()) && !p.name().empty()) parties.insert(p.name());
    }
  }
  if (const auto* l = Log(s, "follow_ups")) {
    for (const auto& e : l->elements()) {
      gridsync::v1::FollowUp f;
      if (f.ParseFromString(e.payload()) && !f.party_name().empty())
        followed.insert(f.party_name());
    }
  }
  if (parties.empty()) return followed.size() >= 2;
  if (parties.size() < 2) return false;
  for (const auto& p : parties) {
    if (!followed.count(p)) return false;
  }
  return true;
}

// Whether a police officer was on the patrol.
bool WithPolice(const RecordState& s) {
  if (const auto* l = Log(s, "members")) {
    for (const auto& e : l->elements()) {
      gridsync::v1::PatrolMember m;
      if (m.ParseFromString(e.payload()) && m.role() == gridsync::v1::PATROL_ROLE_POLICE)
        return true;
    }
  }
  return false;
}

// FollowUp entries of a case, and those where the party was satisfied.
std::pair<int32_t, int32_t> FollowUpsOf(const RecordState& s) {
  std::pair<int32_t, int32_t> out{0, 0};
  if (const auto* l = Log(s, "follow_ups")) {
    for (const auto& e : l->elements()) {
      gridsync::v1::FollowUp f;
      if (!f.ParseFromString(e.payload())) continue;
      ++out.first;
      if (f.satisfied()) ++out.second;
    }
  }
  return out;
}

// The latest answer (by hlc) to each question that chose a choice.
std::vector<std::pair<std::string, int32_t>> ChoicesOf(const RecordState& s) {
  std::map<std::string, std::pair<uint64_t, int32_t>> latest;
  if (const auto* l = Log(s, "answers")) {
    for (const auto& e : l->elements()) {
      gridsync::v1::SurveyAnswer a;
      if (!a.ParseFromString(e.payload()) || a.question_id().empty()) continue;
      // No form asks more than kMaxFormQuestions: answers to more question
      // ids count for nothing, and are not kept in the index.
      if (latest.size() >= kMaxFormQuestions && !latest.count(a.question_id())) continue;
      auto& [hlc, choice] = latest[a.question_id()];
      if (e.hlc() >= hlc) hlc = e.hlc(), choice = a.choice();
    }
  }
  std::vector<std::pair<std::string, int32_t>> out;
  for (const auto& [id, v] : latest) {
    if (v.second > 0) out.emplace_back(id, v.second);
  }
  return out;
}

SurveyMark SurveyMarkOf(const RecordState& s, int64_t created_ms) {
  SurveyMark m;
  m.household_id = s.header().subject_id();
  m.at_ms = Int(s, "asked_at_ms", created_ms);
  // Values outside the enums (a newer phone's) count as not recorded.
  const int64_t outcome = Int(s, "outcome"), safety = Int(s, "safety"),
                satisfaction = Int(s, "satisfaction");
  if (gridsync::v1::SurveyOutcome_IsValid(static_cast<int>(outcome)))
    m.outcome = static_cast<gridsync::v1::SurveyOutcome>(outcome);
  if (gridsync::v1::SafetyAnswer_IsValid(static_cast<int>(safety)))
    m.safety = static_cast<gridsync::v1::SafetyAnswer>(safety);
  if (gridsync::v1::SatisfactionAnswer_IsValid(static_cast<int>(satisfaction)))
    m.satisfaction = static_cast<gridsync::v1::SatisfactionAnswer>(satisfaction);
  if (const auto* l = Log(s, "opinions")) {
    for (const auto& e : l->elements()) {
      gridsync::v1::SurveyOpinion o;
      if (o.ParseFromString(e.payload()) && gridsync::v1::OpinionTopic_IsValid(o.topic()))
        m.topics.push_back(o.topic());
    }
  }
  std::sort(m.topics.begin(), m.topics.end());
  m.form_version = Str(s, "form_version");
  m.choices = ChoicesOf(s);
  return m;
}

// How a trouble spot counts: rectified when its state says so.
TroubleSpotMark TroubleSpotOf(const RecordState& s, int64_t created_ms) {
  TroubleSpotMark m{s.header().grid_code(), Int(s, "found_at_ms", created_ms), 0,
                    Int(s, "deadline_ms")};
  if (Int(s, "state") == gridsync::v1::RECTIFICATION_STATE_RECTIFIED) {
    m.rectified_at_ms = Int(s, "rectified_at_ms", WrittenAtMs(s, "state"));
  }
  return m;
}

}  // namespace

int32_t DayOf(int64_t ms) { return static_cast<int32_t>(FloorDiv(ms + kChinaOffsetMs, kDayMs)); }

int32_t MonthOf(int64_t ms) {
  const absl::CivilDay d = absl::CivilDay(1970, 1, 1) + DayOf(ms);
  return static_cast<int32_t>(d.year() * 100 + d.month());
}

std::string MonthName(int32_t yyyymm) {
  return absl::StrFormat("%04d-%02d", yyyymm / 100, yyyymm % 100);
}

absl::StatusOr<std::pair<int64_t, int64_t>> MonthRange(std::string_view month) {
  const absl::string_view yyyy_mm(month.data(), month.size());  // Debian's absl has its own
  int y = 0, m = 0;
  if (yyyy_mm.size() != 7 || yyyy_mm[4] != '-' || !absl::SimpleAtoi(yyyy_mm.substr(0, 4), &y) ||
      !absl::SimpleAtoi(yyyy_mm.substr(5, 2), &m) || m < 1 || m > 12 || y < 2000 || y > 2099) {
    return absl::InvalidArgumentError(
        absl::StrCat("month '", yyyy_mm, "' is not YYYY-MM between 2000-01 and 2099-12"));
  }
  const absl::CivilDay first(y, m, 1), next = absl::CivilDay(absl::CivilMonth(y, m) + 1);
  const absl::CivilDay epoch(1970, 1, 1);
  return std::pair<int64_t, int64_t>{(first - epoch) * kDayMs - kChinaOffsetMs,
                                     (next - epoch) * kDayMs - kChinaOffsetMs};
}

// Device ids are made by the server (no control characters); the unit
// separator cannot start a name either way, so the first one splits.
constexpr char kWorkerSeparator = '\x1f';

std::string WorkerKey(std::string_view device_id, std::string_view holder) {
  std::string key(device_id);
  key += kWorkerSeparator;
  key.append(holder);
  return key;
}

void SetWorker(std::string_view key, gridsync::v1::WorkerVisits* row) {
  const size_t cut = key.find(kWorkerSeparator);
  if (cut == std::string_view::npos) {  // a key without a device
    row->set_worker(std::string(key));
    return;
  }
  row->set_device_id(std::string(key.substr(0, cut)));
  row->set_worker(std::string(key.substr(cut + 1)));
}

bool IsOpen(CaseStatus s) {
  return s == gridsync::v1::CASE_STATUS_REGISTERED || s == gridsync::v1::CASE_STATUS_ACCEPTED ||
         s == gridsync::v1::CASE_STATUS_MEDIATING;
}

bool IsResolved(CaseStatus s) {
  return s == gridsync::v1::CASE_STATUS_RESOLVED || s == gridsync::v1::CASE_STATUS_FOLLOWED_UP ||
         s == gridsync::v1::CASE_STATUS_CLOSED;
}

CoverageMarks MarksOf(const RecordState& s) {
  CoverageMarks out;
  if (s.has_void_mark()) return out;
  const auto& h = s.header();
  const int64_t created_ms = HlcWallMs(h.created_hlc());
  switch (h.kind()) {
    case gridsync::v1::RECORD_KIND_VISIT:
      if (!h.subject_id().empty() && !Bool(s, "nobody_home")) {
        VisitMark v{h.subject_id(), WorkerKey(h.created_by_device(), h.created_by()),
                    Int(s, "visited_at_ms", created_ms), !AttachmentsOf(s).empty()};
        const VisitVerdict verdict = VerdictOf(s);
        if (verdict.confirmation != gridsync::v1::VISIT_CONFIRMATION_UNSPECIFIED) {
          out.verification =
              VerifyMark{h.grid_code(), v.household_id, v.worker, v.at_ms, verdict.confirmation};
        }
        if (verdict.confirmation != gridsync::v1::VISIT_CONFIRMATION_NOT_MADE) out.visit = v;
      }
      break;
    case gridsync::v1::RECORD_KIND_SPECIAL_CHECK:
      if (!h.subject_id().empty()) {
        CheckMark c;
        c.person_id = h.subject_id();
        c.at_ms = Int(s, "checked_at_ms", created_ms);
        if (const FieldValue* v = Value(s, "risk_level"); v != nullptr) {
          c.risk_level = static_cast<int32_t>(v->int_value());
        }
        c.absent = Bool(s, "person_absent");
        c.out_of_contact = Bool(s, "out_of_contact");
        out.check = std::move(c);
      }
      break;
    case gridsync::v1::RECORD_KIND_DISPUTE_CASE: {
      CaseMark c;
      c.grid_code = h.grid_code();
      c.registered_at_ms = Int(s, "registered_at_ms", created_ms);
      // As the lattice shows it (ESCALATED for a case escalated before
      // levels existed): readers take each level's status from CaseAt.
      c.status = DisplayStatus(s.status());
      if (c.status == gridsync::v1::CASE_STATUS_UNSPECIFIED)
        c.status = gridsync::v1::CASE_STATUS_REGISTERED;
      c.deadline_ms = Int(s, "deadline_ms");
      c.followed_up_both = FollowedUpBoth(s);
      std::tie(c.follow_ups, c.follow_ups_satisfied) = FollowUpsOf(s);
      for (const auto& a : AttachmentsOf(s)) {
        c.signed_agreement |= a.purpose() == gridsync::v1::ATTACHMENT_PURPOSE_SIGNED_AGREEMENT;
      }
      c.title = Str(s, "title");
      c.urgent_major_hard = Bool(s, "urgent_major_hard");
      c.criminal_risk = Bool(s, "criminal_risk");
      c.holder = Str(s, "mediator");
      if (c.holder.empty()) c.holder = h.created_by();
      for (const auto& r : s.status().history())
        c.history.push_back({r.epoch(), r.stage(), r.at_ms()});
      out.dispute = std::move(c);
      break;
    }
    case gridsync::v1::RECORD_KIND_PATROL:
      out.patrol = PatrolMark{h.grid_code(), Int(s, "started_at_ms", created_ms), WithPolice(s)};
      break;
    case gridsync::v1::RECORD_KIND_SURVEY:
      if (!h.subject_id().empty()) out.survey = SurveyMarkOf(s, created_ms);
      break;
    case gridsync::v1::RECORD_KIND_TROUBLE_SPOT:
      out.trouble_spot = TroubleSpotOf(s, created_ms);
      break;
    case gridsync::v1::RECORD_KIND_TASK:
      out.task = TaskMark{TaskItemOf(s)};
      break;
    case gridsync::v1::RECORD_KIND_SCREENING_REPORT:
      out.screening = ScreeningMark{h.grid_code(), static_cast<int32_t>(Int(s, "month")),
                                    static_cast<int32_t>(Int(s, "disputes_found")),
                                    static_cast<int32_t>(Int(s, "hazards_found"))};
      break;
    default:
      break;
  }
  return out;
}

absl::StatusOr<ResolvedPeriod> ResolvePeriod(const gridsync::v1::Period& period, int64_t now_ms) {
  constexpr int64_t kMaxRangeMs = 5 * 366 * kDayMs;
  ResolvedPeriod q;
  if (period.month().empty() && period.from_ms() == 0 && period.to_ms() == 0) {
    auto r = MonthRange(MonthName(MonthOf(now_ms)));
    if (!r.ok()) return r.status();
    std::tie(q.from_ms, q.to_ms) = *r;
    q.month = MonthOf(now_ms);
  } else if (!period.month().empty()) {
    if (period.from_ms() != 0 || period.to_ms() != 0) {
      return absl::InvalidArgumentError("period: give month or from_ms/to_ms, not both");
    }
    auto r = MonthRange(period.month());
    if (!r.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("period.month: ", r.status().message()));
    }
    std::tie(q.from_ms, q.to_ms) = *r;
    q.month = MonthOf(q.from_ms);
  } else {
    if (period.from_ms() < kMinTimeMs || period.to_ms() <= period.from_ms() ||
        period.to_ms() - period.from_ms() > kMaxRangeMs) {
      return absl::InvalidArgumentError(
          "period: from_ms must be after 2000 and to_ms after it, at most five years later");
    }
    q.from_ms = period.from_ms();
    q.to_ms = period.to_ms();
    auto r = MonthRange(MonthName(MonthOf(q.from_ms)));
    if (r.ok() && r->first == q.from_ms && r->second == q.to_ms) q.month = MonthOf(q.from_ms);
  }
  q.as_of = {std::min(q.to_ms, now_ms), q.to_ms <= now_ms};
  q.now_ms = now_ms;
  return q;
}

std::optional<VisitMark> NobodyHomeOf(const RecordState& s) {
  const auto& h = s.header();
  if (s.has_void_mark() || h.kind() != gridsync::v1::RECORD_KIND_VISIT || h.subject_id().empty() ||
      !Bool(s, "nobody_home")) {
    return std::nullopt;
  }
  return VisitMark{h.subject_id(), WorkerKey(h.created_by_device(), h.created_by()),
                   Int(s, "visited_at_ms", HlcWallMs(h.created_hlc()))};
}

gridsync::v1::CaseSummary CaseSummaryOf(const CaseMark& c, const std::string& record_id) {
  gridsync::v1::CaseSummary s;
  s.set_record_id(record_id);
  s.set_grid_code(c.grid_code);
  s.set_title(c.title);
  s.set_status(c.status);
  s.set_registered_at_ms(c.registered_at_ms);
  s.set_deadline_ms(c.deadline_ms);
  s.set_followed_up_both(c.followed_up_both);
  s.set_signed_agreement(c.signed_agreement);
  s.set_urgent_major_hard(c.urgent_major_hard);
  s.set_criminal_risk(c.criminal_risk);
  s.set_holder(c.holder);
  s.set_follow_ups(c.follow_ups);
  s.set_follow_ups_satisfied(c.follow_ups_satisfied);
  for (const auto& h : c.history) {
    auto* r = s.add_history();
    r->set_epoch(h.epoch);
    r->set_stage(h.stage);
    r->set_at_ms(h.at_ms);
  }
  s.set_level(CaseLevelAt(s, INT64_MAX));
  return s;
}

namespace {
// The time a case's history is read at: everything reached while it runs.
int64_t AsOfMs(AsOf as_of) { return as_of.ended ? as_of.ms : INT64_MAX; }
}  // namespace

CaseStatus CaseStatusAsOf(const gridsync::v1::CaseSummary& c, AsOf as_of) {
  const int64_t t = AsOfMs(as_of);
  return CaseAt(c, CaseLevelAt(c, t), t).status;
}

gridsync::v1::CaseLevel CaseLevelAsOf(const gridsync::v1::CaseSummary& c, AsOf as_of) {
  return CaseLevelAt(c, AsOfMs(as_of));
}

bool EscalatedAsOf(const gridsync::v1::CaseSummary& c, AsOf as_of) {
  return CaseAt(c, gridsync::v1::CASE_LEVEL_VILLAGE, AsOfMs(as_of)).left;
}

void CountRegisteredCase(const gridsync::v1::CaseSummary& c, AsOf as_of,
                         gridsync::v1::CaseCoverage* out) {
  CountCaseAt(c, gridsync::v1::CASE_LEVEL_VILLAGE, as_of, out);
}

bool CountReceivedCase(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level,
                       int64_t from_ms, int64_t to_ms, AsOf as_of,
                       gridsync::v1::CaseCoverage* out) {
  const CaseAtLevel at = CaseAt(c, level, AsOfMs(as_of));
  if (!at.reached || at.entered_ms < from_ms || at.entered_ms >= to_ms) return false;
  CountCaseAt(c, level, as_of, out);
  return true;
}

void CountCaseAt(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level, AsOf as_of,
                 gridsync::v1::CaseCoverage* out) {
  const CaseAtLevel at = CaseAt(c, level, AsOfMs(as_of));
  const CaseStatus status = at.status;
  out->set_registered(out->registered() + 1);
  if (c.signed_agreement()) out->set_with_signed_agreement(out->with_signed_agreement() + 1);
  if (IsOpen(status) && at.held) out->set_open(out->open() + 1);
  if (status == gridsync::v1::CASE_STATUS_MEDIATING && at.held)
    out->set_mediating(out->mediating() + 1);
  if (at.left) out->set_escalated(out->escalated() + 1);
  if (IsResolved(status) && at.held) {
    out->set_resolved(out->resolved() + 1);
    // 回访率 is over the unit's own resolved cases only: an escalated case's
    // follow-ups belong to whoever took it over.
    if (c.followed_up_both()) out->set_followed_up_both(out->followed_up_both() + 1);
    out->set_follow_ups(out->follow_ups() + c.follow_ups());
    out->set_follow_ups_satisfied(out->follow_ups_satisfied() + c.follow_ups_satisfied());
  }
}

bool PastDeadline(const gridsync::v1::CaseSummary& c, int64_t as_of_ms) {
  return c.deadline_ms() > 0 && c.deadline_ms() < as_of_ms;
}

bool OpenAt(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level, AsOf as_of) {
  if (c.registered_at_ms() >= as_of.ms) return false;
  const CaseAtLevel at = CaseAt(c, level, AsOfMs(as_of));
  return at.Holds() && at.entered_ms < as_of.ms && IsOpen(at.status);
}

bool CountOpenCase(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level, AsOf as_of,
                   gridsync::v1::CaseCoverage* out) {
  if (!OpenAt(c, level, as_of)) return false;
  out->set_open_now(out->open_now() + 1);
  if (PastDeadline(c, as_of.ms)) out->set_open_past_deadline(out->open_past_deadline() + 1);
  return true;
}

LevelClosed ClosedAt(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level) {
  // Closed by what happened before `t` (so at t - 1).
  auto closed_before = [&](int64_t t) {
    const CaseAtLevel at = CaseAt(c, level, t);
    return LevelClosed{t - 1, at.Holds() && IsResolved(at.status)};
  };
  if (c.history().empty()) {
    if (OpenAt(c, level, AsOf{INT64_MAX, true})) return {};
    LevelClosed closed = closed_before(INT64_MAX);
    closed.at_ms = c.registered_at_ms();
    return closed;
  }
  std::vector<int64_t> times;
  for (const auto& h : c.history()) times.push_back(std::max(h.at_ms(), c.registered_at_ms()));
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  // The village holds every case open from its registration; a level above
  // from when it reached it.
  bool was_open = level == gridsync::v1::CASE_LEVEL_VILLAGE;
  for (int64_t t : times) {
    const bool open = OpenAt(c, level, AsOf{t + 1, true});
    if (was_open && !open) return closed_before(t + 1);
    was_open = open;
  }
  return {};
}

void CountTroubleSpot(const TroubleSpotMark& m, int64_t from_ms, int64_t to_ms, AsOf as_of,
                      gridsync::v1::TroubleSpotCoverage* out) {
  const bool rectified = m.rectified_at_ms > 0;
  if (m.found_at_ms >= as_of.ms || (rectified && m.rectified_at_ms < from_ms)) return;
  out->set_spots(out->spots() + 1);
  if (m.found_at_ms >= from_ms && m.found_at_ms < to_ms) out->set_found(out->found() + 1);
  if (rectified && m.rectified_at_ms < as_of.ms) {
    out->set_rectified(out->rectified() + 1);
    return;
  }
  out->set_open(out->open() + 1);
  if (m.deadline_ms > 0 && m.deadline_ms < as_of.ms)
    out->set_open_past_deadline(out->open_past_deadline() + 1);
}

int32_t CadreQuota(const gridsync::v1::CheckPolicy& policy, gridsync::v1::CadreKind kind) {
  if (kind == gridsync::v1::CADRE_KIND_PARTY_MEMBER) {
    return policy.party_member_quota() > 0 ? policy.party_member_quota() : 5;
  }
  return policy.cadre_quota() > 0 ? policy.cadre_quota() : 10;
}

int32_t BacklogDays(const gridsync::v1::CheckPolicy& policy) {
  return policy.backlog_days() > 0 ? policy.backlog_days() : 90;
}

int64_t BacklogAgeMs(const gridsync::v1::CheckPolicy& policy) {
  return BacklogDays(policy) * kDayMs;
}

bool IsBacklog(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level, AsOf as_of,
               int64_t age_ms) {
  return as_of.ms - c.registered_at_ms() > age_ms && OpenAt(c, level, as_of);
}

void CountBacklogCase(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level,
                      int64_t from_ms, AsOf as_of, int64_t age_ms,
                      gridsync::v1::CaseCoverage* out) {
  const CaseAtLevel now = CaseAt(c, level, AsOfMs(as_of));
  if (!now.reached) return;
  // The first moment of the period it could be the level's backlog case:
  // past the age by a millisecond (as IsBacklog's strict comparison has
  // it), and once the level had it.
  const int64_t first = std::max({from_ms, c.registered_at_ms() + age_ms + 1, now.entered_ms + 1});
  if (first > as_of.ms) return;
  // Open at as_of, it is on the open lists as 积案 (a case reopened since it
  // first closed included).
  const bool open = IsBacklog(c, level, as_of, age_ms);
  if (!open && !OpenAt(c, level, AsOf{first, true})) return;
  out->set_backlog(out->backlog() + 1);
  if (open) {
    out->set_backlog_open(out->backlog_open() + 1);
  } else if (now.Holds() && IsResolved(now.status)) {
    out->set_backlog_cleared(out->backlog_cleared() + 1);
  }
}

bool PersonDue::NeedsAttention() const {
  return under_policy &&
         (overdue || row.never_checked() || row.last_absent() || row.last_out_of_contact());
}

PersonDue EvaluatePerson(const gridsync::v1::SupervisedPerson& p, const CheckMark* last,
                         const gridsync::v1::CheckPolicy& policy, int64_t as_of_ms) {
  PersonDue d;
  d.under_policy = p.supervised_since_ms() < as_of_ms &&
                   (p.supervised_until_ms() == 0 || p.supervised_until_ms() >= as_of_ms);
  int32_t risk = p.risk_level();
  if (last != nullptr) {
    if (last->risk_level >= 0) risk = last->risk_level;
    d.row.set_last_checked_ms(last->at_ms);
    d.row.set_last_absent(last->absent);
    d.row.set_last_out_of_contact(last->out_of_contact);
  }
  d.row.set_never_checked(last == nullptr);
  const int32_t interval = RequiredIntervalDays(policy, p.category(), risk);
  d.row.set_interval_days(interval);
  d.row.set_risk_level(risk);
  *d.row.mutable_person() = p;
  // Due one interval after the last check or, never checked, after coming
  // under the policy; late to the millisecond, days counted up. A person
  // registered before the start of supervision was recorded (0) and never
  // checked has nothing to count from: overdue, by 0 days.
  const int64_t due_from = last != nullptr ? last->at_ms : p.supervised_since_ms();
  if (due_from == 0) {
    d.overdue = true;
    return d;
  }
  d.row.set_due_at_ms(due_from + static_cast<int64_t>(interval) * kDayMs);
  const int64_t late_ms = as_of_ms - d.row.due_at_ms();
  if (late_ms <= 0) {
    (last != nullptr ? d.in_interval : d.not_yet_due) = true;
  } else {
    d.overdue = true;
    d.row.set_days_overdue(static_cast<int32_t>((late_ms + kDayMs - 1) / kDayMs));
  }
  return d;
}

bool IsCareCategory(gridsync::v1::PersonCategory category) {
  return category == gridsync::v1::PERSON_CATEGORY_ELDERLY_ALONE ||
         category == gridsync::v1::PERSON_CATEGORY_LEFT_BEHIND_CHILD ||
         category == gridsync::v1::PERSON_CATEGORY_DISABLED;
}

bool InGroup(gridsync::v1::PersonCategory category, gridsync::v1::PersonGroup group) {
  switch (group) {
    case gridsync::v1::PERSON_GROUP_SUPERVISED:
      return !IsCareCategory(category);
    case gridsync::v1::PERSON_GROUP_CARE:
      return IsCareCategory(category);
    default:
      return true;
  }
}

void CountPerson(const PersonDue& d, gridsync::v1::GetCoverageResponse* c) {
  if (!d.under_policy) return;
  gridsync::v1::CheckCoverage* out =
      IsCareCategory(d.row.person().category()) ? c->mutable_care() : c->mutable_checks();
  out->set_persons(out->persons() + 1);
  if (d.in_interval) out->set_checked_in_interval(out->checked_in_interval() + 1);
  if (d.not_yet_due) out->set_not_yet_due(out->not_yet_due() + 1);
  if (d.overdue) out->set_overdue(out->overdue() + 1);
  if (d.row.never_checked()) out->set_never_checked(out->never_checked() + 1);
  if (d.row.last_absent() || d.row.last_out_of_contact()) {
    out->set_absent_or_out_of_contact(out->absent_or_out_of_contact() + 1);
  }
}

bool OverdueFirst(const PersonDue& a, const PersonDue& b) {
  auto rank = [](const PersonDue& d) {
    return std::make_tuple(!(d.row.last_absent() || d.row.last_out_of_contact()),
                           -d.row.days_overdue(), d.row.due_at_ms(),
                           std::string_view(d.row.person().person_id()));
  };
  return rank(a) < rank(b);
}

namespace {

// A unit's case rates, as FiguresOf defines them (for a level above, of
// the cases it received).
void SetCaseRates(gridsync::v1::CaseCoverage* cs) {
  gridsync::v1::GetCoverageResponse only;
  *only.mutable_cases() = *cs;
  const AssessmentFigures f = FiguresOf(only);
  cs->set_grassroots_rate(f.grassroots_rate.value_or(0));
  cs->set_mediation_rate(f.mediation_rate.value_or(0));
  cs->set_follow_up_satisfaction_rate(f.follow_up_satisfaction_rate.value_or(0));
  cs->set_follow_up_rate(f.follow_up_rate.value_or(0));
  cs->set_backlog_clearance_rate(f.backlog_clearance_rate.value_or(0));
}

}  // namespace

void SetRates(gridsync::v1::GetCoverageResponse* c) {
  auto* v = c->mutable_visits();
  for (auto& g : *v->mutable_by_grid()) g.set_rate(RateOf(g.visited(), g.households()).value_or(0));
  const AssessmentFigures f = FiguresOf(*c);
  v->set_rate(f.visit_rate.value_or(0));
  c->mutable_checks()->set_rate(f.check_rate.value_or(0));
  c->mutable_care()->set_rate(f.care_rate.value_or(0));
  SetCaseRates(c->mutable_cases());
  if (c->has_received()) SetCaseRates(c->mutable_received());
}

int32_t RequiredIntervalDays(const gridsync::v1::CheckPolicy& policy,
                             gridsync::v1::PersonCategory category, int32_t risk_level) {
  const gridsync::v1::CheckInterval* best = nullptr;
  for (const auto& row : policy.intervals()) {
    if (row.category() != category || row.risk_level() > risk_level) continue;
    if (best == nullptr || row.risk_level() > best->risk_level()) best = &row;
  }
  if (best != nullptr) return best->interval_days();
  return policy.default_interval_days() > 0 ? policy.default_interval_days() : 30;
}

gridsync::v1::CheckPolicy DefaultCheckPolicy() {
  using gridsync::v1::PersonCategory;
  gridsync::v1::CheckPolicy p;
  p.set_default_interval_days(30);
  auto row = [&](PersonCategory c, int risk, int days) {
    auto* r = p.add_intervals();
    r->set_category(c);
    r->set_risk_level(risk);
    r->set_interval_days(days);
  };
  // Severe mental disorders: stable patients quarterly, weekly from level 3.
  row(gridsync::v1::PERSON_CATEGORY_SEVERE_MENTAL_DISORDER, 0, 90);
  row(gridsync::v1::PERSON_CATEGORY_SEVERE_MENTAL_DISORDER, 1, 30);
  row(gridsync::v1::PERSON_CATEGORY_SEVERE_MENTAL_DISORDER, 2, 14);
  row(gridsync::v1::PERSON_CATEGORY_SEVERE_MENTAL_DISORDER, 3, 7);
  // 社区矫正 (core/registry.h RiskScaleOf): 普管 monthly, 严管 weekly.
  row(gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS, 0, 30);
  row(gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS, 2, 7);
  row(gridsync::v1::PERSON_CATEGORY_DRUG_REHABILITATION, 0, 30);
  row(gridsync::v1::PERSON_CATEGORY_DRUG_REHABILITATION, 2, 14);
  row(gridsync::v1::PERSON_CATEGORY_DRUG_REHABILITATION, 3, 7);
  row(gridsync::v1::PERSON_CATEGORY_RELEASED_PRISONER, 0, 90);
  row(gridsync::v1::PERSON_CATEGORY_RELEASED_PRISONER, 2, 30);
  row(gridsync::v1::PERSON_CATEGORY_RELEASED_PRISONER, 3, 14);
  row(gridsync::v1::PERSON_CATEGORY_ELDERLY_ALONE, 0, 30);
  row(gridsync::v1::PERSON_CATEGORY_LEFT_BEHIND_CHILD, 0, 30);
  row(gridsync::v1::PERSON_CATEGORY_DISABLED, 0, 90);
  return p;
}

}  // namespace gridsync::core
