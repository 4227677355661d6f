// gridsyncd --metrics-listen: the page parses as Prometheus' text format,
// and its counters move with what the server does.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/version.h"
#include "gridsync/v1/feed_service.grpc.pb.h"
#include "tests/server/test_server.h"

namespace gridsync::testing {
namespace {

// GET `path` from 127.0.0.1:port; the status line and the body.
std::pair<std::string, std::string> HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return {"connect failed", ""};
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  send(fd, req.data(), req.size(), 0);
  std::string resp;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) resp.append(buf, n);
  close(fd);
  const size_t head_end = resp.find("\r\n\r\n");
  if (head_end == std::string::npos) return {resp, ""};
  return {resp.substr(0, resp.find("\r\n")), resp.substr(head_end + 4)};
}

// Parses the page as the text exposition format (0.0.4): every line a HELP,
// a TYPE, or a sample of a declared family, with well-formed labels and a
// number. Returns the samples by "name{labels}", or fails the test.
std::map<std::string, double> Parse(const std::string& page) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  static const std::regex kSample(
      R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (\S+))re");
  std::map<std::string, std::string> types;
  std::map<std::string, double> samples;
  EXPECT_TRUE(absl::EndsWith(page, "\n"));
  for (absl::string_view line : absl::StrSplit(page, '\n', absl::SkipEmpty())) {
    const std::string l(line);
    std::smatch m;
    if (std::regex_match(l, m, kHelp)) continue;
    if (std::regex_match(l, m, kType)) {
      EXPECT_TRUE(types.emplace(m[1], m[2]).second) << "declared twice: " << l;
      // As promtool check metrics has it: a counter's name ends in _total,
      // and nothing else's does.
      EXPECT_EQ(m[2] == "counter", absl::EndsWith(std::string(m[1]), "_total")) << l;
      continue;
    }
    if (!std::regex_match(l, m, kSample)) {
      ADD_FAILURE() << "not a Prometheus text line: " << l;
      continue;
    }
    std::string family = m[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (types.count(family)) break;
      if (absl::EndsWith(family, suffix)) family.resize(family.size() - strlen(suffix));
    }
    EXPECT_TRUE(types.count(family)) << "no TYPE before " << l;
    double v = 0;
    const std::string value = m[3];
    EXPECT_TRUE(value == "+Inf" || absl::SimpleAtod(value, &v)) << l;
    EXPECT_TRUE(samples.emplace(std::string(m[1]) + std::string(m[2]), v).second)
        << "sample twice: " << l;
  }
  return samples;
}

class MetricsTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    StopServer(std::chrono::milliseconds(0));
    options_.metrics_listen = "127.0.0.1:0";
    StartServer();
  }
  std::map<std::string, double> Scrape() {
    auto [status, body] = HttpGet(server_->metrics_port(), "/metrics");
    EXPECT_EQ(status, "HTTP/1.1 200 OK");
    return Parse(body);
  }
};

TEST_F(MetricsTest, ThePageParsesAndItsCountersMove) {
  const std::string push = R"({method="/gridsync.v1.SyncService/Push",code="OK"})";
  auto before = Scrape();
  EXPECT_EQ(before.count("gridsync_rpc_requests_total" + push), 0u);
  EXPECT_GT(before["process_resident_memory_bytes"], 1e6);
  EXPECT_GT(before["process_open_fds"], 5);
  EXPECT_GT(before["gridsync_rocksdb_live_sst_bytes"], 0);
  EXPECT_EQ(before[absl::StrCat("gridsync_build_info{version=\"", kVersion, "\"}")], 1)
      << "the release it runs";

  auto phone = NewPhone(kGridA);
  std::vector<gridsync::v1::Mutation> ms;
  for (int i = 0; i < 20; ++i) ms.push_back(Visit(*phone, kGridA, 1 + i));
  ms.push_back(Visit(*phone, kGridD, 1));  // outside the phone's scope
  ASSERT_TRUE(phone->Push(ms).ok());
  ASSERT_TRUE(phone->Push({ms[0]}).ok());  // a retry

  // A county job following the feed.
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty});
  auto feed = gridsync::v1::FeedService::NewStub(channel_);
  gridsync::v1::SubscribeRequest req;
  req.set_follow(true);
  auto ctx = tools::CallContext(job, std::chrono::seconds(30));
  auto reader = feed->Subscribe(ctx.get(), req);
  gridsync::v1::SubscribeResponse m;
  ASSERT_TRUE(reader->Read(&m));

  auto after = Scrape();
  EXPECT_EQ(after["gridsync_rpc_requests_total" + push], 2);
  EXPECT_EQ(after[R"(gridsync_rpc_duration_seconds_count{method="/gridsync.v1.SyncService/Push"})"],
            2);
  EXPECT_EQ(after[R"(gridsync_mutations_total{outcome="applied"})"], 20);
  EXPECT_EQ(after[R"(gridsync_mutations_total{outcome="duplicate"})"], 1);
  EXPECT_EQ(after[R"(gridsync_mutations_total{outcome="rejected",code="PERMISSION_DENIED"})"], 1);
  EXPECT_EQ(after["gridsync_commit_group_mutations_count"], 1);
  EXPECT_EQ(after[R"(gridsync_commit_group_mutations_bucket{le="16"})"], 0);
  EXPECT_EQ(after[R"(gridsync_commit_group_mutations_bucket{le="32"})"], 1);
  EXPECT_GT(after["gridsync_commit_write_seconds_sum"], 0);
  EXPECT_EQ(after["gridsync_last_change_seq"], static_cast<double>(Stats().last_change_seq()));
  EXPECT_EQ(after["gridsync_records"], 20);
  EXPECT_EQ(after[R"(gridsync_devices_active{window="1h"})"], 3);  // admin, phone, job
  // All three called through tools::Connect, which names gridsync's tools
  // and this release in its user agent.
  EXPECT_EQ(after[absl::StrCat("gridsync_devices_by_release{release=\"gridsync-tools ", kVersion,
                               "\",window=\"24h\"}")],
            3);
  EXPECT_EQ(after["gridsync_feed_subscribers"], 1);
  EXPECT_EQ(after["gridsync_attachment_uploads_in_progress"], 0);
  EXPECT_EQ(after["gridsync_attachments_stored_total"], 0);
  ctx->TryCancel();
  reader->Finish();

  // Anything but GET /metrics is a plain refusal.
  EXPECT_EQ(HttpGet(server_->metrics_port(), "/").first, "HTTP/1.1 404 Not Found");
}

// Issue 24: a client sending a byte every 1.5 s made every scrape time out
// (one connection at a time). Now it holds one thread of the pool.
TEST_F(MetricsTest, SlowClientsDoNotStallScrapes) {
  std::vector<int> slow;
  for (int i = 0; i < 3; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(server_->metrics_port()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    send(fd, "G", 1, 0);
    slow.push_back(fd);
  }
  std::atomic<bool> done{false};
  std::thread dribble([&] {
    for (int k = 0; k < 4 && !done; ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      for (int fd : slow) send(fd, "E", 1, MSG_NOSIGNAL);
    }
  });
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto [status, body] = HttpGet(server_->metrics_port(), "/metrics");
    EXPECT_EQ(status, "HTTP/1.1 200 OK");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1)) << "scrape " << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }
  done = true;
  dribble.join();
  for (int fd : slow) close(fd);
}

}  // namespace
}  // namespace gridsync::testing
