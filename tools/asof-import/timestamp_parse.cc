// ParseTimestamp and the format names of mapping.h.
#include <cstdint>
#include <limits>
#include <string>

#include "tools/asof-import/mapping.h"

namespace asof::import {

namespace {

constexpr int64_t kMicrosPerSecond = 1000000;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int DaysInMonth(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  // Exactly n digits.
  bool Digits(int n, int64_t* out) {
    int64_t v = 0;
    for (int k = 0; k < n; ++k) {
      if (done() || s_[i_] < '0' || s_[i_] > '9') return false;
      v = v * 10 + (s_[i_++] - '0');
    }
    *out = v;
    return true;
  }
  // A fraction after '.': up to 6 significant digits; further digits must be zeros.
  bool Fraction(int64_t* micros) {
    int64_t v = 0;
    int n = 0;
    while (!done() && s_[i_] >= '0' && s_[i_] <= '9') {
      int digit = s_[i_++] - '0';
      if (n < 6) {
        v = v * 10 + digit;
      } else if (digit != 0) {
        return false;
      }
      ++n;
    }
    if (n == 0) return false;
    for (; n < 6; ++n) v *= 10;
    *micros = v;
    return true;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

Status Bad(std::string_view text, std::string_view why) {
  return InvalidArgument("'" + std::string(text) + "' is not a timestamp: " + std::string(why));
}

Result<int64_t> ParseIso(std::string_view text) {
  Cursor c(text);
  int64_t y, mo, d, h = 0, mi = 0, s = 0, frac = 0, offset_s = 0;
  if (!c.Digits(4, &y) || !c.Eat('-') || !c.Digits(2, &mo) || !c.Eat('-') || !c.Digits(2, &d)) {
    return Bad(text, "expected YYYY-MM-DD");
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return Bad(text, "no such date");
  if (!c.done()) {
    if (!c.Eat('T') && !c.Eat('t') && !c.Eat(' ')) return Bad(text, "expected 'T' or ' '");
    if (!c.Digits(2, &h) || !c.Eat(':') || !c.Digits(2, &mi) || !c.Eat(':') || !c.Digits(2, &s)) {
      return Bad(text, "expected HH:MM:SS");
    }
    if (h > 23 || mi > 59 || s > 59) return Bad(text, "no such time of day");
    if (c.Eat('.') && !c.Fraction(&frac)) {
      return Bad(text, "bad fraction (at most microseconds; further digits must be 0)");
    }
    if (c.Eat('Z') || c.Eat('z')) {
    } else if (c.peek() == '+' || c.peek() == '-') {
      int sign = c.peek() == '-' ? -1 : 1;
      c.Eat(c.peek());
      int64_t oh, om;
      if (!c.Digits(2, &oh) || !c.Eat(':') || !c.Digits(2, &om) || oh > 23 || om > 59) {
        return Bad(text, "bad UTC offset (expected +HH:MM)");
      }
      offset_s = sign * (oh * 3600 + om * 60);
    }
  }
  if (!c.done()) return Bad(text, "unexpected characters at the end");
  int64_t seconds = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_s;
  return seconds * kMicrosPerSecond + frac;
}

// [-]digits[.fraction] in units of `unit_us` microseconds, exactly.
Result<int64_t> ParseEpoch(std::string_view text, int64_t unit_us) {
  std::string_view t = text;
  bool negative = !t.empty() && t[0] == '-';
  if (negative) t.remove_prefix(1);
  size_t dot = t.find('.');
  std::string_view whole = t.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : t.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && frac.empty())) {
    return Bad(text, "expected an integer");
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t v = 0;
  for (char ch : whole) {
    if (ch < '0' || ch > '9') return Bad(text, "expected digits");
    if (v > (kMax - (ch - '0')) / 10) return Bad(text, "out of range");
    v = v * 10 + (ch - '0');
  }
  if (v > kMax / unit_us) return Bad(text, "out of range");
  v *= unit_us;
  int64_t place = unit_us;
  for (char ch : frac) {
    if (ch < '0' || ch > '9') return Bad(text, "expected digits after '.'");
    if (place % 10 != 0) {
      if (ch != '0') return Bad(text, "more precise than a microsecond");
      continue;
    }
    place /= 10;
    v += (ch - '0') * place;
  }
  if (v < 0) return Bad(text, "out of range");
  return negative ? -v : v;
}

}  // namespace

std::string_view TimestampFormatName(TimestampFormat format) {
  switch (format) {
    case TimestampFormat::kIso8601:
      return "iso8601";
    case TimestampFormat::kEpochS:
      return "epoch_s";
    case TimestampFormat::kEpochMs:
      return "epoch_ms";
    case TimestampFormat::kEpochUs:
      return "epoch_us";
  }
  return "?";
}

std::optional<TimestampFormat> ParseTimestampFormat(std::string_view name) {
  for (TimestampFormat f : {TimestampFormat::kIso8601, TimestampFormat::kEpochS,
                            TimestampFormat::kEpochMs, TimestampFormat::kEpochUs}) {
    if (name == TimestampFormatName(f)) return f;
  }
  return std::nullopt;
}

Result<int64_t> ParseTimestamp(std::string_view text, TimestampFormat format) {
  switch (format) {
    case TimestampFormat::kIso8601:
      return ParseIso(text);
    case TimestampFormat::kEpochS:
      return ParseEpoch(text, kMicrosPerSecond);
    case TimestampFormat::kEpochMs:
      return ParseEpoch(text, 1000);
    case TimestampFormat::kEpochUs:
      if (text.find('.') != std::string_view::npos) {
        return Bad(text, "epoch microseconds must be an integer");
      }
      return ParseEpoch(text, 1);
  }
  return Bad(text, "unknown format");
}

}  // namespace asof::import
