#include <ember/optim/sparse_adam.h>

#include <ember/tensor/ops/optim_update.h>

namespace ember::optim {

namespace {

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
      const ops::AdamStep options{o.lr, o.beta1, o.beta2, o.eps, 0.0, false, o.maximize, false};
      ops::sparse_adam_update_rows(p, m, v, grad.ids, grad.rows, s.step, options);
    }
  }
}

}  // namespace ember::optim
