// A full disk (issue 12): gridsyncd on a small tmpfs made for the test. Pushes
// are refused with RESOURCE_EXHAUSTED saying so, nothing acknowledged is
// lost, pulls and reads go on, writes resume by themselves when space
// returns, and a SIGKILL while the disk is full loses nothing either.
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "server/server.h"
#include "tests/server/server_process.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mnt_ = TempDir("disk-full");
    std::filesystem::create_directories(mnt_);
    if (mount("tmpfs", mnt_.c_str(), "tmpfs", 0, "size=48m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs for the test (it needs root): " << strerror(errno);
    }
    mounted_ = true;
    dir_ = mnt_ + "/store";
    ASSERT_TRUE(server::InitDataDir(dir_).ok());
    // 8 MiB kept free (the default 64 would not fit this small disk).
    proc_ = std::make_unique<ServerProcess>(dir_, std::vector<std::string>{"--min-free-mb", "8"});
    ASSERT_TRUE(proc_->Start());
    Connect();
    ImportTestRegistry(admin_.get(), admin_token_);
    const auto resp = EnrollWorker(admin_.get(), admin_token_, kGridA);
    token_ = resp.token();
    device_ = resp.device_id();
    phone_ = std::make_unique<tools::Phone>(channel_, token_, device_, "王芳", 7);
  }
  void TearDown() override {
    phone_.reset();
    proc_.reset();
    if (HasFailure() && mounted_) {
      std::ifstream log(dir_ + ".log");
      std::stringstream ss;
      ss << log.rdbuf();
      const std::string text = ss.str();
      printf("gridsyncd's log ends:\n%s\n",
             text.substr(text.size() > 3000 ? text.size() - 3000 : 0).c_str());
    }
    if (mounted_) umount2(mnt_.c_str(), MNT_DETACH);
    std::filesystem::remove_all(mnt_);
  }

  void Connect() {
    channel_ = tools::Connect(proc_->addr());
    ASSERT_TRUE(tools::WaitReady(channel_, std::chrono::seconds(10)).ok());
    admin_ = gridsync::v1::AdminService::NewStub(channel_);
    auto token = tools::ReadTokenFile(dir_ + "/admin.token");
    ASSERT_TRUE(token.ok());
    admin_token_ = *token;
    if (phone_) phone_ = std::make_unique<tools::Phone>(channel_, token_, device_, "王芳", 8);
  }
  // Pushes 50 new visits; the ids applied join acked_. The call's status.
  absl::Status Push() {
    std::vector<gridsync::v1::Mutation> ms;
    for (int i = 0; i < 50; ++i) ms.push_back(Visit(*phone_, kGridA, 1 + i % 20));
    auto r = phone_->Push(ms);
    if (!r.ok()) return r.status();
    for (const auto& res : r->results()) {
      if (res.outcome() == gridsync::v1::MUTATION_OUTCOME_APPLIED) acked_.insert(res.record_id());
    }
    return absl::OkStatus();
  }
  // Pushes until the server refuses (bounded); the refusal.
  absl::Status PushUntilRefused() {
    for (int i = 0; i < 4000; ++i) {
      if (auto st = Push(); !st.ok()) return st;
    }
    return absl::OkStatus();
  }
  // Fills the filesystem with a ballast file.
  void Fill() {
    std::ofstream f(mnt_ + "/ballast", std::ios::binary | std::ios::app);
    const std::string mb(1 << 20, 'x');
    for (int i = 0; i < 64 && f.write(mb.data(), mb.size()); ++i) f.flush();
  }
  void FreeSpace() { std::filesystem::remove(mnt_ + "/ballast"); }
  size_t Missing() {
    gridsync::v1::BatchGetRecordsRequest req;
    for (const auto& id : acked_) req.add_record_ids(id);
    gridsync::v1::BatchGetRecordsResponse resp;
    auto ctx = tools::CallContext(admin_token_);
    EXPECT_TRUE(admin_->BatchGetRecords(ctx.get(), req, &resp).ok());
    return static_cast<size_t>(resp.missing_ids_size());
  }

  std::string mnt_, dir_, admin_token_, token_, device_;
  bool mounted_ = false;
  std::unique_ptr<ServerProcess> proc_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gridsync::v1::AdminService::Stub> admin_;
  std::unique_ptr<tools::Phone> phone_;
  std::set<std::string> acked_;
};

TEST_F(DiskFullTest, RefusedWhileFullNothingAckedLostResumesWhenSpaceReturns) {
  ASSERT_TRUE(Push().ok());
  Fill();
  const absl::Status refused = PushUntilRefused();
  ASSERT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "disk is full")) << refused;
  const size_t acked_when_full = acked_.size();
  {  // an enrolment is a write like any other
    gridsync::v1::EnrollDeviceRequest req;
    req.set_role(gridsync::v1::ROLE_GRID_WORKER);
    req.add_scope_codes(kGridA);
    gridsync::v1::EnrollDeviceResponse resp;
    auto ctx = tools::CallContext(admin_token_);
    EXPECT_EQ(admin_->EnrollDevice(ctx.get(), req, &resp).error_code(),
              grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  EXPECT_GE(acked_when_full, 50u);

  // Reads go on: a pull from 0, the stats, the coverage.
  auto pulled = phone_->PullAll();
  ASSERT_TRUE(pulled.ok()) << pulled.status();
  EXPECT_EQ(Missing(), 0u);
  gridsync::v1::GetCoverageRequest creq;
  creq.set_scope_code(kGridA);
  gridsync::v1::GetCoverageResponse cov;
  auto cctx = tools::CallContext(admin_token_);
  EXPECT_TRUE(
      gridsync::v1::CoverageService::NewStub(channel_)->GetCoverage(cctx.get(), creq, &cov).ok());

  // Space returns: writes resume without a restart (within a few seconds).
  FreeSpace();
  absl::Status st;
  for (int i = 0; i < 100; ++i) {
    st = Push();
    if (st.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_GT(acked_.size(), acked_when_full);

  // Full again, then killed while full: what was acknowledged is there after
  // space returns and the server starts again.
  Fill();
  ASSERT_EQ(PushUntilRefused().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(proc_->Kill(SIGKILL), 128 + SIGKILL);
  FreeSpace();
  ASSERT_TRUE(proc_->Start());
  Connect();
  EXPECT_EQ(Missing(), 0u) << "of " << acked_.size();
  EXPECT_TRUE(Push().ok());
  printf("disk full: %zu visits acknowledged across two full disks and a SIGKILL, none lost\n",
         acked_.size());
}

}  // namespace
}  // namespace gridsync::testing
