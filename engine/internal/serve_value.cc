#include "engine/internal/serve_value.h"

#include "engine/internal/value_codec.h"

namespace asof::internal {

Result<FeatureValue> ServeVersion(const Feature& feature, const StoredVersion* version, int64_t t) {
  FeatureValue out;
  const FeatureSpec& spec = feature.spec;
  if (version == nullptr) {
    out.status = ValueStatus::kNotFound;
  } else {
    out.event_ts = version->event_ts;
    out.ingest_ts = version->ingest_ts;
    if (spec.ttl_us > 0 && version->event_ts < t - spec.ttl_us) {
      out.status = ValueStatus::kOutsideMaxAge;
    } else {
      std::string_view in = version->encoded_value;
      ASSIGN_OR_RETURN(out.value, DecodeValue(&in));
      out.status = out.value.is_null() ? ValueStatus::kNullValue : ValueStatus::kPresent;
      return out;
    }
  }
  if (spec.default_value.has_value()) {
    out.value = *spec.default_value;
    out.default_used = true;
  }
  return out;
}

}  // namespace asof::internal
