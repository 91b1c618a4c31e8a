// HistoricalWriter: the text of a POST /api/features/historical answer, written piece by
// piece as the as-of join produces chunks, so the answer is never held whole.
//
// JSON (the default):
//   {"entity":"user","mode":"event_time","dataset_id":"ds-...","features":["a","b"],"rows":[
//    {"entity_id":"123","timestamp":"2026-03-01T10:00:00Z","features":{"a":{"value":1.5,
//     "status":"PRESENT","event_timestamp":"...","default_used":false},"b":{...}}}, ...]}
// CSV (`Accept: text/csv`): a header `entity_id,timestamp,<feature>...` (with
// include_status, `<feature>__status` right after each feature), then one line per row,
// lines ending in "\n". Cells: a list is its JSON text, any other value its plain text
// (numbers in shortest round-trip form, TIMESTAMP in RFC 3339, BYTES in base64), empty
// for a null value (NULL_VALUE, or NOT_FOUND / OUTSIDE_MAX_AGE without a default).
// A cell containing `,`, `"`, CR or LF is quoted as RFC 4180 says.
//
// Thread-safety: one caller at a time.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"

namespace asof::server {

enum class HistoricalFormat : uint8_t { kJson, kCsv };

// CSV when the Accept header names text/csv (case-insensitive), JSON otherwise.
HistoricalFormat HistoricalFormatFor(std::string_view accept);
// The Content-Type of an answer in `format`.
std::string_view HistoricalContentType(HistoricalFormat format);

class HistoricalWriter {
 public:
  // `features` as the request named them (column names and JSON keys). A non-empty
  // `dataset_id` (the drift baseline the rows are recorded into) is a JSON member before
  // the rows; CSV has no place for it (the route sends it as a header).
  HistoricalWriter(HistoricalFormat format, std::string entity, AsOfMode mode,
                   std::vector<std::string> features, bool include_status,
                   std::string dataset_id = "");

  // Everything before the first row.
  void Begin(std::string* out);
  // `values` is row-major, rows.size() x features; as AsOfJoin::Next returns it.
  void AppendRows(std::span<const AsOfRow> rows, std::span<const FeatureValue> values,
                  std::string* out);
  // Everything after the last row.
  void End(std::string* out);

 private:
  void AppendJsonRow(const AsOfRow& row, std::span<const FeatureValue> values, std::string* out);
  void AppendCsvRow(const AsOfRow& row, std::span<const FeatureValue> values, std::string* out);

  const HistoricalFormat format_;
  const std::string entity_;
  const AsOfMode mode_;
  const std::vector<std::string> features_;
  const bool include_status_;
  const std::string dataset_id_;
  std::vector<std::string> json_keys_;  // "\"name\":", escaped once
  bool first_row_ = true;
};

// A CSV cell for `text`, quoted per RFC 4180 when it needs to be.
void AppendCsvCell(std::string_view text, std::string* out);
// The cell text of a served value (see the file comment); empty for null.
std::string CsvValueText(const Value& value);

}  // namespace asof::server
