// Reductions: sum, mean, max/min, norm, argmax, topk (no autograd here; the differentiable
// versions are in nn/functional/reduce.cpp).
//
// Every reduction sees its input as rows: the kept dims first, the reduced dims flattened
// into one row of length R. Each output element is reduced by one thread, in fixed-size
// chunks combined in a fixed order, so results never depend on the thread count.
#pragma once

#include <vector>

#include <ember/tensor/tensor.h>

namespace ember::ops {

struct ValuesIndices {
  Tensor values;
  Tensor indices;  // int64
};

// Which dims of an `ndim`-dim tensor `dims` names (negative dims wrap; repeats raise). An
// empty list names every dim, as PyTorch's sum(dim=[]) does.
std::vector<bool> reduced_dims(int64_t ndim, const Shape& dims, const char* op);
// The sizes of a reduction's result: reduced dims become 1 (keepdim) or disappear.
Shape reduced_sizes(const Shape& sizes, const std::vector<bool>& reduced, bool keepdim);

// sum: float stays its dtype (accumulated in double); int32, int64 and bool give int64.
// Empty: 0. mean (float only) of nothing: nan.
Tensor sum(const Tensor& a);  // all elements, 0-d
Tensor sum(const Tensor& a, const Shape& dims, bool keepdim);
Tensor mean(const Tensor& a);
Tensor mean(const Tensor& a, const Shape& dims, bool keepdim);

// max/min over one dim: values and the int64 index of the first max (min) in each row;
// nan wins over numbers, as in PyTorch. The all-elements versions give a 0-d tensor.
ValuesIndices max(const Tensor& a, int64_t dim, bool keepdim);
ValuesIndices min(const Tensor& a, int64_t dim, bool keepdim);
Tensor max(const Tensor& a);
Tensor min(const Tensor& a);
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim);
Tensor argmax(const Tensor& a);  // index into the flattened tensor, 0-d

// p-norm (sum |x|^p)^(1/p) for p > 0, or max |x| for p = inf. Float only.
Tensor norm(const Tensor& a, double p);
Tensor norm(const Tensor& a, double p, const Shape& dims, bool keepdim);
// Its gradient: grad_a = grad * sign(a) |a|^(p-1) / norm^(p-1) (0 where norm is 0); for
// p = inf, grad * sign(a) split evenly among the elements with |a| = norm. `grad` and
// `norm` have the forward's result sizes (with the same dims and keepdim); returns a
// fresh tensor of a's sizes (=).
Tensor norm_backward(const Tensor& grad, const Tensor& a, const Tensor& norm, double p,
                     const Shape& dims, bool keepdim);

// The k largest (smallest) along `dim`, always sorted; ties keep the lower index first.
ValuesIndices topk(const Tensor& a, int64_t k, int64_t dim, bool largest, bool sorted);

// The gradient of max/min/topk over `dim`: zeros of `sizes`, then along `dim`
//   out[..., indices[..., j, ...], ...] += values[..., j, ...]
// values and indices (int64) have `sizes` except k entries on `dim`.
Tensor scatter_into_zeros(const Shape& sizes, int64_t dim, const Tensor& indices,
                          const Tensor& values);

}  // namespace ember::ops
