// Feature values as the shell reads them from a command line and prints them.
//
// Input syntax, by the feature's registered type (the engine never coerces, and neither
// does the shell: `abc` is not an INT64, `1.5` is not an INT64, `1` is not a BOOL):
//   BOOL         true | false
//   INT32/INT64  42, -7                    (range-checked)
//   FLOAT/DOUBLE 1.5, -2e-3, 7, nan, inf
//   STRING       hello | "hello world"     (in a put, quote text that contains spaces)
//   BYTES        0x48690a (hex) | "Hi"     (the text's bytes)
//   TIMESTAMP    2026-03-01T10:00:00Z, now, -1h   (see time_format.h)
//   *_LIST       [1, 2, 3]  [] ["a b", c]  (elements in their element type's syntax)
//   any type     null                      (an explicit null; "null" quoted is the text)
// Output uses the same syntax, so a printed value can be pasted back into a put.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/status.h"
#include "engine/value.h"  // the ValueType enum only: tools do not link the engine
#include "wire/asof_generated.h"

namespace asof::shell {

class JsonWriter;

// "DOUBLE", "FLOAT_LIST", ...; "NULL" for 0; "TYPE_<n>" for numbers this shell does not
// know (a newer server).
std::string TypeName(uint8_t type);
// Case-insensitive inverse of TypeName for feature types (not NULL); nullopt otherwise.
std::optional<ValueType> ParseTypeName(std::string_view name);
// "BOOL, INT32, ..., STRING_LIST", for error messages and help.
std::string AllTypeNames();

// Parses `text` as a value of `type`. `quoted` says the user quoted the text on the
// command line: it then never means null, and a STRING keeps it verbatim.
// kUnprocessable naming the type when the text is not a value of that type.
Result<wire::ValueT> ParseValue(ValueType type, std::string_view text, bool quoted, int64_t now_us);

// The value in the input syntax above; `null` for nullptr or a null value.
std::string FormatValue(const wire::ValueT* value);

// The value as JSON: numbers, booleans, strings, arrays; TIMESTAMP as an ISO-8601 string,
// BYTES as a "0x..." hex string, non-finite floats as the strings "nan", "inf", "-inf".
void WriteJsonValue(JsonWriter& json, const wire::ValueT* value);

}  // namespace asof::shell
