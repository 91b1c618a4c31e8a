// Distances between a baseline distribution and a current one (docs/monitoring.md).
//
// Numeric features (two KllSketch):
//   - KS: the two-sample Kolmogorov-Smirnov statistic sup_x |F_base(x) - F_cur(x)|,
//     evaluated at every retained value of both sketches (where the step functions
//     change). Its error against the KS of the raw samples is at most the sum of the two
//     sketches' NormalizedRankError() (with >= 98% probability); `ks_error_bound` says so.
//   - PSI: population stability index over `bins` bins whose edges are the baseline's
//     quantiles (equal-mass bins, ties merged); an empty bin's share is floored at
//     kPsiFloor so that the index stays finite. Conventional reading: < 0.1 no shift,
//     0.1-0.25 moderate, > 0.25 large.
// Categorical features (two CategoryCounts):
//   - PSI over the union of categories (same floor);
//   - Pearson's chi-square statistic of homogeneity (2 x m contingency table over the
//     categories with a non-zero total), its degrees of freedom m - 1 and p-value.
// Either side empty: the statistics are not defined; the functions return nullopt.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/drift/category_counts.h"
#include "engine/drift/kll_sketch.h"

namespace asof::drift {

inline constexpr double kPsiFloor = 1e-4;
inline constexpr int kDefaultPsiBins = 10;

struct NumericDistance {
  double ks = 0;
  double ks_error_bound = 0;
  double psi = 0;
};
std::optional<NumericDistance> CompareNumeric(const KllSketch& baseline, const KllSketch& current,
                                              int psi_bins = kDefaultPsiBins);

struct CategoricalDistance {
  double psi = 0;
  double chi_square = 0;
  int degrees_of_freedom = 0;
  double p_value = 1;  // P(chi2_dof >= chi_square) under "same distribution"
};
std::optional<CategoricalDistance> CompareCategorical(const CategoryCounts& baseline,
                                                      const CategoryCounts& current);

// Upper tail of the chi-square distribution, P(X >= x) for X ~ chi2(dof); exposed for tests.
double ChiSquareSurvival(double x, int dof);

}  // namespace asof::drift
