#include <ember/autograd/node.h>
#include <ember/nn/functional/layer_norm.h>
#include <ember/tensor/ops/layer_norm.h>

namespace ember::nn::functional {

// Forward: one fused kernel saves each row's mean and rstd. Backward (formulas in
// tensor/ops/layer_norm.h): grad_x, grad_weight and grad_bias from one kernel call that
// computes only those whose input requires grad.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  ops::LayerNormForward f = ops::layer_norm(x, normalized_shape, weight, bias, eps);
  return autograd::record(
      "LayerNormBackward", f.y, {x, weight, bias},
      [x, weight, bias, normalized_shape, mean = f.mean, rstd = f.rstd](const Tensor& g) {
        ops::LayerNormGrads grads = ops::layer_norm_backward(
            g, x, mean, rstd, normalized_shape, weight, x.requires_grad(),
            weight.defined() && weight.requires_grad(), bias.defined() && bias.requires_grad());
        return std::vector<Tensor>{grads.x, grads.weight, grads.bias};
      });
}

}  // namespace ember::nn::functional
