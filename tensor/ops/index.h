// Index ops: pick, gather and scatter-add slices of a tensor by integer ids (int64 or int32).
// Every id is checked first; an id out of [0, size) is an Error naming the op, the id, its
// position and the size. No autograd here (see nn/functional/index.cpp).
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::ops {

// index is [N]; out is a with dim `dim` of size N: out.select(dim, i) = a.select(dim, index[i]).
// For a contiguous [V, D] table and dim 0 this is the embedding lookup, one row copy per id.
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);

// index has a's number of dims (each size <= a's, except along dim); out has index's sizes:
// out[i][j] = a[index[i][j]][j] for dim 0 (likewise other dims).
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index);

// out = a, then out[index[i][j]][j] += src[i][j] for dim 0 (likewise other dims); index
// sizes <= src sizes. Deterministic: each output element takes its additions in id order.
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src);

// out = a, then out.select(dim, index[i]) += alpha * src.select(dim, i); index is [N] and
// src is a with dim `dim` of size N. Deterministic as scatter_add.
Tensor index_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src,
                 double alpha = 1.0);

// index is [...] of ids in [0, C); out is [..., C] int64 with a 1 at each id. C = max id + 1
// when num_classes is -1.
Tensor one_hot(const Tensor& index, int64_t num_classes = -1);

}  // namespace ember::ops
