// Validation of one write record against the registry and the engine's limits. Every
// rejection carries a reason a user can act on; nothing is coerced.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "engine/engine.h"
#include "engine/registry.h"

namespace asof::internal {

struct ValidRecord {
  uint32_t entity_type_id;
  FeaturePtr feature;
};

// Resolves and checks records of one batch; caches registry lookups for the batch.
// Not thread-safe; one per batch.
class RecordValidator {
 public:
  RecordValidator(const Registry& registry, const EngineOptions& options, int64_t now)
      : registry_(registry), options_(options), now_(now) {}

  // kUnprocessable with the reason when the record must be rejected.
  Result<ValidRecord> Validate(const WriteRecord& record);

 private:
  Result<uint32_t> EntityTypeId(const std::string& name);
  Result<FeaturePtr> Feature(const WriteRecord& record);

  const Registry& registry_;
  const EngineOptions& options_;
  const int64_t now_;
  std::unordered_map<std::string, Result<uint32_t>> entity_types_;
  std::unordered_map<std::string, Result<FeaturePtr>> features_;  // key: entity \0 ref
};

// Checks an entity id's shape (non-empty, at most kMaxEntityIdBytes).
Status CheckEntityId(std::string_view entity_id);

}  // namespace asof::internal
