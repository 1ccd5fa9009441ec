// Module: the base of every layer and model. A module owns named parameters (tensors that
// require grad), named buffers (state that is saved but not trained) and named children,
// each registered in its constructor, so that parameters(), state_dict() and to(device)
// can walk the whole tree with dotted names ("encoder.0.weight"), as torch.nn.Module does.
//
//   struct Net : nn::Module {
//     std::shared_ptr<nn::Linear> fc;
//     Net() : Module("Net") { fc = register_module("fc", std::make_shared<nn::Linear>(4, 2)); }
//     Tensor forward(const Tensor& x) override { return fc->forward(x); }
//   };
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ember/tensor/tensor.h>

namespace ember::nn {

using StateDict = std::map<std::string, Tensor>;

class Module {
 public:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The one-tensor forward that Sequential chains; modules with other signatures add their
  // own forward overloads. The default raises an error naming the module.
  virtual Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }

  const std::string& type_name() const { return type_name_; }

  std::vector<Tensor> parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  std::vector<std::shared_ptr<Module>> children() const;
  // Every module of the tree, this one first, with dotted names ("" for this one).
  std::vector<std::pair<std::string, Module*>> named_modules();

  // Training mode (dropout active) on, or eval mode; applies to all children.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Clears every parameter's gradient (to undefined, as set_to_none=True does).
  void zero_grad();

  // Moves (or converts) every parameter and buffer in place; handles held elsewhere see it.
  void to(Device device);
  void to(DType dtype);

  // Parameters and buffers by dotted name.
  StateDict state_dict() const;
  // Copies values in. strict: every key must match, and the error lists the missing,
  // unexpected and mis-shaped keys; non-strict: loads what matches, ignores the rest.
  void load_state_dict(const StateDict& state, bool strict = true);

  // Number of elements over all parameters (trainable ones only when asked).
  int64_t num_parameters(bool trainable_only = false) const;

 protected:
  // Registers (and returns) a parameter; requires_grad set unless asked otherwise.
  Tensor register_parameter(const std::string& name, Tensor tensor, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, Tensor tensor);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void check_new_name(const std::string& name) const;

  std::string type_name_;
  bool training_ = true;
  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

}  // namespace ember::nn
