// Tests of Metrics and Histogram (server/metrics.cc): the exposition's families and
// samples, label escaping, cumulative histogram buckets, exact counts under concurrent
// updates, the per-feature families from a real engine, and `promtool check metrics` on
// the output.
#include "server/metrics.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/clock.h"
#include "tests/util/test_util.h"

namespace asof::server {
namespace {

// The value of the sample `series` (name and labels exactly as rendered), or nullopt.
std::optional<std::string> Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return line.substr(series.size() + 1);
    }
  }
  return std::nullopt;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Runs `promtool check metrics` on `text`; returns its exit status and output.
std::pair<int, std::string> Promtool(const std::string& text, const std::string& dir) {
  const std::string in = dir + "/metrics.txt";
  const std::string out = dir + "/promtool.out";
  std::ofstream(in) << text;
  const std::string cmd = "promtool check metrics < " + in + " > " + out + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream result(out);
  std::stringstream buf;
  buf << result.rdbuf();
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, buf.str()};
}

TEST(HistogramTest, BucketsAreCumulativeWithInclusiveBounds) {
  Histogram h({0.001, 0.01, 0.1});
  h.Observe(0.001);  // on a bound: counts in that bucket ("le")
  h.Observe(0.005);
  h.Observe(0.005);
  h.Observe(0.5);   // above every bound: +Inf only
  h.Observe(-1.0);  // a clock step back counts as 0
  std::string out;
  h.Render("x_seconds", "a=\"b\"", &out);
  EXPECT_EQ(Sample(out, "x_seconds_bucket{a=\"b\",le=\"0.001\"}"), "2") << out;
  EXPECT_EQ(Sample(out, "x_seconds_bucket{a=\"b\",le=\"0.01\"}"), "4") << out;
  EXPECT_EQ(Sample(out, "x_seconds_bucket{a=\"b\",le=\"0.1\"}"), "4") << out;
  EXPECT_EQ(Sample(out, "x_seconds_bucket{a=\"b\",le=\"+Inf\"}"), "5") << out;
  EXPECT_EQ(Sample(out, "x_seconds_count{a=\"b\"}"), "5") << out;
  EXPECT_EQ(Sample(out, "x_seconds_sum{a=\"b\"}"), "0.511") << out;
  EXPECT_EQ(h.count(), 5u);
}

TEST(HistogramTest, RendersWithoutLabels) {
  Histogram h({1.0});
  h.Observe(2.0);
  std::string out;
  h.Render("y_seconds", "", &out);
  EXPECT_EQ(Sample(out, "y_seconds_bucket{le=\"1\"}"), "0") << out;
  EXPECT_EQ(Sample(out, "y_seconds_bucket{le=\"+Inf\"}"), "1") << out;
  EXPECT_EQ(Sample(out, "y_seconds_sum"), "2") << out;
  EXPECT_EQ(Sample(out, "y_seconds_count"), "1") << out;
}

TEST(MetricsTest, EveryFamilyHasHelpAndType) {
  Metrics m(nullptr);
  const std::string out = m.Render();
  for (const char* family :
       {"asof_up gauge", "asof_build_info gauge", "asof_http_requests_total counter",
        "asof_native_requests_total counter", "asof_request_duration_seconds histogram",
        "asof_write_group_duration_seconds histogram", "asof_records_total counter",
        "asof_rate_limited_total counter", "asof_shed_total counter",
        "asof_inflight_requests gauge", "asof_connections gauge"}) {
    EXPECT_TRUE(Contains(out, std::string("# TYPE ") + family)) << family << "\n" << out;
    const std::string name = std::string(family).substr(0, std::string(family).find(' '));
    EXPECT_TRUE(Contains(out, "# HELP " + name + " ")) << name;
  }
  EXPECT_EQ(Sample(out, "asof_up"), "1");
  EXPECT_TRUE(Contains(out, "asof_build_info{version=\"")) << out;
  // Nothing moved yet: no labelled request series, but the fixed ones at 0.
  EXPECT_FALSE(Contains(out, "asof_http_requests_total{")) << out;
  EXPECT_FALSE(Contains(out, "asof_request_duration_seconds_bucket")) << out;
  EXPECT_EQ(Sample(out, "asof_records_total{outcome=\"accepted\"}"), "0");
  EXPECT_EQ(Sample(out, "asof_write_group_duration_seconds_count"), "0");
  EXPECT_EQ(Sample(out, "asof_connections{protocol=\"native\"}"), "0");
}

TEST(MetricsTest, HttpCountersByRouteAndStatus) {
  Metrics m(nullptr);
  const size_t online = m.AddHttpRoute("features_online");
  const size_t ingest = m.AddHttpRoute("ingest");
  EXPECT_NE(online, 0u);
  EXPECT_NE(online, ingest);
  EXPECT_EQ(m.AddHttpRoute("features_online"), online) << "a name keeps its id";
  m.CountHttp(online, 200);
  m.CountHttp(online, 200);
  m.CountHttp(online, 404);
  m.CountHttp(ingest, 418);  // not in the fixed set
  m.CountHttp(0, 405);
  m.CountHttp(9999, 404);  // unknown id: counted as unmatched
  const std::string out = m.Render();
  EXPECT_EQ(Sample(out, "asof_http_requests_total{route=\"features_online\",code=\"200\"}"), "2");
  EXPECT_EQ(Sample(out, "asof_http_requests_total{route=\"features_online\",code=\"404\"}"), "1");
  EXPECT_EQ(Sample(out, "asof_http_requests_total{route=\"ingest\",code=\"other\"}"), "1");
  EXPECT_EQ(Sample(out, "asof_http_requests_total{route=\"unmatched\",code=\"405\"}"), "1");
  EXPECT_EQ(Sample(out, "asof_http_requests_total{route=\"unmatched\",code=\"404\"}"), "1");
  EXPECT_FALSE(Sample(out, "asof_http_requests_total{route=\"ingest\",code=\"200\"}"));
}

TEST(MetricsTest, NativeCountersLatencyAndFixedFamilies) {
  Metrics m(nullptr);
  m.CountNative(wire::MessageType::kOnlineReadRequest, ErrorCode::kOk);
  m.CountNative(wire::MessageType::kOnlineReadRequest, ErrorCode::kNotFound);
  m.CountNative(wire::MessageType::kOnlineReadRequest, ErrorCode::kNotFound);
  m.CountNative(static_cast<wire::MessageType>(200), ErrorCode::kOk);  // ignored, no crash
  m.ObserveLatency(Protocol::kNative, Operation::kOnline, 0.0002);
  m.ObserveLatency(Protocol::kHttp, Operation::kIngest, 3.0);
  m.ObserveWriteGroup(0.002);
  WriteResult r;
  r.accepted = 5;
  r.duplicates = 2;
  r.rejected = 1;
  m.CountRecords(r);
  m.CountRecords(r);
  m.CountRateLimited();
  m.CountShed();
  m.CountShed();
  m.inflight(Protocol::kHttp).fetch_add(3);
  m.connections(Protocol::kResp).fetch_add(2);

  const std::string out = m.Render();
  EXPECT_EQ(Sample(out, "asof_native_requests_total{type=\"OnlineReadRequest\",code=\"OK\"}"), "1")
      << out;
  EXPECT_EQ(
      Sample(out, "asof_native_requests_total{type=\"OnlineReadRequest\",code=\"NOT_FOUND\"}"),
      "2");
  EXPECT_EQ(Sample(out,
                   "asof_request_duration_seconds_bucket{protocol=\"native\",operation="
                   "\"online\",le=\"0.00025\"}"),
            "1")
      << out;
  EXPECT_EQ(Sample(out,
                   "asof_request_duration_seconds_bucket{protocol=\"native\",operation="
                   "\"online\",le=\"0.0001\"}"),
            "0");
  EXPECT_EQ(Sample(out,
                   "asof_request_duration_seconds_bucket{protocol=\"http\",operation="
                   "\"ingest\",le=\"5\"}"),
            "1");
  EXPECT_EQ(Sample(out,
                   "asof_request_duration_seconds_bucket{protocol=\"http\",operation="
                   "\"ingest\",le=\"2.5\"}"),
            "0");
  EXPECT_TRUE(Sample(out,
                     "asof_request_duration_seconds_bucket{protocol=\"native\",operation="
                     "\"online\",le=\"0.00005\"}"))
      << "the smallest bucket is 50 us";
  EXPECT_TRUE(Sample(out,
                     "asof_request_duration_seconds_bucket{protocol=\"native\",operation="
                     "\"online\",le=\"10\"}"))
      << "the largest bucket is 10 s";
  EXPECT_FALSE(Contains(out, "operation=\"asof\"")) << "untouched histograms are left out";
  EXPECT_EQ(Sample(out, "asof_write_group_duration_seconds_bucket{le=\"0.0025\"}"), "1");
  EXPECT_EQ(Sample(out, "asof_records_total{outcome=\"accepted\"}"), "10");
  EXPECT_EQ(Sample(out, "asof_records_total{outcome=\"duplicate\"}"), "4");
  EXPECT_EQ(Sample(out, "asof_records_total{outcome=\"rejected\"}"), "2");
  EXPECT_EQ(Sample(out, "asof_rate_limited_total"), "1");
  EXPECT_EQ(Sample(out, "asof_shed_total"), "2");
  EXPECT_EQ(Sample(out, "asof_inflight_requests{protocol=\"http\"}"), "3");
  EXPECT_EQ(Sample(out, "asof_connections{protocol=\"resp\"}"), "2");
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Metrics m(nullptr);
  const size_t id = m.AddHttpRoute("a\\b\"c\nd");
  m.CountHttp(id, 200);
  const std::string out = m.Render();
  EXPECT_EQ(Sample(out, "asof_http_requests_total{route=\"a\\\\b\\\"c\\nd\",code=\"200\"}"), "1")
      << out;
  asof::testing::TempDir dir;
  auto [rc, text] = Promtool(out, dir.path());
  EXPECT_EQ(rc, 0) << text << "\n" << out;
}

TEST(MetricsTest, ConcurrentUpdatesLoseNothing) {
  Metrics m(nullptr);
  const size_t route = m.AddHttpRoute("r");
  constexpr int kThreads = 8;
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        m.CountHttp(route, 200);
        m.CountNative(wire::MessageType::kWriteRequest, ErrorCode::kOk);
        m.ObserveLatency(Protocol::kNative, Operation::kIngest, 0.001);
        m.inflight(Protocol::kNative).fetch_add(1);
        m.inflight(Protocol::kNative).fetch_sub(1);
      }
    });
  }
  // Rendering while updates run must be safe too.
  for (int i = 0; i < 20; ++i) (void)m.Render();
  for (std::thread& t : threads) t.join();
  const std::string out = m.Render();
  const std::string total = std::to_string(kThreads * kEach);
  EXPECT_EQ(Sample(out, "asof_http_requests_total{route=\"r\",code=\"200\"}"), total);
  EXPECT_EQ(Sample(out, "asof_native_requests_total{type=\"WriteRequest\",code=\"OK\"}"), total);
  EXPECT_EQ(Sample(out,
                   "asof_request_duration_seconds_count{protocol=\"native\",operation="
                   "\"ingest\"}"),
            total);
  EXPECT_EQ(Sample(out,
                   "asof_request_duration_seconds_bucket{protocol=\"native\",operation="
                   "\"ingest\",le=\"0.001\"}"),
            total);
  EXPECT_EQ(Sample(out, "asof_inflight_requests{protocol=\"native\"}"), "0");
}

// A real engine supplies the cache and per-feature families.
class MetricsEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.path = dir_.path() + "/db";
    o.sync_writes = false;
    o.block_cache_bytes = 1 << 20;
    o.write_buffer_bytes = 1 << 20;
    o.clock = &clock_;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(o));
    ASSERT_OK(engine_->registry().RegisterEntityType("user", ""));
    FeatureSpec spec;
    spec.name = "age";
    spec.entity = "user";
    spec.value_type = ValueType::kInt64;
    ASSERT_OK(engine_->registry().RegisterFeature(spec));
    spec.value_type = ValueType::kString;  // a schema change: version 2
    ASSERT_OK(engine_->registry().RegisterFeature(spec, /*new_version=*/true));
  }

  static constexpr int64_t kNow = 1'700'000'000'000'000;
  asof::testing::TempDir dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<Engine> engine_;
};

TEST_F(MetricsEngineTest, PerFeatureFamiliesAndCacheFigures) {
  ASSERT_OK(engine_->Write(
      std::vector<WriteRecord>{{"user", "u1", "age@1", Value::Int64(1), kNow - 2'000'000, ""},
                               {"user", "u2", "age@1", Value::Int64(2), kNow - 4'000'000, ""},
                               {"user", "u1", "age@2", Value::String("x"), kNow - 1'500'000, ""}}));
  Metrics m(engine_.get());
  const std::string out = m.Render();
  EXPECT_EQ(Sample(out,
                   "asof_feature_values_written_total{entity=\"user\",feature=\"age\","
                   "version=\"1\"}"),
            "2")
      << out;
  EXPECT_EQ(Sample(out,
                   "asof_feature_values_written_total{entity=\"user\",feature=\"age\","
                   "version=\"2\"}"),
            "1");
  EXPECT_EQ(Sample(out,
                   "asof_feature_last_event_timestamp_seconds{entity=\"user\",feature="
                   "\"age\",version=\"1\"}"),
            "1699999998");
  EXPECT_EQ(Sample(out,
                   "asof_feature_last_event_timestamp_seconds{entity=\"user\",feature="
                   "\"age\",version=\"2\"}"),
            "1699999998.5");
  EXPECT_TRUE(Contains(out, "# TYPE asof_feature_values_written_total counter"));
  EXPECT_TRUE(Contains(out, "# TYPE asof_block_cache_hit_ratio gauge"));
  EXPECT_TRUE(Sample(out, "asof_block_cache_hits_total"));
  EXPECT_TRUE(Sample(out, "asof_block_cache_misses_total"));
  EXPECT_TRUE(Sample(out, "asof_block_cache_hit_ratio"));
}

TEST_F(MetricsEngineTest, FullExpositionPassesPromtool) {
  ASSERT_OK(engine_->Write(
      std::vector<WriteRecord>{{"user", "u1", "age", Value::String("x"), kNow - 1, ""}}));
  Metrics m(engine_.get());
  m.CountHttp(m.AddHttpRoute("features_online"), 200);
  m.CountHttp(0, 404);
  m.CountNative(wire::MessageType::kHelloRequest, ErrorCode::kUnauthenticated);
  for (size_t p = 0; p < kNumProtocols; ++p) {
    for (size_t o = 0; o < kNumOperations; ++o) {
      m.ObserveLatency(static_cast<Protocol>(p), static_cast<Operation>(o), 0.01 * (o + 1));
    }
  }
  m.ObserveWriteGroup(0.003);
  m.CountShed();
  auto [rc, text] = Promtool(m.Render(), dir_.path());
  EXPECT_EQ(rc, 0) << text << "\n" << m.Render();
  // An empty exposition too.
  Metrics empty(nullptr);
  auto [rc2, text2] = Promtool(empty.Render(), dir_.path());
  EXPECT_EQ(rc2, 0) << text2;
}

}  // namespace
}  // namespace asof::server
