#include "engine/value.h"
#include "engine/number_text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <type_traits>

namespace asof {

namespace {

// Indexed by the ValueType number, which is persistent; keep in step with the enum.
constexpr std::array<std::string_view, kMaxValueType + 1> kTypeNames = {
    "NULL",  "BOOL",      "INT32",      "INT64",       "FLOAT",      "DOUBLE",      "STRING",
    "BYTES", "TIMESTAMP", "FLOAT_LIST", "DOUBLE_LIST", "INT64_LIST", "STRING_LIST",
};
static_assert(std::variant_size_v<Value::Storage> == kMaxValueType + 1,
              "Value::Storage must have one alternative per ValueType");

// Long values are cut in DebugString: it feeds log lines and error messages.
constexpr size_t kDebugMaxListElements = 8;
constexpr size_t kDebugMaxStringBytes = 64;

template <typename T>
bool SameBits(T a, T b) {
  static_assert(std::is_trivially_copyable_v<T>);
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <typename T>
bool SameBitsList(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  return a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Returns the offset of the first byte that does not start a well-formed sequence, or
// text.size() when all of `text` is well-formed (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF, no truncated sequences).
size_t FirstInvalidUtf8(std::string_view text) {
  auto u = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = u[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    // The allowed range of the second byte narrows for the first bytes whose sequences
    // would otherwise be overlong (E0, F0), surrogates (ED) or above U+10FFFF (F4).
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;  // continuation byte, C0/C1 (overlong) or F5..FF
    }
    if (n - i < len) return i;
    if (u[i + 1] < lo || u[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if ((u[i + k] & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return n;
}

template <typename T>
void AppendNumber(std::string* out, T v) {
  if constexpr (std::is_same_v<T, double>) {
    AppendShortestDouble(v, out);  // same text as to_chars, faster
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, ec == std::errc() ? end : buf);
}

void AppendBool(std::string* out, bool v) { out->append(v ? "true" : "false"); }

// Quotes `s`, escaping quotes, backslashes and control bytes. Text keeps its non-ASCII
// bytes (it is UTF-8 when validated); bytes escape everything outside printable ASCII.
void AppendQuoted(std::string* out, std::string_view s, bool is_text) {
  size_t shown = std::min(s.size(), kDebugMaxStringBytes);
  if (is_text) {
    while (shown > 0 && shown < s.size() && (static_cast<unsigned char>(s[shown]) & 0xC0) == 0x80) {
      --shown;  // do not cut a UTF-8 sequence in half
    }
  }
  out->push_back('"');
  for (size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7F || (!is_text && c >= 0x80)) {
      static constexpr char kHex[] = "0123456789abcdef";
      out->append("\\x");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
  if (shown < s.size()) {
    out->append("... (");
    AppendNumber(out, s.size());
    out->append(" bytes)");
  }
}

// Years 0000-9999: wider timestamps would overflow chrono's arithmetic in days.
constexpr int64_t kMinIsoMicros = -62167219200LL * 1000000;      // 0000-01-01T00:00:00Z
constexpr int64_t kMaxIsoMicros = 253402300800LL * 1000000 - 1;  // 9999-12-31T23:59:59.999999Z

// "2023-11-14T22:13:20.000000Z" in the proleptic Gregorian calendar, UTC.
void AppendIsoTime(std::string* out, int64_t micros) {
  using namespace std::chrono;
  const sys_time<microseconds> t{microseconds{micros}};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> tod{t - day};
  char buf[64];
  const int n = std::snprintf(
      buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", static_cast<int>(ymd.year()),
      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
      static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
      static_cast<int>(tod.seconds().count()), static_cast<long long>(tod.subseconds().count()));
  if (n > 0) out->append(buf, std::min(static_cast<size_t>(n), sizeof(buf) - 1));
}

template <typename T, typename AppendOne>
void AppendList(std::string* out, const std::vector<T>& list, AppendOne append_one) {
  out->push_back('[');
  const size_t shown = std::min(list.size(), kDebugMaxListElements);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out->append(", ");
    append_one(out, list[i]);
  }
  if (shown < list.size()) {
    out->append(", ... (");
    AppendNumber(out, list.size());
    out->append(" total)");
  }
  out->push_back(']');
}

void AppendPayload(std::string* out, const Value& v) {
  const auto number = [](std::string* o, auto x) { AppendNumber(o, x); };
  switch (v.type()) {
    case ValueType::kNull:
      return;
    case ValueType::kBool:
      return AppendBool(out, v.as_bool());
    case ValueType::kInt32:
      return AppendNumber(out, v.as_int32());
    case ValueType::kInt64:
      return AppendNumber(out, v.as_int64());
    case ValueType::kFloat:
      return AppendNumber(out, v.as_float());
    case ValueType::kDouble:
      return AppendNumber(out, v.as_double());
    case ValueType::kString:
      return AppendQuoted(out, v.as_string(), /*is_text=*/true);
    case ValueType::kBytes:
      return AppendQuoted(out, v.as_bytes(), /*is_text=*/false);
    case ValueType::kTimestamp:
      AppendNumber(out, v.as_timestamp());
      if (v.as_timestamp() >= kMinIsoMicros && v.as_timestamp() <= kMaxIsoMicros) {
        out->append(" (");
        AppendIsoTime(out, v.as_timestamp());
        out->push_back(')');
      }
      return;
    case ValueType::kFloatList:
      return AppendList(out, v.as_float_list(), number);
    case ValueType::kDoubleList:
      return AppendList(out, v.as_double_list(), number);
    case ValueType::kInt64List:
      return AppendList(out, v.as_int64_list(), number);
    case ValueType::kStringList:
      return AppendList(out, v.as_string_list(), [](std::string* o, const std::string& s) {
        AppendQuoted(o, s, /*is_text=*/true);
      });
  }
}

// The rejection of `text`, which holds a malformed sequence at offset `at`.
Status Utf8Error(std::string what, std::string_view text, size_t at) {
  std::string msg = std::move(what);
  msg += " is not valid UTF-8 (bad byte 0x";
  static constexpr char kHex[] = "0123456789abcdef";
  const auto c = static_cast<unsigned char>(text[at]);
  msg.push_back(kHex[c >> 4]);
  msg.push_back(kHex[c & 0xF]);
  msg += " at offset " + std::to_string(at) + ")";
  return Unprocessable(std::move(msg));
}

}  // namespace

std::string_view ValueTypeName(ValueType type) {
  const auto i = static_cast<size_t>(type);
  return i < kTypeNames.size() ? kTypeNames[i] : "UNKNOWN";
}

std::optional<ValueType> ParseValueType(std::string_view name) {
  // Starts at 1: NULL names the type of a null value, never a feature's type.
  for (size_t i = 1; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == name) return static_cast<ValueType>(i);
  }
  return std::nullopt;
}

bool Value::operator==(const Value& other) const {
  if (v_.index() != other.v_.index()) return false;
  switch (type()) {
    case ValueType::kFloat:
      return SameBits(as_float(), other.as_float());
    case ValueType::kDouble:
      return SameBits(as_double(), other.as_double());
    case ValueType::kFloatList:
      return SameBitsList(as_float_list(), other.as_float_list());
    case ValueType::kDoubleList:
      return SameBitsList(as_double_list(), other.as_double_list());
    default:
      // No floating point left: the variant's own comparison is exact.
      return v_ == other.v_;
  }
}

std::string Value::DebugString() const {
  std::string out(ValueTypeName(type()));
  if (is_null()) return out;
  out.push_back(' ');
  AppendPayload(&out, *this);
  return out;
}

Status CheckValueType(const Value& value, ValueType expected) {
  const auto expected_index = static_cast<uint8_t>(expected);
  if (expected == ValueType::kNull || expected_index > kMaxValueType) {
    // The caller passed something that is not a feature type: a bug, not bad input.
    return Internal("CheckValueType: " + std::string(ValueTypeName(expected)) + " (" +
                    std::to_string(expected_index) + ") is not a feature value type");
  }
  if (value.is_null()) return Status::Ok();
  if (value.type() != expected) {
    return Unprocessable("expected " + std::string(ValueTypeName(expected)) + ", got " +
                         std::string(ValueTypeName(value.type())));
  }
  // Messages are built only on failure: this runs on every write.
  if (expected == ValueType::kString) {
    const std::string& s = value.as_string();
    const size_t at = FirstInvalidUtf8(s);
    if (at != s.size()) return Utf8Error("STRING value", s, at);
  }
  if (expected == ValueType::kStringList) {
    const auto& list = value.as_string_list();
    for (size_t i = 0; i < list.size(); ++i) {
      const size_t at = FirstInvalidUtf8(list[i]);
      if (at != list[i].size()) {
        return Utf8Error("STRING_LIST element " + std::to_string(i), list[i], at);
      }
    }
  }
  return Status::Ok();
}

bool IsValidUtf8(std::string_view text) { return FirstInvalidUtf8(text) == text.size(); }

}  // namespace asof
