#include <ember/optim/adagrad.h>

#include <algorithm>
#include <cmath>

#include <ember/config.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/optim.h>
#endif

namespace ember::optim {

namespace {

// One Adagrad step (Duchi, Hazan & Singer 2011) in torch.optim.Adagrad's form, t = the step
// count starting at 1. p, grad, sum are [n]. Overwrites p and sum:
//   lr_t = lr / (1 + (t - 1) * lr_decay)
//   g = grad + weight_decay * p              (-grad when maximizing)
//   sum = sum + g * g
//   p = p - lr_t * g / (sqrt(sum) + eps)
template <typename T>
void adagrad_dense(T* p, const T* grad, T* sum, int64_t n, double lr_t, const ParamGroup& o) {
  const T step = T(-lr_t), decay = T(o.weight_decay), eps = T(o.eps);
  const T sign = o.maximize ? T(-1) : T(1);
  parallel_for(n, kUpdateGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T g = sign * grad[i];
      if (decay != 0) g = g + decay * p[i];
      sum[i] = sum[i] + g * g;
      p[i] = p[i] + step * g / (std::sqrt(sum[i]) + eps);
    }
  });
}

// The same step on the touched rows only: p, sum [V, D]; ids [K]; rows [K, D]. Overwrites
// rows ids[k] of p and sum and nothing else (no weight decay: it would touch every row).
template <typename T>
void adagrad_rows(T* p, T* sum, const int64_t* ids, const T* rows, int64_t K, int64_t D,
                  double lr_t, const ParamGroup& o) {
  const T step = T(-lr_t), eps = T(o.eps);
  const T sign = o.maximize ? T(-1) : T(1);
  const int64_t rows_per_chunk = std::max<int64_t>(1, kUpdateGrain / std::max<int64_t>(D, 1));
  parallel_for(K, rows_per_chunk, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      const int64_t offset = ids[k] * D;
      for (int64_t j = 0; j < D; ++j) {
        const int64_t i = offset + j;
        T g = sign * rows[k * D + j];
        sum[i] = sum[i] + g * g;
        p[i] = p[i] + step * (g / (std::sqrt(sum[i]) + eps));
      }
    }
  });
}

void check_options(const ParamGroup& o) {
  EMBER_CHECK(o.lr >= 0, "Adagrad: invalid lr ", o.lr);
  EMBER_CHECK(o.lr_decay >= 0, "Adagrad: invalid lr_decay ", o.lr_decay);
  EMBER_CHECK(o.weight_decay >= 0, "Adagrad: invalid weight_decay ", o.weight_decay);
  EMBER_CHECK(o.initial_accumulator_value >= 0, "Adagrad: invalid initial_accumulator_value ",
              o.initial_accumulator_value);
  EMBER_CHECK(o.eps >= 0, "Adagrad: invalid eps ", o.eps);
}

}  // namespace

Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions options)
    : Optimizer("Adagrad", std::move(params), options.group) {
  check_options(defaults_);
}

void Adagrad::step() {
  for (size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& o = groups_[g];
    check_options(o);
    for (size_t i = 0; i < o.params.size(); ++i) {
      const Tensor& p = o.params[i];
      if (!p.grad().defined()) continue;
      ParamState& s = state(g, i);
      const bool sparse = p.grad().is_row_sparse();
      EMBER_CHECK(!sparse || o.weight_decay == 0, "Adagrad: parameter of sizes ", p.sizes(),
                  " has a RowSparse gradient, which updates only its rows: weight_decay (",
                  o.weight_decay, ") must be 0");
      SparseRows rows;
      Tensor grad;
      if (sparse)
        rows = sparse_grad(p);
      else
        grad = dense_grad(p);
      Tensor sum = buffer(s, "sum", p, o.initial_accumulator_value);
      ++s.step;
      const double lr_t = o.lr / (1 + double(s.step - 1) * o.lr_decay);
#if EMBER_WITH_CUDA
      if (p.is_cuda()) {
        const cuda::AdagradOptions options{lr_t, o.weight_decay, o.eps, o.maximize};
        if (sparse)
          cuda::adagrad_rows(p, sum, rows.ids, rows.rows, options);
        else
          cuda::adagrad_dense(p, grad, sum, options);
        continue;
      }
#endif
      dispatch_floating(p.dtype(), "Adagrad", [&](auto tag) {
        using T = decltype(tag);
        if (sparse)
          adagrad_rows(p.data<T>(), sum.data<T>(), rows.ids.data<int64_t>(), rows.rows.data<T>(),
                       rows.K, rows.D, lr_t, o);
        else
          adagrad_dense(p.data<T>(), grad.data<T>(), sum.data<T>(), p.numel(), lr_t, o);
      });
    }
  }
}

}  // namespace ember::optim
