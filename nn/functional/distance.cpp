// cosine_similarity (its own forward and backward, to follow torch 1.13 where a norm is
// clamped), and normalize and pairwise_distance composed of differentiable ops.
#include <ember/autograd/node.h>
#include <ember/nn/functional.h>
#include <ember/nn/functional/distance.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/elementwise.h>
#include <ember/tensor/ops/reduce.h>

namespace ember::nn::functional {

using autograd::record;
using Grads = std::vector<Tensor>;

// x1, x2 broadcast to [B] (D along dim); n = max(|x|, eps) [B with 1 at dim], u = x / n,
// y = sum(u1 u2, dim). With y' = y kept at dim, the gradient is
//   grad_x1 = g / n1 (u2 - y' u1),  grad_x2 = g / n2 (u1 - y' u2),
// summed back down to each input's sizes.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps) {
  const char* op = "cosine_similarity";
  EMBER_CHECK(x1.dtype() == x2.dtype(), op, ": dtype mismatch, ", x1.dtype(), " vs ", x2.dtype(),
              " (convert one with .to(dtype))");
  const Shape sizes = broadcast_shapes(x1.sizes(), x2.sizes(), op);
  dim = wrap_dim(dim, int64_t(sizes.size()), op);
  const Tensor a = ops::expand(x1, sizes), b = ops::expand(x2, sizes);
  const Tensor n1 = ops::clamp(ops::norm(a, 2.0, {dim}, true), eps, std::nullopt);
  const Tensor n2 = ops::clamp(ops::norm(b, 2.0, {dim}, true), eps, std::nullopt);
  const Tensor u1 = ops::div(a, n1), u2 = ops::div(b, n2);
  Tensor out = ops::sum(ops::mul(u1, u2), {dim}, false);
  return record("CosineSimilarityBackward", out, {x1, x2},
                [u1, u2, n1, n2, dim, y = out.detach(), s1 = x1.sizes(), s2 = x2.sizes(),
                 need1 = x1.requires_grad(), need2 = x2.requires_grad()](const Tensor& g) {
                  const Tensor gk = ops::unsqueeze(g, dim), yk = ops::unsqueeze(y, dim);
                  auto grad = [&](const Tensor& u, const Tensor& v, const Tensor& n,
                                  const Shape& in) {
                    Tensor d = ops::mul(ops::div(gk, n), ops::sub(v, ops::mul(yk, u)));
                    return sum_to(d, in);
                  };
                  return Grads{need1 ? grad(u1, u2, n1, s1) : Tensor(),
                               need2 ? grad(u2, u1, n2, s2) : Tensor()};
                });
}

// x [..., D at dim, ...]; the norm [.., 1, ..] clamps at eps and broadcasts back.
Tensor normalize(const Tensor& x, double p, int64_t dim, double eps) {
  return x / clamp(norm(x, p, {dim}, true), eps, std::nullopt);
}

// x1, x2 broadcast to [..., D]; result [...] (or [..., 1]).
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  return norm(x1 - x2 + eps, p, {-1}, keepdim);
}

}  // namespace ember::nn::functional
