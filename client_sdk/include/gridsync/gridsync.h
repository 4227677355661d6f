/* The gridsync client SDK as a C API: opaque handles, error codes with
 * messages, no exceptions. The JNI layer (client_sdk/jni) sits on it, and
 * any other binding can.
 *
 * Every function that can fail returns a gs_code and, when `err` is not
 * NULL, fills it with the code and a message a person can act on. Strings
 * returned by accessors belong to the handle they came from and live until
 * it is freed. A gs_client is thread-safe; the other handles are snapshots
 * owned by one thread.
 */
#ifndef GRIDSYNC_CLIENT_SDK_INCLUDE_GRIDSYNC_GRIDSYNC_H_
#define GRIDSYNC_CLIENT_SDK_INCLUDE_GRIDSYNC_GRIDSYNC_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The canonical status codes (google.rpc.Code). */
typedef enum gs_code {
  GS_OK = 0,
  GS_CANCELLED = 1,
  GS_UNKNOWN = 2,
  GS_INVALID_ARGUMENT = 3,
  GS_DEADLINE_EXCEEDED = 4,
  GS_NOT_FOUND = 5,
  GS_ALREADY_EXISTS = 6,
  GS_PERMISSION_DENIED = 7,
  GS_RESOURCE_EXHAUSTED = 8,
  GS_FAILED_PRECONDITION = 9,
  GS_ABORTED = 10,
  GS_OUT_OF_RANGE = 11,
  GS_UNIMPLEMENTED = 12,
  GS_INTERNAL = 13,
  GS_UNAVAILABLE = 14,
  GS_DATA_LOSS = 15,
  GS_UNAUTHENTICATED = 16
} gs_code;

typedef struct gs_error {
  int code;
  char message[1024];
} gs_error;

/* Record kinds: the numbers of gridsync.v1.RecordKind. A record of a kind
 * newer than this header (a newer server's) still comes with its number. */
enum {
  GS_KIND_VISIT = 1,
  GS_KIND_DISPUTE_CASE = 2,
  GS_KIND_SPECIAL_CHECK = 3,
  GS_KIND_REGISTRY_PROPOSAL = 4, /* a registry change proposed from the field */
  GS_KIND_PATROL = 5,            /* 平安夜巡 */
  GS_KIND_SURVEY = 6,            /* 安全感/满意度 questionnaire */
  GS_KIND_SCREENING_REPORT = 7,  /* 矛盾纠纷排查上报: a village's month, month = yyyymm */
  GS_KIND_TROUBLE_SPOT = 8,      /* 排查整治: a trouble spot, its steps and state */
  GS_KIND_TASK = 9               /* 督办: the town office's task (gs_give_task, gs_step_task) */
};

typedef enum gs_value_type {
  GS_VALUE_NONE = 0,
  GS_VALUE_STRING = 1,
  GS_VALUE_INT = 2,
  GS_VALUE_BOOL = 3
} gs_value_type;

/* A field value. `type` is a gs_value_type (an int, so that a caller's bad
 * number is an error, not undefined behaviour); `str` is UTF-8 and only read
 * for GS_VALUE_STRING. */
typedef struct gs_value {
  int type;
  const char* str;
  int64_t i;
  int b;
} gs_value;

typedef struct gs_field {
  const char* name;
  gs_value value;
} gs_field;

typedef struct gs_options {
  const char* data_dir;
  const char* server_address;
  const char* device_id;
  const char* token;
  const char* holder;
  const char* tls_root_certs; /* PEM, or NULL for the system roots */
  int compression;            /* 1: gzip (default) */
  int push_batch;             /* 0: default */
  int pull_page;              /* 0: default */
  int rpc_timeout_seconds;    /* 0: default */
  /* Attachments (client.h ClientOptions); 0: the default. */
  int64_t max_attachment_bytes;   /* 10 MB */
  int64_t attachment_cache_bytes; /* 200 MB */
  int upload_chunk_bytes;         /* 128 KB */
  int attachments_unmetered_only; /* 1: upload only on an unmetered network */
  /* The replica's key at rest (client.h ClientOptions::replica_key): 32
     bytes the app keeps (on Android, from the Keystore), or NULL for a plain
     replica. The SDK keeps no copy. A wrong key: GS_PERMISSION_DENIED. */
  const unsigned char* replica_key;
  size_t replica_key_len;
} gs_options;

typedef struct gs_client gs_client;
typedef struct gs_record gs_record;
typedef struct gs_strings gs_strings;
typedef struct gs_rejected gs_rejected;

typedef struct gs_sync_report {
  int64_t pushed, duplicates, rejected, restamped, pulled;
  uint64_t cursor;
  /* Mutations given new device seqs because the replica had gone back in
     time (restored from an older copy of its folder). Nothing was lost. */
  int64_t renumbered;
  /* After the server's store was restored from an older backup: mutations it
     had acknowledged and lost, pushed again; records whose state here held
     this phone's own writes it no longer had, sent back and merged; and
     those it refused (outside this phone's scope now, or invalid). Worth a line in
     the app's support log; nothing was lost. */
  int64_t repushed, refilled, refill_refused;
  /* Attachments: uploaded whole, bytes the server acknowledged, still to
     send (their record not yet acknowledged, a metered network, the day's
     quota spent), refused for good (gs_pending_uploads says why). */
  int64_t attachments_uploaded, attachment_bytes_sent, attachments_waiting, attachments_refused;
  /* After such a restore: records sent back holding other devices' writes
     the server lacked, which it keeps for the county to review instead of
     merging them (nothing is lost; the county applies them). */
  int64_t refill_held;
} gs_sync_report;

typedef struct gs_stats {
  int64_t pending, acked_unpulled, rejected, records;
  uint64_t cursor;
  int64_t clock_offset_ms;
} gs_stats;

/* phase: 0 push, 1 pull, 2 done, 3 upload. In phase 3, `pushed` and
   `pulled` carry the attachment bytes sent and to send in this sync. */
typedef void (*gs_progress_fn)(void* user, int phase, int64_t pushed, int64_t pulled,
                               int64_t pending);
/* After each background attempt: code GS_OK or why it failed. */
typedef void (*gs_result_fn)(void* user, int code, const char* message,
                             const gs_sync_report* report);

void gs_options_init(gs_options* o);
gs_code gs_open(const gs_options* o, gs_client** out, gs_error* err);
void gs_close(gs_client* c); /* stops background sync */

/* --- writes ------------------------------------------------------------ */
/* out_id receives the new record id (at most 63 bytes and a NUL). */
gs_code gs_create(gs_client* c, int kind, const char* grid_code, const char* subject_id,
                  const gs_field* fields, size_t n_fields, char out_id[64], gs_error* err);
gs_code gs_set_field(gs_client* c, const char* record_id, const char* field, const gs_value* v,
                     gs_error* err);
gs_code gs_choose_sibling(gs_client* c, const char* record_id, const char* field, int index,
                          gs_error* err);
/* payload_json: the log's message in protobuf JSON, e.g. a MediationSession
 * {"heldAtMs": "1767225600000", "mediator": "张主任"}. */
gs_code gs_append_log(gs_client* c, const char* record_id, const char* log,
                      const char* payload_json, char out_element_id[64], gs_error* err);
gs_code gs_set_status(gs_client* c, const char* record_id, int status, gs_error* err);
gs_code gs_reopen(gs_client* c, const char* record_id, int to_status, const char* reason,
                  gs_error* err);
gs_code gs_void(gs_client* c, const char* record_id, const char* reason, gs_error* err);

/* --- attachments (client.h: AttachFile, AttachBytes, FetchAttachment) ----
 * A file attached to a record is copied into the replica and referenced by
 * the record at once; its bytes upload after the records, at a sync. */
typedef struct gs_attach_options {
  const char* content_type; /* NULL: from the bytes (JPEG, PNG or PDF) */
  const char* file_name;    /* NULL: the path's file name (gs_attach_file) */
  const char* caption;
  int purpose;         /* gridsync.v1.AttachmentPurpose: 1 scene (0 too), 2 signed
                          agreement, 3 signature, 4 publicity */
  int64_t taken_at_ms; /* 0: now */
} gs_attach_options;
/* out_sha256 receives the attachment's hash (64 hex digits and a NUL).
   `o` may be NULL. */
gs_code gs_attach_file(gs_client* c, const char* record_id, const char* path,
                       const gs_attach_options* o, char out_sha256[65], gs_error* err);
gs_code gs_attach_bytes(gs_client* c, const char* record_id, const void* data, size_t len,
                        const gs_attach_options* o, char out_sha256[65], gs_error* err);
/* Whether the phone is on a metered network now (see attachments_unmetered_only). */
void gs_set_network_metered(gs_client* c, int metered);
/* 1 when the server ordered this phone's replica erased (its device was
   revoked as lost) and the SDK did so: the sync that found out returned
   GS_PERMISSION_DENIED saying so, and every call after refuses the same way.
   The app tells the worker and closes the client. */
int gs_wiped(const gs_client* c);
/* Attachments not yet uploaded, and those refused for good, each a
   gridsync.v1.UploadEntry in protobuf JSON, field names as in the .proto
   (refused_code and message set when refused). */
gs_code gs_pending_uploads(gs_client* c, gs_strings** out, gs_error* err);
/* progress: bytes downloaded so far and in all. */
typedef void (*gs_bytes_fn)(void* user, int64_t done, int64_t total);
/* The local path of attachment `sha256` of record `record_id` (at most 4095
   bytes and a NUL), downloaded when it is not on the phone: GS_NOT_FOUND
   when the record does not reference it or it is not uploaded yet, the
   server's refusal (another grid, a voided record) as it says. */
gs_code gs_fetch_attachment(gs_client* c, const char* record_id, const char* sha256,
                            gs_bytes_fn progress, void* user, char out_path[4096], gs_error* err);
/* The same attachment's bytes, for an encrypted replica (whose files only
   the SDK reads: gs_fetch_attachment is GS_FAILED_PRECONDITION there) or any
   other: *out (free it with gs_bytes_free) and *out_len. */
gs_code gs_read_attachment(gs_client* c, const char* record_id, const char* sha256,
                           gs_bytes_fn progress, void* user, unsigned char** out, size_t* out_len,
                           gs_error* err);
void gs_bytes_free(unsigned char* p);
/* Re-encrypts the closed replica in `data_dir` under `new_key` (client.h
   Client::Rekey). GS_PERMISSION_DENIED if `old_key` does not open it. */
gs_code gs_rekey(const char* data_dir, const unsigned char* old_key, size_t old_len,
                 const unsigned char* new_key, size_t new_len, gs_error* err);

/* --- reads ------------------------------------------------------------- */
gs_code gs_get(gs_client* c, const char* record_id, gs_record** out, gs_error* err);
void gs_record_free(gs_record* r);
const char* gs_record_id(const gs_record* r);
int gs_record_kind(const gs_record* r);
const char* gs_record_grid(const gs_record* r);
const char* gs_record_subject(const gs_record* r);
const char* gs_record_author(const gs_record* r); /* who created it */
int gs_record_voided(const gs_record* r);
int gs_record_status(const gs_record* r); /* dispute cases: the displayed CaseStatus */
/* Edited fields with their winning values, in name order. */
size_t gs_record_field_count(const gs_record* r);
const char* gs_record_field_name(const gs_record* r, size_t i);
gs_value gs_record_field_value(const gs_record* r, size_t i);
/* Fields in conflict; siblings winner first. */
size_t gs_record_conflict_count(const gs_record* r);
const char* gs_record_conflict_field(const gs_record* r, size_t i);
size_t gs_record_sibling_count(const gs_record* r, size_t i);
gs_value gs_record_sibling_value(const gs_record* r, size_t i, size_t j);
const char* gs_record_sibling_author(const gs_record* r, size_t i, size_t j);
int64_t gs_record_sibling_time_ms(const gs_record* r, size_t i, size_t j);
/* Logs with at least one element, in name order; their elements as
 * protobuf JSON, in element id order. */
size_t gs_record_log_name_count(const gs_record* r);
const char* gs_record_log_name(const gs_record* r, size_t i);
size_t gs_record_log_count(const gs_record* r, const char* log);
const char* gs_record_log_json(const gs_record* r, const char* log, size_t j);
/* The whole readable record (gridsync.v1.Record) as JSON. */
const char* gs_record_json(const gs_record* r);

/* kind 0: any; grid NULL or "": any. */
gs_code gs_list(gs_client* c, int kind, const char* grid_code, int conflicts_only, gs_strings** out,
                gs_error* err);
size_t gs_strings_count(const gs_strings* s);
const char* gs_strings_get(const gs_strings* s, size_t i);
void gs_strings_free(gs_strings* s);

gs_code gs_list_rejected(gs_client* c, gs_rejected** out, gs_error* err);
size_t gs_rejected_count(const gs_rejected* r);
uint64_t gs_rejected_seq(const gs_rejected* r, size_t i);
const char* gs_rejected_record_id(const gs_rejected* r, size_t i);
int gs_rejected_code(const gs_rejected* r, size_t i);
const char* gs_rejected_field(const gs_rejected* r, size_t i);
const char* gs_rejected_message(const gs_rejected* r, size_t i);
void gs_rejected_free(gs_rejected* r);
gs_code gs_dismiss_rejected(gs_client* c, uint64_t device_seq, gs_error* err);

gs_code gs_get_stats(gs_client* c, gs_stats* out, gs_error* err);
/* The server's time as the phone knows it (ms since 1970): stamp the times of
   work (visited_at_ms, checked_at_ms, ...) with it; one more than 10 minutes
   ahead of the server is refused. */
gs_code gs_now_ms(gs_client* c, int64_t* out, gs_error* err);

/* --- the day: lists and figures, offline --------------------------------
 * From the registry of the device's scope and the records as this phone
 * shows them, counted as the server's CoverageService counts (client.h).
 * scope_code: a grid or org unit in the phone's registry (GS_NOT_FOUND
 * before the first sync); month: "YYYY-MM" in China time, NULL or "" for the
 * current one; a page is `limit` (1..1000) entries from `offset`. */
typedef struct gs_day gs_day;

/* Households with their state this month: not yet visited first, then nobody
 * home, then visited. Entries: id = household, name = head of household,
 * state = GS_VISIT_*, time = the period's last visit (0: none). */
enum { GS_VISIT_NOT_YET = 1, GS_VISIT_NOBODY_HOME = 2, GS_VISIT_VISITED = 3 };
gs_code gs_list_households(gs_client* c, const char* scope_code, const char* month, int offset,
                           int limit, gs_day** out, gs_error* err);
/* Supervised persons to check (absent or out of contact, overdue, never
 * checked, or due within `within_days` days). Entries: id = person, name,
 * state = risk level, time = when the check is due, days_overdue, flags. */
gs_code gs_list_due_checks(gs_client* c, const char* scope_code, int within_days, int offset,
                           int limit, gs_day** out, gs_error* err);
/* Open cases (past their deadline first), then resolved cases whose
 * follow-ups are due. Entries: id = record, name = title, state = CaseStatus,
 * time = deadline (0: none), flags. */
gs_code gs_list_open_cases(gs_client* c, const char* scope_code, int offset, int limit,
                           gs_day** out, gs_error* err);
/* The month's figures (入户率, 管控率, 调处率, 回访率, 巡逻率, 安全感率, 满意率):
 * gs_day_coverage; gs_day_json has the distributions, the opinions raised
 * most often and the rows by grid and village. */
gs_code gs_get_coverage(gs_client* c, const char* scope_code, const char* month, gs_day** out,
                        gs_error* err);

enum {
  GS_DAY_NEVER_CHECKED = 1,
  GS_DAY_ABSENT = 2,
  GS_DAY_OUT_OF_CONTACT = 4,
  GS_DAY_OVERDUE = 8,
  GS_DAY_PAST_DEADLINE = 16,
  GS_DAY_FOLLOW_UP_DUE = 32,
  GS_DAY_BACKLOG = 64 /* 积案: open past the county's backlog age */
};
/* The whole answer as protobuf JSON (gridsync.v1.HouseholdList,
 * DueCheckList, CaseList or Coverage), field names as in the .proto. */
const char* gs_day_json(const gs_day* d);
/* The whole answer in protobuf's binary form (the same messages): its bytes,
 * valid until gs_day_free, and their number in *len. What a figure added to
 * the .proto reaches a caller through without any change here; Java's
 * Coverage is read from it. */
const void* gs_day_proto(const gs_day* d, size_t* len);
int64_t gs_day_total(const gs_day* d); /* entries in the whole list */
size_t gs_day_count(const gs_day* d);  /* entries on this page */
const char* gs_day_id(const gs_day* d, size_t i);
const char* gs_day_name(const gs_day* d, size_t i);
const char* gs_day_grid(const gs_day* d, size_t i);
int gs_day_state(const gs_day* d, size_t i);
int64_t gs_day_time_ms(const gs_day* d, size_t i);
int gs_day_days_overdue(const gs_day* d, size_t i);
unsigned gs_day_flags(const gs_day* d, size_t i);

/* The figures of 0.26.0 as a struct, kept for C callers that read them so;
 * figures added since are in gs_day_proto (and gs_day_json) only. */
typedef struct gs_coverage {
  int64_t from_ms, to_ms, as_of_ms;
  int64_t households, visited;
  double visit_rate; /* 入户率 */
  int64_t persons, checked_in_interval, overdue, never_checked, not_yet_due,
      absent_or_out_of_contact;
  double check_rate; /* 管控率 */
  int64_t registered, open, resolved, escalated, followed_up_both, open_now, open_past_deadline;
  double mediation_rate, follow_up_rate; /* 调处率, 回访率 */
  /* 平安夜巡: weeks that met the policy's patrols_per_week, of weeks counted */
  int64_t patrols_per_week, patrols, patrol_weeks, weeks_patrolled;
  double patrol_rate; /* 巡逻率 */
  /* 安全感/满意度: questionnaires asked in the period and their outcomes */
  int64_t surveys_asked, surveys_answered, surveys_refused, surveys_nobody_home;
  double safety_rate, satisfaction_rate; /* 安全感率, 满意率 (top two levels) */
  /* 化解在基层率: cases resolved by the unit itself / registered; an escalated
     case (escalated) is not resolved here even once closed above */
  double grassroots_rate;
  /* 关爱: the care groups (孤寡老人, 留守儿童, 残疾人), counted apart from the
     supervised persons above (persons ... check_rate: 管控率) */
  int64_t care_persons, care_overdue;
  double care_rate; /* 关爱率 */
} gs_coverage;
/* GS_INVALID_ARGUMENT unless `d` came from gs_get_coverage. */
gs_code gs_day_coverage(const gs_day* d, gs_coverage* out, gs_error* err);
void gs_day_free(gs_day* d);

/* --- registry proposals (client.h: Propose, Decide, ListProposals) ---------
 * proposal_json: a gridsync.v1.RegistryProposal in protobuf JSON, e.g.
 * {"action": "PROPOSAL_ACTION_NEW_HOUSEHOLD", "head_name": "王大娘", "address":
 * "3组21号", "reason": "新建房屋"}; household_id for the others. out_id gets the
 * proposal's record id. Decisions: GS_PERMISSION_DENIED on a grid worker's
 * phone, GS_FAILED_PRECONDITION once decided. */
gs_code gs_propose(gs_client* c, const char* grid_code, const char* proposal_json, char out_id[64],
                   gs_error* err);
gs_code gs_decide(gs_client* c, const char* proposal_id, int approve, const char* note,
                  gs_error* err);
/* Pending first. Entries: id = the proposal, name = the head's or person's
 * name it proposes (or its household), grid, state = ProposalDecision,
 * flags = ProposalAction, time = proposed at, author = who proposed;
 * gs_day_entry_json has all of it (gridsync.v1.ProposalItem). */
gs_code gs_list_proposals(gs_client* c, const char* scope_code, int pending_only, int offset,
                          int limit, gs_day** out, gs_error* err);
const char* gs_day_author(const gs_day* d, size_t i);
/* Entry i of any list as protobuf JSON (HouseholdDay, OverduePerson,
 * CaseItem, ProposalItem or TaskItem). */
const char* gs_day_entry_json(const gs_day* d, size_t i);

/* --- 督办 (一月一调度): the town office's tasks (client.h: GiveTask, StepTask,
 * ListTasks) ------------------------------------------------------------------
 * task_json: a gridsync.v1.Task in protobuf JSON, e.g. {"title": "核查路灯",
 * "deadline_ms": "1796054400000", "category": "TASK_CATEGORY_HAZARD",
 * "whole_village": true}; only a town office's device gives one
 * (GS_PERMISSION_DENIED elsewhere). A step (GS_TASK_*): the village accepts
 * and reports done, the office confirms or sends back; GS_PERMISSION_DENIED
 * for another role's step, GS_FAILED_PRECONDITION for one that does not fit
 * the task's state (confirming a task not reported done). */
enum {
  GS_TASK_ACCEPT = 1,      /* 签收 */
  GS_TASK_REPORT_DONE = 2, /* 报结 */
  GS_TASK_CONFIRM = 3,     /* 确认办结 */
  GS_TASK_SEND_BACK = 4    /* 退回重办 */
};
gs_code gs_give_task(gs_client* c, const char* grid_code, const char* task_json, char out_id[64],
                     gs_error* err);
gs_code gs_step_task(gs_client* c, const char* task_id, int action, const char* note,
                     gs_error* err);
/* Open tasks first, overdue first (longest overdue first), then by
 * deadline; then confirmed ones. Entries: id = the task, name = its title,
 * grid, state = TaskState (1 待签收, 2 办理中, 3 待确认, 4 已办结, 5 退回重办),
 * time = deadline, days_overdue, flags = GS_DAY_PAST_DEADLINE when overdue,
 * author = who gave it; gs_day_entry_json is the gridsync.v1.TaskItem. */
gs_code gs_list_tasks(gs_client* c, const char* scope_code, int open_only, int offset, int limit,
                      gs_day** out, gs_error* err);

/* --- 复查 / 电话抽查 (client.h: VerifyVisit) --------------------------------
 * verification_json: a gridsync.v1.VisitVerification in protobuf JSON, e.g.
 * {"method": "VERIFICATION_METHOD_PHONE", "reached": true, "confirmation":
 * "VISIT_CONFIRMATION_NOT_MADE", "remark": "本月没人来过"}. A town office's or
 * the village secretary's device only, never the one that recorded the visit
 * (GS_PERMISSION_DENIED). */
gs_code gs_verify_visit(gs_client* c, const char* visit_id, const char* verification_json,
                        gs_error* err);

/* --- the questionnaire (安全感/满意度) ---------------------------------------
 * The versions the server published, newest first (ask with the first).
 * Entries: id = version, name = title, time = published at;
 * gs_day_entry_json is the whole gridsync.v1.SurveyForm with its questions.
 * Record the answers as a record of kind 6 (Survey) with form_version. */
gs_code gs_survey_forms(gs_client* c, gs_day** out, gs_error* err);

/* --- sync -------------------------------------------------------------- */
gs_code gs_sync(gs_client* c, gs_progress_fn progress, void* user, gs_sync_report* out,
                gs_error* err);
gs_code gs_start_background(gs_client* c, int interval_ms, int min_backoff_ms, int max_backoff_ms,
                            gs_result_fn on_result, void* user, gs_error* err);
void gs_stop_background(gs_client* c);

#ifdef __cplusplus
}
#endif

#endif /* GRIDSYNC_CLIENT_SDK_INCLUDE_GRIDSYNC_GRIDSYNC_H_ */
