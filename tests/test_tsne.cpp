// t-SNE: well-separated clusters stay separated (exact and Barnes-Hut), the same input and
// seed give the same output on any thread count, and the Barnes-Hut gradient matches the
// exact one (to rounding at theta = 0, closely at theta = 0.5).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <ember/eval/tsne.h>
#include <ember/tensor/parallel.h>

#include "testing.h"

namespace {

using namespace ember::eval;

// `clusters` Gaussian blobs (std 1) of `per_cluster` points in d dimensions, centres 15
// apart along distinct axes; label[i] = cluster of point i.
std::vector<float> blobs(int clusters, int per_cluster, int d, std::vector<int>& label) {
  ember::Generator gen(7);
  std::vector<float> x;
  label.clear();
  for (int c = 0; c < clusters; ++c)
    for (int p = 0; p < per_cluster; ++p) {
      for (int j = 0; j < d; ++j) {
        double u1 = 1 - gen.next_double(), u2 = gen.next_double();
        double z = std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
        x.push_back(float(z + (j == c ? 15.0 : 0.0)));
      }
      label.push_back(c);
    }
  return x;
}

// Fraction of points whose `k` nearest neighbours in the embedding share their cluster.
double neighbour_purity(const std::vector<float>& y, const std::vector<int>& label, int k) {
  const size_t n = label.size();
  size_t pure = 0;
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::pair<double, size_t>> d;
    for (size_t j = 0; j < n; ++j)
      if (j != i) d.push_back({std::hypot(y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1]), j});
    std::partial_sort(d.begin(), d.begin() + k, d.end());
    bool all = true;
    for (int m = 0; m < k; ++m) all = all && label[d[m].second] == label[i];
    pure += all;
  }
  return double(pure) / double(n);
}

TEST(Tsne, ExactKeepsClustersSeparated) {
  std::vector<int> label;
  std::vector<float> x = blobs(4, 25, 10, label);
  for (TsneInit init : {TsneInit::kPca, TsneInit::kRandom}) {
    TsneOptions o;
    o.init = init;
    o.seed = 3;
    TsneResult r = tsne(x.data(), 100, 10, o);
    EXPECT_FALSE(r.barnes_hut);
    EXPECT_EQ(neighbour_purity(r.embedding, label, 3), 1.0);
    EXPECT_LT(r.kl_divergence, 1.5);
    EXPECT_GT(r.kl_divergence, 0.0);
  }
}

TEST(Tsne, BarnesHutKeepsClustersSeparated) {
  std::vector<int> label;
  std::vector<float> x = blobs(3, 200, 20, label);
  TsneOptions o;
  o.iterations = 500;
  TsneResult r = tsne(x.data(), 600, 20, o);
  EXPECT_TRUE(r.barnes_hut);
  EXPECT_EQ(neighbour_purity(r.embedding, label, 3), 1.0);
}

TEST(Tsne, SameSeedSameOutputOnAnyThreadCount) {
  std::vector<int> label;
  std::vector<float> x = blobs(3, 40, 8, label);
  for (TsneMethod method : {TsneMethod::kExact, TsneMethod::kBarnesHut}) {
    TsneOptions o;
    o.method = method;
    o.init = TsneInit::kRandom;
    o.seed = 11;
    o.iterations = 300;
    int threads = ember::get_num_threads();
    ember::set_num_threads(1);
    TsneResult one = tsne(x.data(), 120, 8, o);
    ember::set_num_threads(2);
    TsneResult two = tsne(x.data(), 120, 8, o);
    TsneResult again = tsne(x.data(), 120, 8, o);
    ember::set_num_threads(threads);
    EXPECT_EQ(one.embedding, two.embedding);
    EXPECT_EQ(two.embedding, again.embedding);
    o.seed = 12;
    EXPECT_NE(tsne(x.data(), 120, 8, o).embedding, one.embedding);
  }
}

TEST(Tsne, BarnesHutGradientMatchesExact) {
  std::vector<int> label;
  std::vector<float> x = blobs(3, 20, 6, label);
  const int64_t n = 60;
  SparseP p = tsne_affinities(x.data(), n, 6, 10, n - 1);
  std::vector<double> y(2 * n);
  ember::Generator gen(5);
  for (double& v : y) v = 10 * (gen.next_double() - 0.5);
  std::vector<double> exact, approx, rough;
  double kl_exact = tsne_gradient_exact(p, y, 1.0, exact);
  double kl_bh = tsne_gradient_barnes_hut(p, y, 1.0, 0.0, approx);
  tsne_gradient_barnes_hut(p, y, 1.0, 0.5, rough);
  EXPECT_NEAR(kl_bh, kl_exact, 1e-9 * std::abs(kl_exact));
  double norm = 0, error = 0, rough_error = 0;
  for (size_t m = 0; m < exact.size(); ++m) {
    norm += exact[m] * exact[m];
    error = std::max(error, std::abs(approx[m] - exact[m]));
    rough_error += (rough[m] - exact[m]) * (rough[m] - exact[m]);
  }
  EXPECT_LT(error, 1e-12 * std::sqrt(norm) + 1e-15);
  EXPECT_LT(std::sqrt(rough_error / norm), 0.05);
}

TEST(Tsne, AffinitiesAreSymmetricAndSumToOne) {
  std::vector<int> label;
  std::vector<float> x = blobs(2, 15, 4, label);
  SparseP p = tsne_affinities(x.data(), 30, 4, 5, 15);
  double total = 0;
  for (int64_t i = 0; i < 30; ++i)
    for (int64_t e = p.row_start[i]; e < p.row_start[i + 1]; ++e) {
      int64_t j = p.columns[e];
      total += p.values[e];
      double back = -1;
      for (int64_t f = p.row_start[j]; f < p.row_start[j + 1]; ++f)
        if (p.columns[f] == i) back = p.values[f];
      EXPECT_DOUBLE_EQ(back, p.values[e]);
    }
  EXPECT_NEAR(total, 1.0, 1e-9);
}

TEST(Tsne, SmallInputsAndErrors) {
  std::vector<float> x = {0, 0, 1, 0, 0, 1};
  TsneResult r = tsne(x.data(), 3, 2);
  EXPECT_EQ(r.embedding.size(), 6u);
  EXPECT_EQ(r.perplexity, 1.0);
  for (float v : r.embedding) EXPECT_TRUE(std::isfinite(v));
  EXPECT_EMBER_ERROR(tsne(x.data(), 1, 6), "at least 2 points");
  TsneOptions o;
  o.theta = 0.9;
  EXPECT_EMBER_ERROR(tsne(x.data(), 3, 2, o), "theta");
}

}  // namespace
