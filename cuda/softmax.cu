// The CUDA twins of tensor/ops/softmax.cpp. A contiguous tensor is seen as lines around
// dim: [outer, length, inner], line (o, i) = x[o, :, i], its elements `inner` apart (1 for
// the last dim). A group of threads takes a line: max, then sum of exp(x - max) in double,
// each a tree in shared memory, then the outputs.
#include <cmath>

#include <ember/cuda/check.cuh>
#include <ember/cuda/group_reduce.cuh>
#include <ember/cuda/internal/softmax.h>

namespace ember::cuda {

namespace {

struct MaxCombine {
  __device__ double operator()(double a, double b) const { return fmax(a, b); }
};

struct Lines {
  int64_t outer = 1, length = 1, inner = 1;
  __host__ __device__ int64_t count() const { return outer * inner; }
};

Lines lines_of(const Shape& sizes, int64_t dim) {
  Lines l;
  for (int64_t d = 0; d < dim; ++d) l.outer *= sizes[d];
  for (int64_t d = dim + 1; d < int64_t(sizes.size()); ++d) l.inner *= sizes[d];
  l.length = sizes.empty() ? 1 : sizes[dim];
  return l;
}

// x, y [outer, length, inner]; writes y (=):
//   softmax:     y = exp(x - max) / sum,   log_softmax: y = (x - max) - log(sum),
// sum = sum over the line of exp(x - max), accumulated in double.
template <typename T>
__global__ void softmax_kernel(const T* x, T* y, Lines shape, int group, bool log) {
  __shared__ double buffer[kThreads];
  const int lane = threadIdx.x % group;
  const int per_block = blockDim.x / group;
  const int64_t lines = shape.count(), n = shape.length, step = shape.inner;
  for (int64_t first = blockIdx.x * int64_t(per_block); first < lines;
       first += int64_t(gridDim.x) * per_block) {
    const int64_t l = first + threadIdx.x / group;
    const bool active = l < lines;
    const int64_t base = active ? (l / step) * n * step + l % step : 0;
    double max = -INFINITY;
    if (active)
      for (int64_t j = lane; j < n; j += group) max = fmax(max, double(x[base + j * step]));
    const T line_max = T(group_reduce(max, buffer, group, MaxCombine()));
    double sum = 0;
    if (active)
      for (int64_t j = lane; j < n; j += group)
        sum += double(T(exp(x[base + j * step] - line_max)));
    sum = group_reduce(sum, buffer, group, SumCombine());
    if (!active) continue;
    const T log_sum = T(::log(sum)), scale = T(1.0 / sum);
    for (int64_t j = lane; j < n; j += group) {
      const T shifted = x[base + j * step] - line_max;
      y[base + j * step] = log ? shifted - log_sum : T(exp(shifted)) * scale;
    }
  }
}

// grad_y, y, grad_x [outer, length, inner]; writes grad_x (=):
//   softmax:     grad_x = y * (grad_y - sum(grad_y * y))
//   log_softmax: grad_x = grad_y - exp(y) * sum(grad_y)
template <typename T>
__global__ void softmax_backward_kernel(const T* grad_y, const T* y, T* grad_x, Lines shape,
                                        int group, bool log) {
  __shared__ double buffer[kThreads];
  const int lane = threadIdx.x % group;
  const int per_block = blockDim.x / group;
  const int64_t lines = shape.count(), n = shape.length, step = shape.inner;
  for (int64_t first = blockIdx.x * int64_t(per_block); first < lines;
       first += int64_t(gridDim.x) * per_block) {
    const int64_t l = first + threadIdx.x / group;
    const bool active = l < lines;
    const int64_t base = active ? (l / step) * n * step + l % step : 0;
    double sum = 0;
    if (active)
      for (int64_t j = lane; j < n; j += group) {
        const int64_t at = base + j * step;
        sum += log ? double(grad_y[at]) : double(grad_y[at]) * double(y[at]);
      }
    const T s = T(group_reduce(sum, buffer, group, SumCombine()));
    if (!active) continue;
    for (int64_t j = lane; j < n; j += group) {
      const int64_t at = base + j * step;
      grad_x[at] = log ? grad_y[at] - T(exp(y[at])) * s : y[at] * (grad_y[at] - s);
    }
  }
}

}  // namespace

Tensor softmax_forward(const Tensor& x, int64_t dim, bool log) {
  Tensor y = empty(x.sizes(), TensorOptions(x.dtype()).device(x.device()));
  const Lines shape = lines_of(x.sizes(), dim);
  if (x.numel() == 0) return y;
  DeviceGuard guard(x.device().index);
  const int group = group_for(shape.length);
  dispatch_floating(x.dtype(), log ? "log_softmax" : "softmax", [&](auto tag) {
    using T = decltype(tag);
    softmax_kernel<<<blocks_for(shape.count(), kThreads / group), kThreads, 0, current_stream()>>>(
        x.device_data<T>(), y.device_data<T>(), shape, group, log);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return y;
}

Tensor softmax_backward(const Tensor& grad_y, const Tensor& y, int64_t dim, bool log) {
  Tensor grad_x = empty(y.sizes(), TensorOptions(y.dtype()).device(y.device()));
  const Lines shape = lines_of(y.sizes(), dim);
  if (y.numel() == 0) return grad_x;
  DeviceGuard guard(y.device().index);
  const int group = group_for(shape.length);
  dispatch_floating(y.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&](auto tag) {
    using T = decltype(tag);
    softmax_backward_kernel<<<blocks_for(shape.count(), kThreads / group), kThreads, 0,
                              current_stream()>>>(grad_y.device_data<T>(), y.device_data<T>(),
                                                  grad_x.device_data<T>(), shape, group, log);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return grad_x;
}

}  // namespace ember::cuda
