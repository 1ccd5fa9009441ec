// Tensor's differentiable methods: each forwards to the free function of the same name.
#include <ember/nn/functional.h>
#include <ember/tensor/ops/row_sparse.h>

namespace ember {

Tensor Tensor::view(Shape sizes) const { return ember::view(*this, std::move(sizes)); }
Tensor Tensor::reshape(Shape sizes) const { return ember::reshape(*this, std::move(sizes)); }
Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  return ember::flatten(*this, start_dim, end_dim);
}
Tensor Tensor::unsqueeze(int64_t dim) const { return ember::unsqueeze(*this, dim); }
Tensor Tensor::squeeze() const { return ember::squeeze(*this); }
Tensor Tensor::squeeze(int64_t dim) const { return ember::squeeze(*this, dim); }
Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  return ember::transpose(*this, dim0, dim1);
}
Tensor Tensor::permute(Shape dims) const { return ember::permute(*this, std::move(dims)); }
Tensor Tensor::t() const {
  EMBER_CHECK(dim() <= 2, "t: expects a tensor with <= 2 dims, got ", dim());
  return dim() < 2 ? *this : ember::transpose(*this, 0, 1);
}
Tensor Tensor::expand(Shape sizes) const { return ember::expand(*this, std::move(sizes)); }
Tensor Tensor::expand_as(const Tensor& other) const { return ember::expand(*this, other.sizes()); }
Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  return ember::narrow(*this, dim, start, length);
}
Tensor Tensor::slice(int64_t dim, int64_t start, int64_t end, int64_t step) const {
  return ember::slice(*this, dim, start, end, step);
}
Tensor Tensor::select(int64_t dim, int64_t index) const { return ember::select(*this, dim, index); }
Tensor Tensor::contiguous() const { return ember::contiguous(*this); }
Tensor Tensor::clone() const { return ember::clone(*this); }
Tensor Tensor::to(DType dtype) const { return ember::to(*this, dtype); }
Tensor Tensor::to(Device device) const { return ember::to(*this, device); }
Tensor Tensor::to_dense() const { return ops::to_dense(*this); }
Tensor Tensor::sum() const { return ember::sum(*this); }
Tensor Tensor::sum(int64_t dim, bool keepdim) const { return ember::sum(*this, {dim}, keepdim); }
Tensor Tensor::mean() const { return ember::mean(*this); }
Tensor Tensor::mean(int64_t dim, bool keepdim) const { return ember::mean(*this, {dim}, keepdim); }

}  // namespace ember
