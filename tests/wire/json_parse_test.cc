#include "wire/json_parse.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>

namespace asof {
namespace {

std::string Shortest(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, end);
}

// The reason for the parser: Boost.JSON 1.81 reads this one ulp off.
TEST(JsonParseExact, KnownBoostMisreadIsExact) {
  auto v = ParseJsonExact(R"({"v": 498929.08096017316})");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->as_object().at("v").as_double(), 498929.08096017316);
}

// Random bit patterns, written in their shortest round-trip form (also with exponents
// and as a split-free long fraction), must come back bit for bit.
TEST(JsonParseExact, RandomDoublesRoundTrip) {
  std::mt19937_64 rng(20261129);
  int checked = 0;
  for (int i = 0; i < 200000; ++i) {
    const double d = std::bit_cast<double>(rng());
    if (!std::isfinite(d)) continue;
    const std::string text = "[" + Shortest(d) + "]";
    auto v = ParseJsonExact(text);
    ASSERT_TRUE(v.ok()) << text << ": " << v.status().ToString();
    const auto& a = v->as_array();
    ASSERT_EQ(a.size(), 1u);
    // Integral spellings ("1e+300" is a double, "12" an int64) keep their JSON kind.
    const double got = a[0].is_double() ? a[0].as_double() : a[0].to_number<double>();
    ASSERT_EQ(std::bit_cast<uint64_t>(got), std::bit_cast<uint64_t>(d)) << text;
    ++checked;
  }
  EXPECT_GT(checked, 190000);
}

TEST(JsonParseExact, KeepsIntegersStringsAndStructure) {
  auto v = ParseJsonExact(R"({"i": -42, "u": 18446744073709551615, "s": "a\"b", "n": null,
                              "b": true, "a": [1.5, [], {}]})");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const auto& o = v->as_object();
  EXPECT_EQ(o.at("i").as_int64(), -42);
  EXPECT_EQ(o.at("u").as_uint64(), 18446744073709551615ull);
  EXPECT_EQ(o.at("s").as_string(), "a\"b");
  EXPECT_TRUE(o.at("n").is_null());
  EXPECT_TRUE(o.at("b").as_bool());
  EXPECT_EQ(o.at("a").as_array()[0].as_double(), 1.5);
}

TEST(JsonParseExact, UnderflowIsZeroOverflowIsAnError) {
  auto tiny = ParseJsonExact("[1e-400, -1e-400]");
  ASSERT_TRUE(tiny.ok()) << tiny.status().ToString();
  EXPECT_EQ(tiny->as_array()[0].as_double(), 0.0);
  auto huge = ParseJsonExact("[1e400]");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(huge.status().message().find("out of range"), std::string::npos)
      << huge.status().message();
}

TEST(JsonParseExact, MalformedInputIsAnErrorWithItsPosition) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "[1] x", "nul", "[01]", "[1.]", "\"\\x\"",
                          "[-]", "{\"a\":1}}"}) {
    auto v = ParseJsonExact(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(v.status().message().find("malformed JSON at byte"), std::string::npos)
        << v.status().message();
  }
}

}  // namespace
}  // namespace asof
