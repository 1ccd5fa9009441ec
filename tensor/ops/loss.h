// Fused loss kernels (no autograd here; see nn/functional/cross_entropy.cpp and
// nn/functional/loss.cpp). Each forward returns the loss of every element, unreduced; the
// caller reduces it and scales the gradient it hands to the backward.
//
// Class-index losses see their input as [N, C, S]: [C] is N = S = 1, [N, C] has S = 1 and
// [N, C, d...] has S = prod(d). target has the input's sizes without the class dim (dim 1;
// a 0-d target for a [C] input) and holds int64 class ids in [0, C) or ignore_index.
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::ops {

struct ClassLossForward {
  Tensor loss;          // target's sizes: the loss of each position, 0 where ignored
  Tensor line_max;      // target's sizes: max_c x[c] of each position (cross entropy only)
  Tensor log_sum;       // target's sizes: log(sum_c exp(x[c] - max)) (cross entropy only)
  double total_weight;  // sum of weight[target] over the positions not ignored
};

// Cross entropy from logits x, with optional per-class weight w [C] and label smoothing e:
//   loss = (1 - e) w[t] (lse - x[t]) + (e / C) sum_c w[c] (lse - x[c]),
// lse = log sum_c exp(x[c]) = max + log_sum, the two kept for the backward.
// A target outside [0, C) that is not ignore_index raises an error naming it and its position.
ClassLossForward cross_entropy_forward(const Tensor& logits, const Tensor& target,
                                       const Tensor& weight, int64_t ignore_index,
                                       double label_smoothing);
// grad_logits (logits' sizes, =) from grad_loss (target's sizes, the gradient of each
// position's loss): with p = exp((x - max) - log_sum),
//   grad_x[c] = g ((1 - e) w[t] + e W / C) p[c] - g (1 - e) w[t] [c == t] - g e w[c] / C,
// W = sum_c w[c]; 0 on ignored positions.
Tensor cross_entropy_backward(const Tensor& grad_loss, const Tensor& logits, const Tensor& line_max,
                              const Tensor& log_sum, const Tensor& target, const Tensor& weight,
                              int64_t ignore_index, double label_smoothing);

// Negative log likelihood of log-probabilities x: loss = -w[t] x[t] (line_max, log_sum
// undefined).
ClassLossForward nll_loss_forward(const Tensor& log_probs, const Tensor& target,
                                  const Tensor& weight, int64_t ignore_index);
// grad_x[c] = -g w[t] [c == t] (log_probs' sizes, =).
Tensor nll_loss_backward(const Tensor& grad_loss, const Tensor& log_probs, const Tensor& target,
                         const Tensor& weight, int64_t ignore_index);

// ---- elementwise binary losses: every tensor has the input's sizes (weights expanded to
// it by the caller; an undefined weight or pos_weight is 1) ----

// loss = -w (t max(log p, -100) + (1 - t) max(log(1 - p), -100)); p must lie in [0, 1].
Tensor binary_cross_entropy_forward(const Tensor& probs, const Tensor& target,
                                    const Tensor& weight);
// grad_p = g w (p - t) / max(p (1 - p), 1e-12f), as PyTorch (its floor is a float);
// grad_t = g w (max(log(1 - p), -100) - max(log p, -100)). Both =, fresh; each only if asked.
struct BinaryLossGrads {
  Tensor input;
  Tensor target;
};
BinaryLossGrads binary_cross_entropy_backward(const Tensor& grad_loss, const Tensor& probs,
                                              const Tensor& target, const Tensor& weight,
                                              bool need_input, bool need_target);

// From logits x, stable for any x, with pos_weight q weighting the positive term:
//   loss = w ((1 - t) x + (1 + (q - 1) t) softplus(-x)),   softplus(y) = log(1 + exp(y)).
Tensor binary_cross_entropy_with_logits_forward(const Tensor& logits, const Tensor& target,
                                                const Tensor& weight, const Tensor& pos_weight);
// grad_x = g w ((1 + (q - 1) t) sigmoid(x) - q t);  grad_t = g w (-x + (q - 1) softplus(-x)).
BinaryLossGrads binary_cross_entropy_with_logits_backward(
    const Tensor& grad_loss, const Tensor& logits, const Tensor& target, const Tensor& weight,
    const Tensor& pos_weight, bool need_input, bool need_target);

}  // namespace ember::ops
