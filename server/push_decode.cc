#include "server/push_decode.h"

#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "core/utf8.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "gridsync/v1/admin_service.pb.h"
#include "gridsync/v1/coverage_service.pb.h"
#include "gridsync/v1/sync_service.pb.h"

namespace gridsync::server {
namespace {
using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::DynamicMessageFactory;
using google::protobuf::FieldDescriptor;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorProto;
using google::protobuf::Message;
using google::protobuf::internal::WireFormatLite;

void StringsToBytes(google::protobuf::DescriptorProto* m) {
  for (auto& f : *m->mutable_field()) {
    if (f.type() == FieldDescriptorProto::TYPE_STRING) f.set_type(FieldDescriptorProto::TYPE_BYTES);
  }
  for (auto& nested : *m->mutable_nested_type()) StringsToBytes(&nested);
}

// The generated schema of a file and its imports, with every string field
// turned into bytes: the same wire format, parsed without a UTF-8 check.
// Built once; its messages have the generated ones' full names.
class LenientSchema {
 public:
  static const LenientSchema& Get() {
    static const LenientSchema* schema = new LenientSchema();
    return *schema;
  }

  // A new empty lenient message of the generated type `type`; null for a
  // type of a file not added below.
  std::unique_ptr<Message> New(const Descriptor* type) const {
    const Descriptor* d = pool_.FindMessageTypeByName(type->full_name());
    if (d == nullptr) return nullptr;
    return std::unique_ptr<Message>(factory_.GetPrototype(d)->New());
  }

  // A field of a lenient message that is text in the generated schema.
  static bool IsText(const FieldDescriptor* f) {
    const FieldDescriptor* g = DescriptorPool::generated_pool()->FindFieldByName(f->full_name());
    return g != nullptr && g->type() == FieldDescriptor::TYPE_STRING;
  }

 private:
  LenientSchema() {
    Add(gridsync::v1::PushRequest::descriptor()->file());
    Add(gridsync::v1::GetCoverageRequest::descriptor()->file());
    Add(gridsync::v1::ImportRegistryRequest::descriptor()->file());
  }
  void Add(const FileDescriptor* file) {
    if (!added_.insert(file->name()).second) return;
    for (int i = 0; i < file->dependency_count(); ++i) Add(file->dependency(i));
    FileDescriptorProto proto;
    file->CopyTo(&proto);
    for (auto& m : *proto.mutable_message_type()) StringsToBytes(&m);
    pool_.BuildFile(proto);
  }

  DescriptorPool pool_;
  mutable DynamicMessageFactory factory_{&pool_};
  std::set<std::string> added_;
};

// Why `bytes` do not parse as a `type`: the path of a string that is not
// UTF-8, or malformed protobuf. Fills what can be read of a mutation.
core::FieldViolation Diagnose(absl::string_view bytes, const Descriptor* type,
                              DecodedMutation* partial = nullptr) {
  const LenientSchema& schema = LenientSchema::Get();
  std::unique_ptr<Message> lenient = schema.New(type);
  if (lenient == nullptr) {
    return {"", absl::StrCat("is not a valid ", type->name(),
                             " (malformed protobuf, or a string that is not UTF-8)")};
  }
  if (!lenient->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return {"", absl::StrCat("is not a valid ", type->name(), " (malformed protobuf, ",
                             bytes.size(), " bytes)")};
  }
  if (partial != nullptr) {
    const auto* refl = lenient->GetReflection();
    const Descriptor* d = lenient->GetDescriptor();
    partial->device_seq = refl->GetUInt64(*lenient, d->FindFieldByName("device_seq"));
    std::string id = refl->GetString(*lenient, d->FindFieldByName("record_id"));
    if (core::IsValidUtf8(id)) partial->record_id = std::move(id);
  }
  if (auto bad = core::FindInvalidUtf8(*lenient, &LenientSchema::IsText)) {
    return {bad->path, bad->message};
  }
  return {"", absl::StrCat("is not a valid ", type->name())};
}

}  // namespace

absl::StatusOr<std::vector<DecodedMutation>> DecodePushRequest(absl::string_view body,
                                                               int max_mutations,
                                                               std::string* signing_key) {
  // 1. Split: where each mutation's bytes lie; other fields are skipped.
  std::vector<absl::string_view> pieces;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()),
                                            static_cast<int>(body.size()));
  bool whole = false;  // read to the end without a malformed field
  while (true) {
    if (in.ExpectAtEnd()) {
      whole = true;
      break;
    }
    const uint32_t tag = in.ReadTag();
    if (tag == 0) break;  // a malformed tag, or field number 0
    if (WireFormatLite::GetTagFieldNumber(tag) == 2 &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      std::string key;  // PushRequest.signing_key: the last one counts, as in protobuf
      if (!WireFormatLite::ReadBytes(&in, &key)) break;
      if (signing_key != nullptr) *signing_key = std::move(key);
      continue;
    }
    if (WireFormatLite::GetTagFieldNumber(tag) != 1) {
      // A field a later version may add: skipped, like any parser does. An
      // end-group tag here ends nothing: malformed.
      if (WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_END_GROUP ||
          !WireFormatLite::SkipField(&in, tag)) {
        break;
      }
      continue;
    }
    uint32_t len = 0;
    if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_LENGTH_DELIMITED ||
        !in.ReadVarint32(&len) || len > body.size() - static_cast<size_t>(in.CurrentPosition())) {
      break;
    }
    const int at = in.CurrentPosition();
    if (!in.Skip(static_cast<int>(len))) break;
    pieces.push_back(body.substr(static_cast<size_t>(at), len));
  }
  if (!whole) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the request body is not a gridsync.v1.PushRequest: malformed protobuf at byte ",
        in.CurrentPosition(), " of ", body.size(),
        "; send the message the SDK or the generated stubs build"));
  }
  if (static_cast<int>(pieces.size()) > max_mutations) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "push has ", pieces.size(), " mutations; send at most ", max_mutations, " per call"));
  }

  // 2. Parse each on its own.
  std::vector<DecodedMutation> out(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    DecodedMutation& d = out[i];
    gridsync::v1::Mutation m;
    if (m.ParseFromArray(pieces[i].data(), static_cast<int>(pieces[i].size()))) {
      // Fields this server does not know are dropped: merged states hold
      // only what every replica understands, or two replicas that joined the
      // same writes in another order would differ in bytes (found by the
      // fuzzer: an unknown field inside `seen`).
      m.DiscardUnknownFields();
      d.device_seq = m.device_seq();
      d.record_id = m.record_id();
      d.mutation = std::move(m);
      continue;
    }
    d.violation = Diagnose(pieces[i], gridsync::v1::Mutation::descriptor(), &d);
  }
  return out;
}

absl::Status ParseRequest(absl::string_view body, Message* out) {
  if (out->ParseFromArray(body.data(), static_cast<int>(body.size()))) return absl::OkStatus();
  const core::FieldViolation v = Diagnose(body, out->GetDescriptor());
  return absl::InvalidArgumentError(
      absl::StrCat("the request body is not a ", out->GetDescriptor()->full_name(), ": ",
                   v.field.empty() ? "it " : v.field + ": ", v.message));
}

}  // namespace gridsync::server
