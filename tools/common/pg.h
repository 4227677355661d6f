// A thin libpq connection: commands as text, errors as absl::Status.
#ifndef GRIDSYNC_TOOLS_COMMON_PG_H_
#define GRIDSYNC_TOOLS_COMMON_PG_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

struct pg_conn;
struct pg_result;

namespace gridsync::tools {

// One result: rows of text (NULL as nullopt).
struct PgRows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

class PgConn {
 public:
  // `conninfo`: a libpq connection string or URI ("host=127.0.0.1 port=5432
  // dbname=county"); empty takes PGHOST, PGPORT, PGDATABASE... from the
  // environment.
  static absl::StatusOr<std::unique_ptr<PgConn>> Connect(const std::string& conninfo);
  ~PgConn();

  // Runs one or more ';'-separated commands (one implicit transaction unless
  // they say BEGIN/COMMIT). UNAVAILABLE when the connection is lost,
  // otherwise INTERNAL with the server's message.
  absl::Status Exec(std::string_view sql);
  // Runs `copy_sql` ("COPY t (a, b) FROM STDIN") with `data` in COPY's text
  // format (tab-separated, one row a line).
  absl::Status CopyIn(std::string_view copy_sql, std::string_view data);
  // Runs one query and returns its rows.
  absl::StatusOr<PgRows> Query(std::string_view sql);
  // A string as an SQL literal, quoted and escaped for this connection.
  std::string Literal(std::string_view s) const;

 private:
  explicit PgConn(pg_conn* c) : conn_(c) {}
  absl::Status Check(pg_result* r, std::string_view sql);
  pg_conn* conn_;
};

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_PG_H_
