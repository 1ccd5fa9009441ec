// Differentiable softmax and log_softmax; both backward formulas need only the output y.
#include <ember/autograd/node.h>
#include <ember/nn/functional.h>
#include <ember/tensor/ops/softmax.h>

namespace ember {

using autograd::record;
using Grads = std::vector<Tensor>;

// y has a's sizes; along dim, grad_a = y * (g - sum(g * y)).
Tensor softmax(const Tensor& a, int64_t dim) {
  Tensor out = ops::softmax(a, dim);
  return record("SoftmaxBackward", out, {a}, [y = out.detach(), dim](const Tensor& g) {
    return Grads{ops::softmax_backward(g, y, dim)};
  });
}

// y has a's sizes; along dim, grad_a = g - exp(y) * sum(g).
Tensor log_softmax(const Tensor& a, int64_t dim) {
  Tensor out = ops::log_softmax(a, dim);
  return record("LogSoftmaxBackward", out, {a}, [y = out.detach(), dim](const Tensor& g) {
    return Grads{ops::log_softmax_backward(g, y, dim)};
  });
}

}  // namespace ember
