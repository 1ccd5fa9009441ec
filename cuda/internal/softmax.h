// The CUDA twins of tensor/ops/softmax.cpp, arguments checked there; x, y and grad_y are
// contiguous and dim is wrapped. Each returns a fresh contiguous tensor (=).
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::cuda {

Tensor softmax_forward(const Tensor& x, int64_t dim, bool log);
Tensor softmax_backward(const Tensor& grad_y, const Tensor& y, int64_t dim, bool log);

}  // namespace ember::cuda
