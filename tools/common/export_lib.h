// gridsync-export: a county job that mirrors the change feed into
// PostgreSQL (tables a county analyst queries with SQL).
//
// One database can hold several counties (a province's roll-up): rows of
// the change log, the cursor and the check policy are keyed by the scope;
// records, households and org units by their national ids.
//
// Exactly once: every batch of feed messages is written in one PostgreSQL
// transaction together with the feed cursor it reaches, and a restart
// resumes from the stored cursor. Killed before COMMIT, nothing of the batch
// is there and the feed sends it again; after COMMIT, the cursor says so.
// The `changes` table has (scope, change number) as its primary key, so a change
// applied twice would fail the transaction instead of passing unnoticed.
#ifndef GRIDSYNC_TOOLS_COMMON_EXPORT_LIB_H_
#define GRIDSYNC_TOOLS_COMMON_EXPORT_LIB_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gridsync/v1/feed_service.grpc.pb.h"
#include "tools/common/client.h"
#include "tools/common/pg.h"

namespace gridsync::tools {

// The PostgreSQL side: schema, cursor, and one transaction per batch.
class PgMirror {
 public:
  // Connects and creates the tables and views when missing. FAILED_PRECONDITION
  // when another exporter holds the scope for longer than `lock_wait`.
  static absl::StatusOr<std::unique_ptr<PgMirror>> Open(
      const std::string& conninfo, const std::string& scope,
      std::chrono::milliseconds lock_wait = std::chrono::seconds(5));

  // The last change stored for this scope; 0 when none.
  absl::StatusOr<uint64_t> Cursor();
  // Writes the rows of `batch` and the cursor `to`, in one transaction.
  // REQUIRES: `batch` is what the feed sent after Cursor(), in order.
  absl::Status Apply(const std::vector<gridsync::v1::SubscribeResponse>& batch, uint64_t to);

  PgConn& conn() { return *pg_; }
  // Where the attachments' files are (gridsync-export --blobs-dir): a blob
  // whose file is there gets its path in blobs.file_path.
  void set_blobs_dir(std::string dir) { blobs_dir_ = std::move(dir); }

 private:
  PgMirror(std::unique_ptr<PgConn> pg, std::string scope)
      : pg_(std::move(pg)), scope_(std::move(scope)) {}
  std::unique_ptr<PgConn> pg_;
  std::string scope_;
  std::string blobs_dir_;
};

struct ExportOptions {
  std::string server;  // gridsyncd address
  TlsFiles tls;
  std::string token;      // a county_job (or admin) token
  std::string scope;      // the county code (the key of the cursor and of the change log rows)
  std::string pg;         // libpq conninfo; empty: PG* environment
  bool follow = true;     // false: catch up and return (--once)
  int max_batch = 2000;   // feed messages per transaction
  bool progress = false;  // a progress line on stderr, when it is a terminal
  bool log = false;       // log lines on stderr (catch-ups, reconnects), when it is not
  std::atomic<bool>* stop = nullptr;  // set to end a following run
  // With a folder: each attachment's bytes, as it reaches the server, as a
  // file DIR/ab/cd/<sha256> (tools/blob_files.h), written before the change
  // that announces it is committed, so a killed export writes it again.
  std::string blobs_dir;
};

struct ExportReport {
  uint64_t changes = 0;  // changes written by this run
  uint64_t transactions = 0;
  uint64_t cursor = 0;  // where the mirror stands
  uint64_t reconnects = 0;
  uint64_t blob_files = 0, blob_bytes = 0;  // attachments' files written (--blobs-dir)
};

// Runs the export: reads the stored cursor, subscribes, writes batches.
// Reconnects (with backoff) when the server or PostgreSQL goes away.
absl::StatusOr<ExportReport> RunExport(const ExportOptions& opts);

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_EXPORT_LIB_H_
