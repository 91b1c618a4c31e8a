// ParseCell (row_validator.h): one input value read exactly as a feature's type.
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <type_traits>

#include "tools/asof-import/row_validator.h"
#include "wire/json_parse.h"

namespace asof::import {

namespace {

using Cell = std::variant<Value, CellError>;

CellError Error(RejectReason reason, std::string message) { return {reason, std::move(message)}; }

CellError NotA(std::string_view text, ValueType type) {
  std::string shown(text.substr(0, 64));
  if (text.size() > 64) shown += "...";
  return Error(RejectReason::kWrongType,
               "'" + shown + "' is not " + std::string(ValueTypeName(type)));
}

std::string KindName(FieldKind kind) {
  switch (kind) {
    case FieldKind::kString:
      return "a JSON string";
    case FieldKind::kNumber:
      return "a JSON number";
    case FieldKind::kBool:
      return "a JSON boolean";
    case FieldKind::kArray:
      return "a JSON array";
    case FieldKind::kObject:
      return "a JSON object";
    default:
      return "text";
  }
}

std::variant<int64_t, CellError> ParseInt(std::string_view text, int64_t lo, int64_t hi,
                                          ValueType type) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range && end == text.data() + text.size()) {
    return Error(
        RejectReason::kValueOutOfRange,
        "'" + std::string(text) + "' is out of range for " + std::string(ValueTypeName(type)));
  }
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return NotA(text, type);
  }
  if (v < lo || v > hi) {
    return Error(
        RejectReason::kValueOutOfRange,
        "'" + std::string(text) + "' is out of range for " + std::string(ValueTypeName(type)));
  }
  return v;
}

template <typename F>
std::variant<F, CellError> ParseFloat(std::string_view text, ValueType type) {
  F v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (end != text.data() + text.size() || text.empty() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return NotA(text, type);
  }
  // from_chars reports an underflow (to a denormal or zero) as out of range too; strtod
  // tells it from an overflow and rounds it as any other literal.
  if (ec == std::errc::result_out_of_range) {
    std::string copy(text);
    if constexpr (std::is_same_v<F, float>) {
      v = std::strtof(copy.c_str(), nullptr);
    } else {
      v = std::strtod(copy.c_str(), nullptr);
    }
    if (std::isinf(v)) {
      return Error(
          RejectReason::kValueOutOfRange,
          "'" + std::string(text) + "' is out of range for " + std::string(ValueTypeName(type)));
    }
  }
  return v;
}

int Base64Digit(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::optional<std::string> DecodeBase64(std::string_view in) {
  size_t pad = 0;
  while (pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
  if (pad > 2 || (pad > 0 && in.size() % 4 != 0)) return std::nullopt;
  in.remove_suffix(pad);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    int d = Base64Digit(c);
    if (d < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

Cell ParseList(std::string_view text, ValueType type) {
  Result<boost::json::value> doc = ParseJsonExact(text);
  if (!doc.ok() || !doc->is_array()) {
    return Error(RejectReason::kWrongType,
                 "not a JSON array for " + std::string(ValueTypeName(type)));
  }
  const boost::json::array& a = doc->get_array();
  auto bad = [&](size_t i) {
    return Error(RejectReason::kWrongType, "element " + std::to_string(i) +
                                               " of the array is not " +
                                               std::string(ValueTypeName(type)));
  };
  switch (type) {
    case ValueType::kFloatList:
    case ValueType::kDoubleList: {
      std::vector<double> v;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_number()) return bad(i);
        v.push_back(a[i].to_number<double>());
      }
      if (type == ValueType::kDoubleList) return Value::DoubleList(std::move(v));
      std::vector<float> f;
      for (double d : v) {
        if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
          return Error(RejectReason::kValueOutOfRange, "an element is out of range for FLOAT");
        }
        f.push_back(static_cast<float>(d));
      }
      return Value::FloatList(std::move(f));
    }
    case ValueType::kInt64List: {
      std::vector<int64_t> v;
      for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].is_int64()) {
          v.push_back(a[i].get_int64());
        } else if (a[i].is_uint64()) {
          return Error(RejectReason::kValueOutOfRange,
                       "element " + std::to_string(i) + " is out of range for INT64");
        } else {
          return bad(i);
        }
      }
      return Value::Int64List(std::move(v));
    }
    default: {
      std::vector<std::string> v;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_string()) return bad(i);
        v.emplace_back(a[i].get_string());
        if (!IsValidUtf8(v.back())) {
          return Error(RejectReason::kInvalidValue,
                       "element " + std::to_string(i) + " is not valid UTF-8");
        }
      }
      return Value::StringList(std::move(v));
    }
  }
}

// Which JSON kinds may carry a value of `type` (text, from CSV, may carry any).
bool KindFits(FieldKind kind, ValueType type, TimestampFormat ts_format) {
  switch (kind) {
    case FieldKind::kText:
      return true;
    case FieldKind::kBool:
      return type == ValueType::kBool;
    case FieldKind::kNumber:
      return type == ValueType::kInt32 || type == ValueType::kInt64 || type == ValueType::kFloat ||
             type == ValueType::kDouble ||
             (type == ValueType::kTimestamp && ts_format != TimestampFormat::kIso8601);
    case FieldKind::kString:
      return type == ValueType::kString || type == ValueType::kBytes ||
             (type == ValueType::kTimestamp && ts_format == TimestampFormat::kIso8601);
    case FieldKind::kArray:
      return type >= ValueType::kFloatList;
    default:
      return false;
  }
}

template <typename T>
Cell Lift(std::variant<T, CellError> r, Value (*make)(T)) {
  if (auto* e = std::get_if<CellError>(&r)) return *e;
  return make(std::get<T>(r));
}

}  // namespace

Cell ParseCell(std::string_view text, FieldKind kind, ValueType type, TimestampFormat ts_format) {
  if (!KindFits(kind, type, ts_format)) {
    return Error(RejectReason::kWrongType,
                 KindName(kind) + " is not " + std::string(ValueTypeName(type)));
  }
  switch (type) {
    case ValueType::kBool: {
      std::string lower(text);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "true" || lower == "1") return Value::Bool(true);
      if (lower == "false" || lower == "0") return Value::Bool(false);
      return NotA(text, type);
    }
    case ValueType::kInt32: {
      auto r = ParseInt(text, std::numeric_limits<int32_t>::min(),
                        std::numeric_limits<int32_t>::max(), type);
      if (auto* e = std::get_if<CellError>(&r)) return *e;
      return Value::Int32(static_cast<int32_t>(std::get<int64_t>(r)));
    }
    case ValueType::kInt64:
      return Lift<int64_t>(ParseInt(text, std::numeric_limits<int64_t>::min(),
                                    std::numeric_limits<int64_t>::max(), type),
                           &Value::Int64);
    case ValueType::kFloat:
      return Lift<float>(ParseFloat<float>(text, type), &Value::Float);
    case ValueType::kDouble:
      return Lift<double>(ParseFloat<double>(text, type), &Value::Double);
    case ValueType::kString:
      if (!IsValidUtf8(text)) return Error(RejectReason::kInvalidValue, "not valid UTF-8");
      return Value::String(std::string(text));
    case ValueType::kBytes: {
      std::optional<std::string> bytes = DecodeBase64(text);
      if (!bytes) return Error(RejectReason::kInvalidValue, "BYTES must be base64");
      return Value::Bytes(std::move(*bytes));
    }
    case ValueType::kTimestamp: {
      Result<int64_t> ts = ParseTimestamp(text, ts_format);
      if (!ts.ok()) return Error(RejectReason::kWrongType, ts.status().message());
      return Value::Timestamp(*ts);
    }
    case ValueType::kFloatList:
    case ValueType::kDoubleList:
    case ValueType::kInt64List:
    case ValueType::kStringList:
      return ParseList(text, type);
    case ValueType::kNull:
      break;
  }
  return Error(RejectReason::kWrongType, "no feature has type NULL");
}

}  // namespace asof::import
