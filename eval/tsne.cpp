#include <ember/eval/tsne.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <tuple>

#include <ember/eval/pca.h>
#include <ember/tensor/error.h>
#include <ember/tensor/generator.h>
#include <ember/tensor/parallel.h>

namespace ember::eval {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Rows per parallel chunk when each row costs about `per_row` operations: threads start
// only for chunks of ~64k operations (a small t-SNE runs faster on one thread).
int64_t grain(int64_t per_row) {
  return std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(per_row, 1));
}

// Squared distance of two D-vectors; eight independent partial sums so the compiler can
// vectorise without reordering a single sum.
float squared_distance(const float* a, const float* b, int64_t d) {
  float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= d; j += 8)
    for (int l = 0; l < 8; ++l) {
      float diff = a[j + l] - b[j + l];
      partial[l] += diff * diff;
    }
  float sum = 0;
  for (; j < d; ++j) sum += (a[j] - b[j]) * (a[j] - b[j]);
  for (float p : partial) sum += p;
  return sum;
}

// Row of conditional probabilities p_{j|i} = exp(-beta d_j) / sum, with beta found by
// bisection so that the entropy is log(perplexity). d holds squared distances.
void conditional_row(const std::vector<double>& d, double perplexity, std::vector<double>& p) {
  const double target = std::log(perplexity);
  const double d_min = *std::min_element(d.begin(), d.end());
  double beta = 1, beta_low = -1, beta_high = -1;  // -1: no bound yet
  p.assign(d.size(), 0.0);
  for (int step = 0; step < 200; ++step) {
    double sum = 0, weighted = 0;
    for (size_t j = 0; j < d.size(); ++j) {
      p[j] = std::exp(-beta * (d[j] - d_min));  // shifted: the ratios are unchanged
      sum += p[j];
      weighted += (d[j] - d_min) * p[j];
    }
    double entropy = std::log(sum) + beta * weighted / sum;
    for (double& value : p) value /= sum;
    if (std::abs(entropy - target) < 1e-5) break;
    if (entropy > target) {  // too flat: narrow the Gaussian
      beta_low = beta;
      beta = beta_high < 0 ? beta * 2 : (beta + beta_high) / 2;
    } else {
      beta_high = beta;
      beta = beta_low < 0 ? beta / 2 : (beta + beta_low) / 2;
    }
  }
}

// Barnes-Hut quadtree over y [N, 2]. A leaf holds one point, or several when they
// coincide (or the depth limit is reached), chained through next_point.
struct Quadtree {
  struct Node {
    double cx, cy, half;  // the square cell
    double sum_x, sum_y;  // sum of the points inside (centre of mass = sum / count)
    int64_t count;
    int64_t first_child;  // four consecutive nodes, -1 for a leaf
    int64_t first_point;  // leaf: head of its chain of points, -1 if empty
  };
  std::vector<Node> nodes;
  std::vector<int64_t> next_point;

  static constexpr int kMaxDepth = 48;

  Quadtree(const std::vector<double>& y, int64_t n) : next_point(n, -1) {
    double min_x = y[0], max_x = y[0], min_y = y[1], max_y = y[1];
    for (int64_t i = 1; i < n; ++i) {
      min_x = std::min(min_x, y[2 * i]), max_x = std::max(max_x, y[2 * i]);
      min_y = std::min(min_y, y[2 * i + 1]), max_y = std::max(max_y, y[2 * i + 1]);
    }
    double half = std::max(max_x - min_x, max_y - min_y) / 2 * (1 + 1e-6) + 1e-9;
    nodes.reserve(4 * n + 1);
    nodes.push_back({(min_x + max_x) / 2, (min_y + max_y) / 2, half, 0, 0, 0, -1, -1});
    for (int64_t i = 0; i < n; ++i) insert(i, y[2 * i], y[2 * i + 1], y);
  }

  int64_t child_of(int64_t node, double x, double y) const {
    const Node& nd = nodes[node];
    return nd.first_child + (x >= nd.cx ? 1 : 0) + (y >= nd.cy ? 2 : 0);
  }

  void add_to_leaf(int64_t node, int64_t point, double x, double y) {
    Node& nd = nodes[node];
    nd.count += 1, nd.sum_x += x, nd.sum_y += y;
    next_point[point] = nd.first_point;
    nd.first_point = point;
  }

  void insert(int64_t point, double x, double y, const std::vector<double>& ys) {
    int64_t node = 0;
    for (int depth = 0;; ++depth) {
      Node& nd = nodes[node];
      if (nd.first_child < 0) {
        int64_t resident = nd.first_point;
        if (resident < 0 || depth >= kMaxDepth ||
            (ys[2 * resident] == x && ys[2 * resident + 1] == y)) {
          add_to_leaf(node, point, x, y);
          return;
        }
        // Split: the resident chain (points at one place) moves down into a child.
        const double h = nd.half / 2, cx = nd.cx, cy = nd.cy;
        nodes[node].first_child = int64_t(nodes.size());
        nodes[node].first_point = -1;
        for (int q = 0; q < 4; ++q)
          nodes.push_back({cx + (q & 1 ? h : -h), cy + (q & 2 ? h : -h), h, 0, 0, 0, -1, -1});
        int64_t child = child_of(node, ys[2 * resident], ys[2 * resident + 1]);
        for (int64_t r = resident; r >= 0;) {
          int64_t following = next_point[r];
          add_to_leaf(child, r, ys[2 * r], ys[2 * r + 1]);
          r = following;
        }
      }
      nodes[node].count += 1, nodes[node].sum_x += x, nodes[node].sum_y += y;
      node = child_of(node, x, y);
    }
  }

  // Repulsion on point i: sum_q += sum_j q_ij Z and force += sum_j (q_ij Z)^2 (y_i - y_j),
  // summarising a cell by its centre of mass when its width / distance < theta.
  void repulsion(int64_t i, const std::vector<double>& y, double theta, double& sum_q,
                 double force[2], std::vector<int64_t>& stack) const {
    const double xi = y[2 * i], yi = y[2 * i + 1];
    stack.assign(1, 0);
    while (!stack.empty()) {
      const Node& nd = nodes[stack.back()];
      stack.pop_back();
      if (nd.count == 0) continue;
      if (nd.first_child < 0) {
        for (int64_t j = nd.first_point; j >= 0; j = next_point[j]) {
          if (j == i) continue;
          double dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
          double q = 1 / (1 + dx * dx + dy * dy);
          sum_q += q, force[0] += q * q * dx, force[1] += q * q * dy;
        }
        continue;
      }
      double dx = xi - nd.sum_x / nd.count, dy = yi - nd.sum_y / nd.count;
      double d2 = dx * dx + dy * dy;
      if (2 * nd.half < theta * std::sqrt(d2)) {
        double q = 1 / (1 + d2), m = double(nd.count);
        sum_q += m * q, force[0] += m * q * q * dx, force[1] += m * q * q * dy;
      } else {
        for (int c = 0; c < 4; ++c) stack.push_back(nd.first_child + c);
      }
    }
  }
};

// Attraction sum_j p_ij q_ij Z (y_i - y_j) per point into attract [N, 2]; returns
// sum p log p - sum p log(q Z) pieces needed for the KL: {sum p log p, sum p log(qZ)}.
std::pair<double, double> attraction(const SparseP& p, const std::vector<double>& y,
                                     double exaggeration, std::vector<double>& attract,
                                     bool with_kl) {
  const int64_t n = int64_t(p.row_start.size()) - 1;
  attract.assign(2 * n, 0.0);
  std::vector<double> entropy_part(n, 0.0), cross_part(n, 0.0);
  parallel_for(n, grain(p.values.size() / std::max<int64_t>(n, 1)),
               [&](int64_t begin, int64_t end) {
                 for (int64_t i = begin; i < end; ++i)
                   for (int64_t e = p.row_start[i]; e < p.row_start[i + 1]; ++e) {
                     int64_t j = p.columns[e];
                     double pij = exaggeration * p.values[e];
                     double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
                     double q = 1 / (1 + dx * dx + dy * dy);
                     attract[2 * i] += pij * q * dx, attract[2 * i + 1] += pij * q * dy;
                     if (with_kl) {
                       entropy_part[i] += pij * std::log(std::max(pij, 1e-300));
                       cross_part[i] += pij * std::log(q);
                     }
                   }
               });
  double entropy = 0, cross = 0;
  for (int64_t i = 0; i < n; ++i) entropy += entropy_part[i], cross += cross_part[i];
  return {entropy, cross};
}

// grad = 4 (attract - repulse / Z); KL = sum p log p - sum p log(qZ) + (sum p) log Z.
double combine(const SparseP& p, const std::vector<double>& attract,
               const std::vector<double>& repulse, const std::vector<double>& sum_q,
               std::pair<double, double> kl_parts, double exaggeration, std::vector<double>& grad,
               bool with_kl) {
  const int64_t n = int64_t(sum_q.size());
  double z = 0;
  for (int64_t i = 0; i < n; ++i) z += sum_q[i];
  grad.assign(2 * n, 0.0);
  for (int64_t k = 0; k < 2 * n; ++k) grad[k] = 4 * (attract[k] - repulse[k] / z);
  if (!with_kl) return 0;
  double total_p = 0;
  for (double v : p.values) total_p += exaggeration * v;
  return kl_parts.first - kl_parts.second + total_p * std::log(z);
}

}  // namespace

SparseP tsne_affinities(const float* x, int64_t n, int64_t d, double perplexity, int64_t k) {
  EMBER_CHECK(n >= 2, "tsne: need at least 2 points, got ", n);
  EMBER_CHECK(k >= 1 && k < n, "tsne: ", k, " neighbours asked of ", n, " points");
  // Conditional p_{j|i} over the k nearest neighbours (ties broken by index).
  std::vector<int64_t> neighbours(n * k);
  std::vector<double> conditional(n * k);
  parallel_for(n, grain(n * d), [&](int64_t begin, int64_t end) {
    std::vector<std::pair<float, int64_t>> candidates;
    std::vector<double> distances(k), row;
    for (int64_t i = begin; i < end; ++i) {
      candidates.clear();
      for (int64_t j = 0; j < n; ++j)
        if (j != i) candidates.push_back({squared_distance(x + i * d, x + j * d, d), j});
      if (k < n - 1) std::nth_element(candidates.begin(), candidates.begin() + k, candidates.end());
      std::sort(candidates.begin(), candidates.begin() + k);
      for (int64_t m = 0; m < k; ++m) {
        neighbours[i * k + m] = candidates[m].second;
        distances[m] = candidates[m].first;
      }
      conditional_row(distances, perplexity, row);
      std::copy(row.begin(), row.end(), conditional.begin() + i * k);
    }
  });
  // Symmetrise: P_ij = (p_{j|i} + p_{i|j}) / (2N), merging the two directions.
  std::vector<std::tuple<int64_t, int64_t, double>> entries;
  entries.reserve(2 * n * k);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t m = 0; m < k; ++m) {
      int64_t j = neighbours[i * k + m];
      entries.emplace_back(i, j, conditional[i * k + m]);
      entries.emplace_back(j, i, conditional[i * k + m]);
    }
  std::sort(entries.begin(), entries.end());
  SparseP p;
  p.row_start.assign(n + 1, 0);
  double total = 0;
  for (size_t e = 0; e < entries.size(); ++e) {
    auto [i, j, value] = entries[e];
    if (!p.columns.empty() && e > 0 && std::get<0>(entries[e - 1]) == i &&
        std::get<1>(entries[e - 1]) == j) {
      p.values.back() += value;
    } else {
      p.columns.push_back(j);
      p.values.push_back(value);
      p.row_start[i + 1] += 1;
    }
    total += value;
  }
  for (int64_t i = 0; i < n; ++i) p.row_start[i + 1] += p.row_start[i];
  for (double& value : p.values) value = std::max(value / total, 1e-12);
  return p;
}

double tsne_gradient_exact(const SparseP& p, const std::vector<double>& y, double exaggeration,
                           std::vector<double>& grad, bool with_kl) {
  const int64_t n = int64_t(p.row_start.size()) - 1;
  std::vector<double> attract, repulse(2 * n, 0.0), sum_q(n, 0.0);
  auto kl_parts = attraction(p, y, exaggeration, attract, with_kl);
  parallel_for(n, grain(n), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      for (int64_t j = 0; j < n; ++j) {
        if (j == i) continue;
        double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
        double q = 1 / (1 + dx * dx + dy * dy);
        sum_q[i] += q, repulse[2 * i] += q * q * dx, repulse[2 * i + 1] += q * q * dy;
      }
  });
  return combine(p, attract, repulse, sum_q, kl_parts, exaggeration, grad, with_kl);
}

double tsne_gradient_barnes_hut(const SparseP& p, const std::vector<double>& y, double exaggeration,
                                double theta, std::vector<double>& grad, bool with_kl) {
  const int64_t n = int64_t(p.row_start.size()) - 1;
  std::vector<double> attract, repulse(2 * n, 0.0), sum_q(n, 0.0);
  auto kl_parts = attraction(p, y, exaggeration, attract, with_kl);
  Quadtree tree(y, n);
  parallel_for(n, grain(1024), [&](int64_t begin, int64_t end) {
    std::vector<int64_t> stack;
    for (int64_t i = begin; i < end; ++i)
      tree.repulsion(i, y, theta, sum_q[i], &repulse[2 * i], stack);
  });
  return combine(p, attract, repulse, sum_q, kl_parts, exaggeration, grad, with_kl);
}

TsneResult tsne(const float* x, int64_t n, int64_t d, const TsneOptions& o) {
  EMBER_CHECK(n >= 2 && d >= 1, "tsne: need at least 2 points of dimension >= 1, got [", n, ", ", d,
              "]");
  EMBER_CHECK(o.perplexity > 0, "tsne: perplexity must be positive, got ", o.perplexity);
  EMBER_CHECK(o.theta >= 0 && o.theta < 0.7, "tsne: theta must be in [0, 0.7), got ", o.theta);
  for (int64_t i = 0; i < n * d; ++i)
    EMBER_CHECK(std::isfinite(x[i]), "tsne: point ", i / d, " has ", x[i], " in dimension ", i % d,
                "; t-SNE needs finite values");
  TsneResult result;
  result.perplexity = std::min(o.perplexity, std::max(1.0, double(n - 1) / 3));
  result.barnes_hut =
      o.method == TsneMethod::kBarnesHut || (o.method == TsneMethod::kAuto && n >= kTsneExactLimit);
  const int64_t k =
      result.barnes_hut ? std::min<int64_t>(n - 1, int64_t(3 * result.perplexity)) : n - 1;
  SparseP p = tsne_affinities(x, n, d, result.perplexity, std::max<int64_t>(k, 1));

  // Initial layout with standard deviation 1e-4 (as sklearn): PCA or seeded normal.
  std::vector<double> y(2 * n);
  if (o.init == TsneInit::kPca && d >= 2) {
    PcaResult r = pca(x, n, d, 2);
    double mean = 0, var = 0;
    for (int64_t i = 0; i < n; ++i) mean += r.projection[2 * i];
    mean /= double(n);
    for (int64_t i = 0; i < n; ++i) var += std::pow(r.projection[2 * i] - mean, 2);
    double scale = var > 0 ? 1e-4 / std::sqrt(var / double(n)) : 1.0;
    for (int64_t m = 0; m < 2 * n; ++m) y[m] = r.projection[m] * scale;
  } else {
    Generator gen(o.seed);
    for (int64_t m = 0; m < 2 * n; m += 2) {  // Box-Muller
      double u1 = 1 - gen.next_double(), u2 = gen.next_double();
      double radius = 1e-4 * std::sqrt(-2 * std::log(u1)), angle = 2 * kPi * u2;
      y[m] = radius * std::cos(angle), y[m + 1] = radius * std::sin(angle);
    }
  }

  const double learning_rate =
      o.learning_rate > 0 ? o.learning_rate : std::max(double(n) / o.early_exaggeration / 4, 50.0);
  std::vector<double> grad, update(2 * n, 0.0), gains(2 * n, 1.0);
  for (int64_t iter = 0; iter < o.iterations; ++iter) {
    const bool early = iter < o.exaggeration_iterations;
    const double exaggeration = early ? o.early_exaggeration : 1.0;
    const double momentum = early ? 0.5 : 0.8;
    const bool report = o.verbose && iter % 50 == 49;
    const bool with_kl = report || iter + 1 == o.iterations;
    double kl = result.barnes_hut
                    ? tsne_gradient_barnes_hut(p, y, exaggeration, o.theta, grad, with_kl)
                    : tsne_gradient_exact(p, y, exaggeration, grad, with_kl);
    if (with_kl) result.kl_divergence = kl;
    // Gains (Jacobs 1988, as in van der Maaten's code and sklearn): grow while the
    // gradient keeps pointing the way the last step went, shrink once it turns.
    for (int64_t m = 0; m < 2 * n; ++m) {
      bool keeps_going = update[m] * grad[m] < 0;
      gains[m] = keeps_going ? gains[m] + 0.2 : std::max(gains[m] * 0.8, 0.01);
      update[m] = momentum * update[m] - learning_rate * gains[m] * grad[m];
      y[m] += update[m];
    }
    double mean_x = 0, mean_y = 0;
    for (int64_t i = 0; i < n; ++i) mean_x += y[2 * i], mean_y += y[2 * i + 1];
    mean_x /= double(n), mean_y /= double(n);
    for (int64_t i = 0; i < n; ++i) y[2 * i] -= mean_x, y[2 * i + 1] -= mean_y;
    if (report)
      std::fprintf(stderr, "t-SNE iteration %lld: KL divergence %.4f\n", (long long)(iter + 1),
                   result.kl_divergence);
  }
  result.embedding.assign(y.begin(), y.end());
  return result;
}

}  // namespace ember::eval
