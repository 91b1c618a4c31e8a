#include <boost/json.hpp>
#include <charconv>
#include <string>

#include "tools/asof-import/record_parsers.h"
#include "wire/json_parse.h"

namespace asof::import {

namespace {

bool IsBlank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// Fixed notation, shortest round trip, always with a '.', so that the text of a JSON
// double never reads as an integer (1.0 stays a double) and epoch parsers need no
// exponent handling.
std::string DoubleText(double v) {
  char buf[400];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  std::string text(buf, ec == std::errc() ? end : buf);
  if (text.find('.') == std::string::npos) text += ".0";
  return text;
}

void SetField(const boost::json::value& v, std::optional<std::string>* field, FieldKind* kind) {
  switch (v.kind()) {
    case boost::json::kind::null:
      *kind = FieldKind::kNull;
      field->reset();
      return;
    case boost::json::kind::bool_:
      *kind = FieldKind::kBool;
      *field = v.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::int64:
      *kind = FieldKind::kNumber;
      *field = std::to_string(v.get_int64());
      return;
    case boost::json::kind::uint64:
      *kind = FieldKind::kNumber;
      *field = std::to_string(v.get_uint64());
      return;
    case boost::json::kind::double_:
      *kind = FieldKind::kNumber;
      *field = DoubleText(v.get_double());
      return;
    case boost::json::kind::string:
      *kind = FieldKind::kString;
      *field = std::string(v.get_string());
      return;
    case boost::json::kind::array:
      *kind = FieldKind::kArray;
      *field = boost::json::serialize(v);
      return;
    case boost::json::kind::object:
      *kind = FieldKind::kObject;
      *field = boost::json::serialize(v);
      return;
  }
}

}  // namespace

Result<bool> ReadJsonRecord(LineReader& in, JsonColumns* columns, InputRecord* out) {
  do {
    ASSIGN_OR_RETURN(bool got, in.ReadLine(&out->text));
    if (!got) return false;
  } while (IsBlank(out->text));
  if (out->text.back() == '\r') out->text.pop_back();
  out->line = in.line_number();
  auto malformed = [&](const std::string& what) {
    return InvalidArgument(in.source().name() + ":" + std::to_string(out->line) + ": " + what);
  };

  Result<boost::json::value> parsed = ParseJsonExact(out->text);
  if (!parsed.ok()) return malformed("not valid JSON (" + parsed.status().message() + ")");
  const boost::json::value& doc = *parsed;
  if (!doc.is_object()) return malformed("not a JSON object");
  const boost::json::object& object = doc.get_object();

  if (columns->names.empty()) {
    for (const auto& member : object) {
      std::string name(member.key());
      if (columns->index.emplace(name, columns->names.size()).second) {
        columns->names.push_back(std::move(name));
      }
    }
  }
  out->fields.assign(columns->names.size(), std::nullopt);
  out->kinds.assign(columns->names.size(), FieldKind::kAbsent);
  for (const auto& member : object) {
    auto it = columns->index.find(std::string(member.key()));
    if (it == columns->index.end()) {
      std::string known;
      for (const std::string& name : columns->names) known += (known.empty() ? "" : ", ") + name;
      return malformed("member '" + std::string(member.key()) +
                       "' is not among the members of the first record (" + known + ")");
    }
    SetField(member.value(), &out->fields[it->second], &out->kinds[it->second]);
  }
  return true;
}

}  // namespace asof::import
