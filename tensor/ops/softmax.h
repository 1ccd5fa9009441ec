// Softmax and log-softmax over one dim, and their backward kernels (no autograd here; see
// nn/functional/softmax.cpp). Stable: each line's max is subtracted before exp.
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::ops {

// y = exp(x - max) / sum(exp(x - max)) along dim; y has x's sizes.
Tensor softmax(const Tensor& x, int64_t dim);
// y = x - max - log(sum(exp(x - max))) along dim.
Tensor log_softmax(const Tensor& x, int64_t dim);

// out[i] = exp(x[i]) for i < n, vectorised (AVX2 when the CPU has it): within 2e-7
// relative of std::exp where the result is a normal float; the exp behind softmax.
void exp_floats(const float* x, float* out, int64_t n);

// grad_x = y * (grad_y - sum(grad_y * y)) along dim, y the softmax result (=, fresh tensor).
Tensor softmax_backward(const Tensor& grad_y, const Tensor& y, int64_t dim);
// grad_x = grad_y - exp(y) * sum(grad_y) along dim, y the log_softmax result (=).
Tensor log_softmax_backward(const Tensor& grad_y, const Tensor& y, int64_t dim);

}  // namespace ember::ops
