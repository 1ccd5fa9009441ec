// The backward engine: walks the graph from a root in topological order with an explicit
// stack (no recursion, so an LSTM over thousands of steps is fine) and accumulates
// gradients into leaves' .grad.
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::autograd {

void backward(const Tensor& root, const Tensor& gradient, bool retain_graph);

}  // namespace ember::autograd
