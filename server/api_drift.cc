// Drift routes (docs/api.md, "Drift"): GET /api/monitoring/drift and the baselines
// (list, get, record from a window of served values, delete). Answered on the calling
// I/O thread: a drift query merges a few small sketches per feature, and a baseline
// change is one small RocksDB write.
#include "server/api_drift.h"

#include <algorithm>
#include <boost/json/object.hpp>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "server/api_json.h"
#include "server/http_api.h"
#include "server/http_errors.h"

namespace asof::server {

namespace {

namespace json = boost::json;

Status CheckQuery(const HttpRequest& request, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : request.query) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return InvalidArgument("unknown query parameter '" + key + "' (expected " +
                             (list.empty() ? "none" : list) + ")");
    }
  }
  return Status::Ok();
}

// A non-empty query parameter, or "" when absent.
Result<std::string> TextParam(const HttpRequest& request, std::string_view key) {
  std::optional<std::string_view> v = request.Query(key);
  if (!v) return std::string();
  if (v->empty()) return InvalidArgument("query parameter '" + std::string(key) + "' is empty");
  return std::string(*v);
}

// JSON has no NaN or infinity; a statistic that is not finite is reported as null.
json::value Number(std::optional<double> v) {
  return v && std::isfinite(*v) ? json::value(*v) : json::value(nullptr);
}

std::string Short(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", v);
  return text;
}

void AddIdentity(const Feature& feature, json::object* out) {
  (*out)["feature"] = feature.spec.name;
  (*out)["entity"] = feature.spec.entity;
  (*out)["version"] = feature.version;
  (*out)["ref"] = feature.spec.name + "@" + std::to_string(feature.version);
}

json::object DriftToJson(const FeatureDrift& d) {
  json::object out;
  AddIdentity(*d.feature, &out);
  out["baseline"] = d.baseline_id;
  out["categorical"] = d.categorical;
  out["window_from"] = FormatTimestamp(d.window_from);
  out["window_to"] = FormatTimestamp(d.window_to);
  out["baseline_count"] = d.baseline_count;
  out["baseline_missing"] = d.baseline_missing;
  out["served_count"] = d.served_count;
  out["served_missing"] = d.served_missing;
  out["ks"] = Number(d.ks);
  out["ks_error_bound"] = Number(d.ks_error_bound);
  out["psi"] = Number(d.psi);
  out["chi_square"] = Number(d.chi_square);
  out["chi_square_p_value"] = Number(d.chi_square_p_value);
  out["drifting"] = d.drifting;
  out["note"] = d.note.empty() ? json::value(nullptr) : json::value(d.note);
  return out;
}

json::object BaselineToJson(const BaselineInfo& b) {
  json::object out;
  out["id"] = b.id;
  out["origin"] = b.origin;
  out["created_at"] = FormatTimestamp(b.created_ts);
  out["updated_at"] = FormatTimestamp(b.updated_ts);
  out["rows"] = b.rows;
  json::array features;
  for (const FeaturePtr& f : b.features) {
    json::object item;
    AddIdentity(*f, &item);
    features.push_back(std::move(item));
  }
  out["features"] = std::move(features);
  return out;
}

Result<HttpResponse> Drift(const ApiCall& call) {
  const HttpRequest& request = call.request;
  RETURN_IF_ERROR(CheckQuery(request, {"feature", "entity", "baseline", "window"}));
  DriftQuery query;
  ASSIGN_OR_RETURN(query.feature, TextParam(request, "feature"));
  ASSIGN_OR_RETURN(query.entity_type, TextParam(request, "entity"));
  ASSIGN_OR_RETURN(query.baseline_id, TextParam(request, "baseline"));
  ASSIGN_OR_RETURN(std::string window, TextParam(request, "window"));
  if (!window.empty()) {
    Result<int64_t> us = ParseDuration(window);
    if (!us.ok()) return InvalidArgument("query parameter 'window': " + us.status().message());
    if (*us <= 0) return InvalidArgument("query parameter 'window' must be longer than 0s");
    query.window_us = *us;
  }
  if (!query.feature.empty() && query.entity_type.empty()) {
    ASSIGN_OR_RETURN(query.entity_type,
                     FeatureEntity(call.ctx.engine->registry(), request,
                                   query.feature.substr(0, query.feature.find('@'))));
  }
  DriftMonitor& monitor = call.ctx.engine->drift();
  ASSIGN_OR_RETURN(std::vector<FeatureDrift> drift, monitor.Drift(query));
  const DriftOptions& options = monitor.options();
  json::array features;
  size_t drifting = 0;
  for (const FeatureDrift& d : drift) {
    drifting += d.drifting ? 1 : 0;
    features.push_back(DriftToJson(d));
  }
  json::object thresholds;
  thresholds["ks"] = options.ks_threshold;
  thresholds["psi"] = options.psi_threshold;
  thresholds["min_samples"] = options.min_samples;
  json::object out;
  out["window"] =
      FormatDuration(query.window_us > 0 ? query.window_us : options.default_query_window_us);
  out["thresholds"] = std::move(thresholds);
  out["count"] = features.size();
  out["drifting_count"] = drifting;
  out["features"] = std::move(features);
  return JsonResponse(200, out);
}

Result<HttpResponse> ListBaselines(const ApiCall& call) {
  RETURN_IF_ERROR(CheckQuery(call.request, {}));
  ASSIGN_OR_RETURN(std::vector<BaselineInfo> baselines, call.ctx.engine->drift().ListBaselines());
  json::array list;
  for (const BaselineInfo& b : baselines) list.push_back(BaselineToJson(b));
  json::object out;
  out["count"] = list.size();
  out["baselines"] = std::move(list);
  return JsonResponse(200, out);
}

Result<HttpResponse> GetBaseline(const ApiCall& call) {
  RETURN_IF_ERROR(CheckQuery(call.request, {}));
  ASSIGN_OR_RETURN(BaselineInfo b, call.ctx.engine->drift().GetBaseline(call.params.at(0)));
  return JsonResponse(200, BaselineToJson(b));
}

// {"id": "...", "from": <timestamp>, "to": <timestamp>}: every member required.
Result<HttpResponse> CreateBaseline(const ApiCall& call) {
  RETURN_IF_ERROR(CheckQuery(call.request, {}));
  ASSIGN_OR_RETURN(json::value body, ParseJsonBody(call.request.body));
  if (!body.is_object()) return InvalidArgument("the body must be a JSON object");
  const json::object& obj = body.as_object();
  for (const auto& [key, value] : obj) {
    if (key != "id" && key != "from" && key != "to") {
      return InvalidArgument("unknown member '" + std::string(key) + "' (expected id, from, to)");
    }
  }
  for (std::string_view member : {"id", "from", "to"}) {
    if (!obj.contains(member)) {
      return InvalidArgument("missing member '" + std::string(member) + "'");
    }
  }
  const json::value& id = obj.at("id");
  if (!id.is_string())
    return InvalidArgument("id: expected a string, got " + std::string(JsonKindName(id)));
  ASSIGN_OR_RETURN(int64_t from, TimestampFromJson(obj.at("from"), "from"));
  ASSIGN_OR_RETURN(int64_t to, TimestampFromJson(obj.at("to"), "to"));
  if (from > to) return Unprocessable("from is after to");
  ASSIGN_OR_RETURN(BaselineInfo b,
                   call.ctx.engine->drift().BaselineFromWindow(id.as_string(), from, to));
  return JsonResponse(201, BaselineToJson(b));
}

Result<HttpResponse> DeleteBaseline(const ApiCall& call) {
  RETURN_IF_ERROR(CheckQuery(call.request, {}));
  const std::string& id = call.params.at(0);
  RETURN_IF_ERROR(call.ctx.engine->drift().DeleteBaseline(id));
  json::object out;
  out["id"] = id;
  out["deleted"] = true;
  return JsonResponse(200, out);
}

}  // namespace

Status AppendDriftAlerts(Engine& engine, bool include_deprecated, json::array* alerts) {
  ASSIGN_OR_RETURN(std::vector<FeatureDrift> drift, engine.drift().Drift(DriftQuery{}));
  const DriftOptions& options = engine.drift().options();
  for (const FeatureDrift& d : drift) {
    if (!d.drifting || (d.feature->deprecated && !include_deprecated)) continue;
    std::string why;
    if (d.ks && *d.ks > options.ks_threshold) {
      why = "KS " + Short(*d.ks) + " > " + Short(options.ks_threshold);
    }
    if (d.psi && *d.psi > options.psi_threshold) {
      why += (why.empty() ? "" : ", ") + std::string("PSI ") + Short(*d.psi) + " > " +
             Short(options.psi_threshold);
    }
    json::object out;
    out["kind"] = "drift";
    AddIdentity(*d.feature, &out);
    out["message"] = "served values drift from baseline '" + d.baseline_id + "' over the last " +
                     FormatDuration(options.default_query_window_us) +
                     (why.empty() ? "" : " (" + why + ")");
    out["baseline"] = d.baseline_id;
    out["window_from"] = FormatTimestamp(d.window_from);
    out["window_to"] = FormatTimestamp(d.window_to);
    out["ks"] = Number(d.ks);
    out["psi"] = Number(d.psi);
    out["chi_square"] = Number(d.chi_square);
    out["served_count"] = d.served_count;
    out["baseline_count"] = d.baseline_count;
    alerts->push_back(std::move(out));
  }
  return Status::Ok();
}

std::vector<RouteSpec> DriftRoutes() {
  auto route = [](HttpMethod method, std::string pattern, std::string name, Role role,
                  Result<HttpResponse> (*handler)(const ApiCall&)) {
    return RouteSpec{method, std::move(pattern), std::move(name), Operation::kOther, role,
                     true,   SyncRoute(handler)};
  };
  return {
      route(HttpMethod::kGet, "/api/monitoring/drift", "monitoring_drift", Role::kReader, Drift),
      route(HttpMethod::kGet, "/api/monitoring/baselines", "baselines_list", Role::kReader,
            ListBaselines),
      route(HttpMethod::kPost, "/api/monitoring/baselines", "baselines_create", Role::kWriter,
            CreateBaseline),
      route(HttpMethod::kGet, "/api/monitoring/baselines/{id}", "baselines_get", Role::kReader,
            GetBaseline),
      route(HttpMethod::kDelete, "/api/monitoring/baselines/{id}", "baselines_delete",
            Role::kWriter, DeleteBaseline),
  };
}

}  // namespace asof::server
