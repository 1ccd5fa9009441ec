// The CUDA twins of tensor/ops/index.cpp, arguments and ids checked there (ids are
// contiguous int32/int64 on the input's device). Each returns a fresh contiguous tensor.
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::cuda {

// The first position whose id is outside [0, size), or -1.
int64_t first_bad_index(const Tensor& ids, int64_t size);

// table [outer, V, inner] contiguous around dim; ids [N]; out [outer, N, inner].
Tensor index_select(const Tensor& table, int64_t dim, const Tensor& ids);
// out (ids' sizes)[..., i, ...] = a[..., ids[..., i, ...], ...] along dim; a any strides.
Tensor gather(const Tensor& a, int64_t dim, const Tensor& ids);
// out = a, then out[..., ids[..., i, ...], ...] += src[..., i, ...] along dim (in i order).
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& ids, const Tensor& src);
// out = a [outer, V, inner], then out[o, ids[i], k] += alpha * src[o, i, k] (in i order).
Tensor index_add(const Tensor& a, int64_t dim, const Tensor& ids, const Tensor& src, double alpha);
// In place: dense [V, inner] contiguous, ids [K] int64 unique in [0, V) (a coalesced row-sparse
// tensor's), rows [K, inner] contiguous, all on one device: dense[ids[i]] += alpha * rows[i].
// One thread per element of rows; the ids being unique, no two threads write one element.
void add_rows_(const Tensor& dense, const Tensor& ids, const Tensor& rows, double alpha);
// out [..., C] int64 with out[..., ids[...]] = 1.
Tensor one_hot(const Tensor& ids, int64_t num_classes);

}  // namespace ember::cuda
