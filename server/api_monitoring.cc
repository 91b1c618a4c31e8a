// Monitoring routes: freshness of every feature against its SLA, and the alerts derived
// from it and from drift (docs/api.md, "Monitoring"). Answered on the calling I/O thread
// from the engine's activity figures and drift sketches; no feature data is read.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "server/api_drift.h"
#include "server/api_json.h"
#include "server/http_api.h"
#include "server/http_errors.h"

namespace asof::server {

namespace {

namespace json = boost::json;

// The monitoring routes take only these parameters; anything else is a typo.
Result<bool> IncludeDeprecated(const HttpRequest& request) {
  for (const auto& [key, value] : request.query) {
    if (key != "include_deprecated") {
      return InvalidArgument("unknown query parameter '" + key + "'");
    }
  }
  std::optional<std::string_view> v = request.Query("include_deprecated");
  if (!v || *v == "false" || *v == "0") return false;
  if (*v == "true" || *v == "1") return true;
  return InvalidArgument("query parameter 'include_deprecated' must be true, false, 1 or 0, not '" +
                         std::string(*v) + "'");
}

json::value OptionalTimestamp(bool written, int64_t micros) {
  return written ? json::value(FormatTimestamp(micros)) : json::value(nullptr);
}

json::value LagSeconds(const FeatureFreshness& f) {
  return f.lag_us ? json::value(static_cast<double>(*f.lag_us) / 1e6) : json::value(nullptr);
}

json::value Sla(const FeatureFreshness& f) {
  const int64_t sla = f.feature->spec.freshness_sla_us;
  return sla == 0 ? json::value(nullptr) : json::value(FormatDuration(sla));
}

// Members every entry shares, freshness rows and alerts alike.
void AddIdentity(const Feature& feature, json::object* out) {
  (*out)["feature"] = feature.spec.name;
  (*out)["entity"] = feature.spec.entity;
  (*out)["version"] = feature.version;
  (*out)["ref"] = feature.spec.name + "@" + std::to_string(feature.version);
}

json::object FreshnessToJson(const FeatureFreshness& f) {
  json::object out;
  AddIdentity(*f.feature, &out);
  out["freshness_sla"] = Sla(f);
  out["last_event_timestamp"] = OptionalTimestamp(f.written, f.last_event_ts);
  out["last_ingest_timestamp"] = OptionalTimestamp(f.written, f.last_ingest_ts);
  out["lag_seconds"] = LagSeconds(f);
  out["values_last_hour"] = f.values_last_hour;
  out["stale"] = f.stale;
  out["deprecated"] = f.feature->deprecated;
  return out;
}

json::object StaleAlert(const FeatureFreshness& f) {
  json::object out;
  out["kind"] = "stale";
  AddIdentity(*f.feature, &out);
  const std::string sla = FormatDuration(f.feature->spec.freshness_sla_us);
  out["message"] = f.written ? "no event newer than the freshness SLA (" + sla + ")"
                             : "never written; freshness SLA " + sla;
  out["freshness_sla"] = Sla(f);
  out["last_event_timestamp"] = OptionalTimestamp(f.written, f.last_event_ts);
  out["lag_seconds"] = LagSeconds(f);
  // When the lag crossed the SLA: the last event plus the SLA.
  out["since"] = OptionalTimestamp(f.written, f.last_event_ts + f.feature->spec.freshness_sla_us);
  return out;
}

Result<HttpResponse> Freshness(const ApiCall& call) {
  ASSIGN_OR_RETURN(bool include_deprecated, IncludeDeprecated(call.request));
  json::array features;
  size_t stale = 0;
  for (const FeatureFreshness& f : call.ctx.engine->Freshness(include_deprecated)) {
    stale += f.stale ? 1 : 0;
    features.push_back(FreshnessToJson(f));
  }
  json::object out;
  out["count"] = features.size();
  out["stale_count"] = stale;
  out["features"] = std::move(features);
  return JsonResponse(200, out);
}

Result<HttpResponse> Alerts(const ApiCall& call) {
  ASSIGN_OR_RETURN(bool include_deprecated, IncludeDeprecated(call.request));
  json::array alerts;
  for (const FeatureFreshness& f : call.ctx.engine->Freshness(include_deprecated)) {
    if (f.stale) alerts.push_back(StaleAlert(f));
  }
  RETURN_IF_ERROR(AppendDriftAlerts(*call.ctx.engine, include_deprecated, &alerts));
  json::object out;
  out["count"] = alerts.size();
  out["alerts"] = std::move(alerts);
  return JsonResponse(200, out);
}

}  // namespace

std::vector<RouteSpec> MonitoringRoutes() {
  return {
      RouteSpec{HttpMethod::kGet, "/api/monitoring/freshness", "monitoring_freshness",
                Operation::kOther, Role::kReader, true, SyncRoute(Freshness)},
      RouteSpec{HttpMethod::kGet, "/api/monitoring/alerts", "monitoring_alerts", Operation::kOther,
                Role::kReader, true, SyncRoute(Alerts)},
  };
}

}  // namespace asof::server
