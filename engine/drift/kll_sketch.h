// KllSketch: the KLL quantile sketch of Karnin, Lang and Liberty ("Optimal Quantile
// Approximation in Streams", FOCS 2016), over doubles, as in Apache DataSketches' kll.
//
// Why KLL (docs/monitoring.md says it for users): drift is judged by the KS statistic,
// which is a difference of CDFs, i.e. of *ranks*. KLL bounds the rank error additively
// (|estimated rank - true rank| <= eps * n with high probability) with a proven, near-
// optimal size, and sketches merge with the same guarantee. t-digest has no worst-case
// bound; DDSketch bounds *relative value* error, which says nothing about ranks.
//
// Contract:
//   - Update(x) adds one value; NaN is ignored (counted in nan_count()), +-inf are values.
//   - Merge(other) makes this the sketch of the union of both streams. Sketches with
//     different k merge; the result keeps the smaller k.
//   - Rank(x): estimated fraction of values <= x, in [0, 1]; 0 for an empty sketch.
//     With k = 200, |Rank(x) - true fraction| <= NormalizedRankError() for all x at
//     once, with probability >= 99% (the DataSketches constant: eps ~ 1.65% at k=200).
//   - Quantile(q), q in [0,1]: a retained value whose estimated rank is >= q; exact
//     min() at 0 and max() at 1. Undefined for an empty sketch (returns NaN).
//   - Serialize() is a compact, versioned, little-endian byte string; Deserialize
//     rejects any malformed, truncated or inconsistent input with kInvalidArgument and
//     never crashes (it is stored on disk and could be damaged).
//   - Exact while n() <= k: every value is retained, Rank is the empirical CDF.
//   - Deterministic: compaction uses a pseudo-random bit from an internal xorshift state
//     seeded by `seed`, so tests are reproducible.
// Thread-compatible (one writer, or external locking); a const sketch may be read
// concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace asof::drift {

class KllSketch {
 public:
  static constexpr uint16_t kDefaultK = 200;
  static constexpr uint16_t kMinK = 8;

  explicit KllSketch(uint16_t k = kDefaultK, uint64_t seed = 0x9e3779b97f4a7c15ULL);

  void Update(double x);
  void Merge(const KllSketch& other);

  uint64_t n() const { return n_; }
  bool empty() const { return n_ == 0; }
  uint16_t k() const { return k_; }
  uint64_t nan_count() const { return nan_count_; }
  double min() const { return min_; }  // NaN when empty
  double max() const { return max_; }

  double Rank(double x) const;
  double Quantile(double q) const;
  // eps such that all ranks are within eps of the truth with probability >= 99%.
  double NormalizedRankError() const;

  // The retained values with their weights (each value stands for `weight` inputs),
  // sorted by value: what KS and PSI are computed from.
  struct WeightedValue {
    double value;
    uint64_t weight;
  };
  std::vector<WeightedValue> SortedView() const;

  size_t retained() const;  // number of values held (memory ~ 8 bytes each)

  std::string Serialize() const;
  static Result<KllSketch> Deserialize(std::string_view bytes);

 private:
  // levels_[0] receives updates; an item at level h stands for 2^h inputs.
  void CompressWhileNeeded();
  uint32_t Capacity(size_t level) const;

  uint16_t k_;
  uint64_t n_ = 0;
  uint64_t nan_count_ = 0;
  double min_;
  double max_;
  uint64_t rng_;
  // Updates left before the total capacity is exceeded; 0 after a merge or a decode, so
  // the next update checks the levels.
  uint64_t headroom_ = 0;
  std::vector<std::vector<double>> levels_;
};

}  // namespace asof::drift
