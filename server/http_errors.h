// The HTTP side of asof's one error vocabulary: ErrorCode -> HTTP status, and the one
// error body shape of the API:
//   {"error": {"code": "NOT_FOUND", "message": "...", "details": {...}}}
// This is the only place where an engine error becomes an HTTP status.
#pragma once

#include <boost/json/object.hpp>

#include "engine/status.h"
#include "server/http_types.h"

namespace asof::server {

// 400, 401, 403, 404, 409, 422, 413, 429, 503, 500.
int HttpStatusFor(ErrorCode code);

// The error response for `status`. kInternal messages are replaced by a generic one (the
// original is logged). 429 and 503 carry Retry-After (`retry_after_s`, at least 1).
HttpResponse ErrorResponse(const Status& status, boost::json::object details = {},
                           int retry_after_s = 1);
// Errors that have no ErrorCode of their own: 405 (with Allow), 431 (header too large).
HttpResponse MethodNotAllowed(std::string_view allow);
HttpResponse HeaderTooLarge(size_t limit);

// A JSON response; `value` is serialized once.
HttpResponse JsonResponse(int status, const boost::json::value& value);

}  // namespace asof::server
