#include "engine/drift/drift_stats.h"

#include <math.h>  // lgamma_r: std::lgamma writes the global signgam, a data race

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <vector>

namespace asof::drift {
namespace {

double LogGamma(double a) {
  int sign;
  return lgamma_r(a, &sign);
}

// Regularized lower incomplete gamma P(a, x) by its series; converges fast for x < a + 1
// (Numerical Recipes 6.2, gser).
double GammaPSeries(double a, double x) {
  double term = 1.0 / a;
  double sum = term;
  for (int i = 1; i < 10000; ++i) {
    term *= x / (a + i);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * 1e-15) break;
  }
  return sum * std::exp(-x + a * std::log(x) - LogGamma(a));
}

// Regularized upper incomplete gamma Q(a, x) by its continued fraction, modified Lentz;
// converges fast for x >= a + 1 (Numerical Recipes 6.2, gcf).
double GammaQContinuedFraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1 - a;
  double c = 1 / kTiny;
  double d = 1 / b;
  double h = d;
  for (int i = 1; i < 10000; ++i) {
    double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-15) break;
  }
  return std::exp(-x + a * std::log(x) - LogGamma(a)) * h;
}

// Cumulative weight of the view's values <= x; `pos` and `cum` carry a sweep over
// increasing x.
struct CdfCursor {
  const std::vector<KllSketch::WeightedValue>& view;
  size_t pos = 0;
  uint64_t cum = 0;
  uint64_t AtMost(double x) {
    while (pos < view.size() && view[pos].value <= x) cum += view[pos++].weight;
    return cum;
  }
};

double PsiTerm(double base_share, double cur_share) {
  double b = std::max(base_share, kPsiFloor);
  double c = std::max(cur_share, kPsiFloor);
  return (c - b) * std::log(c / b);
}

}  // namespace

double ChiSquareSurvival(double x, int dof) {
  if (dof <= 0 || !(x > 0)) return 1;
  if (std::isinf(x)) return 0;
  double a = dof / 2.0;
  double half = x / 2;
  double q = half < a + 1 ? 1 - GammaPSeries(a, half) : GammaQContinuedFraction(a, half);
  return std::clamp(q, 0.0, 1.0);
}

std::optional<NumericDistance> CompareNumeric(const KllSketch& baseline, const KllSketch& current,
                                              int psi_bins) {
  if (baseline.empty() || current.empty()) return std::nullopt;
  NumericDistance out;
  const auto nb = static_cast<double>(baseline.n());
  const auto nc = static_cast<double>(current.n());
  std::vector<KllSketch::WeightedValue> bview = baseline.SortedView();
  std::vector<KllSketch::WeightedValue> cview = current.SortedView();

  // Both estimated CDFs are step functions that change only at retained values, so the
  // supremum of their difference is attained at one of them.
  CdfCursor b{bview}, c{cview};
  size_t i = 0, j = 0;
  while (i < bview.size() || j < cview.size()) {
    double x = j == cview.size() || (i < bview.size() && bview[i].value <= cview[j].value)
                   ? bview[i].value
                   : cview[j].value;
    double diff =
        std::fabs(static_cast<double>(b.AtMost(x)) / nb - static_cast<double>(c.AtMost(x)) / nc);
    out.ks = std::max(out.ks, diff);
    i = b.pos;
    j = c.pos;
  }
  out.ks_error_bound = baseline.NormalizedRankError() + current.NormalizedRankError();

  // PSI bins (-inf, e1], (e1, e2], ..., (e_last, +inf) at the baseline's quantiles; a
  // quantile repeated by a heavy value gives one bin, not several empty ones.
  std::vector<double> edges;
  for (int k = 1; k < std::max(psi_bins, 1); ++k) {
    double e = baseline.Quantile(static_cast<double>(k) / psi_bins);
    if (edges.empty() || e > edges.back()) edges.push_back(e);
  }
  double prev_b = 0, prev_c = 0;
  for (double e : edges) {
    double rb = baseline.Rank(e), rc = current.Rank(e);
    out.psi += PsiTerm(rb - prev_b, rc - prev_c);
    prev_b = rb;
    prev_c = rc;
  }
  out.psi += PsiTerm(1 - prev_b, 1 - prev_c);
  return out;
}

std::optional<CategoricalDistance> CompareCategorical(const CategoryCounts& baseline,
                                                      const CategoryCounts& current) {
  if (baseline.empty() || current.empty()) return std::nullopt;
  CategoricalDistance out;
  const auto nb = static_cast<double>(baseline.total());
  const auto nc = static_cast<double>(current.total());
  const double n = nb + nc;
  int categories = 0;
  // Merge-walk the two sorted tables: each category of the union once.
  auto bi = baseline.counts().begin(), be = baseline.counts().end();
  auto ci = current.counts().begin(), ce = current.counts().end();
  while (bi != be || ci != ce) {
    uint64_t ob = 0, oc = 0;
    if (ci == ce || (bi != be && bi->first < ci->first)) {
      ob = (bi++)->second;
    } else if (bi == be || ci->first < bi->first) {
      oc = (ci++)->second;
    } else {
      ob = (bi++)->second;
      oc = (ci++)->second;
    }
    const auto fb = static_cast<double>(ob), fc = static_cast<double>(oc);
    out.psi += PsiTerm(fb / nb, fc / nc);
    // Expected counts under homogeneity: row total x column total / grand total.
    double column = fb + fc;
    double eb = nb * column / n, ec = nc * column / n;
    out.chi_square += (fb - eb) * (fb - eb) / eb + (fc - ec) * (fc - ec) / ec;
    ++categories;
  }
  out.degrees_of_freedom = categories - 1;
  out.p_value = ChiSquareSurvival(out.chi_square, out.degrees_of_freedom);
  return out;
}

}  // namespace asof::drift
