// The C API over gridsync::sdk::Client. Every entry point catches
// everything: no exception crosses into C (or, above it, JNI).
#include <google/protobuf/util/json_util.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/hlc.h"
#include "core/merge.h"
#include "core/schema.h"
#include "core/view.h"
#include "gridsync/client.h"
#include "gridsync/gridsync.h"

struct gs_client {
  std::unique_ptr<gridsync::sdk::Client> client;
};

struct gs_record {
  gridsync::v1::RecordState state;
  gridsync::v1::Record view;
  std::string json;
  std::vector<const gridsync::v1::Register*> fields;  // into state, by name
  std::map<std::string, std::vector<std::string>> logs_json;
};

struct gs_day {
  struct Entry {
    std::string id, name, grid;
    int state = 0;
    int64_t time_ms = 0;
    int days_overdue = 0;
    unsigned flags = 0;
    std::string author, json;
  };
  std::string json;
  std::string proto;  // the same answer in protobuf's binary form
  int64_t total = 0;
  std::vector<Entry> entries;
  std::optional<gridsync::v1::GetCoverageResponse> coverage;
};

struct gs_strings {
  std::vector<std::string> items;
};

struct gs_rejected {
  std::vector<gridsync::v1::RejectedMutation> items;
};

namespace {

using gridsync::v1::FieldValue;

gs_code Fill(gs_error* err, const absl::Status& st) {
  if (err != nullptr) {
    err->code = static_cast<int>(st.code());
    std::string msg(st.message());
    size_t n = std::min(msg.size(), sizeof(err->message) - 1);
    while (n > 0 && n < msg.size() && (static_cast<unsigned char>(msg[n]) & 0xC0) == 0x80) --n;
    std::memcpy(err->message, msg.data(), n);  // cut at a UTF-8 character boundary
    err->message[n] = '\0';
  }
  return static_cast<gs_code>(st.code());
}

template <typename Fn>
gs_code Guard(gs_error* err, Fn fn) {
  try {
    return Fill(err, fn());
  } catch (const std::exception& e) {
    return Fill(err, absl::InternalError(absl::StrCat("gridsync: ", e.what())));
  } catch (...) {
    return Fill(err, absl::InternalError("gridsync: unknown exception"));
  }
}

absl::Status NeedClient(const gs_client* c) {
  if (c == nullptr || !c->client) return absl::InvalidArgumentError("the client handle is NULL");
  return absl::OkStatus();
}

std::string Str(const char* s) { return s == nullptr ? std::string() : std::string(s); }

absl::StatusOr<FieldValue> ToValue(const gs_value* v) {
  FieldValue out;
  if (v == nullptr) return absl::InvalidArgumentError("value is NULL");
  switch (v->type) {
    case GS_VALUE_STRING:
      if (v->str == nullptr) return absl::InvalidArgumentError("string value is NULL");
      out.set_string_value(v->str);
      break;
    case GS_VALUE_INT:
      out.set_int_value(v->i);
      break;
    case GS_VALUE_BOOL:
      out.set_bool_value(v->b != 0);
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown value type ", v->type));
  }
  return out;
}

gs_value FromValue(const FieldValue& v) {
  gs_value out{};
  switch (v.kind_case()) {
    case FieldValue::kStringValue:
      out.type = GS_VALUE_STRING;
      out.str = v.string_value().c_str();
      break;
    case FieldValue::kIntValue:
      out.type = GS_VALUE_INT;
      out.i = v.int_value();
      break;
    case FieldValue::kBoolValue:
      out.type = GS_VALUE_BOOL;
      out.b = v.bool_value() ? 1 : 0;
      break;
    default:
      out.type = GS_VALUE_NONE;
  }
  return out;
}

void CopyId(const std::string& id, char out[64]) {
  if (out == nullptr) return;
  const size_t n = std::min<size_t>(id.size(), 63);
  std::memcpy(out, id.data(), n);
  out[n] = '\0';
}

// The log's message type for a record kind, e.g. MediationSession.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> NewLogMessage(
    gridsync::v1::RecordKind kind, const std::string& log) {
  const auto* schema = gridsync::core::SchemaFor(kind);
  const auto* spec = schema == nullptr ? nullptr : schema->Find(log);
  if (spec == nullptr || spec->role != gridsync::core::FieldRole::kLog) {
    return absl::InvalidArgumentError(absl::StrCat("'", log, "' is not a log of this record"));
  }
  return gridsync::core::NewLogElement(*spec);
}

const gridsync::v1::FieldConflict* Conflict(const gs_record* r, size_t i) {
  if (r == nullptr || i >= static_cast<size_t>(r->view.conflicts_size())) return nullptr;
  return &r->view.conflicts(static_cast<int>(i));
}

const gridsync::v1::Sibling* SiblingAt(const gs_record* r, size_t i, size_t j) {
  const auto* c = Conflict(r, i);
  if (c == nullptr || j >= static_cast<size_t>(c->siblings_size())) return nullptr;
  return &c->siblings(static_cast<int>(j));
}

std::string Json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions jo;
  jo.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, jo);
  return out;
}

gs_day::Entry EntryOf(const gridsync::v1::HouseholdDay& h) {
  return {h.household().household_id(),
          h.household().head_name(),
          h.household().grid_code(),
          h.state(),
          h.last_visit_ms(),
          0,
          0,
          "",
          ""};
}

gs_day::Entry EntryOf(const gridsync::v1::OverduePerson& p) {
  unsigned flags = 0;
  if (p.never_checked()) flags |= GS_DAY_NEVER_CHECKED;
  if (p.last_absent()) flags |= GS_DAY_ABSENT;
  if (p.last_out_of_contact()) flags |= GS_DAY_OUT_OF_CONTACT;
  if (p.days_overdue() > 0) flags |= GS_DAY_OVERDUE;
  return {p.person().person_id(),
          p.person().name(),
          p.person().person_id().substr(0, 15),
          p.risk_level(),
          p.due_at_ms(),
          p.days_overdue(),
          flags,
          "",
          ""};
}

gs_day::Entry EntryOf(const gridsync::v1::ProposalItem& p) {
  const auto& r = p.proposal();
  const std::string& name = !r.head_name().empty() ? r.head_name()
                            : !r.name().empty()    ? r.name()
                                                   : r.household_id();
  return {p.record_id(),
          name,
          p.grid_code(),
          r.decision(),
          p.proposed_at_ms(),
          0,
          static_cast<unsigned>(r.action()),
          p.proposed_by(),
          ""};
}

gs_day::Entry EntryOf(const gridsync::v1::SurveyForm& f) {
  return {f.version(), f.title(), "", 0, f.published_at_ms(), 0, 0, "", ""};
}

gs_day::Entry EntryOf(const gridsync::v1::CaseItem& c) {
  unsigned flags = 0;
  if (c.past_deadline()) flags |= GS_DAY_PAST_DEADLINE;
  if (c.follow_up_due()) flags |= GS_DAY_FOLLOW_UP_DUE;
  if (c.backlog()) flags |= GS_DAY_BACKLOG;
  return {c.summary().record_id(),
          c.summary().title(),
          c.summary().grid_code(),
          c.summary().status(),
          c.summary().deadline_ms(),
          0,
          flags,
          "",
          ""};
}

gs_day::Entry EntryOf(const gridsync::v1::TaskItem& t) {
  return {t.record_id(),
          t.title(),
          t.grid_code(),
          t.state(),
          t.deadline_ms(),
          t.days_overdue(),
          t.overdue() ? static_cast<unsigned>(GS_DAY_PAST_DEADLINE) : 0u,
          t.issued_by(),
          ""};
}

// A day answer as a handle: its JSON, total and page entries.
template <typename List, typename Items>
gs_day* DayOf(const List& list, const Items& items, int64_t total) {
  auto d = std::make_unique<gs_day>();
  d->json = Json(list);
  d->proto = list.SerializeAsString();
  d->total = total;
  for (const auto& item : items) {
    d->entries.push_back(EntryOf(item));
    d->entries.back().json = Json(item);
  }
  return d.release();
}

template <typename Fn>
gs_code DayCall(gs_client* c, gs_day** out, gs_error* err, Fn fn) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    if (out == nullptr) return absl::InvalidArgumentError("out is NULL");
    *out = nullptr;
    auto d = fn();
    if (!d.ok()) return d.status();
    *out = *d;
    return absl::OkStatus();
  });
}

}  // namespace

extern "C" {

void gs_options_init(gs_options* o) {
  if (o == nullptr) return;
  std::memset(o, 0, sizeof(*o));
  o->compression = 1;
}

gs_code gs_open(const gs_options* o, gs_client** out, gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (o == nullptr || out == nullptr) return absl::InvalidArgumentError("options or out is NULL");
    *out = nullptr;
    gridsync::sdk::ClientOptions opts;
    opts.data_dir = Str(o->data_dir);
    opts.server_address = Str(o->server_address);
    opts.device_id = Str(o->device_id);
    opts.token = Str(o->token);
    opts.holder = Str(o->holder);
    opts.tls_root_certs = Str(o->tls_root_certs);
    opts.compression = o->compression != 0;
    if (o->push_batch > 0) opts.push_batch = o->push_batch;
    if (o->pull_page > 0) opts.pull_page = o->pull_page;
    if (o->rpc_timeout_seconds > 0) opts.rpc_timeout = std::chrono::seconds(o->rpc_timeout_seconds);
    if (o->max_attachment_bytes > 0) opts.max_attachment_bytes = o->max_attachment_bytes;
    if (o->attachment_cache_bytes > 0) opts.attachment_cache_bytes = o->attachment_cache_bytes;
    if (o->upload_chunk_bytes > 0) opts.upload_chunk_bytes = o->upload_chunk_bytes;
    opts.attachments_unmetered_only = o->attachments_unmetered_only != 0;
    if (o->replica_key != nullptr) {
      opts.replica_key.assign(reinterpret_cast<const char*>(o->replica_key), o->replica_key_len);
    }
    auto c = gridsync::sdk::Client::Open(std::move(opts));
    if (!c.ok()) return c.status();
    *out = new gs_client{std::move(*c)};
    return absl::OkStatus();
  });
}

void gs_close(gs_client* c) {
  try {
    delete c;
  } catch (...) {
  }
}

gs_code gs_create(gs_client* c, int kind, const char* grid_code, const char* subject_id,
                  const gs_field* fields, size_t n_fields, char out_id[64], gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    std::vector<gridsync::sdk::Field> fs;
    for (size_t i = 0; i < n_fields; ++i) {
      if (fields[i].name == nullptr)
        return absl::InvalidArgumentError(absl::StrCat("field ", i, " has no name"));
      auto v = ToValue(&fields[i].value);
      if (!v.ok())
        return absl::InvalidArgumentError(absl::StrCat(fields[i].name, ": ", v.status().message()));
      fs.push_back({fields[i].name, std::move(*v)});
    }
    auto id = c->client->Create(static_cast<gridsync::v1::RecordKind>(kind), Str(grid_code),
                                Str(subject_id), fs);
    if (!id.ok()) return id.status();
    CopyId(*id, out_id);
    return absl::OkStatus();
  });
}

gs_code gs_set_field(gs_client* c, const char* record_id, const char* field, const gs_value* v,
                     gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    auto value = ToValue(v);
    if (!value.ok()) return value.status();
    return c->client->SetField(Str(record_id), Str(field), *value);
  });
}

gs_code gs_choose_sibling(gs_client* c, const char* record_id, const char* field, int index,
                          gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    return c->client->ChooseSibling(Str(record_id), Str(field), index);
  });
}

gs_code gs_append_log(gs_client* c, const char* record_id, const char* log,
                      const char* payload_json, char out_element_id[64], gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    auto state = c->client->GetState(Str(record_id));
    if (!state.ok()) return state.status();
    auto msg = NewLogMessage(state->header().kind(), Str(log));
    if (!msg.ok()) return msg.status();
    auto parsed = google::protobuf::util::JsonStringToMessage(Str(payload_json), msg->get());
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(Str(log), " payload is not a valid ",
                                                     (*msg)->GetDescriptor()->name(),
                                                     " in JSON: ", parsed.ToString()));
    }
    auto id = c->client->AppendLog(Str(record_id), Str(log), **msg);
    if (!id.ok()) return id.status();
    CopyId(*id, out_element_id);
    return absl::OkStatus();
  });
}

gs_code gs_set_status(gs_client* c, const char* record_id, int status, gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    return c->client->SetStatus(Str(record_id), static_cast<gridsync::v1::CaseStatus>(status));
  });
}

gs_code gs_reopen(gs_client* c, const char* record_id, int to_status, const char* reason,
                  gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    return c->client->Reopen(Str(record_id), static_cast<gridsync::v1::CaseStatus>(to_status),
                             Str(reason));
  });
}

gs_code gs_void(gs_client* c, const char* record_id, const char* reason, gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    return c->client->Void(Str(record_id), Str(reason));
  });
}

gs_code gs_get(gs_client* c, const char* record_id, gs_record** out, gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    if (out == nullptr) return absl::InvalidArgumentError("out is NULL");
    *out = nullptr;
    auto state = c->client->GetState(Str(record_id));
    if (!state.ok()) return state.status();
    auto r = std::make_unique<gs_record>();
    r->state = std::move(*state);
    r->view = gridsync::core::BuildView(r->state);
    r->json = Json(r->view);
    for (const auto& reg : r->state.registers()) {
      if (reg.siblings_size() > 0) r->fields.push_back(&reg);
    }
    for (const auto& ls : r->state.logs()) {
      auto msg = NewLogMessage(r->state.header().kind(), ls.log());
      if (!msg.ok()) continue;
      auto& out_list = r->logs_json[ls.log()];
      for (const auto& e : ls.elements()) {
        (*msg)->Clear();
        out_list.push_back((*msg)->ParseFromString(e.payload()) ? Json(**msg) : std::string());
      }
    }
    *out = r.release();
    return absl::OkStatus();
  });
}

void gs_record_free(gs_record* r) { delete r; }
const char* gs_record_id(const gs_record* r) { return r ? r->state.record_id().c_str() : ""; }
int gs_record_kind(const gs_record* r) { return r ? r->state.header().kind() : 0; }
const char* gs_record_grid(const gs_record* r) {
  return r ? r->state.header().grid_code().c_str() : "";
}
const char* gs_record_subject(const gs_record* r) {
  return r ? r->state.header().subject_id().c_str() : "";
}
const char* gs_record_author(const gs_record* r) {
  return r ? r->state.header().created_by().c_str() : "";
}
int gs_record_voided(const gs_record* r) { return r && r->state.has_void_mark() ? 1 : 0; }
int gs_record_status(const gs_record* r) {
  return r && r->state.header().kind() == gridsync::v1::RECORD_KIND_DISPUTE_CASE
             ? gridsync::core::DisplayStatus(r->state.status())
             : 0;
}
size_t gs_record_field_count(const gs_record* r) { return r ? r->fields.size() : 0; }
const char* gs_record_field_name(const gs_record* r, size_t i) {
  return r && i < r->fields.size() ? r->fields[i]->field().c_str() : "";
}
gs_value gs_record_field_value(const gs_record* r, size_t i) {
  if (r == nullptr || i >= r->fields.size()) return gs_value{};
  return FromValue(gridsync::core::Winner(*r->fields[i]).value());
}
size_t gs_record_conflict_count(const gs_record* r) { return r ? r->view.conflicts_size() : 0; }
const char* gs_record_conflict_field(const gs_record* r, size_t i) {
  const auto* c = Conflict(r, i);
  return c ? c->field().c_str() : "";
}
size_t gs_record_sibling_count(const gs_record* r, size_t i) {
  const auto* c = Conflict(r, i);
  return c ? c->siblings_size() : 0;
}
gs_value gs_record_sibling_value(const gs_record* r, size_t i, size_t j) {
  const auto* s = SiblingAt(r, i, j);
  return s ? FromValue(s->value()) : gs_value{};
}
const char* gs_record_sibling_author(const gs_record* r, size_t i, size_t j) {
  const auto* s = SiblingAt(r, i, j);
  return s ? s->author().c_str() : "";
}
int64_t gs_record_sibling_time_ms(const gs_record* r, size_t i, size_t j) {
  const auto* s = SiblingAt(r, i, j);
  return s ? gridsync::core::HlcWallMs(s->hlc()) : 0;
}
size_t gs_record_log_name_count(const gs_record* r) { return r ? r->logs_json.size() : 0; }
const char* gs_record_log_name(const gs_record* r, size_t i) {
  if (r == nullptr || i >= r->logs_json.size()) return "";
  return std::next(r->logs_json.begin(), static_cast<long>(i))->first.c_str();
}
size_t gs_record_log_count(const gs_record* r, const char* log) {
  if (r == nullptr) return 0;
  auto it = r->logs_json.find(Str(log));
  return it == r->logs_json.end() ? 0 : it->second.size();
}
const char* gs_record_log_json(const gs_record* r, const char* log, size_t j) {
  if (r == nullptr) return "";
  auto it = r->logs_json.find(Str(log));
  return it == r->logs_json.end() || j >= it->second.size() ? "" : it->second[j].c_str();
}
const char* gs_record_json(const gs_record* r) { return r ? r->json.c_str() : ""; }

gs_code gs_list(gs_client* c, int kind, const char* grid_code, int conflicts_only, gs_strings** out,
                gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    if (out == nullptr) return absl::InvalidArgumentError("out is NULL");
    gridsync::sdk::RecordFilter f;
    f.kind = static_cast<gridsync::v1::RecordKind>(kind);
    f.grid_code = Str(grid_code);
    f.conflicts_only = conflicts_only != 0;
    *out = new gs_strings{c->client->List(f)};
    return absl::OkStatus();
  });
}
namespace {

gridsync::sdk::AttachOptions ToAttachOptions(const gs_attach_options* o) {
  gridsync::sdk::AttachOptions a;
  if (o == nullptr) return a;
  a.content_type = Str(o->content_type);
  a.file_name = Str(o->file_name);
  a.caption = Str(o->caption);
  if (o->purpose != 0) a.purpose = static_cast<gridsync::v1::AttachmentPurpose>(o->purpose);
  a.taken_at_ms = o->taken_at_ms;
  return a;
}

absl::Status CopySha(const absl::StatusOr<gridsync::v1::PhotoRef>& ref, char out[65]) {
  if (!ref.ok()) return ref.status();
  if (out != nullptr) std::snprintf(out, 65, "%s", ref->sha256().c_str());
  return absl::OkStatus();
}

}  // namespace

gs_code gs_attach_file(gs_client* c, const char* record_id, const char* path,
                       const gs_attach_options* o, char out_sha256[65], gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    if (o != nullptr && !gridsync::v1::AttachmentPurpose_IsValid(o->purpose)) {
      return absl::InvalidArgumentError("purpose is not an AttachmentPurpose");
    }
    return CopySha(c->client->AttachFile(Str(record_id), Str(path), ToAttachOptions(o)),
                   out_sha256);
  });
}

gs_code gs_attach_bytes(gs_client* c, const char* record_id, const void* data, size_t len,
                        const gs_attach_options* o, char out_sha256[65], gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    if (data == nullptr && len > 0) return absl::InvalidArgumentError("data is NULL");
    if (o != nullptr && !gridsync::v1::AttachmentPurpose_IsValid(o->purpose)) {
      return absl::InvalidArgumentError("purpose is not an AttachmentPurpose");
    }
    const std::string_view bytes(static_cast<const char*>(data), data ? len : 0);
    return CopySha(c->client->AttachBytes(Str(record_id), bytes, ToAttachOptions(o)), out_sha256);
  });
}

int gs_wiped(const gs_client* c) { return c != nullptr && c->client->Wiped() ? 1 : 0; }

void gs_set_network_metered(gs_client* c, int metered) {
  if (c != nullptr && c->client) c->client->SetNetworkMetered(metered != 0);
}

gs_code gs_pending_uploads(gs_client* c, gs_strings** out, gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    if (out == nullptr) return absl::InvalidArgumentError("out is NULL");
    auto list = std::make_unique<gs_strings>();
    for (const auto& e : c->client->PendingUploads()) list->items.push_back(Json(e));
    *out = list.release();
    return absl::OkStatus();
  });
}

gs_code gs_fetch_attachment(gs_client* c, const char* record_id, const char* sha256,
                            gs_bytes_fn progress, void* user, char out_path[4096], gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    std::function<void(int64_t, int64_t)> fn;
    if (progress != nullptr) {
      fn = [progress, user](int64_t done, int64_t total) { progress(user, done, total); };
    }
    auto path = c->client->FetchAttachment(Str(record_id), Str(sha256), fn);
    if (!path.ok()) return path.status();
    if (path->size() >= 4096) return absl::OutOfRangeError("the attachment's path is too long");
    if (out_path != nullptr) std::snprintf(out_path, 4096, "%s", path->c_str());
    return absl::OkStatus();
  });
}

gs_code gs_read_attachment(gs_client* c, const char* record_id, const char* sha256,
                           gs_bytes_fn progress, void* user, unsigned char** out, size_t* out_len,
                           gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    if (out == nullptr || out_len == nullptr) return absl::InvalidArgumentError("out is NULL");
    *out = nullptr;
    *out_len = 0;
    std::function<void(int64_t, int64_t)> fn;
    if (progress != nullptr) {
      fn = [progress, user](int64_t done, int64_t total) { progress(user, done, total); };
    }
    auto bytes = c->client->ReadAttachment(Str(record_id), Str(sha256), fn);
    if (!bytes.ok()) return bytes.status();
    *out = static_cast<unsigned char*>(std::malloc(std::max<size_t>(bytes->size(), 1)));
    if (*out == nullptr) return absl::ResourceExhaustedError("no memory for the attachment");
    std::memcpy(*out, bytes->data(), bytes->size());
    *out_len = bytes->size();
    return absl::OkStatus();
  });
}

void gs_bytes_free(unsigned char* p) { std::free(p); }

gs_code gs_rekey(const char* data_dir, const unsigned char* old_key, size_t old_len,
                 const unsigned char* new_key, size_t new_len, gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (old_key == nullptr || new_key == nullptr)
      return absl::InvalidArgumentError("a key is NULL");
    return gridsync::sdk::Client::Rekey(
        Str(data_dir), std::string(reinterpret_cast<const char*>(old_key), old_len),
        std::string(reinterpret_cast<const char*>(new_key), new_len));
  });
}

size_t gs_strings_count(const gs_strings* s) { return s ? s->items.size() : 0; }
const char* gs_strings_get(const gs_strings* s, size_t i) {
  return s && i < s->items.size() ? s->items[i].c_str() : "";
}
void gs_strings_free(gs_strings* s) { delete s; }

gs_code gs_list_rejected(gs_client* c, gs_rejected** out, gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    if (out == nullptr) return absl::InvalidArgumentError("out is NULL");
    *out = new gs_rejected{c->client->Rejected()};
    return absl::OkStatus();
  });
}
size_t gs_rejected_count(const gs_rejected* r) { return r ? r->items.size() : 0; }
uint64_t gs_rejected_seq(const gs_rejected* r, size_t i) {
  return r && i < r->items.size() ? r->items[i].mutation().device_seq() : 0;
}
const char* gs_rejected_record_id(const gs_rejected* r, size_t i) {
  return r && i < r->items.size() ? r->items[i].mutation().record_id().c_str() : "";
}
int gs_rejected_code(const gs_rejected* r, size_t i) {
  return r && i < r->items.size() ? r->items[i].code() : 0;
}
const char* gs_rejected_field(const gs_rejected* r, size_t i) {
  return r && i < r->items.size() ? r->items[i].field().c_str() : "";
}
const char* gs_rejected_message(const gs_rejected* r, size_t i) {
  return r && i < r->items.size() ? r->items[i].message().c_str() : "";
}
void gs_rejected_free(gs_rejected* r) { delete r; }

gs_code gs_dismiss_rejected(gs_client* c, uint64_t device_seq, gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    return c->client->DismissRejected(device_seq);
  });
}

gs_code gs_get_stats(gs_client* c, gs_stats* out, gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    if (out == nullptr) return absl::InvalidArgumentError("out is NULL");
    const auto s = c->client->Stats();
    *out =
        gs_stats{s.pending, s.acked_unpulled, s.rejected, s.records, s.cursor, s.clock_offset_ms};
    return absl::OkStatus();
  });
}

gs_code gs_now_ms(gs_client* c, int64_t* out, gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    if (out == nullptr) return absl::InvalidArgumentError("out is NULL");
    *out = c->client->NowMs();
    return absl::OkStatus();
  });
}

static gs_sync_report ToReport(const gridsync::sdk::SyncReport& r) {
  return gs_sync_report{r.pushed,
                        r.duplicates,
                        r.rejected,
                        r.restamped,
                        r.pulled,
                        r.cursor,
                        r.renumbered,
                        r.repushed,
                        r.refilled,
                        r.refill_refused,
                        r.attachments_uploaded,
                        r.attachment_bytes_sent,
                        r.attachments_waiting,
                        r.attachments_refused,
                        r.refill_held};
}

gs_code gs_sync(gs_client* c, gs_progress_fn progress, void* user, gs_sync_report* out,
                gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    gridsync::sdk::ProgressFn fn;
    if (progress != nullptr) {
      fn = [progress, user](const gridsync::sdk::SyncProgress& p) {
        if (p.phase == gridsync::sdk::SyncProgress::Phase::kUpload) {
          progress(user, static_cast<int>(p.phase), p.upload_bytes_sent, p.upload_bytes_total,
                   p.pending);
        } else {
          progress(user, static_cast<int>(p.phase), p.pushed, p.pulled, p.pending);
        }
      };
    }
    auto r = c->client->Sync(fn);
    if (!r.ok()) return r.status();
    if (out != nullptr) *out = ToReport(*r);
    return absl::OkStatus();
  });
}

gs_code gs_start_background(gs_client* c, int interval_ms, int min_backoff_ms, int max_backoff_ms,
                            gs_result_fn on_result, void* user, gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    gridsync::sdk::BackgroundOptions bo;
    if (interval_ms > 0) bo.interval = std::chrono::milliseconds(interval_ms);
    if (min_backoff_ms > 0) bo.min_backoff = std::chrono::milliseconds(min_backoff_ms);
    if (max_backoff_ms > 0) bo.max_backoff = std::chrono::milliseconds(max_backoff_ms);
    if (on_result != nullptr) {
      bo.on_result = [on_result, user](const absl::Status& st, const gridsync::sdk::SyncReport& r) {
        const gs_sync_report rep = ToReport(r);
        const std::string msg(st.message());
        on_result(user, static_cast<int>(st.code()), msg.c_str(), &rep);
      };
    }
    c->client->StartBackground(std::move(bo));
    return absl::OkStatus();
  });
}

void gs_stop_background(gs_client* c) {
  try {
    if (c != nullptr && c->client) c->client->StopBackground();
  } catch (...) {
  }
}

}  // extern "C"

gs_code gs_list_households(gs_client* c, const char* scope_code, const char* month, int offset,
                           int limit, gs_day** out, gs_error* err) {
  return DayCall(c, out, err, [&]() -> absl::StatusOr<gs_day*> {
    auto l = c->client->ListHouseholds(Str(scope_code), Str(month), offset, limit);
    if (!l.ok()) return l.status();
    return DayOf(*l, l->households(), l->total());
  });
}

gs_code gs_list_due_checks(gs_client* c, const char* scope_code, int within_days, int offset,
                           int limit, gs_day** out, gs_error* err) {
  return DayCall(c, out, err, [&]() -> absl::StatusOr<gs_day*> {
    auto l = c->client->ListDueChecks(Str(scope_code), within_days, offset, limit);
    if (!l.ok()) return l.status();
    return DayOf(*l, l->persons(), l->total());
  });
}

gs_code gs_list_open_cases(gs_client* c, const char* scope_code, int offset, int limit,
                           gs_day** out, gs_error* err) {
  return DayCall(c, out, err, [&]() -> absl::StatusOr<gs_day*> {
    auto l = c->client->ListOpenCases(Str(scope_code), offset, limit);
    if (!l.ok()) return l.status();
    return DayOf(*l, l->cases(), l->total());
  });
}

gs_code gs_get_coverage(gs_client* c, const char* scope_code, const char* month, gs_day** out,
                        gs_error* err) {
  return DayCall(c, out, err, [&]() -> absl::StatusOr<gs_day*> {
    auto cov = c->client->GetCoverage(Str(scope_code), Str(month));
    if (!cov.ok()) return cov.status();
    auto d = std::make_unique<gs_day>();
    d->json = Json(*cov);
    d->proto = cov->SerializeAsString();
    d->coverage = std::move(*cov);
    return d.release();
  });
}

namespace {
const gs_day::Entry* EntryAt(const gs_day* d, size_t i) {
  return d != nullptr && i < d->entries.size() ? &d->entries[i] : nullptr;
}
}  // namespace

const char* gs_day_json(const gs_day* d) { return d ? d->json.c_str() : ""; }
const void* gs_day_proto(const gs_day* d, size_t* len) {
  if (len != nullptr) *len = d ? d->proto.size() : 0;
  return d ? d->proto.data() : "";
}
int64_t gs_day_total(const gs_day* d) { return d ? d->total : 0; }
size_t gs_day_count(const gs_day* d) { return d ? d->entries.size() : 0; }
const char* gs_day_id(const gs_day* d, size_t i) {
  const auto* e = EntryAt(d, i);
  return e ? e->id.c_str() : "";
}
const char* gs_day_name(const gs_day* d, size_t i) {
  const auto* e = EntryAt(d, i);
  return e ? e->name.c_str() : "";
}
const char* gs_day_grid(const gs_day* d, size_t i) {
  const auto* e = EntryAt(d, i);
  return e ? e->grid.c_str() : "";
}
int gs_day_state(const gs_day* d, size_t i) {
  const auto* e = EntryAt(d, i);
  return e ? e->state : 0;
}
int64_t gs_day_time_ms(const gs_day* d, size_t i) {
  const auto* e = EntryAt(d, i);
  return e ? e->time_ms : 0;
}
int gs_day_days_overdue(const gs_day* d, size_t i) {
  const auto* e = EntryAt(d, i);
  return e ? e->days_overdue : 0;
}
unsigned gs_day_flags(const gs_day* d, size_t i) {
  const auto* e = EntryAt(d, i);
  return e ? e->flags : 0;
}

gs_code gs_day_coverage(const gs_day* d, gs_coverage* out, gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (d == nullptr || out == nullptr || !d->coverage) {
      return absl::InvalidArgumentError("gs_day_coverage needs an answer of gs_get_coverage");
    }
    const auto& c = *d->coverage;
    *out = gs_coverage{};
    out->from_ms = c.from_ms();
    out->to_ms = c.to_ms();
    out->as_of_ms = c.as_of_ms();
    out->households = c.visits().households();
    out->visited = c.visits().visited();
    out->visit_rate = c.visits().rate();
    const auto& k = c.checks();
    out->persons = k.persons();
    out->checked_in_interval = k.checked_in_interval();
    out->overdue = k.overdue();
    out->never_checked = k.never_checked();
    out->not_yet_due = k.not_yet_due();
    out->absent_or_out_of_contact = k.absent_or_out_of_contact();
    out->check_rate = k.rate();
    const auto& cs = c.cases();
    out->registered = cs.registered();
    out->open = cs.open();
    out->resolved = cs.resolved();
    out->escalated = cs.escalated();
    out->followed_up_both = cs.followed_up_both();
    out->open_now = cs.open_now();
    out->open_past_deadline = cs.open_past_deadline();
    out->mediation_rate = cs.mediation_rate();
    out->grassroots_rate = cs.grassroots_rate();
    out->care_persons = c.care().persons();
    out->care_overdue = c.care().overdue();
    out->care_rate = c.care().rate();
    out->follow_up_rate = cs.follow_up_rate();
    const auto& p = c.patrols();
    out->patrols_per_week = p.per_week();
    out->patrols = p.patrols();
    out->patrol_weeks = p.weeks();
    out->weeks_patrolled = p.weeks_patrolled();
    out->patrol_rate = p.rate();
    const auto& q = c.surveys();
    out->surveys_asked = q.asked();
    out->surveys_answered = q.answered();
    out->surveys_refused = q.refused();
    out->surveys_nobody_home = q.nobody_home();
    out->safety_rate = q.safety_rate();
    out->satisfaction_rate = q.satisfaction_rate();
    return absl::OkStatus();
  });
}

void gs_day_free(gs_day* d) { delete d; }

gs_code gs_propose(gs_client* c, const char* grid_code, const char* proposal_json, char out_id[64],
                   gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    gridsync::v1::RegistryProposal p;
    if (auto parsed = google::protobuf::util::JsonStringToMessage(Str(proposal_json), &p);
        !parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("proposal is not a valid RegistryProposal in JSON: ", parsed.ToString()));
    }
    auto id = c->client->Propose(Str(grid_code), p);
    if (!id.ok()) return id.status();
    CopyId(*id, out_id);
    return absl::OkStatus();
  });
}

gs_code gs_decide(gs_client* c, const char* proposal_id, int approve, const char* note,
                  gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    return c->client->Decide(Str(proposal_id), approve != 0, Str(note));
  });
}

gs_code gs_list_proposals(gs_client* c, const char* scope_code, int pending_only, int offset,
                          int limit, gs_day** out, gs_error* err) {
  return DayCall(c, out, err, [&]() -> absl::StatusOr<gs_day*> {
    auto l = c->client->ListProposals(Str(scope_code), pending_only != 0, offset, limit);
    if (!l.ok()) return l.status();
    return DayOf(*l, l->proposals(), l->total());
  });
}

gs_code gs_give_task(gs_client* c, const char* grid_code, const char* task_json, char out_id[64],
                     gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    gridsync::v1::Task t;
    if (auto parsed = google::protobuf::util::JsonStringToMessage(Str(task_json), &t);
        !parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("task is not a valid Task in JSON: ", parsed.ToString()));
    }
    auto id = c->client->GiveTask(Str(grid_code), t);
    if (!id.ok()) return id.status();
    CopyId(*id, out_id);
    return absl::OkStatus();
  });
}

gs_code gs_step_task(gs_client* c, const char* task_id, int action, const char* note,
                     gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    if (action < GS_TASK_ACCEPT || action > GS_TASK_SEND_BACK) {
      return absl::InvalidArgumentError(absl::StrCat(
          "action ", action, " is not a task step (GS_TASK_ACCEPT .. GS_TASK_SEND_BACK)"));
    }
    return c->client->StepTask(Str(task_id), static_cast<gridsync::v1::TaskAction>(action),
                               Str(note));
  });
}

gs_code gs_verify_visit(gs_client* c, const char* visit_id, const char* verification_json,
                        gs_error* err) {
  return Guard(err, [&]() -> absl::Status {
    if (auto st = NeedClient(c); !st.ok()) return st;
    gridsync::v1::VisitVerification v;
    if (auto parsed = google::protobuf::util::JsonStringToMessage(Str(verification_json), &v);
        !parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "verification is not a valid VisitVerification in JSON: ", parsed.ToString()));
    }
    return c->client->VerifyVisit(Str(visit_id), std::move(v));
  });
}

gs_code gs_list_tasks(gs_client* c, const char* scope_code, int open_only, int offset, int limit,
                      gs_day** out, gs_error* err) {
  return DayCall(c, out, err, [&]() -> absl::StatusOr<gs_day*> {
    auto l = c->client->ListTasks(Str(scope_code), open_only != 0, offset, limit);
    if (!l.ok()) return l.status();
    return DayOf(*l, l->tasks(), l->total());
  });
}

gs_code gs_survey_forms(gs_client* c, gs_day** out, gs_error* err) {
  return DayCall(c, out, err, [&]() -> absl::StatusOr<gs_day*> {
    auto forms = c->client->SurveyForms();
    if (!forms.ok()) return forms.status();
    return DayOf(*forms, forms->forms(), forms->forms_size());
  });
}

const char* gs_day_author(const gs_day* d, size_t i) {
  const auto* e = EntryAt(d, i);
  return e ? e->author.c_str() : "";
}

const char* gs_day_entry_json(const gs_day* d, size_t i) {
  const auto* e = EntryAt(d, i);
  return e ? e->json.c_str() : "";
}
