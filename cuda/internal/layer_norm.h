// The CUDA twins of tensor/ops/layer_norm.cpp, arguments checked there: x and grad_y
// contiguous [M, N], weight and bias contiguous [N] or undefined, mean and rstd [M] float64.
#pragma once

#include <ember/tensor/ops/layer_norm.h>

namespace ember::cuda {

ops::LayerNormForward layer_norm(const Tensor& x, int64_t m, int64_t n, const Tensor& weight,
                                 const Tensor& bias, double eps);
ops::LayerNormGrads layer_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean,
                                        const Tensor& rstd, int64_t m, int64_t n,
                                        const Shape& normalized_shape, const Tensor& weight,
                                        bool need_x, bool need_weight, bool need_bias);

}  // namespace ember::cuda
