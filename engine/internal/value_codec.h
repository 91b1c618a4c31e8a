// The compact binary codec of Value, used in `latest` bins, `history` values, the
// registry (default values) and the dead-letter store. Format: engine/doc/formats.md.
#pragma once

#include <string>
#include <string_view>

#include "engine/status.h"
#include "engine/value.h"

namespace asof::internal {

// Appends the encoding of `value` to `out`.
void EncodeValue(const Value& value, std::string* out);
// Decodes one value from the front of `*in` and advances it. kInternal on corrupt or
// truncated input (stored data is trusted only as far as it decodes); never reads past
// the input.
Result<Value> DecodeValue(std::string_view* in);
// DecodeValue into `*out`, for callers that keep the value in place (online reads). On
// error `*in` is unchanged and `*out` is unspecified.
Status DecodeValueInto(std::string_view* in, Value* out);
// Checks that the front of `*in` is one value that DecodeValue would accept, without
// building it (nothing is allocated), sets `*type` to its tag and advances `*in` past it.
// Accepts and refuses exactly what DecodeValue does, with the same errors, so a verifier
// that only needs the type can skip the decode. On error `*in` is unchanged.
Status SkipValue(std::string_view* in, ValueType* type);

}  // namespace asof::internal
