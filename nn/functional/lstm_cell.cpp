// The differentiable LSTM cell and the multi-output machinery it rests on.
#include <memory>

#include <ember/autograd/node.h>
#include <ember/nn/functional/lstm_cell.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/lstm_cell.h>

namespace ember::nn::functional {

using Grads = std::vector<Tensor>;

// The engine runs a node once all its consumers have passed it their gradient. So: a 0-d
// `token` tensor is recorded as the op's output, with the real inputs and `backward`; each
// real output is recorded as a pass-through from the token that parks its gradient in
// `grad_outputs` and hands the token a dummy 0-d gradient. The token's node, run last,
// calls `backward` on the parked gradients and clears them for the next backward pass.
std::vector<Tensor> record_multi(const char* name, std::vector<Tensor> outputs,
                                 const std::vector<Tensor>& inputs, MultiBackward backward) {
  auto grad_outputs = std::make_shared<std::vector<Tensor>>(outputs.size());
  Tensor token = autograd::record(name, scalar_tensor(0.0, kFloat64), inputs,
                                  [grad_outputs, backward = std::move(backward)](const Tensor&) {
                                    std::vector<Tensor> grads(grad_outputs->size());
                                    grads.swap(*grad_outputs);
                                    return backward(grads);
                                  });
  if (!token.requires_grad()) return outputs;
  for (size_t k = 0; k < outputs.size(); ++k) {
    outputs[k] = autograd::record("MultiOutputBackward", outputs[k], {token},
                                  [grad_outputs, k](const Tensor& g) {
                                    (*grad_outputs)[k] = g;
                                    return Grads{scalar_tensor(0.0, kFloat64)};
                                  });
  }
  return outputs;
}

// x [N, ...] -> blocks [sizes[k], ...]; grad_x = the blocks' gradients laid end to end.
std::vector<Tensor> split_rows(const Tensor& x, const std::vector<int64_t>& sizes) {
  EMBER_CHECK(x.defined() && x.dim() >= 1, "split_rows: expected a tensor of at least 1 dim");
  std::vector<Tensor> blocks;
  int64_t offset = 0;
  for (int64_t n : sizes) {
    EMBER_CHECK(n >= 0 && offset + n <= x.size(0), "split_rows: blocks of ", Shape(sizes),
                " rows do not fit a tensor of ", x.size(0), " rows");
    blocks.push_back(ops::slice(x, 0, offset, offset + n, 1));
    offset += n;
  }
  EMBER_CHECK(offset == x.size(0), "split_rows: blocks of ", Shape(sizes), " rows sum to ", offset,
              ", not to the tensor's ", x.size(0), " rows");
  return record_multi("SplitRowsBackward", std::move(blocks), {x},
                      [x_sizes = x.sizes(), sizes](const std::vector<Tensor>& g) {
                        Tensor grad_x;
                        int64_t row = 0;
                        for (size_t k = 0; k < sizes.size(); ++k) {
                          if (g[k].defined()) {
                            if (!grad_x.defined())
                              grad_x =
                                  zeros(x_sizes, TensorOptions(g[k].dtype()).device(g[k].device()));
                            ops::copy_(ops::slice(grad_x, 0, row, row + sizes[k], 1), g[k]);
                          }
                          row += sizes[k];
                        }
                        return Grads{grad_x};
                      });
}

// h, c = cell(input_gates + hidden_gates, c_prev); one backward kernel for both outputs.
LstmCellState lstm_cell(const Tensor& input_gates, const Tensor& hidden_gates,
                        const Tensor& c_prev) {
  ops::LstmCellForward f = ops::lstm_cell_forward(input_gates, hidden_gates, c_prev);
  std::vector<Tensor> hc = record_multi(
      "LstmCellBackward", {f.h, f.c}, {input_gates, hidden_gates, c_prev},
      [gates = f.gates, c_prev = c_prev.detach(), tanh_c = f.tanh_c](const std::vector<Tensor>& g) {
        if (!g[0].defined() && !g[1].defined()) return Grads{Tensor(), Tensor(), Tensor()};
        ops::LstmCellBackward b = ops::lstm_cell_backward(g[0], g[1], gates, c_prev, tanh_c);
        return Grads{b.grad_gates, b.grad_gates, b.grad_c_prev};
      });
  return {hc[0], hc[1]};
}

}  // namespace ember::nn::functional
