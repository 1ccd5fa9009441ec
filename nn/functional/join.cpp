// Differentiable cat and stack: the gradient of each input is its slice of g.
#include <ember/autograd/node.h>
#include <ember/nn/functional.h>
#include <ember/tensor/ops/join.h>

namespace ember {

using autograd::record;
using Grads = std::vector<Tensor>;

// out is the inputs laid end to end along dim; grad of input i = g[..., offset_i:+n_i, ...].
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  Tensor out = ops::cat(tensors, dim);
  std::vector<Shape> sizes;
  for (const Tensor& t : tensors) sizes.push_back(t.sizes());
  if (out.dim() > 1 || out.numel() > 0) dim = wrap_dim(dim, out.dim(), "cat");
  return record("CatBackward", out, tensors, [sizes, dim](const Tensor& g) {
    Grads grads;
    int64_t offset = 0;
    for (const Shape& s : sizes) {
      if (s.size() == 1 && s[0] == 0) {  // a skipped [0] input
        grads.push_back(zeros({0}, TensorOptions(g.dtype()).device(g.device())));
        continue;
      }
      grads.push_back(narrow(g, dim, offset, s[dim]));
      offset += s[dim];
    }
    return grads;
  });
}

// out[..., i, ...] (new dim `dim`) = tensors[i]; grad of input i = g.select(dim, i).
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  Tensor out = ops::stack(tensors, dim);
  dim = wrap_dim(dim, out.dim(), "stack");
  return record("StackBackward", out, tensors, [dim, n = int64_t(tensors.size())](const Tensor& g) {
    Grads grads;
    for (int64_t i = 0; i < n; ++i) grads.push_back(select(g, dim, i));
    return grads;
  });
}

}  // namespace ember
