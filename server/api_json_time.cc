// Durations and RFC 3339 timestamps of the HTTP API (declared in server/api_json.h).
#include <array>
#include <charconv>
#include <cstdio>
#include <limits>
#include <string>

#include "server/api_json.h"

namespace asof::server {

namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

struct DurationUnit {
  std::string_view name;
  int64_t micros;
};
// Largest first: FormatDuration picks the first unit that divides exactly. "us" is not
// documented for input, but a duration set through another protocol may need it to
// print (and to read back) exactly.
constexpr std::array<DurationUnit, 6> kUnits = {{{"d", kMicrosPerDay},
                                                 {"h", 3600 * kMicrosPerSecond},
                                                 {"m", 60 * kMicrosPerSecond},
                                                 {"s", kMicrosPerSecond},
                                                 {"ms", 1000},
                                                 {"us", 1}}};

Status BadDuration(std::string_view text, std::string_view why) {
  return Unprocessable("bad duration '" + std::string(text) + "': " + std::string(why) +
                       " (expected <integer><unit>, unit ms, s, m, h or d, e.g. \"90s\", \"30d\")");
}

// Proleptic Gregorian calendar, days since 1970-01-01 (H. Hinnant's algorithms).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month;
  unsigned day;
};
Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at text[*pos]; false when they are not all digits.
bool Digits(std::string_view text, size_t* pos, size_t n, unsigned* out) {
  if (*pos + n > text.size()) return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

Status BadTimestamp(std::string_view text, std::string_view why) {
  return Unprocessable("bad timestamp '" + std::string(text) + "': " + std::string(why) +
                       " (expected RFC 3339, e.g. \"2026-03-01T10:00:00Z\" or "
                       "\"2026-03-01T12:00:00.5+02:00\")");
}

// The time zone suffix: "Z" or "+HH:MM" / "-HH:MM", as seconds east of UTC.
Result<int64_t> ParseOffset(std::string_view text, size_t* pos) {
  if (*pos >= text.size()) return BadTimestamp(text, "missing time zone (Z or +HH:MM)");
  const char c = text[*pos];
  if (c == 'Z' || c == 'z') {
    ++*pos;
    return 0;
  }
  if (c != '+' && c != '-') return BadTimestamp(text, "expected Z or an offset +HH:MM");
  ++*pos;
  unsigned hh = 0;
  unsigned mm = 0;
  if (!Digits(text, pos, 2, &hh) || !Expect(text, pos, ':') || !Digits(text, pos, 2, &mm) ||
      hh > 23 || mm > 59) {
    return BadTimestamp(text, "bad offset (expected +HH:MM)");
  }
  const int64_t seconds = static_cast<int64_t>(hh) * 3600 + mm * 60;
  return c == '+' ? seconds : -seconds;
}

}  // namespace

Result<int64_t> ParseDuration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return BadDuration(text, "it must start with a non-negative integer");
  const std::string_view unit = text.substr(digits);
  if (unit.empty()) return BadDuration(text, "missing unit");
  for (const DurationUnit& u : kUnits) {
    if (u.name != unit) continue;
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + digits, n);
    if (ec != std::errc() || n > std::numeric_limits<int64_t>::max() / u.micros) {
      return BadDuration(text, "too large");
    }
    return n * u.micros;
  }
  return BadDuration(text, "unknown unit '" + std::string(unit) + "'");
}

std::string FormatDuration(int64_t micros) {
  if (micros == 0) return "0s";
  for (const DurationUnit& u : kUnits) {
    if (micros % u.micros == 0) return std::to_string(micros / u.micros) + std::string(u.name);
  }
  return std::to_string(micros) + "us";  // unreachable: "us" divides everything
}

Result<int64_t> ParseTimestamp(std::string_view text) {
  size_t pos = 0;
  unsigned year = 0;
  unsigned month = 0;
  unsigned day = 0;
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
  if (!Digits(text, &pos, 4, &year) || !Expect(text, &pos, '-') || !Digits(text, &pos, 2, &month) ||
      !Expect(text, &pos, '-') || !Digits(text, &pos, 2, &day)) {
    return BadTimestamp(text, "expected a date YYYY-MM-DD");
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) {
    return BadTimestamp(text, "expected 'T' and a time after the date");
  }
  ++pos;
  if (!Digits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !Digits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !Digits(text, &pos, 2, &second)) {
    return BadTimestamp(text, "expected a time HH:MM:SS");
  }
  if (month < 1 || month > 12) return BadTimestamp(text, "month out of range");
  if (day < 1 || day > DaysInMonth(year, month)) return BadTimestamp(text, "day out of range");
  // Leap seconds (:60) have no microsecond on the epoch scale: rejected, not guessed.
  if (hour > 23 || minute > 59 || second > 59) return BadTimestamp(text, "time out of range");
  int64_t fraction_us = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t n = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++n > 6) return BadTimestamp(text, "more than 6 fractional digits (microseconds)");
      fraction_us = fraction_us * 10 + (text[pos++] - '0');
    }
    if (n == 0) return BadTimestamp(text, "no digits after '.'");
    for (; n < 6; ++n) fraction_us *= 10;
  }
  ASSIGN_OR_RETURN(int64_t offset_s, ParseOffset(text, &pos));
  if (pos != text.size()) return BadTimestamp(text, "unexpected text after the time zone");
  const int64_t seconds =
      DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  return seconds * kMicrosPerSecond + fraction_us;
}

std::string FormatTimestamp(int64_t micros) {
  // Floor division, so times before 1970 keep a non-negative time of day.
  int64_t days = micros / kMicrosPerDay;
  int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  const Civil date = CivilFromDays(days);
  const int64_t secs = rest / kMicrosPerSecond;
  const int64_t frac = rest % kMicrosPerSecond;
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                        static_cast<long long>(date.year), date.month, date.day,
                        static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                        static_cast<long long>(secs % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    std::snprintf(buf, sizeof(buf), ".%06lld", static_cast<long long>(frac));
    out += buf;
  }
  out.push_back('Z');
  return out;
}

}  // namespace asof::server
