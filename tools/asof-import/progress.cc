#include "tools/asof-import/progress.h"

#include <algorithm>
#include <cinttypes>

namespace asof::import {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRedrawEvery = std::chrono::milliseconds(200);

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string Eta(double seconds) {
  if (seconds < 0 || seconds > 360000) return "--:--";
  auto s = static_cast<int64_t>(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%" PRId64 ":%02d:%02d", s / 3600, static_cast<int>(s / 60 % 60),
                  static_cast<int>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(s / 60), static_cast<int>(s % 60));
  }
  return buf;
}

}  // namespace

Progress::Progress(bool enabled, std::FILE* out) : enabled_(enabled), out_(out) {}

void Progress::Phase(const std::string& name, uint64_t total) {
  if (!phase_.empty()) ended_ = Timings();
  phase_ = name;
  total_ = total;
  phase_start_ = Clock::now();
  last_draw_ = {};
}

bool Progress::Due() {
  if (!enabled_) return false;
  auto now = Clock::now();
  if (now - last_draw_ < kRedrawEvery) return false;
  last_draw_ = now;
  return true;
}

void Progress::Reading(const ProgressState& s) {
  if (!Due()) return;
  double elapsed = Seconds(Clock::now() - phase_start_);
  double rate = elapsed > 0 ? static_cast<double>(s.rows) / elapsed : 0;
  std::string line = phase_ + ": " + Count(s.rows) + " rows, " +
                     Count(static_cast<uint64_t>(rate)) + " rows/s, " + Bytes(s.bytes_read);
  if (s.bytes_total > 0) {
    // Decompressed bytes against the on-disk size overshoot for compressed input: the
    // percentage is capped rather than lying past 100.
    double fraction = std::min(1.0, static_cast<double>(s.bytes_read) / s.bytes_total);
    char pct[16];
    std::snprintf(pct, sizeof pct, " (%.0f%%)", fraction * 100);
    line += " of " + Bytes(s.bytes_total) + pct;
    if (fraction > 0.01) line += ", ETA " + Eta(elapsed / fraction - elapsed);
  }
  line += ", " + Count(s.rejects) + " rejects";
  Draw(line);
}

void Progress::Step(uint64_t done) {
  if (!Due()) return;
  std::string line = phase_ + ": " + Count(done);
  if (total_ > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, " (%.0f%%)", 100.0 * static_cast<double>(done) / total_);
    line += " of " + Count(total_) + pct;
  }
  Draw(line);
}

std::string Progress::Timings() const {
  if (phase_.empty()) return ended_;
  char took[32];
  std::snprintf(took, sizeof took, " %.1f s", Seconds(Clock::now() - phase_start_));
  return ended_ + (ended_.empty() ? "" : ", ") + phase_ + took;
}

void Progress::Draw(const std::string& line) {
  std::fprintf(out_, "\r%s", line.c_str());
  for (size_t i = line.size(); i < drawn_width_; ++i) std::fputc(' ', out_);
  drawn_width_ = line.size();
  std::fflush(out_);
}

void Progress::Clear() {
  if (!enabled_ || drawn_width_ == 0) return;
  std::fprintf(out_, "\r%*s\r", static_cast<int>(drawn_width_), "");
  std::fflush(out_);
  drawn_width_ = 0;
}

std::string Progress::Bytes(uint64_t n) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", v, kUnits[unit]);
  return buf;
}

std::string Progress::Count(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace asof::import
