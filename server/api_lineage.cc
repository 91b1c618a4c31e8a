// Lineage routes: sources, transformations, consumers, and the lineage graph of a
// feature (docs/api.md, "Lineage"). Like the registry routes, they run on the calling
// I/O thread: changes are rare and the catalog serializes them itself.
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <charconv>
#include <string>
#include <vector>

#include "engine/catalog.h"
#include "engine/lineage.h"
#include "server/api_json.h"
#include "server/http_api.h"
#include "server/http_errors.h"

namespace asof::server {

namespace {

namespace json = boost::json;

constexpr int kDefaultDepth = 10;
constexpr int kMaxDepth = 100;

Status CheckQuery(const HttpRequest& request, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : request.query) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return InvalidArgument("unknown query parameter '" + key + "'");
    }
  }
  return Status::Ok();
}

// The body's members, checked against `strings` (optional strings, or null) and `arrays`
// (optional arrays of strings); created_at / updated_at are read-only and ignored, so a
// listed object can be posted back. `name` is required.
Result<json::object> ObjectBody(std::string_view text,
                                std::initializer_list<std::string_view> strings,
                                std::initializer_list<std::string_view> arrays = {}) {
  ASSIGN_OR_RETURN(json::value body, ParseJsonBody(text));
  if (!body.is_object()) return InvalidArgument("the body must be a JSON object");
  json::object& obj = body.get_object();
  for (const auto& [key, value] : obj) {
    if (key == "created_at" || key == "updated_at") continue;
    const bool is_string = std::find(strings.begin(), strings.end(), key) != strings.end();
    const bool is_array = std::find(arrays.begin(), arrays.end(), key) != arrays.end();
    if (!is_string && !is_array)
      return InvalidArgument("unknown member '" + std::string(key) + "'");
    if (value.is_null()) continue;
    if (is_string && !value.is_string()) {
      return InvalidArgument(std::string(key) + ": expected a string or null");
    }
    if (is_array) {
      bool ok = value.is_array();
      for (const json::value& e : ok ? value.get_array() : json::array()) ok = ok && e.is_string();
      if (!ok) return InvalidArgument(std::string(key) + ": expected an array of strings or null");
    }
  }
  const json::value* name = obj.if_contains("name");
  if (name == nullptr || !name->is_string()) return InvalidArgument("name: expected a string");
  return std::move(obj);
}

std::string Str(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::vector<std::string> Strings(const json::object& obj, std::string_view key) {
  std::vector<std::string> out;
  const json::value* v = obj.if_contains(key);
  if (v != nullptr && v->is_array()) {
    for (const json::value& e : v->get_array()) out.emplace_back(e.get_string());
  }
  return out;
}

json::array StringArray(const std::vector<std::string>& strings) {
  json::array out;
  for (const std::string& s : strings) out.emplace_back(s);
  return out;
}

json::object SourceToJson(const Source& s) {
  json::object out;
  out["name"] = s.name;
  out["kind"] = SourceKindName(s.kind);
  out["location"] = s.location;
  out["owner"] = s.owner;
  out["description"] = s.description;
  out["created_at"] = FormatTimestamp(s.created_us);
  out["updated_at"] = FormatTimestamp(s.updated_us);
  return out;
}

json::object TransformationToJson(const Transformation& t) {
  json::object out;
  out["name"] = t.name;
  out["code"] = t.code;
  out["language"] = t.language;
  out["description"] = t.description;
  out["created_at"] = FormatTimestamp(t.created_us);
  out["updated_at"] = FormatTimestamp(t.updated_us);
  return out;
}

json::object ConsumerToJson(const Consumer& c) {
  json::object out;
  out["name"] = c.name;
  out["version"] = c.version;
  out["owner"] = c.owner;
  out["description"] = c.description;
  out["features"] = StringArray(c.features);
  out["created_at"] = FormatTimestamp(c.created_us);
  out["updated_at"] = FormatTimestamp(c.updated_us);
  return out;
}

template <typename T>
HttpResponse Registered(const Catalog::Registered<T>& r, std::string_view member,
                        json::object obj) {
  json::object out;
  out["outcome"] = r.outcome == Catalog::Outcome::kCreated   ? "created"
                   : r.outcome == Catalog::Outcome::kUpdated ? "updated"
                                                             : "unchanged";
  out[member] = std::move(obj);
  return JsonResponse(r.outcome == Catalog::Outcome::kCreated ? 201 : 200, out);
}

// Writers own what they register: the current owner decides, as for features.
Status CheckOwner(const ApiCall& call, std::string* owner, const std::string* existing_owner,
                  const std::string& name) {
  if (owner->empty() && call.principal.role == Role::kWriter) *owner = call.principal.team;
  return RequireOwner(call.principal, existing_owner ? *existing_owner : *owner, name);
}

Result<HttpResponse> RegisterSource(const ApiCall& call) {
  ASSIGN_OR_RETURN(json::object obj, ObjectBody(call.request.body, {"name", "kind", "location",
                                                                    "owner", "description"}));
  Source s;
  s.name = Str(obj, "name");
  if (!obj.contains("kind")) return InvalidArgument("kind: required member is missing");
  ASSIGN_OR_RETURN(s.kind, ParseSourceKind(Str(obj, "kind")));
  s.location = Str(obj, "location");
  s.owner = Str(obj, "owner");
  s.description = Str(obj, "description");
  Catalog& catalog = call.ctx.engine->registry().catalog();
  Result<Source> existing = catalog.GetSource(s.name);
  RETURN_IF_ERROR(CheckOwner(call, &s.owner, existing.ok() ? &existing->owner : nullptr, s.name));
  ASSIGN_OR_RETURN(auto r, catalog.RegisterSource(std::move(s)));
  return Registered(r, "source", SourceToJson(r.object));
}

Result<HttpResponse> ListSources(const ApiCall& call) {
  RETURN_IF_ERROR(CheckQuery(call.request, {}));
  json::array list;
  for (const Source& s : call.ctx.engine->registry().catalog().ListSources()) {
    list.push_back(SourceToJson(s));
  }
  json::object out;
  out["sources"] = std::move(list);
  return JsonResponse(200, out);
}

Result<HttpResponse> RegisterTransformation(const ApiCall& call) {
  ASSIGN_OR_RETURN(json::object obj,
                   ObjectBody(call.request.body, {"name", "code", "language", "description"}));
  Transformation t{Str(obj, "name"), Str(obj, "code"), Str(obj, "language"),
                   Str(obj, "description")};
  ASSIGN_OR_RETURN(auto r,
                   call.ctx.engine->registry().catalog().RegisterTransformation(std::move(t)));
  return Registered(r, "transformation", TransformationToJson(r.object));
}

Result<HttpResponse> ListTransformations(const ApiCall& call) {
  RETURN_IF_ERROR(CheckQuery(call.request, {}));
  json::array list;
  for (const Transformation& t : call.ctx.engine->registry().catalog().ListTransformations()) {
    list.push_back(TransformationToJson(t));
  }
  json::object out;
  out["transformations"] = std::move(list);
  return JsonResponse(200, out);
}

Result<HttpResponse> RegisterConsumer(const ApiCall& call) {
  ASSIGN_OR_RETURN(
      json::object obj,
      ObjectBody(call.request.body, {"name", "version", "owner", "description"}, {"features"}));
  Consumer c;
  c.name = Str(obj, "name");
  c.version = Str(obj, "version");
  c.owner = Str(obj, "owner");
  c.description = Str(obj, "description");
  c.features = Strings(obj, "features");
  Catalog& catalog = call.ctx.engine->registry().catalog();
  std::string existing_owner;
  bool exists = false;
  for (const Consumer& e : catalog.ListConsumers()) {
    if (e.name == c.name && e.version == c.version) {
      exists = true;
      existing_owner = e.owner;
    }
  }
  RETURN_IF_ERROR(CheckOwner(call, &c.owner, exists ? &existing_owner : nullptr, c.name));
  ASSIGN_OR_RETURN(auto r, catalog.RegisterConsumer(std::move(c)));
  return Registered(r, "consumer", ConsumerToJson(r.object));
}

Result<HttpResponse> ListConsumers(const ApiCall& call) {
  RETURN_IF_ERROR(CheckQuery(call.request, {}));
  json::array list;
  for (const Consumer& c : call.ctx.engine->registry().catalog().ListConsumers()) {
    list.push_back(ConsumerToJson(c));
  }
  json::object out;
  out["consumers"] = std::move(list);
  return JsonResponse(200, out);
}

Result<int> DepthParam(const HttpRequest& request) {
  std::optional<std::string_view> text = request.Query("depth");
  if (!text) return kDefaultDepth;
  int depth = -1;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), depth);
  if (ec != std::errc() || end != text->data() + text->size() || depth < 0 || depth > kMaxDepth) {
    return InvalidArgument("depth must be an integer from 0 to " + std::to_string(kMaxDepth) +
                           ", not '" + std::string(*text) + "'");
  }
  return depth;
}

json::object GraphToJson(const LineageGraph& g) {
  json::array nodes;
  for (const LineageNode& n : g.nodes) {
    json::object node;
    node["id"] = n.id;
    node["kind"] = n.kind;
    node["name"] = n.name;
    if (n.kind == "feature") {
      node["entity"] = n.entity;
      node["deprecated"] = n.deprecated;
    }
    if (n.kind == "consumer") node["version"] = n.version;
    node["registered"] = n.registered;
    node["depth"] = n.depth;
    nodes.push_back(std::move(node));
  }
  json::array edges;
  for (const LineageEdge& e : g.edges) {
    json::object edge;
    edge["from"] = e.from;
    edge["to"] = e.to;
    edge["kind"] = e.kind;
    edges.push_back(std::move(edge));
  }
  json::object out;
  out["root"] = g.root;
  out["nodes"] = std::move(nodes);
  out["edges"] = std::move(edges);
  return out;
}

Result<HttpResponse> Lineage(const ApiCall& call) {
  const HttpRequest& request = call.request;
  RETURN_IF_ERROR(CheckQuery(request, {"entity", "direction", "depth", "format"}));
  const std::string_view direction_text = request.Query("direction").value_or("both");
  ASSIGN_OR_RETURN(LineageDirection direction, ParseLineageDirection(direction_text));
  ASSIGN_OR_RETURN(int depth, DepthParam(request));
  const std::string_view format = request.Query("format").value_or("json");
  if (format != "json" && format != "dot") {
    return InvalidArgument("format must be json or dot, not '" + std::string(format) + "'");
  }
  const Registry& registry = call.ctx.engine->registry();
  const std::string& name = call.params.at(0);
  ASSIGN_OR_RETURN(std::string entity, FeatureEntity(registry, request, name));
  ASSIGN_OR_RETURN(LineageGraph graph, BuildLineage(registry, entity, name, direction, depth));
  if (format == "dot") {
    HttpResponse response;
    response.content_type = "text/vnd.graphviz";
    response.body = LineageToDot(graph);
    return response;
  }
  json::object out = GraphToJson(graph);
  out["direction"] = direction_text;
  out["depth"] = depth;
  return JsonResponse(200, out);
}

}  // namespace

std::vector<RouteSpec> LineageRoutes() {
  auto route = [](HttpMethod method, std::string pattern, std::string name, Role role,
                  Result<HttpResponse> (*handler)(const ApiCall&)) {
    return RouteSpec{method, std::move(pattern), std::move(name), Operation::kRegistry, role,
                     true,   SyncRoute(handler)};
  };
  return {
      route(HttpMethod::kGet, "/api/lineage/{name}", "lineage", Role::kReader, Lineage),
      route(HttpMethod::kPost, "/api/sources", "sources_register", Role::kWriter, RegisterSource),
      route(HttpMethod::kGet, "/api/sources", "sources_list", Role::kReader, ListSources),
      route(HttpMethod::kPost, "/api/transformations", "transformations_register", Role::kWriter,
            RegisterTransformation),
      route(HttpMethod::kGet, "/api/transformations", "transformations_list", Role::kReader,
            ListTransformations),
      route(HttpMethod::kPost, "/api/consumers", "consumers_register", Role::kWriter,
            RegisterConsumer),
      route(HttpMethod::kGet, "/api/consumers", "consumers_list", Role::kReader, ListConsumers),
  };
}

}  // namespace asof::server
