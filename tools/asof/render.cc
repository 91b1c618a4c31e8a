#include "tools/asof/render.h"

#include <array>

#include "engine/status.h"
#include "tools/asof/time_format.h"
#include "tools/asof/value_format.h"

namespace asof::shell {

namespace {

constexpr std::array<std::string_view, 4> kStatusNames = {"PRESENT", "NULL_VALUE", "NOT_FOUND",
                                                          "OUTSIDE_MAX_AGE"};
constexpr uint8_t kPresent = 0, kNullValue = 1, kNotFound = 2;

bool ServesValue(const wire::FeatureValueT& v) { return v.status == kPresent || v.default_used; }

}  // namespace

std::string ValueStatusName(uint8_t status) {
  if (status < kStatusNames.size()) return std::string(kStatusNames[status]);
  return "STATUS_" + std::to_string(status);
}

std::string ErrorName(uint8_t code) {
  return std::string(ErrorCodeName(static_cast<ErrorCode>(code)));
}

std::string OutcomeName(wire::RegisterOutcome outcome) {
  switch (outcome) {
    case wire::RegisterOutcome::Created:
      return "created";
    case wire::RegisterOutcome::Unchanged:
      return "unchanged";
    case wire::RegisterOutcome::Updated:
      return "updated";
    case wire::RegisterOutcome::NewVersion:
      return "new version";
  }
  return "outcome " + std::to_string(static_cast<int>(outcome));
}

std::string FeatureLabel(const std::string& entity, const std::string& name, uint32_t version) {
  std::string out = entity + "." + name;
  if (version != 0) out += "@" + std::to_string(version);
  return out;
}

std::string ServedValueCell(const wire::FeatureValueT& v) {
  if (v.status == kNullValue) return "null";
  if (!ServesValue(v)) return "-";
  std::string out = FormatValue(v.value.get());
  if (v.default_used) out += " (default)";
  return out;
}

std::string EventTimeCell(const wire::FeatureValueT& v) {
  return v.status == kNotFound ? "-" : FormatTime(v.event_ts);
}

std::string DurationCell(int64_t micros) { return micros == 0 ? "-" : FormatDuration(micros); }

void WriteServedValueFields(JsonWriter& json, const wire::FeatureValueT& v) {
  json.Field("status", ValueStatusName(v.status));
  json.Key("value");
  if (ServesValue(v)) {
    WriteJsonValue(json, v.value.get());
  } else {
    json.Null();
  }
  json.Key("default_used");
  json.Bool(v.default_used);
  json.Key("event_time");
  if (v.status == kNotFound) {
    json.Null();
  } else {
    json.String(FormatTime(v.event_ts));
  }
  json.Key("ingest_time");
  if (v.status == kNotFound) {
    json.Null();
  } else {
    json.String(FormatTime(v.ingest_ts));
  }
}

void WriteFeatureJson(JsonWriter& json, const wire::FeatureT& f) {
  static const wire::FeatureSpecT kEmpty;
  const wire::FeatureSpecT& s = f.spec ? *f.spec : kEmpty;
  json.BeginObject();
  json.Field("entity", s.entity);
  json.Field("name", s.name);
  json.Key("version");
  json.Uint(f.version);
  json.Key("id");
  json.Uint(f.id);
  json.Field("value_type", TypeName(s.value_type));
  json.Field("description", s.description);
  json.Field("owner", s.owner);
  json.Key("tags");
  json.BeginArray();
  for (const auto& tag : s.tags) json.String(tag);
  json.EndArray();
  json.Field("source", s.source);
  json.Field("transformation", s.transformation);
  json.Key("ttl_us");
  json.Int(s.ttl_us);
  json.Key("freshness_sla_us");
  json.Int(s.freshness_sla_us);
  json.Key("retention_us");
  json.Int(s.retention_us);
  json.Key("default");
  if (s.default_value) {
    WriteJsonValue(json, s.default_value.get());
  } else {
    json.Null();
  }
  json.Key("deprecated");
  json.Bool(f.deprecated);
  json.Key("revision");
  json.Uint(f.revision);
  json.Field("created", FormatTime(f.created_us));
  json.Field("updated", FormatTime(f.updated_us));
  json.EndObject();
}

void WriteStatusJson(JsonWriter& json, const wire::StatusT* status) {
  json.BeginObject();
  json.Field("code", status ? ErrorName(status->code) : "OK");
  json.Field("message", status ? status->message : "");
  json.EndObject();
}

}  // namespace asof::shell
