// Drift monitoring over HTTP (docs/api.md, "Drift"): the drift of served values against
// training-set baselines and the baselines themselves; the routes are DriftRoutes()
// (http_api.h). This header is what the other monitoring routes share with them.
//
// Thread-safety: pure functions of the engine, which is thread-safe.
#pragma once

#include <boost/json/array.hpp>

#include "engine/engine.h"

namespace asof::server {

// Appends a `kind: "drift"` alert for every feature drifting against its newest baseline
// over the default query window ([drift] default_query_window); deprecated features only
// with `include_deprecated`. Errors are the drift monitor's.
Status AppendDriftAlerts(Engine& engine, bool include_deprecated, boost::json::array* alerts);

}  // namespace asof::server
