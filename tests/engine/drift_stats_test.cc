#include "engine/drift/drift_stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace asof::drift {
namespace {

std::vector<double> Normal(double mean, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(mean, 1);
  std::vector<double> data(n);
  for (double& x : data) x = normal(rng);
  return data;
}

KllSketch SketchOf(const std::vector<double>& data, uint64_t seed) {
  KllSketch sketch(KllSketch::kDefaultK, seed);
  for (double x : data) sketch.Update(x);
  return sketch;
}

// The two-sample KS statistic of the raw samples: sup_x |F_a(x) - F_b(x)|.
double ExactKs(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  size_t i = 0, j = 0;
  double ks = 0;
  while (i < a.size() || j < b.size()) {
    double x = j == b.size() || (i < a.size() && a[i] <= b[j]) ? a[i] : b[j];
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    ks = std::max(ks,
                  std::fabs(static_cast<double>(i) / a.size() - static_cast<double>(j) / b.size()));
  }
  return ks;
}

TEST(DriftStatsTest, ShiftedNormalKsMatchesRawSamplesWithinBound) {
  for (uint64_t seed : {1, 2, 3}) {
    std::vector<double> base = Normal(0, 100000, seed);
    std::vector<double> cur = Normal(0.3, 100000, seed + 100);
    auto d = CompareNumeric(SketchOf(base, seed), SketchOf(cur, seed + 1));
    ASSERT_TRUE(d.has_value());
    double exact = ExactKs(base, cur);
    std::printf("seed %llu: ks %.4f exact %.4f bound %.4f psi %.4f\n",
                static_cast<unsigned long long>(seed), d->ks, exact, d->ks_error_bound, d->psi);
    EXPECT_NEAR(d->ks, exact, d->ks_error_bound) << "seed " << seed;
    EXPECT_NEAR(d->ks_error_bound, 2 * 0.0165, 0.001);
    EXPECT_GT(d->ks, 0.1);  // 2 Phi(0.15) - 1 = 0.119: alerts at the default threshold
    EXPECT_GT(d->psi, 0.05);
  }
}

TEST(DriftStatsTest, SameDistributionDoesNotAlert) {
  for (uint64_t seed : {4, 5, 6}) {
    auto d = CompareNumeric(SketchOf(Normal(0, 100000, seed), seed),
                            SketchOf(Normal(0, 100000, seed + 100), seed + 1));
    ASSERT_TRUE(d.has_value());
    std::printf("seed %llu: ks %.4f psi %.5f\n", static_cast<unsigned long long>(seed), d->ks,
                d->psi);
    EXPECT_LT(d->ks, 0.1) << "seed " << seed;   // default ks_threshold
    EXPECT_LT(d->psi, 0.1) << "seed " << seed;  // below psi_threshold 0.2 with room
  }
}

TEST(DriftStatsTest, IdenticalSketchesAreAtDistanceZero) {
  KllSketch sketch = SketchOf(Normal(2, 50000, 7), 7);
  auto d = CompareNumeric(sketch, sketch);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->ks, 0);
  EXPECT_NEAR(d->psi, 0, 1e-12);
}

TEST(DriftStatsTest, ExactSketchesGiveTheExactKs) {
  std::vector<double> a = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<double> b = {4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
  auto d = CompareNumeric(SketchOf(a, 1), SketchOf(b, 2));
  ASSERT_TRUE(d.has_value());
  EXPECT_DOUBLE_EQ(d->ks, ExactKs(a, b));
  EXPECT_DOUBLE_EQ(d->ks, 0.5);  // at x = 8: 8/8 - 5/10
  EXPECT_EQ(d->ks_error_bound, 0);
}

TEST(DriftStatsTest, PsiOfDisjointRangesIsLargeAndFinite) {
  std::vector<double> low(1000), high(1000);
  for (int i = 0; i < 1000; ++i) {
    low[i] = i;
    high[i] = 10000 + i;
  }
  auto d = CompareNumeric(SketchOf(low, 1), SketchOf(high, 2));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->ks, 1);
  EXPECT_TRUE(std::isfinite(d->psi));
  EXPECT_GT(d->psi, 1);
}

TEST(DriftStatsTest, PsiWithTiedQuantilesMergesBins) {
  // 90% of the baseline is one value: its deciles repeat, one bin stands for them all.
  KllSketch base, cur;
  for (int i = 0; i < 900; ++i) base.Update(0);
  for (int i = 0; i < 100; ++i) base.Update(1 + i);
  for (int i = 0; i < 900; ++i) cur.Update(0);
  for (int i = 0; i < 100; ++i) cur.Update(1 + i);
  auto d = CompareNumeric(base, cur);
  ASSERT_TRUE(d.has_value());
  EXPECT_NEAR(d->psi, 0, 1e-12);
  EXPECT_EQ(d->ks, 0);
}

TEST(DriftStatsTest, EmptySideIsUndefined) {
  KllSketch empty, full = SketchOf({1, 2, 3}, 1);
  EXPECT_FALSE(CompareNumeric(empty, full).has_value());
  EXPECT_FALSE(CompareNumeric(full, empty).has_value());
  CategoryCounts none, some;
  some.Update("a");
  EXPECT_FALSE(CompareCategorical(none, some).has_value());
  EXPECT_FALSE(CompareCategorical(some, none).has_value());
}

CategoryCounts Table(std::initializer_list<std::pair<const char*, uint64_t>> entries) {
  CategoryCounts counts;
  for (const auto& [category, count] : entries) counts.Update(category, count);
  return counts;
}

TEST(DriftStatsTest, CategoricalHandComputed) {
  // 2 x 2 table: baseline a 30 b 70, current a 50 b 50. Expected per row: a 40, b 60.
  auto d = CompareCategorical(Table({{"a", 30}, {"b", 70}}), Table({{"a", 50}, {"b", 50}}));
  ASSERT_TRUE(d.has_value());
  EXPECT_NEAR(d->psi, 0.2 * std::log(5.0 / 3) - 0.2 * std::log(5.0 / 7), 1e-12);
  EXPECT_NEAR(d->chi_square, 2 * (100.0 / 40 + 100.0 / 60), 1e-12);
  EXPECT_EQ(d->degrees_of_freedom, 1);
  // chi2 with 1 dof is Z^2: P(X >= x) = erfc(sqrt(x / 2)).
  EXPECT_NEAR(d->p_value, std::erfc(std::sqrt(d->chi_square / 2)), 1e-12);
}

TEST(DriftStatsTest, CategoricalDisjointUsesTheFloor) {
  auto d = CompareCategorical(Table({{"a", 10}}), Table({{"b", 10}}));
  ASSERT_TRUE(d.has_value());
  EXPECT_NEAR(d->psi, 2 * (1 - kPsiFloor) * std::log(1 / kPsiFloor), 1e-9);
  EXPECT_NEAR(d->chi_square, 20, 1e-12);  // every expected count is 5
  EXPECT_EQ(d->degrees_of_freedom, 1);
  EXPECT_LT(d->p_value, 1e-4);
}

TEST(DriftStatsTest, CategoricalSameProportions) {
  auto d = CompareCategorical(Table({{"x", 10}, {"y", 20}, {"z", 30}}),
                              Table({{"x", 100}, {"y", 200}, {"z", 300}}));
  ASSERT_TRUE(d.has_value());
  EXPECT_NEAR(d->psi, 0, 1e-12);
  EXPECT_NEAR(d->chi_square, 0, 1e-9);
  EXPECT_EQ(d->degrees_of_freedom, 2);
  EXPECT_NEAR(d->p_value, 1, 1e-9);

  auto one = CompareCategorical(Table({{"only", 5}}), Table({{"only", 9}}));
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->degrees_of_freedom, 0);
  EXPECT_EQ(one->chi_square, 0);
  EXPECT_EQ(one->p_value, 1);
}

TEST(DriftStatsTest, ChiSquareSurvivalMatchesTables) {
  struct Row {
    double x;
    int dof;
    double p;
  };
  // Critical values of the chi-square distribution (NIST/SEMATECH e-Handbook, 1.3.6.7.4).
  for (Row r : {Row{3.841, 1, 0.05}, Row{6.635, 1, 0.01}, Row{5.991, 2, 0.05},
                Row{18.307, 10, 0.05}, Row{23.209, 10, 0.01}, Row{2.558, 10, 0.99},
                Row{124.342, 100, 0.05}, Row{0.004, 1, 0.95}}) {
    EXPECT_NEAR(ChiSquareSurvival(r.x, r.dof), r.p, r.p * 2e-3) << r.x << " " << r.dof;
  }
}

TEST(DriftStatsTest, ChiSquareSurvivalEvenDofClosedForm) {
  // For even dof, Q = exp(-x/2) * sum_{i < dof/2} (x/2)^i / i!.
  for (int dof : {2, 4, 20, 60}) {
    for (double x : {0.5, 3.0, 10.0, 40.0, 90.0, 200.0}) {
      double term = 1, sum = 1;
      for (int i = 1; i < dof / 2; ++i) sum += term *= (x / 2) / i;
      double expected = std::exp(-x / 2) * sum;
      EXPECT_NEAR(ChiSquareSurvival(x, dof), expected, 1e-12 + expected * 1e-9) << x << " " << dof;
    }
  }
}

TEST(DriftStatsTest, ChiSquareSurvivalEdges) {
  EXPECT_EQ(ChiSquareSurvival(0, 3), 1);
  EXPECT_EQ(ChiSquareSurvival(-1, 3), 1);
  EXPECT_EQ(ChiSquareSurvival(5, 0), 1);
  EXPECT_EQ(ChiSquareSurvival(INFINITY, 3), 0);
  EXPECT_EQ(ChiSquareSurvival(NAN, 3), 1);
  EXPECT_LT(ChiSquareSurvival(1e6, 3), 1e-300);
}

}  // namespace
}  // namespace asof::drift
