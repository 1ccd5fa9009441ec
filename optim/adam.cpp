#include <ember/optim/adam.h>

#include <algorithm>
#include <cmath>

#include <ember/config.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/optim.h>
#endif

namespace ember::optim {

namespace {

// One Adam step (Kingma & Ba 2015, Algorithm 1) in torch.optim.Adam's form, t = the step
// count starting at 1. p, grad, m (exp_avg), v (exp_avg_sq), v_max are [n]; v_max is null
// without amsgrad. Overwrites p, m, v, v_max:
//   g = grad + weight_decay * p              (Adam; -grad when maximizing)
//   p = p * (1 - lr * weight_decay)          (AdamW instead, before the step)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   v_max = max(v_max, v)                    (amsgrad, which then uses v_max for v)
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
template <typename T>
void adam_dense(T* p, const T* grad, T* m, T* v, T* v_max, int64_t n, int64_t t,
                const ParamGroup& o, bool decoupled) {
  const double bias_correction1 = 1 - std::pow(o.beta1, double(t));
  const double bias_correction2 = 1 - std::pow(o.beta2, double(t));
  const T step_size = T(o.lr / bias_correction1);
  const T bias_correction2_sqrt = T(std::sqrt(bias_correction2));
  const T beta1 = T(o.beta1), beta2 = T(o.beta2), eps = T(o.eps);
  const T one_minus_beta1 = T(1 - o.beta1), one_minus_beta2 = T(1 - o.beta2);
  const T l2 = decoupled ? T(0) : T(o.weight_decay);
  const T shrink = T(1 - o.lr * o.weight_decay);
  const T sign = o.maximize ? T(-1) : T(1);
  const bool shrinks = decoupled && o.weight_decay != 0;
  parallel_for(n, kUpdateGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T g = sign * grad[i];
      if (l2 != 0) g = g + l2 * p[i];
      if (shrinks) p[i] = p[i] * shrink;
      m[i] = m[i] * beta1 + one_minus_beta1 * g;
      v[i] = v[i] * beta2 + one_minus_beta2 * g * g;
      T second = v[i];
      if (v_max) second = v_max[i] = std::max(v_max[i], v[i]);
      T denom = std::sqrt(second) / bias_correction2_sqrt + eps;
      p[i] = p[i] + -step_size * m[i] / denom;
    }
  });
}

void check_options(const std::string& name, const ParamGroup& o) {
  EMBER_CHECK(o.lr >= 0, name, ": invalid lr ", o.lr);
  EMBER_CHECK(o.eps >= 0, name, ": invalid eps ", o.eps);
  EMBER_CHECK(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1, name,
              ": betas must be in [0, 1), got (", o.beta1, ", ", o.beta2, ")");
  EMBER_CHECK(o.weight_decay >= 0, name, ": invalid weight_decay ", o.weight_decay);
}

}  // namespace

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam("Adam", std::move(params), options, false) {}

Adam::Adam(std::string name, std::vector<Tensor> params, const AdamOptions& options, bool decoupled)
    : Optimizer(std::move(name), std::move(params), options.group),
      decoupled_weight_decay_(decoupled) {
  check_options(name_, defaults_);
}

void Adam::step() {
  for (size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& o = groups_[g];
    check_options(name_, o);
#if EMBER_WITH_CUDA
    // The group's GPU parameters, updated in one fused launch per dtype after the loop.
    std::vector<cuda::AdamTensors> fused[2];  // float32, float64
#endif
    for (size_t i = 0; i < o.params.size(); ++i) {
      const Tensor& p = o.params[i];
      if (!p.grad().defined()) continue;
      EMBER_CHECK(!p.grad().is_row_sparse(), name_, ": parameter of sizes ", p.sizes(),
                  " has a RowSparse gradient (a sparse embedding's), which ", name_,
                  " does not support; use SparseAdam for it (or SGD), e.g. with a second "
                  "optimizer over the embedding's parameters");
      Tensor grad = dense_grad(p);
      ParamState& s = state(g, i);
      Tensor m = buffer(s, "exp_avg", p), v = buffer(s, "exp_avg_sq", p);
      Tensor v_max = o.amsgrad ? buffer(s, "max_exp_avg_sq", p) : Tensor();
      ++s.step;
#if EMBER_WITH_CUDA
      if (p.is_cuda()) {
        dispatch_floating(p.dtype(), name_.c_str(), [](auto) {});  // float16 raises here
        std::vector<cuda::AdamTensors>& list = fused[p.dtype() == kFloat64];
        EMBER_CHECK(list.empty() || list.front().param.device() == p.device(), name_,
                    ": the GPU parameters of a group must share one GPU, got ", p.device(), " and ",
                    list.front().param.device());
        list.push_back({p, grad, m, v, v_max, s.step});
        continue;
      }
#endif
      dispatch_floating(p.dtype(), name_.c_str(), [&](auto tag) {
        using T = decltype(tag);
        adam_dense(p.data<T>(), grad.data<T>(), m.data<T>(), v.data<T>(),
                   o.amsgrad ? v_max.data<T>() : nullptr, p.numel(), s.step, o,
                   decoupled_weight_decay_);
      });
    }
#if EMBER_WITH_CUDA
    const cuda::AdamOptions options{o.lr,           o.beta1,   o.beta2,    o.eps,
                                    o.weight_decay, o.amsgrad, o.maximize, decoupled_weight_decay_};
    for (const auto& list : fused) cuda::adam_step(list, options);
#endif
  }
}

}  // namespace ember::optim
