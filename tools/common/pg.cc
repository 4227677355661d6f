#include "tools/common/pg.h"

#include <libpq-fe.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace gridsync::tools {
namespace {

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultFree>;

std::string Head(std::string_view sql) {
  std::string s(sql.substr(0, 80));
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return sql.size() > 80 ? s + "..." : s;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PgConn>> PgConn::Connect(const std::string& conninfo) {
  // The conninfo may be "key=value ..." or a URI; expand_dbname takes both.
  // Our name shows in pg_stat_activity unless the conninfo gives another.
  const char* keys[] = {"dbname", "fallback_application_name", nullptr};
  const char* values[] = {conninfo.c_str(), "gridsync", nullptr};
  PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (c == nullptr) return absl::ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg(absl::StripTrailingAsciiWhitespace(PQerrorMessage(c)));
    PQfinish(c);
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL (",
                                               conninfo.empty() ? "PG* environment" : conninfo,
                                               "): ", msg));
  }
  PQsetClientEncoding(c, "UTF8");
  // Notices (e.g. "relation already exists, skipping") are not for the operator.
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConn>(new PgConn(c));
}

PgConn::~PgConn() { PQfinish(conn_); }

absl::Status PgConn::Check(PGresult* r, std::string_view sql) {
  const ExecStatusType st = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY)
    return absl::OkStatus();
  std::string msg(absl::StripTrailingAsciiWhitespace(r != nullptr ? PQresultErrorMessage(r)
                                                                  : PQerrorMessage(conn_)));
  if (msg.empty()) msg = std::string(absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn_)));
  const char* code = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string_view state = code != nullptr ? code : "";
  // Lost or ended connections (class 08, and 57P0x: the server was shut
  // down or the backend terminated) are worth a new connection; so are
  // serialization failures and deadlocks (40001, 40P01). Anything else is
  // a fault in what was sent.
  if (PQstatus(conn_) != CONNECTION_OK || state.substr(0, 2) == "08" ||
      state.substr(0, 4) == "57P0") {
    return absl::UnavailableError(absl::StrCat("PostgreSQL connection lost: ", msg));
  }
  if (state == "40001" || state == "40P01")
    return absl::AbortedError(absl::StrCat("PostgreSQL: ", msg));
  return absl::InternalError(absl::StrCat("PostgreSQL: ", msg, " (in: ", Head(sql), ")"));
}

absl::Status PgConn::Exec(std::string_view sql) {
  Result r(PQexec(conn_, std::string(sql).c_str()));
  return Check(r.get(), sql);
}

absl::Status PgConn::CopyIn(std::string_view copy_sql, std::string_view data) {
  Result start(PQexec(conn_, std::string(copy_sql).c_str()));
  if (start == nullptr || PQresultStatus(start.get()) != PGRES_COPY_IN)
    return Check(start.get(), copy_sql);
  constexpr size_t kChunk = 1 << 20;
  bool sent = true;
  for (size_t off = 0; off < data.size() && sent; off += kChunk) {
    const size_t n = std::min(kChunk, data.size() - off);
    sent = PQputCopyData(conn_, data.data() + off, static_cast<int>(n)) == 1;
  }
  if (PQputCopyEnd(conn_, sent ? nullptr : "sending the rows failed") != 1) {
    return absl::UnavailableError(
        absl::StrCat("PostgreSQL connection lost during COPY: ", PQerrorMessage(conn_)));
  }
  // The COPY's own result, then nothing.
  absl::Status st = absl::OkStatus();
  while (PGresult* r = PQgetResult(conn_)) {
    Result owned(r);
    if (st.ok()) st = Check(r, copy_sql);
  }
  return st;
}

absl::StatusOr<PgRows> PgConn::Query(std::string_view sql) {
  Result r(PQexec(conn_, std::string(sql).c_str()));
  if (auto st = Check(r.get(), sql); !st.ok()) return st;
  PgRows out;
  const int nf = PQnfields(r.get()), nt = PQntuples(r.get());
  for (int f = 0; f < nf; ++f) out.columns.emplace_back(PQfname(r.get(), f));
  out.rows.resize(nt);
  for (int t = 0; t < nt; ++t) {
    for (int f = 0; f < nf; ++f) {
      if (PQgetisnull(r.get(), t, f)) {
        out.rows[t].emplace_back(std::nullopt);
      } else {
        out.rows[t].emplace_back(
            std::string(PQgetvalue(r.get(), t, f), PQgetlength(r.get(), t, f)));
      }
    }
  }
  return out;
}

std::string PgConn::Literal(std::string_view s) const {
  char* q = PQescapeLiteral(conn_, s.data(), s.size());
  if (q == nullptr) return "NULL";  // only on invalid encoding; protobuf strings are UTF-8
  std::string out(q);
  PQfreemem(q);
  return out;
}

}  // namespace gridsync::tools
