#include <ember/tensor/ops/row_sparse.h>

#include <algorithm>
#include <numeric>

#include <ember/config.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/embedding.h>
#include <ember/tensor/ops/inplace.h>
#include <ember/tensor/ops/join.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/internal/index.h>
#endif

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
#if EMBER_WITH_CUDA
  // On the GPU one kernel for all rows (a launch a row was ~600k launches for a 1M-id batch).
  if (dense.is_cuda() && dense.is_contiguous() && dense.offset() == 0 &&
      sparse.device() == dense.device() && sparse.dtype() == dense.dtype() &&
      (dense.dtype() == kFloat32 || dense.dtype() == kFloat64)) {
    cuda::add_rows_(dense, contiguous(sparse.indices()), contiguous(sparse.values()), alpha);
    return;
  }
#endif
  Tensor ids = to_device(sparse.indices(), Device(kCPU));
  const int64_t* id = ids.data<int64_t>();
  Tensor values = sparse.values();
  for (int64_t i = 0; i < ids.numel(); ++i)
    add_(select(dense, 0, id[i]), select(values, 0, i), alpha);
}

// Merges the two sorted id lists; a row in both is (0 + a) + b, the sum row_sparse() forms
// for the two rows of one id taken in that order, so both ways give the same bits.
//   a: ids [1, 4], rows [p, q];  b: ids [2, 4], rows [r, s]  ->  ids [1, 2, 4], [p, r, q + s]
Tensor add_row_sparse(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.sizes() == b.sizes(), "add: row-sparse sizes differ, ", a.sizes(), " vs ",
              b.sizes());
  EMBER_CHECK(a.dtype() == b.dtype(), "add: row-sparse dtypes differ, ", a.dtype(), " vs ",
              b.dtype());
  const bool floating = a.dtype() == kFloat32 || a.dtype() == kFloat64;
  if (a.is_cuda() && floating && b.device() == a.device()) {
    // On the GPU without a trip through the host: both lists' ids and rows one after the
    // other, summed by id in that order by the embedding backward's sort (a row in both is
    // a + b, as below).
    const Shape row_shape(a.sizes().begin() + 1, a.sizes().end());
    const int64_t width = shape_numel(row_shape);
    const Tensor rows = cat({reshape(a.values(), {a.values().size(0), width}),
                             reshape(b.values(), {b.values().size(0), width})});
    const Tensor sum = embedding_backward_sparse(rows, cat({a.indices(), b.indices()}), a.size(0),
                                                 std::nullopt, false);
    Shape values_shape = row_shape;
    values_shape.insert(values_shape.begin(), sum.indices().numel());
    return make_row_sparse(sum.indices(), reshape(sum.values(), values_shape), a.sizes());
  }
  if (a.is_cuda() || b.is_cuda() || !floating) {
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
  Tensor ids_a = contiguous(a.indices()), ids_b = contiguous(b.indices());
  Tensor rows_a = contiguous(a.values()), rows_b = contiguous(b.values());
  const int64_t* ia = ids_a.data<int64_t>();
  const int64_t* ib = ids_b.data<int64_t>();
  const int64_t ka = ids_a.numel(), kb = ids_b.numel();
  const int64_t D = ka > 0 ? rows_a.numel() / ka : (kb > 0 ? rows_b.numel() / kb : 0);
  // Where each output row comes from: source[r] = {index into a or -1, index into b or -1}.
  // The merge is branch-free while both lists last (their ids interleave at random).
  std::vector<std::pair<int64_t, int64_t>> source(static_cast<size_t>(ka + kb));
  Tensor ids = empty({ka + kb}, kInt64);
  int64_t* out_ids = ids.data<int64_t>();
  int64_t i = 0, j = 0, K = 0;
  for (; i < ka && j < kb; ++K) {
    const int64_t x = ia[i], y = ib[j];
    const bool from_a = x <= y, from_b = y <= x;
    out_ids[K] = from_a ? x : y;
    source[size_t(K)] = {from_a ? i : -1, from_b ? j : -1};
    i += from_a;
    j += from_b;
  }
  for (; i < ka; ++i, ++K) {
    out_ids[K] = ia[i];
    source[size_t(K)] = {i, -1};
  }
  for (; j < kb; ++j, ++K) {
    out_ids[K] = ib[j];
    source[size_t(K)] = {-1, j};
  }
  Shape values_shape = rows_a.sizes();
  values_shape[0] = K;
  Tensor values = empty(values_shape, a.dtype());
  dispatch_floating(a.dtype(), "add (row-sparse)", [&](auto tag) {
    using T = decltype(tag);
    const T* ra = rows_a.data<T>();
    const T* rb = rows_b.data<T>();
    T* out = values.data<T>();
    parallel_for(K, std::max<int64_t>(1, 16384 / std::max<int64_t>(D, 1)),
                 [&](int64_t begin, int64_t end) {
                   for (int64_t r = begin; r < end; ++r) {
                     const auto [i, j] = source[size_t(r)];
                     T* row = out + r * D;
                     for (int64_t d = 0; d < D; ++d) row[d] = T(0);
                     if (i >= 0)
                       for (int64_t d = 0; d < D; ++d) row[d] += ra[i * D + d];
                     if (j >= 0)
                       for (int64_t d = 0; d < D; ++d) row[d] += rb[j * D + d];
                   }
                 });
  });
  return make_row_sparse(slice(ids, 0, 0, K, 1), values, a.sizes());
}

}  // namespace ops
}  // namespace ember
