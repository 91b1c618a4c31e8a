// The native protocol's drift requests (wire/asof.fbs DriftRequest, BaselinesRequest):
// decoded, answered by the engine's DriftMonitor (engine/drift_monitor.h), and built into
// a response. The HTTP side (GET /api/monitoring/drift) has the same semantics.
//
// Errors are returned, not sent: the dispatcher maps them to an ErrorResponse in its one
// place. Roles: the dispatcher admits both requests for readers; a baselines action that
// changes state (delete, from_window) is checked for a writer here, since the role
// depends on the request's content.
//
// Thread-safety: free functions over a thread-safe engine; `fbb` belongs to the caller.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include "engine/engine.h"
#include "engine/status.h"
#include "server/auth.h"
#include "wire/asof_generated.h"

namespace asof::server {

// Finishes `fbb` with a DriftResponse. kInvalidArgument for a malformed request, the
// monitor's kNotFound for an unknown feature or baseline.
Status AnswerDrift(Engine& engine, const wire::DriftRequest& request,
                   flatbuffers::FlatBufferBuilder* fbb);

// Finishes `fbb` with a BaselinesResponse: every baseline (list), none (delete), or the
// new one (from_window). kPermissionDenied for a reader that deletes or creates.
Status AnswerBaselines(Engine& engine, const Principal& who, const wire::BaselinesRequest& request,
                       flatbuffers::FlatBufferBuilder* fbb);

}  // namespace asof::server
