#include "tools/asof/value_format.h"

#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <vector>

#include "tools/asof/output.h"
#include "tools/asof/time_format.h"

namespace asof::shell {

namespace {

// Indexed by the ValueType number (engine/value.h), which is persistent.
constexpr std::array<std::string_view, kMaxValueType + 1> kTypeNames = {
    "NULL",  "BOOL",      "INT32",      "INT64",       "FLOAT",      "DOUBLE",      "STRING",
    "BYTES", "TIMESTAMP", "FLOAT_LIST", "DOUBLE_LIST", "INT64_LIST", "STRING_LIST",
};
static_assert(static_cast<int>(ValueType::kStringList) == kMaxValueType);

Status NotA(ValueType type, std::string_view text, std::string_view why = {}) {
  const std::string name = TypeName(uint8_t(type));
  std::string message =
      "'" + std::string(text) + "' is not " + (name.starts_with("I") ? "an " : "a ") + name;
  if (!why.empty()) message += ": " + std::string(why);
  return Unprocessable(std::move(message));
}

template <typename T>
Result<T> ParseNumber(ValueType type, std::string_view text) {
  T v{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec == std::errc::result_out_of_range) return NotA(type, text, "out of range");
  if (ec != std::errc() || ptr != end) return NotA(type, text);
  return v;
}

Result<int64_t> ParseInteger(ValueType type, std::string_view text) {
  ASSIGN_OR_RETURN(int64_t v, ParseNumber<int64_t>(type, text));
  if (type == ValueType::kInt32 &&
      (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())) {
    return NotA(type, text, "out of range");
  }
  return v;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::vector<uint8_t>> ParseHex(std::string_view text) {
  std::string_view hex = text.substr(2);
  if (hex.size() % 2 != 0) return NotA(ValueType::kBytes, text, "odd number of hex digits");
  std::vector<uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexDigit(hex[i]), lo = HexDigit(hex[i + 1]);
    if (hi < 0 || lo < 0) return NotA(ValueType::kBytes, text, "bad hex digit");
    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return out;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A list element: its text and whether it was a "quoted" string.
struct Element {
  std::string text;
  bool quoted = false;
};

// Reads a double-quoted string with JSON escapes at text[*pos] == '"'.
Result<std::string> ReadQuoted(ValueType type, std::string_view text, size_t* pos) {
  std::string out;
  auto bad = [&](std::string_view why) { return NotA(type, text, why); };
  for (size_t i = *pos + 1; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      *pos = i + 1;
      return out;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == text.size()) break;
    switch (text[i]) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'u': {
        uint32_t cp = 0;
        for (int k = 0; k < 4; ++k) {
          int d = i + 1 < text.size() ? HexDigit(text[++i]) : -1;
          if (d < 0) return bad("\\u needs 4 hex digits");
          cp = cp * 16 + static_cast<uint32_t>(d);
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) return bad("\\u surrogates are not supported");
        AppendUtf8(cp, &out);
        break;
      }
      default:
        out += text[i];  // \" \\ \/ and any other escaped character
    }
  }
  return bad("unterminated quote");
}

// Splits "[a, "b c", d]" into its elements.
Result<std::vector<Element>> SplitList(ValueType type, std::string_view text) {
  auto bad = [&](std::string_view why) { return NotA(type, text, why); };
  size_t pos = 0;
  auto skip_space = [&] {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  };
  skip_space();
  if (pos == text.size() || text[pos] != '[') return bad("a list starts with '['");
  ++pos;
  std::vector<Element> out;
  skip_space();
  if (pos < text.size() && text[pos] == ']') {
    ++pos;
  } else {
    while (true) {
      skip_space();
      Element e;
      if (pos < text.size() && text[pos] == '"') {
        ASSIGN_OR_RETURN(e.text, ReadQuoted(type, text, &pos));
        e.quoted = true;
      } else {
        size_t start = pos;
        while (pos < text.size() && text[pos] != ',' && text[pos] != ']') ++pos;
        e.text = std::string(text.substr(start, pos - start));
        while (!e.text.empty() && std::isspace(static_cast<unsigned char>(e.text.back()))) {
          e.text.pop_back();
        }
        if (e.text.empty()) return bad("empty element");
      }
      out.push_back(std::move(e));
      skip_space();
      if (pos == text.size()) return bad("missing ']'");
      if (text[pos++] == ']') break;
    }
  }
  skip_space();
  if (pos != text.size()) return bad("text after ']'");
  return out;
}

Status ParseElements(ValueType type, std::string_view text, wire::ValueT* v) {
  ASSIGN_OR_RETURN(std::vector<Element> elements, SplitList(type, text));
  for (const Element& e : elements) {
    if (!e.quoted && e.text == "null") return NotA(type, text, "lists cannot hold null");
    if (type == ValueType::kStringList) {
      v->strings.push_back(e.text);
      continue;
    }
    if (e.quoted) return NotA(type, text, "quoted element \"" + e.text + "\"");
    switch (type) {
      case ValueType::kFloatList: {
        ASSIGN_OR_RETURN(float f, ParseNumber<float>(ValueType::kFloat, e.text));
        v->floats.push_back(f);
        break;
      }
      case ValueType::kDoubleList: {
        ASSIGN_OR_RETURN(double d, ParseNumber<double>(ValueType::kDouble, e.text));
        v->doubles.push_back(d);
        break;
      }
      default: {
        ASSIGN_OR_RETURN(int64_t i, ParseInteger(ValueType::kInt64, e.text));
        v->longs.push_back(i);
      }
    }
  }
  return Status::Ok();
}

Status ParseListInto(ValueType type, std::string_view text, wire::ValueT* v) {
  Status status = ParseElements(type, text, v);
  // An element's error names the element type; say which list it was in.
  if (!status.ok() && !status.message().starts_with("'" + std::string(text) + "'")) {
    return NotA(type, text, status.message());
  }
  return status;
}

Status ParseScalarInto(ValueType type, std::string_view text, bool quoted, int64_t now_us,
                       wire::ValueT* v) {
  switch (type) {
    case ValueType::kBool:
      if (text != "true" && text != "false") return NotA(type, text, "use true or false");
      v->b = text == "true";
      return Status::Ok();
    case ValueType::kInt32:
    case ValueType::kInt64: {
      ASSIGN_OR_RETURN(v->i, ParseInteger(type, text));
      return Status::Ok();
    }
    case ValueType::kFloat: {
      ASSIGN_OR_RETURN(v->f, ParseNumber<float>(type, text));
      return Status::Ok();
    }
    case ValueType::kDouble: {
      ASSIGN_OR_RETURN(v->d, ParseNumber<double>(type, text));
      return Status::Ok();
    }
    case ValueType::kString:
      v->s = std::string(text);
      return Status::Ok();
    case ValueType::kBytes:
      if (!quoted && text.starts_with("0x")) {
        ASSIGN_OR_RETURN(v->bytes, ParseHex(text));
      } else {
        v->bytes.assign(text.begin(), text.end());
      }
      return Status::Ok();
    case ValueType::kTimestamp: {
      auto t = ParseTime(text, now_us);
      if (!t.ok()) return NotA(type, text, t.status().message());
      v->i = *t;
      return Status::Ok();
    }
    default:
      return Unprocessable("cannot parse values of type " + TypeName(uint8_t(type)));
  }
}

std::string Hex(const std::vector<uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

template <typename T, typename F>
std::string FormatList(const std::vector<T>& items, F format) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += format(items[i]);
  }
  return out + "]";
}

}  // namespace

std::string TypeName(uint8_t type) {
  if (type < kTypeNames.size()) return std::string(kTypeNames[type]);
  return "TYPE_" + std::to_string(type);
}

std::optional<ValueType> ParseTypeName(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (size_t i = 1; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == upper) return static_cast<ValueType>(i);
  }
  return std::nullopt;
}

std::string AllTypeNames() {
  std::string out;
  for (size_t i = 1; i < kTypeNames.size(); ++i) {
    if (i > 1) out += ", ";
    out += kTypeNames[i];
  }
  return out;
}

Result<wire::ValueT> ParseValue(ValueType type, std::string_view text, bool quoted,
                                int64_t now_us) {
  wire::ValueT v;
  if (!quoted && text == "null") return v;  // type 0: an explicit null
  v.type = static_cast<uint8_t>(type);
  if (type >= ValueType::kFloatList && type <= ValueType::kStringList) {
    RETURN_IF_ERROR(ParseListInto(type, text, &v));
  } else {
    RETURN_IF_ERROR(ParseScalarInto(type, text, quoted, now_us, &v));
  }
  return v;
}

std::string FormatValue(const wire::ValueT* value) {
  if (value == nullptr) return "null";
  const wire::ValueT& v = *value;
  switch (static_cast<ValueType>(v.type)) {
    case ValueType::kNull:
      return "null";
    case ValueType::kBool:
      return v.b ? "true" : "false";
    case ValueType::kInt32:
    case ValueType::kInt64:
      return std::to_string(v.i);
    case ValueType::kFloat:
      return FormatFloat(v.f);
    case ValueType::kDouble:
      return FormatDouble(v.d);
    case ValueType::kString:
      return JsonQuote(v.s);
    case ValueType::kBytes:
      return Hex(v.bytes);
    case ValueType::kTimestamp:
      return FormatTime(v.i);
    case ValueType::kFloatList:
      return FormatList(v.floats, FormatFloat);
    case ValueType::kDoubleList:
      return FormatList(v.doubles, FormatDouble);
    case ValueType::kInt64List:
      return FormatList(v.longs, [](int64_t i) { return std::to_string(i); });
    case ValueType::kStringList:
      return FormatList(v.strings, JsonQuote);
  }
  return "<" + TypeName(v.type) + " value>";
}

void WriteJsonValue(JsonWriter& json, const wire::ValueT* value) {
  if (value == nullptr) {
    json.Null();
    return;
  }
  const wire::ValueT& v = *value;
  switch (static_cast<ValueType>(v.type)) {
    case ValueType::kBool:
      json.Bool(v.b);
      return;
    case ValueType::kInt32:
    case ValueType::kInt64:
      json.Int(v.i);
      return;
    case ValueType::kFloat:
      json.Float(v.f);
      return;
    case ValueType::kDouble:
      json.Double(v.d);
      return;
    case ValueType::kString:
      json.String(v.s);
      return;
    case ValueType::kBytes:
      json.String(Hex(v.bytes));
      return;
    case ValueType::kTimestamp:
      json.String(FormatTime(v.i));
      return;
    case ValueType::kFloatList:
      json.BeginArray();
      for (float f : v.floats) json.Float(f);
      json.EndArray();
      return;
    case ValueType::kDoubleList:
      json.BeginArray();
      for (double d : v.doubles) json.Double(d);
      json.EndArray();
      return;
    case ValueType::kInt64List:
      json.BeginArray();
      for (int64_t i : v.longs) json.Int(i);
      json.EndArray();
      return;
    case ValueType::kStringList:
      json.BeginArray();
      for (const auto& s : v.strings) json.String(s);
      json.EndArray();
      return;
    default:
      json.Null();
  }
}

}  // namespace asof::shell
