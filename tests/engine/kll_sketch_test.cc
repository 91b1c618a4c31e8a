#include "engine/drift/kll_sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tests/util/test_util.h"

namespace asof::drift {
namespace {

// max over x of |sketch.Rank(x) - fraction of data <= x|. Both are step functions that
// change only at data values (retained values are data values), so checking at every
// distinct data value finds the supremum.
double MaxRankError(const KllSketch& sketch, std::vector<double> data) {
  std::sort(data.begin(), data.end());
  std::vector<KllSketch::WeightedValue> view = sketch.SortedView();
  const auto n = static_cast<double>(data.size());
  size_t pos = 0;
  uint64_t cum = 0;
  double worst = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    if (i + 1 < data.size() && data[i + 1] == data[i]) continue;  // last of equal values
    while (pos < view.size() && view[pos].value <= data[i]) cum += view[pos++].weight;
    worst =
        std::max(worst, std::fabs(static_cast<double>(cum) / n - static_cast<double>(i + 1) / n));
  }
  return worst;
}

enum class Shape { kUniform, kNormal, kSorted, kReverseSorted, kFewDistinct };

std::vector<double> Stream(Shape shape, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> data(n);
  std::uniform_real_distribution<double> uniform(-1000, 1000);
  std::normal_distribution<double> normal(5, 2);
  std::uniform_int_distribution<int> few(0, 20);
  for (double& x : data) {
    switch (shape) {
      case Shape::kNormal:
        x = normal(rng);
        break;
      case Shape::kFewDistinct:
        x = few(rng);
        break;
      default:
        x = uniform(rng);
    }
  }
  if (shape == Shape::kSorted) std::sort(data.begin(), data.end());
  if (shape == Shape::kReverseSorted) std::sort(data.rbegin(), data.rend());
  return data;
}

KllSketch SketchOf(const std::vector<double>& data, uint64_t seed = 1) {
  KllSketch sketch(KllSketch::kDefaultK, seed);
  for (double x : data) sketch.Update(x);
  return sketch;
}

TEST(KllSketchTest, EmptySketch) {
  KllSketch sketch;
  EXPECT_TRUE(sketch.empty());
  EXPECT_EQ(sketch.Rank(1.0), 0);
  EXPECT_TRUE(std::isnan(sketch.Quantile(0.5)));
  EXPECT_TRUE(std::isnan(sketch.min()));
  EXPECT_TRUE(sketch.SortedView().empty());
  EXPECT_EQ(sketch.retained(), 0u);
}

TEST(KllSketchTest, ExactWhileNAtMostK) {
  std::vector<double> data = Stream(Shape::kUniform, KllSketch::kDefaultK, 7);
  KllSketch sketch = SketchOf(data);
  EXPECT_EQ(sketch.retained(), data.size());
  EXPECT_EQ(sketch.NormalizedRankError(), 0);
  EXPECT_EQ(MaxRankError(sketch, data), 0);
  std::vector<double> sorted = data;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    EXPECT_DOUBLE_EQ(sketch.Rank(sorted[i]), static_cast<double>(i + 1) / sorted.size());
  }
  EXPECT_EQ(sketch.Quantile(0.5), sorted[sorted.size() / 2 - 1]);
}

TEST(KllSketchTest, ErrorConstantIsDataSketchesDoubleSided) {
  KllSketch sketch = SketchOf(Stream(Shape::kUniform, 10000, 1));
  EXPECT_NEAR(sketch.NormalizedRankError(), 0.0165, 0.0002);
}

struct AccuracyCase {
  Shape shape;
  size_t n;
};

class KllAccuracyTest : public ::testing::TestWithParam<AccuracyCase> {};

TEST_P(KllAccuracyTest, AllRanksWithinNormalizedRankError) {
  for (uint64_t seed : {1, 2, 3}) {
    std::vector<double> data = Stream(GetParam().shape, GetParam().n, seed);
    KllSketch sketch = SketchOf(data, seed * 7919);
    double error = MaxRankError(sketch, data);
    EXPECT_LE(error, sketch.NormalizedRankError()) << "seed " << seed;
    std::printf("seed %llu: max rank error %.5f (bound %.5f), %zu retained\n",
                static_cast<unsigned long long>(seed), error, sketch.NormalizedRankError(),
                sketch.retained());
    EXPECT_EQ(sketch.n(), data.size());
  }
}

INSTANTIATE_TEST_SUITE_P(Streams, KllAccuracyTest,
                         ::testing::Values(AccuracyCase{Shape::kUniform, 100000},
                                           AccuracyCase{Shape::kNormal, 100000},
                                           AccuracyCase{Shape::kSorted, 100000},
                                           AccuracyCase{Shape::kReverseSorted, 100000},
                                           AccuracyCase{Shape::kFewDistinct, 100000},
                                           AccuracyCase{Shape::kNormal, 1000000},
                                           AccuracyCase{Shape::kSorted, 1000000}));

TEST(KllSketchTest, MergeOfHundredPartsKeepsTheGuarantee) {
  for (uint64_t seed : {11, 12}) {
    std::vector<double> data = Stream(Shape::kNormal, 1000000, seed);
    KllSketch merged(KllSketch::kDefaultK, seed);
    for (size_t part = 0; part < 100; ++part) {
      KllSketch sketch(KllSketch::kDefaultK, seed + part + 1);
      for (size_t i = part * 10000; i < (part + 1) * 10000; ++i) sketch.Update(data[i]);
      merged.Merge(sketch);
    }
    EXPECT_EQ(merged.n(), data.size());
    EXPECT_LE(MaxRankError(merged, data), merged.NormalizedRankError()) << "seed " << seed;
    EXPECT_EQ(merged.min(), *std::min_element(data.begin(), data.end()));
    EXPECT_EQ(merged.max(), *std::max_element(data.begin(), data.end()));
  }
}

TEST(KllSketchTest, MergeKeepsSmallerKAndIntoEmpty) {
  KllSketch small(16, 5), large(400, 6), empty;
  for (int i = 0; i < 1000; ++i) small.Update(i);
  for (int i = 1000; i < 3000; ++i) large.Update(i);
  large.Merge(small);
  EXPECT_EQ(large.k(), 16);
  EXPECT_EQ(large.n(), 3000u);
  EXPECT_EQ(large.min(), 0);
  EXPECT_EQ(large.max(), 2999);
  empty.Merge(large);
  EXPECT_EQ(empty.n(), 3000u);
  EXPECT_EQ(empty.k(), 16);
  EXPECT_EQ(empty.retained(), large.retained());
  EXPECT_EQ(empty.Rank(1500), large.Rank(1500));
}

TEST(KllSketchTest, SelfMergeDoublesCounts) {
  KllSketch sketch = SketchOf({1, 2, 3});
  sketch.Merge(sketch);
  EXPECT_EQ(sketch.n(), 6u);
  EXPECT_DOUBLE_EQ(sketch.Rank(2), 4.0 / 6);
}

TEST(KllSketchTest, QuantileAndRankAreConsistent) {
  std::vector<double> data = Stream(Shape::kUniform, 200000, 4);
  KllSketch sketch = SketchOf(data);
  EXPECT_EQ(sketch.Quantile(0), sketch.min());
  EXPECT_EQ(sketch.Quantile(1), sketch.max());
  double previous = -std::numeric_limits<double>::infinity();
  for (int i = 1; i < 100; ++i) {
    double q = i / 100.0;
    double x = sketch.Quantile(q);
    EXPECT_GE(sketch.Rank(x), q);
    EXPECT_GE(x, previous);  // monotone in q
    previous = x;
    // Quantile returns the first retained value reaching q: anything smaller is below q.
    EXPECT_LT(sketch.Rank(std::nextafter(x, -1e300)), q);
  }
}

TEST(KllSketchTest, MinMaxExactAndNanIgnored) {
  std::vector<double> data = Stream(Shape::kNormal, 50000, 9);
  data[123] = -1e9;
  data[40000] = std::numeric_limits<double>::infinity();
  KllSketch sketch;
  for (size_t i = 0; i < data.size(); ++i) {
    sketch.Update(data[i]);
    if (i % 1000 == 0) sketch.Update(std::numeric_limits<double>::quiet_NaN());
  }
  EXPECT_EQ(sketch.min(), -1e9);
  EXPECT_EQ(sketch.max(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(sketch.n(), data.size());
  EXPECT_EQ(sketch.nan_count(), 50u);
  EXPECT_EQ(sketch.Rank(std::numeric_limits<double>::infinity()), 1);
  EXPECT_EQ(sketch.Rank(-2e9), 0);
  EXPECT_LE(MaxRankError(sketch, data), sketch.NormalizedRankError());
}

TEST(KllSketchTest, MemoryGrowsLogarithmically) {
  KllSketch sketch;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uniform(0, 1);
  size_t at_1e5 = 0;
  for (int i = 1; i <= 2000000; ++i) {
    sketch.Update(uniform(rng));
    if (i == 100000) at_1e5 = sketch.retained();
  }
  size_t k = sketch.k();
  // Capacities k (2/3)^depth sum to < 3k, plus at least 8 per level: one level per doubling.
  EXPECT_LE(at_1e5, 3 * k + 8 * 10);
  EXPECT_LE(sketch.retained(), 3 * k + 8 * 14);
  EXPECT_LE(sketch.retained() - at_1e5, 8 * 6u);  // 20x the input: a few small levels more
}

TEST(KllSketchTest, DeterministicForASeed) {
  std::vector<double> data = Stream(Shape::kUniform, 30000, 2);
  EXPECT_EQ(SketchOf(data, 42).Serialize(), SketchOf(data, 42).Serialize());
}

TEST(KllSketchTest, SerializeRoundTrip) {
  for (size_t n : {0, 1, 150, 200, 201, 100000}) {
    KllSketch sketch = SketchOf(Stream(Shape::kNormal, n, n + 1));
    sketch.Update(std::numeric_limits<double>::quiet_NaN());
    ASSERT_OK_AND_ASSIGN(KllSketch copy, KllSketch::Deserialize(sketch.Serialize()));
    EXPECT_EQ(copy.n(), sketch.n());
    EXPECT_EQ(copy.k(), sketch.k());
    EXPECT_EQ(copy.nan_count(), 1u);
    EXPECT_EQ(copy.retained(), sketch.retained());
    EXPECT_EQ(copy.Serialize(), sketch.Serialize());
    for (double q : {0.0, 0.1, 0.5, 0.99, 1.0}) {
      if (n > 0) {
        EXPECT_EQ(copy.Quantile(q), sketch.Quantile(q));
      }
      EXPECT_EQ(copy.Rank(q), sketch.Rank(q));
    }
    EXPECT_EQ(copy.NormalizedRankError(), sketch.NormalizedRankError());
    // It goes on where it stopped: the random state is part of the bytes.
    for (int i = 0; i < 5000; ++i) {
      copy.Update(i);
      sketch.Update(i);
    }
    EXPECT_EQ(copy.Serialize(), sketch.Serialize());
  }
}

void ExpectInvalid(std::string_view bytes, std::string_view what) {
  Result<KllSketch> r = KllSketch::Deserialize(bytes);
  ASSERT_FALSE(r.ok()) << what;
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << what;
}

TEST(KllSketchTest, MalformedTruncatedAtEveryLength) {
  for (size_t n : {0, 3, 5000}) {
    std::string bytes = SketchOf(Stream(Shape::kUniform, n, 5)).Serialize();
    for (size_t len = 0; len < bytes.size(); ++len) {
      ExpectInvalid(std::string_view(bytes).substr(0, len), "truncated to " + std::to_string(len));
    }
    ExpectInvalid(bytes + '\0', "trailing byte");
  }
}

// Exact sketch of {1, 2, 3}: version | k | n | nan | rng(8) | min | max | levels | size | items.
std::string ThreeItems() { return SketchOf({1, 2, 3}).Serialize(); }
constexpr size_t kNOffset = 3, kLevelsOffset = 3 + 1 + 1 + 8 + 16;

TEST(KllSketchTest, MalformedHeaderAndLevels) {
  std::string good = ThreeItems();
  ASSERT_OK(KllSketch::Deserialize(good));
  ASSERT_EQ(good.size(), kLevelsOffset + 2 + 24);

  std::string bad = good;
  bad[0] = 2;
  ExpectInvalid(bad, "version");
  bad = good;
  bad[1] = 4;  // k = 4 < kMinK
  ExpectInvalid(bad, "k");
  bad = good;
  bad[kNOffset] = 4;  // n = 4, but one level of 3 items of weight 1
  ExpectInvalid(bad, "n inconsistent");
  bad = good;
  bad[kLevelsOffset + 1] = 2;  // level 0 holds 2 items (and 8 bytes are left over)
  ExpectInvalid(bad, "level size");
  bad = good;
  bad[kLevelsOffset] = 0;  // no levels
  ExpectInvalid(bad, "zero levels");
  bad = good;
  bad[kLevelsOffset] = 62;
  ExpectInvalid(bad, "too many levels");
  bad = good;
  bad[kLevelsOffset + 2 + 7] = 0x7f;  // an item becomes a huge double, outside [min, max]
  ExpectInvalid(bad, "item outside range");
  bad = good;
  for (int i = 0; i < 8; ++i) bad[5 + i] = 0;
  ExpectInvalid(bad, "zero random state");
}

TEST(KllSketchTest, MalformedRandomCorruptionNeverCrashes) {
  std::string good = SketchOf(Stream(Shape::kNormal, 20000, 8)).Serialize();
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 20000; ++trial) {
    std::string bytes = good;
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    Result<KllSketch> r = KllSketch::Deserialize(bytes);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
      continue;
    }
    // Accepted bytes must describe a usable sketch.
    double rank = r->Rank(0);
    EXPECT_GE(rank, 0);
    EXPECT_LE(rank, 1);
    r->Update(1);
    r->Merge(*r);
  }
}

}  // namespace
}  // namespace asof::drift
