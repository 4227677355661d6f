// Runs the Java API's JUnit tests (client_sdk/java/src/test) through JNI
// against a real gridsyncd: this test starts the gridsyncd binary, enrols the
// phones the Java tests open, and runs the JVM as a child process.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "gridsync/v1/admin_service.grpc.pb.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "tests/server/server_process.h"
#include "tests/server/test_server.h"
#include "tools/common/client.h"

namespace gridsync::testing {
namespace {

constexpr int kJavaPhones = 64;

// The real gridsyncd binary as a child process, as a phone team runs it.
class JavaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("java");
    std::filesystem::create_directories(dir_);
    const std::string store = dir_ + "/store";
    ASSERT_EQ(RunCommand({GRIDSYNCD_PATH, "init", "--data", store}), 0);
    auto token = tools::ReadTokenFile(store + "/admin.token");
    ASSERT_TRUE(token.ok()) << token.status();
    admin_token_ = *token;
    server_ = std::make_unique<ServerProcess>(store);
    ASSERT_TRUE(server_->Start()) << "gridsyncd did not start; see " << store << ".log";
    auto channel = tools::Connect(server_->addr());
    ASSERT_TRUE(tools::WaitReady(channel, std::chrono::seconds(10)).ok());
    admin_ = gridsync::v1::AdminService::NewStub(channel);
    gridsync::v1::ImportRegistryResponse resp;
    auto ctx = tools::CallContext(admin_token_);
    // Names outside the BMP reach the phone's registry and Java intact.
    auto registry = TestRegistry();
    for (auto& h : *registry.mutable_households()) {
      if (h.household_id() == Household(kGridA, 2)) h.set_head_name("𠮷大娘");
    }
    for (auto& p : *registry.mutable_persons()) {
      if (p.person_id() == Person(kGridA, 3)) p.set_name("𡒄某");
    }
    ASSERT_TRUE(admin_->ImportRegistry(ctx.get(), registry, &resp).ok());
    // The questionnaire the Java phones ask with, a choice outside the BMP.
    gridsync::v1::PublishSurveyFormRequest form;
    form.mutable_form()->set_version("2026-Q4");
    form.mutable_form()->set_title("群众安全感满意度调查");
    form.mutable_form()->set_safety_question("您觉得本村安全吗？");
    form.mutable_form()->set_satisfaction_question("您对平安建设工作满意吗？");
    auto* q = form.mutable_form()->add_questions();
    q->set_id("q3");
    q->set_text("最担心的问题？");
    q->add_choices("𠮷家巷路灯");
    gridsync::v1::SurveyForm published;
    auto fctx = tools::CallContext(admin_token_);
    ASSERT_TRUE(gridsync::v1::CoverageService::NewStub(channel)
                    ->PublishSurveyForm(fctx.get(), form, &published)
                    .ok());
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->Kill(SIGTERM), 0) << "gridsyncd did not stop cleanly";
    }
    std::filesystem::remove_all(dir_);
  }
  std::string Enroll(const std::string& grid, const std::string& holder, std::string* device,
                     gridsync::v1::Role role = gridsync::v1::ROLE_GRID_WORKER) {
    gridsync::v1::EnrollDeviceRequest req;
    req.set_role(role);
    req.add_scope_codes(grid);
    req.set_holder(holder);
    gridsync::v1::EnrollDeviceResponse resp;
    auto ctx = tools::CallContext(admin_token_);
    EXPECT_TRUE(admin_->EnrollDevice(ctx.get(), req, &resp).ok());
    *device = resp.device_id();
    return resp.token();
  }
  gridsync::v1::GetRecordResponse GetRecord(const std::string& id) {
    gridsync::v1::GetRecordRequest req;
    req.set_record_id(id);
    gridsync::v1::GetRecordResponse resp;
    auto ctx = tools::CallContext(admin_token_);
    EXPECT_TRUE(admin_->GetRecord(ctx.get(), req, &resp).ok()) << id;
    return resp;
  }

  std::string dir_, admin_token_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<gridsync::v1::AdminService::Stub> admin_;
};

TEST_F(JavaTest, JUnitSuitePassesThroughJni) {
  // The JVM names files in the locale's encoding (sun.jnu.encoding, which no
  // -D flag changes): on a machine without a locale (env -i) that is ASCII,
  // and java.nio refuses a path with 𠮷 before any code of ours runs. Android
  // is always UTF-8; so is this JVM.
  std::string cmd = std::string("LC_ALL=C.UTF-8 '") + JAVA_EXECUTABLE +
                    "' -Xss4m -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8" +
                    " -Dgridsync.jni.path=" + GRIDSYNC_JNI_PATH +
                    " -Dgridsync.server=" + server_->addr() + " -Dgridsync.grid=" + kGridA +
                    " -Dgridsync.household=" + Household(kGridA, 7) + " -Dgridsync.dir=" + dir_;
  for (int i = 0; i < kJavaPhones; ++i) {
    std::string device;
    // The Java tests open phones in pairs: 王芳 then 李强.
    const std::string token = Enroll(kGridA, i % 2 ? "李强" : "王芳", &device);
    cmd += " -Dgridsync.device" + std::to_string(i) + "=" + device + " -Dgridsync.token" +
           std::to_string(i) + "=" + token;
  }
  {  // a phone revoked as lost before it first syncs: the wipe through JNI
    std::string device;
    const std::string token = Enroll(kGridA, "丢失的手机", &device);
    ASSERT_TRUE(RevokeDevice(admin_.get(), admin_token_, device, /*wipe=*/true).ok());
    cmd += " -Dgridsync.lostDevice=" + device + " -Dgridsync.lostToken=" + token;
  }
  {  // the village secretary's phone, for decisions
    std::string device;
    const std::string token =
        Enroll(kVillageAB, "村书记", &device, gridsync::v1::ROLE_VILLAGE_SECRETARY);
    cmd += std::string(" -Dgridsync.village=") + kVillageAB +
           " -Dgridsync.secretaryDevice=" + device + " -Dgridsync.secretaryToken=" + token;
  }
  {  // the town office's device, for tasks (督办)
    std::string device;
    const std::string token =
        Enroll(kTownABC, "镇综治中心", &device, gridsync::v1::ROLE_TOWN_OFFICE);
    cmd += " -Dgridsync.officeDevice=" + device + " -Dgridsync.officeToken=" + token;
  }
  // GRIDSYNC_JAVA_CLASSPATH: the same tests from other jars (the SDK and
  // the tests shrunk and renamed by ProGuard with the consumer rules, as an
  // app's release build does: tests/client_sdk/proguard_test.sh).
  const char* classpath = getenv("GRIDSYNC_JAVA_CLASSPATH");
  cmd += std::string(" -cp '") + (classpath ? classpath : JAVA_TEST_CLASSPATH) +
         "' org.junit.runner.JUnitCore cn.gridsync.GridSyncClientTest 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  const int status = pclose(p);
  std::cout << out;
  EXPECT_EQ(status, 0) << "JUnit failed";
  EXPECT_NE(out.find("OK (23 tests)"), std::string::npos);

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
