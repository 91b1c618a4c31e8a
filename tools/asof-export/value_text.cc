#include "tools/asof-export/value_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <type_traits>

#include "engine/number_text.h"
#include "engine/value.h"  // the ValueType enum only: tools do not link the engine

namespace asof::exporter {

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

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

// Non-finite numbers as text, the way asof's JSON spells them; empty for finite ones.
template <typename T>
std::string_view NonFiniteName(T v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return {};
}

// A list element or a JSON scalar number.
template <typename T>
void AppendJsonNumber(T v, std::string* out) {
  std::string_view name = NonFiniteName(v);
  if (name.empty()) {
    AppendNumber(v, out);
  } else {
    AppendJsonString(name, out);
  }
}

template <typename T>
void AppendCsvNumber(T v, std::string* out) {
  std::string_view name = NonFiniteName(v);
  if (name.empty()) {
    AppendNumber(v, out);
  } else {
    out->append(name);
  }
}

void AppendBase64(const std::vector<uint8_t>& in, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t n = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    for (int shift : {18, 12, 6, 0}) out->push_back(kAlphabet[(n >> shift) & 63]);
  }
  const size_t rest = in.size() - i;
  if (rest == 0) return;
  uint32_t n = uint32_t{in[i]} << 16;
  if (rest == 2) n |= uint32_t{in[i + 1]} << 8;
  out->push_back(kAlphabet[(n >> 18) & 63]);
  out->push_back(kAlphabet[(n >> 12) & 63]);
  out->push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
  out->push_back('=');
}

// The JSON text of a list value, or of any value inside a JSON document.
void AppendJsonOf(const wire::ValueT& v, std::string* out) {
  auto list = [&](const auto& items, auto&& each) {
    out->push_back('[');
    for (size_t k = 0; k < items.size(); ++k) {
      if (k > 0) out->push_back(',');
      each(items[k]);
    }
    out->push_back(']');
  };
  switch (static_cast<ValueType>(v.type)) {
    case ValueType::kNull:
      out->append("null");
      return;
    case ValueType::kBool:
      out->append(v.b ? "true" : "false");
      return;
    case ValueType::kInt32:
    case ValueType::kInt64:
      AppendNumber(v.i, out);
      return;
    case ValueType::kFloat:
      AppendJsonNumber(v.f, out);
      return;
    case ValueType::kDouble:
      AppendJsonNumber(v.d, out);
      return;
    case ValueType::kString:
      AppendJsonString(v.s, out);
      return;
    case ValueType::kBytes: {
      std::string b64;
      AppendBase64(v.bytes, &b64);
      AppendJsonString(b64, out);
      return;
    }
    case ValueType::kTimestamp:
      AppendJsonString(FormatRfc3339(v.i), out);
      return;
    case ValueType::kFloatList:
      list(v.floats, [&](float f) { AppendJsonNumber(f, out); });
      return;
    case ValueType::kDoubleList:
      list(v.doubles, [&](double d) { AppendJsonNumber(d, out); });
      return;
    case ValueType::kInt64List:
      list(v.longs, [&](int64_t i) { AppendNumber(i, out); });
      return;
    case ValueType::kStringList:
      list(v.strings, [&](const std::string& s) { AppendJsonString(s, out); });
      return;
  }
  out->append("null");  // a type this tool does not know (a newer server)
}

}  // namespace

bool IsNullValue(const wire::ValueT* value) {
  return value == nullptr || static_cast<ValueType>(value->type) == ValueType::kNull;
}

void AppendValueCsv(const wire::ValueT* value, char delimiter, std::string* out) {
  if (IsNullValue(value)) return;
  const wire::ValueT& v = *value;
  switch (static_cast<ValueType>(v.type)) {
    case ValueType::kBool:
      out->append(v.b ? "true" : "false");
      return;
    case ValueType::kInt32:
    case ValueType::kInt64:
      AppendNumber(v.i, out);
      return;
    case ValueType::kFloat:
      AppendCsvNumber(v.f, out);
      return;
    case ValueType::kDouble:
      AppendCsvNumber(v.d, out);
      return;
    case ValueType::kString:
      AppendCsvCell(v.s, delimiter, out, /*quote_empty=*/true);
      return;
    case ValueType::kBytes:
      AppendBase64(v.bytes, out);
      return;
    case ValueType::kTimestamp:
      out->append(FormatRfc3339(v.i));
      return;
    default: {  // lists: their JSON text
      std::string json;
      AppendJsonOf(v, &json);
      AppendCsvCell(json, delimiter, out);
      return;
    }
  }
}

void AppendValueJson(const wire::ValueT* value, std::string* out) {
  if (IsNullValue(value)) {
    out->append("null");
    return;
  }
  AppendJsonOf(*value, out);
}

void AppendCsvCell(std::string_view text, char delimiter, std::string* out, bool quote_empty) {
  const bool needs_quotes = (quote_empty && text.empty()) ||
                            text.find_first_of("\"\r\n") != std::string_view::npos ||
                            text.find(delimiter) != std::string_view::npos;
  if (!needs_quotes) {
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

void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

std::string StatusName(uint8_t status) {
  switch (status) {
    case 0:
      return "PRESENT";
    case 1:
      return "NULL_VALUE";
    case 2:
      return "NOT_FOUND";
    case 3:
      return "OUTSIDE_MAX_AGE";
  }
  return "STATUS_" + std::to_string(status);
}

std::string FormatRfc3339(int64_t micros) {
  // Floor division, so times before 1970 keep a non-negative time of day.
  int64_t days = micros / kMicrosPerDay;
  int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  // Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const int64_t secs = rest / kMicrosPerSecond;
  const int64_t frac = rest % kMicrosPerSecond;
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld",
                        static_cast<long long>(year), static_cast<long long>(month),
                        static_cast<long long>(day), static_cast<long long>(secs / 3600),
                        static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    std::snprintf(buf, sizeof(buf), ".%06lld", static_cast<long long>(frac));
    out += buf;
  }
  out.push_back('Z');
  return out;
}

}  // namespace asof::exporter
