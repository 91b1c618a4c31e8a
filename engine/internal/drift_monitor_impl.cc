#include "engine/internal/drift_monitor_impl.h"

#include <algorithm>
#include <string>

namespace asof::internal {

Status ValidateDriftOptions(const DriftOptions& o) {
  // Written as !(in range) so that NaN is refused too.
  if (!(o.sample_rate >= 0 && o.sample_rate <= 1)) {
    return InvalidArgument("drift sample_rate must be in [0, 1]");
  }
  if (o.window_us <= 0) return InvalidArgument("drift window_us must be > 0");
  if (o.retention_us < o.window_us) {
    return InvalidArgument("drift retention_us must be >= window_us");
  }
  if (o.default_query_window_us <= 0) {
    return InvalidArgument("drift default_query_window_us must be > 0");
  }
  if (!(o.ks_threshold > 0)) return InvalidArgument("drift ks_threshold must be > 0");
  if (!(o.psi_threshold > 0)) return InvalidArgument("drift psi_threshold must be > 0");
  return Status::Ok();
}

Result<std::unique_ptr<DriftMonitor>> NewDriftMonitor(const MonitorContext& context,
                                                      const DriftOptions& options) {
  RETURN_IF_ERROR(ValidateDriftOptions(options));
  ASSIGN_OR_RETURN(std::unique_ptr<BaselineStore> baselines,
                   BaselineStore::Load(context.db, context.cf, context.registry, context.clock));
  return std::unique_ptr<DriftMonitor>(
      std::make_unique<DriftMonitorImpl>(context, options, std::move(baselines)));
}

DriftMonitorImpl::DriftMonitorImpl(const MonitorContext& context, const DriftOptions& options,
                                   std::unique_ptr<BaselineStore> baselines)
    : context_(context),
      options_(options),
      served_(options.sample_rate),
      windows_(context.db, context.cf),
      baselines_(std::move(baselines)) {}

DriftMonitorImpl::~DriftMonitorImpl() {
  // Nobody to report to at shutdown; a failure loses the windows still in memory, as a
  // crash would.
  Flush().IgnoreError();
}

int64_t DriftMonitorImpl::WindowStart(int64_t t) const {
  const int64_t r = t % options_.window_us;
  return t - (r < 0 ? r + options_.window_us : r);
}

Status DriftMonitorImpl::PersistLocked(int64_t now, bool include_open) {
  const int64_t current = WindowStart(now);
  WindowSketches closed = served_.Drain(include_open ? INT64_MAX : current);
  if (drained_before_.load(std::memory_order_relaxed) < current) {
    drained_before_.store(current, std::memory_order_relaxed);
  }
  // Drained values that fail to persist are lost, like the open window in a crash;
  // putting them back would let one bad write stall every later window.
  RETURN_IF_ERROR(windows_.Persist(closed));
  // The newest window that has ended retention_us before now, and everything before it.
  const int64_t expire_before =
      WindowStart(now - options_.retention_us - options_.window_us) + options_.window_us;
  if (expire_before > expired_before_) {
    RETURN_IF_ERROR(windows_.Expire(expire_before));
    expired_before_ = expire_before;
  }
  return Status::Ok();
}

void DriftMonitorImpl::ObserveServed(const OnlineResult& result, int64_t now) {
  if (options_.sample_rate <= 0) return;
  const int64_t window = WindowStart(now);
  if (window > drained_before_.load(std::memory_order_relaxed)) {
    std::unique_lock<std::mutex> lock(persist_mu_, std::try_to_lock);
    // A read has no one to report a failed persist to; the windows are dropped (above).
    if (lock.owns_lock()) PersistLocked(now, /*include_open=*/false).IgnoreError();
  }
  served_.Observe(result, window);
}

Status DriftMonitorImpl::CollectServedLocked(int64_t from_ws, int64_t to_ws,
                                             std::optional<uint32_t> feature,
                                             FeatureSketches* out) {
  RETURN_IF_ERROR(windows_.Collect(from_ws, to_ws, feature, out));
  served_.Collect(from_ws, to_ws, feature, out);
  return Status::Ok();
}

namespace {

class Recorder final : public BaselineRecorder {
 public:
  Recorder(BaselineStore* store, std::string id, std::string origin)
      : store_(store), id_(std::move(id)), origin_(std::move(origin)) {}

  Status Add(const std::vector<FeaturePtr>& features,
             const std::vector<FeatureValue>& values) override {
    const size_t nf = features.size();
    if (nf == 0 ? !values.empty() : values.size() % nf != 0) {
      return InvalidArgument("baseline values are not rows x features");
    }
    const size_t rows = nf == 0 ? 0 : values.size() / nf;
    for (size_t j = 0; j < nf; ++j) {
      const Feature& f = *features[j];
      if (!drift::ValueSketch::Monitored(f.spec.value_type)) continue;
      auto it = sketches_.try_emplace(f.id, f.spec.value_type).first;
      // The same feature asked for twice ("x", "x@1") counts twice, as the rows do.
      for (size_t i = 0; i < rows; ++i) it->second.Add(values[i * nf + j]);
    }
    rows_ += rows;
    return Status::Ok();
  }

  Status Commit() override {
    RETURN_IF_ERROR(store_->Merge(id_, origin_, std::move(sketches_), rows_));
    sketches_.clear();
    rows_ = 0;
    return Status::Ok();
  }

 private:
  BaselineStore* const store_;
  const std::string id_;
  const std::string origin_;
  FeatureSketches sketches_;
  uint64_t rows_ = 0;
};

}  // namespace

Result<std::unique_ptr<BaselineRecorder>> DriftMonitorImpl::RecordBaseline(
    std::string_view id, std::string_view origin) {
  RETURN_IF_ERROR(ValidateBaselineId(id));
  return std::unique_ptr<BaselineRecorder>(
      std::make_unique<Recorder>(baselines_.get(), std::string(id), std::string(origin)));
}

Result<BaselineInfo> DriftMonitorImpl::BaselineFromWindow(std::string_view id, int64_t from,
                                                          int64_t to) {
  RETURN_IF_ERROR(ValidateBaselineId(id));
  if (from > to) return InvalidArgument("baseline window: from is after to");
  from = std::max<int64_t>(from, 0);  // nothing is kept before the epoch
  to = std::max<int64_t>(to, 0);
  if (baselines_->Exists(id)) {
    return Conflict("baseline '" + std::string(id) + "' already exists");
  }
  FeatureSketches sketches;
  {
    std::lock_guard<std::mutex> lock(persist_mu_);
    RETURN_IF_ERROR(PersistLocked(context_.clock->NowMicros(), /*include_open=*/false));
    RETURN_IF_ERROR(
        CollectServedLocked(WindowStart(from), WindowStart(to), std::nullopt, &sketches));
  }
  uint64_t values = 0;
  for (const auto& [feature_id, sketch] : sketches) values += sketch.count() + sketch.missing();
  if (values == 0) {
    return Unprocessable("no served values of a monitored feature between " + std::to_string(from) +
                         " and " + std::to_string(to));
  }
  return baselines_->Create(id, "window", sketches, values);
}

Result<std::vector<BaselineInfo>> DriftMonitorImpl::ListBaselines() { return baselines_->List(); }

Result<BaselineInfo> DriftMonitorImpl::GetBaseline(std::string_view id) {
  return baselines_->Get(id);
}

Status DriftMonitorImpl::DeleteBaseline(std::string_view id) { return baselines_->Delete(id); }

Status DriftMonitorImpl::Flush() {
  std::lock_guard<std::mutex> lock(persist_mu_);
  return PersistLocked(context_.clock->NowMicros(), /*include_open=*/true);
}

}  // namespace asof::internal
