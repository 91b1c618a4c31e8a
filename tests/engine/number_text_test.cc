#include "engine/number_text.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

namespace asof {
namespace {

// The reference: fmt's "{}" is the shortest round trip laid out as Python's repr.
std::string Std(double d) { return fmt::format("{}", d); }

double ReadBack(const std::string& s) {
  double d = 0;
  std::from_chars(s.data(), s.data() + s.size(), d);
  return d;
}

std::string Ours(double d) {
  std::string s;
  AppendShortestDouble(d, &s);
  return s;
}

TEST(NumberText, SpecialValuesMatchReference) {
  const double inf = std::numeric_limits<double>::infinity();
  for (double d : {0.0,
                   -0.0,
                   1.0,
                   -1.0,
                   0.1,
                   1e22,
                   1e21,
                   1e16,
                   1e15,
                   123456789012345678.0,
                   1e-4,
                   1e-5,
                   0.00012,
                   1.5e-7,
                   5e-324,
                   -5e-324,
                   2.2250738585072014e-308,
                   1.7976931348623157e308,
                   inf,
                   -inf,
                   4242.007,
                   100.0,
                   1e100,
                   1.25e-100}) {
    EXPECT_EQ(Ours(d), Std(d)) << Std(d);
  }
  // Integers print whole below 10^16, never as 5e+05 (std::to_chars' shorter spelling).
  EXPECT_EQ(Ours(500000.0), "500000");
  EXPECT_EQ(Ours(1e15), "1000000000000000");
  EXPECT_EQ(Ours(1e16), "1e+16");
  EXPECT_EQ(Ours(0.0001), "0.0001");
  EXPECT_EQ(Ours(0.00001), "1e-05");
  EXPECT_EQ(Ours(-0.0), "-0");
  EXPECT_EQ(Ours(std::numeric_limits<double>::quiet_NaN()),
            Std(std::numeric_limits<double>::quiet_NaN()));
}

// Every bit pattern class: random bits, random short decimals at every scale, integers.
TEST(NumberText, RandomDoublesMatchReferenceAndReadBack) {
  std::mt19937_64 rng(1129);
  std::uniform_int_distribution<int> exp10(-30, 30);
  std::uniform_int_distribution<int> mant(1, 99999);
  for (int i = 0; i < 1000000; ++i) {
    double d;
    switch (i % 3) {
      case 0:
        d = std::bit_cast<double>(rng());
        break;
      case 1:
        d = mant(rng) * std::pow(10.0, exp10(rng));
        break;
      default:
        d = static_cast<double>(static_cast<int64_t>(rng() >> (rng() % 64)));
        break;
    }
    if (i % 2) d = -d;
    const std::string want = Std(d);
    ASSERT_EQ(Ours(d), want) << "bits " << std::bit_cast<uint64_t>(d);
    if (std::isfinite(d)) {
      ASSERT_EQ(std::bit_cast<uint64_t>(ReadBack(want)), std::bit_cast<uint64_t>(d));
    }
    ASSERT_LE(want.size(), kMaxDoubleText);
  }
}

// Every digit count and layout boundary: 10^k and its neighbours (where counting digits
// from the bit width turns), each digit count 1..17 at every decimal exponent (where the
// point moves through the digits, and fixed turns scientific), 3-digit exponents.
TEST(NumberText, DigitCountsAndPointPositionsMatchReference) {
  const double kInf = std::numeric_limits<double>::infinity();
  for (int k = -325; k <= 308; ++k) {
    const double p = std::pow(10.0, k);
    for (double d : {p, std::nextafter(p, 0.0), std::nextafter(p, kInf), p * 9.999, p * 1.5}) {
      ASSERT_EQ(Ours(d), Std(d)) << "bits " << std::bit_cast<uint64_t>(d);
      ASSERT_EQ(Ours(-d), Std(-d)) << "bits " << std::bit_cast<uint64_t>(d);
    }
  }
  std::mt19937_64 rng(2911);
  for (int digits = 1; digits <= 17; ++digits) {
    const auto lo = static_cast<uint64_t>(std::pow(10.0, digits - 1));
    std::uniform_int_distribution<uint64_t> mant(lo, lo * 10 - 1);
    for (int exp10 = -30; exp10 <= 30; ++exp10) {
      for (int i = 0; i < 50; ++i) {
        char text[48];
        const auto m = mant(rng);
        const int len =
            std::snprintf(text, sizeof text, "%llue%d", static_cast<unsigned long long>(m), exp10);
        const double d = ReadBack(std::string(text, static_cast<size_t>(len)));
        ASSERT_EQ(Ours(d), Std(d)) << text;
      }
    }
  }
  // Integers of every length up to 2^64, and around 10^16 where fixed turns scientific.
  for (uint64_t v = 1; v != 0 && v < (1ull << 63); v = v * 3 + 1) {
    const auto d = static_cast<double>(v);
    ASSERT_EQ(Ours(d), Std(d)) << v;
  }
  for (double d = 9999999999999990.0; d <= 10000000000000020.0; d = std::nextafter(d, kInf)) {
    ASSERT_EQ(Ours(d), Std(d)) << "bits " << std::bit_cast<uint64_t>(d);
  }
}

}  // namespace
}  // namespace asof
