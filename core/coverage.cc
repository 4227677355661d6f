#include "core/coverage.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "core/hlc.h"
#include "core/merge.h"

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
      if (f.ParseFromString(e.payload()) && !f.party_name().empty()) followed.insert(f.party_name());
    }
  }
  if (parties.empty()) return followed.size() >= 2;
  if (parties.size() < 2) return false;
  for (const auto& p : parties) {
    if (!followed.count(p)) return false;
  }
  return true;
}

}  // namespace

int32_t DayOf(int64_t ms) { return static_cast<int32_t>(FloorDiv(ms + kChinaOffsetMs, kDayMs)); }

int32_t MonthOf(int64_t ms) {
  const absl::CivilDay d = absl::CivilDay(1970, 1, 1) + DayOf(ms);
  return static_cast<int32_t>(d.year() * 100 + d.month());
}

std::string MonthName(int32_t yyyymm) { return absl::StrFormat("%04d-%02d", yyyymm / 100, yyyymm % 100); }

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
        out.visit = VisitMark{h.subject_id(), h.created_by(), Int(s, "visited_at_ms", created_ms)};
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
      c.status = DisplayStatus(s.status());
      if (c.status == gridsync::v1::CASE_STATUS_UNSPECIFIED) c.status = gridsync::v1::CASE_STATUS_REGISTERED;
      c.deadline_ms = Int(s, "deadline_ms");
      c.followed_up_both = FollowedUpBoth(s);
      c.title = Str(s, "title");
      out.dispute = std::move(c);
      break;
    }
    default:
      break;
  }
  return out;
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
  for (PersonCategory c : {gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS,
                           gridsync::v1::PERSON_CATEGORY_DRUG_REHABILITATION}) {
    row(c, 0, 30);
    row(c, 2, 14);
    row(c, 3, 7);
  }
  row(gridsync::v1::PERSON_CATEGORY_RELEASED_PRISONER, 0, 90);
  row(gridsync::v1::PERSON_CATEGORY_RELEASED_PRISONER, 2, 30);
  row(gridsync::v1::PERSON_CATEGORY_RELEASED_PRISONER, 3, 14);
  row(gridsync::v1::PERSON_CATEGORY_ELDERLY_ALONE, 0, 30);
  row(gridsync::v1::PERSON_CATEGORY_LEFT_BEHIND_CHILD, 0, 30);
  row(gridsync::v1::PERSON_CATEGORY_DISABLED, 0, 90);
  return p;
}

}  // namespace gridsync::core
