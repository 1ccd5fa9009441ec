// The strided loop every elementwise kernel is built on. Operands are described by their
// strides over a common iteration shape (a broadcast operand has stride 0 on that dim).
// Dims are first merged where all operands allow it, so a contiguous tensor is one long
// row; then each row is handed to `row` with its starting offsets and inner strides:
//   row(std::array<int64_t, N> offsets, int64_t length, std::array<int64_t, N> steps)
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include <ember/tensor/parallel.h>
#include <ember/tensor/tensor.h>

namespace ember::ops {

template <size_t N>
struct StridedShape {
  Shape sizes;
  std::array<Shape, N> strides;
};

// Drops size-1 dims and merges dim d into d+1 when every operand is contiguous across them.
template <size_t N>
StridedShape<N> collapse_dims(const Shape& sizes, const std::array<Shape, N>& strides) {
  StridedShape<N> out;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 1) continue;
    bool merge = !out.sizes.empty();
    for (size_t k = 0; k < N && merge; ++k)
      merge = out.strides[k].back() == strides[k][d] * sizes[d];
    if (merge) {
      out.sizes.back() *= sizes[d];
      for (size_t k = 0; k < N; ++k) out.strides[k].back() = strides[k][d];
    } else {
      out.sizes.push_back(sizes[d]);
      for (size_t k = 0; k < N; ++k) out.strides[k].push_back(strides[k][d]);
    }
  }
  if (out.sizes.empty()) {  // a single element
    out.sizes.push_back(1);
    for (size_t k = 0; k < N; ++k) out.strides[k].push_back(0);
  }
  return out;
}

// Elements one task takes (`piece` below). Cheap element ops stream in pieces of 32768; ops
// that call libm's exp, log or tanh per element (10-20 ns each) take 512, so the few thousand
// scores of one batch already use every thread.
constexpr int64_t kCheapPiece = 32768, kLibmPiece = 512;

template <size_t N, typename Row>
void for_each_row(const Shape& sizes, const std::array<Shape, N>& strides,
                  const std::array<int64_t, N>& base, Row&& row, int64_t piece = kCheapPiece) {
  if (shape_numel(sizes) == 0) return;
  StridedShape<N> s = collapse_dims<N>(sizes, strides);
  const int64_t ndim = int64_t(s.sizes.size());
  const int64_t length = s.sizes.back();
  std::array<int64_t, N> steps;
  for (size_t k = 0; k < N; ++k) steps[k] = s.strides[k].back();
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < ndim; ++d) rows *= s.sizes[d];
  // Long rows are cut into pieces so that one big contiguous tensor still uses every thread.
  const int64_t pieces = (length + piece - 1) / piece;
  const int64_t grain = length >= piece ? 1 : (piece + length - 1) / length;
  parallel_for(rows * pieces, grain, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t r = item / pieces, at = item % pieces;
      std::array<int64_t, N> offsets = base;
      int64_t rest = r;
      for (int64_t d = ndim - 2; d >= 0; --d) {
        int64_t i = rest % s.sizes[d];
        rest /= s.sizes[d];
        for (size_t k = 0; k < N; ++k) offsets[k] += i * s.strides[k][d];
      }
      const int64_t start = at * piece;
      for (size_t k = 0; k < N; ++k) offsets[k] += start * steps[k];
      row(offsets, std::min(piece, length - start), steps);
    }
  });
}

// Strides of `t` seen through the iteration shape `sizes` (t broadcasts to it): leading
// missing dims and size-1 dims get stride 0.
inline Shape broadcast_strides(const Tensor& t, const Shape& sizes) {
  Shape out(sizes.size(), 0);
  int64_t lead = int64_t(sizes.size()) - t.dim();
  for (int64_t d = 0; d < t.dim(); ++d) out[lead + d] = t.size(d) == 1 ? 0 : t.stride(d);
  return out;
}

}  // namespace ember::ops
