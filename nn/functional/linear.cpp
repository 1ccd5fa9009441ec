#include <ember/nn/functional.h>
#include <ember/nn/functional/linear.h>

namespace ember::nn::functional {

// Built from matmul (which folds the leading dims of x into the rows of one mm) and a
// broadcast add, so the gradients come from their backward formulas:
// grad_x = g weight, grad_weight = g^T x (summed over leading dims), grad_bias = sum of g.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  EMBER_CHECK(x.defined() && weight.defined(), "linear: got an undefined input or weight");
  EMBER_CHECK(weight.dim() == 2, "linear: weight must be [out, in], got sizes ", weight.sizes());
  EMBER_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input ", x.sizes(),
              " does not end in in_features = ", weight.size(1), " of weight ", weight.sizes());
  EMBER_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0)),
              "linear: bias must be [", weight.size(0), "], got sizes ", bias.sizes());
  Tensor out = matmul(x, weight.t());
  return bias.defined() ? add(out, bias) : out;
}

}  // namespace ember::nn::functional
