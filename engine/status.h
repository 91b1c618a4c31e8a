// Status and Result<T>: how every engine operation reports success or failure.
//
// Contract: an operation either succeeds (Status::Ok(), or a Result holding a value) or
// fails with one ErrorCode and a human-readable message. Both types are [[nodiscard]];
// dropping an error on purpose is spelled `status.IgnoreError()`. No exception crosses
// the engine's API.
//
// ErrorCode is the single error vocabulary of asof. It is mapped to wire error codes and
// HTTP status codes in exactly one place each (wire/ and server/), never ad hoc.
//
// Thread-safety: values; copy freely between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "engine/check.h"

namespace asof {

enum class ErrorCode : uint8_t {
  kOk = 0,
  kInvalidArgument = 1,    // malformed request (HTTP 400)
  kUnauthenticated = 2,    // no or bad credentials (401)
  kPermissionDenied = 3,   // credentials too weak for this action (403)
  kNotFound = 4,           // named object does not exist (404)
  kConflict = 5,           // clashes with existing state, e.g. a schema change (409)
  kUnprocessable = 6,      // well-formed but semantically invalid (422)
  kPayloadTooLarge = 7,    // over a size limit (413)
  kResourceExhausted = 8,  // rate limited or out of quota (429)
  kUnavailable = 9,        // overloaded, shutting down or not ready (503)
  kInternal = 10,          // a bug or an I/O failure (500)
};

// Stable upper-case name, e.g. "NOT_FOUND"; used in logs and error bodies.
std::string_view ErrorCodeName(ErrorCode code);
// Inverse of ErrorCodeName; nullopt for an unknown name.
std::optional<ErrorCode> ErrorCodeFromName(std::string_view name);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NOT_FOUND: feature 'x' is not registered"
  std::string ToString() const;

  // Explicitly discards an error the caller has decided not to act on.
  void IgnoreError() const {}

  bool operator==(const Status& other) const = default;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// Shorthands for the common codes.
Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status Conflict(std::string message);
Status Unprocessable(std::string message);
Status PayloadTooLarge(std::string message);
Status Unavailable(std::string message);
Status Internal(std::string message);

// Result<T> holds either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    ASOF_CHECK(!std::get<Status>(v_).ok()) << "Result constructed from an OK status";
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

  // Accessing the value of a failed Result is a programmer error and aborts.
  T& value() & { return CheckedValue(); }
  const T& value() const& { return const_cast<Result*>(this)->CheckedValue(); }
  T&& value() && { return std::move(CheckedValue()); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  T& CheckedValue() {
    ASOF_CHECK(ok()) << "value() of a failed Result: " << std::get<Status>(v_).ToString();
    return std::get<T>(v_);
  }
  std::variant<T, Status> v_;
};

}  // namespace asof

#define ASOF_CONCAT_INNER_(a, b) a##b
#define ASOF_CONCAT_(a, b) ASOF_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function if `expr` (a Status) is not OK.
#define RETURN_IF_ERROR(expr)                    \
  do {                                           \
    ::asof::Status asof_status_ = (expr);        \
    if (!asof_status_.ok()) return asof_status_; \
  } while (0)

// ASSIGN_OR_RETURN(auto x, MakeX()); declares x from a Result or returns its Status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(ASOF_CONCAT_(asof_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()
