#include "server/feed_service.h"

#include "absl/strings/str_cat.h"
#include "server/grpc_edge.h"
#include "server/log.h"
#include "server/raw_unary.h"

namespace gridsync::server {
namespace {

constexpr int kPageChanges = 500;
constexpr auto kWaitSlice =
    std::chrono::milliseconds(250);  // how often a waiting stream looks at cancel/stop

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
            return s->Subscribe(ctx, &req, [out](const gridsync::v1::FeedMessage& m) {
              return out->Write(Serialize(m));
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
  auto send = [&](const gridsync::v1::FeedMessage& m) {
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
      gridsync::v1::FeedMessage m;
      m.set_cursor(page->changes[i].seq());
      m.set_head(page->head);
      *m.mutable_change() = std::move(page->changes[i]);
      if (page->states[i]) *m.mutable_state() = std::move(*page->states[i]);
      // The last change of a page that reached the head tells the job it
      // may commit what it holds.
      m.set_caught_up(i + 1 == n && page->caught_up && page->next_cursor == last_seq);
      told_caught_up |= m.caught_up();
      if (!send(m)) return grpc::Status::CANCELLED;  // the client went away
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
      gridsync::v1::FeedMessage m;
      m.set_cursor(cursor);
      m.set_head(page->head);
      m.set_caught_up(true);
      if (!send(m)) return grpc::Status::CANCELLED;
      told_caught_up = true;
    }
    if (!req->follow()) return grpc::Status::OK;
    records_->WaitForChange(cursor, kWaitSlice);
  }
}

}  // namespace gridsync::server
