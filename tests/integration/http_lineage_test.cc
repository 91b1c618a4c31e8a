// Lineage and discovery over HTTP against a real asofd (docs/api.md, "Lineage"):
// sources, transformations, consumers, the lineage graph as JSON and DOT, cycles refused,
// deprecation warnings, search ranking, and persistence across a restart.
#include <fstream>

#include "tests/integration/http_table.h"
#include "tests/integration/integration_util.h"
#include "tests/integration/test_tokens.h"

namespace asof::testing {
namespace {

namespace json = boost::json;

HttpCase Case(std::string name, std::string method, std::string target, std::string body,
              int status, std::string error_code = "", std::string token = kWriterA,
              std::function<void(const HttpReply&)> check = nullptr) {
  return HttpCase{.name = std::move(name),
                  .method = std::move(method),
                  .target = std::move(target),
                  .body = std::move(body),
                  .status = status,
                  .error_code = std::move(error_code),
                  .token = std::move(token),
                  .headers = {},
                  .check = std::move(check)};
}

json::value BodyOf(const HttpReply& r) {
  Result<json::value> body = r.Json();
  EXPECT_TRUE(body.ok()) << body.status().ToString();
  return body.ok() ? *body : json::value();
}

std::string Feature(std::string_view name, std::string_view extra = "") {
  return R"({"name":")" + std::string(name) + R"(","entity":"user","value_type":"DOUBLE")" +
         std::string(extra) + "}";
}

std::vector<std::string> Ids(const json::value& graph) {
  std::vector<std::string> out;
  for (const json::value& n : graph.at("nodes").as_array())
    out.emplace_back(n.at("id").as_string());
  return out;
}

using V = std::vector<std::string>;

class HttpLineageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path = config_dir_.path() + "/asofd.toml";
    std::ofstream(path) << kTestTokensToml;
    daemon_ = std::make_unique<Daemon>(ASOFD_PATH, TestDaemonFlags({"--config", path}));
    ASSERT_OK(daemon_->Start());
    Connect();
    RunHttpCases(
        *http_,
        {
            Case("entity", "POST", "/api/entities", R"({"name":"user"})", 201),
            Case("source", "POST", "/api/sources",
                 R"({"name":"clicks","kind":"stream","location":"kafka://clicks"})", 201),
            Case("transformation", "POST", "/api/transformations",
                 R"({"name":"ctr_sql","code":"SELECT c / v","language":"sql"})", 201),
            Case("raw", "POST", "/api/features", Feature("raw_clicks", R"(,"source":"clicks")"),
                 201),
            Case("ctr", "POST", "/api/features",
                 Feature("ctr", R"(,"transformation":"ctr_sql","upstream":["raw_clicks"])"), 201),
            Case("smooth", "POST", "/api/features", Feature("ctr_smooth", R"(,"upstream":["ctr"])"),
                 201),
            Case("consumer", "POST", "/api/consumers",
                 R"({"name":"churn","version":"3","features":["ctr"]})", 201),
        });
  }
  void Connect() { http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->http_port()); }

  TempDir config_dir_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<HttpClient> http_;
};

TEST_F(HttpLineageTest, CatalogEndpoints) {
  RunHttpCases(
      *http_,
      {
          Case("same source again", "POST", "/api/sources",
               R"({"name":"clicks","kind":"stream","location":"kafka://clicks"})", 200, "",
               kWriterA,
               [](const HttpReply& r) {
                 EXPECT_EQ(BodyOf(r).at("outcome").as_string(), "unchanged");
                 EXPECT_EQ(BodyOf(r).at("source").at("owner").as_string(), "a");
               }),
          Case("other team cannot take it over", "POST", "/api/sources",
               R"({"name":"clicks","kind":"table"})", 403, "PERMISSION_DENIED", kWriterB),
          Case("bad kind", "POST", "/api/sources", R"({"name":"x","kind":"lake"})", 422,
               "UNPROCESSABLE"),
          Case("missing kind", "POST", "/api/sources", R"({"name":"x"})", 400, "INVALID_ARGUMENT"),
          Case("unknown member", "POST", "/api/transformations", R"({"name":"x","sql":"1"})", 400,
               "INVALID_ARGUMENT"),
          Case("not an object", "POST", "/api/consumers", "[1]", 400, "INVALID_ARGUMENT"),
          Case("features not strings", "POST", "/api/consumers", R"({"name":"m","features":[1]})",
               400, "INVALID_ARGUMENT"),
          Case("unknown feature", "POST", "/api/consumers", R"({"name":"m","features":["nope"]})",
               422, "UNPROCESSABLE"),
          Case("reader cannot register", "POST", "/api/sources", R"({"name":"y","kind":"file"})",
               403, "PERMISSION_DENIED", kReaderA),
          Case("list sources", "GET", "/api/sources", "", 200, "", kReaderA,
               [](const HttpReply& r) {
                 EXPECT_EQ(BodyOf(r).at("sources").as_array().size(), 1u) << r.body;
               }),
          Case("list transformations", "GET", "/api/transformations", "", 200, "", kReaderA,
               [](const HttpReply& r) {
                 EXPECT_EQ(BodyOf(r).at("transformations").at(0).at("language").as_string(), "sql");
               }),
          Case("list consumers", "GET", "/api/consumers", "", 200, "", kReaderA,
               [](const HttpReply& r) {
                 json::value c = BodyOf(r).at("consumers").at(0);
                 EXPECT_EQ(c.at("name").as_string(), "churn");
                 EXPECT_EQ(c.at("features").at(0).as_string(), "user:ctr");
               }),
      });
}

TEST_F(HttpLineageTest, GraphAndCycles) {
  RunHttpCases(
      *http_,
      {
          Case("upstream", "GET", "/api/lineage/ctr_smooth?direction=upstream", "", 200, "",
               kReaderA,
               [](const HttpReply& r) {
                 json::value g = BodyOf(r);
                 EXPECT_EQ(g.at("root").as_string(), "feature:user:ctr_smooth");
                 EXPECT_EQ(Ids(g), (V{"feature:user:ctr", "feature:user:ctr_smooth",
                                      "feature:user:raw_clicks", "source:clicks",
                                      "transformation:ctr_sql"}));
                 EXPECT_EQ(g.at("edges").as_array().size(), 4u);
               }),
          Case("downstream depth 1", "GET",
               "/api/lineage/raw_clicks?direction=downstream&depth=1&entity=user", "", 200, "",
               kReaderA,
               [](const HttpReply& r) {
                 EXPECT_EQ(Ids(BodyOf(r)), (V{"feature:user:ctr", "feature:user:raw_clicks"}));
               }),
          Case("downstream", "GET", "/api/lineage/raw_clicks?direction=downstream", "", 200, "",
               kReaderA,
               [](const HttpReply& r) {
                 EXPECT_EQ(Ids(BodyOf(r)),
                           (V{"consumer:churn@3", "feature:user:ctr", "feature:user:ctr_smooth",
                              "feature:user:raw_clicks"}));
               }),
          Case("dot", "GET", "/api/lineage/ctr?format=dot&direction=upstream&depth=1", "", 200, "",
               kReaderA,
               [](const HttpReply& r) {
                 EXPECT_EQ(r.Header("content-type"), "text/vnd.graphviz");
                 EXPECT_EQ(r.body.rfind("digraph lineage {", 0), 0u) << r.body;
                 EXPECT_NE(r.body.find(R"("feature:user:raw_clicks" -> "feature:user:ctr";)"),
                           std::string::npos)
                     << r.body;
               }),
          Case("bad direction", "GET", "/api/lineage/ctr?direction=sideways", "", 400,
               "INVALID_ARGUMENT", kReaderA),
          Case("bad depth", "GET", "/api/lineage/ctr?depth=-1", "", 400, "INVALID_ARGUMENT",
               kReaderA),
          Case("depth not a number", "GET", "/api/lineage/ctr?depth=x", "", 400, "INVALID_ARGUMENT",
               kReaderA),
          Case("depth too deep", "GET", "/api/lineage/ctr?depth=101", "", 400, "INVALID_ARGUMENT",
               kReaderA),
          Case("bad format", "GET", "/api/lineage/ctr?format=svg", "", 400, "INVALID_ARGUMENT",
               kReaderA),
          Case("unknown parameter", "GET", "/api/lineage/ctr?dir=up", "", 400, "INVALID_ARGUMENT",
               kReaderA),
          Case("unknown feature", "GET", "/api/lineage/nope", "", 404, "NOT_FOUND", kReaderA),
          Case("unknown entity", "GET", "/api/lineage/ctr?entity=item", "", 404, "NOT_FOUND",
               kReaderA),
          Case("no token", "GET", "/api/lineage/ctr", "", 401, "UNAUTHENTICATED", ""),
          Case("cycle refused", "POST", "/api/features",
               Feature("raw_clicks", R"(,"source":"clicks","upstream":["ctr_smooth"])"), 422,
               "UNPROCESSABLE", kWriterA,
               [](const HttpReply& r) {
                 EXPECT_NE(r.body.find("user:raw_clicks -> user:ctr_smooth -> user:ctr -> "
                                       "user:raw_clicks"),
                           std::string::npos)
                     << r.body;
               }),
          Case("unknown upstream", "POST", "/api/features", Feature("z", R"(,"upstream":["q"])"),
               422, "UNPROCESSABLE"),
          Case("upstream not strings", "POST", "/api/features", Feature("z", R"(,"upstream":[1])"),
               400, "INVALID_ARGUMENT"),
      });
}

TEST_F(HttpLineageTest, DeprecationWarnsAboutConsumers) {
  RunHttpCases(
      *http_,
      {
          Case("used by churn", "POST", "/api/features/ctr/deprecate", "", 200, "", kWriterA,
               [](const HttpReply& r) {
                 json::value w = BodyOf(r).at("warnings");
                 ASSERT_EQ(w.as_array().size(), 1u) << r.body;
                 EXPECT_NE(std::string(w.at(0).as_string()).find("churn@3"), std::string::npos);
                 EXPECT_TRUE(BodyOf(r).at("feature").at("deprecated").as_bool());
               }),
          Case("unused", "POST", "/api/features/ctr_smooth/deprecate", "", 200, "", kWriterA,
               [](const HttpReply& r) {
                 EXPECT_TRUE(BodyOf(r).at("warnings").as_array().empty()) << r.body;
               }),
      });
}

TEST_F(HttpLineageTest, SearchRankingAndRestart) {
  RunHttpCases(*http_, {
                           Case("tagged", "POST", "/api/features",
                                Feature("score", R"(,"tags":["ctr"])"), 201),
                           Case("described", "POST", "/api/features",
                                Feature("misc", R"(,"description":"smoothed ctr value")"), 201),
                       });
  ASSERT_OK(daemon_->Restart());
  Connect();
  RunHttpCases(
      *http_,
      {
          Case("ranked", "GET", "/api/features?q=ctr", "", 200, "", kReaderA,
               [](const HttpReply& r) {
                 std::vector<std::string> names;
                 for (const json::value& f : BodyOf(r).at("features").as_array()) {
                   names.emplace_back(f.at("name").as_string());
                 }
                 // exact, prefix, tag, description word.
                 EXPECT_EQ(names, (V{"ctr", "ctr_smooth", "score", "misc"})) << r.body;
               }),
          Case("upstream persisted", "GET", "/api/features/ctr_smooth", "", 200, "", kReaderA,
               [](const HttpReply& r) {
                 EXPECT_EQ(BodyOf(r).at("versions").at(0).at("upstream").at(0).as_string(), "ctr");
               }),
          Case("catalog persisted", "GET", "/api/lineage/ctr?direction=both", "", 200, "", kReaderA,
               [](const HttpReply& r) {
                 EXPECT_EQ(Ids(BodyOf(r)), (V{"consumer:churn@3", "feature:user:ctr",
                                              "feature:user:ctr_smooth", "feature:user:raw_clicks",
                                              "source:clicks", "transformation:ctr_sql"}));
               }),
      });
}

}  // namespace
}  // namespace asof::testing
