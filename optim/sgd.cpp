#include <ember/optim/sgd.h>

#include <ember/tensor/ops/optim_update.h>

namespace ember::optim {

namespace {

ops::SgdStep step_options(const ParamGroup& o) {
  return {o.lr, o.weight_decay, o.momentum, o.dampening, o.nesterov, o.maximize};
}

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
        ops::sgd_update_rows(p, grad.ids, grad.rows, step_options(o));
      } else {
        Tensor grad = dense_grad(p);
        bool first = !s.buffers.count("momentum_buffer");
        Tensor buf = o.momentum != 0 ? buffer(s, "momentum_buffer", p) : Tensor();
        ops::sgd_update(p, grad, buf, first, step_options(o));
      }
      ++s.step;
    }
  }
}

}  // namespace ember::optim
