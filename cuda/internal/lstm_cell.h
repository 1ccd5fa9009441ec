// The CUDA twin of tensor/ops/lstm_cell.cpp, arguments checked there; every tensor is
// contiguous, gates [B, 4H] (blocks i, f, g, o), states [B, H].
#pragma once

#include <ember/tensor/ops/lstm_cell.h>

namespace ember::cuda {

ops::LstmCellForward lstm_cell_forward(const Tensor& input_gates, const Tensor& hidden_gates,
                                       const Tensor& c_prev);
// grad_h, grad_c may be undefined (no gradient reached them).
ops::LstmCellBackward lstm_cell_backward(const Tensor& grad_h, const Tensor& grad_c,
                                         const Tensor& gates, const Tensor& c_prev,
                                         const Tensor& tanh_c);

}  // namespace ember::cuda
