// DriftMonitorImpl: the DriftMonitor of engine/drift_monitor.h. Served values go to
// ServedWindows (per-thread shards), closed windows to WindowStore, baselines to
// BaselineStore. Split by concern: drift_monitor_impl.cc (windows, baselines, the
// factory), drift_query.cc (Drift and the evaluation of one feature).
//
// Concurrency: persist_mu_ serializes draining the shards into the store with reading
// both (a query must see a value in exactly one of the two places). ObserveServed only
// try-locks it, once per window, to persist the window that just closed; when a query
// holds it, the next observation tries again.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

#include "engine/drift_monitor.h"
#include "engine/internal/baseline_store.h"
#include "engine/internal/monitor_factories.h"
#include "engine/internal/served_windows.h"
#include "engine/internal/window_store.h"

namespace asof::internal {

// kInvalidArgument naming the first option out of range.
Status ValidateDriftOptions(const DriftOptions& options);

class DriftMonitorImpl final : public DriftMonitor {
 public:
  DriftMonitorImpl(const MonitorContext& context, const DriftOptions& options,
                   std::unique_ptr<BaselineStore> baselines);
  // Persists every window still in memory, the open ones included.
  ~DriftMonitorImpl() override;

  const DriftOptions& options() const override { return options_; }
  void ObserveServed(const OnlineResult& result, int64_t now) override;
  Result<std::unique_ptr<BaselineRecorder>> RecordBaseline(std::string_view id,
                                                           std::string_view origin) override;
  Result<BaselineInfo> BaselineFromWindow(std::string_view id, int64_t from, int64_t to) override;
  Result<std::vector<BaselineInfo>> ListBaselines() override;
  Result<BaselineInfo> GetBaseline(std::string_view id) override;
  Status DeleteBaseline(std::string_view id) override;
  Result<std::vector<FeatureDrift>> Drift(const DriftQuery& query) override;
  Status Flush() override;

 private:
  int64_t WindowStart(int64_t t) const;
  // Persists the windows closed at `now` (all of them with include_open) and deletes
  // those past retention. Caller holds persist_mu_.
  Status PersistLocked(int64_t now, bool include_open);
  // Served values of windows starting in [from_ws, to_ws], stored and in memory. Caller
  // holds persist_mu_.
  Status CollectServedLocked(int64_t from_ws, int64_t to_ws, std::optional<uint32_t> feature,
                             FeatureSketches* out);
  // The features a query is about (drift_query.cc).
  Result<std::vector<FeaturePtr>> QueryFeatures(const DriftQuery& query);
  // Fills the baseline side and the statistics of `d`, whose served side is set.
  Status Evaluate(const std::string& baseline_id, const drift::ValueSketch* served,
                  FeatureDrift* d);

  const MonitorContext context_;
  const DriftOptions options_;
  ServedWindows served_;
  WindowStore windows_;
  std::unique_ptr<BaselineStore> baselines_;

  std::mutex persist_mu_;
  // Windows starting before it have been drained from the shards (at least once).
  std::atomic<int64_t> drained_before_{INT64_MIN};
  int64_t expired_before_ = INT64_MIN;  // guarded by persist_mu_
};

}  // namespace asof::internal
