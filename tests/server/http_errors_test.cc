#include "server/http_errors.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace asof::server {
namespace {

std::string HeaderOf(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(HttpErrorsTest, EveryErrorCodeHasItsStatus) {
  const std::pair<ErrorCode, int> kTable[] = {
      {ErrorCode::kInvalidArgument, 400},  {ErrorCode::kUnauthenticated, 401},
      {ErrorCode::kPermissionDenied, 403}, {ErrorCode::kNotFound, 404},
      {ErrorCode::kConflict, 409},         {ErrorCode::kPayloadTooLarge, 413},
      {ErrorCode::kUnprocessable, 422},    {ErrorCode::kResourceExhausted, 429},
      {ErrorCode::kInternal, 500},         {ErrorCode::kUnavailable, 503},
  };
  for (auto [code, status] : kTable) {
    EXPECT_EQ(HttpStatusFor(code), status) << ErrorCodeName(code);
    HttpResponse r = ErrorResponse(Status(code, "why"));
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.content_type, "application/json");
    boost::json::value body = boost::json::parse(r.body);
    EXPECT_EQ(body.at("error").at("code").as_string(), ErrorCodeName(code));
  }
}

TEST(HttpErrorsTest, BodyShapeWithDetails) {
  HttpResponse r = ErrorResponse(NotFound("feature 'x' is not registered"), {{"feature", "x"}});
  boost::json::value body = boost::json::parse(r.body);
  EXPECT_EQ(body.at("error").at("message").as_string(), "feature 'x' is not registered");
  EXPECT_EQ(body.at("error").at("details").at("feature").as_string(), "x");
  EXPECT_EQ(body.as_object().size(), 1u);
}

TEST(HttpErrorsTest, InternalErrorsDoNotLeak) {
  HttpResponse r = ErrorResponse(Internal("rocksdb: IO error: /var/lib/asof/000012.sst"),
                                 {{"path", "/var/lib/asof"}});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("rocksdb"), std::string::npos);
  EXPECT_EQ(r.body.find("/var/lib"), std::string::npos);
}

TEST(HttpErrorsTest, RetryAfterAndAuthenticateHeaders) {
  EXPECT_EQ(HeaderOf(ErrorResponse(Status(ErrorCode::kResourceExhausted, "slow down"), {}, 7),
                     "Retry-After"),
            "7");
  EXPECT_EQ(HeaderOf(ErrorResponse(Unavailable("overloaded"), {}, 0), "Retry-After"), "1");
  EXPECT_EQ(HeaderOf(ErrorResponse(NotFound("x")), "Retry-After"), "");
  EXPECT_EQ(
      HeaderOf(ErrorResponse(Status(ErrorCode::kUnauthenticated, "who?")), "WWW-Authenticate"),
      "Bearer");
}

TEST(HttpErrorsTest, MethodNotAllowedAndHeaderTooLarge) {
  HttpResponse r = MethodNotAllowed("GET, POST");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(HeaderOf(r, "Allow"), "GET, POST");
  EXPECT_EQ(boost::json::parse(r.body).at("error").at("code").as_string(), "METHOD_NOT_ALLOWED");
  EXPECT_EQ(HeaderTooLarge(16384).status, 431);
}

}  // namespace
}  // namespace asof::server
