// In-place arithmetic for optimizers and gradient accumulation (no autograd here).
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::ops {

void add_(const Tensor& dst, const Tensor& src, double alpha = 1.0);  // dst += alpha * src
void mul_(const Tensor& dst, double value);                           // dst *= value

}  // namespace ember::ops
