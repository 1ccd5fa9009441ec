#include <ember/optim/clip_grad.h>

#include <algorithm>
#include <cmath>

#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/inplace.h>
#include <ember/tensor/ops/reduce.h>

namespace ember::optim {

namespace {

// The p-norm of one gradient's elements (its rows, for RowSparse), summed in double.
double grad_norm(const Tensor& grad, double norm_type) {
  Tensor values = ops::contiguous(grad.is_row_sparse() ? grad.values() : grad);
  if (values.is_cuda()) {  // the reduction on the GPU, in double as here
    dispatch_floating(values.dtype(), "clip_grad_norm_", [](auto) {});
    return ops::norm(ops::to_dtype(values, kFloat64), norm_type).item<double>();
  }
  return dispatch_floating(values.dtype(), "clip_grad_norm_", [&](auto tag) {
    using T = decltype(tag);
    const T* g = values.data<T>();
    const int64_t n = values.numel();
    double total = 0;
    if (std::isinf(norm_type)) {
      for (int64_t i = 0; i < n; ++i) total = std::max(total, std::abs(double(g[i])));
      return total;
    }
    for (int64_t i = 0; i < n; ++i)
      total += norm_type == 2.0 ? double(g[i]) * double(g[i])
                                : std::pow(std::abs(double(g[i])), norm_type);
    return norm_type == 2.0 ? std::sqrt(total) : std::pow(total, 1.0 / norm_type);
  });
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type) {
  EMBER_CHECK(norm_type > 0, "clip_grad_norm_: norm_type must be positive, got ", norm_type);
  std::vector<Tensor> grads;
  for (const Tensor& p : params) {
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    grads.push_back(grad);
  }
  // The norm of the per-gradient norms, as PyTorch takes it.
  double total = 0;
  for (const Tensor& grad : grads) {
    double norm = grad_norm(grad, norm_type);
    if (std::isinf(norm_type))
      total = std::max(total, norm);
    else
      total += std::pow(norm, norm_type);
  }
  if (norm_type == 2.0)
    total = std::sqrt(total);
  else if (!std::isinf(norm_type))
    total = std::pow(total, 1.0 / norm_type);
  const double coef = max_norm / (total + 1e-6);
  if (!(coef >= 1.0))  // a NaN norm makes NaN gradients, as in PyTorch
    for (const Tensor& grad : grads) ops::mul_(grad.is_row_sparse() ? grad.values() : grad, coef);
  return total;
}

}  // namespace ember::optim
