// GET /metrics, /healthz and /readyz through a real asofd: native requests (the wire
// client) and HTTP requests move their counters and histograms by exactly what was sent,
// records and per-feature families follow the writes, the gauges see the open
// connections, and the whole exposition passes `promtool check metrics`.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/util/http_client.h"
#include "tests/util/test_util.h"
#include "wire/client.h"

namespace asof::testing {
namespace {

// Secrets and their SHA-256 (`echo -n SECRET | asofd hash-token`).
constexpr char kReader[] = "reader-secret";
constexpr char kAdmin[] = "admin-secret";

std::string WriteConfig(const std::string& dir) {
  const std::string path = dir + "/asofd.toml";
  std::ofstream out(path);
  const char* tokens[][3] = {
      {"reader", "f03319dee240faa729e0cfa7ab5ffd80a1d64a127e3643f239009abff6382914", "reader"},
      {"admin", "16175223c8ddce5ace0493c948569c211b03c4c6bb3d3e484434999448cffe01", "admin"}};
  for (const auto& t : tokens) {
    out << "[[auth.tokens]]\nname = \"" << t[0] << "\"\nsha256 = \"" << t[1] << "\"\nrole = \""
        << t[2] << "\"\nteam = \"growth\"\n";
  }
  return path;
}

// Samples of an exposition by series ("name{labels}" exactly as rendered).
using Samples = std::map<std::string, double>;

Samples Parse(const std::string& text) {
  Samples out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return out;
}

double Get(const Samples& s, const std::string& series) {
  auto it = s.find(series);
  return it == s.end() ? 0 : it->second;  // a series not yet rendered is 0
}

std::string Native(const std::string& type, const std::string& code) {
  return "asof_native_requests_total{type=\"" + type + "\",code=\"" + code + "\"}";
}
std::string Http(const std::string& route, int code) {
  return "asof_http_requests_total{route=\"" + route + "\",code=\"" + std::to_string(code) + "\"}";
}
std::string LatencyCount(const std::string& protocol, const std::string& operation) {
  return "asof_request_duration_seconds_count{protocol=\"" + protocol + "\",operation=\"" +
         operation + "\"}";
}

class HttpMetricsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    conf_ = new TempDir();
    daemon_ = new Daemon(ASOFD_PATH, TestDaemonFlags({"--config", WriteConfig(conf_->path())}));
    start_status_ = new Status(daemon_->Start());
  }
  static void TearDownTestSuite() {
    if (daemon_->running()) {
      Result<int> code = daemon_->Stop();
      EXPECT_TRUE(code.ok() && *code == 0) << code.status().ToString() << "\n" << daemon_->log();
    }
    delete daemon_;
    delete start_status_;
    delete conf_;
  }

  void SetUp() override {
    ASSERT_OK(*start_status_);
    http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->http_port(), kReader);
    ClientOptions options = OptionsFor(*daemon_);
    options.token = kAdmin;
    ASSERT_OK_AND_ASSIGN(client_, Client::Connect(options));
  }

  // GET /metrics as the reader, checked for status, content type and promtool.
  std::string Scrape() {
    auto reply = http_->Get("/metrics");
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) return "";
    EXPECT_EQ(reply->status, 200) << reply->body;
    EXPECT_EQ(reply->Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    return reply->body;
  }

  static TempDir* conf_;
  static Daemon* daemon_;
  static Status* start_status_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<Client> client_;
};

TempDir* HttpMetricsTest::conf_ = nullptr;
Daemon* HttpMetricsTest::daemon_ = nullptr;
Status* HttpMetricsTest::start_status_ = nullptr;

TEST_F(HttpMetricsTest, CountersMoveByWhatWasSent) {
  ASSERT_OK(client_->RegisterEntityType("user", "").status());
  ASSERT_OK(client_->RegisterFeature(Spec("user", "clicks", vt::kInt64)).status());
  const Samples before = Parse(Scrape());

  // Native: 3 online reads, 1 failing; 1 write of 2 accepted and 1 rejected record; 1
  // as-of read.
  const int64_t now = NowMicros();
  ASSERT_OK_AND_ASSIGN(
      wire::WriteResponseT w,
      client_->Write({Record("user", "u1", "clicks", Int64(1), now - 2'000'000),
                      Record("user", "u2", "clicks", Int64(2), now - 1'000'000),
                      Record("user", "u3", "no_such_feature", Int64(3), now - 1'000'000)}));
  ASSERT_EQ(w.accepted, 2u);
  ASSERT_EQ(w.rejected, 1u);
  ASSERT_OK(client_->OnlineRead("user", {"u1"}, {"clicks"}).status());
  ASSERT_OK(client_->OnlineRead("user", {"u2"}, {"clicks"}).status());
  EXPECT_EQ(client_->OnlineRead("no_such_entity", {"u1"}, {"clicks"}).status().code(),
            ErrorCode::kNotFound);
  wire::AsOfRowT row;
  row.entity_id = "u1";
  row.ts = now;
  ASSERT_OK(client_->AsOfRead("user", {"clicks"}, false, {row},
                              [](const wire::AsOfReadChunkT&) { return Status::Ok(); }));

  // HTTP: 2 entity listings, 1 unknown path, 1 unauthenticated scrape.
  for (int i = 0; i < 2; ++i) {
    auto r = http_->Get("/api/entities");
    ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
  }
  auto missing = http_->Get("/no/such/path");
  ASSERT_TRUE(missing.ok() && missing->status == 404);
  HttpClient anonymous("127.0.0.1", daemon_->http_port());
  auto refused = anonymous.Get("/metrics");
  ASSERT_TRUE(refused.ok() && refused->status == 401) << (refused.ok() ? refused->body : "");

  // A request's in-flight count and native counters may settle just after its answer
  // reached the client: scrape until only the scrape itself is in flight.
  std::string text;
  Samples after;
  int scrapes = 0;
  for (; scrapes < 200; ++scrapes) {
    if (scrapes > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    text = Scrape();
    after = Parse(text);
    if (Get(after, "asof_inflight_requests{protocol=\"native\"}") == 0 &&
        Get(after, "asof_inflight_requests{protocol=\"http\"}") == 1) {
      break;
    }
  }
  auto delta = [&](const std::string& series) { return Get(after, series) - Get(before, series); };

  EXPECT_EQ(delta(Native("OnlineReadRequest", "OK")), 2) << text;
  EXPECT_EQ(delta(Native("OnlineReadRequest", "NOT_FOUND")), 1) << text;
  EXPECT_EQ(delta(Native("WriteRequest", "OK")), 1) << text;
  EXPECT_EQ(delta(Native("AsOfReadRequest", "OK")), 1) << text;
  EXPECT_GE(Get(after, Native("HelloRequest", "OK")), 1) << text;
  EXPECT_EQ(delta(LatencyCount("native", "online")), 3) << text;
  EXPECT_EQ(delta(LatencyCount("native", "ingest")), 1) << text;
  EXPECT_EQ(delta(LatencyCount("native", "asof")), 1) << text;
  EXPECT_GE(delta("asof_write_group_duration_seconds_count"), 1) << text;
  EXPECT_EQ(delta("asof_records_total{outcome=\"accepted\"}"), 2) << text;
  EXPECT_EQ(delta("asof_records_total{outcome=\"rejected\"}"), 1) << text;
  EXPECT_EQ(
      delta("asof_feature_values_written_total{entity=\"user\",feature=\"clicks\",version=\"1\"}"),
      2)
      << text;
  EXPECT_NEAR(Get(after,
                  "asof_feature_last_event_timestamp_seconds{entity=\"user\",feature="
                  "\"clicks\",version=\"1\"}"),
              static_cast<double>(now - 1'000'000) / 1e6, 1e-3)
      << text;

  EXPECT_EQ(delta(Http("entities_list", 200)), 2) << text;
  EXPECT_EQ(delta(LatencyCount("http", "registry")), 2) << text;
  EXPECT_EQ(delta(Http("unmatched", 404)), 1) << text;
  EXPECT_EQ(delta(Http("metrics", 401)), 1) << text;
  // The first scrape and the retries; the last is counted after it rendered.
  EXPECT_EQ(delta(Http("metrics", 200)), scrapes + 1) << text;

  // This scrape is the one request in flight; both clients hold a connection.
  EXPECT_EQ(Get(after, "asof_inflight_requests{protocol=\"http\"}"), 1) << text;
  EXPECT_EQ(Get(after, "asof_inflight_requests{protocol=\"native\"}"), 0) << text;
  EXPECT_GE(Get(after, "asof_connections{protocol=\"native\"}"), 1) << text;
  EXPECT_GE(Get(after, "asof_connections{protocol=\"http\"}"), 1) << text;
  EXPECT_EQ(Get(after, "asof_up"), 1);
  EXPECT_EQ(after.count("asof_build_info{version=\"" ASOF_VERSION "\"}"), 1u) << text;
  EXPECT_EQ(after.count("asof_block_cache_hit_ratio"), 1u) << text;

  // promtool on what the daemon served.
  const std::string file = conf_->path() + "/scrape.txt";
  std::ofstream(file) << text;
  const std::string cmd = "promtool check metrics < " + file + " > " + file + ".out 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream out(file + ".out");
  std::stringstream problems;
  problems << out.rdbuf();
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << problems.str() << "\n" << text;
}

TEST_F(HttpMetricsTest, HealthAndReadinessNeedNoToken) {
  HttpClient anonymous("127.0.0.1", daemon_->http_port());
  for (const auto& [path, status] :
       std::vector<std::pair<std::string, std::string>>{{"/healthz", "ok"}, {"/readyz", "ready"}}) {
    auto r = anonymous.Get(path);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200) << path << ": " << r->body;
    ASSERT_OK_AND_ASSIGN(boost::json::value body, r->Json());
    EXPECT_EQ(body, (boost::json::object{{"status", status}})) << path << ": " << r->body;
  }
  auto metrics = anonymous.Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->status, 401) << metrics->body;
  auto wrong = anonymous.Request("POST", "/healthz", "{}");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 405) << wrong->body;
}

}  // namespace
}  // namespace asof::testing
