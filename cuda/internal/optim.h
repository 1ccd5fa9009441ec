// The CUDA twins of the optimizers' update loops (tensor/ops/optim_update.cpp, which calls
// these for GPU parameters): the same formulas, element for element. The steps' options are
// tensor/ops/optim_update.h's. Every tensor is contiguous, float32 or float64 (a float16
// table with float32 state in the rows variants), on one device. All overwrite their
// parameters and state (=).
#pragma once

#include <vector>

#include <ember/tensor/ops/optim_update.h>
#include <ember/tensor/tensor.h>

namespace ember::cuda {

using SgdOptions = ops::SgdStep;
using AdamOptions = ops::AdamStep;
using AdagradOptions = ops::AdagradStep;
using ops::AdamTensors;

// p, grad [n]; momentum_buffer [n] or undefined (no momentum); first: the buffer's first step.
void sgd_dense(const Tensor& p, const Tensor& grad, const Tensor& momentum_buffer, bool first,
               const SgdOptions& o);
// p [V, D]; ids [K] unique; rows [K, D]: p[ids[k]] -= lr * rows[k], no other row touched.
void sgd_rows(const Tensor& p, const Tensor& ids, const Tensor& rows, const SgdOptions& o);

// Every parameter of the list in one launch (all of one dtype and device).
void adam_step(const std::vector<AdamTensors>& list, const AdamOptions& o);

// SparseAdam on the touched rows: p, exp_avg, exp_avg_sq [V, D]; ids [K] unique; rows [K, D].
// A float16 table (p and rows half) has float32 exp_avg, exp_avg_sq, as Adagrad's sum below.
void sparse_adam_rows(const Tensor& p, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                      const Tensor& ids, const Tensor& rows, int64_t step, const AdamOptions& o);

void adagrad_dense(const Tensor& p, const Tensor& grad, const Tensor& sum, const AdagradOptions& o);
// Touched rows only: p, sum [V, D]; ids [K] unique; rows [K, D].
void adagrad_rows(const Tensor& p, const Tensor& sum, const Tensor& ids, const Tensor& rows,
                  const AdagradOptions& o);

}  // namespace ember::cuda
