// Similarities and distances between embeddings, as torch.nn.functional's.
//
//   Tensor scores = nn::functional::cosine_similarity(word.unsqueeze(0), table);  // [V]
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::nn::functional {

// x1 and x2 broadcast to [..., D at dim, ...]; the result drops `dim`:
//   sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) along dim,
// each norm clamped on its own, as torch 1.13 does (a zero vector gives similarity 0).
// Where a norm is clamped the gradient treats max(|x|, eps) as |x|, as torch 1.13 does.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim = 1, double eps = 1e-8);

// x / max(|x|_p, eps) along dim; x's sizes.
Tensor normalize(const Tensor& x, double p = 2.0, int64_t dim = 1, double eps = 1e-12);

// |x1 - x2 + eps|_p over the last dim of the broadcast [..., D]: [...] ([..., 1] if keepdim).
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p = 2.0, double eps = 1e-6,
                         bool keepdim = false);

}  // namespace ember::nn::functional
