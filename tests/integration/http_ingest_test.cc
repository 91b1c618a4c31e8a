// POST /api/ingest and GET /api/dlq through a real asofd: every status each endpoint can
// answer, mixed batches (accepted, duplicate, and rejected for every reason, each rejected
// record then found in the dead-letter store with its reason), paging through the store,
// JSON Lines, values of every type written over HTTP and read back over the native
// protocol and the other way round, and acknowledged ingests surviving kill -9.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/http_table.h"
#include "tests/integration/integration_util.h"
#include "tests/util/http_client.h"
#include "tests/util/test_util.h"
#include "wire/client.h"

namespace asof::testing {
namespace {

namespace json = boost::json;

// Secrets and their SHA-256 (`echo -n SECRET | asofd hash-token`).
constexpr char kReader[] = "reader-secret";
constexpr char kWriter[] = "writer-secret";
constexpr char kAdmin[] = "admin-secret";
constexpr uint32_t kMaxRecords = 50;
constexpr uint32_t kMaxBody = 65536;

std::string WriteConfig(const std::string& dir) {
  const std::string path = dir + "/asofd.toml";
  std::ofstream out(path);
  out << "[http]\nmax_body_bytes = " << kMaxBody << "\n"
      << "[limits]\nmax_records_per_write = " << kMaxRecords << "\n";
  const char* tokens[][3] = {
      {"reader", "f03319dee240faa729e0cfa7ab5ffd80a1d64a127e3643f239009abff6382914", "reader"},
      {"writer", "ef80202ea99d7c668a9677d9242456057ac10488311cb8757674490e194a56e1", "writer"},
      {"admin", "16175223c8ddce5ace0493c948569c211b03c4c6bb3d3e484434999448cffe01", "admin"}};
  for (const auto& t : tokens) {
    out << "[[auth.tokens]]\nname = \"" << t[0] << "\"\nsha256 = \"" << t[1] << "\"\nrole = \""
        << t[2] << "\"\nteam = \"growth\"\n";
  }
  return path;
}

// Features of every type on entity "user": f_bool, f_int32, ... (lower-case type names).
const std::vector<std::pair<std::string, uint8_t>>& TypedFeatures() {
  static const std::vector<std::pair<std::string, uint8_t>> features = {
      {"f_bool", 1},   {"f_int32", 2},    {"f_int64", 3},  {"f_float", 4},
      {"f_double", 5}, {"f_string", 6},   {"f_bytes", 7},  {"f_timestamp", 8},
      {"f_floats", 9}, {"f_doubles", 10}, {"f_longs", 11}, {"f_strings", 12}};
  return features;
}

std::string Rec(std::string_view id, std::string_view feature, std::string_view value,
                std::string_view ts = "\"2026-01-01T00:00:00Z\"", std::string_view extra = "") {
  return R"({"entity":"user","entity_id":")" + std::string(id) + R"(","feature":")" +
         std::string(feature) + R"(","value":)" + std::string(value) + R"(,"event_timestamp":)" +
         std::string(ts) + std::string(extra) + "}";
}

std::string Array(const std::vector<std::string>& records) {
  std::string out = "[";
  for (size_t i = 0; i < records.size(); ++i) out += (i ? "," : "") + records[i];
  return out + "]";
}

class HttpIngestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    conf_ = new TempDir();
    daemon_ = new Daemon(ASOFD_PATH, TestDaemonFlags({"--config", WriteConfig(conf_->path())}));
    start_status_ = new Status(StartAndRegister(*daemon_));
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

  static std::unique_ptr<Client> Native(const Daemon& daemon) {
    ClientOptions options = OptionsFor(daemon);
    options.token = kAdmin;
    auto client = Client::Connect(options);
    return client.ok() ? std::move(*client) : nullptr;
  }

  static Status StartAndRegister(Daemon& daemon) {
    RETURN_IF_ERROR(daemon.Start());
    auto client = Native(daemon);
    if (client == nullptr) return Internal("cannot connect:\n" + daemon.log());
    RETURN_IF_ERROR(client->RegisterEntityType("user", "").status());
    for (const auto& [name, type] : TypedFeatures()) {
      wire::FeatureSpecT spec = Spec("user", name, type);
      spec.owner = "growth";
      RETURN_IF_ERROR(client->RegisterFeature(spec).status());
    }
    wire::FeatureSpecT old = Spec("user", "f_old", vt::kInt64);
    old.owner = "growth";
    RETURN_IF_ERROR(client->RegisterFeature(old).status());
    return client->DeprecateFeature("user", "f_old");
  }

  void SetUp() override {
    ASSERT_OK(*start_status_);
    http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->http_port(), kWriter);
    client_ = Native(*daemon_);
    ASSERT_NE(client_, nullptr);
  }

  // POST /api/ingest expecting 201; the answer's JSON.
  json::object Ingest(const std::string& body, const Headers& headers = {}) {
    auto reply = http_->Post("/api/ingest", body, headers);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) return {};
    EXPECT_EQ(reply->status, 201) << reply->body;
    auto parsed = reply->Json();
    EXPECT_TRUE(parsed.ok() && parsed->is_object()) << reply->body;
    return parsed.ok() && parsed->is_object() ? parsed->as_object() : json::object{};
  }

  // Every dead letter, by paging with `limit`; checks `next` along the way.
  std::vector<json::object> DeadLetters(int limit = 1000) {
    std::vector<json::object> out;
    std::string after;
    for (int pages = 0; pages < 10000; ++pages) {
      std::string target = "/api/dlq?limit=" + std::to_string(limit);
      if (!after.empty()) target += "&after=" + after;
      auto reply = http_->Get(target);
      EXPECT_TRUE(reply.ok() && reply->status == 200) << (reply.ok() ? reply->body : "");
      if (!reply.ok() || reply->status != 200) break;
      json::object page = json::parse(reply->body).as_object();
      const json::array& letters = page.at("dead_letters").as_array();
      EXPECT_LE(letters.size(), static_cast<size_t>(limit));
      for (const json::value& l : letters) out.push_back(l.as_object());
      if (page.at("next").is_null()) break;
      EXPECT_EQ(page.at("next"), letters.back().at("id")) << "next is the page's last id";
      after = std::string(page.at("next").as_string());
    }
    return out;
  }

  // The dead letters whose record has `entity_id` (or whose JSON text mentions it).
  std::vector<json::object> LettersFor(const std::string& entity_id) {
    std::vector<json::object> out;
    for (json::object& l : DeadLetters()) {
      const json::object& r = l.at("record").as_object();
      const json::value& v = r.at("value");
      if (r.at("entity_id") == entity_id.c_str() ||
          (v.is_string() && v.as_string().find("\"" + entity_id + "\"") != json::string::npos)) {
        out.push_back(std::move(l));
      }
    }
    return out;
  }

  wire::FeatureValueT OnlineValue(const std::string& id, const std::string& feature) {
    auto r = client_->OnlineRead("user", {id}, {feature});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->values.size() != 1) return {};
    return *r->values[0];
  }

  static TempDir* conf_;
  static Daemon* daemon_;
  static Status* start_status_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<Client> client_;
};

TempDir* HttpIngestTest::conf_ = nullptr;
Daemon* HttpIngestTest::daemon_ = nullptr;
Status* HttpIngestTest::start_status_ = nullptr;

void ExpectCounts(const HttpReply& r, int accepted, int duplicates, int rejected) {
  json::value body = json::parse(r.body);
  EXPECT_EQ(body.at("accepted"), accepted) << r.body;
  EXPECT_EQ(body.at("duplicates"), duplicates) << r.body;
  EXPECT_EQ(body.at("rejected"), rejected) << r.body;
  EXPECT_EQ(body.at("problems").as_array().size(), static_cast<size_t>(duplicates + rejected));
}

// A case with every member given (the table reads better without designators).
HttpCase C(std::string name, std::string method, std::string target, std::string body, int status,
           std::string error_code, std::string token, Headers headers = {},
           std::function<void(const HttpReply&)> check = nullptr) {
  return HttpCase{std::move(name), std::move(method),     std::move(target), std::move(body),
                  status,          std::move(error_code), std::move(token),  std::move(headers),
                  std::move(check)};
}

TEST_F(HttpIngestTest, EveryStatusOfEachEndpoint) {
  const std::string one = Array({Rec("t1", "f_int64", "1")});
  std::vector<std::string> many(kMaxRecords + 1, Rec("t2", "f_int64", "2"));
  const std::string big = "[" + std::string(kMaxBody, ' ') + "]";
  auto counts = [](int a, int d, int r) {
    return [=](const HttpReply& reply) { ExpectCounts(reply, a, d, r); };
  };
  auto empty_page = [](const HttpReply& reply) {
    json::value body = json::parse(reply.body);
    EXPECT_TRUE(body.at("dead_letters").as_array().empty()) << reply.body;
    EXPECT_TRUE(body.at("next").is_null()) << reply.body;
  };
  const Headers ndjson = {{"Content-Type", "application/x-ndjson"}};
  RunHttpCases(
      *http_,
      {
          C("empty array", "POST", "/api/ingest", "[]", 201, "", kWriter, {}, counts(0, 0, 0)),
          C("one record", "POST", "/api/ingest", one, 201, "", kWriter, {}, counts(1, 0, 0)),
          C("admin may ingest", "POST", "/api/ingest", one, 201, "", kAdmin, {}, counts(1, 0, 0)),
          C("json lines", "POST", "/api/ingest", Rec("t3", "f_int64", "3") + "\n", 201, "", kWriter,
            ndjson, counts(1, 0, 0)),
          C("all rejected", "POST", "/api/ingest", "[1, 2]", 201, "", kWriter, {}, counts(0, 0, 2)),
          C("bad json", "POST", "/api/ingest", "[{", 400, "INVALID_ARGUMENT", kWriter),
          C("empty body", "POST", "/api/ingest", "", 400, "INVALID_ARGUMENT", kWriter),
          C("bad json line", "POST", "/api/ingest", Rec("t4", "f_int64", "4") + "\n{\n", 400,
            "INVALID_ARGUMENT", kWriter, ndjson),
          C("too many records", "POST", "/api/ingest", Array(many), 413, "PAYLOAD_TOO_LARGE",
            kWriter),
          C("body too large", "POST", "/api/ingest", big, 413, "PAYLOAD_TOO_LARGE", kWriter),
          C("no token", "POST", "/api/ingest", one, 401, "UNAUTHENTICATED", ""),
          C("wrong token", "POST", "/api/ingest", one, 401, "UNAUTHENTICATED", "nope"),
          C("reader may not ingest", "POST", "/api/ingest", one, 403, "PERMISSION_DENIED", kReader),
          C("GET ingest", "GET", "/api/ingest", "", 405, "", kWriter),
          C("PUT ingest", "PUT", "/api/ingest", one, 405, "", kWriter),
          C("dlq", "GET", "/api/dlq", "", 200, "", kWriter),
          C("dlq admin", "GET", "/api/dlq?limit=1000", "", 200, "", kAdmin),
          C("dlq limit 1", "GET", "/api/dlq?limit=1", "", 200, "", kWriter),
          C("dlq after the end", "GET", "/api/dlq?after=253402300799999999-1", "", 200, "", kWriter,
            {}, empty_page),
          C("dlq limit 0", "GET", "/api/dlq?limit=0", "", 400, "INVALID_ARGUMENT", kWriter),
          C("dlq limit 1001", "GET", "/api/dlq?limit=1001", "", 400, "INVALID_ARGUMENT", kWriter),
          C("dlq limit word", "GET", "/api/dlq?limit=ten", "", 400, "INVALID_ARGUMENT", kWriter),
          C("dlq limit negative", "GET", "/api/dlq?limit=-1", "", 400, "INVALID_ARGUMENT", kWriter),
          C("dlq limit fraction", "GET", "/api/dlq?limit=1.5", "", 400, "INVALID_ARGUMENT",
            kWriter),
          C("dlq after word", "GET", "/api/dlq?after=x", "", 400, "INVALID_ARGUMENT", kWriter),
          C("dlq after no seq", "GET", "/api/dlq?after=12-", "", 400, "INVALID_ARGUMENT", kWriter),
          C("dlq after three parts", "GET", "/api/dlq?after=1-2-3", "", 400, "INVALID_ARGUMENT",
            kWriter),
          C("dlq after negative", "GET", "/api/dlq?after=-1-2", "", 400, "INVALID_ARGUMENT",
            kWriter),
          C("dlq unknown parameter", "GET", "/api/dlq?limt=5", "", 400, "INVALID_ARGUMENT",
            kWriter),
          C("dlq no token", "GET", "/api/dlq", "", 401, "UNAUTHENTICATED", ""),
          C("dlq reader", "GET", "/api/dlq", "", 403, "PERMISSION_DENIED", kReader),
          C("POST dlq", "POST", "/api/dlq", "{}", 405, "", kWriter),
      });
  EXPECT_EQ(OnlineValue("t2", "f_int64").status, vs::kNotFound) << "a 413 batch was applied";
  EXPECT_EQ(OnlineValue("t4", "f_int64").status, vs::kNotFound) << "a 400 batch was applied";
}

// One record per way to be rejected, between accepted and duplicate ones.
TEST_F(HttpIngestTest, MixedBatchCountsIndicesReasonsAndDeadLetters) {
  ASSERT_EQ(Ingest(Array({Rec("mx_prev", "f_int64", "1", "\"2026-01-01T00:00:00Z\"",
                              R"(,"event_id":"mx-ev-prev")")}))
                .at("accepted"),
            1);
  const std::string ts = "\"2026-01-01T00:00:00Z\"";
  struct Case {
    std::string record;
    std::string outcome;  // accepted, duplicate, rejected
    std::string mention;  // in the reason
  };
  const std::vector<Case> cases = {
      {Rec("mx_a", "f_int64", "7", ts, R"(,"event_id":"mx-ev-1")"), "accepted", ""},
      {Rec("mx_b", "f_int64", "8", ts, R"(,"event_id":"mx-ev-1")"), "duplicate", ""},
      {Rec("mx_c", "f_int64", "9", ts, R"(,"event_id":"mx-ev-prev")"), "duplicate", ""},
      {Rec("mx_d", "no_such_feature", "1"), "rejected", "no_such_feature"},
      {Rec("mx_e", "f_int64", "\"seven\""), "rejected", "value"},
      {R"({"entity":"user","entity_id":"mx_f","feature":"f_int64","value":1})", "rejected",
       "event_timestamp"},
      {Rec("mx_g", "f_int64", "1", "\"last tuesday\""), "rejected", "event_timestamp"},
      {R"(["mx_h"])", "rejected", "object"},
      {Rec("mx_i", "f_int64", "1", ts, R"(,"colour":"red")"), "rejected", "colour"},
      {R"({"entity":"robot","entity_id":"mx_j","feature":"f_int64","value":1,)"
       R"("event_timestamp":"2026-01-01T00:00:00Z"})",
       "rejected", "robot"},
      {Rec("mx_k", "f_old", "1"), "rejected", "deprecated"},
      {Rec("mx_l", "f_int64", "1", "\"2300-01-01T00:00:00Z\""), "rejected", "future"},
      {Rec("", "f_int64", "1", ts, R"(,"event_id":"mx-ev-empty-id")"), "rejected", "entity_id"},
      {Rec("mx_m", "f_string", "\"ok\""), "accepted", ""},
  };
  std::vector<std::string> records;
  for (const Case& c : cases) records.push_back(c.record);
  json::object answer = Ingest(Array(records));
  ASSERT_FALSE(answer.empty());
  EXPECT_EQ(answer.at("accepted"), 2);
  EXPECT_EQ(answer.at("duplicates"), 2);
  EXPECT_EQ(answer.at("rejected"), static_cast<int64_t>(cases.size() - 4));

  const json::array& problems = answer.at("problems").as_array();
  std::map<int64_t, json::object> by_index;
  for (const json::value& p : problems) by_index[p.at("index").as_int64()] = p.as_object();
  EXPECT_EQ(by_index.size(), problems.size()) << "an index reported twice";
  std::vector<json::object> letters = DeadLetters();
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i) + ": " + cases[i].record);
    auto it = by_index.find(static_cast<int64_t>(i));
    if (cases[i].outcome == "accepted") {
      EXPECT_EQ(it, by_index.end());
      continue;
    }
    ASSERT_NE(it, by_index.end());
    const json::object& p = it->second;
    EXPECT_EQ(p.at("outcome"), cases[i].outcome.c_str());
    if (cases[i].outcome == "duplicate") continue;
    EXPECT_EQ(p.at("code"), "UNPROCESSABLE");
    const std::string reason(p.at("reason").as_string());
    EXPECT_NE(reason.find(cases[i].mention), std::string::npos) << reason;

    // In the dead-letter store with the same reason and the record as sent.
    int found = 0;
    const json::value sent = json::parse(cases[i].record);
    for (const json::object& l : letters) {
      if (l.at("reason").at("message") != reason.c_str()) continue;
      const json::object& r = l.at("record").as_object();
      const json::value& v = r.at("value");
      const bool as_text = v.is_string() && json::parse(v.as_string()) == sent;
      const bool as_record = sent.is_object() && r.at("entity_id") == sent.at("entity_id") &&
                             r.at("feature") == sent.at("feature");
      if (!as_text && !as_record) continue;
      ++found;
      EXPECT_EQ(l.at("reason").at("code"), "UNPROCESSABLE");
      EXPECT_TRUE(l.at("received_at").is_string());
      if (as_record && !as_text) {
        EXPECT_EQ(r.at("value"), sent.at("value"));
        EXPECT_EQ(r.at("event_timestamp"), sent.at("event_timestamp"));
      }
    }
    EXPECT_EQ(found, 1) << "dead letters for this record: " << found;
  }
  EXPECT_EQ(OnlineValue("mx_a", "f_int64").value->i, 7);
  EXPECT_EQ(OnlineValue("mx_b", "f_int64").status, vs::kNotFound);
  EXPECT_EQ(OnlineValue("mx_m", "f_string").value->s, "ok");
  // A rejected record does not claim its event_id.
  ASSERT_EQ(Ingest(Array({Rec("mx_n", "f_int64", "1", ts, R"(,"event_id":"mx-ev-empty-id")")}))
                .at("accepted"),
            1);
}

TEST_F(HttpIngestTest, JsonLinesIndicesCountRecordsNotBlankLines) {
  const std::string body = Rec("jl_a", "f_double", "1.5") + "\r\n\n" +
                           Rec("jl_b", "f_double", "\"x\"") + "\n" + Rec("jl_c", "f_double", "2") +
                           "\n\n";
  for (const Headers& h : {Headers{{"Content-Type", "application/jsonl"}}, Headers{}}) {
    json::object answer = Ingest(body, h);
    ASSERT_FALSE(answer.empty());
    EXPECT_EQ(answer.at("accepted"), 2);
    EXPECT_EQ(answer.at("rejected"), 1);
    ASSERT_EQ(answer.at("problems").as_array().size(), 1u);
    EXPECT_EQ(answer.at("problems").at(0).at("index"), 1);
  }
  EXPECT_EQ(OnlineValue("jl_c", "f_double").value->d, 2.0);
  EXPECT_EQ(LettersFor("jl_b").size(), 2u);
}

TEST_F(HttpIngestTest, PagingThroughTheDeadLettersSeesEachOnceInOrder) {
  std::vector<std::string> bad;
  for (int i = 0; i < 7; ++i) bad.push_back(Rec("pg_" + std::to_string(i), "nope", "1"));
  ASSERT_EQ(Ingest(Array(bad)).at("rejected"), 7);
  ASSERT_EQ(Ingest("[42]").at("rejected"), 1);

  std::vector<json::object> all = DeadLetters(1000);
  ASSERT_GE(all.size(), 8u);
  std::set<std::string> ids;
  for (const json::object& l : all) ids.insert(std::string(l.at("id").as_string()));
  EXPECT_EQ(ids.size(), all.size()) << "an id listed twice";
  for (int limit : {1, 3, 8}) {
    SCOPED_TRACE("limit " + std::to_string(limit));
    std::vector<json::object> paged = DeadLetters(limit);
    ASSERT_EQ(paged.size(), all.size());
    for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(paged[i], all[i]) << i;
  }
  // The last 8 are this test's, in request order.
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(all[all.size() - 8 + i].at("record").at("entity_id"),
              ("pg_" + std::to_string(i)).c_str());
  }
  EXPECT_EQ(all.back().at("record").at("value"), "42");
}

// ---- Values of every type across the two protocols ---------------------------------

struct TypedValue {
  std::string feature;
  std::string json;     // as sent over HTTP and expected back
  wire::ValueT native;  // as written and expected back over the native protocol
};

std::vector<TypedValue> EveryType() {
  std::vector<TypedValue> out;
  auto add = [&](std::string f, std::string j, uint8_t type, auto set) {
    wire::ValueT v;
    v.type = type;
    set(v);
    out.push_back({std::move(f), std::move(j), std::move(v)});
  };
  add("f_bool", "true", vt::kBool, [](wire::ValueT& v) { v.b = true; });
  add("f_int32", "-2147483648", vt::kInt32, [](wire::ValueT& v) { v.i = -2147483648LL; });
  add("f_int64", "9007199254740993", vt::kInt64, [](wire::ValueT& v) { v.i = 9007199254740993; });
  add("f_float", "1.5", vt::kFloat, [](wire::ValueT& v) { v.f = 1.5f; });
  add("f_double", "0.1", vt::kDouble, [](wire::ValueT& v) { v.d = 0.1; });
  add("f_string", "\"h\\u00e9llo \\u2713\"", vt::kString,
      [](wire::ValueT& v) { v.s = "h\xc3\xa9llo \xe2\x9c\x93"; });
  add("f_bytes", "\"AAECA/8=\"", vt::kBytes, [](wire::ValueT& v) { v.bytes = {0, 1, 2, 3, 255}; });
  add("f_timestamp", "\"2026-03-01T10:00:00.123456Z\"", vt::kTimestamp,
      [](wire::ValueT& v) { v.i = 1772359200123456; });
  add("f_floats", "[1.5,-2.25]", vt::kFloatList, [](wire::ValueT& v) {
    v.floats = {1.5f, -2.25f};
  });
  add("f_doubles", "[0.1,1E300]", 10, [](wire::ValueT& v) { v.doubles = {0.1, 1e300}; });
  add("f_longs", "[1,-2,9007199254740993]", 11, [](wire::ValueT& v) {
    v.longs = {1, -2, 9007199254740993};
  });
  add("f_strings", "[\"a\",\"\"]", 12, [](wire::ValueT& v) { v.strings = {"a", ""}; });
  return out;
}

void ExpectSameValue(const wire::ValueT& want, const wire::ValueT& got, const std::string& what) {
  EXPECT_EQ(got.type, want.type) << what;
  EXPECT_EQ(got.b, want.b) << what;
  EXPECT_EQ(got.i, want.i) << what;
  EXPECT_EQ(got.f, want.f) << what;
  EXPECT_EQ(got.d, want.d) << what;
  EXPECT_EQ(got.s, want.s) << what;
  EXPECT_EQ(got.bytes, want.bytes) << what;
  EXPECT_EQ(got.floats, want.floats) << what;
  EXPECT_EQ(got.doubles, want.doubles) << what;
  EXPECT_EQ(got.longs, want.longs) << what;
  EXPECT_EQ(got.strings, want.strings) << what;
}

TEST_F(HttpIngestTest, EveryTypeWrittenOverHttpReadsBackOverTheNativeProtocol) {
  std::vector<std::string> records;
  for (const TypedValue& t : EveryType()) records.push_back(Rec("rt_http", t.feature, t.json));
  records.push_back(Rec("rt_http_null", "f_double", "null"));
  json::object answer = Ingest(Array(records));
  ASSERT_EQ(answer.at("accepted"), static_cast<int64_t>(records.size())) << json::serialize(answer);
  for (const TypedValue& t : EveryType()) {
    wire::FeatureValueT got = OnlineValue("rt_http", t.feature);
    ASSERT_EQ(got.status, vs::kPresent) << t.feature;
    ASSERT_NE(got.value, nullptr) << t.feature;
    ExpectSameValue(t.native, *got.value, t.feature);
    EXPECT_EQ(got.event_ts, 1767225600000000) << t.feature;  // 2026-01-01T00:00:00Z
  }
  EXPECT_EQ(OnlineValue("rt_http_null", "f_double").status, vs::kNullValue);
}

// {"results": [{"entity_id": ..., "features": {name: {"value", "status", ...}}}]}
const json::value* FindOnlineValue(const json::value& body, std::string_view entity_id,
                                   std::string_view feature) {
  const json::value* results = body.is_object() ? body.as_object().if_contains("results") : nullptr;
  if (results == nullptr || !results->is_array()) return nullptr;
  for (const json::value& row : results->as_array()) {
    const json::value* id = row.is_object() ? row.as_object().if_contains("entity_id") : nullptr;
    if (id == nullptr || !id->is_string() || id->as_string() != entity_id) continue;
    const json::value* features = row.as_object().if_contains("features");
    if (features == nullptr || !features->is_object()) return nullptr;
    return features->as_object().if_contains(feature);
  }
  return nullptr;
}

TEST_F(HttpIngestTest, EveryTypeWrittenNativelyReadsBackOverHttp) {
  std::vector<wire::WriteRecordT> records;
  std::string features;
  for (const TypedValue& t : EveryType()) {
    records.push_back(Record("user", "rt_native", t.feature, t.native, 1767225600000000));
    features += (features.empty() ? "" : ",") + t.feature;
  }
  ASSERT_OK_AND_ASSIGN(auto written, client_->Write(records));
  ASSERT_EQ(written.accepted, records.size());
  http_->set_token(kReader);
  ASSERT_OK_AND_ASSIGN(
      HttpReply reply,
      http_->Get("/api/features/online?entity=user&entity_id=rt_native&features=" + features));
  ASSERT_EQ(reply.status, 200) << reply.body;
  ASSERT_OK_AND_ASSIGN(json::value body, reply.Json());
  for (const TypedValue& t : EveryType()) {
    const json::value* fv = FindOnlineValue(body, "rt_native", t.feature);
    ASSERT_NE(fv, nullptr) << t.feature << " not in " << reply.body;
    EXPECT_EQ(fv->at("status"), "PRESENT") << t.feature;
    EXPECT_EQ(fv->at("value"), json::parse(t.json)) << t.feature << ": " << json::serialize(*fv);
  }
}

// ---- Durability --------------------------------------------------------------------

TEST(HttpIngestDurabilityTest, AcknowledgedIngestsSurviveKill9) {
  TempDir conf;
  Daemon daemon(ASOFD_PATH, TestDaemonFlags({"--config", WriteConfig(conf.path())}));
  ASSERT_OK(daemon.Start());
  {
    ClientOptions options = OptionsFor(daemon);
    options.token = kAdmin;
    ASSERT_OK_AND_ASSIGN(auto client, Client::Connect(options));
    ASSERT_OK(client->RegisterEntityType("user", ""));
    ASSERT_OK(client->RegisterFeature(Spec("user", "f_int64", vt::kInt64)));
  }
  HttpClient http("127.0.0.1", daemon.http_port(), kWriter);
  constexpr int kBatches = 20;
  for (int b = 0; b < kBatches; ++b) {
    std::vector<std::string> records;
    for (int i = 0; i < 10; ++i) {
      records.push_back(
          Rec("k" + std::to_string(b * 10 + i), "f_int64", std::to_string(b * 10 + i)));
    }
    records.push_back(Rec("kbad" + std::to_string(b), "f_int64", "\"x\""));
    ASSERT_OK_AND_ASSIGN(HttpReply reply, http.Post("/api/ingest", Array(records)));
    ASSERT_EQ(reply.status, 201) << reply.body;
    ExpectCounts(reply, 10, 0, 1);
  }
  ASSERT_OK(daemon.Kill());
  ASSERT_OK(daemon.Start());

  ClientOptions options = OptionsFor(daemon);
  options.token = kReader;
  ASSERT_OK_AND_ASSIGN(auto client, Client::Connect(options));
  std::vector<std::string> ids;
  for (int i = 0; i < kBatches * 10; ++i) ids.push_back("k" + std::to_string(i));
  ASSERT_OK_AND_ASSIGN(auto read, client->OnlineRead("user", ids, {"f_int64"}));
  ASSERT_EQ(read.values.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(read.values[i]->status, vs::kPresent) << ids[i] << " lost by kill -9";
    EXPECT_EQ(read.values[i]->value->i, static_cast<int64_t>(i));
  }
  HttpClient after("127.0.0.1", daemon.http_port(), kWriter);
  ASSERT_OK_AND_ASSIGN(HttpReply dlq, after.Get("/api/dlq?limit=1000"));
  ASSERT_EQ(dlq.status, 200) << dlq.body;
  EXPECT_EQ(json::parse(dlq.body).at("dead_letters").as_array().size(),
            static_cast<size_t>(kBatches));
}

}  // namespace
}  // namespace asof::testing
