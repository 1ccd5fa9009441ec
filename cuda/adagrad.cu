// The CUDA twin of optim/adagrad.cpp (Duchi, Hazan & Singer 2011, torch.optim.Adagrad's
// form): dense, one thread per element, or on the rows of a RowSparse gradient only.
#include <ember/cuda/check.cuh>
#include <ember/cuda/internal/optim.h>
#include <ember/cuda/optim_rows.cuh>

namespace ember::cuda {

namespace {

// p, grad, sum [n]; overwrites p and sum (=):
//   g = grad + weight_decay * p  (-grad when maximizing);  sum = sum + g * g
//   p = p - lr_t * g / (sqrt(sum) + eps)
template <typename T>
__global__ void adagrad_dense_kernel(T* p, const T* grad, T* sum, int64_t n, T step, T decay, T eps,
                                     T sign) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    T g = sign * grad[i];
    if (decay != 0) g = g + decay * p[i];
    sum[i] = sum[i] + g * g;
    p[i] = p[i] + step * g / (sqrt(sum[i]) + eps);
  }
}

// The same on each element i of the touched rows, without weight decay (=).
template <typename S, typename C>
struct AdagradRow {
  S* p;
  C* sum;  // in the arithmetic type (float32 for a half table)
  C step, eps, sign;
  __device__ void operator()(int64_t i, C grad) const {
    const C g = sign * grad;
    const C s = sum[i] + g * g;
    sum[i] = s;
    p[i] = to<S>(from<C>(p[i]) + step * (g / (sqrt(s) + eps)));
  }
};

}  // namespace

void adagrad_dense(const Tensor& p, const Tensor& grad, const Tensor& sum,
                   const AdagradOptions& o) {
  const int64_t n = p.numel();
  if (n == 0) return;
  DeviceGuard guard(p.device().index);
  dispatch_floating(p.dtype(), "Adagrad", [&](auto tag) {
    using T = decltype(tag);
    adagrad_dense_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
        p.device_data<T>(), grad.device_data<T>(), sum.device_data<T>(), n, T(-o.lr_t),
        T(o.weight_decay), T(o.eps), o.maximize ? T(-1) : T(1));
    EMBER_CUDA_CHECK_LAUNCH();
  });
}

void adagrad_rows(const Tensor& p, const Tensor& sum, const Tensor& ids, const Tensor& rows,
                  const AdagradOptions& o) {
  DeviceGuard guard(p.device().index);
  dispatch_table(p.dtype(), "Adagrad", [&](auto storage_tag, auto compute_tag) {
    using S = decltype(storage_tag);
    using C = decltype(compute_tag);
    AdagradRow<S, C> row{p.device_data<S>(), sum.device_data<C>(), C(-o.lr_t), C(o.eps),
                         o.maximize ? C(-1) : C(1)};
    for_each_row_element<S, C>(ids, rows, row_size(p), row);
  });
}

}  // namespace ember::cuda
