#include "tools/web/console.h"

#include <httplib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/grpc_status.h"
#include "tools/common/report_xlsx.h"
#include "tools/web/notices.h"
#include "tools/web/views.h"
#include "tools/web/web_assets.h"

namespace gridsync::web {
namespace {

constexpr char kCookie[] = "gs_session";
// Only the console's own files; no inline script; images also as data:
// (the report's charts are inline SVG, not images).
constexpr char kPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'";
// The printable 通报: its own inline stylesheet, no script at all.
constexpr char kReportPolicy[] =
    "default-src 'none'; style-src 'self' 'unsafe-inline'; font-src 'self'; img-src data:; "
    "base-uri 'none'; frame-ancestors 'none'";
constexpr char kFontsLink[] = "<link rel=\"stylesheet\" href=\"/static/fonts.css\">";
constexpr int kThreads = 96;  // event streams hold one each

void Log(const std::string& line) { fprintf(stderr, "gridsync-web: %s\n", line.c_str()); }

std::string CookieOf(const httplib::Request& req) {
  const std::string header = req.get_header_value("Cookie");
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, kCookie) && absl::ConsumePrefix(&part, "="))
      return std::string(part);
  }
  return "";
}

Params ParamsOf(const httplib::Request& req) {
  Params p;
  for (const auto& [k, v] : req.params) p[k] = v;
  return p;
}

// The HTTP status of a gRPC or console refusal, and its message as text.
void Refuse(httplib::Response& res, const absl::Status& st) {
  using C = absl::StatusCode;
  static constexpr std::pair<C, int> kStatus[] = {
      {C::kInvalidArgument, 400}, {C::kFailedPrecondition, 400}, {C::kOutOfRange, 400},
      {C::kUnauthenticated, 401}, {C::kPermissionDenied, 403},   {C::kNotFound, 404},
      {C::kAlreadyExists, 409},   {C::kResourceExhausted, 429},  {C::kUnavailable, 503},
      {C::kDeadlineExceeded, 503}};
  res.status = 500;
  for (const auto& [code, http] : kStatus)
    if (st.code() == code) res.status = http;
  res.set_content(std::string(st.message()), "text/plain; charset=utf-8");
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// A POST from another site's page is refused: its Origin (sent by every
// browser on a POST) must name this host.
bool SameOrigin(const httplib::Request& req) {
  const std::string origin = req.get_header_value("Origin");
  if (origin.empty()) return true;  // not a browser's cross-site request
  const std::string host = req.get_header_value("Host");
  return origin == "http://" + host || origin == "https://" + host;
}

// The scope a report is asked for: `code`, else the account's.
std::string ScopeParam(const httplib::Request& req, const Office& office) {
  const std::string code = req.get_param_value("code");
  return code.empty() ? office.account().scope : code;
}

}  // namespace

Console::Console(ConsoleOptions options)
    : options_(std::move(options)), sessions_(options_.session_idle, options_.session_lifetime) {}

absl::StatusOr<std::unique_ptr<Console>> Console::Start(ConsoleOptions options) {
  const size_t colon = options.listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(options.listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen ", options.listen, ": give HOST:PORT, e.g. 0.0.0.0:8443"));
  }
  const std::string host = options.listen.substr(0, colon);
  const bool loopback = host == "127.0.0.1" || host == "localhost" || host == "[::1]";
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (!loopback && options.tls_cert.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen ", options.listen,
        " is reachable from other machines: give --tls-cert and --tls-key (plaintext only on "
        "127.0.0.1)"));
  }
  if (options.office.reports == nullptr) options.office.reports = std::make_shared<ReportCache>();
  std::unique_ptr<Console> c(new Console(std::move(options)));
  auto book = AccountBook::Open(c->options_.office.data_dir);
  if (!book.ok()) return book.status();
  c->accounts_ = std::move(*book);
  if (c->options_.tls_cert.empty()) {
    c->http_ = std::make_unique<httplib::Server>();
  } else {
    auto ssl = std::make_unique<httplib::SSLServer>(c->options_.tls_cert.c_str(),
                                                    c->options_.tls_key.c_str());
    if (!ssl->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat("--tls-cert ", c->options_.tls_cert,
                                                     " / --tls-key ", c->options_.tls_key,
                                                     ": cannot be read as PEM"));
    }
    c->http_ = std::move(ssl);
  }
  c->http_->new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  c->http_->set_read_timeout(30, 0);
  c->http_->set_payload_max_length(64 << 10);
  c->Routes();
  c->port_ = port == 0 ? c->http_->bind_to_any_port(host)
                       : (c->http_->bind_to_port(host, port) ? port : -1);
  if (c->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", c->options_.listen));
  }
  c->sweeper_ = std::thread([p = c.get()] { p->CloseIdleOffices(); });
  return c;
}

void Console::SendXlsx(httplib::Response& res, const std::string& name, const std::string& session,
                       const std::function<absl::Status(const std::string&)>& write) const {
  const std::string path =
      absl::StrCat(options_.office.data_dir, "/", session.substr(0, 16), "-", name, ".xlsx");
  absl::Status st = write(path);
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  ::unlink(path.c_str());
  if (!st.ok()) return Refuse(res, st);
  res.set_content(bytes.str(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  res.set_header("Content-Disposition", absl::StrCat("attachment; filename=\"", name, ".xlsx\""));
}

Console::~Console() {
  Stop();
  if (sweeper_.joinable()) sweeper_.join();
  absl::MutexLock l(&mu_);
  offices_.clear();
}

void Console::Run() { http_->listen_after_bind(); }

void Console::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;  // the sweeper's wait ends (absl::Mutex re-checks it at unlock)
  }
  http_->stop();
}

std::shared_ptr<Office> Console::OfficeOf(const std::string& name) {
  absl::MutexLock l(&mu_);
  auto it = offices_.find(name);
  return it == offices_.end() ? nullptr : it->second;
}

// Closes the offices (and forgets the tokens) of accounts left without a
// live session.
void Console::CloseIdleOffices() {
  while (true) {
    {
      absl::MutexLock l(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(10))) return;
    }
    sessions_.Expire();
    std::vector<std::shared_ptr<Office>> closing;
    {
      absl::MutexLock g(&mu_);
      for (auto it = offices_.begin(); it != offices_.end();) {
        if (sessions_.AnyFor(it->first)) {
          ++it;
          continue;
        }
        Log(absl::StrCat(it->first, ": no session left; connection closed"));
        closing.push_back(std::move(it->second));
        it = offices_.erase(it);
      }
    }
    closing.clear();  // joins their feed threads outside mu_
  }
}

void Console::Routes() {
  httplib::Server& http = *http_;
  http.set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Content-Security-Policy", absl::StartsWith(req.path, "/report.html") ||
                                                      absl::StartsWith(req.path, "/print/")
                                                  ? kReportPolicy
                                                  : kPolicy);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("X-Frame-Options", "DENY");
    if (!absl::StartsWith(req.path, "/static/")) res.set_header("Cache-Control", "no-store");
  });

  for (const WebAsset& a : WebAssets()) {
    http.Get(a.path, [&a](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(a.body), a.content_type);
      if (std::string(a.path) != "/") res.set_header("Cache-Control", "max-age=3600");
    });
  }
  for (const WebFont& f : WebFonts()) {
    if (f.file.empty()) continue;
    // Read once, served in slices: the Ext B font is 30 MB.
    auto bytes = std::make_shared<std::string>();
    std::ifstream in(f.file, std::ios::binary);
    bytes->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (bytes->empty()) continue;
    http.Get(f.path, [bytes, &f](const httplib::Request&, httplib::Response& res) {
      res.set_content_provider(bytes->size(), f.content_type,
                               [bytes](size_t offset, size_t length, httplib::DataSink& sink) {
                                 return sink.write(bytes->data() + offset,
                                                   std::min<size_t>(length, 1 << 20));
                               });
      res.set_header("Cache-Control", "max-age=86400");
    });
  }

  // The session of a request: its account's office, or a 401.
  struct Caller {
    Session session;
    std::shared_ptr<Office> office;
  };
  auto caller = [this](const httplib::Request& req, httplib::Response& res,
                       bool changes) -> std::optional<Caller> {
    auto s = sessions_.Touch(CookieOf(req));
    std::shared_ptr<Office> o = s ? OfficeOf(s->name) : nullptr;
    if (!s || !o) {
      res.status = 401;
      res.set_content("请先登录", "text/plain; charset=utf-8");
      return std::nullopt;
    }
    if (const std::string why = o->refused(); !why.empty()) {
      sessions_.End(s->id);
      res.status = 401;
      res.set_content(why, "text/plain; charset=utf-8");
      return std::nullopt;
    }
    if (changes && (req.get_header_value("X-CSRF-Token") != s->csrf || !SameOrigin(req))) {
      res.status = 403;
      res.set_content("请求缺少本页的校验码 (CSRF); 请刷新页面再试", "text/plain; charset=utf-8");
      return std::nullopt;
    }
    return Caller{*s, std::move(o)};
  };
  auto start_session = [this](const Account& a, const AccountSecrets& secrets,
                              const httplib::Request& req, httplib::Response& res) {
    std::shared_ptr<Office> o = OfficeOf(a.name);
    if (o != nullptr && !o->refused().empty()) o = nullptr;  // try the token again (reinstated?)
    if (!o) {
      auto opened = Office::Open(options_.office, a, secrets);
      if (!opened.ok()) return Refuse(res, opened.status());
      absl::MutexLock l(&mu_);
      offices_[a.name] = std::move(*opened);
    }
    const Session s = sessions_.Start(a.name);
    res.set_header(
        "Set-Cookie",
        absl::StrCat(kCookie, "=", s.id, "; Path=/; HttpOnly; SameSite=Strict; Max-Age=",
                     sessions_.lifetime().count(), options_.tls_cert.empty() ? "" : "; Secure"));
    res.set_content("{\"ok\":true}", "application/json");
    Log(absl::StrCat(a.name, " logged in from ", req.remote_addr));
  };

  http.Post(
      "/api/login", [this, start_session](const httplib::Request& req, httplib::Response& res) {
        if (!SameOrigin(req))
          return Refuse(res, absl::PermissionDeniedError("另一个网站的登录请求"));
        const std::string name = req.get_param_value("name");
        if (!sessions_.MayTry(name)) {
          return Refuse(res, absl::ResourceExhaustedError(
                                 absl::StrCat("密码错了 ", kMaxFailures, " 次; 请 5 分钟后再试")));
        }
        auto unlocked = accounts_->Unlock(name, req.get_param_value("password"));
        if (!unlocked.ok()) {
          sessions_.Failed(name);
          Log(absl::StrCat("login of ", name.substr(0, 64), " refused from ", req.remote_addr));
          return Refuse(res, unlocked.status());
        }
        sessions_.Succeeded(name);
        start_session(unlocked->first, unlocked->second, req, res);
      });

  http.Post("/api/activate", [this, start_session](const httplib::Request& req,
                                                   httplib::Response& res) {
    if (!SameOrigin(req)) return Refuse(res, absl::PermissionDeniedError("另一个网站的激活请求"));
    const std::string name = req.get_param_value("name");
    const std::string password = req.get_param_value("password");
    if (!sessions_.MayTry(name)) {
      return Refuse(res, absl::ResourceExhaustedError("尝试次数太多; 请 5 分钟后再试"));
    }
    if (password.size() < static_cast<size_t>(kMinPasswordChars)) {
      return Refuse(
          res, absl::InvalidArgumentError(absl::StrCat("密码至少 ", kMinPasswordChars, " 个字符")));
    }
    auto code = ParseActivationCode(req.get_param_value("code"));
    if (!code.ok()) return Refuse(res, code.status());
    auto existing = accounts_->Find(name);
    if (existing && existing->device_id == code->first) {
      return Refuse(res, absl::AlreadyExistsError("这个激活码已经用过; 请直接登录"));
    }
    auto activated = Office::Activate(options_.office, name, code->first, code->second);
    if (!activated.ok()) {
      sessions_.Failed(name);
      return Refuse(res, activated.status());
    }
    if (auto st = accounts_->Put(activated->first, activated->second, password); !st.ok())
      return Refuse(res, st);
    Log(absl::StrCat(name, " activated device ", code->first, " (",
                     gridsync::v1::Role_Name(activated->first.role), " of ", activated->first.scope,
                     ")"));
    start_session(activated->first, activated->second, req, res);
  });

  http.Post("/api/logout", [this, caller](const httplib::Request& req, httplib::Response& res) {
    auto c = caller(req, res, true);
    if (!c) return;
    sessions_.End(c->session.id);
    res.set_header("Set-Cookie",
                   absl::StrCat(kCookie, "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"));
    res.set_content("{\"ok\":true}", "application/json");
    Log(absl::StrCat(c->session.name, " logged out"));
  });

  http.Get("/api/me", [caller](const httplib::Request& req, httplib::Response& res) {
    auto c = caller(req, res, false);
    if (!c) return;
    const Account& a = c->office->account();
    const std::string scope_name = c->office->UnitName(a.scope);
    res.set_content(
        absl::StrCat("{\"name\":", JsonString(a.name),
                     ",\"role\":", JsonString(gridsync::v1::Role_Name(a.role)),
                     ",\"scope\":", JsonString(a.scope), ",\"scope_name\":", JsonString(scope_name),
                     ",\"csrf\":", JsonString(c->session.csrf), ",\"version\":",
                     c->office->version(), ",\"synced_at_ms\":", c->office->synced_at_ms(),
                     ",\"following\":", c->office->following() ? "true" : "false", "}"),
        "application/json");
  });

  // Server-sent events: "change" after each batch of the scope's changes
  // (the page reloads what it shows), a comment every 15 s otherwise.
  http.Get("/api/events", [this, caller](const httplib::Request& req, httplib::Response& res) {
    auto c = caller(req, res, false);
    if (!c) return;
    auto office = c->office;
    const std::string id = c->session.id;
    auto seen = std::make_shared<uint64_t>(office->version());
    res.set_chunked_content_provider(
        "text/event-stream", [this, office, id, seen](size_t, httplib::DataSink& sink) {
          const uint64_t v = office->WaitChange(*seen, std::chrono::seconds(15));
          if (!sessions_.Alive(id)) return false;  // logged out or expired: the stream ends
          if (const std::string why = office->refused(); !why.empty()) {
            const std::string msg = absl::StrCat("event: refused\ndata: ", JsonString(why), "\n\n");
            sink.write(msg.data(), msg.size());
            sessions_.End(id);
            return false;
          }
          const std::string msg =
              absl::StrCat("event: ", v > *seen ? "change" : "status", "\ndata: {\"version\":", v,
                           ",\"synced_at_ms\":", office->synced_at_ms(),
                           ",\"following\":", office->following() ? "true" : "false", "}\n\n");
          *seen = v;
          return sink.write(msg.data(), msg.size());
        });
  });

  using View = absl::StatusOr<std::string> (*)(Office&, const Params&);
  const std::pair<const char*, View> views[] = {
      {"/view/overview", OverviewView}, {"/view/unit", UnitView},
      {"/view/worker", WorkerView},     {"/view/record", RecordView},
      {"/view/queue", QueueView},       {"/view/proposals", ProposalsView},
      {"/view/overdue", OverdueView},   {"/view/tasks", TasksView},
      {"/view/verify", VerifyView}};
  for (const auto& [path, view] : views) {
    http.Get(path, [caller, view = view](const httplib::Request& req, httplib::Response& res) {
      auto c = caller(req, res, false);
      if (!c) return;
      auto html = view(*c->office, ParamsOf(req));
      if (!html.ok()) return Refuse(res, html.status());
      res.set_content(*html, "text/html; charset=utf-8");
    });
  }

  using NoticeOf = absl::StatusOr<Notice> (*)(Office&, const Params&);
  const std::pair<std::string, NoticeOf> notices[] = {{"/print/patrols", PatrolNotice},
                                                      {"/print/survey", SurveyNotice}};
  for (const auto& [path, notice] : notices) {
    http.Get(path, [caller, notice = notice](const httplib::Request& req, httplib::Response& res) {
      auto c = caller(req, res, false);
      if (!c) return;
      auto n = notice(*c->office, ParamsOf(req));
      if (!n.ok()) return Refuse(res, n.status());
      res.set_content(NoticeHtml(*n), "text/html; charset=utf-8");
    });
    http.Get(path + ".xlsx",
             [this, caller, notice = notice](const httplib::Request& req, httplib::Response& res) {
               auto c = caller(req, res, false);
               if (!c) return;
               auto n = notice(*c->office, ParamsOf(req));
               if (!n.ok()) return Refuse(res, n.status());
               SendXlsx(res, n->file, c->session.id,
                        [&](const std::string& file) { return WriteNoticeXlsx(*n, file); });
             });
  }

  http.Post("/api/act", [caller](const httplib::Request& req, httplib::Response& res) {
    auto c = caller(req, res, true);
    if (!c) return;
    auto done = Act(*c->office, ParamsOf(req));
    Log(absl::StrCat(c->session.name, " ", req.get_param_value("what"), " ",
                     req.get_param_value("id").substr(0, 40), " ", req.get_param_value("status"),
                     req.get_param_value("approve"), req.get_param_value("step"),
                     req.get_param_value("said"), ": ",
                     done.ok() ? *done : done.status().ToString()));
    if (!done.ok()) return Refuse(res, done.status());
    res.set_content(*done, "text/plain; charset=utf-8");
  });

  http.Get("/report.html", [caller](const httplib::Request& req, httplib::Response& res) {
    auto c = caller(req, res, false);
    if (!c) return;
    auto month = MonthParam(ParamsOf(req));
    if (!month.ok()) return Refuse(res, month.status());
    auto r = c->office->Report(ScopeParam(req, *c->office), *month);
    if (!r.ok()) return Refuse(res, r.status());
    // The console's fonts, for a PC that has none of the report's.
    res.set_content(absl::StrReplaceAll(tools::RenderReportHtml(**r),
                                        {{"</head>", kFontsLink + std::string("</head>")}}),
                    "text/html; charset=utf-8");
  });

  http.Get("/report.xlsx", [this, caller](const httplib::Request& req, httplib::Response& res) {
    auto c = caller(req, res, false);
    if (!c) return;
    auto month = MonthParam(ParamsOf(req));
    if (!month.ok()) return Refuse(res, month.status());
    auto r = c->office->Report(ScopeParam(req, *c->office), *month);
    if (!r.ok()) return Refuse(res, r.status());
    SendXlsx(res, absl::StrCat("report-", (*r)->scope_code, "-", *month), c->session.id,
             [&](const std::string& file) { return tools::WriteReportXlsx(**r, file); });
  });

  http.Get("/photo", [caller](const httplib::Request& req, httplib::Response& res) {
    auto c = caller(req, res, false);
    if (!c) return;
    const std::string record = req.get_param_value("record"), sha = req.get_param_value("sha");
    auto blob = c->office->ReadAttachment(record, sha);
    if (!blob.ok()) return Refuse(res, blob.status());
    const std::string& type = blob->second;
    const bool known = type == "image/jpeg" || type == "image/png" || type == "application/pdf";
    res.set_content(blob->first, known ? type : "application/octet-stream");
    res.set_header("Content-Security-Policy", "sandbox; default-src 'none'");
  });

  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404 && res.body.empty())
      res.set_content("没有这个页面", "text/plain; charset=utf-8");
  });
}

}  // namespace gridsync::web
