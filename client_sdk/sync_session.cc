#include "client_sdk/sync_session.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "core/retention.h"

namespace gridsync::sdk {

namespace {

constexpr int kMaxPushBatch = 1000;
constexpr int kMaxPullPage = 5000;
constexpr int kMaxRefillBatch = 200;           // SyncService.Refill's limit
constexpr size_t kRefillBatchBytes = 1 << 20;  // a call a village network carries

}  // namespace

absl::StatusOr<SyncReport> SyncSession::Run(const ProgressFn& progress, bool pull) {
  absl::MutexLock one_at_a_time(&mu_);
  if (replica_->wiped()) return Replica::WipedError();
  auto report = Steps(progress, pull);
  if (!report.ok() && IsWipeOrder(report.status())) {
    return replica_->Wipe(opts_.data_dir, report.status());
  }
  return report;
}

absl::StatusOr<SyncReport> SyncSession::Steps(const ProgressFn& progress, bool pull) {
  SyncReport report;
  if (auto st = PushAll(&report, progress); !st.ok()) return st;
  if (pull) {
    // Twice at most: a restored server is found out once, then the outbox
    // goes again and everything is pulled from 0.
    bool restart = false;
    if (auto st = PullAll(&report, progress, &restart); !st.ok()) return st;
    if (restart) {
      if (auto st = PushAll(&report, progress); !st.ok()) return st;
      restart = false;
      if (auto st = PullAll(&report, progress, &restart); !st.ok()) return st;
      if (restart) return absl::InternalError("pull: the server's store changed twice in one sync");
    }
    if (replica_
            ->Refilling()) {  // before the marks go: a kill in between requeues at the next sync
      if (auto st = attachments_->RequeueCached(); !st.ok()) return st;
    }
    if (auto st = RefillAll(&report); !st.ok()) return st;
    auto uploaded = attachments_->UploadAll(&report, [&](int64_t sent, int64_t total) {
      ReportProgress(progress, SyncProgress::Phase::kUpload, report, sent, total);
    });
    if (!uploaded.ok()) return uploaded;
    if (auto st = ApplyRetention(&report); !st.ok()) return st;
  }
  ReportProgress(progress, SyncProgress::Phase::kDone, report);
  return report;
}

void SyncSession::ReportProgress(const ProgressFn& progress, SyncProgress::Phase phase,
                                 const SyncReport& r, int64_t upload_sent, int64_t upload_total) {
  if (!progress) return;
  SyncProgress p;
  p.phase = phase;
  p.upload_bytes_sent = upload_sent;
  p.upload_bytes_total = upload_total;
  p.pushed = r.pushed + r.duplicates;
  p.rejected = r.rejected;
  p.pulled = r.pulled;
  p.cursor = r.cursor;
  p.pending = replica_->PendingCount();
  progress(p);
}

// --- Push -------------------------------------------------------------------

absl::Status SyncSession::PushAll(SyncReport* report, const ProgressFn& progress) {
  const size_t batch = static_cast<size_t>(std::clamp(opts_.push_batch, 1, kMaxPushBatch));
  // Bounded: each round acks or rejects a batch, or re-stamps (at most
  // max_restamp_rounds times); writes arriving meanwhile join the next sync.
  size_t rounds_left =
      replica_->OutboxSize() / batch + 2 + static_cast<size_t>(opts_.max_restamp_rounds);
  int restamp_rounds = 0, renumber_rounds = 0;
  for (; rounds_left > 0; --rounds_left) {
    bool restamp = false, more = false;
    uint64_t reused_after = 0;
    if (auto st = PushOnce(report, &restamp, &reused_after, &more); !st.ok()) return st;
    ReportProgress(progress, SyncProgress::Phase::kPush, *report);
    if (reused_after > 0) {
      // Once is enough: the new seqs are past the server's highest. A
      // server that answers so again is not one this replica can trust.
      if (++renumber_rounds > 2) {
        return absl::InternalError(
            "the server keeps answering that this device's seqs are in use after renumbering");
      }
      if (auto st = replica_->Renumber(reused_after, report); !st.ok()) return st;
      ++rounds_left;
      continue;
    }
    if (restamp) {
      if (++restamp_rounds > opts_.max_restamp_rounds) {
        return absl::FailedPreconditionError(
            absl::StrCat("the server keeps refusing this phone's clock after ",
                         opts_.max_restamp_rounds, " re-stamps; check the phone's date and time"));
      }
      if (auto st = replica_->Restamp(report); !st.ok()) return st;
      continue;
    }
    if (!more) break;
  }
  return absl::OkStatus();
}

absl::Status SyncSession::PushOnce(SyncReport* report, bool* restamp, uint64_t* reused_after,
                                   bool* more) {
  gridsync::v1::PushRequest req;
  for (auto& m : replica_->PendingBatch(std::clamp(opts_.push_batch, 1, kMaxPushBatch), more)) {
    m.set_device_id(opts_.device_id);  // signed as the server will fill it in
    if (auto st = core::Sign(*key_, &m); !st.ok()) return st;
    m.clear_device_id();  // the server fills who wrote it
    m.clear_author();
    *req.add_mutations() = std::move(m);
  }
  req.set_signing_key(key_->public_key);
  if (req.mutations_size() == 0) return absl::OkStatus();
  gridsync::v1::PushResponse resp;
  ++report->push_calls;
  auto st = link_->Call(
      "push", [&](grpc::ClientContext* ctx) { return link_->stub().Push(ctx, req, &resp); }, resp);
  if (!st.ok()) return st;
  if (resp.results_size() != req.mutations_size()) {
    return absl::InternalError(absl::StrCat("push: the server answered ", resp.results_size(),
                                            " results for ", req.mutations_size(), " mutations"));
  }
  Replica::PushAnswer answer;
  answer.store_epoch = resp.store_epoch();
  for (const auto& r : resp.results()) {
    switch (r.outcome()) {
      case gridsync::v1::MUTATION_OUTCOME_APPLIED:
      case gridsync::v1::MUTATION_OUTCOME_DUPLICATE:
        answer.acked.push_back({r.device_seq(), r.change_seq(),
                                r.outcome() == gridsync::v1::MUTATION_OUTCOME_DUPLICATE});
        break;
      case gridsync::v1::MUTATION_OUTCOME_REJECTED:
        if (r.retryable()) {
          *restamp = true;
        } else {
          answer.refused.push_back(r);
        }
        break;
      case gridsync::v1::MUTATION_OUTCOME_SEQ_REUSED:
        *reused_after = std::max(*reused_after, r.device_high_seq());
        break;
      default:
        return absl::InternalError(absl::StrCat("push: unknown outcome ", r.outcome()));
    }
  }
  auto restored = replica_->CommitPush(answer, report);
  if (!restored.ok()) return restored.status();
  if (*restored) *more = true;  // what it lost goes again in this sync
  return absl::OkStatus();
}

// --- Pull -------------------------------------------------------------------

absl::Status SyncSession::PullRegistry(SyncReport* report) {
  uint64_t cursor = 0;
  for (int page = 0; page < 1000000; ++page) {
    gridsync::v1::PullRequest req;
    req.set_cursor(cursor);
    req.set_page_size(std::clamp(opts_.pull_page, 1, kMaxPullPage));
    req.set_registry_only(true);
    gridsync::v1::PullResponse resp;
    ++report->pull_calls;
    auto st = link_->Call(
        "pull the registry",
        [&](grpc::ClientContext* ctx) { return link_->stub().Pull(ctx, req, &resp); }, resp);
    if (!st.ok()) return st;
    if (st = replica_->CommitRegistryPage(resp); !st.ok()) return st;
    if (resp.caught_up()) return absl::OkStatus();
    cursor = resp.next_cursor();
  }
  return absl::InternalError("pull the registry: the server never said caught up");
}

absl::Status SyncSession::PullAll(SyncReport* report, const ProgressFn& progress, bool* restart) {
  const Replica::PullStart start = replica_->PullFrom();
  if (start.registry_missing) {
    if (auto st = PullRegistry(report); !st.ok()) return st;
  }
  uint64_t cursor = start.cursor;
  const int page_size = std::clamp(opts_.pull_page, 1, kMaxPullPage);
  for (int page = 0; page < 1000000; ++page) {
    gridsync::v1::PullRequest req;
    req.set_cursor(cursor);
    req.set_page_size(page_size);
    gridsync::v1::PullResponse resp;
    ++report->pull_calls;
    auto st = link_->Call(
        "pull", [&](grpc::ClientContext* ctx) { return link_->stub().Pull(ctx, req, &resp); },
        resp);
    const bool past_head = st.code() == absl::StatusCode::kOutOfRange;  // our cursor
    if (!st.ok() && !past_head) return st;
    auto restored = replica_->SeeEpoch(resp.store_epoch(), past_head, report);
    if (!restored.ok()) return restored.status();
    if (*restored) {  // this page answered a cursor the restored store never gave
      *restart = true;
      return absl::OkStatus();
    }
    if (st = replica_->CommitPullPage(resp); !st.ok()) return st;
    if (resp.retention_days() > 0) retention_days_ = resp.retention_days();
    report->server_release = resp.server_release();
    cursor = resp.next_cursor();
    report->pulled += resp.records_size();
    report->cursor = cursor;
    ReportProgress(progress, SyncProgress::Phase::kPull, *report);
    if (resp.caught_up()) return absl::OkStatus();
  }
  return absl::InternalError("pull: the server never said caught up");
}

// --- Refill and retention ---------------------------------------------------

absl::Status SyncSession::RefillAll(SyncReport* report) {
  for (int round = 0; round < 100000; ++round) {
    auto batch = replica_->NextRefill(kRefillBatchBytes, kMaxRefillBatch);
    if (!batch.ok()) return batch.status();
    if (batch->records.empty()) return absl::OkStatus();
    gridsync::v1::RefillRequest req;
    req.set_store_epoch(batch->store_epoch);
    std::vector<std::string> ids;
    for (auto& s : batch->records) {
      ids.push_back(s.record_id());
      *req.add_records() = std::move(s);
    }
    gridsync::v1::RefillResponse resp;
    ++report->refill_calls;
    auto st = link_->Call("send back records", [&](grpc::ClientContext* ctx) {
      return link_->stub().Refill(ctx, req, &resp);
    });
    if (st.code() == absl::StatusCode::kFailedPrecondition ||
        st.code() == absl::StatusCode::kUnimplemented) {
      // The server takes none (its window closed, or it was restored again
      // and the next pull finds out): nothing more to send for this restore.
      return replica_->EndRefill();
    }
    if (!st.ok()) return st;
    if (resp.results_size() != req.records_size()) {
      return absl::InternalError(absl::StrCat("refill: the server answered ", resp.results_size(),
                                              " results for ", req.records_size(), " records"));
    }
    for (const auto& r : resp.results()) {
      if (r.outcome() == gridsync::v1::REFILL_OUTCOME_MERGED) ++report->refilled;
      if (r.outcome() == gridsync::v1::REFILL_OUTCOME_REJECTED) ++report->refill_refused;
      report->refill_held += r.held_for_review();
    }
    if (st = replica_->RefillSent(ids); !st.ok()) return st;
  }
  return absl::InternalError("refill: more rounds than records");
}

absl::Status SyncSession::ApplyRetention(SyncReport* report) {
  if (retention_days_ <= 0) return absl::OkStatus();
  core::PhoneRetention policy;
  policy.left_ms = int64_t{retention_days_} * 86400000;
  const int64_t now = replica_->NowMs();
  // Periods are days: one pass an hour (of the server's time) is enough,
  // and a sync need not read the whole replica each time.
  if (last_retention_ms_ != 0 && now - last_retention_ms_ < 3600000 && now >= last_retention_ms_) {
    return absl::OkStatus();
  }
  last_retention_ms_ = now;
  RetentionPass pass(policy, now, replica_->store().LeftMarks());
  auto letgo = replica_->Forget(std::move(pass), attachments_->Queued());
  if (!letgo.ok()) return letgo.status();
  attachments_->Remove(letgo->files);
  report->forgotten += static_cast<int64_t>(letgo->records.size() + letgo->entries.size());
  return absl::OkStatus();
}

}  // namespace gridsync::sdk
