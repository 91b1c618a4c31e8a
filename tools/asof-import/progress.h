// Progress of an import on stderr. On a terminal: one line redrawn in place at most
// ~5 times a second (phase, rows, rows/s, bytes read of the total, ETA, rejects).
// Otherwise nothing until the end, where the caller prints its one-line summary, so
// logs of scheduled jobs stay short.
//
// Thread-safety: one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace asof::import {

struct ProgressState {
  uint64_t rows = 0;
  uint64_t rejects = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_total = 0;  // 0: unknown (stdin)
};

class Progress {
 public:
  // `enabled`: draw the live line (a terminal on stderr).
  explicit Progress(bool enabled, std::FILE* out = stderr);
  ~Progress() { Clear(); }

  // Starts a phase ("reading", "sorting", "writing", "committing"); `total` (0 if
  // unknown) is the count Update's `done` runs up to in phases after reading.
  void Phase(const std::string& name, uint64_t total = 0);
  // Reading: redraws when the last draw is old enough.
  void Reading(const ProgressState& state);
  // Later phases: `done` of the phase's total.
  void Step(uint64_t done);
  // Erases the live line (before printing anything else).
  void Clear();
  // How long each phase took, ended ones and the current one so far: "reading 5.1 s,
  // sorting 2.0 s, ..." (where a slow load spends its time).
  std::string Timings() const;

  // "1.2 GiB", "340 KiB" ...
  static std::string Bytes(uint64_t n);
  // "1,234,567"
  static std::string Count(uint64_t n);

 private:
  bool Due();
  void Draw(const std::string& line);

  const bool enabled_;
  std::FILE* const out_;
  std::string phase_;
  uint64_t total_ = 0;
  std::chrono::steady_clock::time_point phase_start_;
  std::string ended_;  // Timings() of the phases before the current one
  std::chrono::steady_clock::time_point last_draw_{};
  size_t drawn_width_ = 0;
};

}  // namespace asof::import
