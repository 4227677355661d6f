#include "tools/common/export_lib.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "core/attachment.h"
#include "core/case_level.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/merge.h"
#include "core/proposal.h"
#include "core/registry.h"
#include "core/safety_figures.h"
#include "core/task.h"
#include "core/verification.h"
#include "core/view.h"
#include "google/protobuf/util/json_util.h"
#include "tools/common/blob_files.h"
#include "tools/common/client.h"
#include "tools/common/handoff.h"
#include "tools/common/progress.h"

namespace gridsync::tools {
namespace {

using gridsync::v1::SubscribeResponse;

// Tables and views, created when missing. Times are timestamptz; codes are
// the 12/15-digit division codes, with village and town columns for GROUP BY.
constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS export_cursor (
  scope text PRIMARY KEY, cursor bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS changes (
  scope text NOT NULL, seq bigint NOT NULL, committed_at timestamptz NOT NULL, kind text NOT NULL,
  subject text NOT NULL, op text NOT NULL, grid_code text, device_id text, author text, stamped_at timestamptz,
  PRIMARY KEY (scope, seq));
CREATE TABLE IF NOT EXISTS admin_acts (
  scope text NOT NULL, seq bigint NOT NULL, at timestamptz NOT NULL, action text NOT NULL, subject text,
  by_device text, by_holder text, detail text, created bigint, updated bigint, unchanged bigint,
  rejected bigint, PRIMARY KEY (scope, seq));
CREATE TABLE IF NOT EXISTS org_units (
  code text PRIMARY KEY, name text NOT NULL, level text NOT NULL, parent_code text);
CREATE TABLE IF NOT EXISTS households (
  household_id text PRIMARY KEY, grid_code text NOT NULL, village_code text NOT NULL, town_code text NOT NULL,
  address text, head_name text);
CREATE TABLE IF NOT EXISTS persons (
  person_id text PRIMARY KEY, household_id text NOT NULL, grid_code text NOT NULL, village_code text NOT NULL,
  name text, category text NOT NULL, risk_level int NOT NULL, guardian text);
CREATE TABLE IF NOT EXISTS check_policy (
  scope text NOT NULL, category text NOT NULL, risk_level int NOT NULL, interval_days int NOT NULL,
  PRIMARY KEY (scope, category, risk_level));
CREATE TABLE IF NOT EXISTS visits (
  record_id text PRIMARY KEY, grid_code text NOT NULL, village_code text NOT NULL, town_code text NOT NULL,
  household_id text NOT NULL, visited_at timestamptz, month text, worker text, device_id text,
  talked_with_household bool, open_letter_delivered bool, questionnaire_done bool, opinions_collected bool,
  nobody_home bool, problems_found int, photos int, opinions text, notes text,
  voided bool NOT NULL, void_reason text, conflicts int NOT NULL, last_seq bigint NOT NULL, doc jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS visits_by_village_month ON visits (village_code, month);
CREATE TABLE IF NOT EXISTS cases (
  record_id text PRIMARY KEY, grid_code text NOT NULL, village_code text NOT NULL, town_code text NOT NULL,
  household_id text, category text, title text, status text, mediation_type text,
  registered_at timestamptz, month text, deadline timestamptz, mediator text, urgent_major_hard bool,
  criminal_risk bool, parties int, mediation_sessions int, follow_ups int, worker text,
  voided bool NOT NULL, void_reason text, conflicts int NOT NULL, last_seq bigint NOT NULL, doc jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS cases_by_village_month ON cases (village_code, month);
-- The status the case had at the end of its month (from when each stage was
-- reached), so a past month's figures stay as they were at its end; NULL in
-- rows exported before it was kept.
ALTER TABLE cases ADD COLUMN IF NOT EXISTS status_at_month_end text;
-- 复查: a visit's verdict (core::VerdictOf: the latest verification that
-- reached the household; NULL when none did) and when it was given. A
-- visit found not made ('not_made') is out of visit_coverage_by_month.
ALTER TABLE visits ADD COLUMN IF NOT EXISTS verdict text;
ALTER TABLE visits ADD COLUMN IF NOT EXISTS verified_at timestamptz;
-- Each verification as recorded, by whom (never the visit's own device).
CREATE TABLE IF NOT EXISTS visit_verifications (
  id text PRIMARY KEY, record_id text NOT NULL, grid_code text NOT NULL, village_code text NOT NULL,
  household_id text, method text, reached bool, confirmation text, talk_confirmed bool,
  letter_confirmed bool, questionnaire_confirmed bool, opinions_confirmed bool, satisfaction text,
  remark text, verified_at timestamptz, verified_by text, device_id text);
-- Who holds the case now (village, town, county: 上交 moves it up); its
-- status is the status there, and status_at_month_end the village's, which
-- reads 'escalated' once the case had left the village (化解在基层).
ALTER TABLE cases ADD COLUMN IF NOT EXISTS held_by text;
-- When the village stopped holding the case open (core::ClosedAt: NULL while
-- it does) and how: 'resolved' by the village, or 'escalated' (上交); what
-- case_backlog_by_month counts 积案 from. NULL in rows exported before they
-- were kept, until the case changes again.
ALTER TABLE cases ADD COLUMN IF NOT EXISTS village_closed_at timestamptz;
ALTER TABLE cases ADD COLUMN IF NOT EXISTS village_closed_as text;
-- The county's settings besides the interval table, by name: backlog_days
-- (积案), patrols_per_week, survey_quota (CheckPolicy).
CREATE TABLE IF NOT EXISTS policy_settings (
  scope text NOT NULL, name text NOT NULL, value int NOT NULL, PRIMARY KEY (scope, name));
ALTER TABLE persons ADD COLUMN IF NOT EXISTS supervised_since timestamptz;
-- Field changes approved on phones: a household that moved out or stands
-- empty is out of 入户率; a person's supervision may have ended.
ALTER TABLE households ADD COLUMN IF NOT EXISTS status text;
ALTER TABLE households ADD COLUMN IF NOT EXISTS changed_by_proposal text;
ALTER TABLE persons ADD COLUMN IF NOT EXISTS supervised_until timestamptz;
ALTER TABLE persons ADD COLUMN IF NOT EXISTS contact_lost bool;
ALTER TABLE persons ADD COLUMN IF NOT EXISTS changed_by_proposal text;
CREATE TABLE IF NOT EXISTS checks (
  record_id text PRIMARY KEY, grid_code text NOT NULL, village_code text NOT NULL, town_code text NOT NULL,
  person_id text NOT NULL, category text, risk_level int, checked_at timestamptz, month text, worker text,
  observed text, guardian_present bool, medication text, person_absent bool, out_of_contact bool, photos int,
  voided bool NOT NULL, void_reason text, conflicts int NOT NULL, last_seq bigint NOT NULL, doc jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS checks_by_village_month ON checks (village_code, month);
-- Registry changes proposed on phones, with who proposed and who decided.
CREATE TABLE IF NOT EXISTS proposals (
  record_id text PRIMARY KEY, grid_code text NOT NULL, village_code text NOT NULL, town_code text NOT NULL,
  action text, household_id text, person_id text, head_name text, address text, name text,
  reason text, decision text, decision_note text, proposed_by text, proposed_at timestamptz,
  decided_by text, decided_at timestamptz,
  voided bool NOT NULL, void_reason text, conflicts int NOT NULL, last_seq bigint NOT NULL, doc jsonb NOT NULL);
-- 平安夜巡: night patrols, and how many a village had each week (weeks from
-- Monday, China time; a week without one has no row).
CREATE TABLE IF NOT EXISTS patrols (
  record_id text PRIMARY KEY, grid_code text NOT NULL, village_code text NOT NULL, town_code text NOT NULL,
  started_at timestamptz, ended_at timestamptz, route text, notes text, members int, places int,
  problems int, photos int, worker text,
  voided bool NOT NULL, void_reason text, conflicts int NOT NULL, last_seq bigint NOT NULL, doc jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS patrols_by_village ON patrols (village_code, started_at);
-- 矛盾纠纷排查上报: each village's monthly screening report (month 'YYYY-MM'),
-- 零报告 when it found nothing; screening_by_month has a row for every
-- village and month from the first report on, reported or not, as
-- GetCoverage's ScreeningCoverage counts them.
CREATE TABLE IF NOT EXISTS screenings (
  record_id text PRIMARY KEY, grid_code text NOT NULL, village_code text NOT NULL, town_code text NOT NULL,
  month text, disputes_found int, hazards_found int, notes text, reported_at timestamptz, worker text,
  voided bool NOT NULL, void_reason text, conflicts int NOT NULL, last_seq bigint NOT NULL, doc jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS screenings_by_village_month ON screenings (village_code, month);
-- 排查整治: the register of trouble spots; found_at and rectified_at as
-- coverage takes them (core::MarksOf: the record's creation, the time the
-- state was set). trouble_spots_by_month counts as GetCoverage's
-- TroubleSpotCoverage does, per village and month.
CREATE TABLE IF NOT EXISTS trouble_spots (
  record_id text PRIMARY KEY, grid_code text NOT NULL, village_code text NOT NULL, town_code text NOT NULL,
  place text, problem text, source text, source_record_id text, found_at timestamptz, state text,
  rectified_at timestamptz, deadline timestamptz, responsible text, steps int, photos int, worker text,
  voided bool NOT NULL, void_reason text, conflicts int NOT NULL, last_seq bigint NOT NULL, doc jsonb NOT NULL);
CREATE OR REPLACE VIEW trouble_spots_by_month AS
  WITH months AS (
    SELECT to_char(g, 'YYYY-MM') AS month, (to_char(g, 'YYYY-MM') || '-01 00:00:00+08')::timestamptz AS from_at
    FROM generate_series((SELECT date_trunc('month', min(found_at) AT TIME ZONE 'Asia/Shanghai')
                          FROM trouble_spots),
                         now() AT TIME ZONE 'Asia/Shanghai', interval '1 month') g),
  spans AS (SELECT month, from_at, from_at + interval '1 month' AS to_at,
                   least(now(), from_at + interval '1 month') AS as_of FROM months)
  SELECT t.village_code, s.month, count(*) AS spots,
         count(*) FILTER (WHERE t.rectified_at < s.as_of) AS rectified,
         count(*) FILTER (WHERE t.rectified_at IS NULL OR t.rectified_at >= s.as_of) AS open,
         count(*) FILTER (WHERE t.found_at >= s.from_at AND t.found_at < s.to_at) AS found,
         round(count(*) FILTER (WHERE t.rectified_at < s.as_of)::numeric / count(*), 4) AS rate
  FROM trouble_spots t CROSS JOIN spans s
  WHERE NOT t.voided AND t.found_at < s.as_of AND (t.rectified_at IS NULL OR t.rectified_at >= s.from_at)
  GROUP BY t.village_code, s.month;
-- 督办: the town office's tasks, their state read from their steps
-- (core::TaskItemOf); task_by_month counts as GetCoverage's TaskCoverage
-- does (督办按期办结率), per village and month: what was recorded before the
-- month's end (all of it while the month runs), deadlines against
-- least(now, the month's end).
CREATE TABLE IF NOT EXISTS tasks (
  record_id text PRIMARY KEY, grid_code text NOT NULL, village_code text NOT NULL, town_code text NOT NULL,
  household_id text, title text, description text, category text, whole_village bool, issued_by text,
  assigned_at timestamptz, deadline timestamptz, state text, accepted_at timestamptz, done_at timestamptz,
  confirmed_at timestamptz, returned int, last_note text, related_record_id text, photos int,
  voided bool NOT NULL, void_reason text, conflicts int NOT NULL, last_seq bigint NOT NULL, doc jsonb NOT NULL);
CREATE OR REPLACE VIEW task_by_month AS
  WITH months AS (
    SELECT to_char(g, 'YYYY-MM') AS month, (to_char(g, 'YYYY-MM') || '-01 00:00:00+08')::timestamptz AS from_at
    FROM generate_series((SELECT date_trunc('month', min(least(assigned_at, deadline)) AT TIME ZONE 'Asia/Shanghai')
                          FROM tasks),
                         now() AT TIME ZONE 'Asia/Shanghai', interval '1 month') g),
  spans AS (SELECT month, from_at, from_at + interval '1 month' AS to_at,
                   least(now(), from_at + interval '1 month') AS as_of,
                   CASE WHEN from_at + interval '1 month' <= now() THEN from_at + interval '1 month'
                        ELSE 'infinity'::timestamptz END AS seen_by FROM months),
  seen AS (
    SELECT t.*, s.month, s.from_at, s.to_at, s.as_of, s.seen_by,
           t.deadline >= s.from_at AND t.deadline < s.to_at AS due,
           t.confirmed_at IS NULL OR t.confirmed_at >= s.seen_by AS open,
           t.done_at IS NOT NULL AND t.done_at <= t.deadline AND t.done_at < s.seen_by AS in_time
    FROM tasks t CROSS JOIN spans s
    WHERE NOT t.voided AND t.assigned_at < s.seen_by)
  SELECT village_code, month,
         count(*) FILTER (WHERE due) AS due,
         count(*) FILTER (WHERE due AND confirmed_at IS NOT NULL AND done_at <= deadline) AS on_time,
         count(*) FILTER (WHERE due AND confirmed_at IS NOT NULL AND done_at > deadline) AS late,
         count(*) FILTER (WHERE open) AS open,
         count(*) FILTER (WHERE open AND deadline < as_of AND NOT in_time) AS overdue,
         count(*) FILTER (WHERE open AND done_at < seen_by) AS awaiting_confirmation,
         count(*) FILTER (WHERE assigned_at >= from_at) AS assigned,
         round(count(*) FILTER (WHERE due AND confirmed_at IS NOT NULL AND done_at <= deadline)::numeric
               / nullif(count(*) FILTER (WHERE due), 0), 4) AS rate
  FROM seen GROUP BY village_code, month;
CREATE OR REPLACE VIEW screening_by_month AS
  WITH months AS (
    SELECT to_char(g, 'YYYY-MM') AS month
    FROM generate_series((SELECT min((month || '-01')::date) FROM screenings WHERE month IS NOT NULL),
                         (now() AT TIME ZONE 'Asia/Shanghai')::date, interval '1 month') g)
  SELECT o.code AS village_code, m.month, count(s.record_id) AS reports,
         count(s.record_id) > 0 AS reported,
         count(s.record_id) > 0 AND coalesce(sum(s.disputes_found), 0) = 0
           AND coalesce(sum(s.hazards_found), 0) = 0 AS zero_report,
         coalesce(sum(s.disputes_found), 0) AS disputes_found,
         coalesce(sum(s.hazards_found), 0) AS hazards_found
  FROM org_units o CROSS JOIN months m
  LEFT JOIN screenings s ON s.village_code = o.code AND s.month = m.month AND NOT s.voided
  WHERE o.level = 'village'
  GROUP BY o.code, m.month;
CREATE OR REPLACE VIEW patrols_by_week AS
  SELECT village_code, date_trunc('week', started_at AT TIME ZONE 'Asia/Shanghai')::date AS week,
         count(*) AS patrols, sum(problems) AS problems
  FROM patrols WHERE NOT voided AND started_at IS NOT NULL
  GROUP BY 1, 2;
-- 安全感/满意度: one row per questionnaire asked (each answered one is a
-- respondent), the forms they were asked under, and views: a village's
-- month (安全感率 and 满意率 are the top two levels of those who answered
-- the question, as CoverageService counts them; safety_level and
-- satisfaction_level are the official scale's, 1 安全 / 满意 ... 5 不清楚,
-- older answers read on it; safety and satisfaction name what was stored), the opinions one per row,
-- and the further questions' answers one per row (a correction is a later
-- row for the same question).
CREATE TABLE IF NOT EXISTS surveys (
  record_id text PRIMARY KEY, grid_code text NOT NULL, village_code text NOT NULL, town_code text NOT NULL,
  household_id text NOT NULL, form_version text, outcome text, asked_at timestamptz, month text,
  safety text, safety_level int, satisfaction text, satisfaction_level int, answers int, opinions int,
  visit_record_id text, worker text,
  voided bool NOT NULL, void_reason text, conflicts int NOT NULL, last_seq bigint NOT NULL, doc jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS surveys_by_village_month ON surveys (village_code, month);
CREATE TABLE IF NOT EXISTS survey_forms (
  form_id text PRIMARY KEY, scope text NOT NULL, version text NOT NULL, title text, safety_question text, satisfaction_question text,
  questions int NOT NULL, published_at timestamptz, doc jsonb NOT NULL);
CREATE OR REPLACE VIEW surveys_by_village AS
  SELECT village_code, month, count(*) AS asked,
         count(*) FILTER (WHERE outcome = 'answered') AS answered,
         count(*) FILTER (WHERE outcome = 'refused') AS refused,
         count(*) FILTER (WHERE outcome = 'nobody_home') AS nobody_home,
         count(*) FILTER (WHERE outcome = 'answered' AND safety_level BETWEEN 1 AND 2)::float8 /
           NULLIF(count(*) FILTER (WHERE outcome = 'answered' AND safety_level > 0), 0) AS safety_rate,
         count(*) FILTER (WHERE outcome = 'answered' AND satisfaction_level BETWEEN 1 AND 2)::float8 /
           NULLIF(count(*) FILTER (WHERE outcome = 'answered' AND satisfaction_level > 0), 0)
           AS satisfaction_rate
  FROM surveys WHERE NOT voided GROUP BY 1, 2;
CREATE OR REPLACE VIEW survey_opinions AS
  SELECT s.record_id, s.village_code, s.month, lower(replace(o->>'topic', 'OPINION_TOPIC_', '')) AS topic,
         o->>'text' AS text
  FROM surveys s, jsonb_array_elements(s.doc->'survey'->'opinions') o
  WHERE NOT s.voided AND s.outcome = 'answered';
CREATE OR REPLACE VIEW survey_answers AS
  SELECT s.record_id, s.village_code, s.month, s.form_version, a->>'question_id' AS question_id,
         (a->>'choice')::int AS choice, a->>'text' AS text
  FROM surveys s, jsonb_array_elements(s.doc->'survey'->'answers') a
  WHERE NOT s.voided AND s.outcome = 'answered';
-- Attachments: each record's references (from its log of PhotoRefs), and
-- the blobs whose bytes reached the server; `attachments` joins them. With
-- --blobs-dir the bytes are files DIR/ab/cd/<sha256> (blobs.file_path).
CREATE TABLE IF NOT EXISTS attachment_refs (
  ref text PRIMARY KEY, record_id text NOT NULL, sha256 text NOT NULL, record_kind text NOT NULL,
  grid_code text NOT NULL, village_code text NOT NULL, size bigint NOT NULL, content_type text NOT NULL,
  file_name text, caption text, purpose text, taken_at timestamptz, voided bool NOT NULL);
CREATE INDEX IF NOT EXISTS attachment_refs_by_record ON attachment_refs (record_id);
CREATE TABLE IF NOT EXISTS blobs (
  sha256 text PRIMARY KEY, size bigint NOT NULL, content_type text NOT NULL, uploaded_at timestamptz NOT NULL,
  uploaded_by text, file_path text);
CREATE OR REPLACE VIEW attachments AS
  SELECT r.record_id, r.sha256, r.size, r.content_type, b.uploaded_at, r.record_kind, r.grid_code,
         r.village_code, r.file_name, r.caption, r.purpose, r.taken_at, r.voided, b.file_path
  FROM attachment_refs r LEFT JOIN blobs b USING (sha256);
CREATE OR REPLACE VIEW visit_coverage_by_month AS
  SELECT h.village_code, h.grid_code, m.month, count(*) AS households, count(v.household_id) AS visited,
         round(count(v.household_id)::numeric / count(*), 4) AS rate
  FROM (SELECT * FROM households WHERE coalesce(status, 'active') = 'active') h
  CROSS JOIN (SELECT DISTINCT month FROM visits WHERE month IS NOT NULL) m
  LEFT JOIN (SELECT DISTINCT household_id, month FROM visits
             WHERE NOT voided AND NOT nobody_home AND verdict IS DISTINCT FROM 'not_made') v
    ON v.household_id = h.household_id AND v.month = m.month
  GROUP BY h.village_code, h.grid_code, m.month;
-- 核实率 per village and month, as GetCoverage's VerificationCoverage:
-- sampled is min(the county's sample, the active households visited with
-- those found not made).
CREATE OR REPLACE VIEW verification_by_month AS
  SELECT v.village_code, v.month,
         least((SELECT coalesce(max(value), 10) FROM policy_settings WHERE name = 'verification_sample'),
               count(DISTINCT v.household_id) FILTER (WHERE v.verdict IS DISTINCT FROM 'not_made')
               + count(*) FILTER (WHERE v.verdict = 'not_made')) AS sampled,
         count(*) FILTER (WHERE v.verdict IS NOT NULL) AS verified,
         count(*) FILTER (WHERE v.verdict = 'confirmed') AS confirmed,
         count(*) FILTER (WHERE v.verdict = 'not_made') AS not_made,
         count(*) FILTER (WHERE v.verdict = 'unsure') AS unsure,
         round(count(*) FILTER (WHERE v.verdict = 'confirmed')::numeric
               / nullif(count(*) FILTER (WHERE v.verdict IS NOT NULL), 0), 4) AS rate
  FROM visits v JOIN households h ON h.household_id = v.household_id
  WHERE NOT v.voided AND NOT v.nobody_home AND coalesce(h.status, 'active') = 'active'
  GROUP BY v.village_code, v.month;
-- 干部参与率: the village rosters' cadres and party members (active until
-- their device is revoked), and per village and month how many visited
-- their quota of distinct households (policy_settings), as GetCoverage's
-- CadreCoverage (a month: the quota once).
CREATE TABLE IF NOT EXISTS cadres (
  device_id text PRIMARY KEY, name text, village_code text NOT NULL, town_code text NOT NULL,
  kind text NOT NULL, active bool NOT NULL);
CREATE OR REPLACE VIEW cadre_participation_by_month AS
  WITH months AS (SELECT DISTINCT month FROM visits WHERE month IS NOT NULL),
  quota AS (SELECT kind, coalesce((SELECT max(value) FROM policy_settings
                                   WHERE name = kind || '_quota'), d) AS households
            FROM (VALUES ('cadre', 10), ('party_member', 5)) q(kind, d)),
  done AS (
    SELECT k.device_id, k.village_code, k.kind, m.month,
           count(DISTINCT v.household_id) FILTER (WHERE v.record_id IS NOT NULL) AS households
    FROM cadres k CROSS JOIN months m
    LEFT JOIN (SELECT v.* FROM visits v JOIN households h ON h.household_id = v.household_id
               WHERE coalesce(h.status, 'active') = 'active') v
         ON v.device_id = k.device_id AND v.month = m.month AND NOT v.voided
         AND NOT v.nobody_home AND v.verdict IS DISTINCT FROM 'not_made'
    WHERE k.active GROUP BY k.device_id, k.village_code, k.kind, m.month)
  SELECT d.village_code, d.month, count(*) AS cadres,
         count(*) FILTER (WHERE d.households >= q.households) AS met,
         sum(d.households) AS households_visited,
         round(count(*) FILTER (WHERE d.households >= q.households)::numeric / count(*), 4) AS rate
  FROM done d JOIN quota q ON q.kind = d.kind
  GROUP BY d.village_code, d.month;
CREATE OR REPLACE VIEW check_coverage_by_month AS
  SELECT p.village_code, m.month, count(*) AS persons, count(c.person_id) AS checked,
         count(*) FILTER (WHERE c.absent) AS last_absent_or_out_of_contact,
         round(count(c.person_id)::numeric / count(*), 4) AS rate
  FROM persons p
  CROSS JOIN (SELECT DISTINCT month FROM checks WHERE month IS NOT NULL) m
  LEFT JOIN (SELECT person_id, month, bool_or(person_absent OR out_of_contact) AS absent
             FROM checks WHERE NOT voided GROUP BY person_id, month) c
    ON c.person_id = p.person_id AND c.month = m.month
  GROUP BY p.village_code, m.month;
CREATE OR REPLACE VIEW case_coverage_by_month AS
  SELECT village_code, month, count(*) AS registered,
         count(*) FILTER (WHERE s IN ('registered', 'accepted', 'mediating')) AS open,
         count(*) FILTER (WHERE s IN ('resolved', 'followed_up', 'closed')) AS resolved,
         count(*) FILTER (WHERE s = 'escalated') AS escalated,
         count(*) FILTER (WHERE s IN ('registered', 'accepted', 'mediating')
                            AND deadline < least(now(), (month || '-01 00:00:00+08')::timestamptz
                                                        + interval '1 month'))
           AS open_past_deadline
  FROM (SELECT *, coalesce(status_at_month_end, status) AS s FROM cases WHERE NOT voided) c
  GROUP BY village_code, month;
-- 积案 per village and month, as GetCoverage counts them (core/coverage.h
-- CountBacklogCase): cases the village held open past backlog_days after
-- registration at some time in the month (from the later of its start and
-- that age), of those the ones it had resolved by the month's end (now,
-- while it runs) and the ones still open then.
CREATE OR REPLACE VIEW case_backlog_by_month AS
  WITH age AS (
    SELECT coalesce((SELECT max(value) FROM policy_settings WHERE name = 'backlog_days'
                     AND value > 0), 90) * interval '1 day' + interval '1 millisecond' AS past),
  months AS (
    SELECT to_char(g, 'YYYY-MM') AS month, (to_char(g, 'YYYY-MM') || '-01 00:00:00+08')::timestamptz AS from_at
    FROM generate_series((SELECT date_trunc('month', min(registered_at) AT TIME ZONE 'UTC' + interval '8 hours')
                          FROM cases),
                         now() AT TIME ZONE 'UTC' + interval '8 hours', interval '1 month') g),
  spans AS (SELECT month, from_at, least(now(), from_at + interval '1 month') AS as_of FROM months),
  aged AS (
    SELECT c.village_code, s.month, s.as_of, c.village_closed_at, c.village_closed_as
    FROM cases c CROSS JOIN spans s CROSS JOIN age
    WHERE NOT c.voided AND greatest(s.from_at, c.registered_at + age.past) <= s.as_of
      AND (c.village_closed_at IS NULL
           OR c.village_closed_at >= greatest(s.from_at, c.registered_at + age.past)))
  SELECT village_code, month, count(*) AS backlog,
         count(*) FILTER (WHERE village_closed_as = 'resolved' AND village_closed_at < as_of)
           AS cleared,
         count(*) FILTER (WHERE village_closed_at IS NULL OR village_closed_at >= as_of) AS open,
         round(count(*) FILTER (WHERE village_closed_as = 'resolved' AND village_closed_at < as_of)
               ::numeric / count(*), 4) AS clearance_rate
  FROM aged GROUP BY village_code, month;
)sql";

// "CASE_STATUS_MEDIATING" -> "mediating".
std::string EnumWord(const std::string& name, std::string_view prefix) {
  std::string s = name.substr(std::min(name.size(), prefix.size()));
  return absl::AsciiStrToLower(s);
}

// The words the county's tables have held since they were made, for the two
// enums whose zero value 0.27.0 renamed to _UNSPECIFIED (proto style): a
// query on decision = 'pending' or status = 'active' goes on working.
std::string DecisionWord(gridsync::v1::ProposalDecision d) {
  if (d == core::kProposalPending) return "pending";
  return EnumWord(gridsync::v1::ProposalDecision_Name(d), "PROPOSAL_DECISION_");
}
std::string HouseholdStatusWord(gridsync::v1::HouseholdStatus s) {
  if (s == core::kHouseholdActive) return "active";
  return EnumWord(gridsync::v1::HouseholdStatus_Name(s), "HOUSEHOLD_STATUS_");
}

// Fields of COPY's text format: backslash escapes, \N for NULL.
constexpr char kNull[] = "\\N";
std::string T(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out;
}
// T(s), or NULL for an empty string (a code or name the entry leaves out).
std::string TOrNull(std::string_view s) { return s.empty() ? kNull : T(s); }
std::string Ts(int64_t ms) {
  if (ms <= 0) return kNull;
  return absl::FormatTime("%Y-%m-%d %H:%M:%E3S+00", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}
std::string Bool(bool b) { return b ? "t" : "f"; }
// yyyy-mm in China time, as coverage counts it.
std::string Month(int64_t ms) { return ms <= 0 ? kNull : core::MonthName(core::MonthOf(ms)); }
// Values of one row.
std::string Row(std::initializer_list<std::string> values) { return absl::StrJoin(values, "\t"); }
std::string Town(const std::string& code) { return code.substr(0, 9) + "000"; }
// A case's status at the end of the month it was registered in, as its
// village saw it: ESCALATED once it had left the village.
gridsync::v1::CaseStatus StatusAtMonthEnd(const gridsync::v1::Record& r, int64_t registered_ms) {
  if (r.status_history().empty()) {  // stored before history was kept
    return r.case_level() > gridsync::v1::CASE_LEVEL_VILLAGE ? gridsync::v1::CASE_STATUS_ESCALATED
                                                             : r.dispute_case().status();
  }
  const auto month = core::MonthRange(core::MonthName(core::MonthOf(registered_ms)));
  gridsync::v1::CaseSummary c;
  c.set_registered_at_ms(registered_ms);
  *c.mutable_history() = r.status_history();
  const core::CaseAtLevel v =
      core::CaseAt(c, gridsync::v1::CASE_LEVEL_VILLAGE, month.ok() ? month->second : INT64_MAX);
  return v.left ? gridsync::v1::CASE_STATUS_ESCALATED : v.status;
}

// When the village stopped holding the case open, and how (core::ClosedAt).
core::LevelClosed VillageClosed(const gridsync::v1::Record& r, int64_t registered_ms) {
  gridsync::v1::CaseSummary c;
  c.set_registered_at_ms(registered_ms);
  c.set_status(r.dispute_case().status());
  *c.mutable_history() = r.status_history();
  return core::ClosedAt(c, gridsync::v1::CASE_LEVEL_VILLAGE);
}

std::string OpOf(const gridsync::v1::Mutation& m) {
  switch (m.op_case()) {
    case gridsync::v1::Mutation::kCreate:
      return "create";
    case gridsync::v1::Mutation::kSetField:
      return "set_field:" + m.set_field().field();
    case gridsync::v1::Mutation::kAppendLog:
      return "append_log:" + m.append_log().log();
    case gridsync::v1::Mutation::kSetStatus:
      return "set_status:" +
             EnumWord(gridsync::v1::CaseStatus_Name(m.set_status().status()), "CASE_STATUS_");
    case gridsync::v1::Mutation::kReopen:
      return "reopen";
    case gridsync::v1::Mutation::kVoidRecord:
      return "void";
    default:
      return "unknown";
  }
}

// Rows of one table for one batch, keyed by primary key; a later row for a
// key replaces an earlier one (the feed's states only move forward).
struct Table {
  Table(std::string n, std::vector<std::string> c, bool u = true)
      : name(std::move(n)), cols(std::move(c)), upsert(u) {}

  std::string name;
  std::vector<std::string> cols;  // cols[0] is the primary key
  bool upsert;                    // false: plain inserts (the change log)
  std::unordered_map<std::string, size_t> index;
  std::vector<std::string> rows;

  void Put(const std::string& key, std::string row) {
    auto [it, added] = index.try_emplace(key, rows.size());
    if (added) {
      rows.push_back(std::move(row));
    } else {
      rows[it->second] = std::move(row);
    }
  }
  std::string Data() const {
    std::string d;
    for (const auto& r : rows) absl::StrAppend(&d, r, "\n");
    return d;
  }
  // Upserts go through a temporary table of the same shape: COPY into it,
  // then one INSERT ... ON CONFLICT into the real one.
  std::string Stage() const { return "stage_" + name; }
  std::string Merge() const {
    std::vector<std::string> sets;
    for (size_t i = 1; i < cols.size(); ++i)
      sets.push_back(absl::StrCat(cols[i], " = EXCLUDED.", cols[i]));
    const std::string list = absl::StrJoin(cols, ", ");
    return absl::StrCat("INSERT INTO ", name, " (", list, ") SELECT ", list, " FROM ", Stage(),
                        " ON CONFLICT (", cols[0], ") DO UPDATE SET ", absl::StrJoin(sets, ", "));
  }
  std::string Copy() const {
    return absl::StrCat("COPY ", upsert ? Stage() : name, " (", absl::StrJoin(cols, ", "),
                        ") FROM STDIN");
  }
};

bool HasBlobFile(const std::string& dir, const std::string& sha256) {
  std::error_code ec;
  return !dir.empty() &&
         std::filesystem::exists(std::filesystem::path(dir) / BlobFilePath(sha256), ec);
}

// Every table BatchRows::Write upserts (Tables, but the logs).
constexpr const char* kUpsertTables[] = {
    "org_units", "households",          "persons", "visits",  "cases",       "checks",
    "proposals", "attachment_refs",     "blobs",   "patrols", "screenings",  "trouble_spots",
    "tasks",     "visit_verifications", "cadres",  "surveys", "survey_forms"};

}  // namespace

absl::StatusOr<std::unique_ptr<PgMirror>> PgMirror::Open(const std::string& conninfo,
                                                         const std::string& scope,
                                                         std::chrono::milliseconds lock_wait) {
  auto pg = PgConn::Connect(conninfo);
  if (!pg.ok()) return pg.status();
  // One exporter per scope: a second one would write the same changes. A
  // killed predecessor's session can hold the lock for a moment after its
  // death (until PostgreSQL notices), so wait a little before giving up.
  const auto give_up = std::chrono::steady_clock::now() + lock_wait;
  while (true) {
    auto lock = (*pg)->Query(absl::StrCat("SELECT pg_try_advisory_lock(hashtext(",
                                          (*pg)->Literal("gridsync-export:" + scope), "))"));
    if (!lock.ok()) return lock.status();
    if (!lock->rows.empty() && lock->rows[0][0] == "t") break;
    if (std::chrono::steady_clock::now() >= give_up) {
      return absl::FailedPreconditionError(
          absl::StrCat("another gridsync-export is writing scope '", scope,
                       "' into this database; stop it first"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // Concurrent CREATE ... IF NOT EXISTS can still collide; the lock above
  // is per scope, so serialise schema changes with a database-wide one.
  if (auto st = (*pg)->Exec(absl::StrCat(
          "SELECT pg_advisory_xact_lock(hashtext('gridsync-export schema'));", kSchema));
      !st.ok()) {
    return st;
  }
  // Staging tables for COPY, private to this connection, emptied by every commit.
  std::string stages;
  for (const char* t : kUpsertTables) {
    absl::StrAppend(&stages, "CREATE TEMP TABLE stage_", t, " (LIKE ", t,
                    ") ON COMMIT DELETE ROWS;\n");
  }
  if (auto st = (*pg)->Exec(stages); !st.ok()) return st;
  return std::unique_ptr<PgMirror>(new PgMirror(std::move(*pg), scope));
}

absl::StatusOr<uint64_t> PgMirror::Cursor() {
  auto r = pg_->Query(
      absl::StrCat("SELECT cursor FROM export_cursor WHERE scope = ", pg_->Literal(scope_)));
  if (!r.ok()) return r.status();
  if (r->rows.empty()) return 0;
  return std::stoull(*r->rows[0][0]);
}

namespace {

// The mirrored tables' rows of one batch, by table.
struct Tables {
  Table changes{"changes",
                {"seq", "scope", "committed_at", "kind", "subject", "op", "grid_code", "device_id",
                 "author", "stamped_at"},
                false};
  Table acts{"admin_acts",
             {"seq", "scope", "at", "action", "subject", "by_device", "by_holder", "detail",
              "created", "updated", "unchanged", "rejected"},
             false};
  Table org{"org_units", {"code", "name", "level", "parent_code"}};
  Table households{"households",
                   {"household_id", "grid_code", "village_code", "town_code", "address",
                    "head_name", "status", "changed_by_proposal"}};
  Table persons{
      "persons",
      {"person_id", "household_id", "grid_code", "village_code", "name", "category", "risk_level",
       "guardian", "supervised_since", "supervised_until", "contact_lost", "changed_by_proposal"}};
  Table visits{"visits",
               {"record_id",
                "grid_code",
                "village_code",
                "town_code",
                "household_id",
                "visited_at",
                "month",
                "worker",
                "device_id",
                "talked_with_household",
                "open_letter_delivered",
                "questionnaire_done",
                "opinions_collected",
                "nobody_home",
                "problems_found",
                "photos",
                "opinions",
                "notes",
                "verdict",
                "verified_at",
                "voided",
                "void_reason",
                "conflicts",
                "last_seq",
                "doc"}};
  Table cadres{"cadres", {"device_id", "name", "village_code", "town_code", "kind", "active"}};
  Table verifications{
      "visit_verifications",
      {"id", "record_id", "grid_code", "village_code", "household_id", "method", "reached",
       "confirmation", "talk_confirmed", "letter_confirmed", "questionnaire_confirmed",
       "opinions_confirmed", "satisfaction", "remark", "verified_at", "verified_by", "device_id"}};
  Table cases{"cases",
              {"record_id",
               "grid_code",
               "village_code",
               "town_code",
               "household_id",
               "category",
               "title",
               "status",
               "mediation_type",
               "registered_at",
               "month",
               "deadline",
               "mediator",
               "urgent_major_hard",
               "criminal_risk",
               "parties",
               "mediation_sessions",
               "follow_ups",
               "worker",
               "voided",
               "void_reason",
               "conflicts",
               "last_seq",
               "doc",
               "status_at_month_end",
               "held_by",
               "village_closed_at",
               "village_closed_as"}};
  Table checks{"checks",
               {"record_id", "grid_code",        "village_code", "town_code",     "person_id",
                "category",  "risk_level",       "checked_at",   "month",         "worker",
                "observed",  "guardian_present", "medication",   "person_absent", "out_of_contact",
                "photos",    "voided",           "void_reason",  "conflicts",     "last_seq",
                "doc"}};
  Table refs{"attachment_refs",
             {"ref", "record_id", "sha256", "record_kind", "grid_code", "village_code", "size",
              "content_type", "file_name", "caption", "purpose", "taken_at", "voided"}};
  Table blobs{"blobs",
              {"sha256", "size", "content_type", "uploaded_at", "uploaded_by", "file_path"}};
  Table proposals{
      "proposals",
      {"record_id",     "grid_code",   "village_code", "town_code",  "action",     "household_id",
       "person_id",     "head_name",   "address",      "name",       "reason",     "decision",
       "decision_note", "proposed_by", "proposed_at",  "decided_by", "decided_at", "voided",
       "void_reason",   "conflicts",   "last_seq",     "doc"}};
  Table patrols{"patrols",
                {"record_id", "grid_code", "village_code", "town_code", "started_at", "ended_at",
                 "route", "notes", "members", "places", "problems", "photos", "worker", "voided",
                 "void_reason", "conflicts", "last_seq", "doc"}};
  Table screenings{"screenings",
                   {"record_id", "grid_code", "village_code", "town_code", "month",
                    "disputes_found", "hazards_found", "notes", "reported_at", "worker", "voided",
                    "void_reason", "conflicts", "last_seq", "doc"}};
  Table spots{"trouble_spots",
              {"record_id",    "grid_code", "village_code",     "town_code", "place",
               "problem",      "source",    "source_record_id", "found_at",  "state",
               "rectified_at", "deadline",  "responsible",      "steps",     "photos",
               "worker",       "voided",    "void_reason",      "conflicts", "last_seq",
               "doc"}};
  Table tasks{"tasks",
              {"record_id",    "grid_code",   "village_code", "town_code",         "household_id",
               "title",        "description", "category",     "whole_village",     "issued_by",
               "assigned_at",  "deadline",    "state",        "accepted_at",       "done_at",
               "confirmed_at", "returned",    "last_note",    "related_record_id", "photos",
               "voided",       "void_reason", "conflicts",    "last_seq",          "doc"}};
  Table surveys{"surveys",
                {"record_id",
                 "grid_code",
                 "village_code",
                 "town_code",
                 "household_id",
                 "form_version",
                 "outcome",
                 "asked_at",
                 "month",
                 "safety",
                 "safety_level",
                 "satisfaction",
                 "satisfaction_level",
                 "answers",
                 "opinions",
                 "visit_record_id",
                 "worker",
                 "voided",
                 "void_reason",
                 "conflicts",
                 "last_seq",
                 "doc"}};
  Table forms{"survey_forms",
              {"form_id", "scope", "version", "title", "safety_question", "satisfaction_question",
               "questions", "published_at", "doc"}};
};

// A record's row, in the table of its kind: the columns every kind shares,
// then the kind's own.
struct RecordRow {
  const gridsync::v1::RecordState& state;
  const gridsync::v1::Record& r;
  std::string common;  // record id, grid, village and town
  std::string tail;    // voided, why, conflicts, last change, the record as JSON
  std::string worker;  // who made it
  int64_t created_ms;
  // A time the phone left out is the record's creation time, as coverage
  // counts it.
  int64_t at(int64_t ms) const { return ms > 0 ? ms : created_ms; }

  void Visit(Tables* t) const;
  void Case(Tables* t) const;
  void Check(Tables* t) const;
  void Patrol(Tables* t) const;
  void Survey(Tables* t) const;
  void Screening(Tables* t) const;
  void Spot(Tables* t) const;
  void Task(Tables* t) const;
  void Proposal(Tables* t) const;
};
void RecordRow::Visit(Tables* t) const {
  const auto& v = r.visit();
  const core::VisitVerdict verdict = core::VerdictOf(state);
  t->visits.Put(r.record_id(),
                Row({common, T(v.household_id()), Ts(at(v.visited_at_ms())),
                     Month(at(v.visited_at_ms())), worker, T(state.header().created_by_device()),
                     Bool(v.talked_with_household()), Bool(v.open_letter_delivered()),
                     Bool(v.questionnaire_done()), Bool(v.opinions_collected()),
                     Bool(v.nobody_home()), absl::StrCat(v.problems_found_size()),
                     absl::StrCat(v.photos_size()), T(v.opinions()), T(v.notes()),
                     verdict.confirmation
                         ? EnumWord(gridsync::v1::VisitConfirmation_Name(verdict.confirmation),
                                    "VISIT_CONFIRMATION_")
                         : kNull,
                     Ts(verdict.at_ms), tail}));
  for (const auto& log : state.logs()) {
    if (log.log() != "verifications") continue;
    for (const auto& e : log.elements()) {
      gridsync::v1::VisitVerification f;
      if (!f.ParseFromString(e.payload())) continue;
      t->verifications.Put(
          absl::StrCat(r.record_id(), ":", e.element_id()),
          Row({T(absl::StrCat(r.record_id(), ":", e.element_id())), T(r.record_id()),
               T(r.grid_code()), T(r.grid_code().substr(0, core::kVillageCodeLen)),
               T(v.household_id()),
               EnumWord(gridsync::v1::VerificationMethod_Name(f.method()), "VERIFICATION_METHOD_"),
               Bool(f.reached()),
               f.confirmation() ? EnumWord(gridsync::v1::VisitConfirmation_Name(f.confirmation()),
                                           "VISIT_CONFIRMATION_")
                                : kNull,
               Bool(f.talk_confirmed()), Bool(f.letter_confirmed()),
               Bool(f.questionnaire_confirmed()), Bool(f.opinions_confirmed()),
               f.satisfaction() ? EnumWord(gridsync::v1::SatisfactionAnswer_Name(f.satisfaction()),
                                           "SATISFACTION_ANSWER_")
                                : kNull,
               T(f.remark()),
               Ts(f.verified_at_ms() > 0 ? f.verified_at_ms() : core::HlcWallMs(e.hlc())),
               T(e.author()), T(e.device_id())}));
    }
  }
}

void RecordRow::Case(Tables* t) const {
  const auto& d = r.dispute_case();
  const core::LevelClosed closed = VillageClosed(r, at(d.registered_at_ms()));
  t->cases.Put(
      r.record_id(),
      Row({common,
           T(d.household_id()),
           EnumWord(gridsync::v1::DisputeCategory_Name(d.category()), "DISPUTE_CATEGORY_"),
           T(d.title()),
           EnumWord(gridsync::v1::CaseStatus_Name(d.status()), "CASE_STATUS_"),
           EnumWord(gridsync::v1::MediationType_Name(d.mediation_type()), "MEDIATION_TYPE_"),
           Ts(at(d.registered_at_ms())),
           Month(at(d.registered_at_ms())),
           Ts(d.deadline_ms()),
           T(d.mediator()),
           Bool(d.urgent_major_hard()),
           Bool(d.criminal_risk()),
           absl::StrCat(d.parties_size()),
           absl::StrCat(d.mediation_sessions_size()),
           absl::StrCat(d.follow_ups_size()),
           worker,
           tail,
           EnumWord(gridsync::v1::CaseStatus_Name(StatusAtMonthEnd(r, at(d.registered_at_ms()))),
                    "CASE_STATUS_"),
           EnumWord(gridsync::v1::CaseLevel_Name(r.case_level()), "CASE_LEVEL_"),
           Ts(closed.at_ms),
           closed.at_ms == 0 ? kNull
           : closed.resolved ? "resolved"
                             : "escalated"}));
}

void RecordRow::Check(Tables* t) const {
  const auto& k = r.special_check();
  t->checks.Put(
      r.record_id(),
      Row({common, T(k.person_id()),
           EnumWord(gridsync::v1::PersonCategory_Name(k.category()), "PERSON_CATEGORY_"),
           absl::StrCat(k.risk_level()), Ts(at(k.checked_at_ms())), Month(at(k.checked_at_ms())),
           worker, T(k.observed()), Bool(k.guardian_present()),
           EnumWord(gridsync::v1::MedicationStatus_Name(k.medication()), "MEDICATION_STATUS_"),
           Bool(k.person_absent()), Bool(k.out_of_contact()), absl::StrCat(k.photos_size()),
           tail}));
}

void RecordRow::Patrol(Tables* t) const {
  const auto& p = r.patrol();
  t->patrols.Put(r.record_id(), Row({common, Ts(at(p.started_at_ms())), Ts(p.ended_at_ms()),
                                     T(p.route()), T(p.notes()), absl::StrCat(p.members_size()),
                                     absl::StrCat(p.places_size()), absl::StrCat(p.problems_size()),
                                     absl::StrCat(p.photos_size()), worker, tail}));
}

void RecordRow::Screening(Tables* t) const {
  const auto& s = r.screening_report();
  const int32_t m = s.month();
  t->screenings.Put(
      r.record_id(),
      Row({common, m > 0 ? core::MonthName(m) : kNull, absl::StrCat(s.disputes_found()),
           absl::StrCat(s.hazards_found()), T(s.notes()), Ts(s.reported_at_ms()), worker, tail}));
}

void RecordRow::Spot(Tables* t) const {
  const auto& s = r.trouble_spot();
  // As coverage counts it; a voided spot (out of the counts) as written.
  const auto mark = core::MarksOf(state).trouble_spot.value_or(
      core::TroubleSpotMark{"", at(s.found_at_ms()), s.rectified_at_ms(), s.deadline_ms()});
  t->spots.Put(r.record_id(),
               Row({common, T(s.place()), T(s.problem()),
                    s.source() ? EnumWord(gridsync::v1::TroubleSpotSource_Name(s.source()),
                                          "TROUBLE_SPOT_SOURCE_")
                               : kNull,
                    TOrNull(s.source_record_id()), Ts(mark.found_at_ms),
                    EnumWord(gridsync::v1::RectificationState_Name(
                                 s.state() ? s.state() : gridsync::v1::RECTIFICATION_STATE_LISTED),
                             "RECTIFICATION_STATE_"),
                    Ts(mark.rectified_at_ms), Ts(mark.deadline_ms), T(s.responsible()),
                    absl::StrCat(s.steps_size()), absl::StrCat(s.photos_size()), worker, tail}));
}

void RecordRow::Task(Tables* t) const {
  const gridsync::v1::TaskItem k = core::TaskItemOf(state);
  t->tasks.Put(
      r.record_id(),
      Row({common, TOrNull(k.household_id()), T(k.title()), T(r.task().description()),
           k.category() ? EnumWord(gridsync::v1::TaskCategory_Name(k.category()), "TASK_CATEGORY_")
                        : kNull,
           Bool(k.whole_village()), T(k.issued_by()), Ts(k.assigned_at_ms()), Ts(k.deadline_ms()),
           EnumWord(gridsync::v1::TaskState_Name(k.state()), "TASK_STATE_"), Ts(k.accepted_at_ms()),
           Ts(k.done_at_ms()), Ts(k.confirmed_at_ms()), absl::StrCat(k.returned()),
           T(k.last_note()), TOrNull(k.related_record_id()), absl::StrCat(k.photos()), tail}));
}

void RecordRow::Survey(Tables* t) const {
  const auto& q = r.survey();
  // The official scale's level, 1..5 (core/safety_figures.h).
  auto level = [](int official) {
    return official >= 0 ? absl::StrCat(official + 1) : std::string(kNull);
  };
  t->surveys.Put(
      r.record_id(),
      Row({common, T(q.household_id()), TOrNull(q.form_version()),
           q.outcome() ? EnumWord(gridsync::v1::SurveyOutcome_Name(q.outcome()), "SURVEY_OUTCOME_")
                       : kNull,
           Ts(at(q.asked_at_ms())), Month(at(q.asked_at_ms())),
           q.safety() ? EnumWord(gridsync::v1::SafetyAnswer_Name(q.safety()), "SAFETY_ANSWER_")
                      : kNull,
           level(core::OfficialLevel(q.safety())),
           q.satisfaction() ? EnumWord(gridsync::v1::SatisfactionAnswer_Name(q.satisfaction()),
                                       "SATISFACTION_ANSWER_")
                            : kNull,
           level(core::OfficialLevel(q.satisfaction())), absl::StrCat(q.answers_size()),
           absl::StrCat(q.opinions_size()), TOrNull(q.visit_record_id()), worker, tail}));
}

void RecordRow::Proposal(Tables* t) const {
  const auto& p = r.registry_proposal();
  const gridsync::v1::Sibling* decision = core::DecisionWrite(state);
  const bool decided = decision != nullptr && p.decision() != gridsync::core::kProposalPending;
  t->proposals.Put(
      r.record_id(),
      Row({common, EnumWord(gridsync::v1::ProposalAction_Name(p.action()), "PROPOSAL_ACTION_"),
           TOrNull(p.household_id()), TOrNull(p.person_id()), T(p.head_name()), T(p.address()),
           T(p.name()), T(p.reason()), DecisionWord(p.decision()), T(p.decision_note()), worker,
           Ts(created_ms), decided ? T(decision->author()) : kNull,
           decided ? Ts(core::HlcWallMs(decision->hlc())) : kNull, tail}));
}

// What one batch of the feed writes into PostgreSQL: each change's line in
// the change log, each record's, registry entry's and attachment's row (the
// last of a batch for one key), and this county's check policy when the
// batch sets it.
class BatchRows : Tables {
 public:
  BatchRows(PgConn* pg, std::string scope, std::string blobs_dir)
      : pg_(pg), scope_(std::move(scope)), scope(T(scope_)), blobs_dir_(std::move(blobs_dir)) {
    json.preserve_proto_field_names = true;
  }
  void Add(const SubscribeResponse& m);
  // In one transaction: the rows, the policy and the cursor `to`.
  // REQUIRES: the caller rolls back on an error.
  absl::Status Write(uint64_t to);

 private:
  // A pushed or refilled record: its change-log line, then its rows.
  void AddRecordChange(const SubscribeResponse& m, const std::string& seq);
  void AddRecord(const SubscribeResponse& m, const std::string& seq);
  void AddBlob(const gridsync::v1::Change& c, const std::string& seq);
  void AddAdmin(const gridsync::v1::Change& c, const std::string& seq);
  void AddRegistry(const gridsync::v1::Change& c, const std::string& seq);
  // Replaces this scope's rows of check_policy (each county server has its
  // own policy).
  void SetPolicy(const gridsync::v1::CheckPolicy& pol);

  PgConn* const pg_;
  const std::string scope_;
  const std::string scope;  // as a COPY field
  const std::string blobs_dir_;
  google::protobuf::util::JsonPrintOptions json;
  std::string policy_sql;  // the last policy of the batch replaces this scope's rows
};

void BatchRows::Add(const SubscribeResponse& m) {
  const auto& c = m.change();
  const std::string seq = absl::StrCat(c.seq());
  if (c.has_mutation() || c.has_refill()) return AddRecordChange(m, seq);
  if (c.has_blob()) return AddBlob(c, seq);
  if (c.has_admin()) return AddAdmin(c, seq);
  AddRegistry(c, seq);
}

void BatchRows::AddRecordChange(const SubscribeResponse& m, const std::string& seq) {
  const auto& c = m.change();
  if (c.has_mutation()) {
    const auto& mu = c.mutation();
    changes.Put(seq, Row({seq, scope, Ts(c.committed_at_ms()),
                          EnumWord(gridsync::v1::RecordKind_Name(mu.kind()), "RECORD_KIND_"),
                          T(mu.record_id()), T(OpOf(mu)), T(mu.grid_code()), T(mu.device_id()),
                          T(mu.author()), Ts(static_cast<int64_t>(mu.hlc() >> 16))}));
  } else {
    // Sent back by a phone after the server's restore: who sent it, when.
    const auto& rf = c.refill();
    const auto& h = rf.state().header();
    changes.Put(
        seq, Row({seq, scope, Ts(c.committed_at_ms()),
                  EnumWord(gridsync::v1::RecordKind_Name(h.kind()), "RECORD_KIND_"),
                  T(rf.state().record_id()), T(rf.held() ? "refill held for review" : "refill"),
                  T(h.grid_code()), T(rf.device_id()), T(rf.author()), Ts(c.committed_at_ms())}));
  }
  if (m.has_state()) AddRecord(m, seq);  // (an applied change always has one)
}

void BatchRows::AddRecord(const SubscribeResponse& m, const std::string& seq) {
  const gridsync::v1::Record r = core::BuildView(m.state());
  std::string doc;
  if (!google::protobuf::util::MessageToJsonString(r, &doc, json).ok()) doc = "{}";
  const std::string& g = r.grid_code();
  const std::string common = Row({T(r.record_id()), T(g), T(g.substr(0, 12)), T(Town(g))});
  const std::string tail =
      Row({Bool(r.has_void_mark()), r.has_void_mark() ? T(r.void_mark().reason()) : kNull,
           absl::StrCat(r.conflicts_size()), seq, T(doc)});
  const std::string worker = T(r.created_by());
  const std::string kind = EnumWord(gridsync::v1::RecordKind_Name(r.kind()), "RECORD_KIND_");
  for (const auto& a : core::AttachmentsOf(m.state())) {
    const std::string ref = absl::StrCat(r.record_id(), "/", a.sha256());
    refs.Put(
        ref,
        Row({T(ref), T(r.record_id()), T(a.sha256()), kind, T(g), T(g.substr(0, 12)),
             absl::StrCat(a.size()), T(a.content_type()), TOrNull(a.file_name()),
             TOrNull(a.caption()),
             EnumWord(gridsync::v1::AttachmentPurpose_Name(a.purpose()), "ATTACHMENT_PURPOSE_"),
             Ts(a.taken_at_ms()), Bool(r.has_void_mark())}));
  }
  const RecordRow row{m.state(), r,      common,
                      tail,      worker, static_cast<int64_t>(r.created_hlc() >> 16)};
  if (r.has_visit()) row.Visit(this);
  if (r.has_dispute_case()) row.Case(this);
  if (r.has_special_check()) row.Check(this);
  if (r.has_patrol()) row.Patrol(this);
  if (r.has_survey()) row.Survey(this);
  if (r.has_screening_report()) row.Screening(this);
  if (r.has_trouble_spot()) row.Spot(this);
  if (r.has_task()) row.Task(this);
  if (r.has_registry_proposal()) row.Proposal(this);
}

void BatchRows::AddBlob(const gridsync::v1::Change& c, const std::string& seq) {
  const auto& b = c.blob();
  changes.Put(seq, Row({seq, scope, Ts(c.committed_at_ms()), "attachment", T(b.sha256()),
                        "uploaded", T(b.grid_code()), T(b.device_id()), kNull, kNull}));
  blobs.Put(b.sha256(),
            Row({T(b.sha256()), absl::StrCat(b.size()), T(b.content_type()),
                 Ts(c.committed_at_ms()), T(b.device_id()),
                 HasBlobFile(blobs_dir_, b.sha256()) ? T(BlobFilePath(b.sha256())) : kNull}));
}

void BatchRows::AddAdmin(const gridsync::v1::Change& c, const std::string& seq) {
  const auto& a = c.admin();
  changes.Put(seq, Row({seq, scope, Ts(c.committed_at_ms()), "admin", T(a.subject()), T(a.action()),
                        kNull, TOrNull(a.by().device_id()), TOrNull(a.by().holder()), kNull}));
  acts.Put(seq, Row({seq, scope, Ts(c.committed_at_ms()), T(a.action()), T(a.subject()),
                     TOrNull(a.by().device_id()), TOrNull(a.by().holder()), T(a.detail()),
                     absl::StrCat(a.created()), absl::StrCat(a.updated()),
                     absl::StrCat(a.unchanged()), absl::StrCat(a.rejected())}));
}

void BatchRows::AddRegistry(const gridsync::v1::Change& c, const std::string& seq) {
  const auto& reg = c.registry();
  std::string kind, subject, grid, op = "import";
  if (reg.has_org_unit()) {
    const auto& u = reg.org_unit();
    kind = "org_unit", subject = u.code();
    org.Put(u.code(), Row({T(u.code()), T(u.name()),
                           EnumWord(gridsync::v1::OrgLevel_Name(u.level()), "ORG_LEVEL_"),
                           TOrNull(u.parent_code())}));
  } else if (reg.has_household()) {
    const auto& h = reg.household();
    kind = "household", subject = h.household_id(), grid = h.grid_code();
    if (!h.changed_by_proposal().empty()) op = "proposal " + h.changed_by_proposal();
    households.Put(
        h.household_id(),
        Row({T(h.household_id()), T(grid), T(grid.substr(0, 12)), T(Town(grid)), T(h.address()),
             T(h.head_name()), HouseholdStatusWord(h.status()), T(h.changed_by_proposal())}));
  } else if (reg.has_person()) {
    const auto& p = reg.person();
    kind = "person", subject = p.person_id(), grid = p.household_id().substr(0, 15);
    if (!p.changed_by_proposal().empty()) op = "proposal " + p.changed_by_proposal();
    persons.Put(
        p.person_id(),
        Row({T(p.person_id()), T(p.household_id()), T(grid), T(grid.substr(0, 12)), T(p.name()),
             EnumWord(gridsync::v1::PersonCategory_Name(p.category()), "PERSON_CATEGORY_"),
             absl::StrCat(p.risk_level()), T(p.guardian()), Ts(p.supervised_since_ms()),
             Ts(p.supervised_until_ms()), Bool(p.contact_lost()), T(p.changed_by_proposal())}));
  } else if (reg.has_check_policy()) {
    kind = "check_policy", subject = "policy", op = "set";
    SetPolicy(reg.check_policy());
  } else if (reg.has_survey_form()) {
    const auto& f = reg.survey_form();
    kind = "survey_form", subject = f.version(), op = "publish";
    std::string doc;
    if (!google::protobuf::util::MessageToJsonString(f, &doc, json).ok()) doc = "{}";
    // Each county publishes its own: keyed by scope and version.
    const std::string id = absl::StrCat(scope_, "/", f.version());
    forms.Put(id, Row({T(id), T(scope_), T(f.version()), T(f.title()), T(f.safety_question()),
                       T(f.satisfaction_question()), absl::StrCat(f.questions_size()),
                       Ts(f.published_at_ms()), T(doc)}));
  } else if (reg.has_cadre()) {
    const auto& k = reg.cadre();
    kind = "cadre", subject = k.device_id(), op = k.active() ? "roster" : "off roster";
    cadres.Put(
        k.device_id(),
        Row({T(k.device_id()), T(k.name()), T(k.village_code()), T(Town(k.village_code())),
             EnumWord(gridsync::v1::CadreKind_Name(k.kind()), "CADRE_KIND_"), Bool(k.active())}));
  } else {
    kind = "unknown";
  }
  // Who imported or set it (changes logged before the audit trail name nobody).
  const auto& by = c.by();
  changes.Put(seq, Row({seq, scope, Ts(c.committed_at_ms()), kind, T(subject), op, TOrNull(grid),
                        TOrNull(by.device_id()), TOrNull(by.holder()), kNull}));
}

void BatchRows::SetPolicy(const gridsync::v1::CheckPolicy& pol) {
  std::map<std::pair<std::string, int>, int> rows{{{"default", 0}, pol.default_interval_days()}};
  for (const auto& row : pol.intervals()) {
    rows[{EnumWord(gridsync::v1::PersonCategory_Name(row.category()), "PERSON_CATEGORY_"),
          row.risk_level()}] = row.interval_days();
  }
  // Each county server has its own policy: replace this scope's rows.
  const std::string lit = pg_->Literal(scope_);
  policy_sql = absl::StrCat("DELETE FROM check_policy WHERE scope = ", lit,
                            ";\nINSERT INTO check_policy VALUES ");
  bool first = true;
  for (const auto& [key, days] : rows) {
    absl::StrAppend(&policy_sql, first ? "" : ", ", "(", lit, ", ", pg_->Literal(key.first), ", ",
                    key.second, ", ", days, ")");
    first = false;
  }
  // The settings as core reads them (a default filled in).
  absl::StrAppend(&policy_sql, ";\nDELETE FROM policy_settings WHERE scope = ", lit,
                  ";\nINSERT INTO policy_settings VALUES (", lit, ", 'backlog_days', ",
                  core::BacklogDays(pol), "), (", lit, ", 'patrols_per_week', ",
                  core::PatrolsPerWeek(pol), "), (", lit, ", 'survey_quota', ", pol.survey_quota(),
                  "), (", lit, ", 'verification_sample', ", core::VerificationSample(pol), "), (",
                  lit, ", 'cadre_quota', ", core::CadreQuota(pol, gridsync::v1::CADRE_KIND_CADRE),
                  "), (", lit, ", 'party_member_quota', ",
                  core::CadreQuota(pol, gridsync::v1::CADRE_KIND_PARTY_MEMBER), ")");
}

absl::Status BatchRows::Write(uint64_t to) {
  if (auto st = pg_->Exec("BEGIN"); !st.ok()) return st;
  for (const Table* t : {&changes, &acts}) {  // the logs: plain inserts
    if (t->rows.empty()) continue;
    if (auto st = pg_->CopyIn(t->Copy(), t->Data()); !st.ok()) return st;
  }
  for (const Table* t :
       {&org, &households, &persons, &visits, &cases, &checks, &proposals, &patrols, &screenings,
        &spots, &tasks, &verifications, &cadres, &surveys, &forms, &refs, &blobs}) {
    if (t->rows.empty()) continue;
    if (auto st = pg_->CopyIn(t->Copy(), t->Data()); !st.ok()) return st;
    if (auto st = pg_->Exec(t->Merge()); !st.ok()) return st;
  }
  std::string tail = policy_sql.empty() ? "" : policy_sql + ";\n";
  absl::StrAppend(
      &tail, "INSERT INTO export_cursor (scope, cursor) VALUES (", pg_->Literal(scope_), ", ", to,
      ") ON CONFLICT (scope) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()");
  if (auto st = pg_->Exec(tail); !st.ok()) return st;
  return pg_->Exec("COMMIT");
}

}  // namespace

absl::Status PgMirror::Apply(const std::vector<SubscribeResponse>& batch, uint64_t to) {
  BatchRows rows(pg_.get(), scope_, blobs_dir_);
  for (const SubscribeResponse& m : batch) rows.Add(m);
  absl::Status st = rows.Write(to);
  // Leaves the connection usable; a lost one is replaced by the caller.
  if (!st.ok()) (void)pg_->Exec("ROLLBACK");
  return st;
}

namespace {

// Backoff between reconnects: 0.2 s doubling to 10 s.
std::chrono::milliseconds Backoff(int attempt) {
  return std::chrono::milliseconds(std::min<int64_t>(10000, 200LL << std::min(attempt, 6)));
}

constexpr int64_t kSilenceMs = 60000;

bool Retryable(const absl::Status& st) {
  return absl::IsUnavailable(st) || absl::IsDeadlineExceeded(st) || absl::IsAborted(st) ||
         absl::IsResourceExhausted(st);
}

}  // namespace

absl::StatusOr<ExportReport> RunExport(const ExportOptions& opts) {
  if (core::ScopePrefix(opts.scope).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scope '", opts.scope,
        "' is not an org code; give the county code (several counties can share one database)"));
  }
  ExportReport report;
  auto stopped = [&] { return opts.stop != nullptr && opts.stop->load(); };
  const std::string label = absl::StrCat("export ", opts.scope);
  int attempt = 0;
  constexpr int kOnceAttempts = 8;  // --once gives up after about 15 s of failures
  std::unique_ptr<PgMirror> mirror;
  // (Re)connects to PostgreSQL and reads the stored cursor, retrying lost
  // connections. A following job also waits for a database that is not up
  // yet; a catch-up (--once) fails at once when the first connection does,
  // so a wrong --pg is a clear error, not a wait.
  auto connect_mirror = [&](bool first) -> absl::Status {
    mirror.reset();  // releases the scope's lock before taking it again
    while (true) {
      absl::Status st;
      auto opened = PgMirror::Open(opts.pg, opts.scope);
      if (opened.ok()) {
        auto c = (*opened)->Cursor();
        if (c.ok()) {
          mirror = std::move(*opened);
          mirror->set_blobs_dir(opts.blobs_dir);
          report.cursor = *c;
          return absl::OkStatus();
        }
        st = c.status();
      } else {
        st = opened.status();
      }
      if ((first && !opts.follow) || !Retryable(st) || stopped() ||
          (!opts.follow && attempt >= kOnceAttempts)) {
        return st;
      }
      if (opts.log)
        fprintf(stderr, "gridsync-export: %s; retrying\n", std::string(st.message()).c_str());
      std::this_thread::sleep_for(Backoff(attempt++));
    }
  };
  if (auto st = connect_mirror(/*first=*/true); !st.ok()) return st;
  Progress progress(label, opts.progress);
  auto channel = Connect(opts.server, opts.tls);
  if (!channel.ok()) return channel.status();
  auto stub = gridsync::v1::FeedService::NewStub(*channel);
  auto blob_stub = gridsync::v1::BlobService::NewStub(*channel);
  // The attachments a batch announces, as files, before the batch commits.
  // A blob that cannot be read for good (lost from the server's folder) is
  // logged and left without a file; a break fails the batch (it comes again).
  auto save_blobs = [&](const std::vector<SubscribeResponse>& batch) -> absl::Status {
    if (opts.blobs_dir.empty()) return absl::OkStatus();
    for (const auto& m : batch) {
      if (!m.change().has_blob()) continue;
      const auto& b = m.change().blob();
      auto wrote = SaveBlob(blob_stub.get(), opts.token, b.record_id(), b.sha256(), b.size(),
                            opts.blobs_dir);
      if (wrote.ok()) {
        report.blob_files += *wrote > 0 ? 1 : 0;
        report.blob_bytes += static_cast<uint64_t>(*wrote);
        continue;
      }
      if (Retryable(wrote.status())) return wrote.status();
      fprintf(stderr, "gridsync-export: attachment %s of record %s not saved: %s\n",
              b.sha256().c_str(), b.record_id().c_str(),
              std::string(wrote.status().message()).c_str());
    }
    return absl::OkStatus();
  };
  // Without a terminal (a service's log): a line when caught up, at most
  // once a minute, and one per reconnect.
  int64_t last_log_ms = 0;
  uint64_t logged_changes = 0;
  auto log_line = [&](uint64_t head, bool caught_up) {
    const int64_t now = core::SystemWallMs();
    if (!opts.log || !caught_up || report.changes == logged_changes || now - last_log_ms < 60000)
      return;
    fprintf(stderr, "gridsync-export: %s: %lu changes written, cursor %lu of %lu\n", label.c_str(),
            static_cast<unsigned long>(report.changes), static_cast<unsigned long>(report.cursor),
            static_cast<unsigned long>(head));
    last_log_ms = now;
    logged_changes = report.changes;
  };
  while (!stopped()) {
    gridsync::v1::SubscribeBatchedRequest req;
    req.set_cursor(report.cursor);
    req.set_scope_code(opts.scope);
    req.set_follow(opts.follow);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + opts.token);
    // A following stream has no deadline; a catch-up is bounded.
    if (!opts.follow) ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(6));
    std::atomic<bool> call_done{false}, stalled{false};
    std::atomic<int64_t> last_heard_ms{core::SystemWallMs()};
    // Ends a blocked Read when asked to stop, or when a following stream has
    // been silent for 4 of the server's 15-second heartbeats (a network that
    // dropped the connection without closing it).
    std::thread canceller([&] {
      while (!call_done.load()) {
        if (stopped()) {
          ctx.TryCancel();
          return;
        }
        if (opts.follow && core::SystemWallMs() - last_heard_ms.load() > kSilenceMs) {
          stalled = true;
          ctx.TryCancel();
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
    // A page of the feed to a stream message.
    auto reader = stub->SubscribeBatched(&ctx, req);

    // Reading and writing overlap: this thread reads the stream into
    // batches, a writer applies them in order, one transaction each, while
    // the next batch is read. At most two batches wait.
    struct Pending {
      std::vector<SubscribeResponse> batch;
      uint64_t to = 0, head = 0;
      bool caught_up = false;
    };
    Handoff<Pending> handoff(2);
    std::thread writer([&] {
      while (std::optional<Pending> p = handoff.Take()) {
        if (p->batch.empty() && p->to == report.cursor) continue;
        absl::Status st = save_blobs(p->batch);
        if (st.ok()) st = mirror->Apply(p->batch, p->to);
        if (!st.ok()) {
          handoff.Fail(st);
          ctx.TryCancel();
          return;
        }
        report.changes += p->batch.size();
        ++report.transactions;
        report.cursor = p->to;
        progress.Update(report.cursor, p->head, p->caught_up ? "caught up" : "");
        log_line(p->head, p->caught_up);
      }
    });
    // Hands a batch to the writer; false once the writer has failed.
    uint64_t handed_to = report.cursor;  // the reader's own copy: the writer owns report
    auto hand_over = [&](Pending p) {
      const uint64_t to = p.to;
      if (!handoff.Put(std::move(p))) return false;
      handed_to = to;
      return true;
    };
    Pending next;
    next.to = handed_to;
    bool caught_up = false;
    gridsync::v1::SubscribeBatchedResponse got;
    bool handing_over = true;
    while (handing_over && reader->Read(&got)) {
      last_heard_ms = core::SystemWallMs();
      attempt = 0;
      for (SubscribeResponse& m : *got.mutable_messages()) {
        next.to = m.cursor();
        next.head = m.head();
        next.caught_up = m.caught_up();
        caught_up |= m.caught_up();
        if (m.has_change()) next.batch.push_back(std::move(m));
        if (next.caught_up || static_cast<int>(next.batch.size()) >= opts.max_batch) {
          const uint64_t to = next.to;
          if (!(handing_over = hand_over(std::move(next)))) break;
          next = Pending();
          next.to = to;
        }
      }
    }
    const grpc::Status gs = reader->Finish();
    call_done = true;
    canceller.join();
    // A stream that ended well leaves its tail to write; after a broken one
    // the tail comes again from the resubscription.
    if (gs.ok() && (!next.batch.empty() || next.to != handed_to)) hand_over(std::move(next));
    handoff.Close();
    writer.join();
    if (const absl::Status write_st = handoff.failure(); !write_st.ok()) {
      // PostgreSQL failed: nothing of the batch is stored; start again from
      // the stored cursor on a new connection.
      if (!Retryable(write_st) || (!opts.follow && attempt >= kOnceAttempts)) return write_st;
      ++report.reconnects;
      if (opts.log)
        fprintf(stderr, "gridsync-export: PostgreSQL: %s; reconnecting\n",
                std::string(write_st.message()).c_str());
      std::this_thread::sleep_for(Backoff(attempt++));
      if (auto st = connect_mirror(/*first=*/false); !st.ok()) return st;
      continue;
    }
    if (gs.ok()) {
      if (!opts.follow && caught_up) break;
      continue;
    }
    if (stopped()) break;
    const absl::Status st =
        stalled ? absl::UnavailableError("the feed was silent for 60 s") : FromGrpc(gs);
    if (!Retryable(st) || (!opts.follow && attempt >= kOnceAttempts)) return st;
    ++report.reconnects;
    progress.Update(report.cursor, 0, absl::StrCat("reconnecting: ", st.message()));
    if (opts.log)
      fprintf(stderr, "gridsync-export: feed: %s; reconnecting\n",
              std::string(st.message()).c_str());
    std::this_thread::sleep_for(Backoff(attempt++));
  }
  progress.Done();
  return report;
}

}  // namespace gridsync::tools
