#include "tools/asof/output.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "engine/check.h"
#include "engine/number_text.h"

namespace asof::shell {

namespace {

// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 when it is malformed.
size_t Utf8SequenceLength(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](size_t i) { return i < s.size() && (byte(i) & 0xC0) == 0x80; };
  unsigned char c = byte(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// A cell with its control characters made visible.
std::string CellText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

void AppendRow(const std::vector<std::string>& cells, const std::vector<size_t>& widths,
               std::string* out) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += "  ";
    line += cells[i];
    if (i + 1 < cells.size()) line.append(widths[i] - DisplayWidth(cells[i]), ' ');
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  *out += line;
  *out += '\n';
}

template <typename T>
std::string ShortestFloat(T value) {
  std::string out;  // the server's layout (engine/number_text.h), plus Python's ".0"
  if constexpr (std::is_same_v<T, double>) {
    AppendShortestDouble(value, &out);
  } else {
    AppendShortestFloat(value, &out);
  }
  if (std::isfinite(value) && out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

}  // namespace

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  while (!text.empty()) {
    size_t n = Utf8SequenceLength(text);
    text.remove_prefix(n == 0 ? 1 : n);
    ++width;
  }
  return width;
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  for (auto& c : cells) c = CellText(c);
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  size_t columns = headers_.size();
  for (const auto& row : rows_) columns = std::max(columns, row.size());
  std::vector<size_t> widths(columns, 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  };
  measure(headers_);
  for (const auto& row : rows_) measure(row);

  std::string out;
  if (!headers_.empty()) AppendRow(headers_, widths, &out);
  for (const auto& row : rows_) AppendRow(row, widths, &out);
  if (!headers_.empty() && rows_.empty()) out += "(no rows)\n";
  return out;
}

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  while (!text.empty()) {
    size_t n = Utf8SequenceLength(text);
    if (n == 0) {
      out += "\\ufffd";
      text.remove_prefix(1);
      continue;
    }
    char c = text[0];
    if (n > 1) {
      out.append(text.data(), n);
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
    text.remove_prefix(n);
  }
  out += '"';
  return out;
}

std::string FormatDouble(double value) { return ShortestFloat(value); }
std::string FormatFloat(float value) { return ShortestFloat(value); }

void JsonWriter::BeforeValue() {
  if (stack_.empty()) {
    ASOF_CHECK(out_.empty()) << "JsonWriter: a second top-level value";
    return;
  }
  Level& level = stack_.back();
  if (level.frame == Frame::kObject) {
    ASOF_CHECK(level.after_key) << "JsonWriter: a value in an object needs a key first";
    level.after_key = false;
    return;
  }
  if (!level.first) out_ += ',';
  level.first = false;
}

void JsonWriter::BeginObject() {
  BeforeValue();
  out_ += '{';
  stack_.push_back({Frame::kObject});
}

void JsonWriter::EndObject() {
  ASOF_CHECK(!stack_.empty() && stack_.back().frame == Frame::kObject && !stack_.back().after_key);
  stack_.pop_back();
  out_ += '}';
}

void JsonWriter::BeginArray() {
  BeforeValue();
  out_ += '[';
  stack_.push_back({Frame::kArray});
}

void JsonWriter::EndArray() {
  ASOF_CHECK(!stack_.empty() && stack_.back().frame == Frame::kArray);
  stack_.pop_back();
  out_ += ']';
}

void JsonWriter::Key(std::string_view key) {
  ASOF_CHECK(!stack_.empty() && stack_.back().frame == Frame::kObject && !stack_.back().after_key)
      << "JsonWriter: a key outside an object";
  Level& level = stack_.back();
  if (!level.first) out_ += ',';
  level.first = false;
  level.after_key = true;
  out_ += JsonQuote(key);
  out_ += ':';
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  out_ += JsonQuote(value);
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  out_ += std::to_string(value);
}

void JsonWriter::Uint(uint64_t value) {
  BeforeValue();
  out_ += std::to_string(value);
}

void JsonWriter::Double(double value) {
  if (!std::isfinite(value)) {
    String(std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf"));
    return;
  }
  BeforeValue();
  out_ += FormatDouble(value);
}

void JsonWriter::Float(float value) {
  if (!std::isfinite(value)) {
    Double(value);
    return;
  }
  BeforeValue();
  out_ += FormatFloat(value);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_ += value ? "true" : "false";
}

void JsonWriter::Null() {
  BeforeValue();
  out_ += "null";
}

}  // namespace asof::shell
