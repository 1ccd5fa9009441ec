#include <ember/optim/adam.h>

#include <utility>

#include <ember/tensor/ops/optim_update.h>

namespace ember::optim {

namespace {

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
    std::vector<ops::AdamTensors> list;  // the group's parameters with a gradient
    for (size_t i = 0; i < o.params.size(); ++i) {
      const Tensor& p = o.params[i];
      if (!p.grad().defined()) continue;
      EMBER_CHECK(!p.grad().is_row_sparse(), name_, ": parameter of sizes ", p.sizes(),
                  " has a RowSparse gradient (a sparse embedding's), which ", name_,
                  " does not support; use SparseAdam for it (or SGD), e.g. with a second "
                  "optimizer over the embedding's parameters");
      dispatch_floating(p.dtype(), name_.c_str(), [](auto) {});  // float16 raises here
      Tensor grad = dense_grad(p);
      ParamState& s = state(g, i);
      Tensor m = buffer(s, "exp_avg", p), v = buffer(s, "exp_avg_sq", p);
      Tensor v_max = o.amsgrad ? buffer(s, "max_exp_avg_sq", p) : Tensor();
      ++s.step;
      list.push_back({p, grad, m, v, v_max, s.step});
    }
    const ops::AdamStep options{o.lr,           o.beta1,   o.beta2,    o.eps,
                                o.weight_decay, o.amsgrad, o.maximize, decoupled_weight_decay_};
    // On the GPU one fused launch per device and dtype, so the list goes in such parts.
    while (!list.empty()) {
      const Device device = list.front().param.device();
      const DType dtype = list.front().param.dtype();
      std::vector<ops::AdamTensors> part, rest;
      for (ops::AdamTensors& t : list) {
        const bool same = t.param.device() == device && t.param.dtype() == dtype;
        (same ? part : rest).push_back(std::move(t));
      }
      ops::adam_update(part, options);
      list = std::move(rest);
    }
  }
}

}  // namespace ember::optim
