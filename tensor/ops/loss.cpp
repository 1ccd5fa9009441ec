#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <ember/config.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/internal/checks.h>
#include <ember/tensor/ops/loss.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/internal/loss.h>
#endif

namespace ember::ops {

namespace {

constexpr int64_t kGrain = 32768;  // elements per thread chunk
// PyTorch's floor on p (1 - p) in the BCE gradient: a float constant, also for float64.
constexpr float kBceEpsilon = 1e-12f;

// ---- class-index losses: input [N, C, S], target [N, S] ----

struct ClassLayout {
  int64_t n, c, s;
};

ClassLayout class_layout(const Tensor& input, const Tensor& target, const char* op) {
  check_defined(input, op);
  check_defined(target, op);
  check_strided(input, op);
  check_same_device(input, target, op);
  EMBER_CHECK(input.dim() >= 1, op, ": input needs a class dim, got a 0-d tensor");
  EMBER_CHECK(target.dtype() == kInt64, op, ": target must hold int64 class indices, got ",
              target.dtype());
  Shape expected = input.sizes();
  if (input.dim() == 1)
    expected.clear();
  else
    expected.erase(expected.begin() + 1);
  EMBER_CHECK(target.sizes() == expected, op, ": target sizes ", target.sizes(),
              " do not match input ", input.sizes(), " (expected ", expected, ")");
  ClassLayout layout{1, input.dim() == 1 ? input.size(0) : input.size(1), 1};
  if (input.dim() >= 2) layout.n = input.size(0);
  for (int64_t d = 2; d < input.dim(); ++d) layout.s *= input.size(d);
  return layout;
}

// The class weight [C] as a contiguous tensor of the input's dtype, or undefined.
Tensor class_weight(const Tensor& weight, const Tensor& input, int64_t classes, const char* op) {
  if (!weight.defined()) return weight;
  check_same_dtype(weight, input, op);
  check_same_device(weight, input, op);
  EMBER_CHECK(weight.dim() == 1 && weight.size(0) == classes, op, ": weight must be [", classes,
              "] (one per class), got ", weight.sizes());
  return contiguous(weight);
}

// "[1, 2]": the multi-index of element `flat` of a row-major tensor of `sizes`.
std::string position_str(int64_t flat, const Shape& sizes) {
  Shape index(sizes.size());
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    index[d] = flat % sizes[d];
    flat /= sizes[d];
  }
  return detail::str(index);
}

// Checks every target and returns the sum of w[t] over those not ignored (w null: 1 each).
template <typename T>
double check_targets(const int64_t* target, const Shape& target_sizes, int64_t classes, const T* w,
                     int64_t ignore_index, const char* op) {
  const int64_t count = shape_numel(target_sizes);
  double total = 0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t t = target[i];
    if (t == ignore_index) continue;
    EMBER_CHECK(t >= 0 && t < classes, op, ": target ", t, " at position ",
                position_str(i, target_sizes), " is out of range for ", classes,
                " classes (valid: 0..", classes - 1, ", or ignore_index ", ignore_index, ")");
    total += w ? double(w[t]) : 1.0;
  }
  return total;
}

// Runs line(i, base) for each of the N*S positions, base = the offset of its first class in
// [N, C, S]; the classes of a line are S apart.
template <typename Line>
void for_each_position(const ClassLayout& l, Line line) {
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, l.c));
  parallel_for(l.n * l.s, grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) line(i, (i / l.s) * l.c * l.s + i % l.s);
  });
}

// ---- elementwise binary losses ----

void check_binary(const Tensor& input, const Tensor& target, const Tensor& weight,
                  const Tensor& pos_weight, const char* op) {
  check_defined(input, op);
  check_defined(target, op);
  check_strided(input, op);
  check_same_dtype(input, target, op);
  check_same_device(input, target, op);
  EMBER_CHECK(target.sizes() == input.sizes(), op, ": target sizes ", target.sizes(),
              " must equal input sizes ", input.sizes());
  for (const Tensor* w : {&weight, &pos_weight}) {
    if (!w->defined()) continue;
    check_same_dtype(*w, input, op);
    check_same_device(*w, input, op);
    EMBER_CHECK(w->sizes() == input.sizes(), op, ": weight sizes ", w->sizes(),
                " must equal input sizes ", input.sizes(), " (expand it first)");
  }
}

// The data of t, or nullptr where t is undefined (an absent weight, an unwanted gradient).
template <typename T>
T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

// log(1 + exp(y)), finite for any y.
inline double softplus(double y) { return std::max(y, 0.0) + std::log1p(std::exp(-std::abs(y))); }

inline double stable_sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

}  // namespace

// ---- cross entropy ----

ClassLossForward cross_entropy_forward(const Tensor& logits_in, const Tensor& target_in,
                                       const Tensor& weight_in, int64_t ignore_index,
                                       double label_smoothing) {
  const char* op = "cross_entropy";
  const ClassLayout l = class_layout(logits_in, target_in, op);
  const Tensor weight = class_weight(weight_in, logits_in, l.c, op);
  const Tensor x = contiguous(logits_in), target = contiguous(target_in);
#if EMBER_WITH_CUDA
  if (x.is_cuda())
    return cuda::cross_entropy_forward(x, target, weight, {l.n, l.c, l.s}, ignore_index,
                                       label_smoothing);
#endif
  ClassLossForward out{empty(target.sizes(), x.dtype()), empty(target.sizes(), x.dtype()),
                       empty(target.sizes(), x.dtype()), 0};
  const double e = label_smoothing;
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* w = data_or_null<T>(weight);
    const int64_t* t = target.data<int64_t>();
    out.total_weight = check_targets(t, target.sizes(), l.c, w, ignore_index, op);
    const T* xp = x.data<T>();
    T* loss = out.loss.data<T>();
    T* max_out = out.line_max.data<T>();
    T* log_sum_out = out.log_sum.data<T>();
    for_each_position(l, [&](int64_t i, int64_t base) {
      const T* line = xp + base;
      T max = -std::numeric_limits<T>::infinity();
      for (int64_t c = 0; c < l.c; ++c) max = std::max(max, line[c * l.s]);
      double sum = 0;
      for (int64_t c = 0; c < l.c; ++c) sum += double(std::exp(line[c * l.s] - max));
      const double lse = double(max) + std::log(sum);
      max_out[i] = max;
      log_sum_out[i] = T(std::log(sum));
      if (t[i] == ignore_index) {
        loss[i] = T(0);
        return;
      }
      const double w_t = w ? double(w[t[i]]) : 1.0;
      double value = (1 - e) * w_t * (lse - double(line[t[i] * l.s]));
      if (e > 0) {
        double smooth = 0;  // sum_c w[c] (lse - x[c])
        for (int64_t c = 0; c < l.c; ++c)
          smooth += (w ? double(w[c]) : 1.0) * (lse - double(line[c * l.s]));
        value += e / double(l.c) * smooth;
      }
      loss[i] = T(value);
    });
  });
  return out;
}

Tensor cross_entropy_backward(const Tensor& grad_loss, const Tensor& logits_in,
                              const Tensor& line_max, const Tensor& log_sum,
                              const Tensor& target_in, const Tensor& weight_in,
                              int64_t ignore_index, double label_smoothing) {
  const char* op = "cross_entropy_backward";
  const ClassLayout l = class_layout(logits_in, target_in, op);
  const Tensor weight = class_weight(weight_in, logits_in, l.c, op);
  const Tensor x = contiguous(logits_in), target = contiguous(target_in);
  const Tensor g = contiguous(grad_loss);
  const Tensor maxes = contiguous(line_max), log_sums = contiguous(log_sum);
  check_same_dtype(g, x, op);
  EMBER_CHECK(g.sizes() == target.sizes(), op, ": gradient ", g.sizes(), " does not match ",
              target.sizes());
#if EMBER_WITH_CUDA
  if (x.is_cuda()) {
    check_same_device(g, x, op);
    return cuda::cross_entropy_backward(g, x, maxes, log_sums, target, weight, {l.n, l.c, l.s},
                                        ignore_index, label_smoothing);
  }
#endif
  Tensor grad_x = empty(x.sizes(), x.dtype());
  const double e = label_smoothing;
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* w = data_or_null<T>(weight);
    double w_total = double(l.c);  // W = sum_c w[c]
    if (w) {
      w_total = 0;
      for (int64_t c = 0; c < l.c; ++c) w_total += double(w[c]);
    }
    const int64_t* t = target.data<int64_t>();
    const T* xp = x.data<T>();
    const T* gp = g.data<T>();
    const T* mp = maxes.data<T>();
    const T* sp = log_sums.data<T>();
    T* dp = grad_x.data<T>();
    for_each_position(l, [&](int64_t i, int64_t base) {
      const T* line = xp + base;
      T* grad_line = dp + base;
      if (t[i] == ignore_index) {
        for (int64_t c = 0; c < l.c; ++c) grad_line[c * l.s] = T(0);
        return;
      }
      const double w_t = w ? double(w[t[i]]) : 1.0;
      const T scale = T(gp[i] * ((1 - e) * w_t + e * w_total / double(l.c)));  // g times p's factor
      const T smooth = T(gp[i] * e / double(l.c));                             // g e / C
      for (int64_t c = 0; c < l.c; ++c) {
        const T p = std::exp((line[c * l.s] - mp[i]) - sp[i]);
        grad_line[c * l.s] = scale * p - smooth * (w ? w[c] : T(1));
      }
      grad_line[t[i] * l.s] -= T(gp[i] * (1 - e) * w_t);
    });
  });
  return grad_x;
}

// ---- nll ----

ClassLossForward nll_loss_forward(const Tensor& log_probs_in, const Tensor& target_in,
                                  const Tensor& weight_in, int64_t ignore_index) {
  const char* op = "nll_loss";
  const ClassLayout l = class_layout(log_probs_in, target_in, op);
  const Tensor weight = class_weight(weight_in, log_probs_in, l.c, op);
  const Tensor x = contiguous(log_probs_in), target = contiguous(target_in);
#if EMBER_WITH_CUDA
  if (x.is_cuda()) return cuda::nll_loss_forward(x, target, weight, {l.n, l.c, l.s}, ignore_index);
#endif
  ClassLossForward out{empty(target.sizes(), x.dtype()), Tensor(), Tensor(), 0};
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* w = data_or_null<T>(weight);
    const int64_t* t = target.data<int64_t>();
    out.total_weight = check_targets(t, target.sizes(), l.c, w, ignore_index, op);
    const T* xp = x.data<T>();
    T* loss = out.loss.data<T>();
    for_each_position(l, [&](int64_t i, int64_t base) {
      loss[i] = t[i] == ignore_index ? T(0) : -(w ? w[t[i]] : T(1)) * xp[base + t[i] * l.s];
    });
  });
  return out;
}

Tensor nll_loss_backward(const Tensor& grad_loss, const Tensor& log_probs, const Tensor& target_in,
                         const Tensor& weight_in, int64_t ignore_index) {
  const char* op = "nll_loss_backward";
  const ClassLayout l = class_layout(log_probs, target_in, op);
  const Tensor weight = class_weight(weight_in, log_probs, l.c, op);
  const Tensor target = contiguous(target_in), g = contiguous(grad_loss);
  check_same_dtype(g, log_probs, op);
#if EMBER_WITH_CUDA
  if (log_probs.is_cuda()) {
    check_same_device(g, log_probs, op);
    return cuda::nll_loss_backward(g, contiguous(log_probs), target, weight, {l.n, l.c, l.s},
                                   ignore_index);
  }
#endif
  Tensor grad_x = zeros(log_probs.sizes(), log_probs.dtype());
  dispatch_floating(log_probs.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* w = data_or_null<T>(weight);
    const int64_t* t = target.data<int64_t>();
    const T* gp = g.data<T>();
    T* dp = grad_x.data<T>();
    for_each_position(l, [&](int64_t i, int64_t base) {
      if (t[i] != ignore_index) dp[base + t[i] * l.s] = -gp[i] * (w ? w[t[i]] : T(1));
    });
  });
  return grad_x;
}

// ---- binary cross entropy ----

Tensor binary_cross_entropy_forward(const Tensor& probs_in, const Tensor& target_in,
                                    const Tensor& weight_in) {
  const char* op = "binary_cross_entropy";
  check_binary(probs_in, target_in, weight_in, Tensor(), op);
  const Tensor p = contiguous(probs_in), target = contiguous(target_in);
  const Tensor weight = weight_in.defined() ? contiguous(weight_in) : weight_in;
#if EMBER_WITH_CUDA
  if (p.is_cuda()) return cuda::binary_cross_entropy_forward(p, target, weight);
#endif
  Tensor loss = empty(p.sizes(), p.dtype());
  dispatch_floating(p.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* pp = p.data<T>();
    const T* tp = target.data<T>();
    const T* w = data_or_null<T>(weight);
    T* lp = loss.data<T>();
    const int64_t n = p.numel();
    for (int64_t i = 0; i < n; ++i)
      EMBER_CHECK(pp[i] >= T(0) && pp[i] <= T(1), op, ": input ", pp[i], " at position ",
                  position_str(i, p.sizes()), " is not a probability in [0, 1]");
    parallel_for(n, kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const T log_p = std::max(std::log(pp[i]), T(-100));
        const T log_1mp = std::max(std::log(T(1) - pp[i]), T(-100));
        lp[i] = -(w ? w[i] : T(1)) * (tp[i] * log_p + (T(1) - tp[i]) * log_1mp);
      }
    });
  });
  return loss;
}

BinaryLossGrads binary_cross_entropy_backward(const Tensor& grad_loss, const Tensor& probs_in,
                                              const Tensor& target_in, const Tensor& weight_in,
                                              bool need_input, bool need_target) {
  const char* op = "binary_cross_entropy_backward";
  check_binary(probs_in, target_in, weight_in, Tensor(), op);
  check_binary(probs_in, grad_loss, Tensor(), Tensor(), op);
  const Tensor p = contiguous(probs_in), target = contiguous(target_in);
  const Tensor g = contiguous(grad_loss);
  const Tensor weight = weight_in.defined() ? contiguous(weight_in) : weight_in;
#if EMBER_WITH_CUDA
  if (p.is_cuda())
    return cuda::binary_cross_entropy_backward(g, p, target, weight, need_input, need_target);
#endif
  BinaryLossGrads grads;
  if (need_input) grads.input = empty(p.sizes(), p.dtype());
  if (need_target) grads.target = empty(p.sizes(), p.dtype());
  dispatch_floating(p.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* pp = p.data<T>();
    const T* tp = target.data<T>();
    const T* gp = g.data<T>();
    const T* w = data_or_null<T>(weight);
    T* dp = data_or_null<T>(grads.input);
    T* dt = data_or_null<T>(grads.target);
    parallel_for(p.numel(), kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const T gw = gp[i] * (w ? w[i] : T(1));
        if (dp) dp[i] = gw * (pp[i] - tp[i]) / std::max(pp[i] * (T(1) - pp[i]), T(kBceEpsilon));
        if (dt)
          dt[i] =
              gw * (std::max(std::log(T(1) - pp[i]), T(-100)) - std::max(std::log(pp[i]), T(-100)));
      }
    });
  });
  return grads;
}

// ---- binary cross entropy with logits ----

Tensor binary_cross_entropy_with_logits_forward(const Tensor& logits_in, const Tensor& target_in,
                                                const Tensor& weight_in,
                                                const Tensor& pos_weight_in) {
  const char* op = "binary_cross_entropy_with_logits";
  check_binary(logits_in, target_in, weight_in, pos_weight_in, op);
  const Tensor x = contiguous(logits_in), target = contiguous(target_in);
  const Tensor weight = weight_in.defined() ? contiguous(weight_in) : weight_in;
  const Tensor pos_weight = pos_weight_in.defined() ? contiguous(pos_weight_in) : pos_weight_in;
#if EMBER_WITH_CUDA
  if (x.is_cuda())
    return cuda::binary_cross_entropy_with_logits_forward(x, target, weight, pos_weight);
#endif
  Tensor loss = empty(x.sizes(), x.dtype());
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    const T* tp = target.data<T>();
    const T* w = data_or_null<T>(weight);
    const T* q = data_or_null<T>(pos_weight);
    T* lp = loss.data<T>();
    parallel_for(x.numel(), kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const double xi = xp[i], ti = tp[i];
        const double log_weight = q ? 1.0 + (double(q[i]) - 1.0) * ti : 1.0;
        const double value = (1.0 - ti) * xi + log_weight * softplus(-xi);
        lp[i] = T((w ? double(w[i]) : 1.0) * value);
      }
    });
  });
  return loss;
}

BinaryLossGrads binary_cross_entropy_with_logits_backward(
    const Tensor& grad_loss, const Tensor& logits_in, const Tensor& target_in,
    const Tensor& weight_in, const Tensor& pos_weight_in, bool need_input, bool need_target) {
  const char* op = "binary_cross_entropy_with_logits_backward";
  check_binary(logits_in, target_in, weight_in, pos_weight_in, op);
  check_binary(logits_in, grad_loss, Tensor(), Tensor(), op);
  const Tensor x = contiguous(logits_in), target = contiguous(target_in);
  const Tensor g = contiguous(grad_loss);
  const Tensor weight = weight_in.defined() ? contiguous(weight_in) : weight_in;
  const Tensor pos_weight = pos_weight_in.defined() ? contiguous(pos_weight_in) : pos_weight_in;
#if EMBER_WITH_CUDA
  if (x.is_cuda())
    return cuda::binary_cross_entropy_with_logits_backward(g, x, target, weight, pos_weight,
                                                           need_input, need_target);
#endif
  BinaryLossGrads grads;
  if (need_input) grads.input = empty(x.sizes(), x.dtype());
  if (need_target) grads.target = empty(x.sizes(), x.dtype());
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    const T* tp = target.data<T>();
    const T* gp = g.data<T>();
    const T* w = data_or_null<T>(weight);
    const T* q = data_or_null<T>(pos_weight);
    T* dx = data_or_null<T>(grads.input);
    T* dt = data_or_null<T>(grads.target);
    parallel_for(x.numel(), kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const double xi = xp[i], ti = tp[i], qi = q ? double(q[i]) : 1.0;
        const double gw = double(gp[i]) * (w ? double(w[i]) : 1.0);
        if (dx) dx[i] = T(gw * ((1.0 + (qi - 1.0) * ti) * stable_sigmoid(xi) - qi * ti));
        if (dt) dt[i] = T(gw * (-xi + (qi - 1.0) * softplus(-xi)));
      }
    });
  });
  return grads;
}

}  // namespace ember::ops
