// Runs the Java API's JUnit tests (client_sdk/java/src/test) through JNI
// against a real server: this test starts gridsyncd, enrols the phones the
// Java tests open, and runs the JVM as a child process.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "tests/client_sdk/sdk_test.h"

namespace gridsync::testing {
namespace {

constexpr int kJavaPhones = 30;

class JavaTest : public SdkTest {};

TEST_F(JavaTest, JUnitSuitePassesThroughJni) {
  std::string cmd = std::string("'") + JAVA_EXECUTABLE + "' -Xss4m -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8" +
                    " -Dgridsync.jni.path=" + GRIDSYNC_JNI_PATH +
                    " -Dgridsync.server=127.0.0.1:" + std::to_string(proxy_->port()) +
                    " -Dgridsync.grid=" + kGridA + " -Dgridsync.household=" + Household(kGridA, 7) +
                    " -Dgridsync.dir=" + dir_;
  for (int i = 0; i < kJavaPhones; ++i) {
    std::string device;
    // The Java tests open phones in pairs: 王芳 then 李强.
    const std::string token =
        Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridA}, i % 2 ? "李强" : "王芳", &device);
    cmd += " -Dgridsync.device" + std::to_string(i) + "=" + device + " -Dgridsync.token" +
           std::to_string(i) + "=" + token;
  }
  cmd += std::string(" -cp '") + JAVA_TEST_CLASSPATH +
         "' org.junit.runner.JUnitCore cn.gridsync.GridSyncClientTest 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  const int status = pclose(p);
  std::cout << out;
  EXPECT_EQ(status, 0) << "JUnit failed";
  EXPECT_NE(out.find("OK (12 tests)"), std::string::npos);

  // What the Java test typed is on the server byte for byte: it wrote the
  // record ids, fields and expected UTF-8 (hex) of every hard string.
  std::ifstream expected(dir_ + "/unicode-expected.txt");
  ASSERT_TRUE(expected) << "the Unicode test wrote no expectations";
  int checked = 0;
  for (std::string id, field, hex; expected >> id >> field >> hex; ++checked) {
    const auto rec = GetRecord(id);
    std::string bytes;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
      bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    const auto& v = rec.record().visit();
    EXPECT_EQ(field == "notes" ? v.notes() : v.opinions(), bytes) << id << " " << field;
  }
  EXPECT_EQ(checked, 28);
}

}  // namespace
}  // namespace gridsync::testing
