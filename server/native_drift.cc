#include "server/native_drift.h"

#include "wire/engine_convert.h"

namespace asof::server {

Status AnswerDrift(Engine& engine, const wire::DriftRequest& request,
                   flatbuffers::FlatBufferBuilder* fbb) {
  ASSIGN_OR_RETURN(DriftQuery query, wire::DecodeDriftRequest(request));
  DriftMonitor& drift = engine.drift();
  ASSIGN_OR_RETURN(std::vector<FeatureDrift> features, drift.Drift(query));
  wire::BuildDriftResponse(features, drift.options(), fbb);
  return Status::Ok();
}

Status AnswerBaselines(Engine& engine, const Principal& who, const wire::BaselinesRequest& request,
                       flatbuffers::FlatBufferBuilder* fbb) {
  using Kind = wire::BaselinesAction::Kind;
  ASSIGN_OR_RETURN(wire::BaselinesAction action, wire::DecodeBaselinesRequest(request));
  DriftMonitor& drift = engine.drift();
  switch (action.kind) {
    case Kind::kList: {
      ASSIGN_OR_RETURN(std::vector<BaselineInfo> all, drift.ListBaselines());
      wire::BuildBaselinesResponse(all, fbb);
      return Status::Ok();
    }
    case Kind::kDelete:
      RETURN_IF_ERROR(RequireRole(who, Role::kWriter, "deleting a drift baseline"));
      RETURN_IF_ERROR(drift.DeleteBaseline(action.id));
      wire::BuildBaselinesResponse({}, fbb);
      return Status::Ok();
    case Kind::kFromWindow: {
      RETURN_IF_ERROR(RequireRole(who, Role::kWriter, "taking a drift baseline from a window"));
      ASSIGN_OR_RETURN(BaselineInfo created,
                       drift.BaselineFromWindow(action.id, action.from_ts, action.to_ts));
      wire::BuildBaselinesResponse({&created, 1}, fbb);
      return Status::Ok();
    }
  }
  return Internal("unhandled baselines action");
}

}  // namespace asof::server
