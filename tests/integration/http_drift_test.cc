// Drift through a real asofd (docs/api.md, "Drift"): a training set from
// /api/features/historical is recorded as a baseline (dataset_id), shifted values are then
// served through /api/features/online, and GET /api/monitoring/drift, /alerts and
// /metrics show the shifted features drifting and the unshifted one not; the baselines
// routes (list, get, from a window of served values, delete) and bad parameters.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/integration/test_tokens.h"
#include "tests/util/http_client.h"
#include "tests/util/test_util.h"

namespace asof::testing {
namespace {

namespace json = boost::json;

constexpr int kUsers = 200;
constexpr int kServeRounds = 5;  // each user served this often: 1000 values per feature
constexpr const char* kDriftToml = R"(
[drift]
sample_rate = 1.0
min_samples = 100
)";

class HttpDriftTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = config_dir_.path() + "/asofd.toml";
    std::ofstream(path) << kTestTokensToml << kDriftToml;
    daemon_ = std::make_unique<Daemon>(ASOFD_PATH, TestDaemonFlags({"--config", path}));
    ASSERT_OK(daemon_->Start());
    http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->http_port(), kAdminX);
    Send("POST", "/api/entities", R"({"name":"user"})", 201);
    // amount (numeric) and country (categorical) will shift; steady will not.
    for (const char* f : {R"("amount","value_type":"DOUBLE")", R"("country","value_type":"STRING")",
                          R"("steady","value_type":"DOUBLE")"}) {
      Send("POST", "/api/features", std::string(R"({"entity":"user","name":)") + f + "}", 201);
    }
    training_ts_ = NowMicros() - 2LL * 3600 * 1000000;
    Ingest(training_ts_, /*shifted=*/false);
  }

  json::value Send(const std::string& method, const std::string& target, const std::string& body,
                   int status, const Headers& headers = {}) {
    Result<HttpReply> r = http_->Request(method, target, body, headers);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return nullptr;
    last_ = *r;
    EXPECT_EQ(r->status, status) << method << " " << target << ": " << r->body;
    if (r->Header("content-type").find("json") == std::string::npos) return nullptr;
    Result<json::value> parsed = r->Json();
    EXPECT_TRUE(parsed.ok()) << r->body;
    return parsed.ok() ? *parsed : json::value();
  }

  json::value Get(const std::string& target, int status = 200) {
    return Send("GET", target, "", status);
  }

  static std::string User(int i) { return "u" + std::to_string(i); }

  static std::string Record(int i, const std::string& feature, const std::string& value,
                            int64_t ts) {
    return R"({"entity":"user","entity_id":")" + User(i) + R"(","feature":")" + feature +
           R"(","value":)" + value + R"(,"event_timestamp":)" + std::to_string(ts) + "}";
  }

  // Training: amount 0..199, country DE/FR, steady 0..49. Shifted: amount 1000..1199,
  // country US/JP; steady is not rewritten, so it is served as trained.
  void Ingest(int64_t ts, bool shifted) {
    std::string body = "[";
    for (int i = 0; i < kUsers; ++i) {
      if (i > 0) body += ",";
      const int amount = shifted ? 1000 + i : i;
      const char* country = shifted ? (i % 2 ? "\"US\"" : "\"JP\"") : (i % 2 ? "\"DE\"" : "\"FR\"");
      body += Record(i, "amount", std::to_string(amount) + ".5", ts) + "," +
              Record(i, "country", country, ts);
      if (!shifted) body += "," + Record(i, "steady", std::to_string(i % 50), ts);
    }
    Send("POST", "/api/ingest", body + "]", 201);
  }

  // The training set at now over every user; `extra` are more body members.
  json::value TrainingSet(const std::string& extra = "", int status = 200,
                          const Headers& headers = {}) {
    const int64_t ts = NowMicros();
    std::string rows;
    for (int i = 0; i < kUsers; ++i) {
      if (i > 0) rows += ",";
      rows += R"({"entity_id":")" + User(i) + R"(","timestamp":)" + std::to_string(ts) + "}";
    }
    return Send("POST", "/api/features/historical",
                R"({"entity":"user","features":["amount","country","steady"],)"
                R"("entity_ids_with_timestamps":[)" +
                    rows + "]" + extra + "}",
                status, headers);
  }

  void ServeShifted() {
    Ingest(NowMicros() - 60LL * 1000000, /*shifted=*/true);
    std::string ids;
    for (int i = 0; i < kUsers; ++i) ids += (i > 0 ? ",\"" : "\"") + User(i) + "\"";
    const std::string body = R"({"entity":"user","features":["amount","country","steady"],)"
                             R"("entity_ids":[)" +
                             ids + "]}";
    for (int round = 0; round < kServeRounds; ++round) {
      json::value r = Send("POST", "/api/features/online", body, 200);
      ASSERT_EQ(r.at("results").as_array()[0].at("features").at("amount").at("value").as_double(),
                1000.5);
    }
  }

  static std::map<std::string, json::object> ByFeature(const json::value& drift) {
    std::map<std::string, json::object> out;
    for (const json::value& f : drift.at("features").as_array()) {
      out[std::string(f.at("feature").as_string())] = f.as_object();
    }
    return out;
  }

  void ExpectError(const std::string& method, const std::string& target, const std::string& body,
                   int status, const std::string& message) {
    json::value r = Send(method, target, body, status);
    if (r.is_null()) return;
    const std::string text(r.at("error").at("message").as_string());
    EXPECT_NE(text.find(message), std::string::npos)
        << method << " " << target << ": " << text << "\nwanted: " << message;
  }

  TempDir config_dir_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<HttpClient> http_;
  HttpReply last_;
  int64_t training_ts_ = 0;
};

TEST_F(HttpDriftTest, ShiftedFeaturesDriftFromTheTrainingSetAndAlert) {
  json::value training = TrainingSet(R"(,"dataset_id":"train-v1")");
  EXPECT_EQ(training.at("dataset_id").as_string(), "train-v1");
  EXPECT_EQ(training.at("rows").as_array().size(), static_cast<size_t>(kUsers));
  EXPECT_EQ(last_.Header("x-asof-dataset-id"), "train-v1");
  ServeShifted();

  json::value drift = Get("/api/monitoring/drift");
  EXPECT_EQ(drift.at("window").as_string(), "1h");
  EXPECT_EQ(drift.at("thresholds").at("ks").as_double(), 0.1);
  EXPECT_EQ(drift.at("thresholds").at("psi").as_double(), 0.2);
  EXPECT_EQ(drift.at("thresholds").at("min_samples").to_number<int64_t>(), 100);
  EXPECT_EQ(drift.at("count").to_number<int64_t>(), 3);
  EXPECT_EQ(drift.at("drifting_count").to_number<int64_t>(), 2);
  std::map<std::string, json::object> f = ByFeature(drift);
  ASSERT_EQ(f.size(), 3u) << drift;

  const json::object& amount = f["amount"];
  EXPECT_TRUE(amount.at("drifting").as_bool()) << amount;
  EXPECT_EQ(amount.at("baseline").as_string(), "train-v1");
  EXPECT_EQ(amount.at("entity").as_string(), "user");
  EXPECT_EQ(amount.at("ref").as_string(), "amount@1");
  EXPECT_FALSE(amount.at("categorical").as_bool());
  EXPECT_EQ(amount.at("baseline_count").to_number<int64_t>(), kUsers);
  EXPECT_EQ(amount.at("baseline_missing").to_number<int64_t>(), 0);
  EXPECT_EQ(amount.at("served_count").to_number<int64_t>(), kUsers * kServeRounds);
  EXPECT_EQ(amount.at("served_missing").to_number<int64_t>(), 0);
  EXPECT_GT(amount.at("ks").as_double(), 0.9) << "disjoint ranges";
  EXPECT_TRUE(amount.at("ks_error_bound").is_double());
  EXPECT_GT(amount.at("psi").as_double(), 0.2);
  EXPECT_TRUE(amount.at("chi_square").is_null()) << "numeric";
  EXPECT_TRUE(amount.at("note").is_null());
  const std::string from(amount.at("window_from").as_string());
  const std::string to(amount.at("window_to").as_string());
  EXPECT_EQ(from.back(), 'Z') << from;
  EXPECT_LT(from, to) << "RFC 3339 in UTC sorts as time does";

  const json::object& country = f["country"];
  EXPECT_TRUE(country.at("drifting").as_bool()) << country;
  EXPECT_TRUE(country.at("categorical").as_bool());
  EXPECT_TRUE(country.at("ks").is_null()) << "categorical";
  EXPECT_GT(country.at("psi").as_double(), 0.2);
  EXPECT_GT(country.at("chi_square").as_double(), 0.0);
  EXPECT_LT(country.at("chi_square_p_value").as_double(), 0.01);

  const json::object& steady = f["steady"];
  EXPECT_FALSE(steady.at("drifting").as_bool()) << steady;
  EXPECT_LT(steady.at("ks").as_double(), 0.1);
  EXPECT_LT(steady.at("psi").as_double(), 0.2);
  EXPECT_EQ(steady.at("served_count").to_number<int64_t>(), kUsers * kServeRounds);

  // One feature, one baseline, a window of our own.
  json::value one = Get("/api/monitoring/drift?feature=amount&baseline=train-v1&window=30m");
  EXPECT_EQ(one.at("window").as_string(), "30m");
  ASSERT_EQ(one.at("features").as_array().size(), 1u) << one;
  EXPECT_EQ(one.at("features").as_array()[0].at("feature").as_string(), "amount");
  EXPECT_TRUE(one.at("features").as_array()[0].at("drifting").as_bool());

  // Alerts: the two drifting features, kind drift; steady has none.
  json::value alerts = Get("/api/monitoring/alerts");
  std::set<std::string> drifting;
  for (const json::value& a : alerts.at("alerts").as_array()) {
    if (a.at("kind").as_string() != "drift") continue;
    drifting.insert(std::string(a.at("feature").as_string()));
    EXPECT_EQ(a.at("baseline").as_string(), "train-v1");
    EXPECT_NE(a.at("message").as_string().find("train-v1"), std::string::npos);
  }
  EXPECT_EQ(drifting, (std::set<std::string>{"amount", "country"})) << alerts;

  // Metrics: the drifting count and KS per numeric feature.
  http_->set_token(kReaderA);
  ASSERT_OK_AND_ASSIGN(HttpReply metrics, http_->Get("/metrics"));
  std::map<std::string, double> samples;
  std::istringstream in(metrics.body);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  EXPECT_EQ(samples["asof_drifting_features"], 2) << metrics.body;
  const std::string ks = "asof_feature_drift_ks{entity=\"user\",feature=\"amount\",version=\"1\"}";
  ASSERT_TRUE(samples.count(ks)) << metrics.body;
  EXPECT_GT(samples[ks], 0.9);
  EXPECT_LT((samples["asof_feature_drift_ks{entity=\"user\",feature=\"steady\",version=\"1\"}"]),
            0.1);
}

TEST_F(HttpDriftTest, BaselinesAreListedReadRecordedFromAWindowAndDeleted) {
  // A generated id, announced in a header when the answer is CSV.
  TrainingSet("", 200, {{"Accept", "text/csv"}});
  const std::string id = last_.Header("x-asof-dataset-id");
  EXPECT_EQ(id.rfind("ds-", 0), 0u) << id;

  json::value list = Get("/api/monitoring/baselines");
  ASSERT_EQ(list.at("count").to_number<int64_t>(), 1) << list;
  const json::value& b = list.at("baselines").as_array()[0];
  EXPECT_EQ(b.at("id").as_string(), id);
  EXPECT_EQ(b.at("origin").as_string(), "historical");
  EXPECT_EQ(b.at("rows").to_number<int64_t>(), kUsers);
  EXPECT_EQ(b.at("features").as_array().size(), 3u);
  EXPECT_EQ(b.at("features").as_array()[0].at("entity").as_string(), "user");
  EXPECT_TRUE(b.at("created_at").is_string());
  json::value one = Get("/api/monitoring/baselines/" + id);
  EXPECT_EQ(one, b);
  Get("/api/monitoring/baselines/nosuch", 404);

  // Reusing an id adds to it.
  TrainingSet(R"(,"dataset_id":")" + id + "\"");
  EXPECT_EQ(Get("/api/monitoring/baselines/" + id).at("rows").to_number<int64_t>(), 2 * kUsers);

  ServeShifted();
  const int64_t now = NowMicros();
  const std::string window = R"({"id":"served-now","from":)" +
                             std::to_string(now - 600LL * 1000000) + R"(,"to":)" +
                             std::to_string(now) + "}";
  http_->set_token(kReaderA);
  Send("POST", "/api/monitoring/baselines", window, 403);
  http_->set_token(kWriterA);
  json::value created = Send("POST", "/api/monitoring/baselines", window, 201);
  EXPECT_EQ(created.at("id").as_string(), "served-now");
  EXPECT_EQ(created.at("origin").as_string(), "window");
  EXPECT_EQ(created.at("features").as_array().size(), 3u);
  ExpectError("POST", "/api/monitoring/baselines", window, 409, "already exists");

  list = Get("/api/monitoring/baselines");
  ASSERT_EQ(list.at("count").to_number<int64_t>(), 2);
  EXPECT_EQ(list.at("baselines").as_array()[0].at("id").as_string(), "served-now")
      << "newest first";

  // Against the newest baseline, the served values themselves: nothing drifts. Against
  // the training set, amount does.
  json::value drift = Get("/api/monitoring/drift");
  EXPECT_EQ(drift.at("drifting_count").to_number<int64_t>(), 0) << drift;
  for (const auto& [name, f] : ByFeature(drift))
    EXPECT_EQ(f.at("baseline").as_string(), "served-now");
  EXPECT_TRUE(
      ByFeature(Get("/api/monitoring/drift?baseline=" + id))["amount"].at("drifting").as_bool());

  // No served value in the range; a bad window; bad bodies.
  ExpectError("POST", "/api/monitoring/baselines",
              R"({"id":"empty","from":"2001-01-01T00:00:00Z","to":"2001-01-02T00:00:00Z"})", 422,
              "no served values");
  ExpectError("POST", "/api/monitoring/baselines",
              R"({"id":"back","from":"2001-01-02T00:00:00Z","to":"2001-01-01T00:00:00Z"})", 422,
              "from is after to");
  ExpectError("POST", "/api/monitoring/baselines", R"({"id":"x","from":0,"to":1,"by":"me"})", 400,
              "unknown member 'by'");
  ExpectError("POST", "/api/monitoring/baselines", R"({"id":"x","from":0})", 400,
              "missing member 'to'");
  ExpectError("POST", "/api/monitoring/baselines", R"({"id":7,"from":0,"to":1})", 400,
              "id: expected a string");
  ExpectError("POST", "/api/monitoring/baselines", R"({"id":"a b","from":0,"to":1})", 400,
              "baseline id may only contain");
  ExpectError("POST", "/api/monitoring/baselines", "[1]", 400, "JSON object");
  ExpectError("POST", "/api/monitoring/baselines", "{\"id\":", 400, "malformed JSON");

  http_->set_token(kReaderA);
  Send("DELETE", "/api/monitoring/baselines/served-now", "", 403);
  http_->set_token(kWriterA);
  json::value deleted = Send("DELETE", "/api/monitoring/baselines/served-now", "", 200);
  EXPECT_TRUE(deleted.at("deleted").as_bool());
  Get("/api/monitoring/baselines/served-now", 404);
  Send("DELETE", "/api/monitoring/baselines/served-now", "", 404);
  EXPECT_EQ(Get("/api/monitoring/baselines").at("count").to_number<int64_t>(), 1);
}

TEST_F(HttpDriftTest, HistoricalRecordsNoBaselineWhenAskedNotTo) {
  json::value training = TrainingSet(R"(,"record_baseline":false)");
  EXPECT_FALSE(training.as_object().contains("dataset_id"));
  EXPECT_EQ(last_.Header("x-asof-dataset-id"), "");
  EXPECT_EQ(Get("/api/monitoring/baselines").at("count").to_number<int64_t>(), 0);

  // A generated id in the JSON body too.
  json::value generated = TrainingSet();
  EXPECT_EQ(std::string(generated.at("dataset_id").as_string()).rfind("ds-", 0), 0u);

  ExpectError("POST", "/api/features/historical",
              R"({"entity":"user","features":["amount"],"dataset_id":"no spaces",)"
              R"("entity_ids_with_timestamps":[{"entity_id":"u1","timestamp":1}]})",
              400, "dataset_id");
  ExpectError("POST", "/api/features/historical",
              R"({"entity":"user","features":["amount"],"dataset_id":"x",)"
              R"("record_baseline":false,)"
              R"("entity_ids_with_timestamps":[{"entity_id":"u1","timestamp":1}]})",
              400, "record_baseline is false");
  ExpectError("POST", "/api/features/historical",
              R"({"entity":"user","features":["amount"],"record_baseline":"no",)"
              R"("entity_ids_with_timestamps":[{"entity_id":"u1","timestamp":1}]})",
              400, "record_baseline: expected a boolean");
  EXPECT_EQ(Get("/api/monitoring/baselines").at("count").to_number<int64_t>(), 1);
}

TEST_F(HttpDriftTest, BadDriftParametersAreRefused) {
  TrainingSet(R"(,"dataset_id":"train-v1")");
  ExpectError("GET", "/api/monitoring/drift?features=amount", "", 400,
              "unknown query parameter 'features'");
  ExpectError("GET", "/api/monitoring/drift?window=soon", "", 400, "query parameter 'window'");
  ExpectError("GET", "/api/monitoring/drift?window=0s", "", 400, "longer than 0s");
  ExpectError("GET", "/api/monitoring/drift?window=10", "", 400, "missing unit");
  ExpectError("GET", "/api/monitoring/drift?feature=", "", 400, "'feature' is empty");
  ExpectError("GET", "/api/monitoring/drift?feature=nosuch", "", 404, "nosuch");
  ExpectError("GET", "/api/monitoring/drift?feature=nosuch&entity=user", "", 404, "nosuch");
  ExpectError("GET", "/api/monitoring/drift?baseline=nosuch", "", 404, "nosuch");
  ExpectError("GET", "/api/monitoring/baselines?all=1", "", 400, "unknown query parameter 'all'");

  // Before anything is served: evaluated, not drifting, with a note why.
  json::value drift = Get("/api/monitoring/drift?baseline=train-v1");
  for (const auto& [name, f] : ByFeature(drift)) {
    EXPECT_FALSE(f.at("drifting").as_bool()) << name;
    EXPECT_EQ(f.at("served_count").to_number<int64_t>(), 0);
    EXPECT_TRUE(f.at("note").is_string()) << f;
  }

  http_->set_token("");
  Send("GET", "/api/monitoring/drift", "", 401);
  http_->set_token(kReaderA);
  Send("PUT", "/api/monitoring/baselines/train-v1", "{}", 405);
}

}  // namespace
}  // namespace asof::testing
