// The serving rule shared by online and as-of reads, so that an online read at now and an
// as-of read at T = now can never disagree.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/engine.h"
#include "engine/feature.h"

namespace asof::internal {

struct StoredVersion {
  int64_t event_ts;
  int64_t ingest_ts;
  std::string_view encoded_value;
};

// The answer for `feature` at time T given the version selected for T (nullptr: none).
// ttl window [T - ttl, T] inclusive; defaults substitute for NOT_FOUND and
// OUTSIDE_MAX_AGE. kInternal when the stored value does not decode.
Result<FeatureValue> ServeVersion(const Feature& feature, const StoredVersion* version, int64_t t);
// ServeVersion into `*out` (all fields overwritten), which spares online reads a Result and
// two moves of the value per feature. On error `*out` is unspecified.
Status ServeVersionInto(const Feature& feature, const StoredVersion* version, int64_t t,
                        FeatureValue* out);

}  // namespace asof::internal
