#include "server/api_json.h"
#include "wire/json_parse.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace asof::server {

namespace json = boost::json;

namespace {

// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z.
constexpr int64_t kMinRfc3339Micros = -62167219200LL * 1000000;
constexpr int64_t kMaxRfc3339Micros = 253402300799999999LL;

std::string Named(std::string_view member, std::string_view what) {
  return std::string(member) + ": " + std::string(what);
}

// A value of the wrong JSON kind for its feature type: well-formed JSON, invalid content.
Status WrongKind(std::string_view member, ValueType type, const json::value& v) {
  return Unprocessable(Named(member, "a " + std::string(ValueTypeName(type)) + " value cannot be " +
                                         std::string(JsonKindName(v))));
}

// Integers only: 1.5 (or 1.0, which JSON already calls a fraction) is not an integer.
Result<int64_t> Int64FromJson(const json::value& v, std::string_view member, ValueType type) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return Unprocessable(Named(member, "integer out of range for INT64"));
  if (v.is_string()) {
    // Decimal text keeps precision for clients whose numbers are doubles.
    const json::string& s = v.get_string();
    int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc::result_out_of_range) {
      return Unprocessable(Named(member, "integer out of range for INT64"));
    }
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
      return Unprocessable(Named(member, "'" + std::string(s) + "' is not a decimal integer"));
    }
    return out;
  }
  return WrongKind(member, type, v);
}

// JSON has no NaN or infinities; they travel as these strings (as in protobuf's JSON).
constexpr std::string_view kNaN = "NaN";
constexpr std::string_view kInf = "Infinity";
constexpr std::string_view kNegInf = "-Infinity";

Result<double> DoubleFromJson(const json::value& v, std::string_view member, ValueType type) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_string()) {
    const json::string& s = v.get_string();
    if (s == kNaN) return std::numeric_limits<double>::quiet_NaN();
    if (s == kInf) return std::numeric_limits<double>::infinity();
    if (s == kNegInf) return -std::numeric_limits<double>::infinity();
  }
  return WrongKind(member, type, v);
}

Result<float> FloatFromJson(const json::value& v, std::string_view member, ValueType type) {
  ASSIGN_OR_RETURN(double d, DoubleFromJson(v, member, type));
  // Half an ulp above FLT_MAX rounds to infinity; anything below rounds to FLT_MAX, which
  // is what FLT_MAX's own shortest spelling (3.4028235e38) reads back as.
  static const double kFloatLimit =
      static_cast<double>(std::numeric_limits<float>::max()) + std::ldexp(1.0, 103);
  if (std::isfinite(d) && std::fabs(d) >= kFloatLimit) {
    return Unprocessable(Named(member, "number out of range for FLOAT (f32)"));
  }
  return static_cast<float>(d);
}

Result<std::string> TextFromJson(const json::value& v, std::string_view member, ValueType type) {
  if (!v.is_string()) return WrongKind(member, type, v);
  std::string s(v.get_string());
  if (!IsValidUtf8(s)) return Unprocessable(Named(member, "string is not valid UTF-8"));
  return s;
}

template <typename T, typename Parse>
Result<std::vector<T>> ListFromJson(const json::value& v, std::string_view member, ValueType type,
                                    Parse parse) {
  if (!v.is_array()) return WrongKind(member, type, v);
  const json::array& array = v.get_array();
  std::vector<T> out;
  out.reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    const std::string name = std::string(member) + "[" + std::to_string(i) + "]";
    if (array[i].is_null()) return Unprocessable(Named(name, "list elements cannot be null"));
    ASSIGN_OR_RETURN(T element, parse(array[i], name));
    out.push_back(std::move(element));
  }
  return out;
}

json::value DoubleToJson(double d) {
  if (std::isnan(d)) return json::string(kNaN);
  if (std::isinf(d)) return json::string(d > 0 ? kInf : kNegInf);
  return d;
}

// The shortest decimal that reads back as the same f32, so 0.1f prints as 0.1 and not
// as the f64 nearest to it (0.10000000149011612).
json::value FloatToJson(float f) {
  if (!std::isfinite(f)) return DoubleToJson(f);
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), f);
  double d = f;
  if (ec == std::errc()) std::from_chars(buf, end, d);
  return d;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = std::min<size_t>(3, in.size() - i);
    uint32_t bits = static_cast<uint8_t>(in[i]) << 16;
    if (n > 1) bits |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (n > 2) bits |= static_cast<uint8_t>(in[i + 2]);
    out.push_back(kBase64[(bits >> 18) & 63]);
    out.push_back(kBase64[(bits >> 12) & 63]);
    out.push_back(n > 1 ? kBase64[(bits >> 6) & 63] : '=');
    out.push_back(n > 2 ? kBase64[bits & 63] : '=');
  }
  return out;
}

int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict: the standard alphabet, padded to a multiple of 4, '=' only at the end.
std::optional<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  uint32_t bits = 0;
  for (size_t i = 0; i < in.size() - pad; ++i) {
    const int d = Base64Digit(in[i]);
    if (d < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(d);
    if (i % 4 == 3) {
      out.push_back(static_cast<char>((bits >> 16) & 0xFF));
      out.push_back(static_cast<char>((bits >> 8) & 0xFF));
      out.push_back(static_cast<char>(bits & 0xFF));
      bits = 0;
    }
  }
  if (pad == 1) {
    out.push_back(static_cast<char>((bits >> 10) & 0xFF));
    out.push_back(static_cast<char>((bits >> 2) & 0xFF));
  } else if (pad == 2) {
    out.push_back(static_cast<char>((bits >> 4) & 0xFF));
  }
  return out;
}

}  // namespace

std::string_view JsonKindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      return "a fractional number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "unknown";
}

Result<json::value> ParseJsonBody(std::string_view body) {
  if (body.empty()) return InvalidArgument("the request body is empty; expected JSON");
  return ParseJsonExact(body);
}

Result<int64_t> TimestampFromJson(const json::value& v, std::string_view member) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return Unprocessable(Named(member, "timestamp out of range"));
  if (v.is_string()) {
    Result<int64_t> ts = ParseTimestamp(v.get_string());
    if (!ts.ok()) return Unprocessable(Named(member, ts.status().message()));
    return ts;
  }
  return InvalidArgument(
      Named(member, "expected an RFC 3339 string or an integer of epoch microseconds, got " +
                        std::string(JsonKindName(v))));
}

Result<ValueType> ValueTypeFromJson(const json::value& v, std::string_view member) {
  if (!v.is_string()) {
    return InvalidArgument(
        Named(member, "expected a type name string, got " + std::string(JsonKindName(v))));
  }
  std::string name(v.get_string());
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::optional<ValueType> type = ParseValueType(name);
  if (!type) {
    return Unprocessable(Named(member, "unknown value type '" + std::string(v.get_string()) +
                                           "' (BOOL, INT32, INT64, FLOAT, DOUBLE, STRING, "
                                           "BYTES, TIMESTAMP, FLOAT_LIST, DOUBLE_LIST, "
                                           "INT64_LIST, STRING_LIST)"));
  }
  return *type;
}

Result<Value> ValueFromJson(const json::value& v, ValueType type, std::string_view member) {
  if (v.is_null()) return Value::Null();
  switch (type) {
    case ValueType::kNull:
      break;
    case ValueType::kBool:
      if (!v.is_bool()) return WrongKind(member, type, v);
      return Value::Bool(v.get_bool());
    case ValueType::kInt32: {
      if (v.is_string()) return WrongKind(member, type, v);
      ASSIGN_OR_RETURN(int64_t i, Int64FromJson(v, member, type));
      if (i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max()) {
        return Unprocessable(Named(member, "integer out of range for INT32"));
      }
      return Value::Int32(static_cast<int32_t>(i));
    }
    case ValueType::kInt64: {
      ASSIGN_OR_RETURN(int64_t i, Int64FromJson(v, member, type));
      return Value::Int64(i);
    }
    case ValueType::kFloat: {
      ASSIGN_OR_RETURN(float f, FloatFromJson(v, member, type));
      return Value::Float(f);
    }
    case ValueType::kDouble: {
      ASSIGN_OR_RETURN(double d, DoubleFromJson(v, member, type));
      return Value::Double(d);
    }
    case ValueType::kString: {
      ASSIGN_OR_RETURN(std::string s, TextFromJson(v, member, type));
      return Value::String(std::move(s));
    }
    case ValueType::kBytes: {
      if (!v.is_string()) return WrongKind(member, type, v);
      std::optional<std::string> bytes = Base64Decode(v.get_string());
      if (!bytes) return Unprocessable(Named(member, "BYTES must be standard padded base64"));
      return Value::Bytes(std::move(*bytes));
    }
    case ValueType::kTimestamp: {
      if (!v.is_int64() && !v.is_uint64() && !v.is_string()) return WrongKind(member, type, v);
      ASSIGN_OR_RETURN(int64_t ts, TimestampFromJson(v, member));
      return Value::Timestamp(ts);
    }
    case ValueType::kFloatList: {
      auto parse = [](const json::value& e, std::string_view m) {
        return FloatFromJson(e, m, ValueType::kFloat);
      };
      ASSIGN_OR_RETURN(auto list, ListFromJson<float>(v, member, type, parse));
      return Value::FloatList(std::move(list));
    }
    case ValueType::kDoubleList: {
      auto parse = [](const json::value& e, std::string_view m) {
        return DoubleFromJson(e, m, ValueType::kDouble);
      };
      ASSIGN_OR_RETURN(auto list, ListFromJson<double>(v, member, type, parse));
      return Value::DoubleList(std::move(list));
    }
    case ValueType::kInt64List: {
      auto parse = [](const json::value& e, std::string_view m) {
        return Int64FromJson(e, m, ValueType::kInt64);
      };
      ASSIGN_OR_RETURN(auto list, ListFromJson<int64_t>(v, member, type, parse));
      return Value::Int64List(std::move(list));
    }
    case ValueType::kStringList: {
      auto parse = [](const json::value& e, std::string_view m) {
        return TextFromJson(e, m, ValueType::kString);
      };
      ASSIGN_OR_RETURN(auto list, ListFromJson<std::string>(v, member, type, parse));
      return Value::StringList(std::move(list));
    }
  }
  return Internal(Named(member, "no value can have type " + std::string(ValueTypeName(type))));
}

json::value ValueToJson(const Value& value) {
  switch (value.type()) {
    case ValueType::kNull:
      return nullptr;
    case ValueType::kBool:
      return value.as_bool();
    case ValueType::kInt32:
      return value.as_int32();
    case ValueType::kInt64:
      return value.as_int64();
    case ValueType::kFloat:
      return FloatToJson(value.as_float());
    case ValueType::kDouble:
      return DoubleToJson(value.as_double());
    case ValueType::kString:
      return json::string(value.as_string());
    case ValueType::kBytes:
      return json::string(Base64Encode(value.as_bytes()));
    case ValueType::kTimestamp:
      // Outside years 0000-9999 RFC 3339 has no spelling; the integer reads back.
      if (value.as_timestamp() < kMinRfc3339Micros || value.as_timestamp() > kMaxRfc3339Micros) {
        return value.as_timestamp();
      }
      return json::string(FormatTimestamp(value.as_timestamp()));
    case ValueType::kFloatList: {
      json::array out;
      for (float f : value.as_float_list()) out.push_back(FloatToJson(f));
      return out;
    }
    case ValueType::kDoubleList: {
      json::array out;
      for (double d : value.as_double_list()) out.push_back(DoubleToJson(d));
      return out;
    }
    case ValueType::kInt64List: {
      json::array out;
      for (int64_t i : value.as_int64_list()) out.push_back(i);
      return out;
    }
    case ValueType::kStringList: {
      json::array out;
      for (const std::string& s : value.as_string_list()) out.push_back(json::string(s));
      return out;
    }
  }
  return nullptr;
}

}  // namespace asof::server
