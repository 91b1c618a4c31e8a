// The registry endpoints of the HTTP API against a real asofd: every status each one can
// answer (docs/api.md, "Registry"), the error body shape, and team ownership of features.
// 429 and 503 come from HttpApi before any handler and are covered by http_auth_test.cc
// and http_connection_test.cc.
#include <algorithm>
#include <fstream>

#include "tests/integration/http_table.h"
#include "tests/integration/integration_util.h"
#include "tests/integration/test_tokens.h"

namespace asof::testing {
namespace {

namespace json = boost::json;

// A small body limit so that 413 is cheap to provoke.
const std::string kConfig = std::string("[http]\nmax_body_bytes = 2048\n") + kTestTokensToml;

constexpr const char* kReader = kReaderA;
constexpr const char* kAdmin = kAdminX;

// Every field spelled, so the tables below stay one line per case.
HttpCase Case(std::string name, std::string method, std::string target, std::string body,
              int status, std::string error_code = "", std::string token = "", Headers headers = {},
              std::function<void(const HttpReply&)> check = nullptr) {
  return HttpCase{.name = std::move(name),
                  .method = std::move(method),
                  .target = std::move(target),
                  .body = std::move(body),
                  .status = status,
                  .error_code = std::move(error_code),
                  .token = std::move(token),
                  .headers = std::move(headers),
                  .check = std::move(check)};
}

json::value BodyOf(const HttpReply& r) {
  Result<json::value> body = r.Json();
  EXPECT_TRUE(body.ok()) << body.status().ToString();
  return body.ok() ? *body : json::value();
}

// Checks of a 2xx reply's body.
std::function<void(const HttpReply&)> Outcome(std::string outcome, int64_t version,
                                              int64_t revision) {
  return [=](const HttpReply& r) {
    json::value b = BodyOf(r);
    EXPECT_EQ(b.at("outcome").as_string(), outcome) << r.body;
    EXPECT_EQ(b.at("feature").at("version").as_int64(), version) << r.body;
    EXPECT_EQ(b.at("feature").at("revision").as_int64(), revision) << r.body;
  };
}

std::function<void(const HttpReply&)> Owner(std::string owner) {
  return [=](const HttpReply& r) {
    EXPECT_EQ(BodyOf(r).at("feature").at("owner").as_string(), owner) << r.body;
  };
}

std::function<void(const HttpReply&)> FeatureNames(std::vector<std::string> names) {
  return [=](const HttpReply& r) {
    json::value b = BodyOf(r);
    std::vector<std::string> got;
    for (const json::value& f : b.at("features").as_array()) {
      got.emplace_back(f.at("name").as_string());
    }
    EXPECT_EQ(got, names) << r.body;
    EXPECT_EQ(b.at("count").as_int64(), static_cast<int64_t>(names.size()));
  };
}

std::function<void(const HttpReply&)> MessageHas(std::string text) {
  return [=](const HttpReply& r) {
    EXPECT_NE(r.body.find(text), std::string::npos) << "no '" << text << "' in " << r.body;
  };
}

std::string Feature(std::string_view name, std::string_view entity, std::string_view type,
                    std::string_view extra = "") {
  return R"({"name":")" + std::string(name) + R"(","entity":")" + std::string(entity) +
         R"(","value_type":")" + std::string(type) + "\"" + std::string(extra) + "}";
}

class HttpRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path = config_dir_.path() + "/asofd.toml";
    std::ofstream(path) << kConfig;
    daemon_ = std::make_unique<Daemon>(ASOFD_PATH, TestDaemonFlags({"--config", path}));
    ASSERT_OK(daemon_->Start());
    http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->http_port());
    // user and item; "clicks" of team a, "spend" of team b, "shared" under both types.
    RunHttpCases(
        *http_,
        {
            Case("setup user", "POST", "/api/entities", R"({"name":"user"})", 201, "", kAdmin),
            Case("setup item", "POST", "/api/entities", R"({"name":"item"})", 201, "", kAdmin),
            Case("setup clicks", "POST", "/api/features",
                 Feature("clicks", "user", "INT64", R"(,"tags":["web"])"), 201, "", kWriterA),
            Case("setup spend", "POST", "/api/features",
                 Feature("spend", "user", "DOUBLE", R"(,"owner":"b")"), 201, "", kWriterB),
            Case("setup shared user", "POST", "/api/features",
                 Feature("shared", "user", "BOOL", R"(,"owner":"a")"), 201, "", kAdmin),
            Case("setup shared item", "POST", "/api/features",
                 Feature("shared", "item", "BOOL", R"(,"owner":"a")"), 201, "", kAdmin),
        });
  }
  TempDir config_dir_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<HttpClient> http_;
};

const std::string kHugeBody = R"({"name":"user","description":")" + std::string(4096, 'x') + "\"}";

TEST_F(HttpRegistryTest, Entities) {
  RunHttpCases(
      *http_,
      {
          Case("create", "POST", "/api/entities", R"({"name":"session","description":"a visit"})",
               201, "", kWriterA, {},
               [](const HttpReply& r) {
                 json::value e = BodyOf(r).at("entity");
                 EXPECT_EQ(e.at("name").as_string(), "session");
                 EXPECT_EQ(e.at("description").as_string(), "a visit");
                 EXPECT_TRUE(e.at("id").is_number());
                 EXPECT_TRUE(e.at("created_at").is_string());
               }),
          Case("existing", "POST", "/api/entities", R"({"name":"session"})", 200, "", kWriterB),
          Case("malformed JSON", "POST", "/api/entities", "{", 400, "INVALID_ARGUMENT", kWriterA),
          Case("empty body", "POST", "/api/entities", "", 400, "INVALID_ARGUMENT", kWriterA),
          Case("not an object", "POST", "/api/entities", "[]", 400, "INVALID_ARGUMENT", kWriterA),
          Case("missing name", "POST", "/api/entities", R"({"description":"x"})", 400,
               "INVALID_ARGUMENT", kWriterA),
          Case("name not a string", "POST", "/api/entities", R"({"name":5})", 400,
               "INVALID_ARGUMENT", kWriterA),
          Case("unknown member", "POST", "/api/entities", R"({"name":"x","key":"id"})", 400,
               "INVALID_ARGUMENT", kWriterA),
          Case("bad name", "POST", "/api/entities", R"({"name":"1bad"})", 422, "UNPROCESSABLE",
               kWriterA),
          Case("name with @", "POST", "/api/entities", R"({"name":"a@b"})", 422, "UNPROCESSABLE",
               kWriterA),
          Case("no token", "POST", "/api/entities", R"({"name":"x"})", 401, "UNAUTHENTICATED"),
          Case("wrong token", "POST", "/api/entities", R"({"name":"x"})", 401, "UNAUTHENTICATED",
               "nope"),
          Case("reader cannot create", "POST", "/api/entities", R"({"name":"x"})", 403,
               "PERMISSION_DENIED", kReader),
          Case("too large", "POST", "/api/entities", kHugeBody, 413, "PAYLOAD_TOO_LARGE", kWriterA),
          Case("wrong method", "PUT", "/api/entities", R"({"name":"x"})", 405, "METHOD_NOT_ALLOWED",
               kWriterA),
          Case("list", "GET", "/api/entities", "", 200, "", kReader, {},
               [](const HttpReply& r) {
                 std::vector<std::string> names;
                 for (const json::value& e : BodyOf(r).at("entities").as_array()) {
                   names.emplace_back(e.at("name").as_string());
                 }
                 std::sort(names.begin(), names.end());
                 EXPECT_EQ(names, (std::vector<std::string>{"item", "session", "user"}));
               }),
          Case("list without token", "GET", "/api/entities", "", 401, "UNAUTHENTICATED"),
          Case("list wrong method", "DELETE", "/api/entities", "", 405, "METHOD_NOT_ALLOWED",
               kAdmin),
      });
}

TEST_F(HttpRegistryTest, RegisterFeature) {
  const std::string views = Feature("views", "user", "INT64", R"(,"ttl":"30d")");
  RunHttpCases(
      *http_,
      {
          Case("created, owner defaults to the writer's team", "POST", "/api/features", views, 201,
               "", kWriterA, {},
               [](const HttpReply& r) {
                 Outcome("created", 1, 1)(r);
                 Owner("a")(r);
                 json::value f = BodyOf(r).at("feature");
                 EXPECT_EQ(f.at("ttl").as_string(), "30d");
                 EXPECT_EQ(f.at("ref").as_string(), "views@1");
                 EXPECT_EQ(f.at("value_type").as_string(), "INT64");
                 EXPECT_TRUE(f.at("freshness_sla").is_null());
               }),
          Case("identical", "POST", "/api/features", views, 200, "", kWriterA, {},
               Outcome("unchanged", 1, 1)),
          Case("metadata change", "POST", "/api/features",
               Feature("views", "user", "INT64", R"(,"ttl":"30d","description":"page views")"), 200,
               "", kWriterA, {}, Outcome("updated", 1, 2)),
          Case("schema change", "POST", "/api/features", Feature("views", "user", "DOUBLE"), 409,
               "CONFLICT", kWriterA),
          Case("schema change as a new version", "POST", "/api/features",
               Feature("views", "user", "FLOAT", R"(,"new_version":true)"), 201, "", kWriterA, {},
               Outcome("new_version", 2, 1)),
          // Team ownership: the current owner decides, whatever the body says.
          Case("other team's feature", "POST", "/api/features",
               Feature("views", "user", "FLOAT", R"(,"owner":"b","description":"mine")"), 403,
               "PERMISSION_DENIED", kWriterB),
          Case("other team's feature without owner", "POST", "/api/features",
               Feature("clicks", "user", "INT64"), 403, "PERMISSION_DENIED", kWriterB),
          Case("new feature for another team", "POST", "/api/features",
               Feature("likes", "user", "INT64", R"(,"owner":"b")"), 403, "PERMISSION_DENIED",
               kWriterA),
          Case("admin changes any team's feature", "POST", "/api/features",
               Feature("spend", "user", "DOUBLE", R"(,"owner":"b","description":"by admin")"), 200,
               "", kAdmin, {}, Outcome("updated", 1, 2)),
          Case("reader cannot register", "POST", "/api/features", Feature("r", "user", "INT64"),
               403, "PERMISSION_DENIED", kReader),
          Case("no token", "POST", "/api/features", Feature("r", "user", "INT64"), 401,
               "UNAUTHENTICATED"),
          Case("wrong token", "POST", "/api/features", Feature("r", "user", "INT64"), 401,
               "UNAUTHENTICATED", "nope"),
          // Malformed: 400.
          Case("malformed JSON", "POST", "/api/features", R"({"name":)", 400, "INVALID_ARGUMENT",
               kWriterA),
          Case("missing name", "POST", "/api/features", R"({"entity":"user","value_type":"INT64"})",
               400, "INVALID_ARGUMENT", kWriterA, {}, MessageHas("name")),
          Case("missing entity", "POST", "/api/features", R"({"name":"n","value_type":"INT64"})",
               400, "INVALID_ARGUMENT", kWriterA, {}, MessageHas("entity")),
          Case("missing value_type", "POST", "/api/features", R"({"name":"n","entity":"user"})",
               400, "INVALID_ARGUMENT", kWriterA, {}, MessageHas("value_type")),
          Case("tags not an array", "POST", "/api/features",
               Feature("n", "user", "INT64", R"(,"tags":"web")"), 400, "INVALID_ARGUMENT",
               kWriterA),
          Case("unknown member", "POST", "/api/features",
               Feature("n", "user", "INT64", R"(,"freshnes_sla":"1h")"), 400, "INVALID_ARGUMENT",
               kWriterA, {}, MessageHas("freshnes_sla")),
          // Invalid content: 422.
          Case("unknown entity", "POST", "/api/features", Feature("n", "nobody", "INT64"), 422,
               "UNPROCESSABLE", kWriterA),
          Case("unknown value_type", "POST", "/api/features", Feature("n", "user", "DECIMAL"), 422,
               "UNPROCESSABLE", kWriterA),
          Case("bad SLA", "POST", "/api/features",
               Feature("n", "user", "INT64", R"(,"freshness_sla":"5x")"), 422, "UNPROCESSABLE",
               kWriterA, {}, MessageHas("freshness_sla")),
          Case("negative ttl", "POST", "/api/features",
               Feature("n", "user", "INT64", R"(,"ttl":"-1h")"), 422, "UNPROCESSABLE", kWriterA),
          Case("default of the wrong type", "POST", "/api/features",
               Feature("n", "user", "INT64", R"(,"default_value":true)"), 422, "UNPROCESSABLE",
               kWriterA),
          Case("bad name", "POST", "/api/features", Feature("n@2", "user", "INT64"), 422,
               "UNPROCESSABLE", kWriterA),
          Case("too large", "POST", "/api/features", kHugeBody, 413, "PAYLOAD_TOO_LARGE", kWriterA),
          Case("wrong method", "PUT", "/api/features", views, 405, "METHOD_NOT_ALLOWED", kWriterA),
          Case("FLOAT and a default", "POST", "/api/features",
               Feature("ratio", "user", "float", R"(,"default_value":0.25,"freshness_sla":90)"),
               201, "", kWriterA, {},
               [](const HttpReply& r) {
                 json::value f = BodyOf(r).at("feature");
                 EXPECT_EQ(f.at("value_type").as_string(), "FLOAT");
                 EXPECT_EQ(f.at("default_value").to_number<double>(), 0.25);
                 EXPECT_EQ(f.at("freshness_sla").as_string(), "90s");
               }),
      });
}

TEST_F(HttpRegistryTest, DiscoverDescribeAndDeprecate) {
  RunHttpCases(
      *http_,
      {
          Case("list", "GET", "/api/features", "", 200, "", kReader, {},
               FeatureNames({"shared", "clicks", "shared", "spend"})),
          Case("by entity", "GET", "/api/features?entity=user", "", 200, "", kReader, {},
               FeatureNames({"clicks", "shared", "spend"})),
          Case("by owner", "GET", "/api/features?owner=b", "", 200, "", kReader, {},
               FeatureNames({"spend"})),
          Case("by tag", "GET", "/api/features?tag=web", "", 200, "", kReader, {},
               FeatureNames({"clicks"})),
          Case("by text", "GET", "/api/features?q=SPE", "", 200, "", kReader, {},
               FeatureNames({"spend"})),
          Case("bad include_deprecated", "GET", "/api/features?include_deprecated=maybe", "", 400,
               "INVALID_ARGUMENT", kReader),
          Case("unknown parameter", "GET", "/api/features?entitiy=user", "", 400,
               "INVALID_ARGUMENT", kReader),
          Case("list without token", "GET", "/api/features", "", 401, "UNAUTHENTICATED"),
          // One feature.
          Case("describe", "GET", "/api/features/clicks", "", 200, "", kReader, {},
               [](const HttpReply& r) {
                 json::value b = BodyOf(r);
                 EXPECT_EQ(b.at("name").as_string(), "clicks");
                 EXPECT_EQ(b.at("entity").as_string(), "user");
                 EXPECT_EQ(b.at("versions").as_array().size(), 1u);
                 json::value h = b.at("history").at(0);
                 EXPECT_EQ(h.at("version").as_int64(), 1);
                 EXPECT_EQ(h.at("changes").at(0).at("what").as_string(), "registered");
                 EXPECT_TRUE(b.at("last_update").is_null());
               }),
          Case("ambiguous name", "GET", "/api/features/shared", "", 400, "INVALID_ARGUMENT",
               kReader, {},
               [](const HttpReply& r) {
                 MessageHas("user")(r);
                 MessageHas("item")(r);
               }),
          Case("ambiguous name with entity", "GET", "/api/features/shared?entity=item", "", 200, "",
               kReader),
          Case("unknown feature", "GET", "/api/features/nope", "", 404, "NOT_FOUND", kReader),
          Case("unknown under that entity", "GET", "/api/features/clicks?entity=item", "", 404,
               "NOT_FOUND", kReader),
          Case("unknown entity", "GET", "/api/features/clicks?entity=nobody", "", 404, "NOT_FOUND",
               kReader),
          Case("describe unknown parameter", "GET", "/api/features/clicks?version=1", "", 400,
               "INVALID_ARGUMENT", kReader),
          Case("describe without token", "GET", "/api/features/clicks", "", 401, "UNAUTHENTICATED"),
          Case("describe wrong method", "DELETE", "/api/features/clicks", "", 405,
               "METHOD_NOT_ALLOWED", kAdmin),
          // Deprecation.
          Case("other team deprecates", "POST", "/api/features/clicks/deprecate", "", 403,
               "PERMISSION_DENIED", kWriterB),
          Case("reader deprecates", "POST", "/api/features/clicks/deprecate", "", 403,
               "PERMISSION_DENIED", kReader),
          Case("deprecate without token", "POST", "/api/features/clicks/deprecate", "", 401,
               "UNAUTHENTICATED"),
          Case("bad version", "POST", "/api/features/clicks/deprecate", R"({"version":"1"})", 400,
               "INVALID_ARGUMENT", kWriterA),
          Case("malformed body", "POST", "/api/features/clicks/deprecate", "{", 400,
               "INVALID_ARGUMENT", kWriterA),
          Case("ambiguous deprecate", "POST", "/api/features/shared/deprecate", "", 400,
               "INVALID_ARGUMENT", kWriterA),
          Case("deprecate unknown", "POST", "/api/features/nope/deprecate", "", 404, "NOT_FOUND",
               kWriterA),
          Case("deprecate unknown version", "POST", "/api/features/clicks/deprecate",
               R"({"version":9})", 404, "NOT_FOUND", kWriterA),
          Case("deprecate too large", "POST", "/api/features/clicks/deprecate", kHugeBody, 413,
               "PAYLOAD_TOO_LARGE", kWriterA),
          Case("deprecate wrong method", "GET", "/api/features/clicks/deprecate", "", 405,
               "METHOD_NOT_ALLOWED", kWriterA),
          Case("owner deprecates", "POST", "/api/features/clicks/deprecate", R"({"version":1})",
               200, "", kWriterA, {},
               [](const HttpReply& r) {
                 json::value f = BodyOf(r).at("feature");
                 EXPECT_TRUE(f.at("deprecated").as_bool());
                 EXPECT_EQ(f.at("version").as_int64(), 1);
               }),
          Case("admin deprecates any team's", "POST", "/api/features/spend/deprecate?entity=user",
               "", 200, "", kAdmin),
          Case("deprecated ones hidden", "GET", "/api/features?entity=user", "", 200, "", kReader,
               {}, FeatureNames({"shared"})),
          Case("deprecated ones shown", "GET", "/api/features?entity=user&include_deprecated=1", "",
               200, "", kReader, {}, FeatureNames({"clicks", "shared", "spend"})),
          Case("history records it", "GET", "/api/features/clicks", "", 200, "", kReader, {},
               MessageHas("deprecated")),
      });
}

TEST_F(HttpRegistryTest, LastUpdateFollowsIngest) {
  RunHttpCases(
      *http_,
      {
          Case(
              "ingest", "POST", "/api/ingest",
              R"([{"entity":"user","entity_id":"1","feature":"clicks","value":3,"event_timestamp":"2026-01-01T00:00:00Z"},
               {"entity":"user","entity_id":"2","feature":"clicks","value":4,"event_timestamp":"2026-01-02T00:00:00.25+01:00"}])",
              201, "", kWriterA),
          Case("last update", "GET", "/api/features/clicks?entity=user", "", 200, "", kReader, {},
               [](const HttpReply& r) {
                 json::value u = BodyOf(r).at("last_update");
                 ASSERT_TRUE(u.is_object()) << r.body;
                 EXPECT_EQ(u.at("event_timestamp").as_string(), "2026-01-01T23:00:00.250000Z");
                 EXPECT_TRUE(u.at("ingest_timestamp").is_string());
                 EXPECT_EQ(u.at("values_written").as_int64(), 2);
                 EXPECT_EQ(u.at("values_last_hour").as_int64(), 2);
               }),
      });
}

}  // namespace
}  // namespace asof::testing
