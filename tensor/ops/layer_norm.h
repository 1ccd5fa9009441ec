// Layer normalisation over the last dims: the CPU forward and backward kernels (no autograd
// here; see nn/functional/layer_norm.cpp). x is seen as M rows of N = prod(normalized_shape)
// elements; each row is normalised with its own mean and biased variance.
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::ops {

struct LayerNormForward {
  Tensor y;  // x's sizes: (x - mean) * rstd * weight + bias
  // Saved for the backward in float64 whatever x's dtype, so that a float32 row far from
  // zero (mean 1000, std 0.01) still gets an accurate gradient.
  Tensor mean;  // [M] float64
  Tensor rstd;  // [M] float64, 1 / sqrt(var + eps)
};

// x is [..., normalized_shape...]; weight and bias are [normalized_shape...] or undefined.
LayerNormForward layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                            const Tensor& bias, double eps);

struct LayerNormGrads {
  Tensor x;       // x's sizes
  Tensor weight;  // weight's sizes; undefined when weight is
  Tensor bias;    // likewise for bias
};

// With x_hat = (x - mean) * rstd and gw = grad_y * weight (grad_y where there is no weight):
//   grad_x      = rstd * (gw - mean_row(gw) - x_hat * mean_row(gw * x_hat))
//   grad_weight = sum over rows of grad_y * x_hat
//   grad_bias   = sum over rows of grad_y
// All three are "=" into fresh tensors. A gradient whose need_* is false is left undefined.
LayerNormGrads layer_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean,
                                   const Tensor& rstd, const Shape& normalized_shape,
                                   const Tensor& weight, bool need_x, bool need_weight,
                                   bool need_bias);

}  // namespace ember::ops
