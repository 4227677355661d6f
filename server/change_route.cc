#include "server/change_route.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/record_state.pb.h"

namespace gridsync::server {
namespace {

using google::protobuf::internal::WireFormatLite;

// Calls on_bytes(field, bytes) for each length-delimited field of the
// serialized message `msg` and on_varint(field, value) for each varint, in
// the order written, and skips the rest. False if `msg` does not parse.
template <typename OnBytes, typename OnVarint>
bool ForEachField(std::string_view msg, OnBytes on_bytes, OnVarint on_varint) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(msg.data()),
                                            static_cast<int>(msg.size()));
  while (const uint32_t tag = in.ReadTag()) {
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    switch (WireFormatLite::GetTagWireType(tag)) {
      case WireFormatLite::WIRETYPE_VARINT: {
        uint64_t v;
        if (!in.ReadVarint64(&v)) return false;
        on_varint(field, v);
        break;
      }
      case WireFormatLite::WIRETYPE_LENGTH_DELIMITED: {
        uint32_t len;
        if (!in.ReadVarint32(&len)) return false;
        const size_t at = static_cast<size_t>(in.CurrentPosition());
        if (!in.Skip(static_cast<int>(len))) return false;
        on_bytes(field, msg.substr(at, len));
        break;
      }
      default:
        if (!WireFormatLite::SkipField(&in, tag)) return false;
    }
  }
  return static_cast<size_t>(in.CurrentPosition()) == msg.size();
}

template <typename OnBytes>
bool ForEachBytesField(std::string_view msg, OnBytes on_bytes) {
  return ForEachField(msg, on_bytes, [](int, uint64_t) {});
}

}  // namespace

bool ReadChangeRoute(std::string_view change, ChangeRoute* out) {
  using gridsync::v1::Change;
  using gridsync::v1::Mutation;
  using gridsync::v1::RecordHeader;
  using gridsync::v1::RecordState;
  using gridsync::v1::Refill;
  *out = ChangeRoute();
  bool ok = true;
  auto state_route = [&](int field, std::string_view v) {
    if (field == RecordState::kRecordIdFieldNumber) {
      out->record_id = v;
    } else if (field == RecordState::kHeaderFieldNumber) {
      ok &= ForEachBytesField(v, [&](int f, std::string_view w) {
        if (f == RecordHeader::kGridCodeFieldNumber) out->grid = w;
      });
    }
  };
  ok &= ForEachField(
      change,
      [&](int field, std::string_view v) {
        if (field == Change::kMutationFieldNumber) {
          out->record = true;
          ok &= ForEachBytesField(v, [&](int f, std::string_view w) {
            if (f == Mutation::kRecordIdFieldNumber) out->record_id = w;
            if (f == Mutation::kGridCodeFieldNumber) out->grid = w;
          });
        } else if (field == Change::kRefillFieldNumber) {
          out->record = true;
          ok &= ForEachBytesField(v, [&](int f, std::string_view w) {
            if (f == Refill::kStateFieldNumber) ok &= ForEachBytesField(w, state_route);
          });
        }
      },
      [&](int field, uint64_t v) {
        if (field == Change::kSeqFieldNumber) out->seq = v;
      });
  return ok;
}

}  // namespace gridsync::server
