// The CUDA twins of tensor/ops/reduce.cpp, arguments already checked there. `reduced` says
// which dims of `a` are reduced (ops::reduced_dims) and out_sizes is the result's sizes.
// Deterministic: every output is combined in an order fixed by the shapes alone (no
// atomics), so two runs give the same bits.
#pragma once

#include <vector>

#include <ember/tensor/ops/reduce.h>

namespace ember::cuda {

// sum (divisor 1) or mean (divisor = count) of float32/64, int32/64; integers give int64.
Tensor sum(const Tensor& a, const std::vector<bool>& reduced, const Shape& out_sizes,
           double divisor);
// max (is_max) or min with the index of the first occurrence along the flattened reduced
// dims; nan wins over numbers.
ops::ValuesIndices max_or_min(const Tensor& a, const std::vector<bool>& reduced,
                              const Shape& out_sizes, bool is_max);
Tensor norm(const Tensor& a, double p, const std::vector<bool>& reduced, const Shape& out_sizes);
// grad_a (=, a's sizes) from grad and norm (the forward's result sizes).
Tensor norm_backward(const Tensor& grad, const Tensor& a, const Tensor& norm, double p,
                     const std::vector<bool>& reduced);
// The k largest (smallest) along dim (wrapped, checked), sorted, ties by lower index first
// (cuda/topk.cu).
ops::ValuesIndices topk(const Tensor& a, int64_t k, int64_t dim, bool largest);
// zeros of `sizes`, then out[.., indices[.., j, ..], ..] += values[.., j, ..] along dim.
Tensor scatter_into_zeros(const Shape& sizes, int64_t dim, const Tensor& indices,
                          const Tensor& values);

}  // namespace ember::cuda
