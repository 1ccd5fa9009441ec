// Row-sparse tensors: the gradient of a sparse embedding. Rows [K, D...] at unique sorted
// ids [K] of a dense [V, D...] tensor; the other rows are zero.
//   ids [4, 1, 4], rows [[a], [b], [c]]  --coalesce-->  ids [1, 4], rows [[b], [a + c]]
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::ops {

Tensor to_dense(const Tensor& sparse);
// A row-sparse tensor from parts that are already coalesced (unique sorted int64 ids on the
// values' device): no checks, no copies. For kernels that produce sorted unique ids.
Tensor make_row_sparse(const Tensor& indices, const Tensor& values, const Shape& sizes);
// sparse + sparse, both coalesced: merges ids, sums shared rows; the result is coalesced.
Tensor add_row_sparse(const Tensor& a, const Tensor& b);
// dense[ids[k]] += alpha * rows[k], in place.
void add_row_sparse_to_dense_(const Tensor& dense, const Tensor& sparse, double alpha = 1.0);

}  // namespace ember::ops
