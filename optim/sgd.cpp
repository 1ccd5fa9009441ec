#include <ember/optim/sgd.h>

#include <algorithm>

#include <ember/config.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/optim.h>
#endif

namespace ember::optim {

namespace {

// SGD with momentum (Sutskever et al. 2013, "On the importance of initialization and momentum
// in deep learning"), in torch.optim.SGD's form. p, grad, buf are [n]; buf is null without
// momentum. Overwrites p and buf:
//   g = grad + weight_decay * p              (-grad when maximizing)
//   b = g on the first step, else b = momentum * b + (1 - dampening) * g
//   g = nesterov ? g + momentum * b : b      (with momentum)
//   p = p - lr * g
template <typename T>
void sgd_dense(T* p, const T* grad, T* buf, bool first, int64_t n, const ParamGroup& o) {
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

// The same step on the rows of a RowSparse gradient: p [V, D], ids [K], rows [K, D];
// p[ids[k]] -= lr * rows[k]; the other rows are not read or written.
template <typename T>
void sgd_sparse(T* p, const int64_t* ids, const T* rows, int64_t K, int64_t D,
                const ParamGroup& o) {
  const T step = o.maximize ? T(o.lr) : T(-o.lr);
  const int64_t rows_per_chunk = std::max<int64_t>(1, kUpdateGrain / std::max<int64_t>(D, 1));
  parallel_for(K, rows_per_chunk, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      T* row = p + ids[k] * D;
      const T* g = rows + k * D;
      for (int64_t j = 0; j < D; ++j) row[j] = row[j] + step * g[j];
    }
  });
}

#if EMBER_WITH_CUDA
cuda::SgdOptions cuda_options(const ParamGroup& o) {
  return {o.lr, o.weight_decay, o.momentum, o.dampening, o.nesterov, o.maximize};
}
#endif

void check_options(const ParamGroup& o) {
  EMBER_CHECK(o.lr >= 0, "SGD: invalid lr ", o.lr);
  EMBER_CHECK(o.momentum >= 0, "SGD: invalid momentum ", o.momentum);
  EMBER_CHECK(o.weight_decay >= 0, "SGD: invalid weight_decay ", o.weight_decay);
  EMBER_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
              "SGD: nesterov momentum needs momentum > 0 and dampening = 0, got momentum ",
              o.momentum, ", dampening ", o.dampening);
}

}  // namespace

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : Optimizer("SGD", std::move(params), options.group) {
  check_options(defaults_);
}

void SGD::step() {
  for (size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& o = groups_[g];
    check_options(o);
    for (size_t i = 0; i < o.params.size(); ++i) {
      const Tensor& p = o.params[i];
      if (!p.grad().defined()) continue;
      ParamState& s = state(g, i);
      if (p.grad().is_row_sparse()) {
        EMBER_CHECK(o.momentum == 0 && o.weight_decay == 0, "SGD: parameter of sizes ", p.sizes(),
                    " has a RowSparse gradient, which updates only its rows: set "
                    "momentum (",
                    o.momentum, ") and weight_decay (", o.weight_decay,
                    ") to 0, or use a dense gradient");
        SparseRows grad = sparse_grad(p);
#if EMBER_WITH_CUDA
        if (p.is_cuda()) {
          cuda::sgd_rows(p, grad.ids, grad.rows, cuda_options(o));
          ++s.step;
          continue;
        }
#endif
        dispatch_floating(p.dtype(), "SGD", [&](auto tag) {
          using T = decltype(tag);
          sgd_sparse(p.data<T>(), grad.ids.data<int64_t>(), grad.rows.data<T>(), grad.K, grad.D, o);
        });
      } else {
        Tensor grad = dense_grad(p);
        bool first = !s.buffers.count("momentum_buffer");
        Tensor buf = o.momentum != 0 ? buffer(s, "momentum_buffer", p) : Tensor();
#if EMBER_WITH_CUDA
        if (p.is_cuda()) {
          cuda::sgd_dense(p, grad, buf, first, cuda_options(o));
          ++s.step;
          continue;
        }
#endif
        dispatch_floating(p.dtype(), "SGD", [&](auto tag) {
          using T = decltype(tag);
          sgd_dense(p.data<T>(), grad.data<T>(), buf.defined() ? buf.data<T>() : nullptr, first,
                    p.numel(), o);
        });
      }
      ++s.step;
    }
  }
}

}  // namespace ember::optim
