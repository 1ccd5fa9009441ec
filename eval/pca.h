// Principal component analysis of N points in D dimensions, exact: the covariance matrix
// (or the N x N Gram matrix when N < D) is diagonalised with cyclic Jacobi rotations in
// double precision. Signs follow sklearn's svd_flip: each component's entry of largest
// magnitude is positive, so the same data always gives the same picture.
#pragma once

#include <cstdint>
#include <vector>

namespace ember::eval {

struct PcaResult {
  int64_t n = 0, d = 0, k = 0;
  std::vector<float> projection;                 // [N, k]: (x - mean) . component
  std::vector<double> components;                // [k, D], unit rows, orthogonal
  std::vector<double> explained_variance;        // [k], the eigenvalues (denominator N - 1)
  std::vector<double> explained_variance_ratio;  // [k], eigenvalue / total variance
  std::vector<double> mean;                      // [D]
};

// x is [N, D] row-major. k <= min(N, D); N >= 2.
PcaResult pca(const float* x, int64_t n, int64_t d, int64_t k = 2);

// Eigen-decomposition of a symmetric [M, M] matrix (row-major, overwritten) by cyclic
// Jacobi: eigenvalues in descending order and the matching eigenvectors as rows of
// `vectors` ([M, M]).
void symmetric_eigen(std::vector<double>& matrix, int64_t m, std::vector<double>& values,
                     std::vector<double>& vectors);

}  // namespace ember::eval
