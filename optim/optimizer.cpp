#include <ember/optim/optimizer.h>

#include <cstdio>
#include <set>
#include <type_traits>

#include <ember/tensor/ops/copy.h>

namespace ember::optim {

namespace {

// Calls f(name, field) for every option of a group: the one list that state_dict and
// load_state_dict share. Booleans are stored as 0 or 1.
template <typename Group, typename F>
void for_each_option(Group& g, F&& f) {
  f("lr", g.lr);
  f("weight_decay", g.weight_decay);
  f("maximize", g.maximize);
  f("momentum", g.momentum);
  f("dampening", g.dampening);
  f("nesterov", g.nesterov);
  f("beta1", g.beta1);
  f("beta2", g.beta2);
  f("eps", g.eps);
  f("amsgrad", g.amsgrad);
  f("lr_decay", g.lr_decay);
  f("initial_accumulator_value", g.initial_accumulator_value);
}

std::string group_key(size_t g, const std::string& option) {
  return "param_groups." + std::to_string(g) + "." + option;
}

std::string state_prefix(size_t g, size_t i) {
  return "state." + std::to_string(g) + "." + std::to_string(i) + ".";
}

const Tensor& find(const StateDict& state, const std::string& key, const std::string& op) {
  auto it = state.find(key);
  EMBER_CHECK(it != state.end(), op, ".load_state_dict: missing key \"", key, "\"");
  return it->second;
}

}  // namespace

Optimizer::Optimizer(std::string name, std::vector<Tensor> params, ParamGroup defaults)
    : name_(std::move(name)), defaults_(std::move(defaults)) {
  defaults_.params.clear();
  defaults_.initial_lr.reset();
  add_param_group(std::move(params));
}

void Optimizer::add_param_group(std::vector<Tensor> params, std::optional<double> lr,
                                std::optional<double> weight_decay) {
  EMBER_CHECK(!params.empty(), name_, ": got an empty parameter list");
  std::set<const TensorImpl*> seen;
  for (const ParamGroup& group : groups_)
    for (const Tensor& p : group.params) seen.insert(p.impl_ptr().get());
  for (const Tensor& p : params) {
    EMBER_CHECK(p.defined(), name_, ": a parameter is an undefined tensor");
    EMBER_CHECK(p.is_leaf(), name_, ": can't optimize a non-leaf tensor of sizes ", p.sizes());
    EMBER_CHECK(seen.insert(p.impl_ptr().get()).second, name_, ": a parameter of sizes ", p.sizes(),
                " appears in more than one group");
  }
  ParamGroup group = defaults_;
  group.params = std::move(params);
  if (lr) group.lr = *lr;
  if (weight_decay) group.weight_decay = *weight_decay;
  groups_.push_back(std::move(group));
  state_.emplace_back();
}

void Optimizer::zero_grad() {
  for (const ParamGroup& group : groups_)
    for (const Tensor& p : group.params)
      if (p.grad().defined()) p.set_grad(Tensor());
}

ParamState& Optimizer::state(size_t group, size_t index) {
  EMBER_CHECK(group < groups_.size() && index < groups_[group].params.size(), name_,
              ": no parameter ", index, " in group ", group);
  std::vector<ParamState>& states = state_.at(group);
  if (states.size() < groups_[group].params.size()) states.resize(groups_[group].params.size());
  return states[index];
}

void Optimizer::check_param(const Tensor& param) const {
  // float16 tables (storage only) are updated on the GPU, row by row, in float arithmetic.
  EMBER_CHECK(param.dtype() == kFloat32 || param.dtype() == kFloat64 ||
                  (param.dtype() == kFloat16 && param.is_cuda()),
              name_, ": parameters must be float32 or float64 (float16 only on a GPU), got ",
              param.dtype());
  EMBER_CHECK(param.is_contiguous(), name_, ": parameter of sizes ", param.sizes(),
              " is not contiguous");
  Tensor grad = param.grad();
  EMBER_CHECK(grad.sizes() == param.sizes() && grad.dtype() == param.dtype(), name_, ": gradient ",
              grad.sizes(), " ", grad.dtype(), " does not match its parameter ", param.sizes(), " ",
              param.dtype());
  EMBER_CHECK(grad.device() == param.device(), name_, ": gradient is on ", grad.device(),
              " but its parameter on ", param.device());
}

Tensor Optimizer::dense_grad(const Tensor& param) const {
  check_param(param);
  EMBER_CHECK(!param.grad().is_row_sparse(), name_, ": expected a dense gradient");
  return ops::contiguous(param.grad());
}

Optimizer::SparseRows Optimizer::sparse_grad(const Tensor& param) const {
  check_param(param);
  Tensor grad = param.grad();
  EMBER_CHECK(grad.is_row_sparse(), name_, ": expected a RowSparse gradient");
  EMBER_CHECK(param.dim() >= 1, name_, ": a RowSparse gradient needs a parameter with rows");
  SparseRows sparse;
  sparse.ids = ops::contiguous(grad.indices());
  sparse.rows = ops::contiguous(grad.values());
  sparse.K = sparse.ids.numel();
  sparse.D = param.size(0) > 0 ? param.numel() / param.size(0) : 0;
  return sparse;
}

DType Optimizer::state_dtype(const Tensor& param) {
  return param.dtype() == kFloat16 ? kFloat32 : param.dtype();
}

Tensor& Optimizer::buffer(ParamState& s, const std::string& name, const Tensor& param,
                          double fill) {
  Tensor& b = s.buffers[name];
  if (!b.defined())
    b = full(param.sizes(), fill, TensorOptions(state_dtype(param)).device(param.device()));
  return b;
}

StateDict Optimizer::state_dict() const {
  StateDict out;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& group = groups_[g];
    for_each_option(group, [&](const char* option, auto value) {
      out[group_key(g, option)] = scalar_tensor(double(value), kFloat64);
    });
    if (group.initial_lr)
      out[group_key(g, "initial_lr")] = scalar_tensor(*group.initial_lr, kFloat64);
    out[group_key(g, "num_params")] = scalar_tensor(double(group.params.size()), kInt64);
    for (size_t i = 0; i < state_[g].size(); ++i) {
      const ParamState& s = state_[g][i];
      if (s.empty()) continue;
      out[state_prefix(g, i) + "step"] = scalar_tensor(double(s.step), kInt64);
      for (const auto& [name, tensor] : s.buffers) out[state_prefix(g, i) + name] = tensor;
    }
  }
  return out;
}

void Optimizer::load_state_dict(const StateDict& state) {
  const std::string& op = name_;
  EMBER_CHECK(state.count(group_key(groups_.size(), "lr")) == 0 &&
                  state.count(group_key(groups_.size() - 1, "lr")) == 1,
              op, ".load_state_dict: the state has a different number of parameter groups than ",
              "this optimizer's ", groups_.size());
  // Everything is read and checked into copies first, so that a bad state changes nothing.
  std::vector<ParamGroup> groups = groups_;
  std::vector<std::vector<ParamState>> states(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    ParamGroup& group = groups[g];
    int64_t count = find(state, group_key(g, "num_params"), op).item<int64_t>();
    EMBER_CHECK(count == int64_t(group.params.size()), op, ".load_state_dict: group ", g, " has ",
                group.params.size(), " parameters, the state has ", count);
    for_each_option(group, [&](const char* option, auto& value) {
      double v = find(state, group_key(g, option), op).item<double>();
      value = static_cast<std::remove_reference_t<decltype(value)>>(v);
    });
    auto initial = state.find(group_key(g, "initial_lr"));
    group.initial_lr.reset();
    if (initial != state.end()) group.initial_lr = initial->second.item<double>();
    states[g].resize(group.params.size());
  }
  for (const auto& [key, value] : state) {
    if (key.rfind("param_groups.", 0) == 0) continue;
    size_t g = 0, i = 0;
    char rest[64] = {0};
    EMBER_CHECK(std::sscanf(key.c_str(), "state.%zu.%zu.%63s", &g, &i, rest) == 3 &&
                    g < groups.size() && i < groups[g].params.size(),
                op, ".load_state_dict: unexpected key \"", key, "\"");
    ParamState& s = states[g][i];
    const std::string name = rest;
    if (name == "step") {
      s.step = value.item<int64_t>();
      continue;
    }
    const Tensor& param = groups[g].params[i];
    EMBER_CHECK(value.sizes() == param.sizes(), op, ".load_state_dict: \"", key, "\" has sizes ",
                value.sizes(), ", its parameter ", param.sizes());
    Tensor copy = empty(param.sizes(), TensorOptions(state_dtype(param)).device(param.device()));
    ops::copy_(copy, value);
    s.buffers[name] = copy;
  }
  groups_ = std::move(groups);
  state_ = std::move(states);
}

}  // namespace ember::optim
