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
  if (sci_exp >= -4 && sci_exp < 16) {
    if (e >= 0) {
      // An integer below 10^16: its digits padded with zeros are its exact value.
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

char* WriteShortestFloat(float value, char* out) {
  return fmt::format_to_n(out, kMaxDoubleText, "{}", value).out;
}

void AppendShortestFloat(float value, std::string* out) {
  char buf[kMaxDoubleText];
  out->append(buf, WriteShortestFloat(value, buf));
}

}  // namespace asof
