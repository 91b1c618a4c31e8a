#include "server/http_api.h"

#include <chrono>

#include "server/http_errors.h"

namespace asof::server {

std::string_view HttpMethodName(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kHead:
      return "HEAD";
    case HttpMethod::kPost:
      return "POST";
    case HttpMethod::kPut:
      return "PUT";
    case HttpMethod::kPatch:
      return "PATCH";
    case HttpMethod::kDelete:
      return "DELETE";
    case HttpMethod::kOptions:
      return "OPTIONS";
    case HttpMethod::kOther:
      break;
  }
  return "OTHER";
}

std::optional<std::string_view> HttpRequest::Query(std::string_view key) const {
  for (const auto& [k, v] : query) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

HttpApi::HttpApi(ApiContext ctx, const TokenStore* tokens, RateLimiter* limiter)
    : ctx_(std::move(ctx)), tokens_(tokens), limiter_(limiter) {
  for (auto table : {RegistryRoutes, ServingRoutes, IngestRoutes, OpsRoutes, MonitoringRoutes,
                     LineageRoutes, DriftRoutes, LoggingRoutes}) {
    for (RouteSpec& spec : table()) {
      int index = router_.Add(spec.method, spec.pattern);
      Route route{std::move(spec), 0};
      route.metrics_id = ctx_.metrics->AddHttpRoute(route.spec.name);
      routes_.resize(static_cast<size_t>(index) + 1);
      routes_[index] = std::move(route);
    }
  }
}

void HttpApi::Handle(HttpRequest request, Respond respond) {
  const auto start = std::chrono::steady_clock::now();
  Router::Match match = router_.Find(request.method, request.path);
  if (match.route < 0) {
    // Route 0 of the metrics is "unmatched".
    HttpResponse response =
        match.allow.empty()
            ? ErrorResponse(
                  NotFound("no such endpoint: " + std::string(HttpMethodName(request.method)) +
                           " " + request.path + " (see docs/api.md)"))
            : MethodNotAllowed(match.allow);
    ctx_.metrics->CountHttp(0, response.status);
    respond(std::move(response));
    return;
  }
  const Route& route = routes_[static_cast<size_t>(match.route)];
  Metrics* metrics = ctx_.metrics;
  // Counts the status and latency of whatever answer the route gives, whenever it comes.
  Respond counted = [metrics, id = route.metrics_id, op = route.spec.operation, start,
                     respond = std::move(respond)](HttpResponse response) {
    metrics->CountHttp(id, response.status);
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    metrics->ObserveLatency(Protocol::kHttp, op, took.count());
    respond(std::move(response));
  };

  const int64_t inflight = metrics->inflight(Protocol::kHttp).load(std::memory_order_relaxed) +
                           metrics->inflight(Protocol::kNative).load(std::memory_order_relaxed);
  if (route.spec.authenticate &&
      inflight > static_cast<int64_t>(ctx_.config->max_inflight_requests)) {
    metrics->CountShed();
    counted(ErrorResponse(Unavailable("overloaded: " + std::to_string(inflight) +
                                      " requests in flight (limits.max_inflight_requests)")));
    return;
  }

  Principal principal;
  if (route.spec.authenticate) {
    auto who = tokens_->AuthenticateHeader(request.authorization);
    if (!who.ok()) {
      counted(ErrorResponse(who.status()));
      return;
    }
    principal = std::move(*who);
    Status allowed = RequireRole(principal, route.spec.min_role, route.spec.name);
    if (!allowed.ok()) {
      counted(ErrorResponse(allowed));
      return;
    }
    const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    int wait_s = limiter_->Acquire(principal.name, principal.rate_limit_rps,
                                   principal.rate_limit_burst, now_us);
    if (wait_s > 0) {
      metrics->CountRateLimited();
      counted(ErrorResponse(Status(ErrorCode::kResourceExhausted,
                                   "rate limit of token '" + principal.name + "' exceeded (" +
                                       std::to_string(principal.rate_limit_rps) +
                                       " requests/s); retry in " + std::to_string(wait_s) + " s"),
                            {}, wait_s));
      return;
    }
  }
  ApiCall call{request, principal, match.params, ctx_};
  route.spec.handler(call, std::move(counted));
}

RouteHandler SyncRoute(Result<HttpResponse> (*handler)(const ApiCall&)) {
  return [handler](const ApiCall& call, Respond respond) {
    Result<HttpResponse> response = handler(call);
    respond(response.ok() ? std::move(response).value() : ErrorResponse(response.status()));
  };
}

}  // namespace asof::server
