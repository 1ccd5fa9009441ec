// Differentiable views and copies. A view's backward maps the gradient back to the input's
// geometry: reshape it back, transpose it back, sum what expand repeated, or place it in
// a zero tensor where narrow/select took it from.
#include <ember/autograd/node.h>
#include <ember/nn/functional.h>
#include <ember/tensor/ops/copy.h>

namespace ember {

using autograd::record;
using Grads = std::vector<Tensor>;

Tensor view(const Tensor& a, Shape sizes) {
  return record("ViewBackward", ops::view(a, std::move(sizes)), {a},
                [in = a.sizes()](const Tensor& g) { return Grads{reshape(g, in)}; });
}

Tensor reshape(const Tensor& a, Shape sizes) {
  return record("ReshapeBackward", ops::reshape(a, std::move(sizes)), {a},
                [in = a.sizes()](const Tensor& g) { return Grads{reshape(g, in)}; });
}

Tensor flatten(const Tensor& a, int64_t start_dim, int64_t end_dim) {
  if (a.dim() == 0) return reshape(a, {1});
  start_dim = wrap_dim(start_dim, a.dim(), "flatten");
  end_dim = wrap_dim(end_dim, a.dim(), "flatten");
  EMBER_CHECK(start_dim <= end_dim, "flatten: start_dim ", start_dim, " after end_dim ", end_dim);
  Shape sizes(a.sizes().begin(), a.sizes().begin() + start_dim);
  int64_t merged = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) merged *= a.size(d);
  sizes.push_back(merged);
  sizes.insert(sizes.end(), a.sizes().begin() + end_dim + 1, a.sizes().end());
  return reshape(a, sizes);
}

Tensor unsqueeze(const Tensor& a, int64_t dim) {
  return record("UnsqueezeBackward", ops::unsqueeze(a, dim), {a},
                [in = a.sizes()](const Tensor& g) { return Grads{reshape(g, in)}; });
}

Tensor squeeze(const Tensor& a) {
  Shape sizes;
  for (int64_t s : a.sizes())
    if (s != 1) sizes.push_back(s);
  return reshape(a, sizes);
}

Tensor squeeze(const Tensor& a, int64_t dim) {
  return record("SqueezeBackward", ops::squeeze(a, dim), {a},
                [in = a.sizes()](const Tensor& g) { return Grads{reshape(g, in)}; });
}

Tensor transpose(const Tensor& a, int64_t dim0, int64_t dim1) {
  return record("TransposeBackward", ops::transpose(a, dim0, dim1), {a},
                [dim0, dim1](const Tensor& g) { return Grads{transpose(g, dim0, dim1)}; });
}

Tensor permute(const Tensor& a, Shape dims) {
  Tensor out = ops::permute(a, dims);
  Shape inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inverse[wrap_dim(dims[i], a.dim(), "permute")] = i;
  return record("PermuteBackward", out, {a},
                [inverse](const Tensor& g) { return Grads{permute(g, inverse)}; });
}

Tensor expand(const Tensor& a, Shape sizes) {
  return record("ExpandBackward", ops::expand(a, std::move(sizes)), {a},
                [in = a.sizes()](const Tensor& g) { return Grads{sum_to(g, in)}; });
}

// The gradient of a view that took part of `a`: zeros, with g written where the part was.
template <typename Place>
static Tensor scatter_back(const Tensor& g, const Shape& in, DType dtype, Place place) {
  Tensor grad = zeros(in, TensorOptions(dtype).device(g.device()));
  ops::copy_(place(grad), g);
  return grad;
}

Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length) {
  EMBER_CHECK(a.dim() > 0, "narrow: cannot narrow a 0-d tensor");
  int64_t n = a.size(dim);
  if (start < 0) start += n;
  EMBER_CHECK(start >= 0 && length >= 0 && start + length <= n, "narrow: start ", start,
              " + length ", length, " exceeds dim ", dim, " of size ", n);
  return slice(a, dim, start, start + length, 1);
}

Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step) {
  Tensor out = ops::slice(a, dim, start, end, step);
  int64_t first = a.stride(dim) ? (out.offset() - a.offset()) / a.stride(dim) : 0;
  if (out.size(dim) == 0) first = 0;
  return record(
      "SliceBackward", out, {a},
      [in = a.sizes(), dtype = a.dtype(), dim, first, n = out.size(dim), step](const Tensor& g) {
        return Grads{scatter_back(g, in, dtype, [&](const Tensor& grad) {
          return ops::slice(grad, dim, first, first + (n - 1) * step + 1, step);
        })};
      });
}

Tensor select(const Tensor& a, int64_t dim, int64_t index) {
  Tensor out = ops::select(a, dim, index);
  if (index < 0) index += a.size(dim);
  return record(
      "SelectBackward", out, {a}, [in = a.sizes(), dtype = a.dtype(), dim, index](const Tensor& g) {
        return Grads{scatter_back(
            g, in, dtype, [&](const Tensor& grad) { return ops::select(grad, dim, index); })};
      });
}

Tensor contiguous(const Tensor& a) {
  if (a.is_contiguous()) return a;
  return record("ContiguousBackward", ops::clone(a), {a}, [](const Tensor& g) { return Grads{g}; });
}

Tensor clone(const Tensor& a) {
  return record("CloneBackward", ops::clone(a), {a}, [](const Tensor& g) { return Grads{g}; });
}

Tensor to(const Tensor& a, DType dtype) {
  if (a.dtype() == dtype) return a;
  Tensor out = ops::to_dtype(a, dtype);
  if (!is_floating(dtype)) return out;
  return record("ToDTypeBackward", out, {a},
                [from = a.dtype()](const Tensor& g) { return Grads{to(g, from)}; });
}

Tensor to(const Tensor& a, Device device) {
  if (a.device() == device) return a;
  return record("ToDeviceBackward", ops::to_device(a, device), {a},
                [from = a.device()](const Tensor& g) { return Grads{to(g, from)}; });
}

}  // namespace ember
