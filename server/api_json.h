// JSON <-> engine types for the HTTP API (docs/api.md shows every shape).
//
// Conventions:
// - Timestamps are RFC 3339 strings in UTC on output ("2026-03-01T10:00:00Z", with
//   ".ffffff" only when there are microseconds). Input accepts RFC 3339 with `Z` or an
//   offset, fractions up to microseconds, or an integer of epoch microseconds.
// - Durations: "<integer><unit>", units ms, s, m, h, d ("90s", "5m", "1h", "30d"), or
//   an integer of seconds.
// - Values follow the feature's type: BOOL true/false; INT32/INT64 integers (INT64 also
//   as a decimal string, for clients that lose precision above 2^53); FLOAT/DOUBLE
//   numbers; STRING strings; BYTES base64 strings; TIMESTAMP like timestamps above; lists
//   as arrays of their element type; null is the explicit null. Nothing is converted
//   across types: "1" is not an INT32 and 1.5 is not an INT64. JSON has no NaN or
//   infinity: FLOAT/DOUBLE use the strings "NaN", "Infinity", "-Infinity" (as protobuf's
//   JSON mapping does), both ways. A TIMESTAMP outside years 0000-9999 is written as its
//   integer, which reads back.
//
// Errors: kInvalidArgument for a body that is not the documented shape (wrong JSON type,
// missing required member), kUnprocessable for a well-formed body with invalid content
// (unknown value_type, bad duration or timestamp syntax, value of the wrong type). The
// message names the member ("features[2].ttl: ...").
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "engine/engine.h"

namespace asof::server {

// "a string", "an integer", "an object", ...: a JSON value's kind, for error messages.
std::string_view JsonKindName(const boost::json::value& v);

// Parses a whole request body; kInvalidArgument with the parser's position on bad JSON.
Result<boost::json::value> ParseJsonBody(std::string_view body);

Result<int64_t> ParseDuration(std::string_view text);   // microseconds
std::string FormatDuration(int64_t micros);             // "30d", "1h", "90s", "1500ms"
Result<int64_t> ParseTimestamp(std::string_view text);  // microseconds since the epoch
Result<int64_t> TimestampFromJson(const boost::json::value& v, std::string_view member);
std::string FormatTimestamp(int64_t micros);

// "DOUBLE", ... as ParseValueType, plus the seed's aliases ("FLOAT" is f32 as in the
// engine; case-insensitive).
Result<ValueType> ValueTypeFromJson(const boost::json::value& v, std::string_view member);

Result<Value> ValueFromJson(const boost::json::value& v, ValueType type, std::string_view member);
boost::json::value ValueToJson(const Value& value);

// POST /api/features body -> spec (+ "new_version": bool). Unknown members are
// kInvalidArgument (a typo must not be dropped silently); the read-only members of
// FeatureToJson (ref, version, revision, ...) are ignored, so a feature read can be posted
// back. Shape errors (400) are reported before content errors (422).
struct FeatureRegistration {
  FeatureSpec spec;
  bool new_version = false;
};
Result<FeatureRegistration> FeatureRegistrationFromJson(const boost::json::value& body);

boost::json::object EntityTypeToJson(const EntityType& entity);
// Metadata of one version: name, entity, version, revision, value_type, description,
// owner, tags, source, transformation, upstream, freshness_sla, ttl, retention, default_value,
// deprecated, created_at, updated_at, ref ("name@N").
boost::json::object FeatureToJson(const Feature& feature);
boost::json::object FeatureChangeToJson(const FeatureChange& change);
// {"value": ..., "status": "PRESENT", "event_timestamp": "..." | null, "default_used": bool}
boost::json::object FeatureValueToJson(const FeatureValue& value);

}  // namespace asof::server
