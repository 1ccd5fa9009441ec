// Copies and conversions: the kernels behind contiguous(), clone(), .to(dtype) and copy_.
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::ops {

// dst[...] = src[...] with src broadcast to dst's shape and its dtype converted.
void copy_(const Tensor& dst, const Tensor& src);
Tensor contiguous(const Tensor& t);                // t itself when already contiguous
Tensor clone(const Tensor& t);                     // always a fresh contiguous copy
Tensor to_dtype(const Tensor& t, DType dtype);     // t itself when dtype matches
Tensor to_device(const Tensor& t, Device device);  // t itself when device matches
void fill_(const Tensor& t, double value);

// Raw (no autograd) views: the geometry behind the differentiable view ops.
Tensor view(const Tensor& t, Shape sizes);
Tensor reshape(const Tensor& t, Shape sizes);
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1);
Tensor permute(const Tensor& t, const Shape& dims);
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor squeeze(const Tensor& t, int64_t dim);  // no-op where size != 1
Tensor expand(const Tensor& t, Shape sizes);
Tensor slice(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step);
Tensor select(const Tensor& t, int64_t dim, int64_t index);

}  // namespace ember::ops
