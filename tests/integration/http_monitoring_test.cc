// Freshness monitoring through a real asofd (system clock): GET /api/monitoring/freshness
// and /alerts (docs/api.md, "Monitoring"), the freshness families of /metrics, and the
// native FreshnessRequest the shell uses. A value with an old event time makes a stale
// feature, one dated now a fresh one.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/integration/test_tokens.h"
#include "tests/util/http_client.h"
#include "tests/util/test_util.h"
#include "wire/client.h"

namespace asof::testing {
namespace {

namespace json = boost::json;

constexpr int64_t kOldEvent = 1577836800LL * 1000000;  // 2020-01-01T00:00:00Z

class HttpMonitoringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = config_dir_.path() + "/asofd.toml";
    std::ofstream(path) << kTestTokensToml;
    daemon_ = std::make_unique<Daemon>(ASOFD_PATH, TestDaemonFlags({"--config", path}));
    ASSERT_OK(daemon_->Start());
    http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->http_port(), kAdminX);
    Post("/api/entities", R"({"name":"user"})", 201);
    // old: stale (2020 > 1h); recent: fresh; never: stale, never written; nosla: old but
    // without an SLA; gone: deprecated.
    Register("old", R"("1h")");
    Register("recent", R"("1d")");
    Register("never", R"("5m")");
    Register("nosla", "null");
    Register("gone", R"("1m")");
    before_us_ = NowMicros();
    Post("/api/ingest",
         "[" + Record("old", kOldEvent) + "," + Record("nosla", kOldEvent) + "," +
             Record("recent", before_us_) + "," + Record("old", kOldEvent - 1000000) + "]",
         201);
    Post("/api/features/gone/deprecate?entity=user", "", 200);
  }

  void Post(const std::string& target, const std::string& body, int status) {
    ASSERT_OK_AND_ASSIGN(HttpReply r, http_->Post(target, body));
    ASSERT_EQ(r.status, status) << target << ": " << r.body;
  }

  void Register(const std::string& name, const std::string& sla) {
    Post("/api/features",
         R"({"name":")" + name + R"(","entity":"user","value_type":"INT64","freshness_sla":)" +
             sla + "}",
         201);
  }

  static std::string Record(const std::string& feature, int64_t event_us) {
    return R"({"entity":"user","entity_id":"u1","feature":")" + feature +
           R"(","value":1,"event_timestamp":)" + std::to_string(event_us) + "}";
  }

  json::value GetJson(const std::string& target, std::string token = kReaderA) {
    http_->set_token(std::move(token));
    Result<HttpReply> r = http_->Get(target);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return nullptr;
    EXPECT_EQ(r->status, 200) << r->body;
    Result<json::value> body = r->Json();
    EXPECT_TRUE(body.ok()) << r->body;
    return body.ok() ? *body : json::value();
  }

  static std::vector<std::string> Names(const json::array& rows) {
    std::vector<std::string> out;
    for (const json::value& r : rows) out.emplace_back(r.at("feature").as_string());
    return out;
  }

  TempDir config_dir_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<HttpClient> http_;
  int64_t before_us_ = 0;
};

TEST_F(HttpMonitoringTest, FreshnessListsStaleFirstThenByLag) {
  json::value b = GetJson("/api/monitoring/freshness");
  const int64_t after_us = NowMicros();
  const json::array& rows = b.at("features").as_array();
  EXPECT_EQ(Names(rows), (std::vector<std::string>{"never", "old", "nosla", "recent"}));
  EXPECT_EQ(b.at("count").as_int64(), 4);
  EXPECT_EQ(b.at("stale_count").as_int64(), 2);

  const json::object& never = rows[0].as_object();
  EXPECT_TRUE(never.at("stale").as_bool());
  EXPECT_TRUE(never.at("lag_seconds").is_null());
  EXPECT_TRUE(never.at("last_event_timestamp").is_null());
  EXPECT_TRUE(never.at("last_ingest_timestamp").is_null());
  EXPECT_EQ(never.at("freshness_sla").as_string(), "5m");
  EXPECT_EQ(never.at("values_last_hour").as_int64(), 0);

  const json::object& old = rows[1].as_object();
  EXPECT_TRUE(old.at("stale").as_bool());
  EXPECT_EQ(old.at("entity").as_string(), "user");
  EXPECT_EQ(old.at("version").as_int64(), 1);
  EXPECT_EQ(old.at("ref").as_string(), "old@1");
  EXPECT_EQ(old.at("freshness_sla").as_string(), "1h");
  EXPECT_EQ(old.at("last_event_timestamp").as_string(), "2020-01-01T00:00:00Z")
      << "the greatest event time, not the last written";
  EXPECT_TRUE(old.at("last_ingest_timestamp").is_string());
  EXPECT_EQ(old.at("values_last_hour").as_int64(), 2);
  const double lag = old.at("lag_seconds").to_number<double>();
  EXPECT_GE(lag, static_cast<double>(before_us_ - kOldEvent) / 1e6);
  EXPECT_LE(lag, static_cast<double>(after_us - kOldEvent) / 1e6);
  EXPECT_FALSE(old.at("deprecated").as_bool());

  EXPECT_FALSE(rows[2].at("stale").as_bool()) << "no SLA: never stale";
  EXPECT_TRUE(rows[2].at("freshness_sla").is_null());
  const json::object& recent = rows[3].as_object();
  EXPECT_FALSE(recent.at("stale").as_bool());
  EXPECT_LE(recent.at("lag_seconds").to_number<double>(),
            static_cast<double>(after_us - before_us_) / 1e6);

  json::value all = GetJson("/api/monitoring/freshness?include_deprecated=true");
  EXPECT_EQ(Names(all.at("features").as_array()),
            (std::vector<std::string>{"gone", "never", "old", "nosla", "recent"}))
      << "gone and never tie (never written, stale): by name";
  EXPECT_TRUE(all.at("features").as_array()[0].at("deprecated").as_bool());
}

TEST_F(HttpMonitoringTest, AlertsAreTheStaleFeatures) {
  json::value b = GetJson("/api/monitoring/alerts");
  const json::array& alerts = b.at("alerts").as_array();
  EXPECT_EQ(b.at("count").as_int64(), 2);
  EXPECT_EQ(Names(alerts), (std::vector<std::string>{"never", "old"}));
  for (const json::value& a : alerts) {
    EXPECT_EQ(a.at("kind").as_string(), "stale");
    EXPECT_FALSE(a.at("message").as_string().empty());
  }
  EXPECT_TRUE(alerts[0].at("since").is_null());
  EXPECT_EQ(alerts[1].at("since").as_string(), "2020-01-01T01:00:00Z") << "event + SLA";
  EXPECT_EQ(alerts[1].at("freshness_sla").as_string(), "1h");
  EXPECT_EQ(alerts[1].at("entity").as_string(), "user");
}

TEST_F(HttpMonitoringTest, BadQueriesAndMissingTokenAreRefused) {
  for (const char* target :
       {"/api/monitoring/freshness?stale=true", "/api/monitoring/alerts?include_deprecated=yes"}) {
    http_->set_token(kReaderA);
    ASSERT_OK_AND_ASSIGN(HttpReply r, http_->Get(target));
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
  }
  http_->set_token("");
  ASSERT_OK_AND_ASSIGN(HttpReply r, http_->Get("/api/monitoring/freshness"));
  EXPECT_EQ(r.status, 401) << r.body;
  ASSERT_OK_AND_ASSIGN(HttpReply post, http_->Post("/api/monitoring/alerts", "{}"));
  EXPECT_EQ(post.status, 405) << post.body;
}

TEST_F(HttpMonitoringTest, MetricsCarryStalenessAndTheStaleCount) {
  http_->set_token(kReaderA);
  ASSERT_OK_AND_ASSIGN(HttpReply r, http_->Get("/metrics"));
  ASSERT_EQ(r.status, 200);
  std::map<std::string, double> samples;
  std::istringstream in(r.body);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  auto staleness = [](const std::string& feature) {
    return "asof_feature_staleness_seconds{entity=\"user\",feature=\"" + feature + "\"}";
  };
  ASSERT_TRUE(samples.count(staleness("old"))) << r.body;
  EXPECT_GE(samples[staleness("old")], static_cast<double>(before_us_ - kOldEvent) / 1e6);
  ASSERT_TRUE(samples.count(staleness("recent")));
  EXPECT_LT(samples[staleness("recent")], samples[staleness("old")]);
  EXPECT_FALSE(samples.count(staleness("never"))) << "never written: no lag to report";
  EXPECT_FALSE(samples.count(staleness("gone"))) << "deprecated";
  EXPECT_EQ(samples["asof_stale_features"], 2);
  EXPECT_NE(r.body.find("# TYPE asof_feature_staleness_seconds gauge"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE asof_stale_features gauge"), std::string::npos);
}

TEST_F(HttpMonitoringTest, NativeFreshnessMatchesHttp) {
  ClientOptions options = OptionsFor(*daemon_);
  options.token = kReaderA;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Connect(options));
  ASSERT_OK_AND_ASSIGN(wire::FreshnessResponseT r, client->Freshness(false));
  std::vector<std::string> names;
  for (const auto& f : r.features) names.push_back(f->name);
  EXPECT_EQ(names, (std::vector<std::string>{"never", "old", "nosla", "recent"}));
  const wire::FreshnessEntryT& never = *r.features[0];
  EXPECT_TRUE(never.stale);
  EXPECT_FALSE(never.written);
  EXPECT_EQ(never.freshness_sla_us, 5LL * 60 * 1000000);
  const wire::FreshnessEntryT& old = *r.features[1];
  EXPECT_EQ(old.entity, "user");
  EXPECT_EQ(old.version, 1u);
  EXPECT_TRUE(old.written);
  EXPECT_TRUE(old.stale);
  EXPECT_EQ(old.last_event_ts, kOldEvent);
  EXPECT_GE(old.last_ingest_ts, before_us_);
  EXPECT_GE(old.lag_us, before_us_ - kOldEvent);
  EXPECT_EQ(old.values_last_hour, 2u);
  EXPECT_FALSE(r.features[2]->stale);

  ASSERT_OK_AND_ASSIGN(wire::FreshnessResponseT all, client->Freshness(true));
  EXPECT_EQ(all.features.size(), 5u);
}

}  // namespace
}  // namespace asof::testing
