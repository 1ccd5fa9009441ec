// The CUDA twins of optim/adam.cpp and optim/sparse_adam.cpp. Adam/AdamW is one fused
// launch for every 32 parameters of a group: their table of (param, grad, m, v, v_max)
// pointers travels as the kernel's argument (no copy from host memory, which would wait for
// the host), block b finds its tensor by binary search over the tensors' first blocks and
// updates one chunk of it. SparseAdam updates the gradient's rows only.
#include <algorithm>
#include <cmath>
#include <vector>

#include <ember/cuda/check.cuh>
#include <ember/cuda/internal/optim.h>
#include <ember/cuda/optim_rows.cuh>

namespace ember::cuda {

namespace {

constexpr int64_t kChunk = 4096;  // elements per block

template <typename T>
struct AdamSlot {
  T* p;
  const T* g;
  T* m;
  T* v;
  T* v_max;  // null without amsgrad
  int64_t n;
  int64_t first_block;  // blocks before this tensor's
  T step_size;          // lr / (1 - beta1^t)
  T bias_correction2_sqrt;
};

// The most parameters one launch updates: their slots (72 bytes each in double) stay within
// the 4 KB a kernel's arguments may take.
constexpr int kSlotsPerLaunch = 32;

template <typename T>
struct AdamSlots {
  AdamSlot<T> slot[kSlotsPerLaunch];
  int count;
};

template <typename T>
struct AdamScalars {
  T beta1, beta2, one_minus_beta1, one_minus_beta2, eps, l2, shrink, sign;
  bool shrinks;
};

// Adam (Kingma & Ba 2015, Algorithm 1) in torch.optim.Adam's form; overwrites p, m, v, v_max:
//   g = grad + weight_decay * p              (Adam; -grad when maximizing)
//   p = p * (1 - lr * weight_decay)          (AdamW instead, before the step)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   v_max = max(v_max, v)                    (amsgrad, which then uses v_max for v)
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
template <typename T>
__global__ void adam_kernel(const AdamSlots<T> slots, AdamScalars<T> c) {
  int lo = 0, hi = slots.count - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (slots.slot[mid].first_block <= int64_t(blockIdx.x))
      lo = mid;
    else
      hi = mid - 1;
  }
  const AdamSlot<T> s = slots.slot[lo];
  const int64_t begin = (int64_t(blockIdx.x) - s.first_block) * kChunk;
  const int64_t end = min(s.n, begin + kChunk);
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
    T g = c.sign * s.g[i];
    T p = s.p[i];
    if (c.l2 != 0) g = g + c.l2 * p;
    if (c.shrinks) p = p * c.shrink;
    const T m = s.m[i] * c.beta1 + c.one_minus_beta1 * g;
    const T v = s.v[i] * c.beta2 + c.one_minus_beta2 * g * g;
    s.m[i] = m;
    s.v[i] = v;
    T second = v;
    if (s.v_max) second = s.v_max[i] = max(s.v_max[i], v);
    const T denom = sqrt(second) / s.bias_correction2_sqrt + c.eps;
    s.p[i] = p + -s.step_size * m / denom;
  }
}

// SparseAdam on each element i of the touched rows (=):
//   m = m + (1 - beta1) * (g - m);  v = v + (1 - beta2) * (g * g - v)
//   p = p - lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)
template <typename S, typename C>
struct SparseAdamRow {
  S* p;
  C* m;  // the moments are kept in the arithmetic type (float32 for a half table)
  C* v;
  C one_minus_beta1, one_minus_beta2, eps, step_size, sign;
  __device__ void operator()(int64_t i, C grad) const {
    const C g = sign * grad;
    const C mi = m[i] + (g - m[i]) * one_minus_beta1;
    const C vi = v[i] + (g * g - v[i]) * one_minus_beta2;
    m[i] = mi;
    v[i] = vi;
    p[i] = to<S>(from<C>(p[i]) + mi / (sqrt(vi) + eps) * -step_size);
  }
};

}  // namespace

void adam_step(const std::vector<AdamTensors>& list, const AdamOptions& o) {
  if (list.empty()) return;
  const Tensor& first = list.front().param;
  DeviceGuard guard(first.device().index);
  dispatch_floating(first.dtype(), o.decoupled ? "AdamW" : "Adam", [&](auto tag) {
    using T = decltype(tag);
    std::vector<AdamSlot<T>> slots;
    for (const AdamTensors& t : list) {
      const int64_t n = t.param.numel();
      if (n == 0) continue;
      const double bias_correction1 = 1 - std::pow(o.beta1, double(t.step));
      const double bias_correction2 = 1 - std::pow(o.beta2, double(t.step));
      slots.push_back({t.param.device_data<T>(), t.grad.device_data<T>(),
                       t.exp_avg.device_data<T>(), t.exp_avg_sq.device_data<T>(),
                       o.amsgrad ? t.max_exp_avg_sq.device_data<T>() : nullptr, n, 0,
                       T(o.lr / bias_correction1), T(std::sqrt(bias_correction2))});
    }
    const bool decoupled = o.decoupled;
    const AdamScalars<T> c{T(o.beta1),
                           T(o.beta2),
                           T(1 - o.beta1),
                           T(1 - o.beta2),
                           T(o.eps),
                           decoupled ? T(0) : T(o.weight_decay),
                           T(1 - o.lr * o.weight_decay),
                           o.maximize ? T(-1) : T(1),
                           decoupled && o.weight_decay != 0};
    for (size_t from = 0; from < slots.size(); from += kSlotsPerLaunch) {
      AdamSlots<T> launch{};
      launch.count = int(std::min(slots.size() - from, size_t(kSlotsPerLaunch)));
      int64_t blocks = 0;
      for (int i = 0; i < launch.count; ++i) {
        launch.slot[i] = slots[from + size_t(i)];
        launch.slot[i].first_block = blocks;
        blocks += (launch.slot[i].n + kChunk - 1) / kChunk;
      }
      EMBER_CHECK(blocks < (int64_t(1) << 31), "Adam: too many elements for one launch");
      adam_kernel<<<unsigned(blocks), kThreads, 0, current_stream()>>>(launch, c);
      EMBER_CUDA_CHECK_LAUNCH();
    }
  });
}

void sparse_adam_rows(const Tensor& p, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                      const Tensor& ids, const Tensor& rows, int64_t step, const AdamOptions& o) {
  DeviceGuard guard(p.device().index);
  const double bias_correction1 = 1 - std::pow(o.beta1, double(step));
  const double bias_correction2 = 1 - std::pow(o.beta2, double(step));
  dispatch_table(p.dtype(), "SparseAdam", [&](auto storage_tag, auto compute_tag) {
    using S = decltype(storage_tag);
    using C = decltype(compute_tag);
    SparseAdamRow<S, C> row{p.device_data<S>(),
                            exp_avg.device_data<C>(),
                            exp_avg_sq.device_data<C>(),
                            C(1 - o.beta1),
                            C(1 - o.beta2),
                            C(o.eps),
                            C(o.lr * std::sqrt(bias_correction2) / bias_correction1),
                            o.maximize ? C(-1) : C(1)};
    for_each_row_element<S, C>(ids, rows, row_size(p), row);
  });
}

}  // namespace ember::cuda
