#include <ember/nn/functional.h>
#include <ember/nn/functional/dropout.h>

namespace ember::nn::functional {

// out = x * mask / (1 - p), mask[i] ~ Bernoulli(1 - p); the gradient, grad_x = g * mask /
// (1 - p), comes from mul's backward (the scaled mask needs no gradient).
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  EMBER_CHECK(x.defined(), "dropout: got an undefined tensor");
  EMBER_CHECK(p >= 0.0 && p <= 1.0, "dropout: probability p must be in [0, 1], got ", p);
  EMBER_CHECK(is_floating(x.dtype()), "dropout: expected a floating tensor, got ", x.dtype());
  if (!training || p == 0.0) return x;
  if (p == 1.0) return mul(x, zeros_like(x));
  // 1 where kept, 0 where dropped
  Tensor keep = bernoulli(x.sizes(), 1.0 - p, TensorOptions(x.dtype()).device(x.device()), gen);
  return mul(x, mul(keep, 1.0 / (1.0 - p)));
}

}  // namespace ember::nn::functional
