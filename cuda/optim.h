// The CUDA twins of the optimizers' update loops (optim/sgd.cpp, adam.cpp, sparse_adam.cpp,
// adagrad.cpp): the same formulas, element for element, on parameters that live on a GPU.
// cuda/ sits above optim/, so the options come as plain numbers. Every tensor is contiguous,
// float32 or float64, on one device; the optimizers check that first. All overwrite their
// parameters and state (=).
#pragma once

#include <vector>

#include <ember/tensor/tensor.h>

namespace ember::cuda {

struct SgdOptions {
  double lr, weight_decay, momentum, dampening;
  bool nesterov, maximize;
};
// p, grad [n]; momentum_buffer [n] or undefined (no momentum); first: the buffer's first step.
void sgd_dense(const Tensor& p, const Tensor& grad, const Tensor& momentum_buffer, bool first,
               const SgdOptions& o);
// p [V, D]; ids [K] unique; rows [K, D]: p[ids[k]] -= lr * rows[k], no other row touched.
void sgd_rows(const Tensor& p, const Tensor& ids, const Tensor& rows, const SgdOptions& o);

struct AdamOptions {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, maximize, decoupled;  // decoupled: AdamW
};
// One parameter's part of a fused Adam step; step counts from 1 (after this step's ++).
struct AdamTensors {
  Tensor param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq;  // the last only with amsgrad
  int64_t step;
};
// Every parameter of the list in one launch (all of one dtype and device).
void adam_step(const std::vector<AdamTensors>& list, const AdamOptions& o);

// SparseAdam on the touched rows: p, exp_avg, exp_avg_sq [V, D]; ids [K] unique; rows [K, D].
// A float16 table (p and rows half) has float32 exp_avg, exp_avg_sq, as Adagrad's sum below.
void sparse_adam_rows(const Tensor& p, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                      const Tensor& ids, const Tensor& rows, int64_t step, const AdamOptions& o);

struct AdagradOptions {
  double lr_t, weight_decay, eps;  // lr_t: this step's decayed lr
  bool maximize;
};
void adagrad_dense(const Tensor& p, const Tensor& grad, const Tensor& sum, const AdagradOptions& o);
// Touched rows only: p, sum [V, D]; ids [K] unique; rows [K, D].
void adagrad_rows(const Tensor& p, const Tensor& sum, const Tensor& ids, const Tensor& rows,
                  const AdagradOptions& o);

}  // namespace ember::cuda
