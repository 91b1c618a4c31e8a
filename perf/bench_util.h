// Scaffolding shared by the perf/ benchmarks: where data lives, deterministic data, and
// engine setup. A benchmark of a failing engine measures nothing, so errors abort
// (ASOF_CHECK) instead of being threaded through.
//
// Data directories: a benchmark that generates a large data set keeps it under
// $ASOF_BENCH_DIR/<name> when that variable is set (and reuses it on the next run when
// its parameters match); otherwise everything lives in a fresh directory under $TMPDIR
// (or /tmp) that is removed when the program ends.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/check.h"
#include "engine/engine.h"
#include "engine/status.h"

namespace asof::bench {

// Every generated event is dated from here on: 2026-01-01T00:00:00Z in microseconds.
inline constexpr int64_t kBaseTs = 1767225600000000LL;
inline constexpr int64_t kHourUs = 3600LL * 1000000;

inline void CheckOk(const Status& s, std::string_view what) {
  ASOF_CHECK(s.ok()) << what << ": " << s.ToString();
}

template <typename T>
T ValueOrDie(Result<T> r, std::string_view what) {
  CheckOk(r.status(), what);
  return std::move(r).value();
}

// $name parsed as an integer, or `fallback` when unset or empty.
int64_t EnvInt(const char* name, int64_t fallback);

// A benchmark's data directory; see the file comment.
class BenchDir {
 public:
  explicit BenchDir(std::string_view name);
  ~BenchDir();
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;

  const std::string& path() const { return path_; }
  // True when the directory outlives the program ($ASOF_BENCH_DIR is set).
  bool kept() const { return kept_; }

  // True when a data set generated with exactly `params` is already here. Otherwise
  // empties the directory so that generation starts from scratch.
  bool ReuseOrReset(const std::string& params);
  // Records that the data set for `params` is complete (only when kept()).
  void MarkComplete(const std::string& params);

 private:
  std::string path_;
  bool kept_ = false;
};

// A scratch directory under $TMPDIR (or /tmp), removed on destruction; for engines that
// each benchmark repetition builds afresh.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Total size of the regular files under `path`, in bytes.
uint64_t DirBytes(const std::string& path);

// "1.23 GiB"
std::string HumanBytes(uint64_t bytes);

// SplitMix64: tiny, seedable, and identical on every platform (std distributions are
// not), so data sets and request streams are reproducible.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); the modulo bias is irrelevant for n << 2^64.
  uint64_t Uniform(uint64_t n) { return Next() % n; }

 private:
  uint64_t state_;
};

// Entity ids are fixed-width decimal text, e.g. EntityId(42) == "e00000042".
std::string EntityId(uint64_t index);

// Opens (creating) an engine at `path` running on `clock`; aborts on failure.
std::unique_ptr<Engine> OpenEngine(const std::string& path, const Clock* clock, bool sync_writes,
                                   size_t block_cache_bytes);

// Seconds elapsed since construction, by the steady clock.
class Stopwatch {
 public:
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace asof::bench
