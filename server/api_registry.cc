// Registry routes: entity types and features (docs/api.md, "Registry").
//
// Registry changes are rare and small, so they run on the calling I/O thread instead of
// going through the write batcher; the registry serializes them itself.
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "engine/lineage.h"
#include "server/api_json.h"
#include "server/http_api.h"
#include "server/http_errors.h"

namespace asof::server {

namespace {

namespace json = boost::json;

// A query that names no known parameter is a typo that would otherwise widen the answer
// silently ("?entitiy=user" listing every feature).
Status CheckQuery(const HttpRequest& request, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : request.query) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return InvalidArgument("unknown query parameter '" + key + "'");
    }
  }
  return Status::Ok();
}

std::string QueryOr(const HttpRequest& request, std::string_view key) {
  std::optional<std::string_view> v = request.Query(key);
  return v ? std::string(*v) : std::string();
}

Result<bool> BoolParam(const HttpRequest& request, std::string_view key) {
  std::optional<std::string_view> v = request.Query(key);
  if (!v) return false;
  if (*v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  return InvalidArgument("query parameter '" + std::string(key) +
                         "' must be true, false, 1 or 0, not '" + std::string(*v) + "'");
}

Result<HttpResponse> RegisterFeature(const ApiCall& call) {
  ASSIGN_OR_RETURN(json::value body, ParseJsonBody(call.request.body));
  ASSIGN_OR_RETURN(FeatureRegistration reg, FeatureRegistrationFromJson(body));
  FeatureSpec& spec = reg.spec;
  if (spec.owner.empty() && call.principal.role == Role::kWriter) spec.owner = call.principal.team;
  // Checked before the lookup: a name like "x@1" would otherwise resolve as a reference.
  RETURN_IF_ERROR(ValidateName("feature", spec.name));
  Registry& registry = call.ctx.engine->registry();
  // The current owner decides, so a team cannot take a feature over by re-registering it.
  Result<FeaturePtr> existing = registry.Resolve(spec.entity, spec.name);
  if (!existing.ok() && existing.status().code() != ErrorCode::kNotFound) {
    return existing.status();
  }
  const std::string& owner = existing.ok() ? (*existing)->spec.owner : spec.owner;
  RETURN_IF_ERROR(RequireOwner(call.principal, owner, spec.name));
  ASSIGN_OR_RETURN(Registry::Registered done, registry.RegisterFeature(spec, reg.new_version));
  std::string_view outcome = "created";
  int status = 201;
  switch (done.outcome) {
    case Registry::Outcome::kCreated:
      break;
    case Registry::Outcome::kUnchanged:
      outcome = "unchanged";
      status = 200;
      break;
    case Registry::Outcome::kUpdated:
      outcome = "updated";
      status = 200;
      break;
    case Registry::Outcome::kNewVersion:
      outcome = "new_version";
      break;
  }
  json::object out;
  out["outcome"] = outcome;
  out["feature"] = FeatureToJson(*done.feature);
  return JsonResponse(status, out);
}

Result<HttpResponse> ListFeatures(const ApiCall& call) {
  const HttpRequest& request = call.request;
  RETURN_IF_ERROR(CheckQuery(request, {"q", "entity", "owner", "tag", "include_deprecated"}));
  FeatureFilter filter;
  filter.text = QueryOr(request, "q");
  filter.entity = QueryOr(request, "entity");
  filter.owner = QueryOr(request, "owner");
  filter.tag = QueryOr(request, "tag");
  ASSIGN_OR_RETURN(filter.include_deprecated, BoolParam(request, "include_deprecated"));
  json::array features;
  for (const FeaturePtr& f : call.ctx.engine->registry().List(filter)) {
    features.push_back(FeatureToJson(*f));
  }
  json::object out;
  out["count"] = features.size();
  out["features"] = std::move(features);
  return JsonResponse(200, out);
}

// Persisted across restarts (values_last_hour: since asofd started); null when the
// newest version was never written.
json::value LastUpdate(const Engine& engine, uint32_t feature_id) {
  for (const FeatureActivity& a : engine.Activity()) {
    if (a.feature_id != feature_id) continue;
    json::object out;
    out["event_timestamp"] = FormatTimestamp(a.last_event_ts);
    out["ingest_timestamp"] = FormatTimestamp(a.last_ingest_ts);
    out["values_written"] = a.values_written;
    out["values_last_hour"] = a.values_last_hour;
    return out;
  }
  return nullptr;
}

Result<HttpResponse> GetFeature(const ApiCall& call) {
  RETURN_IF_ERROR(CheckQuery(call.request, {"entity"}));
  const std::string& name = call.params.at(0);
  const Registry& registry = call.ctx.engine->registry();
  ASSIGN_OR_RETURN(std::string entity, FeatureEntity(registry, call.request, name));
  ASSIGN_OR_RETURN(std::vector<FeaturePtr> versions, registry.Versions(entity, name));
  json::array version_list;
  json::array history;
  for (const FeaturePtr& f : versions) {
    version_list.push_back(FeatureToJson(*f));
    ASSIGN_OR_RETURN(std::vector<FeatureChange> changes,
                     registry.History(entity, name + "@" + std::to_string(f->version)));
    json::array change_list;
    for (const FeatureChange& c : changes) change_list.push_back(FeatureChangeToJson(c));
    json::object entry;
    entry["version"] = f->version;
    entry["changes"] = std::move(change_list);
    history.push_back(std::move(entry));
  }
  json::object out;
  out["name"] = name;
  out["entity"] = entity;
  out["versions"] = std::move(version_list);
  out["history"] = std::move(history);
  out["last_update"] =
      versions.empty() ? json::value() : LastUpdate(*call.ctx.engine, versions.back()->id);
  return JsonResponse(200, out);
}

// The optional body of a deprecation: {"version": N}; 0 when absent (every version).
Result<uint32_t> DeprecateVersion(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return 0u;
  ASSIGN_OR_RETURN(json::value body, ParseJsonBody(text));
  if (!body.is_object()) return InvalidArgument("the body must be a JSON object or empty");
  uint32_t version = 0;
  for (const auto& [key, value] : body.get_object()) {
    if (key != "version") return InvalidArgument("unknown member '" + std::string(key) + "'");
    if (value.is_null()) continue;
    if (!value.is_int64() || value.get_int64() < 1 || value.get_int64() > UINT32_MAX) {
      return InvalidArgument("version: expected a positive integer");
    }
    version = static_cast<uint32_t>(value.get_int64());
  }
  return version;
}

Result<HttpResponse> DeprecateFeature(const ApiCall& call) {
  RETURN_IF_ERROR(CheckQuery(call.request, {"entity"}));
  ASSIGN_OR_RETURN(uint32_t version, DeprecateVersion(call.request.body));
  const std::string& name = call.params.at(0);
  Registry& registry = call.ctx.engine->registry();
  ASSIGN_OR_RETURN(std::string entity, FeatureEntity(registry, call.request, name));
  const std::string ref = version == 0 ? name : name + "@" + std::to_string(version);
  ASSIGN_OR_RETURN(FeaturePtr target, registry.Resolve(entity, ref));
  RETURN_IF_ERROR(RequireOwner(call.principal, target->spec.owner, name));
  RETURN_IF_ERROR(registry.Deprecate(entity, ref));
  ASSIGN_OR_RETURN(FeaturePtr deprecated, registry.Resolve(entity, ref));
  json::object out;
  out["feature"] = FeatureToJson(*deprecated);
  // Allowed, but whoever deprecates should know which models still read the feature.
  json::array warnings;
  for (const std::string& w : DeprecationWarnings(registry, entity, name)) warnings.emplace_back(w);
  out["warnings"] = std::move(warnings);
  return JsonResponse(200, out);
}

Result<HttpResponse> RegisterEntity(const ApiCall& call) {
  ASSIGN_OR_RETURN(json::value body, ParseJsonBody(call.request.body));
  if (!body.is_object()) return InvalidArgument("the body must be a JSON object");
  const json::object& obj = body.get_object();
  for (const auto& [key, value] : obj) {
    if (key != "name" && key != "description") {
      return InvalidArgument("unknown member '" + std::string(key) + "'");
    }
  }
  const json::value* name = obj.if_contains("name");
  if (name == nullptr || !name->is_string()) return InvalidArgument("name: expected a string");
  const json::value* desc = obj.if_contains("description");
  if (desc != nullptr && !desc->is_string() && !desc->is_null()) {
    return InvalidArgument("description: expected a string or null");
  }
  const std::string_view description =
      desc != nullptr && desc->is_string() ? std::string_view(desc->get_string()) : "";
  Registry& registry = call.ctx.engine->registry();
  const bool existed = registry.GetEntityType(name->get_string()).ok();
  ASSIGN_OR_RETURN(EntityType entity, registry.RegisterEntityType(name->get_string(), description));
  json::object out;
  out["entity"] = EntityTypeToJson(entity);
  return JsonResponse(existed ? 200 : 201, out);
}

Result<HttpResponse> ListEntities(const ApiCall& call) {
  json::array entities;
  for (const EntityType& e : call.ctx.engine->registry().ListEntityTypes()) {
    entities.push_back(EntityTypeToJson(e));
  }
  json::object out;
  out["entities"] = std::move(entities);
  return JsonResponse(200, out);
}

}  // namespace

Result<std::string> FeatureEntity(const Registry& registry, const HttpRequest& request,
                                  const std::string& name) {
  if (std::optional<std::string_view> entity = request.Query("entity")) {
    return std::string(*entity);
  }
  std::vector<std::string> found;
  for (const EntityType& entity : registry.ListEntityTypes()) {
    if (registry.Versions(entity.name, name).ok()) found.push_back(entity.name);
  }
  if (found.empty()) return NotFound("feature '" + name + "' is not registered");
  if (found.size() > 1) {
    std::string list;
    for (const std::string& e : found) list += (list.empty() ? "" : ", ") + e;
    return InvalidArgument("feature '" + name + "' exists under several entity types (" + list +
                           "); choose one with ?entity=");
  }
  return found.front();
}

std::vector<RouteSpec> RegistryRoutes() {
  auto route = [](HttpMethod method, std::string pattern, std::string name, Role role,
                  Result<HttpResponse> (*handler)(const ApiCall&)) {
    return RouteSpec{method, std::move(pattern), std::move(name), Operation::kRegistry, role,
                     true,   SyncRoute(handler)};
  };
  return {
      route(HttpMethod::kPost, "/api/features", "features_register", Role::kWriter,
            RegisterFeature),
      route(HttpMethod::kGet, "/api/features", "features_list", Role::kReader, ListFeatures),
      route(HttpMethod::kGet, "/api/features/{name}", "feature_get", Role::kReader, GetFeature),
      route(HttpMethod::kPost, "/api/features/{name}/deprecate", "feature_deprecate", Role::kWriter,
            DeprecateFeature),
      route(HttpMethod::kPost, "/api/entities", "entities_register", Role::kWriter, RegisterEntity),
      route(HttpMethod::kGet, "/api/entities", "entities_list", Role::kReader, ListEntities),
  };
}

}  // namespace asof::server
