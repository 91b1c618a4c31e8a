// HttpClient: a small synchronous HTTP/1.1 client for tests (Boost.Beast), keeping one
// keep-alive connection and reconnecting when the server closed it.
//
//   HttpClient http("127.0.0.1", daemon.http_port(), "my-secret-token");
//   ASSERT_OK_AND_ASSIGN(HttpReply r, http.Post("/api/entities", R"({"name":"user"})"));
//   EXPECT_EQ(r.status, 201);
//   ASSERT_OK_AND_ASSIGN(boost::json::value body, r.Json());
//
// Errors are transport failures only (connect, timeout, unparsable response); any HTTP
// status is a reply. Thread-safety: one thread at a time per client.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/status.h"

namespace asof::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  // The header's value, or "" when absent (name case-insensitive).
  std::string Header(std::string_view name) const;
  // The body parsed as JSON; an error naming the body when it is not JSON.
  Result<boost::json::value> Json() const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port, std::string token = "");
  ~HttpClient();

  // Sends `Authorization: Bearer <token>` when the token is not empty.
  void set_token(std::string token) { token_ = std::move(token); }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  // `body` is sent with Content-Type application/json unless `headers` set one.
  Result<HttpReply> Request(std::string_view method, std::string_view target,
                            std::string_view body = "", const Headers& headers = {});
  Result<HttpReply> Get(std::string_view target, const Headers& headers = {}) {
    return Request("GET", target, "", headers);
  }
  Result<HttpReply> Post(std::string_view target, std::string_view body,
                         const Headers& headers = {}) {
    return Request("POST", target, body, headers);
  }

 private:
  struct Conn;
  std::string host_;
  uint16_t port_;
  std::string token_;
  std::chrono::milliseconds timeout_{30000};
  std::unique_ptr<Conn> conn_;
};

}  // namespace asof::testing
