#include "server/ingest_records.h"

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <string>
#include <utility>

#include "server/api_json.h"

namespace asof::server {

namespace json = boost::json;

namespace {

constexpr std::string_view kSpace = " \t\r\n";

std::string_view Trim(std::string_view s) {
  size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

bool IsJsonLinesType(std::string_view content_type) {
  return content_type == "application/x-ndjson" || content_type == "application/jsonl" ||
         content_type == "application/x-jsonlines";
}

Status TooManyRecords(size_t n, size_t limit) {
  // Worded as the native protocol's write limit: it is the same setting.
  return PayloadTooLarge("records in one write: " + std::to_string(n) + " exceeds the limit of " +
                         std::to_string(limit) + " (limits.max_records_per_write in asofd.toml)");
}

Result<std::vector<json::value>> ParseArray(std::string_view body, size_t max_records) {
  Result<json::value> parsed = ParseJsonBody(body);
  if (!parsed.ok()) {
    return InvalidArgument("body is not a JSON array of records: " + parsed.status().message());
  }
  if (!parsed->is_array()) return InvalidArgument("body is not a JSON array of records");
  json::array& array = parsed->as_array();
  if (array.size() > max_records) return TooManyRecords(array.size(), max_records);
  std::vector<json::value> records;
  records.reserve(array.size());
  for (json::value& v : array) records.push_back(std::move(v));
  return records;
}

Result<std::vector<json::value>> ParseLines(std::string_view body, size_t max_records,
                                            bool declared) {
  struct Line {
    size_t number;  // 1-based, counting blank lines, as an editor shows it
    std::string_view text;
  };
  std::vector<Line> lines;
  size_t number = 0;
  for (size_t pos = 0; pos <= body.size();) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    ++number;
    std::string_view text = Trim(body.substr(pos, end - pos));
    if (!text.empty()) lines.push_back({number, text});
    pos = end + 1;
  }
  // Before any parsing: an oversized batch costs no more than counting its lines.
  if (lines.size() > max_records) return TooManyRecords(lines.size(), max_records);
  std::vector<json::value> records;
  records.reserve(lines.size());
  for (const Line& line : lines) {
    Result<json::value> parsed = ParseJsonBody(line.text);
    if (!parsed.ok()) {
      return InvalidArgument(
          "line " + std::to_string(line.number) + ": " + parsed.status().message() +
          (declared ? ""
                    : " (a body that does not start with '[' is read as JSON Lines: one "
                      "record object per line)"));
    }
    records.push_back(std::move(*parsed));
  }
  return records;
}

constexpr std::array<std::string_view, 6> kMembers = {"entity", "entity_id", "feature",
                                                      "value",  "event_id",  "event_timestamp"};

// Reads every member it can into *out, so a dead letter keeps as much as possible; the
// first problem is the reason.
Status ReadRecord(const json::value& v, const Registry& registry, WriteRecord* out) {
  if (!v.is_object()) {
    return Unprocessable("a record must be a JSON object, not " + std::string(JsonKindName(v)));
  }
  const json::object& object = v.as_object();
  Status first;
  auto note = [&first](Status s) {
    if (first.ok()) first = std::move(s);
  };
  for (const auto& member : object) {
    const std::string_view key(member.key().data(), member.key().size());
    if (std::find(kMembers.begin(), kMembers.end(), key) == kMembers.end()) {
      note(Unprocessable("unknown member '" + std::string(key) +
                         "' (a record has entity, entity_id, feature, value, event_timestamp "
                         "and event_id)"));
    }
  }
  auto string_member = [&](std::string_view name, std::string* dest, bool required) {
    const json::value* m = object.if_contains(name);
    if (m == nullptr || (!required && m->is_null())) {
      if (required) note(Unprocessable(std::string(name) + ": missing"));
      return false;
    }
    if (!m->is_string()) {
      note(Unprocessable(std::string(name) + ": expected a string, got " +
                         std::string(JsonKindName(*m))));
      return false;
    }
    *dest = std::string(m->as_string());
    return true;
  };
  const bool has_entity = string_member("entity", &out->entity_type, true);
  string_member("entity_id", &out->entity_id, true);
  const bool has_feature = string_member("feature", &out->feature, true);
  if (const json::value* ts = object.if_contains("event_timestamp")) {
    Result<int64_t> micros = TimestampFromJson(*ts, "event_timestamp");
    if (micros.ok()) {
      out->event_ts = *micros;
    } else {
      note(Unprocessable(micros.status().message()));
    }
  } else {
    note(Unprocessable("event_timestamp: missing"));
  }
  string_member("event_id", &out->event_id, false);

  const json::value* value = object.if_contains("value");
  if (value == nullptr) {
    note(Unprocessable("value: missing (null writes an explicit null)"));
  } else if (has_entity && has_feature) {
    Result<FeaturePtr> feature = registry.Resolve(out->entity_type, out->feature);
    if (!feature.ok()) {
      note(Unprocessable(feature.status().message()));
    } else {
      Result<Value> converted = ValueFromJson(*value, (*feature)->spec.value_type, "value");
      if (converted.ok()) {
        out->value = std::move(*converted);
      } else {
        note(Unprocessable("feature '" + out->feature + "': " + converted.status().message()));
      }
    }
  }
  return first;
}

}  // namespace

Result<std::vector<json::value>> ParseIngestBody(std::string_view body,
                                                 std::string_view content_type,
                                                 size_t max_records) {
  std::string_view trimmed = Trim(body);
  if (trimmed.empty()) {
    return InvalidArgument("empty body: expected a JSON array of records or JSON Lines");
  }
  const bool declared = IsJsonLinesType(content_type);
  if (declared || trimmed.front() != '[') return ParseLines(trimmed, max_records, declared);
  return ParseArray(trimmed, max_records);
}

std::variant<WriteRecord, DeadLetterInput> ConvertIngestRecord(const json::value& json,
                                                               const Registry& registry) {
  WriteRecord record;
  Status problem = ReadRecord(json, registry, &record);
  if (problem.ok()) return record;
  DeadLetterInput letter;
  record.value = Value::String(json::serialize(json));
  letter.record = std::move(record);
  letter.reason = std::move(problem);
  return letter;
}

}  // namespace asof::server
