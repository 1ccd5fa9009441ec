// cross_entropy and nll_loss: the fused kernels of tensor/ops/loss.cpp, reduced here, with
// the backward beside each forward. Shapes: input [N, C, d...] (or [N, C], [C]), target and
// the unreduced loss [N, d...]; the gradient reaches input only.
#include <ember/autograd/node.h>
#include <ember/nn/functional/loss.h>
#include <ember/nn/functional/reduction.h>
#include <ember/tensor/ops/loss.h>

namespace ember::nn::functional {

using autograd::record;
using Grads = std::vector<Tensor>;

// loss = reduce((1 - e) w[t] (lse - x[t]) + (e / C) sum_c w[c] (lse - x[c]));
// grad_x = g_i ((1 - e) w[t] + e W / C) softmax(x) - g_i ((1 - e) w[t] one_hot(t) + e w / C),
// g_i the gradient of position i's loss.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                     int64_t ignore_index, Reduction reduction, double label_smoothing) {
  EMBER_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0,
              "cross_entropy: label_smoothing must be in [0, 1], got ", label_smoothing);
  const Tensor w = weight.defined() ? weight.detach() : weight;
  ops::ClassLossForward f =
      ops::cross_entropy_forward(input, target, w, ignore_index, label_smoothing);
  Tensor out = detail::reduce_value(f.loss, reduction, f.total_weight);
  return record("CrossEntropyBackward", out, {input},
                [input, target, w, ignore_index, reduction, label_smoothing, max = f.line_max,
                 log_sum = f.log_sum, total = f.total_weight](const Tensor& g) {
                  Tensor each = detail::element_grad(g, target.sizes(), reduction, total);
                  return Grads{ops::cross_entropy_backward(each, input, max, log_sum, target, w,
                                                           ignore_index, label_smoothing)};
                });
}

// loss = reduce(-w[t] x[t]); grad_x = -g_i w[t] at class t, 0 elsewhere.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight,
                int64_t ignore_index, Reduction reduction) {
  const Tensor w = weight.defined() ? weight.detach() : weight;
  ops::ClassLossForward f = ops::nll_loss_forward(input, target, w, ignore_index);
  Tensor out = detail::reduce_value(f.loss, reduction, f.total_weight);
  return record(
      "NllLossBackward", out, {input},
      [input, target, w, ignore_index, reduction, total = f.total_weight](const Tensor& g) {
        Tensor each = detail::element_grad(g, target.sizes(), reduction, total);
        return Grads{ops::nll_loss_backward(each, input, target, w, ignore_index)};
      });
}

}  // namespace ember::nn::functional
