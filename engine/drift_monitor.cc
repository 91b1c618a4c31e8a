#include "engine/drift_monitor.h"

namespace asof {

Status DriftMonitor::AddToBaseline(std::string_view id, std::string_view origin,
                                   const std::vector<FeaturePtr>& features,
                                   const std::vector<FeatureValue>& values) {
  ASSIGN_OR_RETURN(std::unique_ptr<BaselineRecorder> recorder, RecordBaseline(id, origin));
  RETURN_IF_ERROR(recorder->Add(features, values));
  return recorder->Commit();
}

}  // namespace asof
