#include "server/feed_service.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <future>

#include "absl/strings/str_cat.h"
#include "server/grpc_edge.h"
#include "server/log.h"
#include "server/raw_unary.h"

namespace gridsync::server {
namespace {

constexpr int kPageChanges = 500;
// A SubscribeBatchedResponse is sent when it reaches this size (under gRPC's default 4 MB
// receive limit), and at the end of every page.
constexpr size_t kBatchBytes = 1 << 20;
constexpr auto kWaitSlice =
    std::chrono::milliseconds(250);  // how often a waiting stream looks at cancel/stop

using google::protobuf::internal::WireFormatLite;

// Appends a field's tag and a varint (its value, or the length of the bytes
// that follow) to `out`.
void AppendTagAndVarint(int field, WireFormatLite::WireType type, uint64_t v, std::string* out) {
  using google::protobuf::io::CodedOutputStream;
  uint8_t buf[16];
  uint8_t* end = CodedOutputStream::WriteTagToArray(WireFormatLite::MakeTag(field, type), buf);
  end = CodedOutputStream::WriteVarint64ToArray(v, end);
  out->append(reinterpret_cast<const char*>(buf), end - buf);
}

void AppendBytes(int field, const std::string& bytes, std::string* out) {
  AppendTagAndVarint(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, bytes.size(), out);
  out->append(bytes);
}

// A serialized SubscribeResponse, written field by field so that the change and
// the record state go out as the store holds them, never parsed and
// serialized again (the feed's largest cost). Field numbers are
// SubscribeResponse's (feed_service.proto); FeedTest parses every message back.
std::string FeedMessageBytes(uint64_t cursor, uint64_t head, bool caught_up,
                             const std::string* change, const std::string* state) {
  using gridsync::v1::SubscribeResponse;
  std::string out;
  out.reserve(48 + (change ? change->size() : 0) + (state ? state->size() : 0));
  AppendTagAndVarint(SubscribeResponse::kCursorFieldNumber, WireFormatLite::WIRETYPE_VARINT, cursor,
                     &out);
  if (change) AppendBytes(SubscribeResponse::kChangeFieldNumber, *change, &out);
  if (state) AppendBytes(SubscribeResponse::kStateFieldNumber, *state, &out);
  if (caught_up) {
    AppendTagAndVarint(SubscribeResponse::kCaughtUpFieldNumber, WireFormatLite::WIRETYPE_VARINT, 1,
                       &out);
  }
  AppendTagAndVarint(SubscribeResponse::kHeadFieldNumber, WireFormatLite::WIRETYPE_VARINT, head,
                     &out);
  return out;
}

// Puts serialized FeedMessages into stream messages: each on its own, or
// several to a SubscribeBatchedResponse (its repeated field 1, written as bytes).
class Sender {
 public:
  Sender(const FeedServiceImpl::Writer& write, bool batched) : write_(write), batched_(batched) {}

  // False when the client went away.
  bool Add(std::string message) {
    if (!batched_) return write_(std::move(message));
    if (!batch_.empty() && batch_.size() + message.size() > kBatchBytes && !Flush()) return false;
    if (batch_.empty()) batch_.reserve(kBatchBytes + (kBatchBytes >> 2));
    AppendBytes(gridsync::v1::SubscribeBatchedResponse::kMessagesFieldNumber, message, &batch_);
    return true;
  }
  // Sends what Add holds back. False when the client went away.
  bool Flush() {
    if (batch_.empty()) return true;
    std::string out;
    out.swap(batch_);  // an idle stream holds no buffer
    return write_(std::move(out));
  }

 private:
  const FeedServiceImpl::Writer& write_;
  const bool batched_;
  std::string batch_;
};

// Hands a message to gRPC without copying it.
bool WriteOwned(grpc::ServerWriter<grpc::ByteBuffer>* out, std::string m) {
  auto* owned = new std::string(std::move(m));
  grpc::Slice slice(
      owned->data(), owned->size(), [](void* p) { delete static_cast<std::string*>(p); }, owned);
  return out->Write(grpc::ByteBuffer(&slice, 1));
}

}  // namespace

FeedServiceImpl::FeedServiceImpl(RecordStore* records, const Authenticator* auth,
                                 std::chrono::milliseconds heartbeat)
    : records_(records), auth_(auth), heartbeat_(heartbeat) {
  using Handler =
      grpc::internal::ServerStreamingHandler<FeedServiceImpl, grpc::ByteBuffer, grpc::ByteBuffer>;
  for (const bool batched : {false, true}) {
    AddMethod(new grpc::internal::RpcServiceMethod(
        batched ? "/gridsync.v1.FeedService/SubscribeBatched"
                : "/gridsync.v1.FeedService/Subscribe",
        grpc::internal::RpcMethod::SERVER_STREAMING,
        new Handler(
            [batched](FeedServiceImpl* s, grpc::ServerContext* ctx, const grpc::ByteBuffer* body,
                      grpc::ServerWriter<grpc::ByteBuffer>* out) {
              // SubscribeBatchedRequest has SubscribeRequest's fields, number
              // for number (feed_service.proto; released clients send the
              // latter to both): one parse for both.
              gridsync::v1::SubscribeRequest req;
              if (grpc::Status st = ParseBody(*body, &req, &s->bad_requests_, ctx->peer());
                  !st.ok()) {
                return st;
              }
              return s->Subscribe(ctx, &req, batched,
                                  [out](std::string m) { return WriteOwned(out, std::move(m)); });
            },
            this)));
  }
}

class FeedServiceImpl::Tracked {
 public:
  // Counts the stream against its device's bound; admitted() says whether
  // the bound left room for it.
  Tracked(FeedServiceImpl* s, const std::string& device_id, uint64_t cursor) : s_(s) {
    absl::MutexLock lock(&s_->subs_mu_);
    int open = 0;
    for (const auto& [stream, o] : s_->streams_) open += o.device_id == device_id;
    admitted_ = open < kMaxStreamsPerDevice;
    if (admitted_) s_->streams_[this] = Open{device_id, cursor};
  }
  ~Tracked() {
    absl::MutexLock lock(&s_->subs_mu_);
    s_->streams_.erase(this);
  }
  bool admitted() const { return admitted_; }
  void Move(uint64_t cursor) {
    absl::MutexLock lock(&s_->subs_mu_);
    if (admitted_) s_->streams_[this].cursor = cursor;
  }

 private:
  FeedServiceImpl* s_;
  bool admitted_ = false;
};

FeedServiceImpl::Subscribers FeedServiceImpl::subscribers() const {
  const uint64_t head = records_->LastChangeSeq();
  Subscribers out;
  absl::MutexLock lock(&subs_mu_);
  out.open = static_cast<int>(streams_.size());
  for (const auto& [stream, o] : streams_) {
    out.max_lag = std::max(out.max_lag, head > o.cursor ? head - o.cursor : 0);
  }
  return out;
}

namespace {

// The org-code prefix a subscriber follows: its scope_code narrowed to
// what the device may read, else the device's one scope.
absl::StatusOr<std::string> FeedPrefix(const Principal& who,
                                       const gridsync::v1::SubscribeRequest& req) {
  if (who.device.role() == gridsync::v1::ROLE_GRID_WORKER) {
    return absl::PermissionDeniedError(
        "the change feed is for county jobs and offices; a grid worker's phone syncs with Pull");
  }
  if (!req.scope_code().empty()) return who.Narrow(req.scope_code());
  if (who.prefixes.size() == 1) return who.prefixes[0];  // "" for the admin: everything
  return absl::InvalidArgumentError("scope_code is required for this device");
}

}  // namespace

absl::StatusOr<uint64_t> FeedServiceImpl::StartCursor(
    const gridsync::v1::SubscribeRequest& req) const {
  const uint64_t head = records_->LastChangeSeq();
  const uint64_t cursor = req.from_now() ? head : req.cursor();
  if (cursor <= head) return cursor;
  return absl::OutOfRangeError(
      absl::StrCat("cursor ", cursor, " is past the server's last change ", head,
                   "; the server was restored from an older backup: start again from 0"));
}

std::optional<grpc::Status> FeedServiceImpl::Ended(grpc::ServerContext* ctx,
                                                   const std::string& device_id) const {
  if (ctx->IsCancelled()) return grpc::Status::CANCELLED;
  if (absl::Status st = auth_->StillValid(device_id); !st.ok()) {
    LogInfo("feed: ", device_id, "'s stream ended: ", st.message());
    return ToGrpc(st);
  }
  if (stopping_.load()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the server is shutting down; resume from your cursor");
  }
  return std::nullopt;
}

grpc::Status FeedServiceImpl::Subscribe(grpc::ServerContext* ctx,
                                        const gridsync::v1::SubscribeRequest* req, bool batched,
                                        const Writer& write) {
  auto who = AuthenticateCall(*auth_, ctx);
  if (!who.ok()) return ToGrpc(who.status());
  auto found = FeedPrefix(*who, *req);
  if (!found.ok()) return ToGrpc(found.status());
  const std::string prefix = std::move(*found);
  auto start = StartCursor(*req);
  if (!start.ok()) return ToGrpc(start.status());
  uint64_t cursor = *start;
  LogInfo("feed: ", who->device.device_id(), " subscribed to '", prefix, "' from ", cursor,
          req->follow() ? " (following)" : "");

  const std::string& device_id = who->device.device_id();
  Tracked tracked(this, device_id, cursor);
  if (!tracked.admitted()) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        absl::StrCat("device ", device_id, " has ", kMaxStreamsPerDevice,
                                     " feed streams open already, the most a device may hold: "
                                     "close one, or follow one scope with one stream"));
  }
  bool told_caught_up = false;
  auto last_sent = std::chrono::steady_clock::now();
  Sender sender(write, batched);
  auto send = [&](std::string m) {
    last_sent = std::chrono::steady_clock::now();
    return sender.Add(std::move(m));
  };
  // While a page of the backlog is sent, the next is read.
  std::future<absl::StatusOr<FeedPage>> ahead;
  while (true) {
    if (auto ended = Ended(ctx, device_id)) return *ended;
    auto page = ahead.valid() ? ahead.get() : records_->ReadChanges(cursor, prefix, kPageChanges);
    if (!page.ok()) return ToGrpc(page.status());
    if (!page->caught_up) {
      ahead = std::async(std::launch::async, [this, next = page->next_cursor, &prefix] {
        return records_->ReadChanges(next, prefix, kPageChanges);
      });
    }
    const size_t n = page->seqs.size();
    const uint64_t last_seq = n == 0 ? 0 : page->seqs[n - 1];
    for (size_t i = 0; i < n; ++i) {
      // The last change of a page that reached the head tells the job it
      // may commit what it holds.
      const bool caught_up = i + 1 == n && page->caught_up && page->next_cursor == last_seq;
      told_caught_up |= caught_up;
      const std::string* state = page->states[i] ? &*page->states[i] : nullptr;
      if (!send(FeedMessageBytes(page->seqs[i], page->head, caught_up, &page->change_bytes[i],
                                 state))) {
        return grpc::Status::CANCELLED;  // the client went away
      }
    }
    if (!sender.Flush()) return grpc::Status::CANCELLED;
    const bool moved = page->next_cursor != cursor;
    cursor = page->next_cursor;
    tracked.Move(cursor);
    if (!page->caught_up) continue;
    const bool bare = n > 0 ? last_seq != cursor  // changes outside the scope came after
                            : moved || !told_caught_up ||
                                  std::chrono::steady_clock::now() - last_sent >= heartbeat_;
    if (bare) {
      // Caught up with nothing in scope left to send, or a heartbeat: the
      // cursor without a change.
      if (!send(FeedMessageBytes(cursor, page->head, true, nullptr, nullptr)) || !sender.Flush()) {
        return grpc::Status::CANCELLED;
      }
      told_caught_up = true;
    }
    if (!req->follow()) return grpc::Status::OK;
    records_->WaitForChange(cursor, kWaitSlice);
  }
}

}  // namespace gridsync::server
