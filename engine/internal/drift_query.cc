// DriftMonitorImpl::Drift: served values over the query window against a baseline, per
// feature (engine/drift_monitor.h).
#include <string>

#include "engine/internal/drift_monitor_impl.h"

namespace asof::internal {

namespace {

std::string TooFew(std::string_view side, uint64_t count, uint64_t min_samples) {
  return "too few " + std::string(side) + " values (" + std::to_string(count) + " < min_samples " +
         std::to_string(min_samples) + ")";
}

}  // namespace

Result<std::vector<FeaturePtr>> DriftMonitorImpl::QueryFeatures(const DriftQuery& query) {
  std::vector<FeaturePtr> out;
  if (!query.feature.empty()) {
    if (query.entity_type.empty()) {
      return InvalidArgument("a drift query naming a feature needs its entity type");
    }
    ASSIGN_OR_RETURN(FeaturePtr f, context_.registry->Resolve(query.entity_type, query.feature));
    out.push_back(std::move(f));
    return out;
  }
  if (!query.entity_type.empty()) {
    RETURN_IF_ERROR(context_.registry->GetEntityType(query.entity_type).status());
  }
  std::vector<uint32_t> ids;
  if (!query.baseline_id.empty()) {
    ASSIGN_OR_RETURN(BaselineInfo info, baselines_->Get(query.baseline_id));
    for (const FeaturePtr& f : info.features) ids.push_back(f->id);
  } else {
    for (uint32_t id : baselines_->FeatureIds()) ids.push_back(id);
  }
  for (uint32_t id : ids) {
    FeaturePtr f = context_.registry->FindById(id);
    if (f == nullptr) continue;
    if (!query.entity_type.empty() && f->spec.entity != query.entity_type) continue;
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<FeatureDrift>> DriftMonitorImpl::Drift(const DriftQuery& query) {
  if (query.window_us < 0) return InvalidArgument("drift window must be > 0");
  if (!query.baseline_id.empty()) {
    RETURN_IF_ERROR(ValidateBaselineId(query.baseline_id));
    if (!baselines_->Exists(query.baseline_id)) {
      return NotFound("baseline '" + query.baseline_id + "' does not exist");
    }
  }
  ASSIGN_OR_RETURN(std::vector<FeaturePtr> features, QueryFeatures(query));
  const int64_t now = context_.clock->NowMicros();
  const int64_t window = query.window_us > 0 ? query.window_us : options_.default_query_window_us;
  // A window reaching before the epoch starts there (and cannot overflow).
  const int64_t from_ws = WindowStart(window >= now ? 0 : now - window);
  const int64_t to_ws = WindowStart(now);

  std::vector<FeatureDrift> out;
  std::lock_guard<std::mutex> lock(persist_mu_);
  RETURN_IF_ERROR(PersistLocked(now, /*include_open=*/false));
  for (const FeaturePtr& f : features) {
    FeatureDrift d;
    d.feature = f;
    d.window_from = from_ws;
    d.window_to = now;
    if (!drift::ValueSketch::Monitored(f->spec.value_type)) {
      d.note = "not monitored: lists and BYTES have no distribution sketch";
      out.push_back(std::move(d));
      continue;
    }
    d.categorical = drift::ValueSketch::Categorical(f->spec.value_type);
    FeatureSketches served;
    RETURN_IF_ERROR(CollectServedLocked(from_ws, to_ws, f->id, &served));
    auto it = served.find(f->id);
    const drift::ValueSketch* served_sketch = it == served.end() ? nullptr : &it->second;
    std::string baseline_id = query.baseline_id;
    if (baseline_id.empty()) baseline_id = baselines_->NewestWith(f->id).value_or("");
    RETURN_IF_ERROR(Evaluate(baseline_id, served_sketch, &d));
    out.push_back(std::move(d));
  }
  return out;
}

Status DriftMonitorImpl::Evaluate(const std::string& baseline_id, const drift::ValueSketch* served,
                                  FeatureDrift* d) {
  if (served != nullptr) {
    d->served_count = served->count();
    d->served_missing = served->missing();
  }
  d->baseline_id = baseline_id;
  if (baseline_id.empty()) {
    d->note = "no baseline has this feature";
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(std::optional<drift::ValueSketch> baseline,
                   baselines_->Sketch(baseline_id, d->feature->id));
  if (!baseline) {
    d->note = "baseline '" + baseline_id + "' has no values of this feature";
    return Status::Ok();
  }
  d->baseline_count = baseline->count();
  d->baseline_missing = baseline->missing();
  if (served != nullptr && d->categorical) {
    const drift::CategoryCounts* b = baseline->categorical();
    const drift::CategoryCounts* s = served->categorical();
    if (b != nullptr && s != nullptr) {
      if (auto c = drift::CompareCategorical(*b, *s)) {
        d->psi = c->psi;
        d->chi_square = c->chi_square;
        d->chi_square_p_value = c->p_value;
      }
    }
  } else if (served != nullptr) {
    const drift::KllSketch* b = baseline->numeric();
    const drift::KllSketch* s = served->numeric();
    if (b != nullptr && s != nullptr) {
      if (auto n = drift::CompareNumeric(*b, *s)) {
        d->ks = n->ks;
        d->ks_error_bound = n->ks_error_bound;
        d->psi = n->psi;
      }
    }
  }
  if (d->served_count < options_.min_samples) {
    d->note = TooFew("served", d->served_count, options_.min_samples);
    return Status::Ok();
  }
  if (d->baseline_count < options_.min_samples) {
    d->note = TooFew("baseline", d->baseline_count, options_.min_samples);
    return Status::Ok();
  }
  if (!d->psi) {
    d->note = "nothing to compare: one side has no values";
    return Status::Ok();
  }
  d->drifting =
      (d->ks && *d->ks > options_.ks_threshold) || (d->psi && *d->psi > options_.psi_threshold);
  return Status::Ok();
}

}  // namespace asof::internal
