// Tests of the operations routes (server/api_ops.cc) called directly with a real
// ApiContext: /healthz always ok, /readyz 503 while shutting down or with more requests
// in flight than limits.max_inflight_requests, /metrics' content type and body. Through
// a real asofd: tests/integration/http_metrics_test.cc.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <optional>
#include <string>
#include <vector>

#include "server/http_api.h"

namespace asof::server {
namespace {

class ApiOpsTest : public ::testing::Test {
 protected:
  ApiOpsTest() : metrics_(nullptr) {
    config_.max_inflight_requests = 4;
    ctx_.config = &config_;
    ctx_.metrics = &metrics_;
    ctx_.accepting = [this] { return accepting_; };
  }

  const RouteSpec& Route(const std::string& pattern) {
    for (const RouteSpec& r : routes_) {
      if (r.pattern == pattern) return r;
    }
    ADD_FAILURE() << "no route " << pattern;
    return routes_.front();
  }

  HttpResponse Call(const std::string& pattern) {
    HttpRequest request;
    request.path = pattern;
    std::vector<std::string> params;
    std::optional<HttpResponse> answer;
    Route(pattern).handler(ApiCall{request, principal_, params, ctx_},
                           [&](HttpResponse r) { answer = std::move(r); });
    EXPECT_TRUE(answer.has_value()) << pattern << " did not answer synchronously";
    return answer.value_or(HttpResponse{});
  }

  std::string Status(const HttpResponse& r) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object()) return "<not a JSON object: " + r.body + ">";
    const boost::json::value* s = v.as_object().if_contains("status");
    return s != nullptr && s->is_string() ? std::string(s->as_string()) : "<no status>";
  }

  std::vector<RouteSpec> routes_ = OpsRoutes();
  ServerConfig config_;
  Metrics metrics_;
  bool accepting_ = true;
  ApiContext ctx_;
  Principal principal_;
};

TEST_F(ApiOpsTest, RouteTable) {
  EXPECT_FALSE(Route("/healthz").authenticate);
  EXPECT_FALSE(Route("/readyz").authenticate);
  EXPECT_TRUE(Route("/metrics").authenticate);
  EXPECT_EQ(Route("/metrics").min_role, Role::kReader);
  for (const RouteSpec& r : routes_) {
    EXPECT_EQ(r.method, HttpMethod::kGet) << r.pattern;
    EXPECT_FALSE(r.name.empty()) << r.pattern;
  }
}

TEST_F(ApiOpsTest, HealthzIsOkEvenWhenNotReady) {
  accepting_ = false;
  metrics_.inflight(Protocol::kHttp).store(100);
  HttpResponse r = Call("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Status(r), "ok");
}

TEST_F(ApiOpsTest, ReadyUpToTheInflightLimit) {
  metrics_.inflight(Protocol::kHttp).store(2);
  metrics_.inflight(Protocol::kNative).store(2);  // 4: at the limit, still ready
  HttpResponse r = Call("/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Status(r), "ready");
}

TEST_F(ApiOpsTest, OverloadedIsUnavailable) {
  metrics_.inflight(Protocol::kHttp).store(2);
  metrics_.inflight(Protocol::kNative).store(3);  // both protocols count
  HttpResponse r = Call("/readyz");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("UNAVAILABLE"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("overloaded"), std::string::npos) << r.body;
}

TEST_F(ApiOpsTest, ShuttingDownIsUnavailable) {
  accepting_ = false;
  HttpResponse r = Call("/readyz");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("shutting down"), std::string::npos) << r.body;
}

TEST_F(ApiOpsTest, MetricsIsPrometheusText) {
  metrics_.CountShed();
  HttpResponse r = Call("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("\nasof_shed_total 1\n"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace asof::server
