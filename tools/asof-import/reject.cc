#include "tools/asof-import/reject.h"

namespace asof::import {

namespace {
constexpr std::string_view kNames[kRejectReasonCount] = {
    "malformed_record",   "missing_entity_id",     "bad_entity_id",  "missing_event_ts",
    "bad_event_ts",       "event_ts_out_of_range", "bad_created_ts", "wrong_type",
    "value_out_of_range", "invalid_value"};
}  // namespace

std::string_view RejectReasonName(RejectReason reason) { return kNames[static_cast<int>(reason)]; }

std::optional<RejectReason> ParseRejectReason(std::string_view name) {
  for (int i = 0; i < kRejectReasonCount; ++i) {
    if (kNames[i] == name) return static_cast<RejectReason>(i);
  }
  return std::nullopt;
}

}  // namespace asof::import
