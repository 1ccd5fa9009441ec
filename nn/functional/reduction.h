// The reductions the loss files share (internal to nn/functional): a per-element loss
// reduced to its sum or mean, and, for the fused kernels, the gradient each element gets back.
#pragma once

#include <ember/nn/functional.h>
#include <ember/nn/functional/loss.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/elementwise.h>
#include <ember/tensor/ops/reduce.h>

namespace ember::nn::functional::detail {

// Differentiable: loss itself, its sum, or its mean (0-d).
inline Tensor reduce(const Tensor& loss, Reduction reduction) {
  if (reduction == Reduction::kSum) return ember::sum(loss);
  if (reduction == Reduction::kMean) return ember::mean(loss);
  return loss;
}

// No autograd: loss itself, its sum, or its sum / denominator (0-d).
inline Tensor reduce_value(const Tensor& loss, Reduction reduction, double denominator) {
  if (reduction == Reduction::kNone) return loss;
  Tensor total = ops::sum(loss);
  if (reduction == Reduction::kSum) return total;
  return ops::div(total, ops::scalar_like(total, denominator, "loss"));
}

// g is the gradient of reduce_value's result; returns that of each element of the unreduced
// loss of `sizes`: g itself, or g (/ denominator for the mean) broadcast to `sizes`.
inline Tensor element_grad(const Tensor& g, const Shape& sizes, Reduction reduction,
                           double denominator) {
  if (reduction == Reduction::kNone) return g;
  Tensor each =
      reduction == Reduction::kMean ? ops::div(g, ops::scalar_like(g, denominator, "loss")) : g;
  return ops::contiguous(ops::expand(each, sizes));
}

}  // namespace ember::nn::functional::detail
