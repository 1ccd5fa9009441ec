// The fused LSTM cell: the pointwise part of one LSTM step, forward and backward, as two
// plain CPU loops. The matmuls that make the gates stay outside (nn/lstm.cpp); these
// kernels take the gate pre-activations and do everything else in one pass over [B, 4H].
// No autograd here (see nn/functional/lstm_cell.cpp).
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::ops {

// input_gates, hidden_gates [B,4H]: the two halves of the pre-activations (x W_ih^T + b and
// h W_hh^T), blocks of H in PyTorch's gate order i, f, g, o; c_prev [B,H]. With
//   i = sigmoid(.), f = sigmoid(.), g = tanh(.), o = sigmoid(.) of input_gates + hidden_gates,
//   c = f * c_prev + i * g,   h = o * tanh(c),
// returns h [B,H], c [B,H], and what the backward reuses: the activated gates [B,4H]
// (i, f, g, o) and tanh(c) [B,H].
struct LstmCellForward {
  Tensor h, c, gates, tanh_c;
};
LstmCellForward lstm_cell_forward(const Tensor& input_gates, const Tensor& hidden_gates,
                                  const Tensor& c_prev);

// grad_h, grad_c [B,H] (either undefined when no gradient reached it); gates [B,4H], c_prev
// and tanh_c [B,H] from the forward. Returns (overwriting, fresh tensors) grad_gates [B,4H], the
// gradient of the gate pre-activations (so of input_gates and hidden_gates alike), and
// grad_c_prev [B,H].
struct LstmCellBackward {
  Tensor grad_gates, grad_c_prev;
};
LstmCellBackward lstm_cell_backward(const Tensor& grad_h, const Tensor& grad_c, const Tensor& gates,
                                    const Tensor& c_prev, const Tensor& c);

}  // namespace ember::ops
