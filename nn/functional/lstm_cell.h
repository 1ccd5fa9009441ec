// The fused LSTM cell as a differentiable op, and the two autograd helpers an LSTM needs to
// stay linear in its length: ops with several outputs recorded as one backward, and a split
// of a tensor into row blocks whose backward writes each block's gradient once.
#pragma once

#include <functional>
#include <vector>

#include <ember/tensor/tensor.h>

namespace ember::nn::functional {

struct LstmCellState {
  Tensor h;  // [B, H]
  Tensor c;  // [B, H]
};

// One LSTM step after its matmuls: input_gates [B,4H] (x W_ih^T + b_ih + b_hh), hidden_gates
// [B,4H] (h_prev W_hh^T), c_prev [B,H], gate order i, f, g, o as PyTorch's. Returns h and c,
// both [B,H], recorded as one graph node whose backward is the fused kernel of
// tensor/ops/lstm_cell.cpp (the same gradient goes to input_gates and hidden_gates).
LstmCellState lstm_cell(const Tensor& input_gates, const Tensor& hidden_gates,
                        const Tensor& c_prev);

// Splits x [N, ...] along dim 0 into consecutive blocks of sizes[k] rows (summing to N);
// block k is a view. One backward for all blocks: the gradient of x is assembled from the
// blocks' gradients in one pass (zeros for blocks that got none), where a narrow() per
// block would allocate a zero [N, ...] gradient for each.
std::vector<Tensor> split_rows(const Tensor& x, const std::vector<int64_t>& sizes);

// Records one backward for an op with several outputs: `backward` gets the gradients of all
// outputs at once (undefined for those that got none) and returns one per input. The graph
// gets a hidden node holding `backward`, which runs once every output's gradient has
// arrived, plus one pass-through node per output. Returns the outputs (now recorded).
using MultiBackward = std::function<std::vector<Tensor>(const std::vector<Tensor>& grad_outputs)>;
std::vector<Tensor> record_multi(const char* name, std::vector<Tensor> outputs,
                                 const std::vector<Tensor>& inputs, MultiBackward backward);

}  // namespace ember::nn::functional
