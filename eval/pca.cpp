#include <ember/eval/pca.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include <ember/tensor/error.h>
#include <ember/tensor/parallel.h>

namespace ember::eval {

void symmetric_eigen(std::vector<double>& a, int64_t m, std::vector<double>& values,
                     std::vector<double>& vectors) {
  EMBER_CHECK(int64_t(a.size()) == m * m, "symmetric_eigen: matrix has ", a.size(),
              " entries, expected ", m, " x ", m);
  // v accumulates the rotations; its columns become the eigenvectors.
  std::vector<double> v(m * m, 0.0);
  for (int64_t i = 0; i < m; ++i) v[i * m + i] = 1.0;
  double total = 0;
  for (double x : a) total += x * x;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (int64_t p = 0; p < m; ++p)
      for (int64_t q = p + 1; q < m; ++q) off += a[p * m + q] * a[p * m + q];
    if (off <= 1e-30 * total || off == 0) break;
    for (int64_t p = 0; p < m; ++p) {
      for (int64_t q = p + 1; q < m; ++q) {
        double apq = a[p * m + q];
        if (apq == 0) continue;
        // The rotation J (J_pp = J_qq = c, J_pq = s, J_qp = -s) with (J^T A J)_pq = 0.
        double theta = (a[q * m + q] - a[p * m + p]) / (2 * apq);
        double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int64_t k = 0; k < m; ++k) {  // A <- A J (columns p, q)
          double akp = a[k * m + p], akq = a[k * m + q];
          a[k * m + p] = c * akp - s * akq;
          a[k * m + q] = s * akp + c * akq;
        }
        for (int64_t k = 0; k < m; ++k) {  // A <- J^T A (rows p, q)
          double apk = a[p * m + k], aqk = a[q * m + k];
          a[p * m + k] = c * apk - s * aqk;
          a[q * m + k] = s * apk + c * aqk;
        }
        a[p * m + q] = a[q * m + p] = 0;
        for (int64_t k = 0; k < m; ++k) {  // V <- V J
          double vkp = v[k * m + p], vkq = v[k * m + q];
          v[k * m + p] = c * vkp - s * vkq;
          v[k * m + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  std::vector<int64_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t i, int64_t j) { return a[i * m + i] > a[j * m + j]; });
  values.assign(m, 0);
  vectors.assign(m * m, 0);
  for (int64_t r = 0; r < m; ++r) {
    values[r] = a[order[r] * m + order[r]];
    for (int64_t k = 0; k < m; ++k) vectors[r * m + k] = v[k * m + order[r]];
  }
}

PcaResult pca(const float* x, int64_t n, int64_t d, int64_t k) {
  EMBER_CHECK(n >= 2 && d >= 1, "pca: need at least 2 points of dimension >= 1, got [", n, ", ", d,
              "]");
  EMBER_CHECK(k >= 1 && k <= std::min(n, d), "pca: k = ", k,
              " must be in [1, min(N, D) = ", std::min(n, d), "] for [", n, ", ", d, "]");
  for (int64_t i = 0; i < n * d; ++i)
    EMBER_CHECK(std::isfinite(x[i]), "pca: point ", i / d, " has ", x[i], " in dimension ", i % d,
                "; PCA needs finite values");
  PcaResult r;
  r.n = n, r.d = d, r.k = k;
  r.mean.assign(d, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) r.mean[j] += x[i * d + j];
  for (double& m : r.mean) m /= double(n);
  // centred[i, j] = x[i, j] - mean[j], in double: [N, D]
  std::vector<double> centred(n * d);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) centred[i * d + j] = x[i * d + j] - r.mean[j];

  // The smaller of covariance = C^T C / (N-1) [D, D] and Gram = C C^T / (N-1) [N, N] has
  // the same non-zero eigenvalues; a Gram eigenvector u gives the component C^T u.
  const bool gram = n < d;
  const int64_t m = gram ? n : d;
  std::vector<double> rows(gram ? centred : std::vector<double>(d * n));  // [M, L]
  const int64_t length = gram ? d : n;
  if (!gram)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < d; ++j) rows[j * n + i] = centred[i * d + j];
  std::vector<double> matrix(m * m);
  parallel_for(m, 8, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p)
      for (int64_t q = 0; q <= p; ++q) {
        const double* a = &rows[p * length];
        const double* b = &rows[q * length];
        double sum = 0;
        for (int64_t l = 0; l < length; ++l) sum += a[l] * b[l];
        matrix[p * m + q] = sum / double(n - 1);
      }
  });
  double total_variance = 0;
  for (int64_t p = 0; p < m; ++p) {
    total_variance += matrix[p * m + p];
    for (int64_t q = 0; q < p; ++q) matrix[q * m + p] = matrix[p * m + q];
  }
  std::vector<double> values, vectors;
  symmetric_eigen(matrix, m, values, vectors);

  r.components.assign(k * d, 0.0);
  for (int64_t c = 0; c < k; ++c) {
    double* component = &r.components[c * d];
    if (gram) {
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < d; ++j) component[j] += vectors[c * m + i] * centred[i * d + j];
    } else {
      for (int64_t j = 0; j < d; ++j) component[j] = vectors[c * m + j];
    }
    double norm = 0;
    for (int64_t j = 0; j < d; ++j) norm += component[j] * component[j];
    norm = std::sqrt(norm);
    if (norm > 0)
      for (int64_t j = 0; j < d; ++j) component[j] /= norm;
    else
      component[c] = 1;  // zero variance: any unit axis will do
    int64_t largest = 0;
    for (int64_t j = 1; j < d; ++j)
      if (std::abs(component[j]) > std::abs(component[largest])) largest = j;
    if (component[largest] < 0)
      for (int64_t j = 0; j < d; ++j) component[j] = -component[j];
    double value = std::max(values[c], 0.0);
    r.explained_variance.push_back(value);
    r.explained_variance_ratio.push_back(total_variance > 0 ? value / total_variance : 0.0);
  }
  r.projection.assign(n * k, 0.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < k; ++c) {
      double sum = 0;
      for (int64_t j = 0; j < d; ++j) sum += centred[i * d + j] * r.components[c * d + j];
      r.projection[i * k + c] = float(sum);
    }
  return r;
}

}  // namespace ember::eval
