#include "engine/number_text.h"

#include <fmt/format.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace asof {

namespace {

// "00" "01" ... "99": two digits per division by 100 halves the divisions of a digit loop.
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

void WritePair(uint32_t v, char* out) { std::memcpy(out, kDigitPairs + 2 * v, 2); }

// Writes the digits of v (> 0) backwards so that the last one lands just before `end`;
// returns where the first one landed.
char* WriteDigitsBackward(uint64_t v, char* end) {
  while (v >= 100) {
    end -= 2;
    WritePair(static_cast<uint32_t>(v % 100), end);
    v /= 100;
  }
  if (v >= 10) {
    end -= 2;
    WritePair(static_cast<uint32_t>(v), end);
  } else {
    *--end = static_cast<char>('0' + v);
  }
  return end;
}

// Digits of v, counted from its bit width: log10(2) ~ 1233 / 4096 gives the count or one
// less, and one comparison tells which. kPow10[0] is 0 so that 0 counts one digit.
int CountDigits(uint64_t v) {
  static constexpr uint64_t kPow10[] = {0,
                                        10,
                                        100,
                                        1000,
                                        10000,
                                        100000,
                                        1000000,
                                        10000000,
                                        100000000,
                                        1000000000,
                                        10000000000,
                                        100000000000,
                                        1000000000000,
                                        10000000000000,
                                        100000000000000,
                                        1000000000000000,
                                        10000000000000000,
                                        100000000000000000,
                                        1000000000000000000,
                                        10000000000000000000u};
  const int t = (static_cast<int>(std::bit_width(v)) * 1233) >> 12;
  return t + (v >= kPow10[t]);
}

}  // namespace

char* WriteShortestDouble(double value, char* out) {
  if (!std::isfinite(value) || value == 0) {
    // inf, nan and signed zeros: rare, so the library's spelling is simply reused.
    return std::to_chars(out, out + kMaxDoubleText, value).ptr;
  }
  if (std::signbit(value)) {
    *out++ = '-';
    value = -value;
  }
  const auto dec = fmt::detail::dragonbox::to_decimal(value);
  uint64_t digits = dec.significand;
  const int n = CountDigits(digits);
  const int e = dec.exponent;     // value = digits * 10^e
  const int sci_exp = n - 1 + e;  // exponent of the first digit
  if (sci_exp >= -4 && sci_exp < 16) {
    if (e >= 0) {
      // An integer below 10^16: its digits padded with zeros are its exact value.
      const auto exact = static_cast<uint64_t>(value);
      char* end = out + CountDigits(exact);
      WriteDigitsBackward(exact, end);
      return end;
    }
    if (n + e > 0) {
      // The -e fraction digits, the '.', then the integer part: written backwards, the
      // point goes in on the way and nothing is copied twice.
      char* end = out + n + 1;
      char* p = end;
      int frac = -e;
      for (; frac >= 2; frac -= 2) {
        p -= 2;
        WritePair(static_cast<uint32_t>(digits % 100), p);
        digits /= 100;
      }
      if (frac == 1) {
        *--p = static_cast<char>('0' + digits % 10);
        digits /= 10;
      }
      *--p = '.';
      WriteDigitsBackward(digits, p);  // n + e > 0 integer digits remain, the first nonzero
      return end;
    }
    // 0.0001 ... 0.999: at most three zeros after the point (sci_exp >= -4).
    const int zeros = -(n + e);
    std::memcpy(out, "0.000", 5);
    char* end = out + 2 + zeros + n;
    WriteDigitsBackward(digits, end);
    return end;
  }
  // d.ddde+XX: the digits one place to the right, then the first moved left of the point.
  char* end = out + 1 + n;
  WriteDigitsBackward(digits, end);
  out[0] = out[1];
  if (n > 1) {
    out[1] = '.';
  } else {
    end = out + 1;
  }
  *end++ = 'e';
  *end++ = sci_exp < 0 ? '-' : '+';
  const auto abs_exp = static_cast<uint32_t>(sci_exp < 0 ? -sci_exp : sci_exp);
  if (abs_exp >= 100) {
    *end++ = static_cast<char>('0' + abs_exp / 100);
  }
  WritePair(abs_exp % 100, end);
  return end + 2;
}

void AppendShortestDouble(double value, std::string* out) {
  char buf[kMaxDoubleText];
  out->append(buf, WriteShortestDouble(value, buf));
}

char* WriteShortestFloat(float value, char* out) {
  return fmt::format_to_n(out, kMaxDoubleText, "{}", value).out;
}

void AppendShortestFloat(float value, std::string* out) {
  char buf[kMaxDoubleText];
  out->append(buf, WriteShortestFloat(value, buf));
}

}  // namespace asof
