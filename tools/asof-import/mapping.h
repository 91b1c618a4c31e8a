// How the columns of an input map onto an entity type and its features: given by flags
// (MappingFlags, which the CLI fills) and/or a small TOML file, then resolved against the
// input's header before any row is read.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace asof::import {

// How timestamps (the event timestamp, the created timestamp and TIMESTAMP feature values)
// are written in the input.
enum class TimestampFormat : uint8_t {
  kIso8601,  // RFC 3339 with Z or an offset; "YYYY-MM-DD HH:MM:SS[.ffffff]" and a bare
             // "YYYY-MM-DD" are taken as UTC. From JSON Lines: a JSON string.
  kEpochS,   // seconds since the epoch, a decimal fraction allowed down to microseconds
  kEpochMs,  // milliseconds, likewise
  kEpochUs,  // microseconds, an integer. Epochs from JSON Lines: a JSON number.
};
// "iso8601", "epoch_s", "epoch_ms", "epoch_us".
std::string_view TimestampFormatName(TimestampFormat format);
std::optional<TimestampFormat> ParseTimestampFormat(std::string_view name);

// Microseconds since the epoch, UTC. kInvalidArgument with a reason for malformed text,
// an impossible date, or more precision than a microsecond (never rounded silently).
// No range check against the engine's limits: that is the validator's.
Result<int64_t> ParseTimestamp(std::string_view text, TimestampFormat format);

struct FeatureColumn {
  std::string column;
  std::string feature;
};

struct Mapping {
  std::string entity_type;  // required
  std::string entity_id_column = "entity_id";
  std::string event_ts_column = "event_ts";
  TimestampFormat ts_format = TimestampFormat::kIso8601;
  // Parsed and checked on every row (a bad one is a reject) but not stored: the engine
  // stamps every value of a load with the load's own ingest time, so an input's created
  // time cannot be honoured. It is carried for validation only.
  std::optional<std::string> created_ts_column;
  // Explicit feature columns. Empty: every column not named above and not in
  // `ignore_columns` is a feature of the same name.
  std::vector<FeatureColumn> features;
  std::vector<std::string> ignore_columns;
  // CSV cells equal to one of these are null values. JSON null is always null.
  std::vector<std::string> null_markers = {"", "NULL"};
};

// What the command line gives; empty / unset members leave the file's (or the default)
// value in place, so flags override the mapping file member by member.
struct MappingFlags {
  std::string mapping_file;  // TOML, optional
  std::string entity_type;
  std::string entity_id_column;
  std::string event_ts_column;
  std::string ts_format;  // a TimestampFormatName
  std::string created_ts_column;
  std::vector<std::string> features;        // "column" or "column=feature"; replaces the file's
  std::vector<std::string> ignore_columns;  // added to the file's
  std::optional<std::vector<std::string>> null_markers;  // replaces the file's
};

// Reads mapping_file (if any), applies the flags and checks the result (entity type set,
// no column used twice, no feature name used twice). kInvalidArgument with a message that
// says which flag or TOML key is wrong; kNotFound for a missing file.
Result<Mapping> MappingFromFlags(const MappingFlags& flags);

// The TOML form (documented in tools/README.md, "Mapping and validation"):
//   entity_type = "user"
//   entity_id_column = "user_id"        # default "entity_id"
//   event_ts_column = "ts"              # default "event_ts"
//   ts_format = "epoch_ms"              # default "iso8601"
//   created_ts_column = "created_at"    # optional
//   null_markers = ["", "NULL", "NA"]   # default ["", "NULL"]
//   ignore_columns = ["comment"]
//   [features]                          # optional; column = feature name
//   age_days = "account_age_days"
// `source_name` is used in messages. Unknown keys are an error (a typo must not be
// ignored). Not checked for completeness: MappingFromFlags does that.
Result<Mapping> ParseMappingToml(std::string_view text, std::string_view source_name);

// A mapping bound to a header: column indexes.
struct ResolvedMapping {
  size_t entity_id_index = 0;
  size_t event_ts_index = 0;
  std::optional<size_t> created_ts_index;
  struct Feature {
    size_t index = 0;
    std::string column;
    std::string feature;
  };
  std::vector<Feature> features;  // in header order
};

// kInvalidArgument, before any row is read, when the mapping names a column the header
// lacks (the message lists the header), or when no feature column remains.
Result<ResolvedMapping> ResolveMapping(const Mapping& mapping,
                                       const std::vector<std::string>& columns);

}  // namespace asof::import
