// Progress of an export on stderr: on a terminal a line redrawn in place (rows, rows/s,
// share of the input read and ETA when the input size is known); elsewhere nothing until
// the one-line summary, so logs stay clean.
//
// Thread-safety: one thread (the one that writes the output).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace asof::exporter {

class Progress {
 public:
  // `enabled` false: silent, also the summary. `bytes_total` 0: unknown (stdin), no ETA.
  Progress(bool enabled, uint64_t bytes_total);

  // Rows written and input bytes consumed so far; redraws at most 5 times a second.
  void Update(uint64_t rows, uint64_t bytes_read);
  // Ends the progress line and prints "asof-export: <rows> rows ... <what>".
  void Finish(uint64_t rows, uint64_t bad_rows, const std::string& what);
  // Clears the progress line before an error message.
  void Abandon();

  double elapsed_s() const;

 private:
  void Draw(uint64_t rows, uint64_t bytes_read);

  const bool enabled_;
  const bool tty_;
  const uint64_t bytes_total_;
  const std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
};

// 1234567 -> "1,234,567".
std::string WithThousands(uint64_t n);

}  // namespace asof::exporter
