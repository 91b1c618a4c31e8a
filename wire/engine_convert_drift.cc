// Drift and baseline messages (wire/asof.fbs DriftRequest, BaselinesRequest) <-> the
// drift monitor's types (engine/drift_monitor.h). Part of engine_convert.h.
#include <string>

#include "wire/engine_convert.h"

namespace asof::wire {

namespace fb = flatbuffers;

Result<asof::DriftQuery> DecodeDriftRequest(const wire::DriftRequest& request) {
  if (request.window_us() < 0) {
    return InvalidArgument("drift window must not be negative (0: the server's default)");
  }
  asof::DriftQuery query;
  query.entity_type = StringOf(request.entity_type());
  query.feature = StringOf(request.feature());
  query.baseline_id = StringOf(request.baseline_id());
  query.window_us = request.window_us();
  return query;
}

Result<BaselinesAction> DecodeBaselinesRequest(const wire::BaselinesRequest& request) {
  BaselinesAction out;
  const std::string_view action = StringOf(request.action());
  out.id = StringOf(request.id());
  if (action.empty() || action == "list") {
    if (!out.id.empty()) return InvalidArgument("baselines action 'list' takes no id");
    return out;
  }
  if (action == "delete") {
    out.kind = BaselinesAction::Kind::kDelete;
  } else if (action == "from_window") {
    out.kind = BaselinesAction::Kind::kFromWindow;
    out.from_ts = request.from_ts();
    out.to_ts = request.to_ts();
    if (out.from_ts > out.to_ts) {
      return InvalidArgument("baseline window: from (" + std::to_string(out.from_ts) +
                             ") is after to (" + std::to_string(out.to_ts) + ")");
    }
  } else {
    return InvalidArgument("unknown baselines action '" + std::string(action) +
                           "' (list, delete or from_window)");
  }
  if (out.id.empty()) {
    return InvalidArgument("baselines action '" + std::string(action) + "' needs an id");
  }
  return out;
}

void BuildDriftResponse(std::span<const asof::FeatureDrift> features,
                        const asof::DriftOptions& options, fb::FlatBufferBuilder* fbb) {
  std::vector<fb::Offset<wire::DriftEntry>> offsets;
  offsets.reserve(features.size());
  for (const asof::FeatureDrift& d : features) {
    const asof::Feature& f = *d.feature;
    offsets.push_back(wire::CreateDriftEntryDirect(
        *fbb, f.spec.entity.c_str(), f.spec.name.c_str(), f.version, d.baseline_id.c_str(),
        d.window_from, d.window_to, d.categorical, d.baseline_count, d.baseline_missing,
        d.served_count, d.served_missing, d.ks.has_value(), d.ks.value_or(0),
        d.ks_error_bound.value_or(0), d.psi.has_value(), d.psi.value_or(0),
        d.chi_square.has_value(), d.chi_square.value_or(0), d.chi_square_p_value.value_or(0),
        d.drifting, d.note.c_str()));
  }
  auto list = fbb->CreateVector(offsets);
  fbb->Finish(wire::CreateDriftResponse(*fbb, list, options.ks_threshold, options.psi_threshold,
                                        options.min_samples));
}

void BuildBaselinesResponse(std::span<const asof::BaselineInfo> baselines,
                            fb::FlatBufferBuilder* fbb) {
  std::vector<fb::Offset<wire::BaselineEntry>> offsets;
  offsets.reserve(baselines.size());
  for (const asof::BaselineInfo& b : baselines) {
    std::vector<std::string> names;
    names.reserve(b.features.size());
    for (const FeaturePtr& f : b.features) {
      names.push_back(f->spec.entity + ":" + f->spec.name + "@" + std::to_string(f->version));
    }
    auto features = fbb->CreateVectorOfStrings(names);
    offsets.push_back(wire::CreateBaselineEntry(*fbb, fbb->CreateString(b.id),
                                                fbb->CreateString(b.origin), b.created_ts,
                                                b.updated_ts, b.rows, features));
  }
  auto list = fbb->CreateVector(offsets);
  fbb->Finish(wire::CreateBaselinesResponse(*fbb, list));
}

}  // namespace asof::wire
