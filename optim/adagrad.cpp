#include <ember/optim/adagrad.h>

#include <ember/tensor/ops/optim_update.h>

namespace ember::optim {

namespace {

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
      const ops::AdagradStep options{lr_t, o.weight_decay, o.eps, o.maximize};
      if (sparse)
        ops::adagrad_update_rows(p, sum, rows.ids, rows.rows, options);
      else
        ops::adagrad_update(p, grad, sum, options);
    }
  }
}

}  // namespace ember::optim
