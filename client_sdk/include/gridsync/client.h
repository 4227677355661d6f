// The gridsync client SDK: an offline-first replica of the device's scope.
//
// Writes go to a durable outbox on the phone and return at once, with or
// without network. Reads show the server's state as last pulled with the
// device's unsent (and sent but not yet pulled) mutations replayed on top,
// merged by the same core/ code the server runs. Sync() pushes the outbox and
// pulls until caught up; StartBackground() runs it with backoff.
//
// Every method is thread-safe. Errors are absl::Status with a message a
// person can act on; nothing throws.
#ifndef GRIDSYNC_CLIENT_SDK_INCLUDE_GRIDSYNC_CLIENT_H_
#define GRIDSYNC_CLIENT_SDK_INCLUDE_GRIDSYNC_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gridsync/v1/client_api.pb.h"
#include "gridsync/v1/coverage_service.pb.h"
#include "gridsync/v1/record_state.pb.h"
#include "gridsync/v1/records.pb.h"
#include "gridsync/v1/registry.pb.h"

namespace gridsync::sdk {

struct ClientOptions {
  std::string data_dir;        // the app's private folder; created if missing
  std::string server_address;  // host:port
  std::string device_id;       // from enrolment
  std::string token;           // from enrolment
  std::string holder;          // the worker's name, shown as author until synced
  // PEM roots for TLS (a county's own CA); empty uses the system roots.
  // Given roots always mean TLS; without them loopback addresses are
  // plaintext (tests, a local proxy) and everything else is TLS.
  std::string tls_root_certs;
  bool compression = true;  // gzip on requests; the server compresses pulls
  int push_batch = 500;     // mutations per Push, at most 1000
  int pull_page = 1000;     // changes per Pull page, at most 5000
  std::chrono::seconds rpc_timeout{60};
  int max_restamp_rounds = 3;
  // Each write's WAL is synced before it returns, so a dead battery loses
  // nothing. Keep it on in an app; load generators that measure the server
  // turn it off (writes still survive a killed process, not a power cut).
  bool durable_writes = true;  // per Sync, for a server that keeps refusing stamps
  // The phone's wall clock in ms; tests give a skewed one.
  std::function<int64_t()> wall_clock;

  // Attachments (Attach): the largest file the phone takes (the server's
  // default limit too); how many bytes of the replica's attachments folder
  // downloads and already uploaded files may fill before the least recently
  // used go (files not yet uploaded always stay); the first upload chunk
  // (halved after each break, down to 16 KB).
  int64_t max_attachment_bytes = int64_t{10} << 20;
  int64_t attachment_cache_bytes = int64_t{200} << 20;
  int upload_chunk_bytes = 128 << 10;
  // Upload attachments only on an unmetered network (the app says which it
  // is on: Client::SetNetworkMetered). Records sync on any network.
  bool attachments_unmetered_only = false;

  // The replica's key at rest: 32 bytes the app keeps outside the replica
  // (on Android, made and held by the Keystore), never stored by the SDK.
  // Given, everything the SDK writes under data_dir is encrypted (AES-256;
  // see client_sdk/replica_crypto.h), a plain replica is encrypted on this
  // open with all it holds, and a wrong key is PERMISSION_DENIED. Empty: a
  // plain replica; an encrypted one then refuses to open
  // (FAILED_PRECONDITION).
  std::string replica_key;
};

// What Attach records with the file, beside its hash, size and type.
struct AttachOptions {
  std::string content_type = "";  // empty: from the bytes (JPEG, PNG or PDF)
  std::string file_name = "";     // as the worker knows it; folders are dropped
  std::string caption = "";
  gridsync::v1::AttachmentPurpose purpose = gridsync::v1::ATTACHMENT_PURPOSE_SCENE;
  int64_t taken_at_ms = 0;  // 0: now
};

struct SyncProgress {
  // Numbered as the C API passes them (gridsync.h gs_progress_fn).
  enum class Phase { kPush, kPull, kDone, kUpload };
  Phase phase = Phase::kPush;
  int64_t pushed = 0;    // mutations acknowledged (applied or duplicate)
  int64_t rejected = 0;  // moved to the rejected list
  int64_t pending = 0;   // still in the outbox unsent
  int64_t pulled = 0;    // record states received
  uint64_t cursor = 0;
  // Attachments' bytes acknowledged by the server in this sync, of those
  // to send when it began.
  int64_t upload_bytes_sent = 0, upload_bytes_total = 0;
};
using ProgressFn = std::function<void(const SyncProgress&)>;

struct SyncReport {
  int64_t pushed = 0;
  int64_t duplicates = 0;  // already applied earlier (a lost ack)
  int64_t rejected = 0;
  int64_t restamped = 0;  // mutations re-stamped after a skew refusal
  // Mutations given new device seqs because this replica had gone back in
  // time (its folder restored from an older copy; see README). Non-zero is
  // worth telling the app's support log; nothing was lost.
  int64_t renumbered = 0;
  int64_t pulled = 0;
  // Mutations the server had acknowledged and then lost (its store was
  // restored from a backup): pushed again, and everything pulled again.
  int64_t repushed = 0;
  // After such a restore: records whose state here held writes the server
  // no longer had, sent back and merged (this phone's own writes); those
  // the server refused (outside this phone's scope now, or invalid); and
  // those holding other devices' writes the server lacked, which it keeps
  // for the county to review (SyncService.Refill).
  int64_t refilled = 0;
  int64_t refill_refused = 0;
  int64_t refill_held = 0;
  int64_t push_calls = 0, pull_calls = 0, refill_calls = 0;
  uint64_t cursor = 0;
  // The release the server said it runs in its last Pull answer ("0.26.0";
  // empty from a server older than 0.26.0).
  std::string server_release;
  // Attachments: uploaded whole (or found already on the server), bytes the
  // server acknowledged, still to send (their record not yet acknowledged,
  // a metered network with attachments_unmetered_only, the day's quota
  // spent), and refused for good (PendingUploads says why).
  int64_t attachments_uploaded = 0;
  int64_t attachment_bytes_sent = 0;
  int64_t attachments_waiting = 0;
  int64_t attachments_refused = 0;
  // Records and registry entries the phone let go, as the server's
  // retention says (core/retention.h): persons whose supervision ended and
  // households that left, past the period, with their records; visits,
  // checks and finished cases after a year. The server keeps them all.
  int64_t forgotten = 0;
};

struct BackgroundOptions {
  std::chrono::milliseconds interval{30000};  // between syncs when all is well
  std::chrono::milliseconds min_backoff{1000};
  std::chrono::milliseconds max_backoff{300000};
  ProgressFn progress;
  // Called after every attempt, from the background thread.
  std::function<void(const absl::Status&, const SyncReport&)> on_result;
};

// One field write, as in a create.
struct Field {
  std::string name;
  gridsync::v1::FieldValue value;
};

struct RecordFilter {
  gridsync::v1::RecordKind kind = gridsync::v1::RECORD_KIND_UNSPECIFIED;  // any
  std::string grid_code;                                                  // empty: any
  bool conflicts_only = false;
  bool include_voided = true;
};

// What the device may see, as the server said at the last sync.
struct DeviceScope {
  std::vector<std::string> codes;  // grid codes, or one village, town or county code
  gridsync::v1::Role role = gridsync::v1::ROLE_UNSPECIFIED;
};

struct ClientStats {
  int64_t pending = 0;         // not yet acknowledged by the server
  int64_t acked_unpulled = 0;  // acknowledged, replayed until pulled
  int64_t rejected = 0;
  int64_t records = 0;  // server states held
  uint64_t cursor = 0;
  int64_t clock_offset_ms = 0;
};

class Client {
 public:
  // Opens (or creates) the replica in options.data_dir. A folder made for
  // another device is refused: a wiped and re-enrolled phone starts fresh.
  static absl::StatusOr<std::unique_ptr<Client>> Open(ClientOptions options);
  // Re-encrypts the replica in `data_dir` under `new_key` (a new data key,
  // every file written again; a kill part-way leaves the old replica or the
  // new one whole). PERMISSION_DENIED if `old_key` does not open it.
  // REQUIRES: no Client has the folder open.
  static absl::Status Rekey(const std::string& data_dir, const std::string& old_key,
                            const std::string& new_key);
  ~Client();  // stops the background sync

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // --- writes: validated, durable in the outbox when they return ---------
  // Returns the new record's id (a ULID made on the phone).
  absl::StatusOr<std::string> Create(gridsync::v1::RecordKind kind, const std::string& grid_code,
                                     const std::string& subject_id,
                                     const std::vector<Field>& fields);
  // Writes a field having seen its current value(s): on a field in
  // conflict this is the resolution.
  absl::Status SetField(const std::string& record_id, const std::string& field,
                        const gridsync::v1::FieldValue& value);
  // Resolves a conflict by keeping sibling `index` (as FieldConflict lists
  // them: winner first).
  absl::Status ChooseSibling(const std::string& record_id, const std::string& field, int index);
  // Appends a log element (payload: the log's message, e.g. a
  // MediationSession). Returns the element id.
  absl::StatusOr<std::string> AppendLog(const std::string& record_id, const std::string& log,
                                        const google::protobuf::Message& payload);
  absl::Status SetStatus(const std::string& record_id, gridsync::v1::CaseStatus status);
  absl::Status Reopen(const std::string& record_id, gridsync::v1::CaseStatus to_status,
                      const std::string& reason);
  absl::Status Void(const std::string& record_id, const std::string& reason);

  // --- attachments: photos and documents (留痕) -----------------------------
  // Attaches a file to a record: the bytes are copied into the replica (so
  // the app may delete its own copy), and the reference (records.proto
  // PhotoRef: hash, size, type, name, caption, purpose) is appended to the
  // record's log of attachments (a visit's or check's photos, a case's
  // attachments) like any write, syncing at once. The bytes are uploaded
  // after the records, at the next Sync. INVALID_ARGUMENT for an empty or
  // too large file, a type other than JPEG, PNG or PDF, or a record kind
  // without attachments; NOT_FOUND for a record this phone does not hold.
  absl::StatusOr<gridsync::v1::PhotoRef> AttachFile(const std::string& record_id,
                                                    const std::string& path,
                                                    const AttachOptions& options = {});
  absl::StatusOr<gridsync::v1::PhotoRef> AttachBytes(const std::string& record_id,
                                                     std::string_view bytes,
                                                     const AttachOptions& options = {});
  // Attachments whose bytes are not yet uploaded, and those refused for good
  // (refused_code and message set: the app shows them).
  std::vector<gridsync::v1::UploadEntry> PendingUploads() const;
  // Whether the phone is on a metered network now (mobile data). With
  // ClientOptions::attachments_unmetered_only, uploads wait for one that is
  // not.
  void SetNetworkMetered(bool metered);
  // The local path of attachment `sha256` of record `record_id`: from the
  // replica when it is there, downloaded (resuming a download cut short)
  // when not, then kept in the cache. `progress(done, total)` in bytes.
  // NOT_FOUND when the record does not reference it or its bytes have not
  // reached the server; the server's refusal (another grid, a voided record)
  // as it says.
  // FAILED_PRECONDITION on an encrypted replica, whose files only the SDK
  // can read: use ReadAttachment.
  absl::StatusOr<std::string> FetchAttachment(
      const std::string& record_id, const std::string& sha256,
      const std::function<void(int64_t, int64_t)>& progress = nullptr);
  // The same attachment's bytes (fetched as FetchAttachment does), for an
  // encrypted replica or any other.
  absl::StatusOr<std::string> ReadAttachment(
      const std::string& record_id, const std::string& sha256,
      const std::function<void(int64_t, int64_t)>& progress = nullptr);

  // --- reads --------------------------------------------------------------
  absl::StatusOr<gridsync::v1::Record> Get(const std::string& record_id) const;
  absl::StatusOr<gridsync::v1::RecordState> GetState(const std::string& record_id) const;
  std::vector<std::string> List(const RecordFilter& filter = {}) const;
  std::vector<gridsync::v1::RejectedMutation> Rejected() const;
  // The app showed the rejection to the worker; forget it.
  absl::Status DismissRejected(uint64_t device_seq);
  ClientStats Stats() const;
  // Whether the server ordered this phone's replica erased (its device was
  // revoked as lost: gridsyncctl revoke --wipe) and the SDK did so. The sync
  // that found out returned PERMISSION_DENIED saying so; every call after
  // refuses the same way (or returns nothing). The app tells the worker and
  // closes the client; the folder is gone.
  bool Wiped() const;
  // The server's time as this phone knows it: the phone's clock corrected by
  // the offset measured at the last sync (the phone's own clock before the
  // first). Stamp the times of work with it (visited_at_ms and the like): one
  // more than 10 minutes ahead of the server is refused.
  int64_t NowMs() const;

  // --- the day: lists and figures, offline ---------------------------------
  // From the registry of the device's scope (pulled with the records) and
  // every record as this phone shows it (its unsent writes included), counted
  // by the core/ code the server's CoverageService runs: after a sync the
  // figures equal the server's. `scope_code` is a grid or org unit in this
  // phone's registry (the worker's grid, the secretary's village); `month`
  // is "YYYY-MM" in China time, empty for the current one. Lists are paged:
  // `limit` 1..1000 entries from `offset`, with the total.

  // The device's scope (empty before the first sync) and the org units of
  // the phone's registry: the scope's and those above it, for names.
  DeviceScope Scope() const;
  std::vector<gridsync::v1::OrgUnit> OrgUnits() const;

  // The scope's households with their state this month: not yet visited
  // first, then nobody home (go again), then visited.
  absl::StatusOr<gridsync::v1::HouseholdList> ListHouseholds(const std::string& scope_code,
                                                             const std::string& month = "",
                                                             int offset = 0, int limit = 100) const;
  // Supervised persons to check: absent or out of contact at the last
  // check, overdue (never checked too), or due within `within_days` days.
  absl::StatusOr<gridsync::v1::DueCheckList> ListDueChecks(const std::string& scope_code,
                                                           int within_days = 7, int offset = 0,
                                                           int limit = 100) const;
  // Open cases (past their deadline first), then resolved cases whose
  // follow-ups of the parties are due.
  absl::StatusOr<gridsync::v1::CaseList> ListOpenCases(const std::string& scope_code,
                                                       int offset = 0, int limit = 100) const;
  // --- registry proposals: the registry changed from the field ----------
  // A change to the registry (records.proto RegistryProposal: its action
  // and the fields the action needs; household_id empty for a new
  // household), in `grid_code`. It syncs like any record; the registry and
  // the figures change only once a village secretary or town office
  // approves it, on the server, and the phones pull the result. Returns the
  // proposal's record id.
  absl::StatusOr<std::string> Propose(const std::string& grid_code,
                                      const gridsync::v1::RegistryProposal& proposal);
  // Approves or rejects a pending proposal, with a note: PERMISSION_DENIED
  // on a grid worker's phone; FAILED_PRECONDITION once decided.
  absl::Status Decide(const std::string& proposal_id, bool approve, const std::string& note = "");
  // The scope's proposals: pending first (oldest first), then decided.
  absl::StatusOr<gridsync::v1::ProposalList> ListProposals(const std::string& scope_code,
                                                           bool pending_only = false,
                                                           int offset = 0, int limit = 100) const;

  // --- 督办 (一月一调度): the town office's tasks --------------------------
  // Gives a task (records.proto Task: title and deadline_ms required; the
  // household_id for a household's) to `grid_code`, or, with whole_village,
  // to its village. PERMISSION_DENIED on any phone but a town office's
  // (core/task.h says who writes what); FAILED_PRECONDITION before the
  // phone's first sync (it does not know its role). Returns the task's id.
  absl::StatusOr<std::string> GiveTask(const std::string& grid_code,
                                       const gridsync::v1::Task& task);
  // Takes a step on a task: the village accepts it or reports it done, the
  // office confirms it or sends it back; `note` says what was done or why.
  // PERMISSION_DENIED for a step that is not this phone's role's;
  // FAILED_PRECONDITION for one that does not fit the task's state as this
  // phone holds it (confirming a task not reported done).
  absl::Status StepTask(const std::string& task_id, gridsync::v1::TaskAction action,
                        const std::string& note = "");
  // The scope's tasks: open ones first, overdue first; then confirmed ones.
  absl::StatusOr<gridsync::v1::ListTasksResponse> ListTasks(const std::string& scope_code,
                                                            bool open_only = false, int offset = 0,
                                                            int limit = 100) const;

  // --- 复查 / 电话抽查 ------------------------------------------------------
  // Records what the household said of the visit `visit_id`
  // (records.proto VisitVerification: method, reached, confirmation, the
  // 四个一 it confirms, satisfaction, remark); verified_at_ms is set to now
  // when left out. A town office's or the village secretary's device, never
  // the one that recorded the visit (PERMISSION_DENIED). A visit found not
  // made leaves 入户率 on every phone once synced.
  absl::Status VerifyVisit(const std::string& visit_id,
                           gridsync::v1::VisitVerification verification);

  // The questionnaire's versions the server published (安全感/满意度), newest
  // first: ask with the first, and record a Survey (records.proto) with its
  // version. Empty before the first sync or when none was published.
  absl::StatusOr<gridsync::v1::ListSurveyFormsResponse> SurveyForms() const;

  // 入户率, 管控率, 调处率 and 回访率 with their counts, by grid and by worker;
  // the patrol rate (巡逻率) by village; the questionnaire's 安全感率 and
  // 满意率: the same answer as CoverageService.GetCoverage for the scope and
  // month.
  absl::StatusOr<gridsync::v1::GetCoverageResponse> GetCoverage(
      const std::string& scope_code, const std::string& month = "") const;

  // --- sync -----------------------------------------------------------------
  // Pushes the outbox, then pulls until caught up, then uploads the
  // attachments whose records the server holds. Safe to kill at any point:
  // a mutation is removed from the outbox only after the server's ack and
  // the pull that covers it, and the server answers a replay as a duplicate;
  // an upload resumes from the bytes the server acknowledged.
  absl::StatusOr<SyncReport> Sync(const ProgressFn& progress = nullptr);
  // Pushes the outbox without pulling (a metered connection, a load test).
  // Acknowledged writes stay in the view until a later Sync pulls them.
  absl::StatusOr<SyncReport> Push(const ProgressFn& progress = nullptr);
  void StartBackground(BackgroundOptions options);
  // Cancels a call in flight and joins the thread.
  void StopBackground();

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_INCLUDE_GRIDSYNC_CLIENT_H_
