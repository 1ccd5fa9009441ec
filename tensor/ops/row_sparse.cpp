#include <ember/tensor/ops/row_sparse.h>

#include <algorithm>
#include <numeric>

#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/inplace.h>

namespace ember {

namespace ops {

Tensor make_row_sparse(const Tensor& indices, const Tensor& values, const Shape& sizes) {
  auto impl = std::make_shared<TensorImpl>();
  impl->sizes = sizes;
  impl->strides = contiguous_strides(impl->sizes);
  impl->dtype = values.dtype();
  impl->layout = Layout::kRowSparse;
  impl->row_sparse = std::make_shared<RowSparseParts>(RowSparseParts{indices, values});
  return Tensor(impl);
}

}  // namespace ops

Tensor row_sparse(const Tensor& indices_in, const Tensor& values_in, Shape sizes) {
  EMBER_CHECK(indices_in.dim() == 1, "row_sparse: indices must be 1-D, got sizes ",
              indices_in.sizes());
  EMBER_CHECK(!sizes.empty(), "row_sparse: dense sizes must have at least one dim");
  const int64_t k = indices_in.size(0);
  Shape row_shape(sizes.begin() + 1, sizes.end());
  Shape expected = row_shape;
  expected.insert(expected.begin(), k);
  EMBER_CHECK(values_in.sizes() == expected, "row_sparse: values ", values_in.sizes(),
              " do not match ", k, " rows of dense sizes ", sizes, " (expected ", expected, ")");
  Device device = values_in.device();
  Tensor ids = ops::contiguous(ops::to_device(ops::to_dtype(indices_in, kInt64), Device(kCPU)));
  Tensor values = ops::contiguous(ops::to_device(values_in, Device(kCPU)));
  const int64_t* id = ids.data<int64_t>();
  for (int64_t i = 0; i < k; ++i)
    EMBER_CHECK(id[i] >= 0 && id[i] < sizes[0], "row_sparse: index ", id[i], " at position ", i,
                " out of range for ", sizes[0], " rows");

  // Coalesce: sort positions by id (stable, so equal ids sum in input order), then sum runs.
  std::vector<int64_t> order(k);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return id[a] < id[b]; });
  std::vector<int64_t> unique_ids;
  for (int64_t i = 0; i < k; ++i)
    if (i == 0 || id[order[i]] != id[order[i - 1]]) unique_ids.push_back(id[order[i]]);
  const int64_t nnz = int64_t(unique_ids.size());
  Shape out_shape = row_shape;
  out_shape.insert(out_shape.begin(), nnz);
  Tensor out_values = zeros(out_shape, values.dtype());
  const int64_t row_size = shape_numel(row_shape);
  dispatch_numeric(values.dtype(), "row_sparse", [&](auto tag) {
    using T = decltype(tag);
    const T* in = values.data<T>();
    T* out = out_values.data<T>();
    for (int64_t i = 0, row = -1; i < k; ++i) {
      if (i == 0 || id[order[i]] != id[order[i - 1]]) ++row;
      const T* src = in + order[i] * row_size;
      T* dst = out + row * row_size;
      for (int64_t j = 0; j < row_size; ++j) dst[j] += src[j];
    }
  });
  Tensor out_ids = tensor(unique_ids, {nnz}, kInt64);
  return ops::make_row_sparse(ops::to_device(out_ids, device), ops::to_device(out_values, device),
                              sizes);
}

namespace ops {

Tensor to_dense(const Tensor& sparse) {
  if (!sparse.is_row_sparse()) return sparse;
  Tensor dense = zeros(sparse.sizes(), TensorOptions(sparse.dtype()).device(sparse.device()));
  add_row_sparse_to_dense_(dense, sparse);
  return dense;
}

void add_row_sparse_to_dense_(const Tensor& dense, const Tensor& sparse, double alpha) {
  EMBER_CHECK(dense.sizes() == sparse.sizes(), "add_row_sparse_to_dense_: dense ", dense.sizes(),
              " vs row-sparse ", sparse.sizes());
  Tensor ids = to_device(sparse.indices(), Device(kCPU));
  const int64_t* id = ids.data<int64_t>();
  Tensor values = sparse.values();
  for (int64_t i = 0; i < ids.numel(); ++i)
    add_(select(dense, 0, id[i]), select(values, 0, i), alpha);
}

Tensor add_row_sparse(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.sizes() == b.sizes(), "add: row-sparse sizes differ, ", a.sizes(), " vs ",
              b.sizes());
  std::vector<int64_t> all = a.indices().to_vector<int64_t>();
  for (int64_t v : b.indices().to_vector<int64_t>()) all.push_back(v);
  Shape values_shape = a.values().sizes();
  values_shape[0] = int64_t(all.size());
  Tensor stacked = empty(values_shape, TensorOptions(a.dtype()).device(a.device()));
  const int64_t ka = a.values().size(0);
  copy_(slice(stacked, 0, 0, ka, 1), a.values());
  copy_(slice(stacked, 0, ka, int64_t(all.size()), 1), b.values());
  return row_sparse(tensor(all, {int64_t(all.size())}, kInt64), stacked, a.sizes());
}

}  // namespace ops
}  // namespace ember
