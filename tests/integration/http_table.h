// Table-driven HTTP API tests: each HttpCase is one request and what must come back.
// RunHttpCases checks, for every case, the status, and for every error status the one
// error body shape of the API — {"error": {"code": <expected>, "message": <non-empty>,
// "details": <object, optional>}} — plus Retry-After on 429 and 503 and Allow on 405.
// Failures name the case, so a table reads as the endpoint's specification.
#pragma once

// Tables name only the members a case needs ({.name = ..., .status = 404}); the rest keep
// their defaults, which GCC's -Wextra would otherwise flag in every file using HttpCase.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "tests/util/http_client.h"
#include "tests/util/test_util.h"

namespace asof::testing {

struct HttpCase {
  std::string name;
  std::string method;
  std::string target;
  std::string body;
  int status = 200;
  std::string error_code;  // expected error.code for statuses >= 400, e.g. "NOT_FOUND"
  std::string token;       // "" sends no Authorization header
  Headers headers;
  // Optional further checks of a reply.
  std::function<void(const HttpReply&)> check;
};

inline void CheckErrorShape(const HttpCase& c, const HttpReply& reply) {
  auto json = reply.Json();
  ASSERT_TRUE(json.ok()) << c.name << ": " << json.status().ToString();
  ASSERT_TRUE(json->is_object()) << c.name << ": " << reply.body;
  const auto* error = json->as_object().if_contains("error");
  ASSERT_TRUE(error != nullptr && error->is_object()) << c.name << ": " << reply.body;
  const auto& e = error->as_object();
  ASSERT_TRUE(e.contains("code") && e.at("code").is_string()) << c.name << ": " << reply.body;
  ASSERT_TRUE(e.contains("message") && e.at("message").is_string()) << c.name;
  EXPECT_FALSE(e.at("message").as_string().empty()) << c.name;
  if (e.contains("details")) {
    EXPECT_TRUE(e.at("details").is_object()) << c.name;
  }
  if (!c.error_code.empty()) {
    EXPECT_EQ(e.at("code").as_string(), c.error_code) << c.name << ": " << reply.body;
  }
  if (reply.status == 429 || reply.status == 503) {
    EXPECT_FALSE(reply.Header("retry-after").empty()) << c.name << ": Retry-After missing";
  }
  if (reply.status == 405) {
    EXPECT_FALSE(reply.Header("allow").empty()) << c.name;
  }
  if (reply.status == 500) {
    EXPECT_EQ(reply.body.find("rocksdb"), std::string::npos) << c.name << " leaks internals";
  }
}

// `client` carries no token of its own; each case's token is used for its request.
inline void RunHttpCases(HttpClient& client, const std::vector<HttpCase>& cases) {
  for (const HttpCase& c : cases) {
    SCOPED_TRACE(c.name);
    client.set_token(c.token);
    auto reply = client.Request(c.method, c.target, c.body, c.headers);
    ASSERT_TRUE(reply.ok()) << c.name << ": " << reply.status().ToString();
    EXPECT_EQ(reply->status, c.status)
        << c.name << ": " << c.method << " " << c.target << " answered " << reply->body;
    if (reply->status >= 400) CheckErrorShape(c, *reply);
    if (c.check) c.check(*reply);
  }
  client.set_token("");
}

}  // namespace asof::testing
