// Freshness: each feature's newest version against its freshness_sla, from the activity
// figures (no data is read).
#include <algorithm>
#include <unordered_map>

#include "engine/internal/engine_impl.h"

namespace asof::internal {

std::vector<FeatureFreshness> EngineImpl::Freshness(bool include_deprecated) const {
  const int64_t now = options_.clock->NowMicros();
  std::unordered_map<uint32_t, FeatureActivity> by_id;
  for (const FeatureActivity& a : Activity()) by_id.emplace(a.feature_id, a);

  FeatureFilter filter;
  filter.include_deprecated = include_deprecated;
  std::vector<FeatureFreshness> out;
  for (FeaturePtr& f : registry_->List(filter)) {
    FeatureFreshness& r = out.emplace_back();
    const int64_t sla = f->spec.freshness_sla_us;
    auto it = by_id.find(f->id);
    if (it != by_id.end()) {
      r.written = true;
      r.last_event_ts = it->second.last_event_ts;
      r.last_ingest_ts = it->second.last_ingest_ts;
      r.values_last_hour = it->second.values_last_hour;
      r.lag_us = std::max<int64_t>(0, now - r.last_event_ts);
      r.stale = sla > 0 && *r.lag_us > sla;
    } else {
      r.stale = sla > 0;
    }
    r.feature = std::move(f);
  }
  // Stale first; within each group the most lagging first, never written counting as
  // the most lagging; List's (entity, name) order breaks ties (stable sort).
  std::stable_sort(
      out.begin(), out.end(), [](const FeatureFreshness& a, const FeatureFreshness& b) {
        if (a.stale != b.stale) return a.stale;
        const int64_t la = a.lag_us.value_or(INT64_MAX), lb = b.lag_us.value_or(INT64_MAX);
        return la > lb;
      });
  return out;
}

}  // namespace asof::internal
