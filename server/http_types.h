// HttpRequest / HttpResponse: the HTTP API's view of one exchange, independent of the
// socket code (server/http_session.cc turns Beast messages into these and back), so the
// API and its handlers are compiled once and never see Asio.
//
// Thread-safety: plain values. A Respond callback may be called from any thread, exactly
// once; the session posts the response back to its own connection.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/status.h"

namespace asof::server {

enum class HttpMethod : uint8_t { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };
std::string_view HttpMethodName(HttpMethod method);

struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string path;  // percent-decoded, without the query string
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string body;
  std::string content_type;   // media type, lower case, without parameters ("application/json")
  std::string accept;         // the Accept header as sent
  std::string authorization;  // the Authorization header as sent
  std::string remote;         // peer address, for logs

  // The first value of a query parameter; nullopt when absent.
  std::optional<std::string_view> Query(std::string_view key) const;
};

// Produces a streamed body: each call appends the next piece (typically one chunk of
// rows) to *out and returns true while more follow, false after the last piece. Runs on
// the connection's thread between socket writes, so a slow reader slows the producer
// instead of growing memory. An error after the first piece can only end the stream:
// the status line is already sent (the session then closes the connection mid-body, so
// the client sees a truncated chunked body, not a complete-looking one).
using BodyProducer = std::function<Result<bool>(std::string* out)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Retry-After, Allow
  BodyProducer stream;  // when set, `body` is ignored and the body is sent chunked
};

using Respond = std::function<void(HttpResponse)>;

}  // namespace asof::server
