// Linear (fully connected) map: out = x weight^T + bias, as torch.nn.functional.linear.
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::nn::functional {

// x is [..., in], weight is [out, in], bias is [out] or undefined; result is [..., out].
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

}  // namespace ember::nn::functional
