#include "gridsync/client.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "client_sdk/attachments.h"
#include "client_sdk/background_sync.h"
#include "client_sdk/day_view.h"
#include "client_sdk/local_store.h"
#include "client_sdk/replica.h"
#include "client_sdk/replica_disk.h"
#include "client_sdk/server_link.h"
#include "client_sdk/sync_session.h"
#include "core/case_level.h"
#include "core/hlc.h"
#include "core/merge.h"
#include "core/proposal.h"
#include "core/registry.h"
#include "core/view.h"
#include "core/write_proof.h"

namespace gridsync::sdk {

using gridsync::v1::Mutation;
using gridsync::v1::RecordState;
using gridsync::v1::RejectedMutation;

// The parts of a client, each with its own concern (see its header); Client
// is their facade. Built in the order of their members; the background
// loop is stopped (~Client) before any part goes.
struct Client::Impl {
  Impl(ClientOptions o, ReplicaDisk d, std::unique_ptr<LocalStore> store,
       std::function<int64_t()> wall)
      : opts(std::move(o)),
        disk(std::move(d)),
        clock(wall),
        replica(std::move(store), &clock,
                {opts.device_id, opts.holder.empty() ? opts.device_id : opts.holder,
                 opts.durable_writes, wall, [this] { background.Wake(); }}),
        link(opts, &clock, &background, wall) {}

  // Checks the replica is this device's, loads it and opens the attachments.
  absl::Status Init();
  // A replica made before phones signed gets its key at its first start
  // after the update; its writes from then on are signed.
  absl::Status LoadSigningKey(const LocalMeta& meta);

  const ClientOptions opts;
  ReplicaDisk disk;  // where the store's and the attachments' files go; outlives both
  core::HybridClock clock;
  Replica replica;
  BackgroundSync background{[this](const ProgressFn& p) { return session->Run(p, /*pull=*/true); },
                            [this] { return replica.wiped(); }};
  ServerLink link;
  core::SigningKey signing_key;              // set by Init, then read only
  std::unique_ptr<Attachments> attachments;  // set by Init
  std::unique_ptr<SyncSession> session;      // set by Init
};

absl::Status Client::Impl::LoadSigningKey(const LocalMeta& meta) {
  auto key = meta.signing_seed.empty() ? core::NewSigningKey()
                                       : core::SigningKeyFromSeed(meta.signing_seed);
  if (!key.ok()) return key.status();
  if (meta.signing_seed.empty()) {
    if (auto st = replica.store().SaveSigningSeed(key->seed); !st.ok()) return st;
  }
  signing_key = std::move(*key);
  return absl::OkStatus();
}

absl::Status Client::Impl::Init() {
  auto meta = replica.store().LoadMeta();
  if (!meta.ok()) return meta.status();
  if (meta->device_id.empty()) {
    if (auto st = replica.store().InitDevice(opts.device_id); !st.ok()) return st;
  } else if (meta->device_id != opts.device_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("the local replica in ", opts.data_dir, " belongs to device ", meta->device_id,
                     ", not ", opts.device_id, "; a re-enrolled phone needs an empty data folder"));
  }
  if (auto st = LoadSigningKey(*meta); !st.ok()) return st;
  if (auto st = replica.Load(*meta); !st.ok()) return st;
  auto files = Attachments::Open(opts, disk, &replica, &link);
  if (!files.ok()) return files.status();
  attachments = std::move(*files);
  session = std::make_unique<SyncSession>(opts, &replica, &link, attachments.get(), &signing_key);
  return absl::OkStatus();
}

// --- Client -----------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Client>> Client::Open(ClientOptions options) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("data_dir is empty");
  if (options.server_address.empty()) return absl::InvalidArgumentError("server_address is empty");
  if (options.device_id.empty() || options.token.empty()) {
    return absl::InvalidArgumentError("device_id and token are required: enrol the phone first");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", options.data_dir, ": ", ec.message()));
  }
  auto disk = OpenReplicaDisk(options.data_dir, options.replica_key);
  if (!disk.ok()) return disk.status();
  auto store = LocalStore::Open(options.data_dir, disk->env.get());
  if (!store.ok()) return store.status();
  auto wall =
      options.wall_clock ? options.wall_clock : std::function<int64_t()>(core::SystemWallMs);
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*disk), std::move(*store), wall);
  if (auto st = impl->Init(); !st.ok()) return st;
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() { impl_->background.Stop(); }

absl::StatusOr<std::string> Client::Create(gridsync::v1::RecordKind kind,
                                           const std::string& grid_code,
                                           const std::string& subject_id,
                                           const std::vector<Field>& fields) {
  const std::string id = impl_->replica.NewId();
  auto st = impl_->replica.Write(
      id,
      [&](const RecordState&, Mutation* m) {
        auto* c = m->mutable_create();
        c->set_subject_id(subject_id);
        for (const auto& f : fields) {
          auto* w = c->add_fields();
          w->set_field(f.name);
          *w->mutable_value() = f.value;
        }
        return absl::OkStatus();
      },
      /*create=*/true, kind, grid_code);
  if (!st.ok()) return st;
  return id;
}

namespace {
// The fields of a record's view `p` as a create writes them: every
// register that is set, but the subject and those named in `skip`.
std::vector<Field> CreateFields(const google::protobuf::Message& p,
                                std::initializer_list<std::string_view> skip) {
  std::vector<Field> out;
  std::vector<const google::protobuf::FieldDescriptor*> set;
  p.GetReflection()->ListFields(p, &set);
  for (const auto* f : set) {
    if (f->name() == "household_id" || f->is_repeated() ||
        std::find(skip.begin(), skip.end(), f->name()) != skip.end()) {
      continue;
    }
    gridsync::v1::FieldValue v;
    const auto* refl = p.GetReflection();
    switch (f->cpp_type()) {
      case google::protobuf::FieldDescriptor::CPPTYPE_STRING:
        v.set_string_value(refl->GetString(p, f));
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_BOOL:
        v.set_bool_value(refl->GetBool(p, f));
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_ENUM:
        v.set_int_value(refl->GetEnumValue(p, f));
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_INT32:
        v.set_int_value(refl->GetInt32(p, f));
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_INT64:
        v.set_int_value(refl->GetInt64(p, f));
        break;
      default:
        continue;
    }
    out.push_back({f->name(), std::move(v)});
  }
  return out;
}
}  // namespace

absl::StatusOr<std::string> Client::Propose(const std::string& grid_code,
                                            const gridsync::v1::RegistryProposal& proposal) {
  if (proposal.decision() != gridsync::core::kProposalPending) {
    return absl::InvalidArgumentError("propose first; decide with Decide");
  }
  return Create(gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL, grid_code, proposal.household_id(),
                CreateFields(proposal, {"decision", "decision_note"}));
}

absl::StatusOr<std::string> Client::GiveTask(const std::string& grid_code,
                                             const gridsync::v1::Task& task) {
  return Create(gridsync::v1::RECORD_KIND_TASK, grid_code, task.household_id(),
                CreateFields(task, {}));
}

absl::Status Client::StepTask(const std::string& task_id, gridsync::v1::TaskAction action,
                              const std::string& note) {
  auto state = impl_->replica.View(task_id);
  if (!state.ok()) return state.status();
  if (!state->has_value() || (*state)->header().kind() != gridsync::v1::RECORD_KIND_TASK) {
    return absl::NotFoundError(absl::StrCat("task ", task_id, " is not on this phone; sync first"));
  }
  gridsync::v1::TaskStep step;  // whose it is, then whether it fits: the replica's checks
  step.set_action(action);
  step.set_note(note);
  auto id = AppendLog(task_id, "steps", step);
  return id.ok() ? absl::OkStatus() : id.status();
}

absl::Status Client::VerifyVisit(const std::string& visit_id,
                                 gridsync::v1::VisitVerification verification) {
  if (verification.verified_at_ms() == 0) verification.set_verified_at_ms(NowMs());
  auto id = AppendLog(visit_id, "verifications", verification);
  return id.ok() ? absl::OkStatus() : id.status();
}

absl::StatusOr<gridsync::v1::ListTasksResponse> Client::ListTasks(const std::string& scope_code,
                                                                  bool open_only, int offset,
                                                                  int limit) const {
  const int64_t now = NowMs();
  return impl_->replica.Day(scope_code, offset, limit, [&](const DayView& d) {
    return d.Tasks(scope_code, now, open_only, offset, limit);
  });
}

absl::Status Client::Decide(const std::string& proposal_id, bool approve, const std::string& note) {
  const DeviceScope scope = Scope();
  if (scope.role == gridsync::v1::ROLE_UNSPECIFIED) {
    return absl::FailedPreconditionError("sync once first: the phone does not know its role yet");
  }
  if (!core::MayDecide(scope.role)) {
    return absl::PermissionDeniedError(
        absl::StrCat("only a village secretary or the town office decides a registry proposal; "
                     "this phone is a ",
                     gridsync::v1::Role_Name(scope.role)));
  }
  auto view = Get(proposal_id);
  if (!view.ok()) return view.status();
  if (view->kind() != gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL) {
    return absl::InvalidArgumentError(absl::StrCat(proposal_id, " is not a registry proposal"));
  }
  // The note first: nothing is written to a decided proposal.
  if (!note.empty()) {
    gridsync::v1::FieldValue v;
    v.set_string_value(note);
    if (auto st = SetField(proposal_id, "decision_note", v); !st.ok()) return st;
  }
  gridsync::v1::FieldValue d;
  d.set_int_value(approve ? gridsync::v1::PROPOSAL_DECISION_APPROVED
                          : gridsync::v1::PROPOSAL_DECISION_REJECTED);
  return SetField(proposal_id, "decision", d);
}

absl::StatusOr<gridsync::v1::ProposalList> Client::ListProposals(const std::string& scope_code,
                                                                 bool pending_only, int offset,
                                                                 int limit) const {
  return impl_->replica.Day(scope_code, offset, limit, [&](const DayView& d) {
    return d.Proposals(scope_code, pending_only, offset, limit);
  });
}

absl::Status Client::SetField(const std::string& record_id, const std::string& field,
                              const gridsync::v1::FieldValue& value) {
  return impl_->replica.Write(
      record_id,
      [&](const RecordState& cur, Mutation* m) {
        auto* sf = m->mutable_set_field();
        sf->set_field(field);
        *sf->mutable_value() = value;
        for (const auto& r : cur.registers()) {
          if (r.field() == field) *sf->mutable_seen() = r.context();  // saw every sibling
        }
        return absl::OkStatus();
      },
      false);
}

absl::Status Client::ChooseSibling(const std::string& record_id, const std::string& field,
                                   int index) {
  auto rec = Get(record_id);
  if (!rec.ok()) return rec.status();
  for (const auto& c : rec->conflicts()) {
    if (c.field() != field) continue;
    if (index < 0 || index >= c.siblings_size()) {
      return absl::OutOfRangeError(absl::StrCat(
          field, " has ", c.siblings_size(), " values in conflict; index ", index, " is not one"));
    }
    return SetField(record_id, field, c.siblings(index).value());
  }
  return absl::FailedPreconditionError(
      absl::StrCat(field, " of ", record_id, " is not in conflict (any more)"));
}

absl::StatusOr<std::string> Client::AppendLog(const std::string& record_id, const std::string& log,
                                              const google::protobuf::Message& payload) {
  return impl_->replica.AppendLog(record_id, log, payload);
}

absl::StatusOr<gridsync::v1::PhotoRef> Client::AttachBytes(const std::string& record_id,
                                                           std::string_view bytes,
                                                           const AttachOptions& options) {
  return impl_->attachments->Attach(record_id, bytes, options);
}

absl::StatusOr<gridsync::v1::PhotoRef> Client::AttachFile(const std::string& record_id,
                                                          const std::string& path,
                                                          const AttachOptions& options) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", ec.message()));
  if (auto st = impl_->attachments->CheckSize(static_cast<int64_t>(size)); !st.ok()) return st;
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  AttachOptions o = options;
  if (o.file_name.empty()) o.file_name = std::filesystem::path(path).filename().string();
  return impl_->attachments->Attach(record_id, bytes, o);
}

std::vector<gridsync::v1::UploadEntry> Client::PendingUploads() const {
  if (impl_->replica.wiped()) return {};
  return impl_->replica.store().ListUploads();
}

void Client::SetNetworkMetered(bool metered) { impl_->attachments->SetMetered(metered); }

absl::StatusOr<std::string> Client::FetchAttachment(
    const std::string& record_id, const std::string& sha256,
    const std::function<void(int64_t, int64_t)>& progress) {
  if (impl_->replica.wiped()) return Replica::WipedError();
  if (impl_->disk.encrypted()) {
    return absl::FailedPreconditionError(
        "the replica is encrypted: its attachment files are ciphertext; read the bytes with "
        "ReadAttachment");
  }
  return impl_->attachments->Fetch(record_id, sha256, progress);
}

absl::StatusOr<std::string> Client::ReadAttachment(
    const std::string& record_id, const std::string& sha256,
    const std::function<void(int64_t, int64_t)>& progress) {
  if (impl_->replica.wiped()) return Replica::WipedError();
  auto path = impl_->attachments->Fetch(record_id, sha256, progress);
  if (!path.ok()) return path.status();
  return impl_->attachments->Read(sha256);
}

absl::Status Client::Rekey(const std::string& data_dir, const std::string& old_key,
                           const std::string& new_key) {
  return RekeyReplica(data_dir, old_key, new_key);
}

absl::Status Client::SetStatus(const std::string& record_id, gridsync::v1::CaseStatus status) {
  return impl_->replica.Write(
      record_id,
      [&](const RecordState& cur, Mutation* m) {
        m->mutable_set_status()->set_status(status);
        m->mutable_set_status()->set_epoch(core::StatusEpochFor(cur.status()));
        return absl::OkStatus();
      },
      false);
}

absl::Status Client::Reopen(const std::string& record_id, gridsync::v1::CaseStatus to_status,
                            const std::string& reason) {
  return impl_->replica.Write(
      record_id,
      [&](const RecordState& cur, Mutation* m) {
        auto* r = m->mutable_reopen();
        r->set_seen_status(core::DisplayStatus(cur.status()));
        r->set_seen_epoch(cur.status().epoch());
        r->set_to_status(to_status);
        r->set_reason(reason);
        return absl::OkStatus();
      },
      false);
}

absl::Status Client::Void(const std::string& record_id, const std::string& reason) {
  return impl_->replica.Write(
      record_id,
      [&](const RecordState&, Mutation* m) {
        m->mutable_void_record()->set_reason(reason);
        return absl::OkStatus();
      },
      false);
}

absl::StatusOr<gridsync::v1::RecordState> Client::GetState(const std::string& record_id) const {
  auto s = impl_->replica.View(record_id);
  if (!s.ok()) return s.status();
  if (!s->has_value() || (*s)->header().kind() == gridsync::v1::RECORD_KIND_UNSPECIFIED) {
    return absl::NotFoundError(absl::StrCat("record ", record_id, " is not on this phone"));
  }
  return std::move(**s);
}

absl::StatusOr<gridsync::v1::Record> Client::Get(const std::string& record_id) const {
  auto s = GetState(record_id);
  if (!s.ok()) return s.status();
  return core::BuildView(*s);
}

std::vector<std::string> Client::List(const RecordFilter& filter) const {
  return impl_->replica.List(filter);
}

DeviceScope Client::Scope() const { return impl_->replica.Scope(); }
std::vector<gridsync::v1::OrgUnit> Client::OrgUnits() const { return impl_->replica.OrgUnits(); }

absl::StatusOr<gridsync::v1::ListSurveyFormsResponse> Client::SurveyForms() const {
  auto forms = impl_->replica.SurveyForms();
  if (!forms.ok()) return forms.status();
  gridsync::v1::ListSurveyFormsResponse out;
  for (auto& f : *forms) *out.add_forms() = std::move(f);
  return out;
}

absl::StatusOr<gridsync::v1::HouseholdList> Client::ListHouseholds(const std::string& scope_code,
                                                                   const std::string& month,
                                                                   int offset, int limit) const {
  gridsync::v1::Period period;
  period.set_month(month);
  auto q = core::ResolvePeriod(period, NowMs());
  if (!q.ok()) return q.status();
  return impl_->replica.Day(scope_code, offset, limit, [&](const DayView& d) {
    return d.Households(scope_code, q->from_ms, q->to_ms, offset, limit);
  });
}

absl::StatusOr<gridsync::v1::DueCheckList> Client::ListDueChecks(const std::string& scope_code,
                                                                 int within_days, int offset,
                                                                 int limit) const {
  if (within_days < 0 || within_days > 366) {
    return absl::InvalidArgumentError(
        absl::StrCat("within_days must be 0..366; got ", within_days));
  }
  const int64_t now = NowMs();
  return impl_->replica.Day(scope_code, offset, limit, [&](const DayView& d) {
    return d.DueChecks(scope_code, now, within_days, offset, limit);
  });
}

absl::StatusOr<gridsync::v1::CaseList> Client::ListOpenCases(const std::string& scope_code,
                                                             int offset, int limit) const {
  const int64_t now = NowMs();
  return impl_->replica.Day(scope_code, offset, limit, [&](const DayView& d) {
    return d.Cases(scope_code, now, offset, limit);
  });
}

absl::StatusOr<gridsync::v1::GetCoverageResponse> Client::GetCoverage(
    const std::string& scope_code, const std::string& month) const {
  gridsync::v1::Period period;
  period.set_month(month);
  auto q = core::ResolvePeriod(period, NowMs());
  if (!q.ok()) return q.status();
  return impl_->replica.Day(scope_code, 0, 1,
                            [&](const DayView& d) { return d.GetCoverage(scope_code, *q); });
}

std::vector<RejectedMutation> Client::Rejected() const {
  if (impl_->replica.wiped()) return {};
  return impl_->replica.store().ListRejected();
}
bool Client::Wiped() const { return impl_->replica.wiped(); }

absl::Status Client::DismissRejected(uint64_t device_seq) {
  if (impl_->replica.wiped()) return Replica::WipedError();
  return impl_->replica.store().DeleteRejected(device_seq);
}

ClientStats Client::Stats() const { return impl_->replica.Stats(); }
int64_t Client::NowMs() const { return impl_->replica.NowMs(); }

absl::StatusOr<SyncReport> Client::Sync(const ProgressFn& progress) {
  return impl_->session->Run(progress, /*pull=*/true);
}

absl::StatusOr<SyncReport> Client::Push(const ProgressFn& progress) {
  return impl_->session->Run(progress, /*pull=*/false);
}

void Client::StartBackground(BackgroundOptions options) {
  impl_->background.Start(std::move(options));
}

void Client::StopBackground() { impl_->background.Stop(); }

}  // namespace gridsync::sdk
