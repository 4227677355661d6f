#include "server/feed_service.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include "absl/strings/str_cat.h"
#include "server/grpc_edge.h"
#include "server/log.h"
#include "server/raw_unary.h"

namespace gridsync::server {
namespace {

constexpr int kPageChanges = 500;
constexpr auto kWaitSlice =
    std::chrono::milliseconds(250);  // how often a waiting stream looks at cancel/stop

// A serialized FeedMessage, written field by field so that the change and
// the record state go out as the store holds them, never parsed and
// serialized again (the feed's largest cost). Field numbers are
// FeedMessage's (feed_service.proto); FeedTest parses every message back.
std::string FeedMessageBytes(uint64_t cursor, uint64_t head, bool caught_up,
                             const std::string* change, const std::string* state) {
  using google::protobuf::internal::WireFormatLite;
  std::string out;
  out.reserve(32 + (change ? change->size() : 0) + (state ? state->size() : 0));
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    WireFormatLite::WriteUInt64(gridsync::v1::FeedMessage::kCursorFieldNumber, cursor, &coded);
    if (change)
      WireFormatLite::WriteBytes(gridsync::v1::FeedMessage::kChangeFieldNumber, *change, &coded);
    if (state)
      WireFormatLite::WriteBytes(gridsync::v1::FeedMessage::kStateFieldNumber, *state, &coded);
    if (caught_up)
      WireFormatLite::WriteBool(gridsync::v1::FeedMessage::kCaughtUpFieldNumber, true, &coded);
    WireFormatLite::WriteUInt64(gridsync::v1::FeedMessage::kHeadFieldNumber, head, &coded);
  }
  return out;
}

}  // namespace

FeedServiceImpl::FeedServiceImpl(RecordStore* records, const Authenticator* auth,
                                 std::chrono::milliseconds heartbeat)
    : records_(records), auth_(auth), heartbeat_(heartbeat) {
  using Handler =
      grpc::internal::ServerStreamingHandler<FeedServiceImpl, grpc::ByteBuffer, grpc::ByteBuffer>;
  AddMethod(new grpc::internal::RpcServiceMethod(
      "/gridsync.v1.FeedService/Subscribe", grpc::internal::RpcMethod::SERVER_STREAMING,
      new Handler(
          [](FeedServiceImpl* s, grpc::ServerContext* ctx, const grpc::ByteBuffer* body,
             grpc::ServerWriter<grpc::ByteBuffer>* out) {
            gridsync::v1::SubscribeRequest req;
            if (grpc::Status st = ParseBody(*body, &req, &s->bad_requests_, ctx->peer());
                !st.ok()) {
              return st;
            }
            return s->Subscribe(ctx, &req, [out](const std::string& m) {
              grpc::Slice slice(m);
              return out->Write(grpc::ByteBuffer(&slice, 1));
            });
          },
          this)));
}

class FeedServiceImpl::Tracked {
 public:
  Tracked(FeedServiceImpl* s, uint64_t cursor) : s_(s) { Move(cursor); }
  ~Tracked() {
    std::lock_guard<std::mutex> lock(s_->subs_mu_);
    s_->cursors_.erase(this);
  }
  void Move(uint64_t cursor) {
    std::lock_guard<std::mutex> lock(s_->subs_mu_);
    s_->cursors_[this] = cursor;
  }

 private:
  FeedServiceImpl* s_;
};

FeedServiceImpl::Subscribers FeedServiceImpl::subscribers() const {
  const uint64_t head = records_->LastChangeSeq();
  Subscribers out;
  std::lock_guard<std::mutex> lock(subs_mu_);
  out.open = static_cast<int>(cursors_.size());
  for (const auto& [stream, cursor] : cursors_) {
    out.max_lag = std::max(out.max_lag, head > cursor ? head - cursor : 0);
  }
  return out;
}

grpc::Status FeedServiceImpl::Subscribe(grpc::ServerContext* ctx,
                                        const gridsync::v1::SubscribeRequest* req,
                                        const Writer& write) {
  auto who = AuthenticateCall(*auth_, ctx);
  if (!who.ok()) return ToGrpc(who.status());
  if (who->device.role() == gridsync::v1::ROLE_GRID_WORKER) {
    return grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED,
        "the change feed is for county jobs and offices; a grid worker's phone syncs with Pull");
  }
  std::string prefix;
  if (!req->scope_code().empty()) {
    auto narrow = who->Narrow(req->scope_code());
    if (!narrow.ok()) return ToGrpc(narrow.status());
    prefix = *narrow;
  } else if (who->prefixes.size() == 1) {
    prefix = who->prefixes[0];  // "" for the admin: everything
  } else {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "scope_code is required for this device");
  }
  uint64_t cursor = req->cursor();
  if (cursor > records_->LastChangeSeq()) {
    return grpc::Status(
        grpc::StatusCode::OUT_OF_RANGE,
        absl::StrCat("cursor ", cursor, " is past the server's last change ",
                     records_->LastChangeSeq(),
                     "; the server was restored from an older backup: start again from 0"));
  }
  LogInfo("feed: ", who->device.device_id(), " subscribed to '", prefix, "' from ", cursor,
          req->follow() ? " (following)" : "");

  Tracked tracked(this, cursor);
  bool told_caught_up = false;
  auto last_sent = std::chrono::steady_clock::now();
  auto send = [&](const std::string& m) {
    last_sent = std::chrono::steady_clock::now();
    return write(m);
  };
  while (true) {
    if (ctx->IsCancelled()) return grpc::Status::CANCELLED;
    if (stopping_.load()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the server is shutting down; resume from your cursor");
    }
    auto page = records_->ReadChanges(cursor, prefix, kPageChanges);
    if (!page.ok()) return ToGrpc(page.status());
    const size_t n = page->changes.size();
    const uint64_t last_seq = n == 0 ? 0 : page->changes[n - 1].seq();
    for (size_t i = 0; i < n; ++i) {
      // The last change of a page that reached the head tells the job it
      // may commit what it holds.
      const bool caught_up = i + 1 == n && page->caught_up && page->next_cursor == last_seq;
      told_caught_up |= caught_up;
      const std::string* state = page->states[i] ? &*page->states[i] : nullptr;
      if (!send(FeedMessageBytes(page->changes[i].seq(), page->head, caught_up,
                                 &page->change_bytes[i], state))) {
        return grpc::Status::CANCELLED;  // the client went away
      }
    }
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
      if (!send(FeedMessageBytes(cursor, page->head, true, nullptr, nullptr))) {
        return grpc::Status::CANCELLED;
      }
      told_caught_up = true;
    }
    if (!req->follow()) return grpc::Status::OK;
    records_->WaitForChange(cursor, kWaitSlice);
  }
}

}  // namespace gridsync::server
