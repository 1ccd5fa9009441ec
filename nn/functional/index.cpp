// Differentiable index ops. Each backward is the op's adjoint: what index_select picks,
// index_add puts back; what gather picks, scatter_add puts back, and the other way round.
#include <ember/autograd/node.h>
#include <ember/nn/functional.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/index.h>
#include <ember/tensor/ops/inplace.h>

namespace ember {

using autograd::record;
using Grads = std::vector<Tensor>;

static Tensor zeros_of(const Shape& sizes, const Tensor& like) {
  return zeros(sizes, TensorOptions(like.dtype()).device(like.device()));
}

// out.select(dim, i) = a.select(dim, index[i]); grad_a = zeros, then += g at each id
// (repeated ids add up).
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  Tensor out = ops::index_select(a, dim, index);
  return record("IndexSelectBackward", out, {a}, [in = a.sizes(), dim, index](const Tensor& g) {
    return Grads{index_add(zeros_of(in, g), dim, index, g)};
  });
}

// out has index's sizes, out[i][j] = a[index[i][j]][j] (dim 0); grad_a = scatter_add of g.
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index) {
  Tensor out = ops::gather(a, dim, index);
  return record("GatherBackward", out, {a}, [in = a.sizes(), dim, index](const Tensor& g) {
    return Grads{scatter_add(zeros_of(in, g), dim, index, g)};
  });
}

// out = a + src scattered by index; grad_a = g, grad_src = g gathered by index (zero where
// src is larger than index).
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src) {
  Tensor out = ops::scatter_add(a, dim, index, src);
  return record("ScatterAddBackward", out, {a, src},
                [dim, index, src_sizes = src.sizes()](const Tensor& g) {
                  Tensor grad_src = gather(g, dim, index);
                  if (grad_src.sizes() != src_sizes) {
                    Tensor padded = zeros_of(src_sizes, g);
                    Tensor part = padded;
                    for (int64_t d = 0; d < part.dim(); ++d)
                      part = ops::slice(part, d, 0, index.size(d), 1);
                    ops::copy_(part, grad_src);
                    grad_src = padded;
                  }
                  return Grads{g, grad_src};
                });
}

// out = a, out.select(dim, index[i]) += alpha * src.select(dim, i);
// grad_a = g, grad_src = alpha * g picked at the ids.
Tensor index_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src,
                 double alpha) {
  Tensor out = ops::index_add(a, dim, index, src, alpha);
  return record("IndexAddBackward", out, {a, src}, [dim, index, alpha](const Tensor& g) {
    Tensor grad_src = index_select(g, dim, index);
    if (alpha != 1.0) ops::mul_(grad_src, alpha);
    return Grads{g, grad_src};
  });
}

Tensor one_hot(const Tensor& index, int64_t num_classes) {
  return ops::one_hot(index, num_classes);
}

}  // namespace ember
