#include "server/http_errors.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/json_text.h"

namespace asof::server {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kUnprocessable:
      return 422;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

namespace {

HttpResponse ErrorBody(int status, std::string_view code, std::string_view message,
                       boost::json::object details) {
  boost::json::object error;
  error["code"] = code;
  error["message"] = message;
  if (!details.empty()) error["details"] = std::move(details);
  boost::json::object body;
  body["error"] = std::move(error);
  return JsonResponse(status, body);
}

}  // namespace

HttpResponse ErrorResponse(const Status& status, boost::json::object details, int retry_after_s) {
  int http = HttpStatusFor(status.code());
  std::string message = status.message();
  if (status.code() == ErrorCode::kInternal) {
    // Internals (paths, RocksDB messages) stay in the log.
    spdlog::error("[http] internal error: {}", status.message());
    message = "internal error (details in the asofd log)";
    details = {};
  }
  HttpResponse response =
      ErrorBody(http, ErrorCodeName(status.code()), message, std::move(details));
  if (http == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (http == 429 || http == 503) {
    response.headers.emplace_back("Retry-After", std::to_string(std::max(1, retry_after_s)));
  }
  return response;
}

HttpResponse MethodNotAllowed(std::string_view allow) {
  HttpResponse response = ErrorBody(405, "METHOD_NOT_ALLOWED",
                                    "method not allowed here; allowed: " + std::string(allow), {});
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

HttpResponse HeaderTooLarge(size_t limit) {
  return ErrorBody(
      431, "HEADER_TOO_LARGE",
      "request line and headers exceed " + std::to_string(limit) + " bytes (http.max_header_bytes)",
      {});
}

HttpResponse JsonResponse(int status, const boost::json::value& value) {
  HttpResponse response;
  response.status = status;
  response.body = JsonText(value);
  return response;
}

}  // namespace asof::server
