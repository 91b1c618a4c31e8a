// HttpApi: the public REST API of asofd (docs/api.md). Everything between a parsed HTTP
// request and its response: routing, authentication, authorization by role, per-token
// rate limits, overload shedding, metrics, and dispatch to the route handlers, which live
// one group per file: api_registry.cc, api_serving.cc, api_ingest.cc, api_ops.cc,
// api_monitoring.cc, api_drift.cc, api_lineage.cc, api_logging.cc.
//
// Thread-safety: Handle runs on many I/O threads at once. Handlers run on the calling
// I/O thread (reads: no hand-off) or answer later from another thread (writes answer
// from the write batcher's thread); either way `respond` is called exactly once.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/http_types.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "server/router.h"
#include "server/write_batcher.h"

namespace asof::server {

// What handlers may use. Every pointer outlives the API.
struct ApiContext {
  Engine* engine = nullptr;
  WriteBatcher* batcher = nullptr;
  const ServerConfig* config = nullptr;
  Metrics* metrics = nullptr;
  std::function<bool()> accepting;  // false once shutdown began (GET /readyz)
};

// One call of a handler. The references are valid only during the call: a handler that
// answers later copies what it needs first.
struct ApiCall {
  const HttpRequest& request;
  const Principal& principal;
  const std::vector<std::string>& params;  // the pattern's {captures}, in order
  const ApiContext& ctx;
};
using RouteHandler = std::function<void(const ApiCall& call, Respond respond)>;

// A handler that answers on the calling thread: its Result becomes the response (an
// error through ErrorResponse).
RouteHandler SyncRoute(Result<HttpResponse> (*handler)(const ApiCall&));

// The entity type of feature `name` (without "@N"): ?entity= when given, else the only
// entity type that has a feature of that name (404 when none; 400 naming them when
// several do). Defined in api_registry.cc.
Result<std::string> FeatureEntity(const Registry& registry, const HttpRequest& request,
                                  const std::string& name);

struct RouteSpec {
  HttpMethod method = HttpMethod::kGet;
  std::string pattern;  // "/api/features/{name}"
  std::string name;     // metrics label, e.g. "features_online"
  Operation operation = Operation::kOther;
  Role min_role = Role::kReader;
  bool authenticate = true;  // false only for /healthz and /readyz
  RouteHandler handler;
};

// The route tables, one per handler file.
std::vector<RouteSpec> RegistryRoutes();    // api_registry.cc: features, entities
std::vector<RouteSpec> ServingRoutes();     // api_serving.cc: online, historical
std::vector<RouteSpec> IngestRoutes();      // api_ingest.cc: ingest, dlq
std::vector<RouteSpec> OpsRoutes();         // api_ops.cc: healthz, readyz, metrics
std::vector<RouteSpec> MonitoringRoutes();  // api_monitoring.cc: freshness, alerts
std::vector<RouteSpec> LineageRoutes();     // api_lineage.cc: lineage, sources, consumers
std::vector<RouteSpec> DriftRoutes();       // api_drift.cc: drift, baselines
std::vector<RouteSpec> LoggingRoutes();     // api_logging.cc: served-feature log

class HttpApi {
 public:
  // `tokens` and `limiter` are not owned and outlive the API.
  HttpApi(ApiContext ctx, const TokenStore* tokens, RateLimiter* limiter);

  // Order of checks: route (404/405), shedding (503 when more than
  // limits.max_inflight_requests are in flight, counting this one), authentication (401),
  // role (403), rate limit (429), then the handler. Counts the answer's status and
  // latency in the metrics.
  void Handle(HttpRequest request, Respond respond);

  const ApiContext& context() const { return ctx_; }

 private:
  struct Route {
    RouteSpec spec;
    size_t metrics_id = 0;
  };
  ApiContext ctx_;
  const TokenStore* tokens_;
  RateLimiter* limiter_;
  Router router_;
  std::vector<Route> routes_;  // indexed by the router's route index
};

}  // namespace asof::server
