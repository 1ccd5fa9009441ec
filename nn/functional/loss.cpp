// The binary losses (fused kernels from tensor/ops/loss.cpp, backward beside each forward)
// and the losses composed of differentiable ops: mse, negative sampling, the Gaussian KL.
#include <ember/autograd/node.h>
#include <ember/nn/functional.h>
#include <ember/nn/functional/loss.h>
#include <ember/nn/functional/reduction.h>
#include <ember/tensor/ops/loss.h>

namespace ember::nn::functional {

using autograd::record;
using Grads = std::vector<Tensor>;

namespace {

// A weight broadcast to the input's sizes as a constant contiguous tensor, or undefined.
Tensor expand_weight(const Tensor& weight, const Tensor& input, const char* what, const char* op) {
  if (!weight.defined()) return weight;
  const int64_t lead = input.dim() - weight.dim();
  bool fits = lead >= 0;
  for (int64_t d = 0; fits && d < weight.dim(); ++d)
    fits = weight.size(d) == 1 || weight.size(d) == input.size(lead + d);
  EMBER_CHECK(fits, op, ": ", what, " ", weight.sizes(), " does not broadcast to the input ",
              input.sizes());
  return ops::contiguous(ops::expand(weight.detach(), input.sizes()));
}

}  // namespace

// ---- binary cross entropy: input, target, weight and the unreduced loss share sizes ----

// loss = reduce(-w (t max(log p, -100) + (1 - t) max(log(1 - p), -100)));
// grad_p = g w (p - t) / max(p (1 - p), 1e-12), grad_t = g w (log(1 - p) - log p) (clamped).
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction) {
  const char* op = "binary_cross_entropy";
  const Tensor w = expand_weight(weight, input, "weight", op);
  Tensor loss = ops::binary_cross_entropy_forward(input, target, w);
  const double count = double(input.numel());
  Tensor out = detail::reduce_value(loss, reduction, count);
  return record("BinaryCrossEntropyBackward", out, {input, target},
                [input, target, w, reduction, count, need_input = input.requires_grad(),
                 need_target = target.requires_grad()](const Tensor& g) {
                  Tensor each = detail::element_grad(g, input.sizes(), reduction, count);
                  ops::BinaryLossGrads grads = ops::binary_cross_entropy_backward(
                      each, input, target, w, need_input, need_target);
                  return Grads{grads.input, grads.target};
                });
}

// loss = reduce(w ((1 - t) x + (1 + (q - 1) t) softplus(-x)));
// grad_x = g w ((1 + (q - 1) t) sigmoid(x) - q t), grad_t = g w (-x + (q - 1) softplus(-x)).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, const Tensor& pos_weight,
                                        Reduction reduction) {
  const char* op = "binary_cross_entropy_with_logits";
  const Tensor w = expand_weight(weight, input, "weight", op);
  const Tensor q = expand_weight(pos_weight, input, "pos_weight", op);
  Tensor loss = ops::binary_cross_entropy_with_logits_forward(input, target, w, q);
  const double count = double(input.numel());
  Tensor out = detail::reduce_value(loss, reduction, count);
  return record("BinaryCrossEntropyWithLogitsBackward", out, {input, target},
                [input, target, w, q, reduction, count, need_input = input.requires_grad(),
                 need_target = target.requires_grad()](const Tensor& g) {
                  Tensor each = detail::element_grad(g, input.sizes(), reduction, count);
                  ops::BinaryLossGrads grads = ops::binary_cross_entropy_with_logits_backward(
                      each, input, target, w, q, need_input, need_target);
                  return Grads{grads.input, grads.target};
                });
}

// ---- composed of differentiable ops ----

// input, target broadcast to [S]; loss [S] = (input - target)^2.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  Tensor diff = input - target;
  return detail::reduce(diff * diff, reduction);
}

// pos_score [B], neg_score [B, K]; loss [B] = -logsigmoid(pos) - sum_k logsigmoid(-neg).
Tensor negative_sampling_loss(const Tensor& pos_score, const Tensor& neg_score,
                              Reduction reduction) {
  EMBER_CHECK(
      pos_score.dim() == 1 && neg_score.dim() == 2 && neg_score.size(0) == pos_score.size(0),
      "negative_sampling_loss: expected pos_score [B] and neg_score [B, K], got ",
      pos_score.sizes(), " and ", neg_score.sizes());
  Tensor loss = -logsigmoid(pos_score) - sum(logsigmoid(-neg_score), {1});
  return detail::reduce(loss, reduction);
}

// mu, logvar [..., D]; loss [...] = -0.5 sum_d (1 + logvar - mu^2 - exp(logvar)).
Tensor kl_normal(const Tensor& mu, const Tensor& logvar, Reduction reduction) {
  EMBER_CHECK(mu.dim() >= 1 && mu.sizes() == logvar.sizes(),
              "kl_normal: mu and logvar must have equal sizes [..., D], got ", mu.sizes(), " and ",
              logvar.sizes());
  Tensor terms = 1.0 + logvar - mu * mu - exp(logvar);
  if (reduction == Reduction::kSum) return sum(terms) * -0.5;
  return detail::reduce(sum(terms, {-1}) * -0.5, reduction);
}

}  // namespace ember::nn::functional
