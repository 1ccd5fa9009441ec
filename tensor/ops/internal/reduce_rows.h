// How a reduction sees its input, shared by the CPU loops (tensor/ops/reduce.cpp) and their
// CUDA twins (cuda/reduce.cu, cuda/topk.cu): as rows, or in place as strided columns.
#pragma once

#include <vector>

#include <ember/tensor/tensor.h>

namespace ember::ops {

// `a` seen as rows: data is contiguous [outer, row], the kept dims (in order) giving the
// row, the reduced dims (in order) flattened into it. perm is what was applied to `a`.
struct Rows {
  Tensor data;
  int64_t outer = 1;
  int64_t row = 1;
  Shape perm;
};
Rows to_rows(const Tensor& a, const std::vector<bool>& reduced);

// The inverse of to_rows: contiguous rows [outer, row'] back to `sizes` (the input's sizes,
// with row' possibly shorter on one reduced dim, as for topk), as a fresh contiguous tensor.
Tensor from_rows(const Tensor& rows, const Shape& sizes, const Shape& perm);

// A contiguous `a` whose reduced dims (ignoring size-1 dims) are one block with kept dims
// after it, seen as [outer, row, inner]: out[o, i] reduces a[o, :, i], a strided column.
// Such a reduction reads the columns in place instead of copying a permuted tensor.
struct Columns {
  int64_t outer = 1, row = 1, inner = 1;
};
bool as_columns(const Tensor& a, const std::vector<bool>& reduced, Columns* c);

}  // namespace ember::ops
