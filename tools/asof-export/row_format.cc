#include "tools/asof-export/row_format.h"

#include <set>

#include "tools/asof-export/value_text.h"

namespace asof::exporter {

namespace {

std::string JsonKey(std::string_view name) {
  std::string key;
  AppendJsonString(name, &key);
  key.push_back(':');
  return key;
}

// A label field as a JSON value: strings (all of CSV's) quoted, other JSON kinds as the
// JSON text the reader kept.
void AppendLabelJson(const import::InputRecord& record, size_t i, std::string* out) {
  const std::optional<std::string>& field = record.fields[i];
  if (!field.has_value()) {
    out->append("null");
    return;
  }
  switch (record.kind(i)) {
    case import::FieldKind::kNumber:
    case import::FieldKind::kBool:
    case import::FieldKind::kArray:
    case import::FieldKind::kObject:
      out->append(*field);
      return;
    default:
      AppendJsonString(*field, out);
  }
}

}  // namespace

Result<RowFormat> RowFormat::Make(OutputFormat format, char delimiter,
                                  std::vector<std::string> label_columns,
                                  std::vector<std::string> features, bool status_columns) {
  std::set<std::string> seen;
  auto add = [&](const std::string& name, std::string_view what) -> Status {
    if (!seen.insert(name).second) {
      return InvalidArgument("output column '" + name + "' (" + std::string(what) +
                             ") would appear twice; the labels have the columns of the input, "
                             "the features one column each");
    }
    return Status::Ok();
  };
  for (const std::string& c : label_columns) RETURN_IF_ERROR(add(c, "a label column"));
  for (const std::string& f : features) {
    RETURN_IF_ERROR(add(f, "a feature"));
    if (status_columns) RETURN_IF_ERROR(add(f + "__status", "a status column"));
  }
  RowFormat r;
  r.format_ = format;
  r.delimiter_ = delimiter;
  r.status_columns_ = status_columns;
  for (const std::string& c : label_columns) r.label_keys_.push_back(JsonKey(c));
  for (const std::string& f : features) {
    r.feature_keys_.push_back(JsonKey(f));
    r.status_keys_.push_back(JsonKey(f + "__status"));
  }
  r.label_columns_ = std::move(label_columns);
  r.features_ = std::move(features);
  return r;
}

std::string RowFormat::Header() const {
  if (format_ == OutputFormat::kJsonLines) return {};
  std::string out;
  for (size_t i = 0; i < label_columns_.size(); ++i) {
    if (i > 0) out.push_back(delimiter_);
    AppendCsvCell(label_columns_[i], delimiter_, &out);
  }
  for (const std::string& f : features_) {
    out.push_back(delimiter_);
    AppendCsvCell(f, delimiter_, &out);
    if (status_columns_) {
      out.push_back(delimiter_);
      AppendCsvCell(f + "__status", delimiter_, &out);
    }
  }
  out.push_back('\n');
  return out;
}

void RowFormat::AppendLabels(const import::InputRecord& record, std::string* out) const {
  if (format_ == OutputFormat::kCsv) {
    for (size_t i = 0; i < record.fields.size(); ++i) {
      if (i > 0) out->push_back(delimiter_);
      if (record.fields[i].has_value()) AppendCsvCell(*record.fields[i], delimiter_, out);
    }
    return;
  }
  out->push_back('{');
  for (size_t i = 0; i < record.fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append(label_keys_[i]);
    AppendLabelJson(record, i, out);
  }
}

void RowFormat::AppendFeatures(const std::vector<std::unique_ptr<wire::FeatureValueT>>& values,
                               size_t first, std::string* out) const {
  for (size_t j = 0; j < features_.size(); ++j) {
    const wire::FeatureValueT* v = values[first + j].get();
    const wire::ValueT* value = v != nullptr ? v->value.get() : nullptr;
    if (format_ == OutputFormat::kCsv) {
      out->push_back(delimiter_);
      AppendValueCsv(value, delimiter_, out);
      if (status_columns_) {
        out->push_back(delimiter_);
        if (v != nullptr) out->append(StatusName(v->status));
      }
    } else {
      out->push_back(',');
      out->append(feature_keys_[j]);
      AppendValueJson(value, out);
      if (status_columns_) {
        out->push_back(',');
        out->append(status_keys_[j]);
        if (v != nullptr) {
          AppendJsonString(StatusName(v->status), out);
        } else {
          out->append("null");
        }
      }
    }
  }
  if (format_ == OutputFormat::kJsonLines) out->push_back('}');
  out->push_back('\n');
}

}  // namespace asof::exporter
