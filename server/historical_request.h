// The body of POST /api/features/historical, parsed without a JSON DOM.
//
//   {"entity": "user",
//    "entity_ids_with_timestamps": [{"entity_id": "123", "timestamp": "2026-03-01T10:00:00Z"},
//                                   ...],
//    "features": ["a", "b"], "mode": "event_time", "include_status": false}
//
// Rationale: a training-data request may carry a million rows (~60 MB of JSON). A
// boost::json::value of it would take several times the body; the SAX parser here
// (boost::json::basic_parser) appends each row straight into a std::vector<AsOfRow>, so
// the parsed request costs about the rows themselves.
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"

namespace asof::server {

struct HistoricalRequest {
  std::string entity;
  std::vector<std::string> features;  // "name" or "name@N", distinct, in request order
  AsOfMode mode = AsOfMode::kEventTime;
  bool include_status = false;  // CSV only: a `<feature>__status` column per feature
  // The drift baseline the answered rows are recorded into (AsOfSpec::baseline_id); empty:
  // the caller generates one. Not recorded at all when record_baseline is false.
  std::string dataset_id;
  bool record_baseline = true;
  std::vector<AsOfRow> rows;  // in request order
};

// Parses `body`. Members: `entity` (non-empty string), `entity_ids_with_timestamps`
// (non-empty array of {"entity_id": non-empty string, "timestamp": RFC 3339 string or
// integer epoch microseconds}) and `features` (non-empty array of distinct non-empty
// strings) are required; `mode` ("event_time", the default, or "replay"),
// `include_status` (bool, default false), `dataset_id` (1-64 characters of
// [A-Za-z0-9_.-]) and `record_baseline` (bool, default true; false with a dataset_id is an
// error) are optional.
//
// Errors, each naming the member ("entity_ids_with_timestamps[7].timestamp: ..."):
// - kInvalidArgument: not JSON, not this shape (wrong JSON type, unknown, repeated or
//   missing member, empty array or string, an entity id over kMaxEntityIdBytes);
// - kUnprocessable: a timestamp that does not parse or lies outside [0, kMaxEventTs], an
//   unknown mode;
// - kPayloadTooLarge: more than `max_rows` rows (parsing stops there).
Result<HistoricalRequest> ParseHistoricalRequest(std::string_view body, size_t max_rows);

}  // namespace asof::server
