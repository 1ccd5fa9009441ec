// Joining tensors: cat along an existing dim, stack along a new one. No autograd here
// (see nn/functional/join.cpp).
#pragma once

#include <vector>

#include <ember/tensor/tensor.h>

namespace ember::ops {

// Same dtype, device and sizes except along dim; out's dim is the sum. A 1-D empty tensor
// [0] is skipped, as in PyTorch.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Same sizes; out has a new dim `dim` of size tensors.size().
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);

}  // namespace ember::ops
