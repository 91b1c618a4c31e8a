#include "engine/internal/serve_value.h"

#include "engine/internal/value_codec.h"

namespace asof::internal {

Result<FeatureValue> ServeVersion(const Feature& feature, const StoredVersion* version, int64_t t) {
  FeatureValue out;
  RETURN_IF_ERROR(ServeVersionInto(feature, version, t, &out));
  return out;
}

Status ServeVersionInto(const Feature& feature, const StoredVersion* version, int64_t t,
                        FeatureValue* out) {
  const FeatureSpec& spec = feature.spec;
  out->default_used = false;
  if (version == nullptr) {
    out->status = ValueStatus::kNotFound;
    out->event_ts = 0;
    out->ingest_ts = 0;
  } else {
    out->event_ts = version->event_ts;
    out->ingest_ts = version->ingest_ts;
    if (spec.ttl_us > 0 && version->event_ts < t - spec.ttl_us) {
      out->status = ValueStatus::kOutsideMaxAge;
    } else {
      std::string_view in = version->encoded_value;
      RETURN_IF_ERROR(DecodeValueInto(&in, &out->value));
      out->status = out->value.is_null() ? ValueStatus::kNullValue : ValueStatus::kPresent;
      return Status::Ok();
    }
  }
  if (spec.default_value.has_value()) {
    out->value = *spec.default_value;
    out->default_used = true;
  } else {
    out->value = Value();
  }
  return Status::Ok();
}

}  // namespace asof::internal
