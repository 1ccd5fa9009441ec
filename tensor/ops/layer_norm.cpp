#include <algorithm>
#include <cmath>

#include <ember/config.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/internal/checks.h>
#include <ember/tensor/ops/layer_norm.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/internal/layer_norm.h>
#endif

namespace ember::ops {

namespace {

// Checks that x ends in normalized_shape and that weight/bias (if defined) are that shape.
void check_args(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                const Tensor& bias, const char* op) {
  check_defined(x, op);
  check_strided(x, op);
  const int64_t k = int64_t(normalized_shape.size());
  EMBER_CHECK(k >= 1, op, ": normalized_shape must name at least one dim");
  bool ends_with = x.dim() >= k;
  for (int64_t d = 0; ends_with && d < k; ++d)
    ends_with = x.size(x.dim() - k + d) == normalized_shape[d];
  EMBER_CHECK(ends_with, op, ": input of sizes ", x.sizes(), " does not end in normalized_shape ",
              normalized_shape);
  for (const Tensor* p : {&weight, &bias}) {
    if (!p->defined()) continue;
    EMBER_CHECK(p->sizes() == normalized_shape, op, ": ", p == &weight ? "weight" : "bias",
                " has sizes ", p->sizes(), ", expected normalized_shape ", normalized_shape);
    check_same_dtype(x, *p, op);
    check_same_device(x, *p, op);
  }
}

// Rows per parallel chunk, so that each chunk touches about `elements` elements.
int64_t grain(int64_t row_length, int64_t elements) {
  return std::max<int64_t>(1, elements / std::max<int64_t>(row_length, 1));
}

// One row: x, y, weight, bias are [N] (weight, bias may be null). Sums in double.
template <typename T>
void forward_row(const T* x, T* y, const T* weight, const T* bias, int64_t n, double eps,
                 double& mean, double& rstd) {
  double sum = 0;
  for (int64_t j = 0; j < n; ++j) sum += double(x[j]);
  mean = sum / double(n);
  double squares = 0;
  for (int64_t j = 0; j < n; ++j) squares += (double(x[j]) - mean) * (double(x[j]) - mean);
  rstd = 1.0 / std::sqrt(squares / double(n) + eps);
  for (int64_t j = 0; j < n; ++j) {
    T value = T((double(x[j]) - mean) * rstd);
    if (weight) value *= weight[j];
    if (bias) value += bias[j];
    y[j] = value;
  }
}

// One row of grad_x (=): g, x, grad_x are [N], weight [N] or null.
template <typename T>
void backward_row(const T* g, const T* x, const T* weight, int64_t n, double mean, double rstd,
                  T* grad_x) {
  double sum_gw = 0, sum_gw_xhat = 0;
  for (int64_t j = 0; j < n; ++j) {
    const double gw = double(g[j]) * (weight ? double(weight[j]) : 1.0);
    sum_gw += gw;
    sum_gw_xhat += gw * (double(x[j]) - mean) * rstd;
  }
  const double mean_gw = sum_gw / double(n), mean_gw_xhat = sum_gw_xhat / double(n);
  for (int64_t j = 0; j < n; ++j) {
    const double gw = double(g[j]) * (weight ? double(weight[j]) : 1.0);
    const double x_hat = (double(x[j]) - mean) * rstd;
    grad_x[j] = T(rstd * (gw - mean_gw - x_hat * mean_gw_xhat));
  }
}

}  // namespace

LayerNormForward layer_norm(const Tensor& x_in, const Shape& normalized_shape,
                            const Tensor& weight_in, const Tensor& bias_in, double eps) {
  const char* op = "layer_norm";
  check_args(x_in, normalized_shape, weight_in, bias_in, op);
  const int64_t n = shape_numel(normalized_shape);
  const int64_t m = n == 0 ? 0 : x_in.numel() / n;
  Tensor x = contiguous(x_in);
  Tensor weight = weight_in.defined() ? contiguous(weight_in) : Tensor();
  Tensor bias = bias_in.defined() ? contiguous(bias_in) : Tensor();
#if EMBER_WITH_CUDA
  if (x.is_cuda()) return cuda::layer_norm(x, m, n, weight, bias, eps);
#endif
  LayerNormForward out{empty(x.sizes(), x.dtype()), empty({m}, kFloat64), empty({m}, kFloat64)};
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();                                    // [M, N]
    T* yp = out.y.data<T>();                                      // [M, N]
    const T* wp = weight.defined() ? weight.data<T>() : nullptr;  // [N]
    const T* bp = bias.defined() ? bias.data<T>() : nullptr;      // [N]
    double* mean = out.mean.data<double>();                       // [M]
    double* rstd = out.rstd.data<double>();                       // [M]
    parallel_for(m, grain(n, 32768), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r)
        forward_row(xp + r * n, yp + r * n, wp, bp, n, eps, mean[r], rstd[r]);
    });
  });
  return out;
}

LayerNormGrads layer_norm_backward(const Tensor& grad_in, const Tensor& x_in, const Tensor& mean,
                                   const Tensor& rstd, const Shape& normalized_shape,
                                   const Tensor& weight_in, bool need_x, bool need_weight,
                                   bool need_bias) {
  const char* op = "layer_norm_backward";
  check_args(x_in, normalized_shape, weight_in, Tensor(), op);
  EMBER_CHECK(grad_in.sizes() == x_in.sizes(), op, ": gradient ", grad_in.sizes(),
              " does not match the input ", x_in.sizes());
  check_same_dtype(grad_in, x_in, op);
  const int64_t n = shape_numel(normalized_shape);
  const int64_t m = n == 0 ? 0 : x_in.numel() / n;
  EMBER_CHECK(mean.numel() == m && rstd.numel() == m && mean.dtype() == kFloat64 &&
                  rstd.dtype() == kFloat64,
              op, ": mean and rstd must be float64 with ", m, " elements");
  Tensor g = contiguous(grad_in);
  Tensor x = contiguous(x_in);
  Tensor weight = weight_in.defined() ? contiguous(weight_in) : Tensor();
  Tensor mean_c = contiguous(mean), rstd_c = contiguous(rstd);
#if EMBER_WITH_CUDA
  if (x.is_cuda()) {
    check_same_device(g, x, op);
    check_same_device(mean_c, x, op);
    check_same_device(rstd_c, x, op);
    return cuda::layer_norm_backward(g, x, mean_c, rstd_c, m, n, normalized_shape, weight, need_x,
                                     need_weight, need_bias);
  }
#endif
  LayerNormGrads grads;
  if (need_x) grads.x = empty(x.sizes(), x.dtype());
  if (need_weight) grads.weight = empty(normalized_shape, x.dtype());
  if (need_bias) grads.bias = empty(normalized_shape, x.dtype());
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* gp = g.data<T>();                                    // [M, N]
    const T* xp = x.data<T>();                                    // [M, N]
    const T* wp = weight.defined() ? weight.data<T>() : nullptr;  // [N]
    const double* mu = mean_c.data<double>();                     // [M]
    const double* rs = rstd_c.data<double>();                     // [M]
    if (need_x) {
      T* dx = grads.x.data<T>();  // [M, N]
      parallel_for(m, grain(n, 16384), [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
          backward_row(gp + r * n, xp + r * n, wp, n, mu[r], rs[r], dx + r * n);
      });
    }
    if (!need_weight && !need_bias) return;
    // One column j per work item, its rows summed in order: no dependence on threads.
    T* dw = need_weight ? grads.weight.data<T>() : nullptr;  // [N]
    T* db = need_bias ? grads.bias.data<T>() : nullptr;      // [N]
    parallel_for(n, grain(m, 16384), [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        double sum_w = 0, sum_b = 0;
        for (int64_t r = 0; r < m; ++r) {
          const double gv = double(gp[r * n + j]);
          sum_w += gv * (double(xp[r * n + j]) - mu[r]) * rs[r];
          sum_b += gv;
        }
        if (dw) dw[j] = T(sum_w);
        if (db) db[j] = T(sum_b);
      }
    });
  });
  return grads;
}

}  // namespace ember::ops
