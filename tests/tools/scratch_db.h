// A PostgreSQL database of its own for one test (GRIDSYNC_TEST_PG names the
// server; scripts/pg_sandbox.sh starts one), dropped at the end.
#ifndef GRIDSYNC_TESTS_TOOLS_SCRATCH_DB_H_
#define GRIDSYNC_TESTS_TOOLS_SCRATCH_DB_H_

#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tools/common/pg.h"

namespace gridsync::testing {

// nullptr when GRIDSYNC_TEST_PG is not set: the test skips.
class ScratchDb {
 public:
  static std::unique_ptr<ScratchDb> Create() {
    const char* base = getenv("GRIDSYNC_TEST_PG");
    if (base == nullptr) return nullptr;
    auto admin = tools::PgConn::Connect(base);
    if (!admin.ok()) {
      ADD_FAILURE() << admin.status();
      return nullptr;
    }
    static int n = 0;
    std::unique_ptr<ScratchDb> db(new ScratchDb);
    db->base_ = base;
    db->name_ = absl::StrCat("gs_export_", getpid(), "_", ++n);
    (void)(*admin)->Exec("DROP DATABASE IF EXISTS " + db->name_);
    if (auto st =
            (*admin)->Exec("CREATE DATABASE " + db->name_ + " ENCODING 'UTF8' TEMPLATE template0");
        !st.ok()) {
      ADD_FAILURE() << st;
      return nullptr;
    }
    return db;
  }
  ~ScratchDb() {
    auto admin = tools::PgConn::Connect(base_);
    if (admin.ok()) (void)(*admin)->Exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  // libpq takes the last of a repeated keyword.
  std::string conninfo() const { return base_ + " dbname=" + name_; }

 private:
  ScratchDb() = default;
  std::string base_, name_;
};

}  // namespace gridsync::testing

#endif  // GRIDSYNC_TESTS_TOOLS_SCRATCH_DB_H_
