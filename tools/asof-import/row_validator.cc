#include "tools/asof-import/row_validator.h"

#include <algorithm>
#include <map>

#include "engine/engine.h"
#include "engine/internal/value_codec.h"

namespace asof::import {

namespace {

// The highest version of each feature name.
std::map<std::string, const wire::FeatureT*> ByName(const std::vector<wire::FeatureT>& features) {
  std::map<std::string, const wire::FeatureT*> by_name;
  for (const wire::FeatureT& f : features) {
    if (f.spec == nullptr) continue;
    const wire::FeatureT*& best = by_name[f.spec->name];
    if (best == nullptr || best->version < f.version) best = &f;
  }
  return by_name;
}

bool IsTimestampKind(FieldKind kind, TimestampFormat format) {
  if (kind == FieldKind::kText) return true;
  if (format == TimestampFormat::kIso8601) return kind == FieldKind::kString;
  return kind == FieldKind::kNumber;
}

}  // namespace

std::vector<ResolvedMapping::Feature> UnknownFeatures(const ResolvedMapping& resolved,
                                                      const std::vector<wire::FeatureT>& features) {
  auto by_name = ByName(features);
  std::vector<ResolvedMapping::Feature> unknown;
  for (const auto& f : resolved.features) {
    if (!by_name.count(f.feature)) unknown.push_back(f);
  }
  return unknown;
}

Result<RowValidator> RowValidator::Create(const Mapping& mapping, const ResolvedMapping& resolved,
                                          const std::vector<wire::FeatureT>& features) {
  auto by_name = ByName(features);
  RowValidator v;
  v.mapping_ = mapping;
  v.resolved_ = resolved;
  std::string unknown;
  for (const auto& f : resolved.features) {
    auto it = by_name.find(f.feature);
    if (it == by_name.end()) {
      unknown += (unknown.empty() ? "" : ", ") + f.feature;
      continue;
    }
    const wire::FeatureT& feature = *it->second;
    if (feature.spec->entity != mapping.entity_type) {
      return InvalidArgument("feature '" + f.feature + "' belongs to entity type '" +
                             feature.spec->entity + "', not '" + mapping.entity_type + "'");
    }
    if (feature.deprecated) {
      return InvalidArgument("feature '" + f.feature + "' (column '" + f.column +
                             "') is deprecated");
    }
    auto type = static_cast<ValueType>(feature.spec->value_type);
    if (type == ValueType::kNull || feature.spec->value_type > kMaxValueType) {
      return InvalidArgument("feature '" + f.feature + "' has an unknown value type " +
                             std::to_string(feature.spec->value_type));
    }
    v.columns_.push_back({f.index, f.column, feature.id, type});
    v.needed_fields_ = std::max(v.needed_fields_, f.index + 1);
  }
  for (const std::string& marker : mapping.null_markers) {
    v.longest_null_marker_ = std::max(v.longest_null_marker_, marker.size());
  }
  v.needed_fields_ =
      std::max({v.needed_fields_, resolved.entity_id_index + 1, resolved.event_ts_index + 1,
                resolved.created_ts_index.value_or(0) + 1});
  if (!unknown.empty()) {
    return InvalidArgument("no registered feature of entity type '" + mapping.entity_type +
                           "' for: " + unknown +
                           " (register them, or run with --register to create them with "
                           "inferred types)");
  }
  return v;
}

RowValidator::Outcome RowValidator::Validate(const InputRecord& record) const {
  auto reject_at = [&](const std::string& column, RejectReason reason,
                       std::string message) -> Outcome {
    return Reject{record.source, record.line, column, reason, std::move(message), record.text};
  };
  auto is_null = [&](size_t i) {
    FieldKind kind = record.kind(i);
    if (kind == FieldKind::kAbsent || kind == FieldKind::kNull || !record.fields[i]) return true;
    if (kind != FieldKind::kText || record.fields[i]->size() > longest_null_marker_) return false;
    const auto& markers = mapping_.null_markers;
    return std::find(markers.begin(), markers.end(), *record.fields[i]) != markers.end();
  };
  if (record.fields.size() < needed_fields_ ||
      (!record.kinds.empty() && record.kinds.size() != record.fields.size())) {
    return reject_at("", RejectReason::kMalformedRecord, "fewer fields than the header");
  }

  ImportRow row;
  row.line = record.line;

  // Entity id.
  const std::string& id_column = mapping_.entity_id_column;
  size_t id = resolved_.entity_id_index;
  if (is_null(id) || record.fields[id]->empty()) {
    return reject_at(id_column, RejectReason::kMissingEntityId, "no entity id");
  }
  FieldKind id_kind = record.kind(id);
  const std::string& id_text = *record.fields[id];
  bool id_ok = id_kind == FieldKind::kText || id_kind == FieldKind::kString ||
               (id_kind == FieldKind::kNumber && id_text.find('.') == std::string::npos);
  if (!id_ok) {
    return reject_at(id_column, RejectReason::kBadEntityId,
                     "an entity id is a string or an integer, not " + id_text);
  }
  if (id_text.size() > kMaxEntityIdBytes) {
    return reject_at(id_column, RejectReason::kBadEntityId,
                     "entity id longer than " + std::to_string(kMaxEntityIdBytes) + " bytes");
  }
  if (!IsValidUtf8(id_text)) {
    return reject_at(id_column, RejectReason::kBadEntityId, "entity id is not valid UTF-8");
  }
  row.entity_id = id_text;

  // Event timestamp.
  const std::string& ts_column = mapping_.event_ts_column;
  size_t ts = resolved_.event_ts_index;
  if (is_null(ts)) return reject_at(ts_column, RejectReason::kMissingEventTs, "no event timestamp");
  if (!IsTimestampKind(record.kind(ts), mapping_.ts_format)) {
    return reject_at(
        ts_column, RejectReason::kBadEventTs,
        "a JSON " +
            std::string(mapping_.ts_format == TimestampFormat::kIso8601 ? "string" : "number") +
            " is expected for " + std::string(TimestampFormatName(mapping_.ts_format)));
  }
  Result<int64_t> event_ts = ParseTimestamp(*record.fields[ts], mapping_.ts_format);
  if (!event_ts.ok()) {
    return reject_at(ts_column, RejectReason::kBadEventTs, event_ts.status().message());
  }
  if (*event_ts < 0 || *event_ts > kMaxEventTs) {
    return reject_at(ts_column, RejectReason::kEventTsOutOfRange,
                     "event timestamp " + *record.fields[ts] + " is outside 1970..9999");
  }
  row.event_ts = *event_ts;

  // Created timestamp: checked, not kept (mapping.h).
  if (resolved_.created_ts_index && !is_null(*resolved_.created_ts_index)) {
    size_t c = *resolved_.created_ts_index;
    const std::string& column = *mapping_.created_ts_column;
    if (!IsTimestampKind(record.kind(c), mapping_.ts_format)) {
      return reject_at(column, RejectReason::kBadCreatedTs, "not a timestamp");
    }
    Result<int64_t> created = ParseTimestamp(*record.fields[c], mapping_.ts_format);
    if (!created.ok()) {
      return reject_at(column, RejectReason::kBadCreatedTs, created.status().message());
    }
    if (*created < 0 || *created > kMaxEventTs) {
      return reject_at(column, RejectReason::kBadCreatedTs, "outside 1970..9999");
    }
  }

  row.cells.reserve(columns_.size());
  for (const Column& col : columns_) {
    if (record.kind(col.index) == FieldKind::kAbsent) continue;
    ImportCell cell{col.feature_id, {}};
    if (is_null(col.index)) {
      internal::EncodeValue(Value::Null(), &cell.encoded_value);
    } else {
      auto parsed = ParseCell(*record.fields[col.index], record.kind(col.index), col.type,
                              mapping_.ts_format);
      if (auto* e = std::get_if<CellError>(&parsed)) {
        return reject_at(col.name, e->reason, std::move(e->message));
      }
      internal::EncodeValue(std::get<Value>(parsed), &cell.encoded_value);
    }
    row.cells.push_back(std::move(cell));
  }
  return row;
}

Reject RowValidator::MalformedRecord(const Status& status, const InputRecord& bad) {
  return Reject{bad.source,       bad.line, "", RejectReason::kMalformedRecord,
                status.message(), bad.text};
}

}  // namespace asof::import
