// Turns an InputRecord into an ImportRow (values parsed for their registered types and
// encoded) or a Reject. Nothing is coerced silently: a value either reads exactly as its
// feature's type or the record is rejected.
//
// Values by type, from CSV text / from JSON Lines (typed input keeps its types):
//   BOOL         true/false/1/0                 / JSON true/false
//   INT32/INT64  decimal integer, range checked / JSON integer number
//   FLOAT/DOUBLE decimal number, inf/nan        / JSON number
//   STRING       the text (valid UTF-8)         / JSON string
//   BYTES        base64                         / JSON string holding base64
//   TIMESTAMP    the mapping's ts_format        / likewise (string or number)
//   lists        a JSON array in the cell       / JSON array
// Entity ids: non-empty, <= kMaxEntityIdBytes; a JSON integer becomes its decimal text.
//
// Thread-safety: Validate is const and may be called from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "engine/status.h"
#include "engine/value.h"
#include "tools/asof-import/import_row.h"
#include "tools/asof-import/mapping.h"
#include "tools/asof-import/record_reader.h"
#include "tools/asof-import/reject.h"
#include "wire/asof_generated.h"

namespace asof::import {

// The mapped feature columns that have no registered feature (by name) among `features`:
// what --register creates.
std::vector<ResolvedMapping::Feature> UnknownFeatures(const ResolvedMapping& resolved,
                                                      const std::vector<wire::FeatureT>& features);

class RowValidator {
 public:
  // `features`: the registered features of mapping.entity_type (ListFeatures); of several
  // versions of a name the highest is used. kInvalidArgument before any row when a mapped
  // column has no registered feature (the message names them and suggests --register),
  // or when a feature is deprecated or belongs to another entity type.
  static Result<RowValidator> Create(const Mapping& mapping, const ResolvedMapping& resolved,
                                     const std::vector<wire::FeatureT>& features);

  using Outcome = std::variant<ImportRow, Reject>;
  // A row with one ImportCell per mapped column whose field is present (an absent JSON
  // member writes nothing; a null or a CSV null marker writes a null value), or the first
  // fault found.
  Outcome Validate(const InputRecord& record) const;

  // The reject for a record the reader could not read (RecordReader::Next returned
  // kInvalidArgument): reason kMalformedRecord, position and text from `bad`.
  static Reject MalformedRecord(const Status& status, const InputRecord& bad);

  struct Column {
    size_t index = 0;
    std::string name;
    uint32_t feature_id = 0;
    ValueType type = ValueType::kNull;
  };
  const std::vector<Column>& feature_columns() const { return columns_; }

 private:
  RowValidator() = default;

  Mapping mapping_;
  ResolvedMapping resolved_;
  std::vector<Column> columns_;
  size_t needed_fields_ = 0;        // the highest column index used, plus one
  size_t longest_null_marker_ = 0;  // a longer field is not one: no comparisons per cell
};

// Parses one non-null cell for `type` (exposed for tests). `kind` is the field's JSON kind
// (FieldKind::kText for CSV). On failure: the reason and a message.
struct CellError {
  RejectReason reason;
  std::string message;
};
std::variant<Value, CellError> ParseCell(std::string_view text, FieldKind kind, ValueType type,
                                         TimestampFormat ts_format);

}  // namespace asof::import
