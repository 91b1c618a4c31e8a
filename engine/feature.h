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
  std::string source;                  // where the raw data comes from
  std::string transformation;          // how the value is computed
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

// One entry of a feature version's change history.
struct FeatureChange {
  uint64_t revision = 0;
  int64_t ts_us = 0;
  std::string what;  // e.g. "registered", "description, tags changed", "deprecated"
  bool operator==(const FeatureChange&) const = default;
};

}  // namespace asof
