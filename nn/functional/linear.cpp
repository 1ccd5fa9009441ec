#include <ember/autograd/node.h>
#include <ember/nn/functional.h>
#include <ember/nn/functional/linear.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/inplace.h>
#include <ember/tensor/ops/matmul.h>

namespace ember::nn::functional {

// x [..., in] is folded into rows [N, in]; out [N, out] = rows weight^T + bias, unfolded to
// [..., out]. The backward writes each gradient in its parameter's own layout:
// grad_rows = g weight [N, in], grad_weight = g^T rows [out, in], grad_bias = column sums of
// g [out], so a leaf takes its fresh gradient as it is (built from matmul(x, weight.t()), the
// weight's gradient arrived transposed and the engine copied it into place every step).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  EMBER_CHECK(x.defined() && weight.defined(), "linear: got an undefined input or weight");
  EMBER_CHECK(weight.dim() == 2, "linear: weight must be [out, in], got sizes ", weight.sizes());
  EMBER_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input ", x.sizes(),
              " does not end in in_features = ", weight.size(1), " of weight ", weight.sizes());
  EMBER_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0)),
              "linear: bias must be [", weight.size(0), "], got sizes ", bias.sizes());
  Shape out_sizes = x.sizes();
  out_sizes.back() = weight.size(0);
  Tensor rows = x.dim() == 2 ? x : x.reshape({-1, weight.size(1)});  // [N, in]
  Tensor out = ops::mm(rows, ops::transpose(weight, 0, 1));          // [N, out]
  if (bias.defined()) ops::add_(out, bias);
  out = autograd::record(
      "LinearBackward", out, {rows, weight, bias}, [rows, weight, bias](const Tensor& g) {
        Tensor grad_rows = rows.requires_grad() ? mm(g, weight) : Tensor();
        Tensor grad_weight = weight.requires_grad() ? mm(g.t(), rows) : Tensor();
        Tensor grad_bias =
            bias.defined() && bias.requires_grad() ? sum(g, std::vector<int64_t>{0}) : Tensor();
        return std::vector<Tensor>{grad_rows, grad_weight, grad_bias};
      });
  return x.dim() == 2 ? out : out.reshape(out_sizes);
}

}  // namespace ember::nn::functional
