// Feature values as RESP text, both ways, and RESP errors from statuses.
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdio>
#include <type_traits>

#include "engine/number_text.h"
#include "server/api_json.h"
#include "server/resp_commands.h"
#include "server/resp_reply.h"

namespace asof::server {

namespace {

static_assert(kMaxNumberText >= kMaxDoubleText);

template <typename T>
char* WriteNumber(T v, char* out) {
  if constexpr (std::is_same_v<T, double>) {
    return WriteShortestDouble(v, out);  // engine/number_text.h: one layout everywhere
  } else if constexpr (std::is_same_v<T, float>) {
    return WriteShortestFloat(v, out);
  } else {
    // Without a format, to_chars gives the shortest text that reads back to the same value.
    return std::to_chars(out, out + kMaxNumberText, v).ptr;  // room for any integer
  }
}

template <typename T>
void AppendNumber(T v, std::string* out) {
  char buf[kMaxNumberText];
  out->append(buf, WriteNumber(v, buf));
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
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
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

template <typename List, typename AppendOne>
void AppendJsonList(const List& list, std::string* out, AppendOne append_one) {
  out->push_back('[');
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out->push_back(',');
    append_one(list[i], out);
  }
  out->push_back(']');
}

template <typename T>
Result<T> ParseNumber(std::string_view text, std::string_view type) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Unprocessable("'" + std::string(text.substr(0, 64)) + "' is not a valid " +
                         std::string(type));
  }
  return v;
}

}  // namespace

char* WriteNumberText(const Value& value, char* out) {
  switch (value.type()) {
    case ValueType::kInt32:
      return WriteNumber(value.as_int32(), out);
    case ValueType::kInt64:
      return WriteNumber(value.as_int64(), out);
    case ValueType::kFloat:
      return WriteNumber(value.as_float(), out);
    case ValueType::kDouble:
      return WriteNumber(value.as_double(), out);
    default:
      return nullptr;
  }
}

void AppendValueText(const Value& value, std::string* out) {
  switch (value.type()) {
    case ValueType::kNull:
      return;
    case ValueType::kBool:
      out->append(value.as_bool() ? "true" : "false");
      return;
    case ValueType::kInt32:
      AppendNumber(value.as_int32(), out);
      return;
    case ValueType::kInt64:
      AppendNumber(value.as_int64(), out);
      return;
    case ValueType::kFloat:
      AppendNumber(value.as_float(), out);
      return;
    case ValueType::kDouble:
      AppendNumber(value.as_double(), out);
      return;
    case ValueType::kString:
      out->append(value.as_string());
      return;
    case ValueType::kBytes:
      out->append(value.as_bytes());
      return;
    case ValueType::kTimestamp:
      out->append(FormatTimestamp(value.as_timestamp()));
      return;
    case ValueType::kFloatList:
      AppendJsonList(value.as_float_list(), out,
                     [](float v, std::string* o) { AppendNumber(v, o); });
      return;
    case ValueType::kDoubleList:
      AppendJsonList(value.as_double_list(), out,
                     [](double v, std::string* o) { AppendNumber(v, o); });
      return;
    case ValueType::kInt64List:
      AppendJsonList(value.as_int64_list(), out,
                     [](int64_t v, std::string* o) { AppendNumber(v, o); });
      return;
    case ValueType::kStringList:
      AppendJsonList(value.as_string_list(), out,
                     [](const std::string& v, std::string* o) { AppendJsonString(v, o); });
      return;
  }
}

Result<Value> ParseRespValue(std::string_view text, ValueType type) {
  switch (type) {
    case ValueType::kNull:
      break;
    case ValueType::kBool:
      if (text == "true" || text == "1") return Value::Bool(true);
      if (text == "false" || text == "0") return Value::Bool(false);
      return Unprocessable("'" + std::string(text.substr(0, 64)) +
                           "' is not a valid BOOL (true, false, 1 or 0)");
    case ValueType::kInt32: {
      ASSIGN_OR_RETURN(int32_t v, ParseNumber<int32_t>(text, "INT32"));
      return Value::Int32(v);
    }
    case ValueType::kInt64: {
      ASSIGN_OR_RETURN(int64_t v, ParseNumber<int64_t>(text, "INT64"));
      return Value::Int64(v);
    }
    case ValueType::kFloat: {
      ASSIGN_OR_RETURN(float v, ParseNumber<float>(text, "FLOAT"));
      return Value::Float(v);
    }
    case ValueType::kDouble: {
      ASSIGN_OR_RETURN(double v, ParseNumber<double>(text, "DOUBLE"));
      return Value::Double(v);
    }
    case ValueType::kString:
      if (!IsValidUtf8(text)) return Unprocessable("a STRING value must be valid UTF-8");
      return Value::String(std::string(text));
    case ValueType::kBytes:
      return Value::Bytes(std::string(text));
    case ValueType::kTimestamp: {
      const bool integer = !text.empty() && text.find_first_not_of("-0123456789") == text.npos;
      if (integer) {
        ASSIGN_OR_RETURN(int64_t micros, ParseNumber<int64_t>(text, "TIMESTAMP"));
        return Value::Timestamp(micros);
      }
      ASSIGN_OR_RETURN(int64_t micros, ParseTimestamp(text));
      return Value::Timestamp(micros);
    }
    case ValueType::kFloatList:
    case ValueType::kDoubleList:
    case ValueType::kInt64List:
    case ValueType::kStringList: {
      auto json = ParseJsonBody(text);
      if (!json.ok()) {
        return Unprocessable("a " + std::string(ValueTypeName(type)) +
                             " value must be a JSON array: " + json.status().message());
      }
      return ValueFromJson(*json, type, "value");
    }
  }
  return Unprocessable("no value can have type " + std::string(ValueTypeName(type)));
}

namespace resp {

void AppendStatus(const Status& status, std::string* out) {
  switch (status.code()) {
    case ErrorCode::kUnauthenticated:
      AppendError("NOAUTH " + status.message(), out);
      return;
    case ErrorCode::kPermissionDenied:
      AppendError("NOPERM " + status.message(), out);
      return;
    case ErrorCode::kInternal:
      spdlog::error("[resp] internal error: {}", status.message());
      AppendError("ERR internal error (details in the asofd log)", out);
      return;
    default:
      AppendError("ERR " + status.message(), out);
      return;
  }
}

}  // namespace resp

}  // namespace asof::server
