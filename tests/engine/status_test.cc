#include "engine/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "tests/util/test_util.h"

namespace asof {
namespace {

constexpr ErrorCode kAllCodes[] = {
    ErrorCode::kOk,
    ErrorCode::kInvalidArgument,
    ErrorCode::kUnauthenticated,
    ErrorCode::kPermissionDenied,
    ErrorCode::kNotFound,
    ErrorCode::kConflict,
    ErrorCode::kUnprocessable,
    ErrorCode::kPayloadTooLarge,
    ErrorCode::kResourceExhausted,
    ErrorCode::kUnavailable,
    ErrorCode::kInternal,
};

TEST(ErrorCodeTest, NamesRoundTripAndAreDistinct) {
  std::set<std::string_view> seen;
  for (ErrorCode code : kAllCodes) {
    const std::string_view name = ErrorCodeName(code);
    EXPECT_NE(name, "UNKNOWN") << static_cast<int>(code);
    EXPECT_TRUE(seen.insert(name).second) << "duplicate name " << name;
    const auto parsed = ErrorCodeFromName(name);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(*parsed, code) << name;
  }
}

TEST(ErrorCodeTest, SpecificNames) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kOk), "OK");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNotFound), "NOT_FOUND");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUnprocessable), "UNPROCESSABLE");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kInternal), "INTERNAL");
}

TEST(ErrorCodeTest, UnknownNamesAreRejected) {
  EXPECT_FALSE(ErrorCodeFromName("").has_value());
  EXPECT_FALSE(ErrorCodeFromName("not_found").has_value());  // case-sensitive
  EXPECT_FALSE(ErrorCodeFromName("NOT_FOUND ").has_value());
  EXPECT_FALSE(ErrorCodeFromName("UNKNOWN").has_value());
  EXPECT_EQ(ErrorCodeName(static_cast<ErrorCode>(200)), "UNKNOWN");
}

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s, Status::Ok());
}

TEST(StatusTest, ToStringNamesCodeAndMessage) {
  Status s = NotFound("feature 'x' is not registered");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.message(), "feature 'x' is not registered");
  EXPECT_EQ(s.ToString(), "NOT_FOUND: feature 'x' is not registered");
}

TEST(StatusTest, ShorthandsSetTheirCodes) {
  EXPECT_EQ(InvalidArgument("m").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(NotFound("m").code(), ErrorCode::kNotFound);
  EXPECT_EQ(Conflict("m").code(), ErrorCode::kConflict);
  EXPECT_EQ(Unprocessable("m").code(), ErrorCode::kUnprocessable);
  EXPECT_EQ(PayloadTooLarge("m").code(), ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(Unavailable("m").code(), ErrorCode::kUnavailable);
  EXPECT_EQ(Internal("m").code(), ErrorCode::kInternal);
  EXPECT_EQ(Internal("boom").message(), "boom");
}

TEST(StatusTest, EqualityComparesCodeAndMessage) {
  EXPECT_EQ(Conflict("a"), Conflict("a"));
  EXPECT_NE(Conflict("a"), Conflict("b"));
  EXPECT_NE(Conflict("a"), NotFound("a"));
}

TEST(ResultTest, HoldsValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
}

TEST(ResultTest, HoldsStatus) {
  Result<int> r = NotFound("nope");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status(), NotFound("nope"));
}

TEST(ResultTest, ArrowAndMoveOut) {
  Result<std::string> r = std::string("hello");
  EXPECT_EQ(r->size(), 5u);
  std::string moved = std::move(r).value();
  EXPECT_EQ(moved, "hello");

  Result<std::unique_ptr<int>> p = std::make_unique<int>(7);
  std::unique_ptr<int> owned = std::move(p).value();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 7);
}

Status FailIf(bool fail, int* reached) {
  RETURN_IF_ERROR(fail ? Conflict("first") : Status::Ok());
  ++*reached;
  return Status::Ok();
}

TEST(MacroTest, ReturnIfErrorPropagates) {
  int reached = 0;
  EXPECT_EQ(FailIf(true, &reached), Conflict("first"));
  EXPECT_EQ(reached, 0);
  EXPECT_OK(FailIf(false, &reached));
  EXPECT_EQ(reached, 1);
}

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int half, Half(x));
  ASSIGN_OR_RETURN(const int quarter, Half(half));
  return quarter;
}

Status QuarterInto(int x, int* out) {
  ASSIGN_OR_RETURN(*out, Quarter(x));
  return Status::Ok();
}

TEST(MacroTest, AssignOrReturnPropagates) {
  ASSERT_OK_AND_ASSIGN(int q, Quarter(12));
  EXPECT_EQ(q, 3);

  Result<int> first = Quarter(7);
  EXPECT_EQ(first.status(), InvalidArgument("odd: 7"));
  Result<int> second = Quarter(6);  // 6 -> 3 -> odd
  EXPECT_EQ(second.status(), InvalidArgument("odd: 3"));

  int out = -1;
  EXPECT_OK(QuarterInto(8, &out));
  EXPECT_EQ(out, 2);
  out = -1;
  EXPECT_EQ(QuarterInto(5, &out).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(out, -1);  // not assigned on failure
}

TEST(MacroTest, AssignOrReturnMovesOnlyTypes) {
  auto make = [](bool ok) -> Result<std::unique_ptr<int>> {
    if (!ok) return Unavailable("later");
    return std::make_unique<int>(5);
  };
  auto use = [&](bool ok) -> Result<int> {
    ASSIGN_OR_RETURN(std::unique_ptr<int> p, make(ok));
    return *p + 1;
  };
  ASSERT_OK_AND_ASSIGN(int v, use(true));
  EXPECT_EQ(v, 6);
  EXPECT_EQ(use(false).status(), Unavailable("later"));
}

TEST(ResultDeathTest, ValueOfFailedResultAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Result<int> r = NotFound("gone");
  EXPECT_DEATH((void)r.value(), "value\\(\\) of a failed Result: NOT_FOUND: gone");
}

TEST(ResultDeathTest, ResultFromOkStatusAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH({ Result<int> r{Status::Ok()}; }, "Result constructed from an OK status");
}

}  // namespace
}  // namespace asof
