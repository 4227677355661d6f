#include "server/sync_service.h"

#include <functional>
#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/version.h"
#include "core/case_level.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/merge.h"
#include "core/proposal.h"
#include "core/record_limits.h"
#include "core/refill.h"
#include "core/retention.h"
#include "core/role_rules.h"
#include "core/validate.h"
#include "core/verification.h"
#include "core/view.h"
#include "core/write_proof.h"
#include "server/grpc_edge.h"
#include "server/log.h"
#include "server/raw_unary.h"

namespace gridsync::server {
namespace {
using gridsync::v1::Mutation;
using gridsync::v1::MutationResult;
using gridsync::v1::RecordState;

void Reject(MutationResult* r, absl::StatusCode code, std::string field, std::string message,
            bool retryable = false) {
  r->set_outcome(gridsync::v1::MUTATION_OUTCOME_REJECTED);
  r->set_code(static_cast<int>(code));
  r->set_field(std::move(field));
  r->set_message(std::move(message));
  r->set_retryable(retryable);
}

// A result per mutation, naming its seq and record, and the server's time.
void StartAnswer(const std::vector<DecodedMutation>& mutations, int64_t now, uint64_t epoch,
                 gridsync::v1::PushResponse* resp) {
  resp->set_server_time_ms(now);
  resp->set_store_epoch(epoch);
  resp->mutable_results()->Reserve(static_cast<int>(mutations.size()));
  for (const DecodedMutation& d : mutations) {
    auto* r = resp->add_results();
    r->set_device_seq(d.device_seq);
    r->set_record_id(d.record_id);
  }
}

// The stored first result of each mutation applied before (a retry, or a
// reused seq); nullopt for new ones and those that did not parse.
absl::StatusOr<std::vector<std::optional<MutationResult>>> LookUpEarlier(
    RecordStore* store, const Principal& who, const std::vector<DecodedMutation>& mutations) {
  std::vector<const Mutation*> parsed;
  for (const DecodedMutation& d : mutations) {
    if (d.mutation) parsed.push_back(&*d.mutation);
  }
  auto found = store->LookupResults(who.device.device_id(), parsed);
  if (!found.ok()) return found.status();
  std::vector<std::optional<MutationResult>> out(mutations.size());
  for (size_t i = 0, j = 0; i < mutations.size(); ++i) {
    if (mutations[i].mutation) out[i] = std::move((*found)[j++]);
  }
  return out;
}

struct Refused {
  absl::StatusCode code;
  std::string field;  // within the mutation
  std::string message;
  bool retryable = false;
};

// The registry entries the mutations still pending need, each key once.
struct RegistryNeeds {
  struct Pending {
    int index;     // in the request
    size_t grid;   // in keys
    long subject;  // the household or person, in keys; -1 when none is named
    long person;   // a proposal's person, in keys; -1 when none
  };
  std::vector<Pending> pending;  // mutations that passed every check so far
  std::vector<std::string> keys;
  absl::flat_hash_map<std::string, size_t> index;  // key -> its place in keys

  size_t Key(const std::string& k) {  // adds k once
    auto [it, added] = index.try_emplace(k, keys.size());
    if (added) keys.push_back(k);
    return it->second;
  }
  // What `m`, the request's `i`th, needs: its grid, and a create's subject
  // and proposed person.
  void Add(int i, const Mutation& m) {
    Pending p{i, Key(m.grid_code()), -1, -1};
    if (m.has_create() && !m.create().subject_id().empty()) {
      p.subject = static_cast<long>(Key(m.create().subject_id()));
    }
    if (m.has_create() && m.kind() == gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL) {
      for (const auto& f : m.create().fields()) {
        if (f.field() == "person_id") p.person = static_cast<long>(Key(f.value().string_value()));
      }
    }
    pending.push_back(p);
  }
  // Why `p` may not be written when `have` says which keys exist (a field
  // relative to the mutation); nullopt when it may.
  std::optional<Refused> Missing(const Pending& p, const std::vector<bool>& have) const {
    if (!have[p.grid]) {
      return Refused{
          absl::StatusCode::kInvalidArgument, "grid_code",
          absl::StrCat("grid ", keys[p.grid], " is not in the registry; import it first")};
    }
    if (p.subject >= 0 && !have[static_cast<size_t>(p.subject)]) {
      return Refused{
          absl::StatusCode::kInvalidArgument, "create.subject_id",
          absl::StrCat(keys[static_cast<size_t>(p.subject)], " is not in the registry of grid ",
                       keys[p.grid],
                       "; the phone's household and person lists may be stale: pull first")};
    }
    if (p.person >= 0 && !have[static_cast<size_t>(p.person)]) {
      return Refused{absl::StatusCode::kInvalidArgument, "create.fields",
                     absl::StrCat("person ", keys[static_cast<size_t>(p.person)],
                                  " is not in the registry; the phone's lists may be stale: pull "
                                  "first")};
    }
    return std::nullopt;
  }
};

// Why `who` may not apply `m` at `now` (its shape, scope, role, clock);
// nullopt when it may.
std::optional<Refused> Refusal(const Principal& who, const Mutation& m, int64_t now,
                               int64_t max_skew_ms) {
  if (auto v = core::ValidateMutation(m)) {
    return Refused{absl::StatusCode::kInvalidArgument, v->field, v->message};
  }
  if (!who.InScope(m.grid_code())) {
    return Refused{
        absl::StatusCode::kPermissionDenied, "grid_code",
        absl::StrCat("grid ", m.grid_code(), " is outside this device's scope (",
                     who.device.scope_codes_size() ? who.device.scope_codes(0) : "", ")")};
  }
  if (m.kind() == gridsync::v1::RECORD_KIND_REGISTRY_PROPOSAL && core::SetsDecision(m) &&
      !core::MayDecide(who.device.role())) {
    return Refused{absl::StatusCode::kPermissionDenied,
                   m.has_set_field() ? "set_field.field" : "create.fields",
                   absl::StrCat("only a village secretary or the town office decides a registry "
                                "proposal; this device is a ",
                                gridsync::v1::Role_Name(who.device.role()))};
  }
  if (auto v = core::RoleWriteRefusal(who.device.role(), m)) {
    return Refused{absl::StatusCode::kPermissionDenied, v->field, v->message};
  }
  if (auto st = core::CheckSkew(m.hlc(), now, max_skew_ms); !st.ok()) {
    return Refused{st.code(), "hlc", std::string(st.message()), /*retryable=*/true};
  }
  if (auto v = core::CheckDomainTimes(m, now, max_skew_ms)) {
    return Refused{absl::StatusCode::kInvalidArgument, v->field, v->message};
  }
  return std::nullopt;
}

// Answers retries and rejects what fails a check that needs no stored
// state; returns what the rest need from the registry.
RegistryNeeds CheckEach(const Principal& who, const std::vector<DecodedMutation>& mutations,
                        std::vector<std::optional<MutationResult>>& earlier, int64_t now,
                        int64_t max_skew_ms, gridsync::v1::PushResponse* resp) {
  RegistryNeeds needs;
  uint64_t reused_high = 0;  // set from the first SEQ_REUSED on
  for (int i = 0; i < static_cast<int>(mutations.size()); ++i) {
    auto* r = resp->mutable_results(i);
    const std::string prefix = absl::StrCat("mutations[", i, "].");
    if (!mutations[i].mutation) {  // did not parse: a string not UTF-8, or malformed
      const core::FieldViolation& v = mutations[i].violation;
      Reject(r, absl::StatusCode::kInvalidArgument,
             v.field.empty() ? absl::StrCat("mutations[", i, "]") : prefix + v.field, v.message);
      continue;
    }
    if (earlier[i]) {  // a retry, or a reused seq
      *r = std::move(*earlier[i]);
      if (r->outcome() == gridsync::v1::MUTATION_OUTCOME_SEQ_REUSED && reused_high == 0) {
        reused_high = r->device_high_seq();
      }
      continue;
    }
    if (reused_high > 0) {
      // Numbered by the same rewound counter as a reused seq before it: its
      // causal context may name the lost writes by those seqs. Not applied;
      // the phone renumbers it with the rest.
      r->set_outcome(gridsync::v1::MUTATION_OUTCOME_SEQ_REUSED);
      r->set_device_high_seq(reused_high);
      r->set_message("numbered after a reused device seq; renumber and push again");
      continue;
    }
    const Mutation& m = *mutations[i].mutation;
    if (auto why = Refusal(who, m, now, max_skew_ms)) {
      Reject(r, why->code, prefix + why->field, std::move(why->message), why->retryable);
      continue;
    }
    needs.Add(i, m);
  }
  return needs;
}

// The pending mutations whose registry entries exist (`have`, one per
// key), stamped with the device and author and moved out of `mutations`;
// the others rejected. *index gets each one's place in the request.
std::vector<Mutation> Admitted(const Principal& who, std::vector<DecodedMutation>* mutations,
                               const RegistryNeeds& needs, const std::vector<bool>& have,
                               gridsync::v1::PushResponse* resp, std::vector<int>* index) {
  std::vector<Mutation> batch;
  for (const RegistryNeeds::Pending& p : needs.pending) {
    const int i = p.index;
    if (auto why = needs.Missing(p, have)) {
      Reject(resp->mutable_results(i), why->code, absl::StrCat("mutations[", i, "].", why->field),
             std::move(why->message));
      continue;
    }
    Mutation m = std::move(*(*mutations)[i].mutation);
    m.set_device_id(who.device.device_id());
    m.set_author(AuthorOf(who.device));
    batch.push_back(std::move(m));
    index->push_back(i);
  }
  return batch;
}

// Refuses, in `batch`, what the stored records forbid the caller:
//  - the status writes (set_status, reopen) of a caller below the level
//    holding the case (core::ActingLevelOf): a village's phone does not move
//    a case its village escalated. Each case is read as stored, then as this
//    batch's escalations leave it;
//  - a verification of a visit the caller recorded itself, or of no visit
//    (core::OwnVisitRefusal).
absl::Status RefuseByStoredState(const Principal& who, RecordStore* records,
                                 std::vector<Mutation>* batch, std::vector<int>* index,
                                 gridsync::v1::PushResponse* resp) {
  const gridsync::v1::CaseLevel acting = core::ActingLevelOf(who.device.scope_codes());
  std::map<std::string, gridsync::v1::CaseLevel> held;  // record -> level, as the batch goes
  std::set<std::string> created;                        // records this batch creates: the caller's
  size_t kept = 0;
  for (size_t j = 0; j < batch->size(); ++j) {
    Mutation& m = (*batch)[j];
    if (m.has_create()) created.insert(m.record_id());
    if (core::IsVerification(m)) {
      auto state = records->GetRecord(m.record_id());
      if (!state.ok()) return state.status();
      RecordState visit = *state ? **state : RecordState();
      if (created.count(m.record_id())) {
        visit.mutable_header()->set_kind(m.kind());
        visit.mutable_header()->set_created_by_device(who.device.device_id());
      }
      if (auto why = core::OwnVisitRefusal(visit, who.device.device_id())) {
        Reject(
            resp->mutable_results((*index)[j]),
            visit.has_header() ? absl::StatusCode::kPermissionDenied : absl::StatusCode::kNotFound,
            absl::StrCat("mutations[", (*index)[j], "].append_log"), std::move(*why));
        continue;
      }
    }
    if ((m.has_set_status() || m.has_reopen()) && acting != gridsync::v1::CASE_LEVEL_COUNTY) {
      auto it = held.find(m.record_id());
      if (it == held.end()) {
        auto state = records->GetRecord(m.record_id());
        if (!state.ok()) return state.status();
        it = held.emplace(m.record_id(), *state ? core::CaseLevelOf((*state)->status())
                                                : gridsync::v1::CASE_LEVEL_VILLAGE)
                 .first;
      }
      if (it->second > acting) {
        Reject(resp->mutable_results((*index)[j]), absl::StatusCode::kPermissionDenied,
               absl::StrCat("mutations[", (*index)[j], "]"),
               absl::StrCat("case ", m.record_id(), " is held by the ",
                            it->second == gridsync::v1::CASE_LEVEL_TOWN ? "town" : "county",
                            " since it was escalated (上交); its office moves it on"));
        continue;
      }
      if (m.has_set_status() && m.set_status().status() == gridsync::v1::CASE_STATUS_ESCALATED &&
          it->second < gridsync::v1::CASE_LEVEL_COUNTY) {
        it->second = static_cast<gridsync::v1::CaseLevel>(it->second + 1);
      }
    }
    if (kept != j) {
      (*batch)[kept] = std::move(m);
      (*index)[kept] = (*index)[j];
    }
    ++kept;
  }
  batch->resize(kept);
  index->resize(kept);
  return absl::OkStatus();
}

// Why the caller's own writes in a refilled state (`own`, the request's
// `i`th) may not be merged: each is checked as a push of it by the caller
// would be (Refusal: schema, scope, role, clock). When none is refused,
// what they and the other devices' `proven` writes need of the registry is
// added to *needs (one Pending per state, in request order) and nullopt
// returned.
std::optional<Refused> RefusalOfOwnWrites(const Principal& who, const RecordState& own,
                                          const RecordState& proven, int64_t now,
                                          int64_t max_skew_ms, RegistryNeeds* needs, int i) {
  Mutation registry_need;  // the create, or the bare record: its grid
  registry_need.set_grid_code(own.header().grid_code());
  registry_need.set_kind(own.header().kind());
  if (proven.header().created_hlc() != 0) registry_need = core::WritesOf(proven)[0].mutation;
  for (core::StateWrite& w : core::WritesOf(own)) {
    w.mutation.set_device_id(who.device.device_id());
    if (auto why = Refusal(who, w.mutation, now, max_skew_ms)) {
      why->field = why->field.empty() ? w.path : absl::StrCat(w.path, " (", why->field, ")");
      return why;
    }
    if (w.mutation.has_create()) registry_need = std::move(w.mutation);
  }
  needs->Add(i, registry_need);
  return std::nullopt;
}

// A refilled state `s` whose caller's own writes (`own`) verify a visit the
// caller recorded itself: refused as a push of them is. Who recorded it is
// read from the stored record when the server has it (a refill's header
// could name another device), else from `s`.
absl::StatusOr<std::optional<Refused>> OwnVerificationRefusal(const Principal& who,
                                                              RecordStore* records,
                                                              const RecordState& s,
                                                              const RecordState& own) {
  for (const auto& log : own.logs()) {
    if (log.log() != "verifications" || log.elements().empty()) continue;
    auto stored = records->GetRecord(s.record_id());
    if (!stored.ok()) return stored.status();
    const RecordState& visit = *stored && (*stored)->has_header() ? **stored : s;
    if (auto why = core::OwnVisitRefusal(visit, who.device.device_id())) {
      return Refused{absl::StatusCode::kPermissionDenied, "logs (verifications)", std::move(*why)};
    }
  }
  return std::optional<Refused>();
}

void RejectRefill(gridsync::v1::RefillResult* r, int i, Refused why) {
  r->set_outcome(gridsync::v1::REFILL_OUTCOME_REJECTED);
  r->set_code(static_cast<int>(why.code));
  r->set_field(absl::StrCat("records[", i, "].", why.field));
  r->set_message(std::move(why.message));
}

}  // namespace

SyncServiceImpl::SyncServiceImpl(RecordStore* records, RegistryStore* registry, Authenticator* auth,
                                 Options options, Metrics* metrics)
    : records_(records),
      registry_(registry),
      auth_(auth),
      max_skew_ms_(options.max_skew_ms),
      refill_window_ms_(options.refill_window_ms),
      phone_retention_days_(options.phone_retention_days),
      now_ms_(options.wall_clock ? std::move(options.wall_clock)
                                 : std::function<int64_t()>(core::SystemWallMs)),
      metrics_(metrics) {
  // The generated service's method names, so stubs, grpcurl and reflection
  // see gridsync.v1.SyncService as declared in sync_service.proto. Push
  // alone reads its own body: a phone's signature covers the bytes as sent
  // (server/push_decode.h), so it authenticates, then decodes them itself.
  AddMethod(
      RawMethod("/gridsync.v1.SyncService/Push", this, std::mem_fn(&SyncServiceImpl::RawPush)));
  const Edge edge{auth_, &bad_requests_};
  using S = SyncServiceImpl;
  AddMethod(Unary("/gridsync.v1.SyncService/Pull", this, Require::kDevice, &S::Pull, edge));
  AddMethod(Unary("/gridsync.v1.SyncService/Refill", this, Require::kDevice, &S::Refill, edge));
  AddMethod(
      Unary("/gridsync.v1.SyncService/ReadRecord", this, Require::kDevice, &S::ReadRecord, edge));
}

grpc::Status SyncServiceImpl::RawPush(grpc::ServerContext* ctx, const grpc::ByteBuffer* req,
                                      grpc::ByteBuffer* resp) {
  // Credentials first: an unauthenticated caller learns nothing of its body.
  auto who = AuthenticateCall(*auth_, ctx);
  if (!who.ok()) return ToGrpc(who.status());
  if (!who->CanWrite()) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat("a ", gridsync::v1::Role_Name(who->device.role()),
                                     " token cannot push; only grid workers, village secretaries "
                                     "and town offices write records"));
  }
  std::string signing_key;
  auto decoded = DecodePushRequest(Flatten(*req), kMaxMutationsPerPush, &signing_key);
  if (!decoded.ok()) {
    bad_requests_.Error(absl::StrCat(who->device.device_id(), ": ", decoded.status().message()));
    return ToGrpc(decoded.status());
  }
  if (auto st = RegisterKey(*who, signing_key); !st.ok()) return ToGrpc(st);
  gridsync::v1::PushResponse out;
  grpc::Status st = Push(ctx, *who, std::move(*decoded), &out);
  if (st.ok()) {
    if (metrics_ != nullptr) CountOutcomes(out);
    *resp = Serialize(out);
  }
  return st;
}

absl::Status SyncServiceImpl::RegisterKey(const Principal& who, const std::string& key) {
  if (key.empty()) return absl::OkStatus();
  for (const auto& k : who.device.signing_keys()) {
    if (k == key) return absl::OkStatus();
  }
  absl::Status st = auth_->RegisterSigningKey(who.device.device_id(), key);
  if (absl::IsInvalidArgument(st)) {
    bad_requests_.Error(absl::StrCat(who.device.device_id(), ": ", st.message()));
    return WithField(std::move(st), "signing_key");
  }
  if (absl::IsResourceExhausted(st)) {
    // Its writes are taken as any push is; only a refill of them by another
    // phone cannot be proven, and is held for review.
    LogError(st.message());
    return absl::OkStatus();
  }
  return st;
}

RecordState SyncServiceImpl::ProvenOthers(RecordState* others, int64_t now,
                                          int* verifications) const {
  if (!others->has_header()) return RecordState();
  const std::vector<core::SignedWrite> writes = core::SignedWritesOf(*others);
  absl::flat_hash_map<std::string, Mutation> as_push;  // by path
  for (core::StateWrite& w : core::WritesOf(*others)) as_push[w.path] = std::move(w.mutation);
  absl::flat_hash_map<std::string, absl::StatusOr<Principal>> writers;
  std::vector<bool> proven(writes.size());
  size_t count = 0;
  for (size_t i = 0; i < writes.size(); ++i) {
    const core::SignedWrite& w = writes[i];
    auto [it, added] = writers.try_emplace(w.device_id, absl::UnknownError(""));
    if (added) it->second = auth_->PrincipalOf(w.device_id);
    proven[i] = it->second.ok() && ProvenBy(*it->second, w, as_push[w.path], now, verifications);
    count += proven[i];
  }
  if (count == 0) return RecordState();
  RecordState out = core::KeepWrites(*others, proven);
  proven.flip();  // now: the unproven
  *others = count == writes.size() ? RecordState() : core::KeepWrites(*others, proven);
  return out;
}

bool SyncServiceImpl::ProvenBy(const Principal& writer, const core::SignedWrite& w, Mutation m,
                               int64_t now, int* verifications) const {
  if (w.signature.empty() || w.author != AuthorOf(writer.device)) return false;
  m.set_device_id(writer.device.device_id());
  if (Refusal(writer, m, now, max_skew_ms_)) return false;
  // The costly part last, and bounded: a request's signatures beyond the
  // bound are not looked at (their writes are held for review).
  for (const auto& key : writer.device.signing_keys()) {
    if (*verifications <= 0) return false;
    --*verifications;
    if (core::Verifies(key, w.claim, w.signature)) return true;
  }
  return false;
}

void SyncServiceImpl::CountOutcomes(const gridsync::v1::PushResponse& resp) {
  std::map<std::pair<std::string, std::string>, uint64_t> counts;
  for (const auto& r : resp.results()) {
    std::string outcome = absl::AsciiStrToLower(
        absl::StripPrefix(gridsync::v1::MutationOutcome_Name(r.outcome()), "MUTATION_OUTCOME_"));
    std::string code;
    if (r.outcome() == gridsync::v1::MUTATION_OUTCOME_REJECTED) {
      code = absl::StatusCodeToString(static_cast<absl::StatusCode>(r.code()));
    }
    ++counts[{std::move(outcome), std::move(code)}];
  }
  for (const auto& [key, n] : counts) metrics_->CountMutations(key.first, key.second, n);
}

grpc::Status SyncServiceImpl::RefillAllowed(const Principal& who,
                                            const gridsync::v1::RefillRequest& req) const {
  if (!who.CanWrite()) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat("a ", gridsync::v1::Role_Name(who.device.role()),
                                     " token cannot send records back; only devices that write"));
  }
  const int64_t restored_at = records_->RestoredAtMs();
  if (restored_at == 0 || core::SystemWallMs() - restored_at > refill_window_ms_) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        restored_at == 0
                            ? "this server was never restored from a backup: nothing to refill"
                            : "the server's window for records lost in its restore has closed");
  }
  if (req.store_epoch() != records_->Epoch()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "store_epoch is not this store's: pull from 0, then send what it lacks");
  }
  if (req.records_size() > kMaxRefillRecords) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat(req.records_size(), " records in one refill; at most ", kMaxRefillRecords));
  }
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::Refill(grpc::ServerContext* /*ctx*/, const Principal& who,
                                     const gridsync::v1::RefillRequest& req,
                                     gridsync::v1::RefillResponse* resp) {
  if (grpc::Status st = RefillAllowed(who, req); !st.ok()) return st;
  const int64_t now = now_ms_();
  resp->set_store_epoch(records_->Epoch());
  resp->set_server_time_ms(now);
  const std::string author = AuthorOf(who.device);
  int verifications = kMaxRefillVerifications;
  std::vector<RecordStore::RefillState> accepted;
  RegistryNeeds needs;
  for (int i = 0; i < req.records_size(); ++i) {
    const RecordState& s = req.records(i);
    auto* r = resp->add_results();
    r->set_record_id(s.record_id());
    std::optional<Refused> why;
    core::RefillSplit split;
    if (auto v = core::ValidateState(s)) {
      why = Refused{absl::StatusCode::kInvalidArgument, v->field, v->message};
    } else if (!who.InScope(s.header().grid_code())) {
      why =
          Refused{absl::StatusCode::kPermissionDenied, "header.grid_code",
                  absl::StrCat("grid ", s.header().grid_code(), " is outside this device's scope")};
    } else {
      split = core::SplitByWriter(s, who.device.device_id(), author);
      RecordState proven = ProvenOthers(&split.others, now, &verifications);
      why = RefusalOfOwnWrites(who, split.own, proven, now, max_skew_ms_, &needs, i);
      if (!why) {
        auto own_visit = OwnVerificationRefusal(who, records_, s, split.own);
        if (!own_visit.ok()) return ToGrpc(own_visit.status());
        why = std::move(*own_visit);
      }
      core::Join(&split.own, proven);
    }
    if (why) {
      RejectRefill(r, i, std::move(*why));
      continue;
    }
    accepted.push_back({std::move(split.own), std::move(split.others), s});
  }
  auto have = registry_->RegistryHas(needs.keys);
  if (!have.ok()) return ToGrpc(have.status());
  std::vector<RecordStore::RefillState> admitted;
  std::vector<int> admitted_index;
  for (size_t k = 0; k < needs.pending.size(); ++k) {
    const RegistryNeeds::Pending& p = needs.pending[k];
    if (auto why = needs.Missing(p, *have)) {
      RejectRefill(resp->mutable_results(p.index), p.index,
                   Refused{why->code, "header (" + why->field + ")", std::move(why->message)});
      continue;
    }
    admitted.push_back(std::move(accepted[k]));
    admitted_index.push_back(p.index);
  }
  if (admitted.empty()) return grpc::Status::OK;
  auto results = records_->Refill(std::move(admitted), who.device.device_id(), author);
  if (!results.ok()) {
    failed_writes_.Error(
        absl::StrCat("refill from ", who.device.device_id(), ": ", results.status().ToString()));
    return ToGrpc(results.status());
  }
  int merged = 0, held = 0;
  for (size_t j = 0; j < admitted_index.size(); ++j) {
    merged += (*results)[j].outcome() == gridsync::v1::REFILL_OUTCOME_MERGED;
    held += (*results)[j].held_for_review();
    *resp->mutable_results(admitted_index[j]) = std::move((*results)[j]);
  }
  if (merged > 0 || held > 0) {
    LogInfo("refill from ", who.device.device_id(), ": ", merged, " of ", req.records_size(),
            " records brought back what the restore lost; ", held,
            " held for review (writes naming other devices)");
  }
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::Push(grpc::ServerContext* ctx, const Principal& who,
                                   std::vector<DecodedMutation> mutations,
                                   gridsync::v1::PushResponse* resp) {
  // Phones pay for mobile data by the megabyte: answers are gzip'd when the
  // client accepts it (record ids, codes and field names compress well).
  ctx->set_compression_level(GRPC_COMPRESS_LEVEL_HIGH);
  const int64_t now = now_ms_();
  StartAnswer(mutations, now, records_->Epoch(), resp);
  auto earlier = LookUpEarlier(records_, who, mutations);
  if (!earlier.ok()) return ToGrpc(earlier.status());
  RegistryNeeds needs = CheckEach(who, mutations, *earlier, now, max_skew_ms_, resp);
  auto have = registry_->RegistryHas(needs.keys);
  if (!have.ok()) return ToGrpc(have.status());
  std::vector<int> batch_index;
  std::vector<Mutation> batch = Admitted(who, &mutations, needs, *have, resp, &batch_index);
  if (auto st = RefuseByStoredState(who, records_, &batch, &batch_index, resp); !st.ok())
    return ToGrpc(st);
  auto committed = records_->Commit(std::move(batch));
  if (!committed.ok()) {
    failed_writes_.Error(
        absl::StrCat("push from ", who.device.device_id(), ": ", committed.status().ToString()));
    return ToGrpc(committed.status());
  }
  for (size_t j = 0; j < batch_index.size(); ++j) {
    auto& r = (*committed)[j];
    if (r.outcome() == gridsync::v1::MUTATION_OUTCOME_REJECTED) {
      r.set_field(absl::StrCat("mutations[", batch_index[j], "]"));
    }
    *resp->mutable_results(batch_index[j]) = std::move(r);
  }
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::Pull(grpc::ServerContext* ctx, const Principal& who,
                                   const gridsync::v1::PullRequest& req,
                                   gridsync::v1::PullResponse* resp) {
  int page_size = req.page_size() == 0 ? kDefaultPageSize : req.page_size();
  if (page_size < 0 || page_size > kMaxPageSize) {
    return ToGrpc(WithField(absl::InvalidArgumentError(absl::StrCat("page_size ", req.page_size(),
                                                                    " must be 1..", kMaxPageSize)),
                            "page_size"));
  }
  const uint64_t head = records_->LastChangeSeq();
  if (req.cursor() > head) {
    return grpc::Status(
        grpc::StatusCode::OUT_OF_RANGE,
        absl::StrCat("cursor ", req.cursor(), " is past the server's last change ", head,
                     "; the server was restored from an older backup: pull "
                     "from 0 and push your outbox again"));
  }
  std::vector<std::string> prefixes = who.prefixes;
  if (!req.scope_code().empty()) {
    auto narrow = who.Narrow(req.scope_code());
    if (!narrow.ok()) return ToGrpc(narrow.status());
    prefixes = {*narrow};
  }
  ctx->set_compression_level(GRPC_COMPRESS_LEVEL_HIGH);  // see Push
  auto page = records_->Pull(prefixes, req.cursor(), page_size, req.registry_only());
  if (!page.ok()) return ToGrpc(page.status());
  for (auto& r : page->records) {
    if (core::SentToPhone(r, who.device.role(), who.device.device_id()))
      *resp->add_records() = std::move(r);
  }
  for (auto& r : page->registry) *resp->add_registry() = std::move(r);
  *resp->mutable_scope_codes() = who.device.scope_codes();
  resp->set_role(who.device.role());
  resp->set_next_cursor(page->next_cursor);
  resp->set_caught_up(page->caught_up);
  resp->set_server_time_ms(now_ms_());
  resp->set_retention_days(phone_retention_days_);
  resp->set_server_release(kVersion);
  resp->set_store_epoch(records_->Epoch());
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::ReadRecord(grpc::ServerContext*, const Principal& who,
                                         const gridsync::v1::ReadRecordRequest& req,
                                         gridsync::v1::ReadRecordResponse* resp) {
  if (!core::IsValidRecordId(req.record_id())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "record_id: not a ULID or UUIDv7");
  }
  auto state = records_->GetRecord(req.record_id());
  if (!state.ok()) return ToGrpc(state.status());
  if (!*state || !who.InScope((*state)->header().grid_code()) ||
      !core::SentToPhone(**state, who.device.role(), who.device.device_id())) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no record ", req.record_id(), " in your scope"));
  }
  core::TrimForReaders(&**state);
  *resp->mutable_record() = core::BuildView(**state);
  *resp->mutable_state() = std::move(**state);
  return grpc::Status::OK;
}

}  // namespace gridsync::server
