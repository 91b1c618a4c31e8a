// How the shell shows protocol objects (features, served values, statuses) as table
// cells and as JSON. Shared by the command files so that every command prints a feature
// or a value the same way.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "tools/asof/output.h"
#include "wire/asof_generated.h"

namespace asof::shell {

// "PRESENT", "NULL_VALUE", "NOT_FOUND", "OUTSIDE_MAX_AGE" (Feast's names).
std::string ValueStatusName(uint8_t status);
// The ErrorCode name of a wire error code, "UNKNOWN" for numbers this shell does not know.
std::string ErrorName(uint8_t code);
// "created", "unchanged", "updated", "new version".
std::string OutcomeName(wire::RegisterOutcome outcome);

// "user.click_rate_7d" or, when `version` is not 0, "user.click_rate_7d@2".
std::string FeatureLabel(const std::string& entity, const std::string& name, uint32_t version = 0);

// The VALUE cell of a served value: the value when PRESENT, `null` for NULL_VALUE, the
// default followed by " (default)" when one was substituted, "-" when nothing is served.
std::string ServedValueCell(const wire::FeatureValueT& v);
// The event time of the stored version, "-" when there is none.
std::string EventTimeCell(const wire::FeatureValueT& v);
// A duration cell: "30d", or "-" for 0 (not set).
std::string DurationCell(int64_t micros);

// {"status":..,"value":..,"default_used":..,"event_time":..,"ingest_time":..}'s fields,
// written into the object the caller has open.
void WriteServedValueFields(JsonWriter& json, const wire::FeatureValueT& v);
// A feature with its whole spec, as a JSON object.
void WriteFeatureJson(JsonWriter& json, const wire::FeatureT& feature);
// {"code":"UNPROCESSABLE","message":".."}
void WriteStatusJson(JsonWriter& json, const wire::StatusT* status);

}  // namespace asof::shell
