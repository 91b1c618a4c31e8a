#include "engine/status.h"

#include <array>

namespace asof {

namespace {
constexpr std::array<std::string_view, 11> kNames = {
    "OK",       "INVALID_ARGUMENT", "UNAUTHENTICATED",   "PERMISSION_DENIED",  "NOT_FOUND",
    "CONFLICT", "UNPROCESSABLE",    "PAYLOAD_TOO_LARGE", "RESOURCE_EXHAUSTED", "UNAVAILABLE",
    "INTERNAL",
};
}  // namespace

std::string_view ErrorCodeName(ErrorCode code) {
  auto i = static_cast<size_t>(code);
  return i < kNames.size() ? kNames[i] : "UNKNOWN";
}

std::optional<ErrorCode> ErrorCodeFromName(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<ErrorCode>(i);
  }
  return std::nullopt;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(ErrorCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Status InvalidArgument(std::string m) { return Status(ErrorCode::kInvalidArgument, std::move(m)); }
Status NotFound(std::string m) { return Status(ErrorCode::kNotFound, std::move(m)); }
Status Conflict(std::string m) { return Status(ErrorCode::kConflict, std::move(m)); }
Status Unprocessable(std::string m) { return Status(ErrorCode::kUnprocessable, std::move(m)); }
Status PayloadTooLarge(std::string m) { return Status(ErrorCode::kPayloadTooLarge, std::move(m)); }
Status Unavailable(std::string m) { return Status(ErrorCode::kUnavailable, std::move(m)); }
Status Internal(std::string m) { return Status(ErrorCode::kInternal, std::move(m)); }

}  // namespace asof
