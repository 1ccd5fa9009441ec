// The CUDA twin of tensor/ops/layer_norm.cpp. x is M rows of N; a group of threads takes a
// row (sums in double, trees in shared memory); the weight and bias gradients sum each
// column's rows in chunks of 64, then the chunks in order. Deterministic, no atomics.
#include <ember/cuda/check.cuh>
#include <ember/cuda/group_reduce.cuh>
#include <ember/cuda/internal/layer_norm.h>

namespace ember::cuda {

namespace {

// x, y [M, N]; weight, bias [N] or null; mean, rstd [M]. Writes y, mean, rstd (=):
//   y = (x - mean) * rstd * weight + bias,  rstd = 1 / sqrt(var + eps) (biased variance)
template <typename T>
__global__ void layer_norm_kernel(const T* x, T* y, const T* weight, const T* bias,
                                  double* mean_out, double* rstd_out, int64_t m, int64_t n,
                                  double eps, int group) {
  __shared__ double buffer[kThreads];
  const int lane = threadIdx.x % group;
  const int per_block = blockDim.x / group;
  for (int64_t first = blockIdx.x * int64_t(per_block); first < m;
       first += int64_t(gridDim.x) * per_block) {
    const int64_t r = first + threadIdx.x / group;
    const bool active = r < m;
    const T* row = x + (active ? r : 0) * n;
    double sum = 0;
    if (active)
      for (int64_t j = lane; j < n; j += group) sum += double(row[j]);
    const double mean = group_reduce(sum, buffer, group, SumCombine()) / double(n);
    double squares = 0;
    if (active)
      for (int64_t j = lane; j < n; j += group)
        squares += (double(row[j]) - mean) * (double(row[j]) - mean);
    const double rstd =
        1.0 / sqrt(group_reduce(squares, buffer, group, SumCombine()) / double(n) + eps);
    if (!active) continue;
    if (lane == 0) {
      mean_out[r] = mean;
      rstd_out[r] = rstd;
    }
    for (int64_t j = lane; j < n; j += group) {
      T value = T((double(row[j]) - mean) * rstd);
      if (weight) value *= weight[j];
      if (bias) value += bias[j];
      y[r * n + j] = value;
    }
  }
}

// grad_x [M, N] (=), one group per row; gw = grad_y * weight:
//   grad_x = rstd * (gw - mean_row(gw) - x_hat * mean_row(gw * x_hat))
template <typename T>
__global__ void layer_norm_backward_kernel(const T* g, const T* x, const T* weight,
                                           const double* mean, const double* rstd, T* grad_x,
                                           int64_t m, int64_t n, int group) {
  __shared__ double buffer[kThreads];
  const int lane = threadIdx.x % group;
  const int per_block = blockDim.x / group;
  for (int64_t first = blockIdx.x * int64_t(per_block); first < m;
       first += int64_t(gridDim.x) * per_block) {
    const int64_t r = first + threadIdx.x / group;
    const bool active = r < m;
    const int64_t base = (active ? r : 0) * n;
    const double mu = active ? mean[r] : 0.0, rs = active ? rstd[r] : 0.0;
    double sum_gw = 0, sum_gw_xhat = 0;
    if (active)
      for (int64_t j = lane; j < n; j += group) {
        const double gw = double(g[base + j]) * (weight ? double(weight[j]) : 1.0);
        sum_gw += gw;
        sum_gw_xhat += gw * (double(x[base + j]) - mu) * rs;
      }
    const double mean_gw = group_reduce(sum_gw, buffer, group, SumCombine()) / double(n);
    const double mean_gw_xhat = group_reduce(sum_gw_xhat, buffer, group, SumCombine()) / double(n);
    if (!active) continue;
    for (int64_t j = lane; j < n; j += group) {
      const double gw = double(g[base + j]) * (weight ? double(weight[j]) : 1.0);
      const double x_hat = (double(x[base + j]) - mu) * rs;
      grad_x[base + j] = T(rs * (gw - mean_gw - x_hat * mean_gw_xhat));
    }
  }
}

// grad_weight, grad_bias [N] in two passes, so that the M rows are not left to N threads:
// first each column's sums over kParamRows rows at a time (a grid of column blocks by row
// chunks, threads over columns), then each column adds its chunks in order. Deterministic;
// the sums in double.
constexpr int64_t kParamRows = 64;

// partial_w, partial_b [chunks, N] (=).
template <typename T>
__global__ void layer_norm_param_chunks_kernel(const T* g, const T* x, const double* mean,
                                               const double* rstd, double* partial_w,
                                               double* partial_b, int64_t m, int64_t n,
                                               int64_t chunks) {
  const int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (j >= n) return;
  for (int64_t c = blockIdx.y; c < chunks; c += gridDim.y) {
    double sum_w = 0, sum_b = 0;
    for (int64_t r = c * kParamRows; r < min(m, (c + 1) * kParamRows); ++r) {
      const double gv = double(g[r * n + j]);
      sum_w += gv * (double(x[r * n + j]) - mean[r]) * rstd[r];
      sum_b += gv;
    }
    partial_w[c * n + j] = sum_w;
    partial_b[c * n + j] = sum_b;
  }
}

// grad_weight, grad_bias [N] (=, each may be null).
template <typename T>
__global__ void layer_norm_params_kernel(const double* partial_w, const double* partial_b,
                                         T* grad_weight, T* grad_bias, int64_t chunks, int64_t n) {
  for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < n;
       j += int64_t(gridDim.x) * blockDim.x) {
    double sum_w = 0, sum_b = 0;
    for (int64_t c = 0; c < chunks; ++c) {
      sum_w += partial_w[c * n + j];
      sum_b += partial_b[c * n + j];
    }
    if (grad_weight) grad_weight[j] = T(sum_w);
    if (grad_bias) grad_bias[j] = T(sum_b);
  }
}

template <typename T>
const T* data_or_null(const Tensor& t) {
  return t.defined() ? t.device_data<T>() : nullptr;
}

}  // namespace

ops::LayerNormForward layer_norm(const Tensor& x, int64_t m, int64_t n, const Tensor& weight,
                                 const Tensor& bias, double eps) {
  const TensorOptions doubles = TensorOptions(kFloat64).device(x.device());
  ops::LayerNormForward out{empty(x.sizes(), TensorOptions(x.dtype()).device(x.device())),
                            empty({m}, doubles), empty({m}, doubles)};
  if (m == 0 || n == 0) return out;
  DeviceGuard guard(x.device().index);
  const int group = group_for(n);
  dispatch_floating(x.dtype(), "layer_norm", [&](auto tag) {
    using T = decltype(tag);
    layer_norm_kernel<<<blocks_for(m, kThreads / group), kThreads, 0, current_stream()>>>(
        x.device_data<T>(), out.y.device_data<T>(), data_or_null<T>(weight), data_or_null<T>(bias),
        out.mean.device_data<double>(), out.rstd.device_data<double>(), m, n, eps, group);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return out;
}

ops::LayerNormGrads layer_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean,
                                        const Tensor& rstd, int64_t m, int64_t n,
                                        const Shape& normalized_shape, const Tensor& weight,
                                        bool need_x, bool need_weight, bool need_bias) {
  const TensorOptions options = TensorOptions(x.dtype()).device(x.device());
  ops::LayerNormGrads grads;
  if (need_x) grads.x = empty(x.sizes(), options);
  if (need_weight) grads.weight = zeros(normalized_shape, options);
  if (need_bias) grads.bias = zeros(normalized_shape, options);
  if (m == 0 || n == 0) return grads;
  DeviceGuard guard(x.device().index);
  dispatch_floating(x.dtype(), "layer_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    if (need_x) {
      const int group = group_for(n);
      layer_norm_backward_kernel<<<blocks_for(m, kThreads / group), kThreads, 0,
                                   current_stream()>>>(
          grad_y.device_data<T>(), x.device_data<T>(), data_or_null<T>(weight),
          mean.device_data<double>(), rstd.device_data<double>(), grads.x.device_data<T>(), m, n,
          group);
      EMBER_CUDA_CHECK_LAUNCH();
    }
    if (need_weight || need_bias) {
      const int64_t chunks = (m + kParamRows - 1) / kParamRows;
      const TensorOptions doubles = TensorOptions(kFloat64).device(x.device());
      Tensor partial_w = empty({chunks, n}, doubles), partial_b = empty({chunks, n}, doubles);
      const dim3 grid(unsigned((n + 127) / 128), unsigned(std::min<int64_t>(chunks, 65535)));
      layer_norm_param_chunks_kernel<<<grid, 128, 0, current_stream()>>>(
          grad_y.device_data<T>(), x.device_data<T>(), mean.device_data<double>(),
          rstd.device_data<double>(), partial_w.device_data<double>(),
          partial_b.device_data<double>(), m, n, chunks);
      EMBER_CUDA_CHECK_LAUNCH();
      layer_norm_params_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
          partial_w.device_data<double>(), partial_b.device_data<double>(),
          need_weight ? grads.weight.device_data<T>() : nullptr,
          need_bias ? grads.bias.device_data<T>() : nullptr, chunks, n);
      EMBER_CUDA_CHECK_LAUNCH();
    }
  });
  return grads;
}

}  // namespace ember::cuda
