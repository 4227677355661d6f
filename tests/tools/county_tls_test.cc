// TLS as a county runs it (issue 12): a server certificate from the county's
// own CA, which the tools and the SDK trust with --tls-ca (not the system
// roots), and client certificates from that CA for county jobs (mutual TLS,
// gridsyncd --tls-client-ca). Every tool is run as a program, as an operator
// runs it.
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/server.h"
#include "tests/server/server_process.h"
#include "tests/server/test_server.h"
#include "tests/tools/scratch_db.h"

namespace gridsync::testing {
namespace {

// The county's CA, the server's certificate (127.0.0.1 and localhost) and a
// county job's client certificate, all made with openssl here; and a CA
// nobody trusts, with a client certificate of its own.
class CountyTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("county-tls");
    std::filesystem::create_directories(dir_);
    MakeCa("ca", "/CN=Dengfeng County CA");
    MakeCa("rogue", "/CN=Someone Else");
    MakeCert("server", "ca", "/CN=gridsync.dengfeng.example",
             "subjectAltName=IP:127.0.0.1,DNS:localhost");
    MakeCert("job", "ca", "/CN=county-export", "extendedKeyUsage=clientAuth");
    MakeCert("stolen", "rogue", "/CN=county-export", "extendedKeyUsage=clientAuth");

    ASSERT_TRUE(server::InitDataDir(dir_ + "/store").ok());
    server::ServerOptions opts;
    opts.data_dir = dir_ + "/store";
    opts.listen = "127.0.0.1:0";
    opts.tls_cert_file = Pem("server.crt");
    opts.tls_key_file = Pem("server.key");
    opts.tls_client_ca_file = Pem("ca.crt");
    auto s = server::GridSyncServer::Start(opts);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    addr_ = "127.0.0.1:" + std::to_string(server_->port());
    admin_file_ = dir_ + "/store/admin.token";

    auto ch = tools::Connect(addr_, {Pem("ca.crt"), "", ""});
    ASSERT_TRUE(ch.ok()) << ch.status();
    auto admin = gridsync::v1::AdminService::NewStub(*ch);
    auto token = tools::ReadTokenFile(admin_file_);
    ASSERT_TRUE(token.ok());
    ImportTestRegistry(admin.get(), *token);
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::milliseconds(0));
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Pem(const std::string& name) const { return dir_ + "/" + name; }
  void MakeCa(const std::string& name, const std::string& subject) {
    ASSERT_EQ(RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                          Pem(name + ".key"), "-out", Pem(name + ".crt"), "-days", "2", "-subj",
                          subject, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                          "keyUsage=critical,keyCertSign,cRLSign"}),
              0);
  }
  void MakeCert(const std::string& name, const std::string& ca, const std::string& subject,
                const std::string& ext) {
    ASSERT_EQ(RunCommand({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout",
                          Pem(name + ".key"), "-out", Pem(name + ".csr"), "-subj", subject}),
              0);
    std::ofstream(Pem(name + ".ext")) << ext << "\n";
    ASSERT_EQ(RunCommand({"openssl", "x509", "-req", "-in", Pem(name + ".csr"), "-CA",
                          Pem(ca + ".crt"), "-CAkey", Pem(ca + ".key"), "-CAcreateserial", "-out",
                          Pem(name + ".crt"), "-days", "2", "-extfile", Pem(name + ".ext")}),
              0);
  }
  // gridsyncctl against the server with `token_file` and `extra` flags.
  int Ctl(const std::string& token_file, std::vector<std::string> extra,
          const std::vector<std::string>& command, std::string* out) {
    std::vector<std::string> argv = {GRIDSYNCCTL_PATH, "--server", addr_, "--token-file",
                                     token_file};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), command.begin(), command.end());
    out->clear();
    return RunCommand(argv, out, /*with_stderr=*/true);
  }
  // Enrols a device with gridsyncctl; returns its token file, and its id.
  std::string Enroll(const std::string& role, const std::string& scope, std::string* id) {
    std::string out;
    EXPECT_EQ(Ctl(admin_file_, {"--tls-ca", Pem("ca.crt")},
                  {"enroll", "--role", role, "--scope", scope, "--holder", "县委政法委 𠮷"}, &out),
              0)
        << out;
    std::string token;  // stdout: the token; stderr: "enrolled <device id>"
    for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
      if (!absl::ConsumePrefix(&line, "enrolled ")) {
        token = std::string(line);
      } else {
        *id = std::string(line);
      }
    }
    EXPECT_FALSE(token.empty()) << out;
    const std::string file = Pem(role + ".token");
    std::ofstream(file) << token << "\n";
    return file;
  }

  std::string dir_, addr_, admin_file_;
  std::unique_ptr<server::GridSyncServer> server_;
};

TEST_F(CountyTlsTest, ToolsTrustTheCountyCaAndCountyJobsShowTheirCertificate) {
  std::string out;
  // The county CA: the admin's tool talks to the server.
  ASSERT_EQ(Ctl(admin_file_, {"--tls-ca", Pem("ca.crt")}, {"stats"}, &out), 0) << out;
  // Without it, on loopback the tool speaks plaintext, which the server refuses.
  EXPECT_NE(Ctl(admin_file_, {}, {"stats"}, &out), 0) << out;
  // Another CA does not vouch for the server.
  EXPECT_NE(Ctl(admin_file_, {"--tls-ca", Pem("rogue.crt")}, {"stats"}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "UNAVAILABLE")) << out;
  // A file that is not a certificate is named.
  EXPECT_EQ(Ctl(admin_file_, {"--tls-ca", admin_file_}, {"stats"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "--tls-ca " + admin_file_)) << out;

  // A county job: its token alone is not enough; with the county's client
  // certificate it reads; with one from another CA the handshake fails.
  std::string job_id;
  const std::string job = Enroll("county_job", kCounty, &job_id);
  const std::vector<std::string> coverage = {"coverage", "--scope", kCounty};
  EXPECT_EQ(Ctl(job, {"--tls-ca", Pem("ca.crt")}, coverage, &out), 1) << out;
  EXPECT_TRUE(absl::StrContains(out, "PERMISSION_DENIED")) << out;
  EXPECT_TRUE(absl::StrContains(out, "client certificate")) << out;
  EXPECT_EQ(
      Ctl(job,
          {"--tls-ca", Pem("ca.crt"), "--tls-cert", Pem("job.crt"), "--tls-key", Pem("job.key")},
          coverage, &out),
      0)
      << out;
  EXPECT_NE(Ctl(job,
                {"--tls-ca", Pem("ca.crt"), "--tls-cert", Pem("stolen.crt"), "--tls-key",
                 Pem("stolen.key")},
                coverage, &out),
            0)
      << out;
  EXPECT_EQ(Ctl(job, {"--tls-ca", Pem("ca.crt"), "--tls-cert", Pem("job.crt")}, coverage, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "--tls-cert and --tls-key go together")) << out;

  // The county's export job, into PostgreSQL when a server is at hand.
  auto db = ScratchDb::Create();
  if (db == nullptr) return;
  std::vector<std::string> exporter = {
      GRIDSYNC_EXPORT_PATH, "--server", addr_,      "--token-file", job, "--scope", kCounty, "--pg",
      db->conninfo(),       "--once",   "--tls-ca", Pem("ca.crt")};
  EXPECT_NE(RunCommand(exporter, &out, /*with_stderr=*/true), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "client certificate")) << out;
  exporter.insert(exporter.end(), {"--tls-cert", Pem("job.crt"), "--tls-key", Pem("job.key")});
  EXPECT_EQ(RunCommand(exporter, &out, /*with_stderr=*/true), 0) << out;
  auto pg = tools::PgConn::Connect(db->conninfo());
  ASSERT_TRUE(pg.ok()) << pg.status();
  auto rows = (*pg)->Query("SELECT count(*) FROM households");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->rows[0][0].value_or(""), "80");
}

TEST_F(CountyTlsTest, APhoneAndTheLoadGeneratorSyncThroughTheCountyCa) {
  std::string worker_id, out;
  const std::string worker = Enroll("grid_worker", kGridA, &worker_id);
  const std::vector<std::string> phone = {GRIDSYNC_PHONE_PATH, "--data",       Pem("phone"),
                                          "--server",          addr_,          "--device",
                                          worker_id,           "--token-file", worker};
  auto run = [&](std::vector<std::string> extra, std::vector<std::string> cmd) {
    std::vector<std::string> argv = phone;
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), cmd.begin(), cmd.end());
    out.clear();
    return RunCommand(argv, &out, /*with_stderr=*/true);
  };
  ASSERT_EQ(run({"--tls-ca", Pem("ca.crt")},
                {"visit", "--household", Household(kGridA, 3), "--notes", "户主𡒄在家"}),
            0)
      << out;
  ASSERT_EQ(run({"--tls-ca", Pem("ca.crt")}, {"sync"}), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "pushed 1")) << out;
  EXPECT_NE(run({"--tls-ca", Pem("rogue.crt")}, {"sync"}), 0) << out;

  ASSERT_EQ(RunCommand({GRIDSYNC_LOADGEN_PATH, "--server", addr_, "--token-file", admin_file_,
                        "--tls-ca", Pem("ca.crt"), "--devices", "2", "--records-per-device", "5",
                        "--data-dir", Pem("loadgen")},
                       &out, /*with_stderr=*/true),
            0)
      << out;
}

}  // namespace
}  // namespace gridsync::testing
