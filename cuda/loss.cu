// The CUDA twins of tensor/ops/loss.cpp. Letters: N batch, C classes, S positions per
// sample (the trailing dims); a position i = n * S + s has its classes at
// (n * C + c) * S + s. Class-index forwards give a group of threads to each position
// (max, sum of exp, smoothing term: trees in shared memory); the backwards and the binary
// losses are elementwise. A target out of range is recorded on the device (the first bad
// position) and raised on the host.
#include <cmath>
#include <string>

#include <ember/cuda/first_bad.cuh>
#include <ember/cuda/group_reduce.cuh>
#include <ember/cuda/internal/loss.h>
#include <ember/cuda/internal/reduce.h>
#include <ember/cuda/loops.cuh>
#include <ember/tensor/ops/copy.h>

namespace ember::cuda {

namespace {

struct MaxCombine {
  __device__ double operator()(double a, double b) const { return fmax(a, b); }
};

// "[1, 2]": the multi-index of element `flat` of a row-major tensor of `sizes`.
std::string position_str(int64_t flat, const Shape& sizes) {
  Shape index(sizes.size());
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    index[d] = flat % sizes[d];
    flat /= sizes[d];
  }
  return ::ember::detail::str(index);
}

template <typename T>
T element(const Tensor& contiguous, int64_t flat) {
  return ops::select(ops::view(contiguous, {-1}), 0, flat).item<T>();
}

void raise_bad_target(const Tensor& target, int64_t at, int64_t classes, int64_t ignore_index,
                      const char* op) {
  EMBER_FAIL(op, ": target ", element<int64_t>(target, at), " at position ",
             position_str(at, target.sizes()), " is out of range for ", classes,
             " classes (valid: 0..", classes - 1, ", or ignore_index ", ignore_index, ")");
}

// Per position i (a group of threads each): loss[i], line_max[i], log_sum[i], and
// weight_of[i] = w[t] (0 where ignored or bad). Writes (=).
//   loss = (1 - e) w[t] (lse - x[t]) + (e / C) sum_c w[c] (lse - x[c]),  lse = max + log_sum
template <typename T>
__global__ void cross_entropy_kernel(const T* x, const int64_t* target, const T* w, T* loss,
                                     T* line_max, T* log_sum, double* weight_of, ClassShape l,
                                     int64_t ignore_index, double e, int group,
                                     unsigned long long* first_bad) {
  __shared__ double buffer[kThreads];
  const int lane = threadIdx.x % group;
  const int per_block = blockDim.x / group;
  const int64_t positions = l.n * l.s;
  for (int64_t first = blockIdx.x * int64_t(per_block); first < positions;
       first += int64_t(gridDim.x) * per_block) {
    const int64_t i = first + threadIdx.x / group;
    const bool active = i < positions;
    const T* line = x + (active ? (i / l.s) * l.c * l.s + i % l.s : 0);
    double max = -INFINITY;
    if (active)
      for (int64_t c = lane; c < l.c; c += group) max = fmax(max, double(line[c * l.s]));
    const T m = T(group_reduce(max, buffer, group, MaxCombine()));
    double sum = 0;
    if (active)
      for (int64_t c = lane; c < l.c; c += group) sum += double(T(exp(line[c * l.s] - m)));
    sum = group_reduce(sum, buffer, group, SumCombine());
    const double lse = double(m) + ::log(sum);
    double smooth = 0;  // sum_c w[c] (lse - x[c])
    if (e > 0) {
      if (active)
        for (int64_t c = lane; c < l.c; c += group)
          smooth += (w ? double(w[c]) : 1.0) * (lse - double(line[c * l.s]));
      smooth = group_reduce(smooth, buffer, group, SumCombine());
    }
    if (!active || lane != 0) continue;
    line_max[i] = m;
    log_sum[i] = T(::log(sum));
    const int64_t t = target[i];
    if (t == ignore_index || t < 0 || t >= l.c) {
      if (t != ignore_index) atomicMin(first_bad, static_cast<unsigned long long>(i));
      loss[i] = T(0);
      weight_of[i] = 0;
      continue;
    }
    const double w_t = w ? double(w[t]) : 1.0;
    double value = (1 - e) * w_t * (lse - double(line[t * l.s]));
    if (e > 0) value += e / double(l.c) * smooth;
    loss[i] = T(value);
    weight_of[i] = w_t;
  }
}

// grad_x [N, C, S] (=), one thread per element; p = exp((x - max) - log_sum):
//   grad_x[c] = g ((1 - e) w[t] + e W / C) p[c] - g e w[c] / C - g (1 - e) w[t] [c == t]
template <typename T>
__global__ void cross_entropy_backward_kernel(T* grad_x, const T* g, const T* x, const T* maxes,
                                              const T* log_sums, const int64_t* target, const T* w,
                                              double w_total, ClassShape l, int64_t ignore_index,
                                              double e) {
  const int64_t total = l.n * l.c * l.s;
  for (int64_t at = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; at < total;
       at += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = (at / l.s) % l.c, i = (at / (l.c * l.s)) * l.s + at % l.s;
    const int64_t t = target[i];
    if (t == ignore_index || t < 0 || t >= l.c) {
      grad_x[at] = T(0);
      continue;
    }
    const double w_t = w ? double(w[t]) : 1.0;
    const T scale = T(g[i] * ((1 - e) * w_t + e * w_total / double(l.c)));
    const T smooth = T(g[i] * e / double(l.c));
    const T p = exp((x[at] - maxes[i]) - log_sums[i]);
    T d = scale * p - smooth * (w ? w[c] : T(1));
    if (c == t) d -= T(g[i] * (1 - e) * w_t);
    grad_x[at] = d;
  }
}

// One thread per position: loss[i] = -w[t] x[t] (0 where ignored), weight_of[i] = w[t].
template <typename T>
__global__ void nll_kernel(const T* x, const int64_t* target, const T* w, T* loss,
                           double* weight_of, ClassShape l, int64_t ignore_index,
                           unsigned long long* first_bad) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < l.n * l.s;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t t = target[i];
    if (t == ignore_index || t < 0 || t >= l.c) {
      if (t != ignore_index) atomicMin(first_bad, static_cast<unsigned long long>(i));
      loss[i] = T(0);
      weight_of[i] = 0;
      continue;
    }
    const T w_t = w ? w[t] : T(1);
    loss[i] = -w_t * x[(i / l.s) * l.c * l.s + t * l.s + i % l.s];
    weight_of[i] = double(w_t);
  }
}

// grad_x [N, C, S] zeroed before; one thread per position writes its target's slot (=).
template <typename T>
__global__ void nll_backward_kernel(T* grad_x, const T* g, const int64_t* target, const T* w,
                                    ClassShape l, int64_t ignore_index) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < l.n * l.s;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t t = target[i];
    if (t == ignore_index || t < 0 || t >= l.c) continue;
    grad_x[(i / l.s) * l.c * l.s + t * l.s + i % l.s] = -g[i] * (w ? w[t] : T(1));
  }
}

template <typename T>
const T* data_or_null(const Tensor& t) {
  return t.defined() ? t.device_data<T>() : nullptr;
}

// The first bad target (or -1) and the total weight, read back in one wait.
int64_t first_bad_and_total(const FirstBad& first_bad, const Tensor& weight_of, double* total) {
  const Tensor sum_on_device = sum(weight_of, {true}, {}, 1.0);  // float64, like weight_of
  return first_bad.read_with(sum_on_device.device_data<double>(), total);
}

// ---- binary losses (elementwise) ----

// p outside [0, 1] (or nan) records its position.
template <typename T>
__global__ void check_probabilities_kernel(const T* p, int64_t n, unsigned long long* first_bad) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    if (!(p[i] >= T(0) && p[i] <= T(1))) atomicMin(first_bad, static_cast<unsigned long long>(i));
}

__device__ double softplus(double y) { return fmax(y, 0.0) + log1p(exp(-fabs(y))); }

__device__ double stable_sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  const double e = exp(x);
  return e / (1.0 + e);
}

struct BceLoss {  // (p, t, w)
  template <typename T>
  __device__ T operator()(T p, T t, T w) const {
    const T log_p = fmax(log(p), T(-100)), log_1mp = fmax(log(T(1) - p), T(-100));
    return -w * (t * log_p + (T(1) - t) * log_1mp);
  }
};
struct BceGradInput {  // (g, p, t, w)
  template <typename T>
  __device__ T operator()(T g, T p, T t, T w) const {
    return g * w * (p - t) / fmax(p * (T(1) - p), T(1e-12f));
  }
};
struct BceGradTarget {  // (g, p, t, w)
  template <typename T>
  __device__ T operator()(T g, T p, T, T w) const {
    return g * w * (fmax(log(T(1) - p), T(-100)) - fmax(log(p), T(-100)));
  }
};
struct LogitsLoss {  // (x, t, w, q)
  template <typename T>
  __device__ T operator()(T x, T t, T w, T q) const {
    const double xi = x, ti = t;
    const double log_weight = 1.0 + (double(q) - 1.0) * ti;
    return T(double(w) * ((1.0 - ti) * xi + log_weight * softplus(-xi)));
  }
};
struct LogitsGradInput {  // (g, x, t, w, q)
  template <typename T>
  __device__ T operator()(T g, T x, T t, T w, T q) const {
    const double ti = t, qi = q;
    return T(double(g) * double(w) * ((1.0 + (qi - 1.0) * ti) * stable_sigmoid(x) - qi * ti));
  }
};
struct LogitsGradTarget {  // (g, x, t, w, q)
  template <typename T>
  __device__ T operator()(T g, T x, T, T w, T q) const {
    const double xi = x;
    return T(double(g) * double(w) * (-xi + (double(q) - 1.0) * softplus(-xi)));
  }
};

// An undefined weight is a broadcast 1.
Tensor or_one(const Tensor& weight, const Tensor& like) {
  return weight.defined() ? weight
                          : scalar_tensor(1.0, TensorOptions(like.dtype()).device(like.device()));
}

}  // namespace

ops::ClassLossForward cross_entropy_forward(const Tensor& logits, const Tensor& target,
                                            const Tensor& weight, ClassShape l,
                                            int64_t ignore_index, double label_smoothing) {
  const char* op = "cross_entropy";
  DeviceGuard guard(logits.device().index);
  const TensorOptions options = TensorOptions(logits.dtype()).device(logits.device());
  ops::ClassLossForward out{empty(target.sizes(), options), empty(target.sizes(), options),
                            empty(target.sizes(), options), 0};
  Tensor weight_of = empty({l.n * l.s}, TensorOptions(kFloat64).device(logits.device()));
  if (l.n * l.s == 0) return out;
  FirstBad first_bad(logits.device());
  const int group = group_for(l.c);
  dispatch_floating(logits.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    cross_entropy_kernel<<<blocks_for(l.n * l.s, kThreads / group), kThreads, 0,
                           current_stream()>>>(
        logits.device_data<T>(), target.device_data<int64_t>(), data_or_null<T>(weight),
        out.loss.device_data<T>(), out.line_max.device_data<T>(), out.log_sum.device_data<T>(),
        weight_of.device_data<double>(), l, ignore_index, label_smoothing, group, first_bad.data());
    EMBER_CUDA_CHECK_LAUNCH();
  });
  const int64_t bad = first_bad_and_total(first_bad, weight_of, &out.total_weight);
  if (bad >= 0) raise_bad_target(target, bad, l.c, ignore_index, op);
  return out;
}

Tensor cross_entropy_backward(const Tensor& grad_loss, const Tensor& logits, const Tensor& line_max,
                              const Tensor& log_sum, const Tensor& target, const Tensor& weight,
                              ClassShape l, int64_t ignore_index, double label_smoothing) {
  DeviceGuard guard(logits.device().index);
  Tensor grad_x = empty(logits.sizes(), TensorOptions(logits.dtype()).device(logits.device()));
  const int64_t total = grad_x.numel();
  if (total == 0) return grad_x;
  // W = sum_c w[c], used only with label smoothing: read back only then.
  const double w_total = weight.defined() && label_smoothing != 0
                             ? sum(weight, {true}, {}, 1.0).item<double>()
                             : double(l.c);
  dispatch_floating(logits.dtype(), "cross_entropy_backward", [&](auto tag) {
    using T = decltype(tag);
    cross_entropy_backward_kernel<<<blocks_for(total), kThreads, 0, current_stream()>>>(
        grad_x.device_data<T>(), grad_loss.device_data<T>(), logits.device_data<T>(),
        line_max.device_data<T>(), log_sum.device_data<T>(), target.device_data<int64_t>(),
        data_or_null<T>(weight), w_total, l, ignore_index, label_smoothing);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return grad_x;
}

ops::ClassLossForward nll_loss_forward(const Tensor& log_probs, const Tensor& target,
                                       const Tensor& weight, ClassShape l, int64_t ignore_index) {
  const char* op = "nll_loss";
  DeviceGuard guard(log_probs.device().index);
  ops::ClassLossForward out{
      empty(target.sizes(), TensorOptions(log_probs.dtype()).device(log_probs.device())), Tensor(),
      Tensor(), 0};
  Tensor weight_of = empty({l.n * l.s}, TensorOptions(kFloat64).device(log_probs.device()));
  if (l.n * l.s == 0) return out;
  FirstBad first_bad(log_probs.device());
  dispatch_floating(log_probs.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    nll_kernel<<<blocks_for(l.n * l.s), kThreads, 0, current_stream()>>>(
        log_probs.device_data<T>(), target.device_data<int64_t>(), data_or_null<T>(weight),
        out.loss.device_data<T>(), weight_of.device_data<double>(), l, ignore_index,
        first_bad.data());
    EMBER_CUDA_CHECK_LAUNCH();
  });
  const int64_t bad = first_bad_and_total(first_bad, weight_of, &out.total_weight);
  if (bad >= 0) raise_bad_target(target, bad, l.c, ignore_index, op);
  return out;
}

Tensor nll_loss_backward(const Tensor& grad_loss, const Tensor& log_probs, const Tensor& target,
                         const Tensor& weight, ClassShape l, int64_t ignore_index) {
  DeviceGuard guard(log_probs.device().index);
  Tensor grad_x =
      zeros(log_probs.sizes(), TensorOptions(log_probs.dtype()).device(log_probs.device()));
  if (l.n * l.s == 0) return grad_x;
  dispatch_floating(log_probs.dtype(), "nll_loss_backward", [&](auto tag) {
    using T = decltype(tag);
    nll_backward_kernel<<<blocks_for(l.n * l.s), kThreads, 0, current_stream()>>>(
        grad_x.device_data<T>(), grad_loss.device_data<T>(), target.device_data<int64_t>(),
        data_or_null<T>(weight), l, ignore_index);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return grad_x;
}

Tensor binary_cross_entropy_forward(const Tensor& probs, const Tensor& target,
                                    const Tensor& weight) {
  const char* op = "binary_cross_entropy";
  DeviceGuard guard(probs.device().index);
  return dispatch_floating(probs.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const Tensor p = ops::contiguous(probs);
    if (p.numel() > 0) {
      FirstBad first_bad(p.device());
      check_probabilities_kernel<<<blocks_for(p.numel()), kThreads, 0, current_stream()>>>(
          p.device_data<T>(), p.numel(), first_bad.data());
      EMBER_CUDA_CHECK_LAUNCH();
      const int64_t bad = first_bad.read();
      if (bad >= 0)
        EMBER_FAIL(op, ": input ", element<T>(p, bad), " at position ",
                   position_str(bad, p.sizes()), " is not a probability in [0, 1]");
    }
    return map<T, T, T, T>(p.sizes(), p.device(), BceLoss{}, {p, target, or_one(weight, p)});
  });
}

ops::BinaryLossGrads binary_cross_entropy_backward(const Tensor& grad_loss, const Tensor& probs,
                                                   const Tensor& target, const Tensor& weight,
                                                   bool need_input, bool need_target) {
  ops::BinaryLossGrads grads;
  dispatch_floating(probs.dtype(), "binary_cross_entropy_backward", [&](auto tag) {
    using T = decltype(tag);
    const std::array<Tensor, 4> in{grad_loss, probs, target, or_one(weight, probs)};
    if (need_input)
      grads.input = map<T, T, T, T, T>(probs.sizes(), probs.device(), BceGradInput{}, in);
    if (need_target)
      grads.target = map<T, T, T, T, T>(probs.sizes(), probs.device(), BceGradTarget{}, in);
  });
  return grads;
}

Tensor binary_cross_entropy_with_logits_forward(const Tensor& logits, const Tensor& target,
                                                const Tensor& weight, const Tensor& pos_weight) {
  return dispatch_floating(logits.dtype(), "binary_cross_entropy_with_logits", [&](auto tag) {
    using T = decltype(tag);
    return map<T, T, T, T, T>(logits.sizes(), logits.device(), LogitsLoss{},
                              {logits, target, or_one(weight, logits), or_one(pos_weight, logits)});
  });
}

ops::BinaryLossGrads binary_cross_entropy_with_logits_backward(
    const Tensor& grad_loss, const Tensor& logits, const Tensor& target, const Tensor& weight,
    const Tensor& pos_weight, bool need_input, bool need_target) {
  ops::BinaryLossGrads grads;
  dispatch_floating(logits.dtype(), "binary_cross_entropy_with_logits_backward", [&](auto tag) {
    using T = decltype(tag);
    const std::array<Tensor, 5> in{grad_loss, logits, target, or_one(weight, logits),
                                   or_one(pos_weight, logits)};
    if (need_input)
      grads.input = map<T, T, T, T, T, T>(logits.sizes(), logits.device(), LogitsGradInput{}, in);
    if (need_target)
      grads.target = map<T, T, T, T, T, T>(logits.sizes(), logits.device(), LogitsGradTarget{}, in);
  });
  return grads;
}

}  // namespace ember::cuda
