// The CUDA twin of optim/sgd.cpp: SGD with momentum (Sutskever et al. 2013) in
// torch.optim.SGD's form, one thread per element; the row-sparse step touches only the
// gradient's rows.
#include <ember/cuda/check.cuh>
#include <ember/cuda/internal/optim.h>
#include <ember/cuda/optim_rows.cuh>

namespace ember::cuda {

namespace {

// p, grad, buf [n]; buf null without momentum. Overwrites p and buf (=):
//   g = grad + weight_decay * p  (-grad when maximizing)
//   b = g on the first step, else b = momentum * b + (1 - dampening) * g
//   g = nesterov ? g + momentum * b : b      (with momentum)
//   p = p - lr * g
template <typename T>
__global__ void sgd_dense_kernel(T* p, const T* grad, T* buf, bool first, int64_t n, T lr, T decay,
                                 T mu, T keep, T sign, bool nesterov) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    T g = sign * grad[i];
    if (decay != 0) g = g + decay * p[i];
    if (buf) {
      buf[i] = first ? g : buf[i] * mu + keep * g;
      g = nesterov ? g + mu * buf[i] : buf[i];
    }
    p[i] = p[i] + -lr * g;
  }
}

// p [V, D]: p[i] += step * g for each element i of the gradient's rows (=, step = -lr, or lr
// maximizing). S is the table's storage type (float16 too), C the arithmetic type.
template <typename S, typename C>
struct SgdRow {
  S* p;
  C step;
  __device__ void operator()(int64_t i, C g) const { p[i] = to<S>(from<C>(p[i]) + step * g); }
};

}  // namespace

void sgd_dense(const Tensor& p, const Tensor& grad, const Tensor& momentum_buffer, bool first,
               const SgdOptions& o) {
  const int64_t n = p.numel();
  if (n == 0) return;
  DeviceGuard guard(p.device().index);
  dispatch_floating(p.dtype(), "SGD", [&](auto tag) {
    using T = decltype(tag);
    sgd_dense_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
        p.device_data<T>(), grad.device_data<T>(),
        momentum_buffer.defined() ? momentum_buffer.device_data<T>() : nullptr, first, n, T(o.lr),
        T(o.weight_decay), T(o.momentum), T(1 - o.dampening), o.maximize ? T(-1) : T(1),
        o.nesterov);
    EMBER_CUDA_CHECK_LAUNCH();
  });
}

void sgd_rows(const Tensor& p, const Tensor& ids, const Tensor& rows, const SgdOptions& o) {
  DeviceGuard guard(p.device().index);
  dispatch_table(p.dtype(), "SGD", [&](auto storage_tag, auto compute_tag) {
    using S = decltype(storage_tag);
    using C = decltype(compute_tag);
    const C step = o.maximize ? C(o.lr) : C(-o.lr);
    for_each_row_element<S, C>(ids, rows, row_size(p), SgdRow<S, C>{p.device_data<S>(), step});
  });
}

}  // namespace ember::cuda
