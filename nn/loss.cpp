#include <ember/nn/loss.h>

namespace ember::nn {

CrossEntropyLoss::CrossEntropyLoss(CrossEntropyLossOptions options)
    : LossModule("CrossEntropyLoss", options.reduction),
      ignore_index(options.ignore_index),
      label_smoothing(options.label_smoothing) {
  if (options.weight.defined()) weight = register_buffer("weight", options.weight);
}

Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing);
}

NLLLoss::NLLLoss(NLLLossOptions options)
    : LossModule("NLLLoss", options.reduction), ignore_index(options.ignore_index) {
  if (options.weight.defined()) weight = register_buffer("weight", options.weight);
}

Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::nll_loss(input, target, weight, ignore_index, reduction);
}

BCELoss::BCELoss(Tensor weight_, Reduction reduction) : LossModule("BCELoss", reduction) {
  if (weight_.defined()) weight = register_buffer("weight", weight_);
}

Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy(input, target, weight, reduction);
}

BCEWithLogitsLoss::BCEWithLogitsLoss(Tensor weight_, Tensor pos_weight_, Reduction reduction)
    : LossModule("BCEWithLogitsLoss", reduction) {
  if (weight_.defined()) weight = register_buffer("weight", weight_);
  if (pos_weight_.defined()) pos_weight = register_buffer("pos_weight", pos_weight_);
}

Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction);
}

MSELoss::MSELoss(Reduction reduction) : LossModule("MSELoss", reduction) {}

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) {
  return functional::mse_loss(input, target, reduction);
}

NegativeSamplingLoss::NegativeSamplingLoss(Reduction reduction)
    : LossModule("NegativeSamplingLoss", reduction) {}

Tensor NegativeSamplingLoss::forward(const Tensor& pos_score, const Tensor& neg_score) {
  return functional::negative_sampling_loss(pos_score, neg_score, reduction);
}

}  // namespace ember::nn
