#include "tools/asof-bench/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "tests/util/test_util.h"

namespace asof::bench {
namespace {

using ::asof::testing::TestSeed;

// The sample of nearest rank `percentile` in `sorted`, computed independently of the
// histogram's bucket walk.
uint64_t TruePercentile(const std::vector<uint64_t>& sorted, double percentile) {
  return sorted[LatencyHistogram::RankOf(percentile, sorted.size()) - 1];
}

const double kPercentiles[] = {0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};

// Records `samples`, then checks every percentile in kPercentiles against the truth
// within the histogram's stated relative error, and count / min / max / mean exactly.
void CheckAgainstTruth(std::vector<uint64_t> samples, int bits) {
  LatencyHistogram h(bits);
  long double sum = 0;
  for (uint64_t v : samples) {
    h.Record(v);
    sum += static_cast<long double>(v);
  }
  std::sort(samples.begin(), samples.end());
  ASSERT_EQ(h.count(), samples.size());
  EXPECT_EQ(h.min(), samples.front());
  EXPECT_EQ(h.max(), samples.back());
  EXPECT_NEAR(h.mean(), static_cast<double>(sum / samples.size()), 1e-9 * h.mean() + 1e-9);
  for (double p : kPercentiles) {
    const uint64_t truth = TruePercentile(samples, p);
    const uint64_t got = h.ValueAtPercentile(p);
    const double error = std::fabs(static_cast<double>(got) - static_cast<double>(truth));
    EXPECT_LE(error, h.relative_error() * static_cast<double>(truth))
        << "p" << p << ": histogram " << got << ", true " << truth << ", bits " << bits;
  }
}

TEST(LatencyHistogramTest, RankIsNearestRank) {
  EXPECT_EQ(LatencyHistogram::RankOf(50, 0), 0u);
  EXPECT_EQ(LatencyHistogram::RankOf(0, 10), 1u);
  EXPECT_EQ(LatencyHistogram::RankOf(50, 1), 1u);
  EXPECT_EQ(LatencyHistogram::RankOf(50, 10), 5u);
  EXPECT_EQ(LatencyHistogram::RankOf(51, 10), 6u);
  EXPECT_EQ(LatencyHistogram::RankOf(99, 1000), 990u);
  EXPECT_EQ(LatencyHistogram::RankOf(99.9, 1000), 999u);  // 99.9 is not exact in binary
  EXPECT_EQ(LatencyHistogram::RankOf(99.99, 1000), 1000u);
  EXPECT_EQ(LatencyHistogram::RankOf(100, 1000), 1000u);
  EXPECT_EQ(LatencyHistogram::RankOf(250, 1000), 1000u);  // clamped
  EXPECT_EQ(LatencyHistogram::RankOf(-3, 1000), 1u);
}

TEST(LatencyHistogramTest, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.ValueAtPercentile(99), 0u);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h(7);
  for (uint64_t v = 0; v < 256; ++v) h.Record(v);
  // 0..127 have a bucket each; 128..255 too (width 2^(7-7) = 1).
  for (uint64_t v = 0; v < 256; ++v) {
    EXPECT_EQ(h.BucketLow(v), v);
    EXPECT_EQ(h.BucketHigh(v), v);
  }
  EXPECT_EQ(h.ValueAtPercentile(50), 127u);  // rank 128 of 0..255
  EXPECT_EQ(h.BucketLow(256), 256u);
  EXPECT_EQ(h.BucketHigh(256), 257u);  // from 2^8 on, width 2
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithinTheErrorBound) {
  for (int bits : {1, 3, 7, 10}) {
    LatencyHistogram h(bits);
    // Walk bucket by bucket from 0 up to the top of the uint64 range: consecutive
    // buckets must touch, and every bucket must be narrower than 2 * error * low.
    uint64_t v = 0;
    size_t buckets = 0;
    while (true) {
      const uint64_t low = h.BucketLow(v);
      const uint64_t high = h.BucketHigh(v);
      ASSERT_EQ(low, v) << "bits " << bits;
      ASSERT_GE(high, low);
      ASSERT_EQ(h.BucketLow(high), low);
      if (low > 0) {
        const double half_width = static_cast<double>(high - low + 1) / 2;
        ASSERT_LE(half_width, h.relative_error() * static_cast<double>(low) + 0.5)
            << "bits " << bits << " low " << low;
      }
      ++buckets;
      if (high == UINT64_MAX) break;
      v = high + 1;
    }
    EXPECT_EQ(buckets, static_cast<size_t>(65 - bits) << bits) << "bits " << bits;
  }
}

TEST(LatencyHistogramTest, UniformDistribution) {
  std::mt19937_64 rng(TestSeed());
  std::uniform_int_distribution<uint64_t> dist(1000, 5000000);
  std::vector<uint64_t> samples(200000);
  for (auto& v : samples) v = dist(rng);
  CheckAgainstTruth(samples, 7);
  CheckAgainstTruth(samples, 3);
}

TEST(LatencyHistogramTest, ExponentialDistribution) {
  std::mt19937_64 rng(TestSeed());
  std::exponential_distribution<double> dist(1.0 / 50000.0);  // mean 50 us in ns
  std::vector<uint64_t> samples(200000);
  for (auto& v : samples) v = static_cast<uint64_t>(dist(rng));
  CheckAgainstTruth(samples, 7);
  CheckAgainstTruth(samples, 2);
}

TEST(LatencyHistogramTest, HeavyTailedLogNormal) {
  std::mt19937_64 rng(TestSeed());
  std::lognormal_distribution<double> dist(std::log(100000.0), 2.0);  // tail into seconds
  std::vector<uint64_t> samples(200000);
  for (auto& v : samples) v = static_cast<uint64_t>(std::min(dist(rng), 1e18));
  CheckAgainstTruth(samples, 7);
  CheckAgainstTruth(samples, 5);
}

TEST(LatencyHistogramTest, BimodalWithRareOutliers) {
  std::mt19937_64 rng(TestSeed());
  std::normal_distribution<double> fast(20000, 2000), slow(2000000, 100000);
  std::vector<uint64_t> samples;
  for (int i = 0; i < 100000; ++i) {
    // 0.5% slow requests: p99 is in the fast mode's tail, p99.9 in the slow mode.
    double v = (i % 200 == 0) ? slow(rng) : fast(rng);
    samples.push_back(static_cast<uint64_t>(std::max(v, 0.0)));
  }
  CheckAgainstTruth(samples, 7);
  LatencyHistogram h;
  for (uint64_t v : samples) h.Record(v);
  EXPECT_LT(h.ValueAtPercentile(99), 100000u);
  EXPECT_GT(h.ValueAtPercentile(99.9), 1000000u);
}

TEST(LatencyHistogramTest, ExtremesOfTheRange) {
  CheckAgainstTruth({0, 1, 2, UINT64_MAX - 1, UINT64_MAX, uint64_t{1} << 63, 12345678901234}, 7);
  LatencyHistogram h;
  h.Record(UINT64_MAX);
  EXPECT_EQ(h.ValueAtPercentile(50), UINT64_MAX);  // clamped to the exact max
}

TEST(LatencyHistogramTest, ConstantIsReportedExactly) {
  LatencyHistogram h;
  h.RecordN(987654321, 1000);
  for (double p : kPercentiles) EXPECT_EQ(h.ValueAtPercentile(p), 987654321u) << p;
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_DOUBLE_EQ(h.mean(), 987654321.0);
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverything) {
  std::mt19937_64 rng(TestSeed());
  std::exponential_distribution<double> dist(1.0 / 80000.0);
  LatencyHistogram all, a, b, c;
  for (int i = 0; i < 30000; ++i) {
    auto v = static_cast<uint64_t>(dist(rng));
    all.Record(v);
    (i % 3 == 0 ? a : i % 3 == 1 ? b : c).Record(v);
  }
  LatencyHistogram merged;
  merged.Merge(a);
  merged.Merge(b);
  merged.Merge(c);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_NEAR(merged.mean(), all.mean(), 1e-6 * all.mean());
  for (double p : kPercentiles) EXPECT_EQ(merged.ValueAtPercentile(p), all.ValueAtPercentile(p));

  merged.Reset();
  EXPECT_EQ(merged.count(), 0u);
  EXPECT_EQ(merged.ValueAtPercentile(50), 0u);
}

TEST(LatencyHistogramTest, RelativeErrorIsHalfABucket) {
  EXPECT_DOUBLE_EQ(LatencyHistogram(7).relative_error(), 1.0 / 256);
  EXPECT_DOUBLE_EQ(LatencyHistogram(1).relative_error(), 1.0 / 4);
  // The bound is attained, not just respected: a bucket's two ends report the same
  // midpoint, so the lower end's error approaches the bound.
  LatencyHistogram h(7);
  const uint64_t low = uint64_t{1} << 30;  // a bucket of width 2^23
  h.Record(low);
  h.Record(h.BucketHigh(low));
  const uint64_t reported = h.ValueAtPercentile(50);
  EXPECT_EQ(reported, low + (uint64_t{1} << 22));
  EXPECT_NEAR(static_cast<double>(reported - low) / static_cast<double>(low), h.relative_error(),
              1e-12);
}

}  // namespace
}  // namespace asof::bench
