#include "tools/asof-export/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace asof::exporter {

namespace {

using Clock = std::chrono::steady_clock;

std::string Hms(double seconds) {
  const auto s = static_cast<uint64_t>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%llu:%02llu:%02llu", static_cast<unsigned long long>(s / 3600),
                static_cast<unsigned long long>(s / 60 % 60),
                static_cast<unsigned long long>(s % 60));
  return buf;
}

}  // namespace

std::string WithThousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

Progress::Progress(bool enabled, uint64_t bytes_total)
    : enabled_(enabled),
      tty_(enabled && isatty(STDERR_FILENO) == 1),
      bytes_total_(bytes_total),
      start_(Clock::now()),
      last_draw_(start_) {}

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

void Progress::Update(uint64_t rows, uint64_t bytes_read) {
  if (!tty_) return;
  const auto now = Clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  Draw(rows, bytes_read);
}

void Progress::Draw(uint64_t rows, uint64_t bytes_read) {
  const double elapsed = elapsed_s();
  const double rate = elapsed > 0 ? static_cast<double>(rows) / elapsed : 0;
  std::string line = "\r\033[K" + WithThousands(rows) + " rows  " +
                     WithThousands(static_cast<uint64_t>(rate)) + " rows/s  " + Hms(elapsed);
  if (bytes_total_ > 0 && bytes_read > 0) {
    // The share of the input read so far; the decompressed count runs ahead of the
    // on-disk size for compressed input, so it is capped rather than trusted.
    const double done = std::min(1.0, static_cast<double>(bytes_read) / bytes_total_);
    char buf[64];
    std::snprintf(buf, sizeof(buf), "  %3.0f%%", done * 100);
    line += buf;
    if (done > 0.01 && done < 1.0) line += "  ETA " + Hms(elapsed * (1 - done) / done);
  }
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::Abandon() {
  if (drawn_) std::fputs("\r\033[K", stderr);
  drawn_ = false;
}

void Progress::Finish(uint64_t rows, uint64_t bad_rows, const std::string& what) {
  if (!enabled_) return;
  Abandon();
  const double elapsed = elapsed_s();
  const double rate = elapsed > 0 ? static_cast<double>(rows) / elapsed : 0;
  char secs[32];
  std::snprintf(secs, sizeof(secs), "%.2f", elapsed);
  std::string line = "asof-export: " + WithThousands(rows) + " rows in " + secs + " s (" +
                     WithThousands(static_cast<uint64_t>(rate)) + " rows/s)";
  if (bad_rows > 0) line += ", " + WithThousands(bad_rows) + " bad label rows skipped";
  line += ", " + what + "\n";
  std::fputs(line.c_str(), stderr);
}

}  // namespace asof::exporter
