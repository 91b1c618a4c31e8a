// Per-feature write activity: in-memory figures for metrics and the registry API.
#include <algorithm>

#include "engine/internal/engine_impl.h"

namespace asof::internal {

void EngineImpl::RecordActivity(const std::map<uint32_t, FeatureActivity>& batch) {
  std::lock_guard<std::mutex> lock(activity_mu_);
  for (const auto& [id, delta] : batch) {
    FeatureActivity& a = activity_[id];
    if (a.values_written == 0) {
      a = delta;
    } else {
      a.last_event_ts = std::max(a.last_event_ts, delta.last_event_ts);
      a.last_ingest_ts = std::max(a.last_ingest_ts, delta.last_ingest_ts);
      a.values_written += delta.values_written;
    }
    a.feature_id = id;
  }
}

std::vector<FeatureActivity> EngineImpl::Activity() const {
  std::lock_guard<std::mutex> lock(activity_mu_);
  std::vector<FeatureActivity> out;
  out.reserve(activity_.size());
  for (const auto& [id, a] : activity_) out.push_back(a);
  return out;
}

}  // namespace asof::internal
