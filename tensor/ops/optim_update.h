// The optimizers' update formulas, applied in place to a parameter and its state on the
// CPU or (through cuda/internal/optim.h) the GPU: optim/ keeps the bookkeeping (groups, state
// buffers, step counts, checks) and calls these for the arithmetic, so the CPU loop and its
// CUDA twin sit side by side here as for every other op. No autograd.
//
// Every tensor is contiguous, of one floating dtype and on one device (the optimizers check
// that). "rows" variants take a RowSparse gradient as unique ids [K] and rows [K, D] of a
// [V, D] parameter and touch those rows only. On the GPU a float16 table (p and rows half)
// has float32 state, as a squared gradient would underflow in half; the CPU path takes
// float32 and float64.
#pragma once

#include <cstdint>
#include <vector>

#include <ember/tensor/tensor.h>

namespace ember::ops {

// Elements per parallel chunk of an update (a few flops each, so chunks are large); updates
// of fewer elements run on the calling thread.
constexpr int64_t kUpdateGrain = 1 << 15;

// SGD with momentum (Sutskever et al. 2013) in torch.optim.SGD's form:
//   g = grad + weight_decay * p              (-grad when maximizing)
//   b = g on the first step, else b = momentum * b + (1 - dampening) * g
//   g = nesterov ? g + momentum * b : b      (with momentum)
//   p = p - lr * g
struct SgdStep {
  double lr, weight_decay, momentum, dampening;
  bool nesterov, maximize;
};
// p, grad [n]; momentum_buffer [n], undefined without momentum; first: the buffer's first step.
void sgd_update(const Tensor& p, const Tensor& grad, const Tensor& momentum_buffer, bool first,
                const SgdStep& o);
// p[ids[k]] -= lr * rows[k] (momentum and weight decay must be 0).
void sgd_update_rows(const Tensor& p, const Tensor& ids, const Tensor& rows, const SgdStep& o);

// Adam (Kingma & Ba 2015, Algorithm 1) in torch.optim.Adam's form, t = the step count from 1:
//   g = grad + weight_decay * p              (Adam; -grad when maximizing)
//   p = p * (1 - lr * weight_decay)          (AdamW instead, before the step: decoupled)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   v_max = max(v_max, v)                    (amsgrad, which then uses v_max for v)
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, maximize, decoupled;
};
// One parameter's part of an Adam step; step counts from 1 (after this step's ++).
struct AdamTensors {
  Tensor param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq;  // the last only with amsgrad
  int64_t step;
};
// Every parameter of the list (on the GPU: one fused launch per list, all of one dtype and
// device).
void adam_update(const std::vector<AdamTensors>& list, const AdamStep& o);
// torch's SparseAdam on the touched rows (no weight decay, no amsgrad):
//   m = m + (1 - beta1) * (g - m),  v = v + (1 - beta2) * (g * g - v)
//   p = p - lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)
void sparse_adam_update_rows(const Tensor& p, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                             const Tensor& ids, const Tensor& rows, int64_t step,
                             const AdamStep& o);

// Adagrad (Duchi, Hazan & Singer 2011) in torch.optim.Adagrad's form, lr_t this step's
// decayed lr, lr / (1 + (t - 1) * lr_decay):
//   g = grad + weight_decay * p              (-grad when maximizing)
//   sum = sum + g * g
//   p = p - lr_t * g / (sqrt(sum) + eps)
struct AdagradStep {
  double lr_t, weight_decay, eps;
  bool maximize;
};
void adagrad_update(const Tensor& p, const Tensor& grad, const Tensor& sum, const AdagradStep& o);
// The same on the touched rows (weight decay must be 0: it would touch every row).
void adagrad_update_rows(const Tensor& p, const Tensor& sum, const Tensor& ids, const Tensor& rows,
                         const AdagradStep& o);

}  // namespace ember::ops
