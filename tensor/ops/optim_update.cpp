// The optimizers' update loops on the CPU (formulas in optim_update.h), and the dispatch to
// their CUDA twins in cuda/{sgd,adam,adagrad}.cu.
#include <ember/tensor/ops/optim_update.h>

#include <algorithm>
#include <cmath>

#include <ember/config.h>
#include <ember/tensor/cpu.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/internal/optim.h>
#endif

namespace ember::ops {

namespace {

// Rows of D elements per chunk of a row-sparse update.
int64_t rows_per_chunk(int64_t D) {
  return std::max<int64_t>(1, kUpdateGrain / std::max<int64_t>(D, 1));
}

template <typename T>
void sgd_dense(T* p, const T* grad, T* buf, bool first, int64_t n, const SgdStep& o) {
  const T lr = T(o.lr), decay = T(o.weight_decay), mu = T(o.momentum), keep = T(1 - o.dampening);
  const T sign = o.maximize ? T(-1) : T(1);
  parallel_for(n, kUpdateGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T g = sign * grad[i];
      if (decay != 0) g = g + decay * p[i];
      if (buf) {
        buf[i] = first ? g : buf[i] * mu + keep * g;
        g = o.nesterov ? g + mu * buf[i] : buf[i];
      }
      p[i] = p[i] + -lr * g;
    }
  });
}

template <typename T>
void sgd_rows(T* p, const int64_t* ids, const T* rows, int64_t K, int64_t D, const SgdStep& o) {
  const T step = o.maximize ? T(o.lr) : T(-o.lr);
  parallel_for(K, rows_per_chunk(D), [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      T* row = p + ids[k] * D;
      const T* g = rows + k * D;
      for (int64_t j = 0; j < D; ++j) row[j] = row[j] + step * g[j];
    }
  });
}

template <typename T>
void adam_dense(T* p, const T* grad, T* m, T* v, T* v_max, int64_t n, int64_t t,
                const AdamStep& o) {
  const double bias_correction1 = 1 - std::pow(o.beta1, double(t));
  const double bias_correction2 = 1 - std::pow(o.beta2, double(t));
  const T step_size = T(o.lr / bias_correction1);
  const T bias_correction2_sqrt = T(std::sqrt(bias_correction2));
  const T beta1 = T(o.beta1), beta2 = T(o.beta2), eps = T(o.eps);
  const T one_minus_beta1 = T(1 - o.beta1), one_minus_beta2 = T(1 - o.beta2);
  const T l2 = o.decoupled ? T(0) : T(o.weight_decay);
  const T shrink = T(1 - o.lr * o.weight_decay);
  const T sign = o.maximize ? T(-1) : T(1);
  const bool shrinks = o.decoupled && o.weight_decay != 0;
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

// SparseAdam on rows [begin, end) of a RowSparse gradient: row k of rows updates row ids[k] of
// p, m and v (each [V, D]). The rows are scattered over tables larger than the caches, so the
// rows kLookahead ids ahead are prefetched while this one is updated. The loop over D is
// vectorised (vsqrtps and vdivps round as sqrtf and '/' do, and no FMA is formed), so every
// element gets the bits of the plain scalar formula.
template <typename T>
struct SparseAdamRows {
  T* p;
  T* m;
  T* v;
  const int64_t* ids;
  const T* rows;
  int64_t D;
  T sign, one_minus_beta1, one_minus_beta2, eps, neg_step_size;
};

template <typename T>
inline __attribute__((always_inline)) void sparse_adam_body(const SparseAdamRows<T>& a,
                                                            int64_t begin, int64_t end) {
  constexpr int64_t kLookahead = 4;
  const int64_t D = a.D;
  const T sign = a.sign, c1 = a.one_minus_beta1, c2 = a.one_minus_beta2, eps = a.eps;
  const T neg_step = a.neg_step_size;
  for (int64_t k = begin; k < end; ++k) {
    if (k + kLookahead < end) {
      const int64_t ahead = a.ids[k + kLookahead] * D;
      const size_t bytes = size_t(D) * sizeof(T);
      cpu::prefetch_for_writing(a.p + ahead, bytes);
      cpu::prefetch_for_writing(a.m + ahead, bytes);
      cpu::prefetch_for_writing(a.v + ahead, bytes);
    }
    const int64_t offset = a.ids[k] * D;
    T* __restrict p = a.p + offset;
    T* __restrict m = a.m + offset;
    T* __restrict v = a.v + offset;
    const T* __restrict g_row = a.rows + k * D;
#pragma omp simd
    for (int64_t j = 0; j < D; ++j) {
      const T g = sign * g_row[j];
      const T m_j = m[j] + (g - m[j]) * c1;
      const T v_j = v[j] + (g * g - v[j]) * c2;
      m[j] = m_j;
      v[j] = v_j;
      p[j] = p[j] + m_j / (std::sqrt(v_j) + eps) * neg_step;
    }
  }
}

template <typename T>
void sparse_adam_generic(const SparseAdamRows<T>& a, int64_t begin, int64_t end) {
  sparse_adam_body(a, begin, end);
}

#if defined(__x86_64__)
// AVX2 without FMA: a fused multiply-add would round differently from the scalar formula.
template <typename T>
__attribute__((target("avx2"))) void sparse_adam_avx2(const SparseAdamRows<T>& a, int64_t begin,
                                                      int64_t end) {
  sparse_adam_body(a, begin, end);
}
#endif

template <typename T>
void sparse_adam_rows(T* p, T* m, T* v, const int64_t* ids, const T* rows, int64_t K, int64_t D,
                      int64_t t, const AdamStep& o) {
  const double bias_correction1 = 1 - std::pow(o.beta1, double(t));
  const double bias_correction2 = 1 - std::pow(o.beta2, double(t));
  const T step_size = T(o.lr * std::sqrt(bias_correction2) / bias_correction1);
  const SparseAdamRows<T> a{p,
                            m,
                            v,
                            ids,
                            rows,
                            D,
                            o.maximize ? T(-1) : T(1),
                            T(1 - o.beta1),
                            T(1 - o.beta2),
                            T(o.eps),
                            -step_size};
  auto run = sparse_adam_generic<T>;
#if defined(__x86_64__)
  if (cpu::has_avx2_fma()) run = sparse_adam_avx2<T>;
#endif
  parallel_for(K, rows_per_chunk(D), [&](int64_t begin, int64_t end) { run(a, begin, end); });
}

template <typename T>
void adagrad_dense(T* p, const T* grad, T* sum, int64_t n, const AdagradStep& o) {
  const T step = T(-o.lr_t), decay = T(o.weight_decay), eps = T(o.eps);
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

template <typename T>
void adagrad_rows(T* p, T* sum, const int64_t* ids, const T* rows, int64_t K, int64_t D,
                  const AdagradStep& o) {
  const T step = T(-o.lr_t), eps = T(o.eps);
  const T sign = o.maximize ? T(-1) : T(1);
  parallel_for(K, rows_per_chunk(D), [&](int64_t begin, int64_t end) {
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

// D of a RowSparse gradient's rows [K, D...]: the elements of one row.
int64_t width(const Tensor& rows) {
  int64_t D = 1;
  for (int64_t d = 1; d < rows.dim(); ++d) D *= rows.size(d);
  return D;
}

}  // namespace

void sgd_update(const Tensor& p, const Tensor& grad, const Tensor& momentum_buffer, bool first,
                const SgdStep& o) {
#if EMBER_WITH_CUDA
  if (p.is_cuda()) return cuda::sgd_dense(p, grad, momentum_buffer, first, o);
#endif
  dispatch_floating(p.dtype(), "SGD", [&](auto tag) {
    using T = decltype(tag);
    sgd_dense(p.data<T>(), grad.data<T>(),
              momentum_buffer.defined() ? momentum_buffer.data<T>() : nullptr, first, p.numel(), o);
  });
}

void sgd_update_rows(const Tensor& p, const Tensor& ids, const Tensor& rows, const SgdStep& o) {
#if EMBER_WITH_CUDA
  if (p.is_cuda()) return cuda::sgd_rows(p, ids, rows, o);
#endif
  dispatch_floating(p.dtype(), "SGD", [&](auto tag) {
    using T = decltype(tag);
    sgd_rows(p.data<T>(), ids.data<int64_t>(), rows.data<T>(), ids.numel(), width(rows), o);
  });
}

void adam_update(const std::vector<AdamTensors>& list, const AdamStep& o) {
  if (list.empty()) return;
#if EMBER_WITH_CUDA
  if (list.front().param.is_cuda()) return cuda::adam_step(list, o);
#endif
  for (const AdamTensors& t : list)
    dispatch_floating(t.param.dtype(), o.decoupled ? "AdamW" : "Adam", [&](auto tag) {
      using T = decltype(tag);
      adam_dense(t.param.data<T>(), t.grad.data<T>(), t.exp_avg.data<T>(), t.exp_avg_sq.data<T>(),
                 o.amsgrad ? t.max_exp_avg_sq.data<T>() : nullptr, t.param.numel(), t.step, o);
    });
}

void sparse_adam_update_rows(const Tensor& p, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                             const Tensor& ids, const Tensor& rows, int64_t step,
                             const AdamStep& o) {
#if EMBER_WITH_CUDA
  if (p.is_cuda()) return cuda::sparse_adam_rows(p, exp_avg, exp_avg_sq, ids, rows, step, o);
#endif
  dispatch_floating(p.dtype(), "SparseAdam", [&](auto tag) {
    using T = decltype(tag);
    sparse_adam_rows(p.data<T>(), exp_avg.data<T>(), exp_avg_sq.data<T>(), ids.data<int64_t>(),
                     rows.data<T>(), ids.numel(), width(rows), step, o);
  });
}

void adagrad_update(const Tensor& p, const Tensor& grad, const Tensor& sum, const AdagradStep& o) {
#if EMBER_WITH_CUDA
  if (p.is_cuda()) return cuda::adagrad_dense(p, grad, sum, o);
#endif
  dispatch_floating(p.dtype(), "Adagrad", [&](auto tag) {
    using T = decltype(tag);
    adagrad_dense(p.data<T>(), grad.data<T>(), sum.data<T>(), p.numel(), o);
  });
}

void adagrad_update_rows(const Tensor& p, const Tensor& sum, const Tensor& ids, const Tensor& rows,
                         const AdagradStep& o) {
#if EMBER_WITH_CUDA
  if (p.is_cuda()) return cuda::adagrad_rows(p, sum, ids, rows, o);
#endif
  dispatch_floating(p.dtype(), "Adagrad", [&](auto tag) {
    using T = decltype(tag);
    adagrad_rows(p.data<T>(), sum.data<T>(), ids.data<int64_t>(), rows.data<T>(), ids.numel(),
                 width(rows), o);
  });
}

}  // namespace ember::ops
