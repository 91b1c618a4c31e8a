#include "engine/number_text.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace asof {

namespace {

char* WriteDigits(uint64_t v, char* out, int n) {
  for (int i = n - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return out + n;
}

int CountDigits(uint64_t v) {
  int n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
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
  const uint64_t digits = dec.significand;
  const int n = CountDigits(digits);
  const int e = dec.exponent;     // value = digits * 10^e
  const int sci_exp = n - 1 + e;  // exponent of the first digit
  const int abs_exp = sci_exp < 0 ? -sci_exp : sci_exp;
  const int sci_len = n + (n > 1 ? 1 : 0) + 2 + (abs_exp >= 100 ? 3 : 2);
  int fixed_len;
  if (e >= 0) {
    fixed_len = n + e;
  } else if (n + e > 0) {
    fixed_len = n + 1;
  } else {
    fixed_len = 2 + (-(n + e)) + n;
  }
  if (fixed_len <= sci_len) {
    if (e >= 0) {
      // An integer. to_chars writes its exact value here, not the shortest digits padded
      // with zeros (2^60 is 1152921504606846976, not 1152921504606847000).
      if (value >= 18446744073709551616.0)
        return std::to_chars(out, out + kMaxDoubleText, value).ptr;
      const auto exact = static_cast<uint64_t>(value);
      return WriteDigits(exact, out, CountDigits(exact));
    }
    if (n + e > 0) {
      char tmp[24];
      WriteDigits(digits, tmp, n);
      const int int_len = n + e;
      std::memcpy(out, tmp, static_cast<size_t>(int_len));
      out[int_len] = '.';
      std::memcpy(out + int_len + 1, tmp + int_len, static_cast<size_t>(n - int_len));
      return out + n + 1;
    }
    const int zeros = -(n + e);
    *out++ = '0';
    *out++ = '.';
    std::memset(out, '0', static_cast<size_t>(zeros));
    return WriteDigits(digits, out + zeros, n);
  }
  char tmp[24];
  WriteDigits(digits, tmp, n);
  *out++ = tmp[0];
  if (n > 1) {
    *out++ = '.';
    std::memcpy(out, tmp + 1, static_cast<size_t>(n - 1));
    out += n - 1;
  }
  *out++ = 'e';
  *out++ = sci_exp < 0 ? '-' : '+';
  return WriteDigits(static_cast<uint64_t>(abs_exp), out, abs_exp >= 100 ? 3 : 2);
}

void AppendShortestDouble(double value, std::string* out) {
  char buf[kMaxDoubleText];
  out->append(buf, WriteShortestDouble(value, buf));
}

}  // namespace asof
