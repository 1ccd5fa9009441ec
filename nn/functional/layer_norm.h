// Layer normalisation over the last dims, as torch.nn.functional.layer_norm.
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::nn::functional {

// x is [..., normalized_shape...]; weight and bias are [normalized_shape...] or undefined.
// out has x's sizes: (x - mean) / sqrt(var + eps) * weight + bias, mean and biased var taken
// over the normalized dims of each row.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

}  // namespace ember::nn::functional
