// Times and durations as the shell reads and prints them. All times are UTC,
// microseconds since the Unix epoch, like every timestamp in asof.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace asof::shell {

// The latest time the engine accepts (9999-12-31T23:59:59.999999Z).
inline constexpr int64_t kMaxTimeMicros = 253402300799999999LL;

// Parses a point in time:
//   2026-03-01T10:00:00Z           ISO-8601 with a zone: Z or +HH:MM / -HH:MM
//   2026-03-01T10:00:00.25Z        1 to 6 fractional digits (microseconds at most)
//   2026-03-01                     a date alone: midnight UTC
//   now                            `now_us`
//   -1h, -30d, +5m, now-90s        relative to `now_us` (see ParseDuration for units)
// A space may stand for the 'T'. A date-time without a zone is refused rather than
// guessed: it would mean local time to some readers and UTC to others.
// Errors: kInvalidArgument naming the text, for malformed input, impossible dates
// (2026-02-30), times before 1970 or after 9999.
Result<int64_t> ParseTime(std::string_view text, int64_t now_us);

// ISO-8601 UTC with as much precision as the value needs:
// 2026-03-01T10:00:00Z, 2026-03-01T10:00:00.250Z (whole milliseconds),
// 2026-03-01T10:00:00.000250Z (otherwise).
std::string FormatTime(int64_t micros);

// Parses a duration: one or more <integer><unit> parts, units us, ms, s, m, h, d, w,
// e.g. 90s, 5m, 1h30m, 30d; "0" alone is zero. kInvalidArgument for anything else,
// including negative and overflowing durations.
Result<int64_t> ParseDuration(std::string_view text);

// The inverse of ParseDuration, largest units first: 30d, 1h30m, 90s is "1m30s",
// 250ms; zero is "0".
std::string FormatDuration(int64_t micros);

}  // namespace asof::shell
