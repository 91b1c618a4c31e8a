// Registry objects: entity types, features, feature versions and their change history
// (DESIGN.md section 2). Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/value.h"

namespace asof {

// An entity type such as `user`. Entity ids are strings on every API.
struct EntityType {
  uint32_t id = 0;
  std::string name;
  std::string description;  // e.g. what the key means: "user id from the accounts db"
  int64_t created_us = 0;
  bool operator==(const EntityType&) const = default;
};

// What a user registers. `name` is unique per entity type.
struct FeatureSpec {
  std::string name;
  std::string entity;  // entity type name
  ValueType value_type = ValueType::kNull;
  std::string description;
  std::string owner;  // team
  std::vector<std::string> tags;
  // Free text, or the name of a registered Source / Transformation, which lineage then
  // links to (an unregistered name is shown as such, never refused).
  std::string source;          // where the raw data comes from
  std::string transformation;  // how the value is computed
  // Features this one is derived from: "name" (same entity type) or "entity:name". They
  // must exist and must not lead back to this feature; changing them is metadata.
  std::vector<std::string> upstream;
  int64_t freshness_sla_us = 0;        // 0: no SLA
  int64_t ttl_us = 0;                  // max age of a served value; 0: never too old
  int64_t retention_us = 0;            // history kept at least this long; 0: forever
  std::optional<Value> default_value;  // served for NOT_FOUND / OUTSIDE_MAX_AGE
  bool operator==(const FeatureSpec&) const = default;
};

// One registered version of a feature. A schema change (value type) makes a new version
// with a new id; metadata changes bump `revision` in place.
struct Feature {
  FeatureSpec spec;
  uint32_t id = 0;        // compact id used inside data keys; unique across all versions
  uint32_t version = 1;   // 1, 2, ... per (entity, name)
  uint64_t revision = 1;  // metadata revision of this version
  bool deprecated = false;
  int64_t created_us = 0;
  int64_t updated_us = 0;
  bool operator==(const Feature&) const = default;
};

// Lineage objects (catalog.h). Names follow ValidateName; timestamps are set by the
// registry.
enum class SourceKind : uint8_t { kTable = 0, kStream = 1, kFile = 2 };
inline constexpr uint8_t kMaxSourceKind = 2;

struct Source {
  std::string name;
  SourceKind kind = SourceKind::kTable;
  std::string location;  // e.g. "warehouse.events.clicks", "kafka://clicks", "s3://..."
  std::string owner;
  std::string description;
  int64_t created_us = 0;
  int64_t updated_us = 0;
  bool operator==(const Source&) const = default;
};

struct Transformation {
  std::string name;
  std::string code;      // the code or expression itself
  std::string language;  // e.g. "sql", "python"
  std::string description;
  int64_t created_us = 0;
  int64_t updated_us = 0;
  bool operator==(const Transformation&) const = default;
};

// A model that reads features; identified by (name, version).
struct Consumer {
  std::string name;
  std::string version;  // free form ("3", "2026-03-01"); may be empty
  std::string owner;
  std::string description;
  std::vector<std::string> features;  // "entity:name", canonical once registered
  int64_t created_us = 0;
  int64_t updated_us = 0;
  bool operator==(const Consumer&) const = default;
};

// One entry of a feature version's change history.
struct FeatureChange {
  uint64_t revision = 0;
  int64_t ts_us = 0;
  std::string what;  // e.g. "registered", "description, tags changed", "deprecated"
  bool operator==(const FeatureChange&) const = default;
};

}  // namespace asof
