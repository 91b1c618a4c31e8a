#include "engine/internal/record_validation.h"

#include <string>

namespace asof::internal {

Status CheckEntityId(std::string_view entity_id) {
  if (entity_id.empty()) return Unprocessable("entity_id is empty");
  if (entity_id.size() > kMaxEntityIdBytes) {
    return Unprocessable("entity_id is " + std::to_string(entity_id.size()) +
                         " bytes; the limit is " + std::to_string(kMaxEntityIdBytes));
  }
  return Status::Ok();
}

Result<uint32_t> RecordValidator::EntityTypeId(const std::string& name) {
  auto it = entity_types_.find(name);
  if (it == entity_types_.end()) {
    Result<EntityType> et = registry_.GetEntityType(name);
    Result<uint32_t> id =
        et.ok() ? Result<uint32_t>(et->id)
                : Result<uint32_t>(Unprocessable("entity type '" + name + "' is not registered"));
    it = entity_types_.emplace(name, std::move(id)).first;
  }
  return it->second;
}

Result<FeaturePtr> RecordValidator::Feature(const WriteRecord& record) {
  std::string key = record.entity_type + '\0' + record.feature;
  auto it = features_.find(key);
  if (it == features_.end()) {
    Result<FeaturePtr> f = registry_.Resolve(record.entity_type, record.feature);
    if (!f.ok()) {
      f = Unprocessable(f.status().message());
    } else if ((*f)->deprecated) {
      f = Unprocessable("feature '" + record.feature + "' (version " +
                        std::to_string((*f)->version) + ") is deprecated");
    }
    it = features_.emplace(std::move(key), std::move(f)).first;
  }
  return it->second;
}

Result<ValidRecord> RecordValidator::Validate(const WriteRecord& record) {
  ValidRecord out;
  ASSIGN_OR_RETURN(out.entity_type_id, EntityTypeId(record.entity_type));
  RETURN_IF_ERROR(CheckEntityId(record.entity_id));
  ASSIGN_OR_RETURN(out.feature, Feature(record));
  Status type = CheckValueType(record.value, out.feature->spec.value_type);
  if (!type.ok()) {
    return Unprocessable("feature '" + record.feature + "': " + type.message());
  }
  if (!record.event_ts.has_value()) return Unprocessable("event_ts is missing");
  int64_t ts = *record.event_ts;
  if (ts < 0 || ts > kMaxEventTs) {
    return Unprocessable("event_ts " + std::to_string(ts) +
                         " is out of range (microseconds since 1970, up to year 9999)");
  }
  if (ts > now_ + options_.max_future_skew_us) {
    return Unprocessable("event_ts " + std::to_string(ts) + " is more than " +
                         std::to_string(options_.max_future_skew_us / 1000000) +
                         "s in the future; is it in ns or ms instead of microseconds?");
  }
  if (record.event_id.size() > kMaxEventIdBytes) {
    return Unprocessable("event_id is longer than " + std::to_string(kMaxEventIdBytes) + " bytes");
  }
  return out;
}

}  // namespace asof::internal
