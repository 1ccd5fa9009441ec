// PCA against a decomposition known by construction: scores along orthonormal axes whose
// sample covariance is exactly diagonal, so the components, variances and projections are
// known in closed form.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <ember/eval/pca.h>

#include "testing.h"

namespace {

using ember::eval::pca;
using ember::eval::PcaResult;

// Orthonormal rows [K, D] by Gram-Schmidt of fixed, generic vectors.
std::vector<double> orthonormal_axes(int k, int d) {
  std::vector<double> axes(k * d);
  for (int a = 0; a < k; ++a) {
    for (int j = 0; j < d; ++j)
      axes[a * d + j] = std::sin(1.3 * (a + 1) * (j + 1) + 0.7 * a) + 0.1 * j;
    for (int b = 0; b < a; ++b) {
      double dot = 0;
      for (int j = 0; j < d; ++j) dot += axes[a * d + j] * axes[b * d + j];
      for (int j = 0; j < d; ++j) axes[a * d + j] -= dot * axes[b * d + j];
    }
    double norm = 0;
    for (int j = 0; j < d; ++j) norm += axes[a * d + j] * axes[a * d + j];
    for (int j = 0; j < d; ++j) axes[a * d + j] /= std::sqrt(norm);
  }
  return axes;
}

// The columns 1..3 of the 8 x 8 Sylvester-Hadamard matrix: +-1, zero mean, orthogonal.
double hadamard(int row, int column) { return __builtin_popcount(row & column) % 2 ? -1.0 : 1.0; }

TEST(Pca, RecoversKnownAxesVariancesAndProjections) {
  const int n = 8, d = 6, k = 3;
  const double sigma[k] = {3, 2, 1};
  const int columns[k] = {1, 2, 4};
  std::vector<double> axes = orthonormal_axes(k, d);
  std::vector<float> x(n * d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) {
      double v = 5.0 - j;  // the mean, removed by PCA
      for (int a = 0; a < k; ++a) v += sigma[a] * hadamard(i, columns[a]) * axes[a * d + j];
      x[i * d + j] = float(v);
    }
  PcaResult r = pca(x.data(), n, d, k);
  ASSERT_EQ(r.projection.size(), size_t(n * k));
  for (int a = 0; a < k; ++a) {
    // Sign convention: the entry of largest magnitude is positive.
    int largest = 0;
    for (int j = 1; j < d; ++j)
      if (std::abs(r.components[a * d + j]) > std::abs(r.components[a * d + largest])) largest = j;
    EXPECT_GT(r.components[a * d + largest], 0);
    double sign = axes[a * d + largest] > 0 ? 1 : -1;
    for (int j = 0; j < d; ++j)
      EXPECT_NEAR(r.components[a * d + j], sign * axes[a * d + j], 1e-5) << "component " << a;
    EXPECT_NEAR(r.explained_variance[a], sigma[a] * sigma[a] * n / (n - 1), 1e-4);
    EXPECT_NEAR(r.explained_variance_ratio[a], sigma[a] * sigma[a] / 14.0, 1e-6);
    for (int i = 0; i < n; ++i)
      EXPECT_NEAR(r.projection[i * k + a], sign * sigma[a] * hadamard(i, columns[a]), 1e-4);
  }
  for (int j = 0; j < d; ++j) EXPECT_NEAR(r.mean[j], 5.0 - j, 1e-5);
}

TEST(Pca, FewerPointsThanDimensionsReconstructs) {
  // N < D takes the Gram-matrix path; with k = N - 1 the centred data is reconstructed.
  const int n = 4, d = 10, k = 3;
  std::vector<float> x(n * d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) x[i * d + j] = float(std::cos(0.9 * i * j + i) + 0.3 * i);
  PcaResult r = pca(x.data(), n, d, k);
  for (int a = 0; a < k; ++a)
    for (int b = 0; b <= a; ++b) {
      double dot = 0;
      for (int j = 0; j < d; ++j) dot += r.components[a * d + j] * r.components[b * d + j];
      EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-9);
    }
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) {
      double v = r.mean[j];
      for (int a = 0; a < k; ++a) v += r.projection[i * k + a] * r.components[a * d + j];
      EXPECT_NEAR(v, x[i * d + j], 1e-5);
    }
  double ratio = 0;
  for (double v : r.explained_variance_ratio) ratio += v;
  EXPECT_NEAR(ratio, 1.0, 1e-9);
  EXPECT_GE(r.explained_variance[0], r.explained_variance[1]);
  EXPECT_GE(r.explained_variance[1], r.explained_variance[2]);
}

TEST(Pca, SymmetricEigenOfSmallMatrix) {
  std::vector<double> m = {2, 1, 0, 1, 2, 0, 0, 0, 5}, values, vectors;
  ember::eval::symmetric_eigen(m, 3, values, vectors);
  EXPECT_NEAR(values[0], 5, 1e-12);
  EXPECT_NEAR(values[1], 3, 1e-12);
  EXPECT_NEAR(values[2], 1, 1e-12);
  EXPECT_NEAR(std::abs(vectors[1 * 3 + 0]), std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(std::abs(vectors[1 * 3 + 1]), std::sqrt(0.5), 1e-12);
}

TEST(Pca, RejectsBadShapes) {
  std::vector<float> x(6, 1.0f);
  EXPECT_EMBER_ERROR(pca(x.data(), 3, 2, 3), "k = 3");
  EXPECT_EMBER_ERROR(pca(x.data(), 1, 6, 1), "at least 2 points");
}

TEST(Pca, ConstantDataGivesZeroProjection) {
  std::vector<float> x(12, 2.5f);
  PcaResult r = pca(x.data(), 4, 3, 2);
  for (float v : r.projection) EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(r.explained_variance_ratio[0], 0.0);
}

}  // namespace
