#include "tools/asof-bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "engine/check.h"

namespace asof::bench {

LatencyHistogram::LatencyHistogram(int significant_bits) : bits_(significant_bits) {
  ASOF_CHECK(significant_bits >= 1 && significant_bits <= 16)
      << "significant_bits " << significant_bits << " is outside [1, 16]";
  counts_.assign(static_cast<size_t>(65 - bits_) << bits_, 0);
}

// Below 2^S the index is the value. Above, with m the position of the highest set bit
// and shift = m - S, the value's top S+1 bits select one of 2^S buckets in block
// shift + 1.
size_t LatencyHistogram::IndexOf(uint64_t value) const {
  const uint64_t sub = uint64_t{1} << bits_;
  if (value < sub) return static_cast<size_t>(value);
  const int m = 63 - std::countl_zero(value);
  const int shift = m - bits_;
  return static_cast<size_t>((static_cast<uint64_t>(shift) + 1) * sub + ((value >> shift) - sub));
}

uint64_t LatencyHistogram::LowOfIndex(size_t index) const {
  const uint64_t sub = uint64_t{1} << bits_;
  if (index < sub) return index;
  const uint64_t block = index >> bits_;
  const uint64_t offset = index & (sub - 1);
  return (sub + offset) << (block - 1);
}

uint64_t LatencyHistogram::WidthOfIndex(size_t index) const {
  const uint64_t block = index >> bits_;
  return block == 0 ? 1 : uint64_t{1} << (block - 1);
}

uint64_t LatencyHistogram::BucketLow(uint64_t value) const { return LowOfIndex(IndexOf(value)); }

uint64_t LatencyHistogram::BucketHigh(uint64_t value) const {
  const size_t index = IndexOf(value);
  return LowOfIndex(index) + (WidthOfIndex(index) - 1);
}

void LatencyHistogram::RecordN(uint64_t value, uint64_t count) {
  if (count == 0) return;
  counts_[IndexOf(value)] += count;
  count_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value) * static_cast<long double>(count);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  ASOF_CHECK(other.bits_ == bits_)
      << "merging histograms of " << other.bits_ << " and " << bits_ << " significant bits";
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void LatencyHistogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = 0;
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

// p * n / 100 is computed with the multiplication first, and a relative 1e-12 is
// forgiven before rounding up, so that a percentile like 99.9 (not exact in binary)
// of 1000 samples is rank 999 and not 1000.
uint64_t LatencyHistogram::RankOf(double percentile, uint64_t count) {
  if (count == 0) return 0;
  const long double p = std::clamp(static_cast<long double>(percentile), 0.0L, 100.0L);
  const long double exact = p * static_cast<long double>(count) / 100.0L;
  const auto rank = static_cast<uint64_t>(std::ceil(exact - exact * 1e-12L));
  return std::clamp<uint64_t>(rank, 1, count);
}

uint64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  if (count_ == 0) return 0;
  const uint64_t rank = RankOf(percentile, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const uint64_t mid = LowOfIndex(i) + WidthOfIndex(i) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;  // unreachable: the counts add up to count_
}

}  // namespace asof::bench
