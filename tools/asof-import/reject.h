// A rejected input record: why, where, and the original text, for the rejects file and
// the summary. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace asof::import {

// The numbering is not persistent; the names are (they appear in rejects files).
enum class RejectReason : uint8_t {
  kMalformedRecord,    // "malformed_record": a ragged CSV row, a line that is not a JSON
                       // object or has members the first record lacks
  kMissingEntityId,    // "missing_entity_id": absent, null or empty
  kBadEntityId,        // "bad_entity_id": over kMaxEntityIdBytes, not UTF-8, or a JSON
                       // value other than a string or an integer
  kMissingEventTs,     // "missing_event_ts": absent or null
  kBadEventTs,         // "bad_event_ts": cannot be read in the mapping's format
  kEventTsOutOfRange,  // "event_ts_out_of_range": outside [0, kMaxEventTs]
  kBadCreatedTs,       // "bad_created_ts": present but unreadable or out of range
  kWrongType,          // "wrong_type": not a value of the feature's type ("1.5" or the
                       // JSON string "1" for an INT64, "yes" for a BOOL)
  kValueOutOfRange,    // "value_out_of_range": an integer beyond INT32/INT64, a number
                       // beyond FLOAT/DOUBLE
  kInvalidValue,       // "invalid_value": the right kind but unusable (invalid UTF-8,
                       // bad base64, a malformed JSON array)
};
inline constexpr int kRejectReasonCount = 10;

std::string_view RejectReasonName(RejectReason reason);
std::optional<RejectReason> ParseRejectReason(std::string_view name);

struct Reject {
  std::string source;  // input file ("-" for stdin)
  uint64_t line = 0;   // 1-based line where the record starts
  std::string column;  // empty when the whole record is at fault
  RejectReason reason = RejectReason::kMalformedRecord;
  std::string message;  // human-readable detail, e.g. "'1.5' is not an INT64"
  std::string text;     // the original record text
};

}  // namespace asof::import
