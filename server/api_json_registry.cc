// Registry objects <-> JSON (declared in server/api_json.h; shapes in docs/api.md).
#include <array>
#include <boost/json/array.hpp>
#include <limits>
#include <string>

#include "server/api_json.h"

namespace asof::server {

namespace json = boost::json;

namespace {

enum class Shape { kString, kOptString, kOptStringArray, kOptDuration, kOptBool, kAny };

struct Member {
  std::string_view name;
  Shape shape;
};

// Every member a registration may carry. The read-only members of a feature object
// (FeatureToJson) are accepted and ignored, so a client can post back what it read; any
// other name is a typo that would otherwise be dropped silently ("freshnes_sla").
constexpr std::array<Member, 21> kMembers = {{
    {"name", Shape::kString},
    {"entity", Shape::kString},
    {"value_type", Shape::kString},
    {"description", Shape::kOptString},
    {"owner", Shape::kOptString},
    {"tags", Shape::kOptStringArray},
    {"source", Shape::kOptString},
    {"transformation", Shape::kOptString},
    {"upstream", Shape::kOptStringArray},
    {"freshness_sla", Shape::kOptDuration},
    {"ttl", Shape::kOptDuration},
    {"retention", Shape::kOptDuration},
    {"default_value", Shape::kAny},
    {"new_version", Shape::kOptBool},
    {"id", Shape::kAny},
    {"ref", Shape::kAny},
    {"version", Shape::kAny},
    {"revision", Shape::kAny},
    {"deprecated", Shape::kAny},
    {"created_at", Shape::kAny},
    {"updated_at", Shape::kAny},
}};

bool HasShape(const json::value& v, Shape shape) {
  switch (shape) {
    case Shape::kString:
      return v.is_string();
    case Shape::kOptString:
      return v.is_null() || v.is_string();
    case Shape::kOptStringArray: {
      if (v.is_null()) return true;
      if (!v.is_array()) return false;
      for (const json::value& e : v.get_array()) {
        if (!e.is_string()) return false;
      }
      return true;
    }
    case Shape::kOptDuration:
      return v.is_null() || v.is_string() || v.is_int64() || v.is_uint64();
    case Shape::kOptBool:
      return v.is_null() || v.is_bool();
    case Shape::kAny:
      return true;
  }
  return false;
}

std::string_view ShapeName(Shape shape) {
  switch (shape) {
    case Shape::kString:
      return "a string";
    case Shape::kOptString:
      return "a string or null";
    case Shape::kOptStringArray:
      return "an array of strings or null";
    case Shape::kOptDuration:
      return "a duration string (\"30d\"), an integer of seconds, or null";
    case Shape::kOptBool:
      return "true, false or null";
    case Shape::kAny:
      return "anything";
  }
  return "";
}

// Pass one: the body is the documented shape. Malformed bodies are 400 before any
// content is judged (422), whatever the order of their members.
Status CheckShape(const json::object& body) {
  for (const auto& [key, value] : body) {
    const Member* member = nullptr;
    for (const Member& m : kMembers) {
      if (m.name == key) member = &m;
    }
    if (member == nullptr) return InvalidArgument("unknown member '" + std::string(key) + "'");
    if (!HasShape(value, member->shape)) {
      return InvalidArgument(std::string(key) + ": expected " +
                             std::string(ShapeName(member->shape)));
    }
  }
  for (std::string_view required : {"name", "entity", "value_type"}) {
    if (!body.contains(required)) {
      return InvalidArgument(std::string(required) + ": required member is missing");
    }
  }
  return Status::Ok();
}

std::string StringOr(const json::object& body, std::string_view key) {
  const json::value* v = body.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Shape already checked: a string, an integer of seconds, or null (no duration: 0).
Result<int64_t> DurationMember(const json::object& body, std::string_view key) {
  const json::value* v = body.if_contains(key);
  if (v == nullptr || v->is_null()) return int64_t{0};
  if (v->is_string()) {
    Result<int64_t> micros = ParseDuration(v->get_string());
    if (!micros.ok()) return Unprocessable(std::string(key) + ": " + micros.status().message());
    return micros;
  }
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1000000;
  if (v->is_uint64() || v->get_int64() < 0 || v->get_int64() > kMaxSeconds) {
    return Unprocessable(std::string(key) + ": a duration in seconds must be in [0, " +
                         std::to_string(kMaxSeconds) + "]");
  }
  return v->get_int64() * 1000000;
}

json::value OptionalDuration(int64_t micros) {
  if (micros == 0) return nullptr;
  return json::string(FormatDuration(micros));
}

}  // namespace

Result<FeatureRegistration> FeatureRegistrationFromJson(const json::value& body) {
  if (!body.is_object()) {
    return InvalidArgument("the body must be a JSON object describing a feature");
  }
  const json::object& obj = body.get_object();
  RETURN_IF_ERROR(CheckShape(obj));
  FeatureRegistration out;
  FeatureSpec& spec = out.spec;
  spec.name = StringOr(obj, "name");
  spec.entity = StringOr(obj, "entity");
  ASSIGN_OR_RETURN(spec.value_type, ValueTypeFromJson(obj.at("value_type"), "value_type"));
  spec.description = StringOr(obj, "description");
  spec.owner = StringOr(obj, "owner");
  spec.source = StringOr(obj, "source");
  spec.transformation = StringOr(obj, "transformation");
  if (const json::value* tags = obj.if_contains("tags"); tags != nullptr && tags->is_array()) {
    for (const json::value& tag : tags->get_array()) spec.tags.emplace_back(tag.get_string());
  }
  if (const json::value* up = obj.if_contains("upstream"); up != nullptr && up->is_array()) {
    for (const json::value& ref : up->get_array()) spec.upstream.emplace_back(ref.get_string());
  }
  ASSIGN_OR_RETURN(spec.freshness_sla_us, DurationMember(obj, "freshness_sla"));
  ASSIGN_OR_RETURN(spec.ttl_us, DurationMember(obj, "ttl"));
  ASSIGN_OR_RETURN(spec.retention_us, DurationMember(obj, "retention"));
  // A null default is no default: serving null for a missing value is what happens anyway.
  if (const json::value* def = obj.if_contains("default_value"); def && !def->is_null()) {
    ASSIGN_OR_RETURN(Value value, ValueFromJson(*def, spec.value_type, "default_value"));
    spec.default_value = std::move(value);
  }
  if (const json::value* nv = obj.if_contains("new_version"); nv != nullptr && nv->is_bool()) {
    out.new_version = nv->get_bool();
  }
  return out;
}

json::object EntityTypeToJson(const EntityType& entity) {
  json::object out;
  out["name"] = entity.name;
  out["id"] = entity.id;
  out["description"] = entity.description;
  out["created_at"] = FormatTimestamp(entity.created_us);
  return out;
}

json::object FeatureToJson(const Feature& feature) {
  const FeatureSpec& spec = feature.spec;
  json::object out;
  out["name"] = spec.name;
  out["entity"] = spec.entity;
  out["ref"] = spec.name + "@" + std::to_string(feature.version);
  out["version"] = feature.version;
  out["revision"] = feature.revision;
  out["value_type"] = ValueTypeName(spec.value_type);
  out["description"] = spec.description;
  out["owner"] = spec.owner;
  json::array tags;
  for (const std::string& tag : spec.tags) tags.emplace_back(tag);
  out["tags"] = std::move(tags);
  out["source"] = spec.source;
  out["transformation"] = spec.transformation;
  json::array upstream;
  for (const std::string& ref : spec.upstream) upstream.emplace_back(ref);
  out["upstream"] = std::move(upstream);
  out["freshness_sla"] = OptionalDuration(spec.freshness_sla_us);
  out["ttl"] = OptionalDuration(spec.ttl_us);
  out["retention"] = OptionalDuration(spec.retention_us);
  out["default_value"] = spec.default_value ? ValueToJson(*spec.default_value) : nullptr;
  out["deprecated"] = feature.deprecated;
  out["created_at"] = FormatTimestamp(feature.created_us);
  out["updated_at"] = FormatTimestamp(feature.updated_us);
  return out;
}

json::object FeatureChangeToJson(const FeatureChange& change) {
  json::object out;
  out["revision"] = change.revision;
  out["at"] = FormatTimestamp(change.ts_us);
  out["what"] = change.what;
  return out;
}

json::object FeatureValueToJson(const FeatureValue& value) {
  json::object out;
  out["value"] = ValueToJson(value.value);
  out["status"] = ValueStatusName(value.status);
  if (value.status == ValueStatus::kNotFound) {
    out["event_timestamp"] = nullptr;
  } else {
    out["event_timestamp"] = FormatTimestamp(value.event_ts);
  }
  out["default_used"] = value.default_used;
  return out;
}

}  // namespace asof::server
