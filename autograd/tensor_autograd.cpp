// Tensor::backward; the rest of a tensor's autograd state is tensor/autograd_meta.cpp.
#include <ember/autograd/engine.h>

namespace ember {

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  autograd::backward(*this, gradient, retain_graph);
}

}  // namespace ember
