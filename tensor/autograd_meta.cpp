// The autograd state of a tensor: what a leaf records (requires_grad, grad) and what an op's
// output points at (grad_fn). autograd/ builds the graph and runs the backward on it.
#include <ember/tensor/tensor.h>

namespace ember {

const std::string& (*grad_fn_name)(const autograd::Node& node) = nullptr;

const std::shared_ptr<AutogradMeta>& autograd_meta(const Tensor& t) {
  auto& meta = t.impl().autograd;
  if (!meta) meta = std::make_shared<AutogradMeta>();
  return meta;
}

bool Tensor::requires_grad() const {
  return defined() && impl().autograd && impl().autograd->requires_grad;
}

Tensor& Tensor::requires_grad_(bool requires_grad) {
  const auto& meta = autograd_meta(*this);
  EMBER_CHECK(!meta->grad_fn || requires_grad,
              "requires_grad_: only leaf tensors can stop requiring grad; use detach()");
  EMBER_CHECK(!requires_grad || is_floating(dtype()),
              "requires_grad_: only floating-point "
              "tensors can require gradients, got ",
              dtype());
  meta->requires_grad = requires_grad;
  return *this;
}

Tensor Tensor::grad() const {
  return defined() && impl().autograd ? impl().autograd->grad : Tensor();
}

void Tensor::set_grad(const Tensor& grad) const {
  EMBER_CHECK(!grad.defined() || grad.sizes() == sizes(), "set_grad: gradient sizes ", grad.sizes(),
              " do not match the tensor's ", sizes());
  autograd_meta(*this)->grad = grad;
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  return defined() && impl().autograd ? impl().autograd->grad_fn : nullptr;
}

bool Tensor::is_leaf() const { return !grad_fn(); }

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>(this->impl());
  impl->autograd = nullptr;
  return Tensor(impl);
}

}  // namespace ember
