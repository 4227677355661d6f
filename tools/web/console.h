// gridsync-web's HTTP side: the console's pages, its JSON and event
// stream, the printable 通报 and the spreadsheet, over cpp-httplib
// (Debian's libcpp-httplib-dev), with the account, session and CSRF rules
// of accounts.h and sessions.h. Everything it shows comes from gridsyncd
// under the logged-in person's own token (office.h).
//
// Every response carries a content security policy that allows only the
// console's own scripts, styles, fonts and images (no inline script), and
// `nosniff`; pages that show data are not cached.
#ifndef GRIDSYNC_TOOLS_WEB_CONSOLE_H_
#define GRIDSYNC_TOOLS_WEB_CONSOLE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tools/web/accounts.h"
#include "tools/web/office.h"
#include "tools/web/sessions.h"

namespace httplib {
class Server;
struct Response;
}  // namespace httplib

namespace gridsync::web {

struct ConsoleOptions {
  OfficeOptions office;
  std::string listen;             // HOST:PORT; port 0 picks one
  std::string tls_cert, tls_key;  // PEM files: HTTPS; required unless HOST is loopback
  std::chrono::seconds session_idle{std::chrono::minutes(30)};
  std::chrono::seconds session_lifetime{std::chrono::hours(12)};
};

class Console {
 public:
  // Opens the accounts in options.office.data_dir and binds the port.
  static absl::StatusOr<std::unique_ptr<Console>> Start(ConsoleOptions options);
  ~Console();  // stops serving; closes every office

  int port() const { return port_; }
  // Serves until Stop() (from another thread or a signal handler's thread).
  void Run();
  void Stop();

 private:
  explicit Console(ConsoleOptions options);
  void Routes();
  // The office of a live session's account, opened at login.
  std::shared_ptr<Office> OfficeOf(const std::string& name);
  void CloseIdleOffices();
  // Answers with the workbook `write` makes at a scratch path in the
  // console's folder (removed after), downloaded as `name`.xlsx.
  void SendXlsx(httplib::Response& res, const std::string& name, const std::string& session,
                const std::function<absl::Status(const std::string&)>& write) const;

  const ConsoleOptions options_;
  std::unique_ptr<AccountBook> accounts_;
  SessionTable sessions_;
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;

  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Office>> offices_ ABSL_GUARDED_BY(mu_);  // by account name
  std::thread sweeper_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace gridsync::web

#endif  // GRIDSYNC_TOOLS_WEB_CONSOLE_H_
