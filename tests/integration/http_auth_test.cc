// The auth matrix of the HTTP API: every endpoint x no token, a wrong token, and each
// role; plus per-token rate limits. Team ownership of features is checked with the
// registry endpoints (http_registry_test.cc).
#include <fstream>

#include "tests/integration/http_table.h"
#include "tests/integration/integration_util.h"
#include "tests/integration/test_tokens.h"

namespace asof::testing {
namespace {

// The shared tokens plus one with a tiny rate limit (SHA-256 of "limited-secret").
const std::string kConfig = std::string(kTestTokensToml) + R"(
[[auth.tokens]]
name = "limited"
sha256 = "ee81a9128d7f7a7b5c328a7b5255b802fb4302f431f61539934ce3661ae792bd"
role = "reader"
team = "a"
rate_limit_rps = 0.2
)";

enum class Need { kNone, kReader, kWriter, kAdmin };

struct Endpoint {
  std::string method;
  std::string target;
  std::string body;
  Need need;
};

class HttpAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path = config_dir_.path() + "/asofd.toml";
    std::ofstream(path) << kConfig;
    daemon_ = std::make_unique<Daemon>(ASOFD_PATH, TestDaemonFlags({"--config", path}));
    ASSERT_OK(daemon_->Start());
    http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->http_port(), "admin-x-secret");
    ASSERT_OK_AND_ASSIGN(HttpReply r, http_->Post("/api/entities", R"({"name":"user"})"));
    ASSERT_EQ(r.status, 201) << r.body;
    ASSERT_OK_AND_ASSIGN(
        r, http_->Post("/api/features",
                       R"({"name":"clicks","entity":"user","value_type":"INT64","owner":"a"})"));
    ASSERT_EQ(r.status, 201) << r.body;
  }
  TempDir config_dir_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<HttpClient> http_;
};

TEST_F(HttpAuthTest, EveryEndpointByRole) {
  const std::vector<Endpoint> endpoints = {
      {"GET", "/healthz", "", Need::kNone},
      {"GET", "/readyz", "", Need::kNone},
      {"GET", "/metrics", "", Need::kReader},
      {"GET", "/api/entities", "", Need::kReader},
      {"POST", "/api/entities", R"({"name":"item"})", Need::kWriter},
      {"GET", "/api/features", "", Need::kReader},
      {"GET", "/api/features/clicks?entity=user", "", Need::kReader},
      {"POST", "/api/features",
       R"({"name":"views","entity":"user","value_type":"INT64","owner":"a"})", Need::kWriter},
      {"POST", "/api/features/views/deprecate?entity=user", "", Need::kWriter},
      {"GET", "/api/features/online?entity=user&entity_id=1&features=clicks", "", Need::kReader},
      {"POST", "/api/features/online",
       R"({"entity":"user","entity_ids":["1"],"features":["clicks"]})", Need::kReader},
      {"POST", "/api/features/historical",
       R"({"entity":"user","features":["clicks"],"entity_ids_with_timestamps":[{"entity_id":"1","timestamp":"2026-01-01T00:00:00Z"}]})",
       Need::kReader},
      {"POST", "/api/ingest",
       R"([{"entity":"user","entity_id":"1","feature":"clicks","value":1,"event_timestamp":"2026-01-01T00:00:00Z"}])",
       Need::kWriter},
      {"GET", "/api/dlq", "", Need::kWriter},
  };
  struct Caller {
    std::string name;
    std::string token;
    int rank;  // -1: not authenticated
  };
  const std::vector<Caller> callers = {{"no token", "", -1},
                                       {"wrong token", "not-a-token", -1},
                                       {"reader", "reader-a-secret", 1},
                                       {"writer", "writer-a-secret", 2},
                                       {"admin", "admin-x-secret", 3}};
  HttpClient client("127.0.0.1", daemon_->http_port());
  for (const Caller& caller : callers) {
    for (const Endpoint& e : endpoints) {
      SCOPED_TRACE(caller.name + ": " + e.method + " " + e.target);
      client.set_token(caller.token);
      ASSERT_OK_AND_ASSIGN(HttpReply r, client.Request(e.method, e.target, e.body));
      const int need = static_cast<int>(e.need);
      HttpCase c{.name = caller.name + " " + e.method + " " + e.target};
      if (need == 0) {
        EXPECT_EQ(r.status, 200) << r.body;
      } else if (caller.rank < 0) {
        EXPECT_EQ(r.status, 401) << r.body;
        c.error_code = "UNAUTHENTICATED";
        CheckErrorShape(c, r);
        EXPECT_EQ(r.Header("www-authenticate"), "Bearer");
      } else if (caller.rank < need) {
        EXPECT_EQ(r.status, 403) << r.body;
        c.error_code = "PERMISSION_DENIED";
        CheckErrorShape(c, r);
      } else {
        EXPECT_LT(r.status, 300) << r.body;
      }
    }
  }
}

TEST_F(HttpAuthTest, MalformedAuthorizationHeadersAre401) {
  HttpClient client("127.0.0.1", daemon_->http_port());
  for (const char* header : {"Basic cmVhZGVyOnNlY3JldA==", "Bearer", "Bearer ", "reader-a-secret",
                             "Bearer reader-a-secret extra"}) {
    SCOPED_TRACE(header);
    ASSERT_OK_AND_ASSIGN(HttpReply r, client.Get("/api/entities", {{"Authorization", header}}));
    EXPECT_EQ(r.status, 401) << r.body;
  }
  // The scheme is case-insensitive.
  ASSERT_OK_AND_ASSIGN(HttpReply r,
                       client.Get("/api/entities", {{"Authorization", "bearer reader-a-secret"}}));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(HttpAuthTest, RateLimitPerTokenAnswers429WithRetryAfter) {
  HttpClient limited("127.0.0.1", daemon_->http_port(), "limited-secret");
  // Rate 0.2/s with the default burst (max(rate, 1) = 1): the second request within five
  // seconds is refused.
  ASSERT_OK_AND_ASSIGN(HttpReply first, limited.Get("/api/entities"));
  EXPECT_EQ(first.status, 200) << first.body;
  ASSERT_OK_AND_ASSIGN(HttpReply second, limited.Get("/api/entities"));
  EXPECT_EQ(second.status, 429) << second.body;
  HttpCase c{.name = "rate limited", .error_code = "RESOURCE_EXHAUSTED"};
  CheckErrorShape(c, second);
  int retry = std::atoi(second.Header("retry-after").c_str());
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 5);
  // Other tokens are not affected.
  ASSERT_OK_AND_ASSIGN(HttpReply other, http_->Get("/api/entities"));
  EXPECT_EQ(other.status, 200);
}

}  // namespace
}  // namespace asof::testing
