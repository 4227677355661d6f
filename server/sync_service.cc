#include "server/sync_service.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/validate.h"
#include "server/grpc_edge.h"
#include "server/log.h"

namespace gridsync::server {
namespace {
using gridsync::v1::Mutation;
using gridsync::v1::MutationResult;

void Reject(MutationResult* r, absl::StatusCode code, std::string field, std::string message,
            bool retryable = false) {
  r->set_outcome(gridsync::v1::MUTATION_OUTCOME_REJECTED);
  r->set_code(static_cast<int>(code));
  r->set_field(std::move(field));
  r->set_message(std::move(message));
  r->set_retryable(retryable);
}

}  // namespace

grpc::Status SyncServiceImpl::Push(grpc::ServerContext* ctx, const gridsync::v1::PushRequest* req,
                                   gridsync::v1::PushResponse* resp) {
  // Phones pay for mobile data by the megabyte: answers are gzip'd when the
  // client accepts it (record ids, codes and field names compress well).
  ctx->set_compression_level(GRPC_COMPRESS_LEVEL_HIGH);
  auto who = AuthenticateCall(*auth_, ctx);
  if (!who.ok()) return ToGrpc(who.status());
  if (!who->CanWrite()) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat("a ", gridsync::v1::Role_Name(who->device.role()),
                                     " token cannot push; only grid workers, village secretaries "
                                     "and town offices write records"));
  }
  const int n = req->mutations_size();
  if (n > kMaxMutationsPerPush) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        absl::StrCat("push has ", n, " mutations; send at most ",
                                     kMaxMutationsPerPush, " per call"));
  }
  const int64_t now = core::SystemWallMs();
  resp->set_server_time_ms(now);
  resp->mutable_results()->Reserve(n);
  for (int i = 0; i < n; ++i) {
    auto* r = resp->add_results();
    r->set_device_seq(req->mutations(i).device_seq());
    r->set_record_id(req->mutations(i).record_id());
  }

  // A retried mutation answers with its first result before anything else.
  std::vector<uint64_t> seqs;
  for (const auto& m : req->mutations()) seqs.push_back(m.device_seq());
  auto earlier = store_->LookupResults(who->device.device_id(), seqs);
  if (!earlier.ok()) return ToGrpc(earlier.status());

  // Registry keys to look up, each once (a push is mostly one grid).
  std::vector<std::string> keys;
  absl::flat_hash_map<std::string, size_t> key_index;
  auto key_of = [&](const std::string& k) {
    auto [it, added] = key_index.try_emplace(k, keys.size());
    if (added) keys.push_back(k);
    return it->second;
  };
  struct Pending {
    int index;       // in the request
    size_t grid;     // in keys
    long subject;    // in keys, or -1 when the mutation names none
  };
  std::vector<Pending> pending;  // mutations that passed every check so far
  for (int i = 0; i < n; ++i) {
    auto* r = resp->mutable_results(i);
    const Mutation& m = req->mutations(i);
    if ((*earlier)[i]) {
      *r = *(*earlier)[i];
      r->set_outcome(gridsync::v1::MUTATION_OUTCOME_DUPLICATE);
      continue;
    }
    const std::string prefix = absl::StrCat("mutations[", i, "].");
    if (auto v = core::ValidateMutation(m)) {
      Reject(r, absl::StatusCode::kInvalidArgument, prefix + v->field, v->message);
      continue;
    }
    if (!who->InScope(m.grid_code())) {
      Reject(r, absl::StatusCode::kPermissionDenied, prefix + "grid_code",
             absl::StrCat("grid ", m.grid_code(), " is outside this device's scope (",
                          who->device.scope_codes_size() ? who->device.scope_codes(0) : "", ")"));
      continue;
    }
    if (auto st = core::CheckSkew(m.hlc(), now, max_skew_ms_); !st.ok()) {
      Reject(r, st.code(), prefix + "hlc", std::string(st.message()), /*retryable=*/true);
      continue;
    }
    const bool has_subject = m.has_create() && !m.create().subject_id().empty();
    pending.push_back({i, key_of(m.grid_code()),
                       has_subject ? static_cast<long>(key_of(m.create().subject_id())) : -1});
  }

  // The grid and the household or person must be in the registry.
  auto have = store_->RegistryHas(keys);
  if (!have.ok()) return ToGrpc(have.status());
  std::vector<Mutation> batch;
  std::vector<int> batch_index;
  for (const Pending& p : pending) {
    const int i = p.index;
    const std::string prefix = absl::StrCat("mutations[", i, "].");
    if (!(*have)[p.grid]) {
      Reject(resp->mutable_results(i), absl::StatusCode::kInvalidArgument, prefix + "grid_code",
             absl::StrCat("grid ", keys[p.grid], " is not in the registry; import it first"));
      continue;
    }
    if (p.subject >= 0 && !(*have)[static_cast<size_t>(p.subject)]) {
      Reject(resp->mutable_results(i), absl::StatusCode::kInvalidArgument,
             prefix + "create.subject_id",
             absl::StrCat(keys[static_cast<size_t>(p.subject)], " is not in the registry of grid ",
                          keys[p.grid],
                          "; the phone's household and person lists may be stale: pull first"));
      continue;
    }
    Mutation m = req->mutations(i);
    m.set_device_id(who->device.device_id());
    m.set_author(who->device.holder().empty() ? who->device.device_id() : who->device.holder());
    batch.push_back(std::move(m));
    batch_index.push_back(i);
  }
  auto committed = store_->Commit(std::move(batch));
  if (!committed.ok()) {
    LogError("push from ", who->device.device_id(), " failed: ", committed.status().ToString());
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

grpc::Status SyncServiceImpl::Pull(grpc::ServerContext* ctx, const gridsync::v1::PullRequest* req,
                                   gridsync::v1::PullResponse* resp) {
  auto who = AuthenticateCall(*auth_, ctx);
  if (!who.ok()) return ToGrpc(who.status());
  int page_size = req->page_size() == 0 ? kDefaultPageSize : req->page_size();
  if (page_size < 0 || page_size > kMaxPageSize) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("page_size ", req->page_size(), " must be 1..", kMaxPageSize));
  }
  const uint64_t head = store_->LastChangeSeq();
  if (req->cursor() > head) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                        absl::StrCat("cursor ", req->cursor(), " is past the server's last change ",
                                     head, "; the server was restored from an older backup: pull "
                                     "from 0 and push your outbox again"));
  }
  std::vector<std::string> prefixes = who->prefixes;
  if (!req->scope_code().empty()) {
    auto narrow = who->Narrow(req->scope_code());
    if (!narrow.ok()) return ToGrpc(narrow.status());
    prefixes = {*narrow};
  }
  ctx->set_compression_level(GRPC_COMPRESS_LEVEL_HIGH);  // see Push
  auto page = store_->Pull(prefixes, req->cursor(), page_size);
  if (!page.ok()) return ToGrpc(page.status());
  for (auto& r : page->records) *resp->add_records() = std::move(r);
  resp->set_next_cursor(page->next_cursor);
  resp->set_caught_up(page->caught_up);
  resp->set_server_time_ms(core::SystemWallMs());
  return grpc::Status::OK;
}

}  // namespace gridsync::server
