#include "server/historical_format.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <cctype>
#include <charconv>
#include <type_traits>

#include "engine/number_text.h"
#include "server/api_json.h"
#include "server/json_text.h"

namespace asof::server {

namespace {

namespace json = boost::json;

std::string Quoted(std::string_view s) { return json::serialize(json::string_view(s)); }

template <typename T>
void AppendNumber(T v, std::string* out) {
  if constexpr (std::is_same_v<T, double>) {
    AppendShortestDouble(v, out);  // engine/number_text.h: one layout everywhere
    return;
  } else if constexpr (std::is_same_v<T, float>) {
    AppendShortestFloat(v, out);
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<size_t>(end - buf));  // 64 bytes fit any of these types
}

std::string_view ModeName(AsOfMode mode) {
  return mode == AsOfMode::kReplay ? "replay" : "event_time";
}

}  // namespace

HistoricalFormat HistoricalFormatFor(std::string_view accept) {
  static constexpr std::string_view kCsv = "text/csv";
  auto it = std::search(accept.begin(), accept.end(), kCsv.begin(), kCsv.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return it == accept.end() ? HistoricalFormat::kJson : HistoricalFormat::kCsv;
}

std::string_view HistoricalContentType(HistoricalFormat format) {
  return format == HistoricalFormat::kCsv ? "text/csv; charset=utf-8" : "application/json";
}

void AppendCsvCell(std::string_view text, std::string* out) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char c : text) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

std::string CsvValueText(const Value& value) {
  std::string out;
  switch (value.type()) {
    case ValueType::kNull:
      break;
    case ValueType::kBool:
      out = value.as_bool() ? "true" : "false";
      break;
    case ValueType::kInt32:
      AppendNumber(value.as_int32(), &out);
      break;
    case ValueType::kInt64:
      AppendNumber(value.as_int64(), &out);
      break;
    case ValueType::kFloat:
      AppendNumber(value.as_float(), &out);
      break;
    case ValueType::kDouble:
      AppendNumber(value.as_double(), &out);
      break;
    case ValueType::kString:
      out = value.as_string();
      break;
    case ValueType::kTimestamp:
      out = FormatTimestamp(value.as_timestamp());
      break;
    case ValueType::kBytes: {
      // Base64, exactly as the JSON answers carry it.
      json::value v = ValueToJson(value);
      if (v.is_string()) out = std::string(v.as_string());
      break;
    }
    default:  // lists: their JSON text
      out = JsonText(ValueToJson(value));
      break;
  }
  return out;
}

HistoricalWriter::HistoricalWriter(HistoricalFormat format, std::string entity, AsOfMode mode,
                                   std::vector<std::string> features, bool include_status,
                                   std::string dataset_id)
    : format_(format),
      entity_(std::move(entity)),
      mode_(mode),
      features_(std::move(features)),
      include_status_(include_status),
      dataset_id_(std::move(dataset_id)) {
  for (const std::string& f : features_) json_keys_.push_back(Quoted(f) + ":");
}

void HistoricalWriter::Begin(std::string* out) {
  if (format_ == HistoricalFormat::kCsv) {
    out->append("entity_id,timestamp");
    for (const std::string& f : features_) {
      out->push_back(',');
      AppendCsvCell(f, out);
      if (include_status_) {
        out->push_back(',');
        AppendCsvCell(f + "__status", out);
      }
    }
    out->push_back('\n');
    return;
  }
  out->append("{\"entity\":").append(Quoted(entity_));
  out->append(",\"mode\":\"").append(ModeName(mode_)).append("\"");
  if (!dataset_id_.empty()) out->append(",\"dataset_id\":").append(Quoted(dataset_id_));
  out->append(",\"features\":[");
  for (size_t j = 0; j < features_.size(); ++j) {
    if (j > 0) out->push_back(',');
    out->append(Quoted(features_[j]));
  }
  out->append("],\"rows\":[");
}

void HistoricalWriter::AppendRows(std::span<const AsOfRow> rows,
                                  std::span<const FeatureValue> values, std::string* out) {
  const size_t nf = features_.size();
  for (size_t r = 0; r < rows.size(); ++r) {
    auto row_values = values.subspan(r * nf, nf);
    if (format_ == HistoricalFormat::kCsv) {
      AppendCsvRow(rows[r], row_values, out);
    } else {
      AppendJsonRow(rows[r], row_values, out);
    }
  }
}

void HistoricalWriter::End(std::string* out) {
  if (format_ == HistoricalFormat::kJson) out->append("]}");
}

void HistoricalWriter::AppendJsonRow(const AsOfRow& row, std::span<const FeatureValue> values,
                                     std::string* out) {
  if (!first_row_) out->push_back(',');
  first_row_ = false;
  out->append("{\"entity_id\":").append(Quoted(row.entity_id));
  out->append(",\"timestamp\":\"").append(FormatTimestamp(row.ts)).append("\",\"features\":{");
  for (size_t j = 0; j < values.size(); ++j) {
    if (j > 0) out->push_back(',');
    out->append(json_keys_[j]);
    AppendJsonText(FeatureValueToJson(values[j]), out);
  }
  out->append("}}");
}

void HistoricalWriter::AppendCsvRow(const AsOfRow& row, std::span<const FeatureValue> values,
                                    std::string* out) {
  AppendCsvCell(row.entity_id, out);
  out->push_back(',');
  out->append(FormatTimestamp(row.ts));
  for (const FeatureValue& v : values) {
    out->push_back(',');
    if (!v.value.is_null()) AppendCsvCell(CsvValueText(v.value), out);
    if (include_status_) out->append(",").append(ValueStatusName(v.status));
  }
  out->push_back('\n');
}

}  // namespace asof::server
