// The native protocol's served-log request (wire/asof.fbs ServedLogRequest): one page of
// the engine's ServedLog (engine/served_log.h), as GET /api/logging/served reads it.
// Role reader (the dispatcher's default). Errors are returned for the dispatcher to send.
//
// Thread-safety: a free function over a thread-safe engine; `fbb` belongs to the caller.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include "engine/engine.h"
#include "engine/status.h"
#include "wire/asof_generated.h"

namespace asof::server {

// Rows a request gets when it names no limit, and the most it may ask for.
inline constexpr uint32_t kServedLogDefaultLimit = 1000;
inline constexpr uint32_t kServedLogMaxLimit = 10000;

// Finishes `fbb` with a ServedLogResponse. kInvalidArgument when from_ts > to_ts, the
// registry's kNotFound for an unknown entity type.
Status AnswerServedLog(Engine& engine, const wire::ServedLogRequest& request,
                       flatbuffers::FlatBufferBuilder* fbb);

}  // namespace asof::server
