// --tls-cert/--tls-key: the server speaks TLS with the given certificate,
// and a plaintext client gets nothing from it.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/server.h"
#include "tests/server/server_process.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Tls, ServesTlsWithTheGivenCertificateAndRefusesPlaintextClients) {
  const std::string dir = TempDir("tls");
  std::filesystem::create_directories(dir);
  const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  ASSERT_EQ(RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost"}),
            0);
  ASSERT_TRUE(server::InitDataDir(dir + "/store").ok());
  server::ServerOptions opts;
  opts.data_dir = dir + "/store";
  opts.listen = "127.0.0.1:0";
  opts.tls_cert_file = cert;
  opts.tls_key_file = key;
  auto s = server::GridSyncServer::Start(opts);
  ASSERT_TRUE(s.ok()) << s.status();
  const std::string addr = "127.0.0.1:" + std::to_string((*s)->port());
  auto token = tools::ReadTokenFile(dir + "/store/admin.token");
  ASSERT_TRUE(token.ok());

  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = Slurp(cert);
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  auto tls = grpc::CreateCustomChannel(addr, grpc::SslCredentials(ssl), args);
  gridsync::v1::GetStatsResponse stats;
  auto ctx = tools::CallContext(*token, std::chrono::seconds(10));
  auto st = gridsync::v1::AdminService::NewStub(tls)->GetStats(ctx.get(), {}, &stats);
  EXPECT_TRUE(st.ok()) << st.error_message();

  auto plain = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  auto ctx2 = tools::CallContext(*token, std::chrono::seconds(5));
  EXPECT_FALSE(gridsync::v1::AdminService::NewStub(plain)->GetStats(ctx2.get(), {}, &stats).ok());

  (*s)->Shutdown();
  s->reset();
  std::filesystem::remove_all(dir);
}

TEST(Tls, CertWithoutKeyIsRefused) {
  server::ServerOptions opts;
  opts.data_dir = "/nonexistent";
  opts.tls_cert_file = "cert.pem";
  auto s = server::GridSyncServer::Start(opts);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gridsync::testing
