#include "tools/common/client.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/version.h"
#include "core/ids.h"
#include "core/merge.h"

namespace gridsync::tools {

TlsFiles TlsFromArgs(const Args& args) {
  return {args.Get("--tls-ca"), args.Get("--tls-cert"), args.Get("--tls-key")};
}

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* flag) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in || ss.str().find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": cannot read a PEM file there"));
  }
  return ss.str();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const std::string& addr,
                                                       const TlsFiles& tls) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  args.SetUserAgentPrefix(kToolsUserAgent);
  if (tls.cert.empty() != tls.key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  const bool loopback = absl::StartsWith(addr, "127.") || absl::StartsWith(addr, "localhost:") ||
                        absl::StartsWith(addr, "[::1]:");
  if (loopback && tls.ca.empty() && tls.cert.empty()) {
    return grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(), args);
  }
  grpc::SslCredentialsOptions ssl;
  if (!tls.ca.empty()) {
    auto ca = ReadPem(tls.ca, "--tls-ca");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = std::move(*ca);
  }
  if (!tls.cert.empty()) {
    auto cert = ReadPem(tls.cert, "--tls-cert");
    if (!cert.ok()) return cert.status();
    auto key = ReadPem(tls.key, "--tls-key");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = std::move(*cert);
    ssl.pem_private_key = std::move(*key);
  }
  return grpc::CreateCustomChannel(addr, grpc::SslCredentials(ssl), args);
}

std::shared_ptr<grpc::Channel> Connect(const std::string& addr) {
  return *Connect(addr, TlsFiles{});  // plaintext or system roots: nothing to read
}

absl::Status WaitReady(const std::shared_ptr<grpc::Channel>& ch, std::chrono::seconds timeout) {
  if (ch->WaitForConnected(std::chrono::system_clock::now() + timeout)) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("server not reachable within ", timeout.count(), " s"));
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read token file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token(absl::StripAsciiWhitespace(ss.str()));
  if (token.empty()) return absl::InvalidArgumentError(absl::StrCat(path, " is empty"));
  return token;
}

std::unique_ptr<grpc::ClientContext> CallContext(const std::string& token,
                                                 std::chrono::seconds timeout) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
  return ctx;
}

absl::StatusOr<gridsync::v1::EnrollDeviceResponse> EnrollDevice(
    gridsync::v1::AdminService::Stub* admin, const std::string& admin_token,
    gridsync::v1::Role role, const std::string& scope, const std::string& holder) {
  gridsync::v1::EnrollDeviceRequest req;
  req.set_role(role);
  req.add_scope_codes(scope);
  req.set_holder(holder);
  gridsync::v1::EnrollDeviceResponse resp;
  auto ctx = CallContext(admin_token);
  if (auto st = FromGrpc(admin->EnrollDevice(ctx.get(), req, &resp)); !st.ok()) return st;
  return resp;
}

gridsync::v1::FieldValue StrValue(std::string s) {
  gridsync::v1::FieldValue v;
  v.set_string_value(std::move(s));
  return v;
}

gridsync::v1::FieldValue BoolValue(bool b) {
  gridsync::v1::FieldValue v;
  v.set_bool_value(b);
  return v;
}

gridsync::v1::FieldValue IntValue(int64_t i) {
  gridsync::v1::FieldValue v;
  v.set_int_value(i);
  return v;
}

void AddCreateField(gridsync::v1::Mutation* m, const std::string& field,
                    gridsync::v1::FieldValue v) {
  auto* f = m->mutable_create()->add_fields();
  f->set_field(field);
  *f->mutable_value() = std::move(v);
}

Phone::Phone(std::shared_ptr<grpc::Channel> ch, std::string token, std::string device_id,
             std::string holder, uint64_t seed)
    : stub_(gridsync::v1::SyncService::NewStub(ch)),
      token_(std::move(token)),
      device_id_(std::move(device_id)),
      holder_(std::move(holder)),
      rng_(seed) {}

std::string Phone::NewRecordId() { return core::NewUlid(clock_.WallMs(), rng_); }

gridsync::v1::Mutation Phone::Begin(gridsync::v1::RecordKind kind, const std::string& record_id,
                                    const std::string& grid) {
  gridsync::v1::Mutation m;
  m.set_device_seq(++seq_);
  m.set_record_id(record_id);
  m.set_kind(kind);
  m.set_grid_code(grid);
  m.set_hlc(clock_.Now());
  m.set_device_id(device_id_);
  m.set_author(holder_);
  return m;
}

gridsync::v1::Mutation Phone::SetField(const gridsync::v1::RecordState& known,
                                       const std::string& field,
                                       const gridsync::v1::FieldValue& value) {
  auto m = Begin(known.header().kind(), known.record_id(), known.header().grid_code());
  m.mutable_set_field()->set_field(field);
  *m.mutable_set_field()->mutable_value() = value;
  for (const auto& r : known.registers()) {
    if (r.field() == field) *m.mutable_set_field()->mutable_seen() = r.context();
  }
  return m;
}

void Phone::Record(const gridsync::v1::Mutation& m) { core::Apply(&view_[m.record_id()], m); }

absl::StatusOr<gridsync::v1::PushResponse> Phone::Push(
    const std::vector<gridsync::v1::Mutation>& batch) {
  gridsync::v1::PushRequest req;
  for (const auto& m : batch) {
    auto* out = req.add_mutations();
    *out = m;
    out->clear_device_id();  // the server sets who wrote it
    out->clear_author();
  }
  gridsync::v1::PushResponse resp;
  auto ctx = CallContext(token_);
  if (auto st = FromGrpc(stub_->Push(ctx.get(), req, &resp)); !st.ok()) return st;
  clock_.set_offset_ms(resp.server_time_ms() - core::SystemWallMs());
  return resp;
}

absl::StatusOr<int> Phone::PullAll(bool tracked_only) {
  int pulled = 0;
  for (int page = 0; page < 100000; ++page) {
    gridsync::v1::PullRequest req;
    req.set_cursor(cursor_);
    req.set_page_size(2000);
    gridsync::v1::PullResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(stub_->Pull(ctx.get(), req, &resp)); !st.ok()) return st;
    for (const auto& s : resp.records()) {
      auto it = view_.find(s.record_id());
      if (it != view_.end()) {
        core::Join(&it->second, s);
      } else if (!tracked_only) {
        view_.emplace(s.record_id(), s);
      }
    }
    pulled += resp.records_size();
    cursor_ = resp.next_cursor();
    if (resp.caught_up()) break;
  }
  return pulled;
}

const gridsync::v1::RecordState* Phone::Find(const std::string& record_id) const {
  auto it = view_.find(record_id);
  return it == view_.end() ? nullptr : &it->second;
}

}  // namespace gridsync::tools
