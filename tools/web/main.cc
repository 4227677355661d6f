// gridsync-web: the township's console in a browser (README, "The
// township's console"; DESIGN.md section 12).
//
//   gridsync-web --server ADDR --listen HOST:PORT --data DIR
//                [--tls-cert FILE --tls-key FILE] [--tls-ca FILE]
//                [--client-cert FILE --client-key FILE] [--weights FILE] [--port-file FILE]
//   gridsync-web activate --server ADDR --data DIR --name NAME --code CODE
//                [--tls-ca FILE] < password
//
// `activate` does on the command line what the login page's 激活 does (for
// scripts and the demo): the password is the first line of its input.
//
// A client of gridsyncd over gRPC like the other tools: each person logs in
// with the device gridsyncctl console-user enrolled for them, and every
// page is what gridsyncd answers that device. DIR keeps the accounts
// (sealed under each person's password) and their replicas.
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tools/common/client.h"
#include "tools/common/flags.h"
#include "tools/web/console.h"

namespace {

const gridsync::tools::FlagSet& Flags() {
  static const auto* flags = new gridsync::tools::FlagSet{
      "gridsync-web",
      "usage: gridsync-web --server ADDR --listen HOST:PORT --data DIR [FLAGS]\n"
      "  the township's console in a browser\n"
      "   or: gridsync-web activate --server ADDR --data DIR --name NAME --code CODE\n"
      "       [--tls-ca FILE] < password   (the code from gridsyncctl console-user)\n",
      {{"--server", "ADDR", "gridsyncd's gRPC address"},
       {"--listen", "HOST:PORT", "where browsers reach the console (port 0: any free one)"},
       {"--data", "DIR", "the console's folder: accounts and each person's replica"},
       {"--tls-cert", "FILE",
        "HTTPS for browsers: the certificate (PEM); required unless HOST is "
        "127.0.0.1"},
       {"--tls-key", "FILE", "HTTPS for browsers: the key of --tls-cert (PEM)"},
       {"--tls-ca", "FILE",
        "the county CA's PEM, to reach gridsyncd over TLS (default: the system roots; "
        "plaintext only to 127.0.0.1 without it)"},
       {"--client-cert", "FILE",
        "the county's client certificate for gridsyncd (a server started with "
        "--tls-client-ca asks it of county logins)"},
       {"--client-key", "FILE", "the key of --client-cert"},
       {"--weights", "FILE", "the county's score weights, as gridsyncctl report --weights"},
       {"--port-file", "FILE", "write the port once listening"},
       {"--session-idle-minutes", "N", "a session ends after N minutes without a request (30)"},
       {"--name", "NAME", "activate: the person's name, as gridsyncctl console-user was given"},
       {"--code", "CODE", "activate: the activation code gridsyncctl console-user printed"}}};
  return *flags;
}

absl::StatusOr<std::string> ReadText(const std::string& path, const char* flag) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(flag, " ", path, ": cannot be read"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Fail(const absl::Status& st) {
  fprintf(stderr, "gridsync-web: %s\n", std::string(st.message()).c_str());
  return 1;
}

// An account made from an activation code and a password read from stdin.
int Activate(const gridsync::tools::Args& args, const gridsync::web::OfficeOptions& office) {
  using namespace gridsync;
  std::string password;
  std::getline(std::cin, password);
  auto code = web::ParseActivationCode(args.Get("--code"));
  if (!code.ok()) return Fail(code.status());
  auto book = web::AccountBook::Open(office.data_dir);
  if (!book.ok()) return Fail(book.status());
  auto activated = web::Office::Activate(office, args.Get("--name"), code->first, code->second);
  if (!activated.ok()) return Fail(activated.status());
  if (auto st = (*book)->Put(activated->first, activated->second, password); !st.ok())
    return Fail(st);
  fprintf(stderr, "gridsync-web: %s may log in (%s of %s)\n", activated->first.name.c_str(),
          v1::Role_Name(activated->first.role).c_str(), activated->first.scope.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gridsync;
  tools::Args args = tools::ParseArgs(argc, argv, Flags());
  if (!args.error.empty()) return tools::UsageError(Flags(), args.error);
  const bool activate = args.positional.size() == 1 && args.positional[0] == "activate";
  if ((!args.positional.empty() && !activate) || !args.Has("--server") || !args.Has("--data") ||
      (activate ? !args.Has("--name") || !args.Has("--code") : !args.Has("--listen"))) {
    return tools::UsageError(
        Flags(), activate ? "activate needs --server, --data, --name and --code"
                          : "--server, --listen and --data are needed (or the command activate)");
  }
  web::ConsoleOptions o;
  o.listen = args.Get("--listen");
  o.tls_cert = args.Get("--tls-cert");
  o.tls_key = args.Get("--tls-key");
  o.office.server_address = args.Get("--server");
  o.office.data_dir = args.Get("--data");
  int idle = 30;
  if (args.Has("--session-idle-minutes") &&
      (!absl::SimpleAtoi(args.Get("--session-idle-minutes"), &idle) || idle < 1 ||
       idle > 24 * 60)) {
    return Fail(absl::InvalidArgumentError("--session-idle-minutes: 1 to 1440"));
  }
  o.session_idle = std::chrono::minutes(idle);
  std::error_code ec;
  std::filesystem::create_directories(o.office.data_dir + "/replicas", ec);
  if (ec)
    return Fail(
        absl::InternalError(absl::StrCat("--data ", o.office.data_dir, ": ", ec.message())));
  ::chmod(o.office.data_dir.c_str(), 0700);
  tools::TlsFiles tls;
  tls.ca = args.Get("--tls-ca");
  tls.cert = args.Get("--client-cert");
  tls.key = args.Get("--client-key");
  if (!tls.ca.empty()) {
    auto pem = tools::ReadPem(tls.ca, "--tls-ca");
    if (!pem.ok()) return Fail(pem.status());
    o.office.tls_root_certs = *pem;
  }
  auto channel = tools::Connect(o.office.server_address, tls);
  if (!channel.ok()) return Fail(channel.status());
  o.office.channel = *channel;
  if (args.Has("--weights")) {
    auto text = ReadText(args.Get("--weights"), "--weights");
    if (!text.ok()) return Fail(text.status());
    auto w = core::ParseWeights(*text);
    if (!w.ok()) return Fail(w.status());
    o.office.weights = *w;
  }
  if (activate) return Activate(args, o.office);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto console = web::Console::Start(o);
  if (!console.ok()) return Fail(console.status());
  std::thread serve([c = console->get()] { c->Run(); });
  fprintf(stderr, "gridsync-web: serving %s://%s (port %d), gridsyncd at %s\n",
          o.tls_cert.empty() ? "http" : "https", o.listen.c_str(), (*console)->port(),
          o.office.server_address.c_str());
  if (args.Has("--port-file")) {
    const std::string tmp = args.Get("--port-file") + ".tmp";
    std::ofstream(tmp) << (*console)->port() << "\n";
    std::rename(tmp.c_str(), args.Get("--port-file").c_str());
  }
  int sig = 0;
  sigwait(&set, &sig);
  fprintf(stderr, "gridsync-web: received %s; stopping\n", strsignal(sig));
  (*console)->Stop();
  serve.join();
  return 0;
}
