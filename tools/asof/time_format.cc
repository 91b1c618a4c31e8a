#include "tools/asof/time_format.h"

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <limits>

namespace asof::shell {

namespace {

namespace chr = std::chrono;

constexpr int64_t kSecond = 1000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kWeek = 7 * kDay;

struct Unit {
  std::string_view suffix;
  int64_t micros;
};
// Longest suffixes first where one is a prefix of another ("ms" before "m").
constexpr std::array<Unit, 7> kUnits = {{{"us", 1},
                                         {"ms", 1000},
                                         {"s", kSecond},
                                         {"m", kMinute},
                                         {"h", kHour},
                                         {"d", kDay},
                                         {"w", kWeek}}};

Status BadTime(std::string_view text, std::string_view why) {
  return InvalidArgument("bad time '" + std::string(text) + "': " + std::string(why) +
                         " (use e.g. 2026-03-01T10:00:00Z, now, or -1h)");
}

// Reads exactly `n` digits at `*pos`.
bool ReadDigits(std::string_view s, size_t* pos, size_t n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

// Microseconds from the epoch to midnight of the date; nullopt for an impossible date.
std::optional<int64_t> DayStart(int y, int m, int d) {
  chr::year_month_day ymd{chr::year(y), chr::month(static_cast<unsigned>(m)),
                          chr::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<int64_t>(chr::sys_days(ymd).time_since_epoch().count()) * kDay;
}

// "[.ffffff](Z|+HH:MM|-HH:MM)" after the seconds; adds the fraction to *micros and
// subtracts the zone offset.
Status ParseFractionAndZone(std::string_view text, size_t pos, int64_t* micros) {
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t frac = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (pos - start == 6) return BadTime(text, "more than 6 fractional digits");
      frac = frac * 10 + (text[pos++] - '0');
    }
    if (pos == start) return BadTime(text, "no digits after '.'");
    for (size_t n = pos - start; n < 6; ++n) frac *= 10;
    *micros += frac;
  }
  if (pos == text.size()) {
    return BadTime(text, "no time zone; append Z for UTC");
  }
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int sign = text[pos++] == '+' ? 1 : -1;
    int hh = 0, mm = 0;
    if (!ReadDigits(text, &pos, 2, &hh) || !Expect(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &mm) || hh > 23 || mm > 59) {
      return BadTime(text, "bad zone offset, expected +HH:MM");
    }
    *micros -= sign * (hh * kHour + mm * kMinute);
  } else {
    return BadTime(text, "unexpected '" + std::string(1, text[pos]) + "'");
  }
  if (pos != text.size()) return BadTime(text, "trailing characters");
  return Status::Ok();
}

Result<int64_t> ParseIso(std::string_view text) {
  size_t pos = 0;
  int y = 0, mo = 0, d = 0;
  if (!ReadDigits(text, &pos, 4, &y) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &mo) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &d)) {
    return BadTime(text, "expected YYYY-MM-DD");
  }
  std::optional<int64_t> day = DayStart(y, mo, d);
  if (!day) return BadTime(text, "no such date");
  int64_t micros = *day;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') {
      return BadTime(text, "expected 'T' after the date");
    }
    ++pos;
    int h = 0, mi = 0, s = 0;
    if (!ReadDigits(text, &pos, 2, &h) || !Expect(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &mi) || !Expect(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &s)) {
      return BadTime(text, "expected HH:MM:SS after the date");
    }
    if (h > 23 || mi > 59 || s > 59) return BadTime(text, "hour, minute or second out of range");
    micros += h * kHour + mi * kMinute + s * kSecond;
    RETURN_IF_ERROR(ParseFractionAndZone(text, pos, &micros));
  }
  if (micros < 0) return BadTime(text, "before 1970-01-01T00:00:00Z");
  if (micros > kMaxTimeMicros) return BadTime(text, "after the year 9999");
  return micros;
}

}  // namespace

Result<int64_t> ParseTime(std::string_view text, int64_t now_us) {
  if (text.empty()) return BadTime(text, "empty");
  if (text == "now") return now_us;
  std::string_view rel = text;
  if (rel.starts_with("now")) rel.remove_prefix(3);
  if (!rel.empty() && (rel[0] == '-' || rel[0] == '+')) {
    auto delta = ParseDuration(rel.substr(1));
    if (!delta.ok()) return BadTime(text, "bad relative time: " + delta.status().message());
    int64_t t = rel[0] == '-' ? now_us - *delta : now_us + *delta;
    if (t < 0 || t > kMaxTimeMicros) return BadTime(text, "out of range");
    return t;
  }
  return ParseIso(text);
}

std::string FormatTime(int64_t micros) {
  int64_t secs = micros / kSecond, frac = micros % kSecond;
  if (frac < 0) {  // floor, so that times before 1970 still print sensibly
    frac += kSecond;
    --secs;
  }
  chr::sys_seconds tp{chr::seconds(secs)};
  chr::sys_days day = chr::floor<chr::days>(tp);
  chr::year_month_day ymd{day};
  chr::hh_mm_ss hms{tp - day};
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                        unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                        int(hms.minutes().count()), int(hms.seconds().count()));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    if (frac % 1000 == 0) {
      std::snprintf(buf, sizeof(buf), ".%03d", static_cast<int>(frac / 1000));
    } else {
      std::snprintf(buf, sizeof(buf), ".%06d", static_cast<int>(frac));
    }
    out += buf;
  }
  out += 'Z';
  return out;
}

Result<int64_t> ParseDuration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("bad duration '" + std::string(text) + "': " + std::string(why) +
                           " (use e.g. 90s, 5m, 1h, 30d)");
  };
  if (text == "0") return int64_t{0};
  if (text.empty()) return bad("empty");
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), n);
    if (ec == std::errc::result_out_of_range) return bad("too large");
    if (ec != std::errc() || n < 0) return bad("expected a number");
    pos = static_cast<size_t>(end - text.data());
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(pos).starts_with(u.suffix)) {
        // "m" must not swallow the "m" of "ms".
        if (unit == nullptr || u.suffix.size() > unit->suffix.size()) unit = &u;
      }
    }
    if (unit == nullptr) return bad("expected a unit (us, ms, s, m, h, d, w) after the number");
    pos += unit->suffix.size();
    if (n > (std::numeric_limits<int64_t>::max() - total) / unit->micros) return bad("too large");
    total += n * unit->micros;
  }
  return total;
}

std::string FormatDuration(int64_t micros) {
  if (micros == 0) return "0";
  std::string out;
  if (micros < 0) {
    out = "-";
    micros = -micros;
  }
  // Weeks are left out on purpose: "30d" reads better than "4w2d".
  for (auto it = kUnits.rbegin() + 1; it != kUnits.rend(); ++it) {
    if (micros >= it->micros) {
      out += std::to_string(micros / it->micros);
      out += it->suffix;
      micros %= it->micros;
    }
  }
  return out;
}

}  // namespace asof::shell
