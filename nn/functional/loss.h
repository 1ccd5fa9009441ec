// Loss functions, as torch.nn.functional's. Each returns the loss of every element
// (Reduction::kNone), their sum, or their mean. Class weights, pos_weight and weight are
// constants: no gradient flows into them (PyTorch refuses one for the class weight).
//
//   Tensor loss = nn::functional::cross_entropy(logits, targets);  // [N, C], [N] int64
//   loss.backward();
#pragma once

#include <cstdint>

#include <ember/tensor/tensor.h>

namespace ember::nn {

enum class Reduction { kMean, kSum, kNone };

namespace functional {

using nn::Reduction;

// ---- class-index losses (nn/functional/cross_entropy.cpp) ----
// input [N, C], [N, C, d...] (class dim 1) or [C]; target int64 [N], [N, d...] or 0-d, each a
// class in [0, C) or ignore_index (those positions add 0 and leave the mean's denominator).
// weight [C] rescales each class; the mean divides by sum(weight[target]) over the positions
// not ignored (their count without weight), so it is nan when every position is ignored.
// kNone gives target's sizes. A target out of range raises an error naming it, its
// position and C.

// log_softmax over dim 1 and the negative log likelihood in one fused kernel, stable for any
// logits. label_smoothing e in [0, 1] mixes the one-hot target with the uniform
// distribution: loss = (1 - e) w[t] (-log p[t]) + (e / C) sum_c w[c] (-log p[c]).
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                     int64_t ignore_index = -100, Reduction reduction = Reduction::kMean,
                     double label_smoothing = 0.0);
// input holds log-probabilities: loss = -weight[t] * input[t].
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                int64_t ignore_index = -100, Reduction reduction = Reduction::kMean);

// ---- binary and regression losses (nn/functional/loss.cpp) ----
// input and target have equal sizes (target floating, in [0, 1] for the binary losses);
// weight broadcasts to input (pos_weight too: usually [C] against [N, C]). Gradients reach
// input and target.

// input holds probabilities in [0, 1]; each log is clamped at -100, as PyTorch does.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                            Reduction reduction = Reduction::kMean);
// sigmoid and binary cross entropy in one, stable for any logits:
//   loss = weight * (pos_weight * t * softplus(-x) + (1 - t) * softplus(x)).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight = {}, const Tensor& pos_weight = {},
                                        Reduction reduction = Reduction::kMean);
// (input - target)^2; input and target broadcast.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::kMean);

// ---- the embedding models' losses (nn/functional/loss.cpp) ----

// Skip-gram with negative sampling: pos_score [B] (center . context), neg_score [B, K]
// (center . each negative); per pair -logsigmoid(pos) - sum_k logsigmoid(-neg[k]), [B] for
// kNone. kMean is the seeds' -logsigmoid(pos).mean() - logsigmoid(-neg).sum(1).mean().
Tensor negative_sampling_loss(const Tensor& pos_score, const Tensor& neg_score,
                              Reduction reduction = Reduction::kMean);

// KL(N(mu, exp(logvar)) || N(0, 1)) of a diagonal Gaussian: mu, logvar [..., D] (same sizes);
// per row -0.5 * sum_d (1 + logvar - mu^2 - exp(logvar)), [...] for kNone. The default kSum
// is VariationalEmbedding's -0.5 * torch.sum(...) over everything; kMean averages the rows.
Tensor kl_normal(const Tensor& mu, const Tensor& logvar, Reduction reduction = Reduction::kSum);

}  // namespace functional
}  // namespace ember::nn
