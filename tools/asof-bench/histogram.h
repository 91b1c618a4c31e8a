// LatencyHistogram: a log-linear (HDR-style) histogram of non-negative integers, here
// latencies in nanoseconds, with a known bound on the error of every percentile it
// reports.
//
// Layout: values below 2^S (S = significant_bits) have a bucket each and are exact.
// Above that, every power-of-two range [2^m, 2^(m+1)) is split into 2^S equal buckets
// of width 2^(m-S). A value is reported as the midpoint of its bucket, so a reported
// value differs from a recorded one by at most half a bucket width, that is by at most
// relative_error() = 2^-(S+1) of the recorded value (0.39% for the default S = 7). The
// whole uint64 range is covered; memory is (65 - S) * 2^S counters (about 58 KiB for
// S = 7), fixed at construction, so Record never allocates.
//
// Percentiles use the nearest-rank definition: ValueAtPercentile(p) stands for the
// sample of rank max(1, ceil(p / 100 * count())) in sorted order, and is within
// relative_error() of it (clamped to [min(), max()], which are exact).
//
// Thread-safety: none; give each thread its own and Merge them at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace asof::bench {

class LatencyHistogram {
 public:
  static constexpr int kDefaultSignificantBits = 7;

  // `significant_bits` in [1, 16]; a CHECK failure otherwise.
  explicit LatencyHistogram(int significant_bits = kDefaultSignificantBits);

  void Record(uint64_t value) { RecordN(value, 1); }
  void RecordN(uint64_t value, uint64_t count);

  // Adds every sample of `other`, which must have the same significant_bits (CHECK).
  void Merge(const LatencyHistogram& other);
  void Reset();

  uint64_t count() const { return count_; }
  // Exact; 0 when empty.
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  // Exact (from the running sum); 0 when empty.
  double mean() const;

  // See the class comment. `percentile` is clamped to [0, 100]; 0 when empty.
  uint64_t ValueAtPercentile(double percentile) const;

  // The nearest rank of `percentile` among `count` samples, in [1, count] (0 when
  // count is 0).
  static uint64_t RankOf(double percentile, uint64_t count);

  int significant_bits() const { return bits_; }
  // The bound on |reported - true| / true for every percentile.
  double relative_error() const { return 1.0 / static_cast<double>(uint64_t{2} << bits_); }

  // The inclusive range of values sharing `value`'s bucket (for tests).
  uint64_t BucketLow(uint64_t value) const;
  uint64_t BucketHigh(uint64_t value) const;

 private:
  size_t IndexOf(uint64_t value) const;
  uint64_t LowOfIndex(size_t index) const;
  uint64_t WidthOfIndex(size_t index) const;

  int bits_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace asof::bench
