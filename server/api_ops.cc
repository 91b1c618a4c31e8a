// Operations routes: liveness, readiness and the Prometheus metrics (docs/api.md,
// "Operations"). They answer on the calling I/O thread and read no data.
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "server/http_api.h"
#include "server/http_errors.h"

namespace asof::server {

namespace {

void Healthz(const ApiCall&, Respond respond) {
  respond(JsonResponse(200, boost::json::object{{"status", "ok"}}));
}

// Ready means a load balancer may send traffic: not shutting down, and not so loaded
// that HttpApi would shed the request (the same count and limit, this request included).
void Readyz(const ApiCall& call, Respond respond) {
  const ApiContext& ctx = call.ctx;
  if (ctx.accepting && !ctx.accepting()) {
    respond(ErrorResponse(Unavailable("shutting down")));
    return;
  }
  const int64_t inflight =
      ctx.metrics->inflight(Protocol::kNative).load(std::memory_order_relaxed) +
      ctx.metrics->inflight(Protocol::kHttp).load(std::memory_order_relaxed);
  const auto limit = static_cast<int64_t>(ctx.config->max_inflight_requests);
  if (inflight > limit) {
    respond(ErrorResponse(Unavailable("overloaded: " + std::to_string(inflight) +
                                      " requests in flight, above limits.max_inflight_requests (" +
                                      std::to_string(limit) + ")")));
    return;
  }
  respond(JsonResponse(200, boost::json::object{{"status", "ready"}}));
}

void MetricsPage(const ApiCall& call, Respond respond) {
  HttpResponse response;
  response.status = 200;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = call.ctx.metrics->Render();
  respond(std::move(response));
}

}  // namespace

std::vector<RouteSpec> OpsRoutes() {
  return {
      RouteSpec{HttpMethod::kGet, "/healthz", "healthz", Operation::kOther, Role::kReader, false,
                Healthz},
      RouteSpec{HttpMethod::kGet, "/readyz", "readyz", Operation::kOther, Role::kReader, false,
                Readyz},
      RouteSpec{HttpMethod::kGet, "/metrics", "metrics", Operation::kOther, Role::kReader, true,
                MetricsPage},
  };
}

}  // namespace asof::server
