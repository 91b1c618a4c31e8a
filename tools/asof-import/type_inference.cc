#include "tools/asof-import/type_inference.h"
#include "wire/json_parse.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

namespace asof::import {

namespace {

// What the observed values of a column looked like, as bits.
enum Seen : uint32_t {
  kBool = 1,
  kInt = 2,
  kDouble = 4,
  kNumberList = 8,
  kStringList = 16,
  kEmptyList = 32,
  kString = 64,
  kUninferable = 128,  // JSON object, array of mixed elements
  kTyped = 256,        // the values came from JSON Lines
};

// A leading zero ("007") marks an identifier, not a number: loading it as one would
// lose the zeros.
bool HasLeadingZero(std::string_view t) {
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
  return t.size() > 1 && t[0] == '0' && t[1] != '.';
}

uint32_t ClassifyArray(std::string_view text) {
  Result<boost::json::value> doc = ParseJsonExact(text);
  if (!doc.ok() || !doc->is_array()) return kUninferable;
  const boost::json::array& a = doc->get_array();
  if (a.empty()) return kEmptyList;
  bool numbers = std::all_of(a.begin(), a.end(), [](const auto& v) { return v.is_number(); });
  bool strings = std::all_of(a.begin(), a.end(), [](const auto& v) { return v.is_string(); });
  return numbers ? kNumberList : strings ? kStringList : kUninferable;
}

uint32_t ClassifyText(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true" || lower == "false") return kBool;
  const char* end = text.data() + text.size();
  if (!HasLeadingZero(text)) {
    int64_t i;
    auto r = std::from_chars(text.data(), end, i);
    if (r.ec == std::errc() && r.ptr == end) return kInt;
    double d;
    auto rd = std::from_chars(text.data(), end, d);
    if (rd.ec == std::errc() && rd.ptr == end) return kDouble;
  }
  if (!text.empty() && text[0] == '[') {
    uint32_t list = ClassifyArray(text);
    return list == kUninferable ? kString : list;
  }
  return kString;
}

uint32_t Classify(const std::string& text, FieldKind kind) {
  switch (kind) {
    case FieldKind::kText:
      return ClassifyText(text);
    case FieldKind::kBool:
      return kBool | kTyped;
    case FieldKind::kNumber:
      return (text.find('.') == std::string::npos ? kInt : kDouble) | kTyped;
    case FieldKind::kString:
      return kString | kTyped;
    case FieldKind::kArray:
      return ClassifyArray(text) | kTyped;
    default:
      return kUninferable | kTyped;
  }
}

// The type for a column's observations; nullopt with `why` when there is none.
std::optional<ValueType> Decide(uint32_t seen, std::string* why) {
  bool typed = seen & kTyped;
  uint32_t m = seen & ~(kTyped | kEmptyList);
  if (m == 0) {
    *why = seen & kEmptyList ? "only empty arrays" : "only nulls";
    return std::nullopt;
  }
  if (m & kUninferable) {
    *why = "JSON objects or arrays of mixed elements";
    return std::nullopt;
  }
  if (m == kBool) return ValueType::kBool;
  if (m == kInt) return ValueType::kInt64;
  if ((m & ~(kInt | kDouble)) == 0) return ValueType::kDouble;
  if (m == kNumberList) return ValueType::kDoubleList;
  if (m == kStringList) return ValueType::kStringList;
  if (m == kString) return ValueType::kString;
  if (!typed) return ValueType::kString;  // CSV text of mixed shapes is text
  *why = "mixed JSON types";
  return std::nullopt;
}

}  // namespace

TypeInference::TypeInference(std::vector<ResolvedMapping::Feature> columns,
                             std::vector<std::string> null_markers)
    : columns_(std::move(columns)),
      null_markers_(std::move(null_markers)),
      seen_(columns_.size(), 0) {}

void TypeInference::Observe(const InputRecord& record) {
  ++records_;
  for (size_t c = 0; c < columns_.size(); ++c) {
    size_t i = columns_[c].index;
    if (i >= record.fields.size() || !record.fields[i]) continue;
    FieldKind kind = record.kind(i);
    const std::string& text = *record.fields[i];
    if (kind == FieldKind::kText &&
        std::find(null_markers_.begin(), null_markers_.end(), text) != null_markers_.end()) {
      continue;
    }
    seen_[c] |= Classify(text, kind);
  }
}

Result<std::vector<wire::FeatureSpecT>> TypeInference::Specs(const std::string& entity_type) const {
  std::vector<wire::FeatureSpecT> specs;
  std::string failed;
  for (size_t c = 0; c < columns_.size(); ++c) {
    std::string why;
    std::optional<ValueType> type = Decide(seen_[c], &why);
    if (!type) {
      failed += (failed.empty() ? "" : "; ") + columns_[c].column + ": " + why;
      continue;
    }
    wire::FeatureSpecT spec;
    spec.name = columns_[c].feature;
    spec.entity = entity_type;
    spec.value_type = static_cast<uint8_t>(*type);
    spec.description = "registered by asof-import --register (type inferred from " +
                       std::to_string(records_) + " records)";
    specs.push_back(std::move(spec));
  }
  if (!failed.empty()) {
    return InvalidArgument("cannot infer a type in the first " + std::to_string(records_) +
                           " records for column(s) " + failed +
                           "; register these features explicitly");
  }
  return specs;
}

}  // namespace asof::import
