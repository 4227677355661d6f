#include "core/merge.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "core/hlc.h"
#include "core/write_proof.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace gridsync::core {
namespace {
using gridsync::v1::CaseStatus;
using gridsync::v1::Dot;
using gridsync::v1::LogElement;
using gridsync::v1::LogSet;
using gridsync::v1::Mutation;
using gridsync::v1::RecordHeader;
using gridsync::v1::RecordState;
using gridsync::v1::Register;
using gridsync::v1::Sibling;
using gridsync::v1::StageReached;
using gridsync::v1::StatusState;
using gridsync::v1::VersionVector;
using gridsync::v1::VoidMark;

// Merges two lists sorted by key(x); for equal keys calls both(a, b) which
// returns the element to keep. Result sorted by key.
template <typename T, typename Key, typename Both, typename OnlyA, typename OnlyB>
void MergeSorted(google::protobuf::RepeatedPtrField<T>* into,
                 const google::protobuf::RepeatedPtrField<T>& other, Key key, Both both,
                 OnlyA keep_only_into, OnlyB keep_only_other) {
  google::protobuf::RepeatedPtrField<T> out;
  int i = 0, j = 0;
  while (i < into->size() || j < other.size()) {
    if (j == other.size() || (i < into->size() && key(into->Get(i)) < key(other.Get(j)))) {
      if (keep_only_into(into->Get(i))) *out.Add() = std::move(*into->Mutable(i));
      ++i;
    } else if (i == into->size() || key(other.Get(j)) < key(into->Get(i))) {
      if (keep_only_other(other.Get(j))) *out.Add() = other.Get(j);
      ++j;
    } else {
      both(into->Mutable(i), other.Get(j));
      *out.Add() = std::move(*into->Mutable(i));
      ++i;
      ++j;
    }
  }
  into->Swap(&out);
}

// The status delta of reaching `stage` in `epoch` at the stamp's time.
void ReachStage(StatusState* s, uint32_t epoch, CaseStatus stage, uint64_t hlc) {
  s->set_epoch(epoch);
  s->set_stages(1u << stage);
  StageReached* r = s->add_history();
  r->set_epoch(epoch);
  r->set_stage(stage);
  r->set_at_ms(HlcWallMs(hlc));
}

bool CoveredBy(const VersionVector& ctx, const Dot& dot) {
  return Covered(ctx, dot.device_id()) >= dot.counter();
}

void JoinContext(VersionVector* into, const VersionVector& other) {
  auto key = [](const Dot& d) -> const std::string& { return d.device_id(); };
  auto keep = [](const Dot&) { return true; };
  MergeSorted(
      into->mutable_entries(), other.entries(), key,
      [](Dot* a, const Dot& b) { a->set_counter(std::max(a->counter(), b.counter())); }, keep,
      keep);
}

std::pair<const std::string&, uint64_t> SiblingKey(const Sibling& s) {
  return {s.dot().device_id(), s.dot().counter()};
}

void JoinRegister(Register* into, const Register& other) {
  // A sibling only one side holds survives unless the other side has seen
  // its dot (then the other side replaced it). Dots are unique, so a sibling
  // both hold is the same write; should a client ever reuse a dot, keep the
  // greater one so the join stays deterministic.
  const VersionVector into_ctx = into->context();
  MergeSorted(
      into->mutable_siblings(), other.siblings(), SiblingKey,
      [](Sibling* a, const Sibling& b) {
        if (SerializeCanonical(b) > SerializeCanonical(*a)) *a = b;
      },
      [&](const Sibling& s) { return !CoveredBy(other.context(), s.dot()); },
      [&](const Sibling& s) { return !CoveredBy(into_ctx, s.dot()); });
  JoinContext(into->mutable_context(), other.context());
}

// The same element with and without its signature (one stored before
// phones signed) keeps the signed copy.
auto LogElementRank(const LogElement& e) {
  return std::make_tuple(e.hlc(), e.device_id(), e.author(), e.payload(), e.signature());
}

void JoinLog(LogSet* into, const LogSet& other) {
  auto keep = [](const LogElement&) { return true; };
  MergeSorted(
      into->mutable_elements(), other.elements(),
      [](const LogElement& e) -> const std::string& { return e.element_id(); },
      [](LogElement* a, const LogElement& b) {
        if (LogElementRank(b) > LogElementRank(*a)) *a = b;
      },
      keep, keep);
}

// Headers order by: a create before a bare (kind, grid) header, then the
// earliest create, then bytes. Join keeps the least. The bytes are compared
// only on a tie, which equal headers (the common case) and distinct creates
// almost never reach.
bool HeaderLess(const RecordHeader& a, const RecordHeader& b) {
  const auto ka = std::make_tuple(a.created_hlc() == 0, a.created_hlc());
  const auto kb = std::make_tuple(b.created_hlc() == 0, b.created_hlc());
  if (ka != kb) return ka < kb;
  if (a.created_by_device() != b.created_by_device()) {
    return a.created_by_device() < b.created_by_device();
  }
  if (a.kind() == b.kind() && a.grid_code() == b.grid_code() && a.subject_id() == b.subject_id() &&
      a.created_by() == b.created_by()) {
    // The same create: the signed copy first, then any order that is total.
    return std::make_tuple(a.created_signature().empty(), a.created_signature()) <
           std::make_tuple(b.created_signature().empty(), b.created_signature());
  }
  return SerializeCanonical(a) < SerializeCanonical(b);
}

auto VoidRank(const VoidMark& v) {
  return std::make_tuple(v.hlc(), v.device_id(), v.author(), v.reason(), v.signature().empty(),
                         v.signature());
}

}  // namespace

uint64_t Covered(const VersionVector& ctx, const std::string& device) {
  // Entries are sorted by device id.
  auto it =
      std::lower_bound(ctx.entries().begin(), ctx.entries().end(), device,
                       [](const Dot& d, const std::string& dev) { return d.device_id() < dev; });
  return it != ctx.entries().end() && it->device_id() == device ? it->counter() : 0;
}

std::string SerializeCanonical(const google::protobuf::Message& msg) {
  // Sized once, written once: no reallocation while serializing.
  const size_t size = msg.ByteSizeLong();
  std::string out(size, '\0');
  google::protobuf::io::ArrayOutputStream stream(out.data(), static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  msg.SerializeWithCachedSizes(&coded);
  return out;
}

// Each part of a state joins by a rule that is itself commutative,
// associative and idempotent, and the parts are independent, so the whole
// join is too (tests/core/merge_property_test.cc checks it on random
// histories, byte for byte):
//  - a least element under a total order (header, void mark) is a
//    semilattice by min;
//  - registers and logs are keyed maps joined key by key (MergeSorted keeps
//    the result sorted, so the bytes are canonical);
//  - status is (epoch, stages) under max-then-OR, and its history a map of
//    (epoch, stage) to the earliest time.
// No rule reads a clock or a replica's identity: a join on the phone and on
// the server give the same bytes.
void Join(RecordState* into, const RecordState& other) {
  if (into->record_id().empty()) into->set_record_id(other.record_id());

  if (other.has_header() && (!into->has_header() || HeaderLess(other.header(), into->header()))) {
    *into->mutable_header() = other.header();
  }

  // A field's register: siblings neither side has seen replaced survive.
  auto keep_reg = [](const Register&) { return true; };
  MergeSorted(
      into->mutable_registers(), other.registers(),
      [](const Register& r) -> const std::string& { return r.field(); }, JoinRegister, keep_reg,
      keep_reg);

  auto keep_log = [](const LogSet&) { return true; };
  MergeSorted(
      into->mutable_logs(), other.logs(),
      [](const LogSet& l) -> const std::string& { return l.log(); }, JoinLog, keep_log, keep_log);

  // A later epoch (a reopen or an escalation) supersedes the stages of
  // earlier ones; within one, stages only accumulate.
  if (other.has_status()) {
    StatusState* s = into->mutable_status();
    if (other.status().epoch() > s->epoch()) {
      s->set_epoch(other.status().epoch());
      s->set_stages(other.status().stages());
    } else if (other.status().epoch() == s->epoch()) {
      s->set_stages(s->stages() | other.status().stages());
    }
    auto keep = [](const StageReached&) { return true; };
    MergeSorted(
        s->mutable_history(), other.status().history(),
        [](const StageReached& r) {
          return std::pair{r.epoch(), static_cast<int>(r.stage())};
        },
        [](StageReached* a, const StageReached& b) {
          a->set_at_ms(std::min(a->at_ms(), b.at_ms()));
        },
        keep, keep);
  }

  if (other.has_void_mark() &&
      (!into->has_void_mark() || VoidRank(other.void_mark()) < VoidRank(into->void_mark()))) {
    *into->mutable_void_mark() = other.void_mark();
  }
}

std::string DotDevice(const std::string& device_id, uint64_t replica_epoch) {
  if (replica_epoch == 0) return device_id;
  return absl::StrCat(device_id, "~", replica_epoch);
}

namespace {

// A register holding one value, written by `sib`: its context what the
// writer had seen (`seen`, or nothing for a create) and the write itself.
void AddRegister(RecordState* d, const Sibling& sib, const std::string& field,
                 const gridsync::v1::FieldValue& value, const VersionVector* seen) {
  Register* r = d->add_registers();
  r->set_field(field);
  Sibling* s = r->add_siblings();
  *s = sib;
  *s->mutable_value() = value;
  VersionVector own;
  *own.add_entries() = sib.dot();
  if (seen != nullptr) *r->mutable_context() = *seen;
  JoinContext(r->mutable_context(), own);
}

// A create: the header's subject and creation, the registers in field
// order, and a dispute case registered.
void CreateDelta(const Mutation& m, const Sibling& sib, RecordState* d) {
  RecordHeader* h = d->mutable_header();
  h->set_subject_id(m.create().subject_id());
  h->set_created_hlc(m.hlc());
  h->set_created_by_device(m.device_id());
  h->set_created_by(m.author());
  for (const auto& f : m.create().fields()) AddRegister(d, sib, f.field(), f.value(), nullptr);
  std::sort(d->mutable_registers()->begin(), d->mutable_registers()->end(),
            [](const Register& a, const Register& b) { return a.field() < b.field(); });
  if (m.kind() == gridsync::v1::RECORD_KIND_DISPUTE_CASE) {
    ReachStage(d->mutable_status(), 0, gridsync::v1::CASE_STATUS_REGISTERED, m.hlc());
  }
}

void AppendLogDelta(const Mutation& m, RecordState* d) {
  LogSet* l = d->add_logs();
  l->set_log(m.append_log().log());
  LogElement* e = l->add_elements();
  e->set_element_id(m.append_log().element_id());
  e->set_hlc(m.hlc());
  e->set_device_id(m.device_id());
  e->set_author(m.author());
  e->set_payload(m.append_log().payload());
}

void SetStatusDelta(const Mutation& m, RecordState* d) {
  ReachStage(d->mutable_status(), m.set_status().epoch(), m.set_status().status(), m.hlc());
  if (m.set_status().status() != gridsync::v1::CASE_STATUS_ESCALATED) return;
  // 上交 ends the epoch at this level: the level above holds the case from
  // now, REGISTERED in the next epoch (core/case_level.h).
  StatusState above;
  ReachStage(&above, m.set_status().epoch() + 1, gridsync::v1::CASE_STATUS_REGISTERED, m.hlc());
  d->mutable_status()->set_epoch(above.epoch());
  d->mutable_status()->set_stages(above.stages());
  *d->mutable_status()->add_history() = above.history(0);
}

void VoidDelta(const Mutation& m, RecordState* d) {
  VoidMark* v = d->mutable_void_mark();
  v->set_hlc(m.hlc());
  v->set_device_id(m.device_id());
  v->set_author(m.author());
  v->set_reason(m.void_record().reason());
}

}  // namespace

// The delta of one mutation: a state holding only what the mutation wrote,
// dotted with its device and seq, to be joined into the record's state.
RecordState ToDelta(const Mutation& m) {
  RecordState d;
  d.set_record_id(m.record_id());
  d.mutable_header()->set_kind(m.kind());
  d.mutable_header()->set_grid_code(m.grid_code());
  Sibling sib;
  sib.mutable_dot()->set_device_id(DotDevice(m));
  sib.mutable_dot()->set_counter(m.device_seq());
  sib.set_hlc(m.hlc());
  sib.set_author(m.author());
  switch (m.op_case()) {
    case Mutation::kCreate:
      CreateDelta(m, sib, &d);
      break;
    case Mutation::kSetField:
      AddRegister(&d, sib, m.set_field().field(), m.set_field().value(), &m.set_field().seen());
      break;
    case Mutation::kAppendLog:
      AppendLogDelta(m, &d);
      break;
    case Mutation::kSetStatus:
      SetStatusDelta(m, &d);
      break;
    case Mutation::kReopen:
      ReachStage(d.mutable_status(), m.reopen().seen_epoch() + 1, m.reopen().to_status(), m.hlc());
      break;
    case Mutation::kVoidRecord:
      VoidDelta(m, &d);
      break;
    case Mutation::OP_NOT_SET:
      break;
  }
  AttachSignatures(m, &d);
  return d;
}

void JoinOwned(RecordState* state, RecordState&& delta) {
  // Joining into nothing gives the (canonical) delta itself.
  if (!state->has_header() && state->ByteSizeLong() == 0) {
    state->Swap(&delta);
    return;
  }
  Join(state, delta);
}

void Apply(RecordState* state, const Mutation& m) { JoinOwned(state, ToDelta(m)); }

const Sibling& Winner(const Register& reg) {
  const Sibling* best = &reg.siblings(0);
  for (const Sibling& s : reg.siblings()) {
    if (std::forward_as_tuple(s.hlc(), s.dot().device_id(), s.dot().counter()) >
        std::forward_as_tuple(best->hlc(), best->dot().device_id(), best->dot().counter())) {
      best = &s;
    }
  }
  return *best;
}

bool HasConflict(const RecordState& state) {
  for (const Register& r : state.registers()) {
    if (r.siblings_size() > 1) return true;
  }
  return false;
}

int StatusRank(CaseStatus status) {
  switch (status) {
    case gridsync::v1::CASE_STATUS_REGISTERED:
      return 1;
    case gridsync::v1::CASE_STATUS_ACCEPTED:
      return 2;
    case gridsync::v1::CASE_STATUS_MEDIATING:
      return 3;
    case gridsync::v1::CASE_STATUS_RESOLVED:
      return 4;
    case gridsync::v1::CASE_STATUS_ESCALATED:
      return 4;
    case gridsync::v1::CASE_STATUS_FOLLOWED_UP:
      return 5;
    case gridsync::v1::CASE_STATUS_CLOSED:
      return 6;
    default:
      return 0;
  }
}

CaseStatus DisplayStatus(const StatusState& status) {
  CaseStatus best = gridsync::v1::CASE_STATUS_UNSPECIFIED;
  for (int s = gridsync::v1::CASE_STATUS_REGISTERED; s <= gridsync::v1::CASE_STATUS_CLOSED; ++s) {
    if ((status.stages() & (1u << s)) == 0) continue;
    const auto cs = static_cast<CaseStatus>(s);
    // Ranks tie only for resolved and escalated; the later enum (escalated) wins.
    if (StatusRank(cs) >= StatusRank(best)) best = cs;
  }
  return best;
}

StatusState StagesAt(const google::protobuf::RepeatedPtrField<StageReached>& history,
                     int64_t at_ms) {
  StatusState then;
  for (const StageReached& r : history) {  // sorted by epoch: the last epoch reached by then wins
    if (r.at_ms() >= at_ms) continue;
    if (r.epoch() != then.epoch()) then.set_stages(0);
    then.set_epoch(r.epoch());
    then.set_stages(then.stages() | (1u << r.stage()));
  }
  return then;
}

CaseStatus StatusAt(const google::protobuf::RepeatedPtrField<StageReached>& history,
                    CaseStatus current, int64_t at_ms) {
  if (history.empty()) return current;
  const CaseStatus s = DisplayStatus(StagesAt(history, at_ms));
  return s == gridsync::v1::CASE_STATUS_UNSPECIFIED ? gridsync::v1::CASE_STATUS_REGISTERED : s;
}

}  // namespace gridsync::core
