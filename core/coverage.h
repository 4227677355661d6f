// What a record counts for in coverage (DESIGN.md section 8), as pure
// functions of its merged state. The store keeps aggregates of these marks
// and updates them whenever a commit changes a record's marks: old marks out,
// new marks in, in the same write batch. A voided record counts for nothing.
//
// Periods are in China Standard Time (UTC+8, no daylight saving): a visit at
// 23:30 on 31 March in Beijing belongs to March.
#ifndef GRIDSYNC_CORE_COVERAGE_H_
#define GRIDSYNC_CORE_COVERAGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "gridsync/v1/coverage_service.pb.h"
#include "gridsync/v1/record_state.pb.h"
#include "gridsync/v1/records.pb.h"
#include "gridsync/v1/registry.pb.h"

namespace gridsync::core {

inline constexpr int64_t kChinaOffsetMs = 8LL * 3600 * 1000;
inline constexpr int64_t kDayMs = 86400LL * 1000;

// Days since 1970-01-01 in UTC+8.
int32_t DayOf(int64_t ms);
// The last millisecond of day `day` (DayOf's numbering): a deadline given
// as a date ("by 12-15") holds until that day ends in China.
inline int64_t DayEndMs(int64_t day) { return (day + 1) * kDayMs - kChinaOffsetMs - 1; }
// yyyymm in UTC+8, e.g. 202611.
int32_t MonthOf(int64_t ms);
// [from, to) of a "YYYY-MM" month in UTC+8.
absl::StatusOr<std::pair<int64_t, int64_t>> MonthRange(std::string_view yyyy_mm);
std::string MonthName(int32_t yyyymm);  // "2026-11"

// A visit that counts: somebody was home (入户), not voided.
struct VisitMark {
  std::string household_id;
  std::string worker;  // who recorded it: WorkerKey of the creating device
  int64_t at_ms = 0;
  bool photo = false;  // it carries an attachment (evidence)
  bool operator==(const VisitMark&) const = default;
};

// A worker as coverage keys visits: the device that recorded them, then its
// holder's name (WorkerVisits: a row per phone, named by its holder; one
// holder may carry several phones, several holders may share a name).
std::string WorkerKey(std::string_view device_id, std::string_view holder);
// The row of a WorkerKey.
void SetWorker(std::string_view key, gridsync::v1::WorkerVisits* row);

struct CheckMark {
  std::string person_id;
  int64_t at_ms = 0;
  int32_t risk_level = -1;  // as observed at the check; -1 if not recorded
  bool absent = false;
  bool out_of_contact = false;
  bool operator==(const CheckMark&) const = default;
};

struct CaseMark {
  std::string grid_code;
  int64_t registered_at_ms = 0;
  gridsync::v1::CaseStatus status = gridsync::v1::CASE_STATUS_UNSPECIFIED;
  int64_t deadline_ms = 0;           // 0: none
  bool followed_up_both = false;     // every party followed up (at least two)
  int32_t follow_ups = 0;            // FollowUp entries (回访)
  int32_t follow_ups_satisfied = 0;  // of those, the party satisfied
  bool signed_agreement = false;     // an attachment with purpose SIGNED_AGREEMENT
  std::string title;
  bool urgent_major_hard = false;  // 急大难
  bool criminal_risk = false;      // 民转刑
  std::string holder;              // the mediator, else who registered it
  struct Stage {
    uint32_t epoch = 0;
    gridsync::v1::CaseStatus stage = gridsync::v1::CASE_STATUS_UNSPECIFIED;
    int64_t at_ms = 0;
    bool operator==(const Stage&) const = default;
  };
  std::vector<Stage> history;  // StatusState.history
  bool operator==(const CaseMark&) const = default;
};

// A patrol (平安夜巡) counts for its village's week from when it started,
// if it started at night (core/safety_figures.h NightWindow); it is counted
// under the grid it was recorded in.
struct PatrolMark {
  std::string grid_code;
  int64_t started_at_ms = 0;
  bool police = false;  // a member in the role PATROL_ROLE_POLICE (民警参与)
  bool operator==(const PatrolMark&) const = default;
};

// A questionnaire (安全感/满意度) asked at a household.
struct SurveyMark {
  std::string household_id;
  int64_t at_ms = 0;  // asked_at_ms, else when the record was created
  gridsync::v1::SurveyOutcome outcome = gridsync::v1::SURVEY_OUTCOME_UNSPECIFIED;
  gridsync::v1::SafetyAnswer safety = gridsync::v1::SAFETY_ANSWER_UNSPECIFIED;
  gridsync::v1::SatisfactionAnswer satisfaction = gridsync::v1::SATISFACTION_ANSWER_UNSPECIFIED;
  std::vector<gridsync::v1::OpinionTopic> topics;  // one per opinion, sorted
  std::string form_version;
  // The latest choice (> 0) to each of the form's further questions, by
  // question id: what 知晓率 and 参与率 count (SurveyQuestion.purpose).
  std::vector<std::pair<std::string, int32_t>> choices;
  bool operator==(const SurveyMark&) const = default;
};

// A village's screening report (排查上报) for a month, recorded in a grid of
// it.
struct ScreeningMark {
  std::string grid_code;
  int32_t month = 0;  // yyyymm
  int32_t disputes_found = 0;
  int32_t hazards_found = 0;
  bool operator==(const ScreeningMark&) const = default;
};

// A trouble spot (排查整治) on its grid's register.
struct TroubleSpotMark {
  std::string grid_code;
  int64_t found_at_ms = 0;
  int64_t rectified_at_ms = 0;  // 0: not rectified
  int64_t deadline_ms = 0;      // 0: none
  bool operator==(const TroubleSpotMark&) const = default;
};

// A counting visit verified (复查 / 电话抽查), the household reached: its
// verdict (core/verification.h). A visit found not made has no VisitMark.
struct VerifyMark {
  std::string grid_code;
  std::string household_id;
  std::string worker;  // the visit's: WorkerKey of the device that recorded it
  int64_t visited_at_ms = 0;
  gridsync::v1::VisitConfirmation confirmation = gridsync::v1::VISIT_CONFIRMATION_UNSPECIFIED;
  bool operator==(const VerifyMark&) const = default;
};

// A task of the town office (督办), as lists show it (core/task.h).
struct TaskMark {
  gridsync::v1::TaskItem item;
  bool operator==(const TaskMark& o) const {
    return item.SerializeAsString() == o.item.SerializeAsString();
  }
};

struct CoverageMarks {
  std::optional<VisitMark> visit;
  std::optional<CheckMark> check;
  std::optional<CaseMark> dispute;
  std::optional<PatrolMark> patrol;
  std::optional<SurveyMark> survey;
  std::optional<ScreeningMark> screening;
  std::optional<TroubleSpotMark> trouble_spot;
  std::optional<TaskMark> task;
  std::optional<VerifyMark> verification;
  bool empty() const {
    return !visit && !check && !dispute && !patrol && !survey && !screening && !trouble_spot &&
           !task && !verification;
  }
  bool operator==(const CoverageMarks&) const = default;
};

// REQUIRES: state canonical (or empty: no marks).
CoverageMarks MarksOf(const gridsync::v1::RecordState& state);

// Still to be handled: registered, accepted or mediating.
bool IsOpen(gridsync::v1::CaseStatus s);
// Mediated to an end: resolved, followed up or closed (调处成功).
bool IsResolved(gridsync::v1::CaseStatus s);

// How coverage sees a case (also how the server's index keeps it).
gridsync::v1::CaseSummary CaseSummaryOf(const CaseMark& c, const std::string& record_id);

// --- Figures ------------------------------------------------------------------
//
// The definitions of coverage_service.proto, as code the server's
// CoverageService and the SDK's offline figures share: each caller finds the
// entities of a scope its own way and counts them here.

// When status-like figures are taken: as_of_ms, and whether the period has
// ended (then a case's status is taken from its history at as_of; while it
// runs, the current status is).
struct AsOf {
  int64_t ms = 0;
  bool ended = false;
};

// A period resolved against the clock: [from, to), as_of = min(to, now),
// and the calendar month (yyyymm) when it is exactly one.
struct ResolvedPeriod {
  int64_t from_ms = 0, to_ms = 0;
  AsOf as_of;
  int32_t month = 0;
  int64_t now_ms = 0;  // the clock it was resolved against
};
// An empty period is the current month; otherwise a "YYYY-MM" month or a
// range [from_ms, to_ms) of at most five years after 2000.
absl::StatusOr<ResolvedPeriod> ResolvePeriod(const gridsync::v1::Period& period, int64_t now_ms);

// A case's status at `as_of`, at the level holding it then
// (core/case_level.h), and that level.
gridsync::v1::CaseStatus CaseStatusAsOf(const gridsync::v1::CaseSummary& c, AsOf as_of);
gridsync::v1::CaseLevel CaseLevelAsOf(const gridsync::v1::CaseSummary& c, AsOf as_of);

// Whether the village had escalated (上交) a case by `as_of`, whatever came
// of it after.
bool EscalatedAsOf(const gridsync::v1::CaseSummary& c, AsOf as_of);

// Adds a case to `out`'s counts as `level` saw it at `as_of`: registered,
// open, mediating, escalated (sent beyond the level), and resolved (by the
// level itself while it held the case: never one escalated, even once the
// level above resolved it) with its followed-up and its follow-ups
// (回访满意率). REQUIRES: the case had reached `level` by then.
void CountCaseAt(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level, AsOf as_of,
                 gridsync::v1::CaseCoverage* out);
// CountCaseAt for the village, of a case registered in the period.
void CountRegisteredCase(const gridsync::v1::CaseSummary& c, AsOf as_of,
                         gridsync::v1::CaseCoverage* out);
// CountCaseAt for a level above (a town's or the county's 上交受理), if
// the case reached it in [from_ms, to_ms); returns whether it did.
bool CountReceivedCase(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level,
                       int64_t from_ms, int64_t to_ms, AsOf as_of, gridsync::v1::CaseCoverage* out);
// Whether `level` held the case open at `as_of` (having reached it before).
bool OpenAt(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level, AsOf as_of);
// Adds a case to open_now and open_past_deadline if `level` held it open
// at `as_of`. Returns whether it did.
bool CountOpenCase(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level, AsOf as_of,
                   gridsync::v1::CaseCoverage* out);
// Past its deadline at `as_of_ms` (open or not).
bool PastDeadline(const gridsync::v1::CaseSummary& c, int64_t as_of_ms);

// When `level` stopped holding `c` open, as its history tells: the time
// of the stage that ended it (0: it holds it open still, or never held it),
// and whether the level had resolved it then (else the case had left it:
// escalated). A case reopened after that is taken as it first closed. A
// case stored before history was kept closed, if it did, at registration.
// What an export's tables keep of a case so that SQL can count 积案.
struct LevelClosed {
  int64_t at_ms = 0;
  bool resolved = false;
};
LevelClosed ClosedAt(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level);

// Adds a trouble spot to `out` (TroubleSpotCoverage) for the period
// [from_ms, to_ms) seen at `as_of`: on the register when found before as_of
// and not rectified before from_ms.
void CountTroubleSpot(const TroubleSpotMark& m, int64_t from_ms, int64_t to_ms, AsOf as_of,
                      gridsync::v1::TroubleSpotCoverage* out);

// --- 积案 (backlog) ------------------------------------------------------------
//
// A case is a backlog case (积案) of a level while the level holds it open
// longer than the backlog age after its registration; the age is counted
// from registration at every level, as the parties have waited that long.

// 干部参与率: the households a cadre of `kind` is to visit a month
// (CheckPolicy.cadre_quota, 10 when 0; party_member_quota, 5 when 0).
int32_t CadreQuota(const gridsync::v1::CheckPolicy& policy, gridsync::v1::CadreKind kind);

// The county's backlog age in days (CheckPolicy.backlog_days; 90 when 0).
int32_t BacklogDays(const gridsync::v1::CheckPolicy& policy);
int64_t BacklogAgeMs(const gridsync::v1::CheckPolicy& policy);
// Whether `level` held `c` open at `as_of` past `age_ms`.
bool IsBacklog(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level, AsOf as_of,
               int64_t age_ms);
// Adds `c` to out's backlog, backlog_open and backlog_cleared when `level`
// held it open past `age_ms` at some time in [from_ms, as_of): at the
// latest of from_ms, the moment it passed the age and the moment it reached
// the level (a case escalated when already old is the town's 积案 from
// then), or open at as_of. It is open if the level holds it open at as_of
// (IsBacklog: the open lists mark it), else cleared if the level had
// resolved it by then (a case escalated away is neither). Any case may be
// offered.
void CountBacklogCase(const gridsync::v1::CaseSummary& c, gridsync::v1::CaseLevel level,
                      int64_t from_ms, AsOf as_of, int64_t age_ms, gridsync::v1::CaseCoverage* out);

// One supervised person's check status at as_of.
struct PersonDue {
  // supervised_since_ms < as_of <= supervised_until_ms (or no end): counted
  bool under_policy = false;
  bool in_interval = false;  // last check at most an interval before as_of
  bool not_yet_due = false;  // never checked, under the policy less than an interval
  bool overdue = false;      // neither
  gridsync::v1::OverduePerson row;
  // Counted, and needs a visit: never checked, overdue, or absent or out of
  // contact at the last check.
  bool NeedsAttention() const;
};
// REQUIRES: `last` is the person's last counting check before as_of, or
// nullptr.
PersonDue EvaluatePerson(const gridsync::v1::SupervisedPerson& p, const CheckMark* last,
                         const gridsync::v1::CheckPolicy& policy, int64_t as_of_ms);
// Whether a category's visits are care (关爱: 孤寡老人, 留守儿童, 残疾人),
// counted in Coverage.care, rather than supervision (监管), counted in
// Coverage.checks (管控率).
bool IsCareCategory(gridsync::v1::PersonCategory category);
// Whether a person of `category` belongs in a list of `group`.
bool InGroup(gridsync::v1::PersonCategory category, gridsync::v1::PersonGroup group);
// Adds a person under the policy to out->checks() or, of a care group, to
// out->care().
void CountPerson(const PersonDue& d, gridsync::v1::GetCoverageResponse* out);
// The overdue list's order: absent or out of contact first, then most days
// overdue, then soonest due, then by person id.
bool OverdueFirst(const PersonDue& a, const PersonDue& b);

// Sets the rates (入户率 per grid and overall, 管控率, 化解在基层率, 调处率,
// 回访率) from the counts, as core/assessment.h defines them. Rates with a
// zero denominator are 0.
void SetRates(gridsync::v1::GetCoverageResponse* c);

// A visit that found nobody home (not voided): the household is to be
// visited again. nullopt for any other record.
std::optional<VisitMark> NobodyHomeOf(const gridsync::v1::RecordState& state);

// The required check interval in days for a supervised person: the policy
// row for (category, risk level), else the row for the category with the
// highest risk level not above it, else the policy's default.
int32_t RequiredIntervalDays(const gridsync::v1::CheckPolicy& policy,
                             gridsync::v1::PersonCategory category, int32_t risk_level);
// The policy a new server starts with (an admin can change it).
gridsync::v1::CheckPolicy DefaultCheckPolicy();

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_COVERAGE_H_
