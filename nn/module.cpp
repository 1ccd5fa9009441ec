#include <ember/nn/module.h>

#include <ember/autograd/grad_mode.h>
#include <ember/nn/functional.h>
#include <ember/tensor/ops/copy.h>

namespace ember::nn {

Tensor Module::forward(const Tensor&) {
  EMBER_FAIL(type_name_, ": this module has no forward(Tensor); call its own forward");
}

void Module::check_new_name(const std::string& name) const {
  EMBER_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name_,
              ": invalid member name '", name, "' (must be non-empty, without '.')");
  auto taken = [&](const auto& list) {
    for (const auto& [n, _] : list)
      if (n == name) return true;
    return false;
  };
  EMBER_CHECK(!taken(parameters_) && !taken(buffers_) && !taken(children_), type_name_,
              ": member '", name, "' is already registered");
}

Tensor Module::register_parameter(const std::string& name, Tensor tensor, bool requires_grad) {
  check_new_name(name);
  EMBER_CHECK(tensor.defined(), type_name_, ": parameter '", name, "' is undefined");
  tensor.requires_grad_(requires_grad);
  parameters_.emplace_back(name, tensor);
  return tensor;
}

Tensor Module::register_buffer(const std::string& name, Tensor tensor) {
  check_new_name(name);
  buffers_.emplace_back(name, tensor);
  return tensor;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name);
  EMBER_CHECK(module, type_name_, ": child module '", name, "' is null");
  children_.emplace_back(name, std::move(module));
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out = parameters_;
  if (!recurse) return out;
  for (const auto& [name, child] : children_)
    for (auto& [sub, t] : child->named_parameters(true)) out.emplace_back(name + "." + sub, t);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [_, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out = buffers_;
  if (!recurse) return out;
  for (const auto& [name, child] : children_)
    for (auto& [sub, t] : child->named_buffers(true)) out.emplace_back(name + "." + sub, t);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const {
  return children_;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [_, child] : children_) out.push_back(child);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out{{"", this}};
  for (const auto& [name, child] : children_)
    for (auto& [sub, m] : child->named_modules())
      out.emplace_back(sub.empty() ? name : name + "." + sub, m);
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (const auto& [_, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (const Tensor& p : parameters()) p.set_grad(Tensor());
}

void Module::to(Device device) {
  for (auto& [_, t] : named_parameters()) {
    t.set_data(ops::to_device(t.detach(), device));
    t.set_grad(Tensor());
  }
  for (auto& [_, t] : named_buffers()) t.set_data(ops::to_device(t.detach(), device));
}

void Module::to(DType dtype) {
  for (auto& [_, t] : named_parameters())
    if (is_floating(t.dtype())) {
      t.set_data(ops::to_dtype(t.detach(), dtype));
      t.set_grad(Tensor());
    }
  for (auto& [_, t] : named_buffers())
    if (is_floating(t.dtype())) t.set_data(ops::to_dtype(t.detach(), dtype));
}

StateDict Module::state_dict() const {
  StateDict out;
  for (auto& [name, t] : named_parameters()) out[name] = t.detach();
  for (auto& [name, t] : named_buffers()) out[name] = t.detach();
  return out;
}

void Module::load_state_dict(const StateDict& state, bool strict) {
  std::vector<std::pair<std::string, Tensor>> targets = named_parameters();
  for (auto& entry : named_buffers()) targets.push_back(entry);
  std::vector<std::string> missing, mis_shaped;
  std::map<std::string, bool> used;
  for (auto& [name, target] : targets) {
    auto it = state.find(name);
    if (it == state.end()) {
      missing.push_back(name);
      continue;
    }
    used[name] = true;
    if (it->second.sizes() != target.sizes()) {
      mis_shaped.push_back(name + " (checkpoint " + shape_str(it->second.sizes()) + ", model " +
                           shape_str(target.sizes()) + ")");
    }
  }
  std::vector<std::string> unexpected;
  for (auto& [name, _] : state)
    if (!used.count(name)) unexpected.push_back(name);
  auto list = [](const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
    return s;
  };
  EMBER_CHECK(mis_shaped.empty(), type_name_, ".load_state_dict: size mismatch for ",
              list(mis_shaped));
  EMBER_CHECK(!strict || (missing.empty() && unexpected.empty()), type_name_,
              ".load_state_dict: missing keys [", list(missing), "], unexpected keys [",
              list(unexpected), "]");
  NoGradGuard no_grad;
  for (auto& [name, target] : targets) {
    auto it = state.find(name);
    if (it != state.end()) ops::copy_(target, it->second);
  }
}

int64_t Module::num_parameters(bool trainable_only) const {
  int64_t n = 0;
  for (const Tensor& p : parameters())
    if (!trainable_only || p.requires_grad()) n += p.numel();
  return n;
}

}  // namespace ember::nn
