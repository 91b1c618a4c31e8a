// Text of served feature values in asof-export's output, with the conventions of the
// HTTP API's historical CSV (server/historical_format.h), so that a training set reads the
// same whichever way it was fetched:
//   numbers       shortest round-trip form (0.1, 1e+300; floats as the f32 they are)
//   BOOL          true / false
//   STRING        the text itself (CSV; an empty one as "") / a JSON string
//   BYTES         base64
//   TIMESTAMP     RFC 3339 UTC, microseconds only when needed (2026-03-01T10:00:00Z)
//   lists         their JSON text ([1.5,2], ["a","b"]); non-finite numbers as "nan",
//                 "inf", "-inf" strings, as everywhere in asof's JSON
//   null          (a null value, or NOT_FOUND / OUTSIDE_MAX_AGE without a default) an
//                 empty CSV cell / JSON null
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wire/asof_generated.h"

namespace asof::exporter {

// True when `value` carries no value (absent, or of type NULL).
bool IsNullValue(const wire::ValueT* value);

// Appends the value as one CSV cell (quoted as needed); nothing for null.
void AppendValueCsv(const wire::ValueT* value, char delimiter, std::string* out);
// Appends the value as a JSON value; `null` for null.
void AppendValueJson(const wire::ValueT* value, std::string* out);

// Appends `text` as one CSV cell, quoted per RFC 4180 when it contains the delimiter, a
// quote, CR or LF, or when `quote_empty` and it is empty (an empty STRING value, which
// must not read back as a null).
void AppendCsvCell(std::string_view text, char delimiter, std::string* out,
                   bool quote_empty = false);
// Appends `text` as a JSON string literal (quotes included). Control characters are
// escaped; other bytes are copied, so UTF-8 input stays UTF-8.
void AppendJsonString(std::string_view text, std::string* out);

// "PRESENT", "NULL_VALUE", "NOT_FOUND", "OUTSIDE_MAX_AGE" ("STATUS_<n>" for a newer server's).
std::string StatusName(uint8_t status);

// RFC 3339 UTC: 2026-03-01T10:00:00Z, 2026-03-01T10:00:00.250000Z.
std::string FormatRfc3339(int64_t micros);

}  // namespace asof::exporter
