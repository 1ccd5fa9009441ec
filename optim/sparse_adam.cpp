#include <ember/optim/sparse_adam.h>

#include <algorithm>
#include <cmath>

#include <ember/config.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/optim.h>
#endif

namespace ember::optim {

namespace {

// Adam's step (see adam.cpp) on the touched rows only, in torch's SparseAdam form, t = this
// parameter's step count. p, m, v [V, D]; ids [K]; rows [K, D]. Overwrites rows ids[k] of
// p, m, v and nothing else:
//   m = m + (1 - beta1) * (g - m)            (= beta1 * m + (1 - beta1) * g)
//   v = v + (1 - beta2) * (g * g - v)
//   p = p - lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)
template <typename T>
void sparse_adam_rows(T* p, T* m, T* v, const int64_t* ids, const T* rows, int64_t K, int64_t D,
                      int64_t t, const ParamGroup& o) {
  const double bias_correction1 = 1 - std::pow(o.beta1, double(t));
  const double bias_correction2 = 1 - std::pow(o.beta2, double(t));
  const T step_size = T(o.lr * std::sqrt(bias_correction2) / bias_correction1);
  const T one_minus_beta1 = T(1 - o.beta1), one_minus_beta2 = T(1 - o.beta2), eps = T(o.eps);
  const T sign = o.maximize ? T(-1) : T(1);
  const int64_t rows_per_chunk = std::max<int64_t>(1, kUpdateGrain / std::max<int64_t>(D, 1));
  parallel_for(K, rows_per_chunk, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      const int64_t offset = ids[k] * D;
      for (int64_t j = 0; j < D; ++j) {
        const int64_t i = offset + j;
        T g = sign * rows[k * D + j];
        m[i] = m[i] + (g - m[i]) * one_minus_beta1;
        v[i] = v[i] + (g * g - v[i]) * one_minus_beta2;
        p[i] = p[i] + m[i] / (std::sqrt(v[i]) + eps) * -step_size;
      }
    }
  });
}

void check_options(const ParamGroup& o) {
  EMBER_CHECK(o.lr >= 0, "SparseAdam: invalid lr ", o.lr);
  EMBER_CHECK(o.eps >= 0, "SparseAdam: invalid eps ", o.eps);
  EMBER_CHECK(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1,
              "SparseAdam: betas must be in [0, 1), got (", o.beta1, ", ", o.beta2, ")");
}

}  // namespace

SparseAdam::SparseAdam(std::vector<Tensor> params, SparseAdamOptions options)
    : Optimizer("SparseAdam", std::move(params), options.group) {
  check_options(defaults_);
}

void SparseAdam::step() {
  for (size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& o = groups_[g];
    check_options(o);
    for (size_t i = 0; i < o.params.size(); ++i) {
      const Tensor& p = o.params[i];
      if (!p.grad().defined()) continue;
      EMBER_CHECK(p.grad().is_row_sparse(), "SparseAdam: parameter of sizes ", p.sizes(),
                  " has a dense gradient; SparseAdam takes only RowSparse gradients (an "
                  "Embedding with sparse=true); use Adam for dense parameters");
      SparseRows grad = sparse_grad(p);
      ParamState& s = state(g, i);
      Tensor m = buffer(s, "exp_avg", p), v = buffer(s, "exp_avg_sq", p);
      ++s.step;
#if EMBER_WITH_CUDA
      if (p.is_cuda()) {
        const cuda::AdamOptions options{o.lr, o.beta1, o.beta2,    o.eps,
                                        0.0,  false,   o.maximize, false};
        cuda::sparse_adam_rows(p, m, v, grad.ids, grad.rows, s.step, options);
        continue;
      }
#endif
      dispatch_floating(p.dtype(), "SparseAdam", [&](auto tag) {
        using T = decltype(tag);
        sparse_adam_rows(p.data<T>(), m.data<T>(), v.data<T>(), grad.ids.data<int64_t>(),
                         grad.rows.data<T>(), grad.K, grad.D, s.step, o);
      });
    }
  }
}

}  // namespace ember::optim
