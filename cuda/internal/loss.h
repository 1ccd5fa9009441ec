// The CUDA twins of tensor/ops/loss.cpp, arguments checked there. Class-index losses get
// contiguous logits [N, C, S], target [N, S] (int64) and weight [C] or undefined; targets
// out of range raise an ember::Error naming the first bad one (checked on the device).
#pragma once

#include <ember/tensor/ops/loss.h>

namespace ember::cuda {

struct ClassShape {
  int64_t n, c, s;
};

ops::ClassLossForward cross_entropy_forward(const Tensor& logits, const Tensor& target,
                                            const Tensor& weight, ClassShape shape,
                                            int64_t ignore_index, double label_smoothing);
Tensor cross_entropy_backward(const Tensor& grad_loss, const Tensor& logits, const Tensor& line_max,
                              const Tensor& log_sum, const Tensor& target, const Tensor& weight,
                              ClassShape shape, int64_t ignore_index, double label_smoothing);
ops::ClassLossForward nll_loss_forward(const Tensor& log_probs, const Tensor& target,
                                       const Tensor& weight, ClassShape shape,
                                       int64_t ignore_index);
Tensor nll_loss_backward(const Tensor& grad_loss, const Tensor& log_probs, const Tensor& target,
                         const Tensor& weight, ClassShape shape, int64_t ignore_index);

// Elementwise binary losses: every tensor has the input's sizes; weight / pos_weight
// undefined means 1.
Tensor binary_cross_entropy_forward(const Tensor& probs, const Tensor& target,
                                    const Tensor& weight);
ops::BinaryLossGrads binary_cross_entropy_backward(const Tensor& grad_loss, const Tensor& probs,
                                                   const Tensor& target, const Tensor& weight,
                                                   bool need_input, bool need_target);
Tensor binary_cross_entropy_with_logits_forward(const Tensor& logits, const Tensor& target,
                                                const Tensor& weight, const Tensor& pos_weight);
ops::BinaryLossGrads binary_cross_entropy_with_logits_backward(
    const Tensor& grad_loss, const Tensor& logits, const Tensor& target, const Tensor& weight,
    const Tensor& pos_weight, bool need_input, bool need_target);

}  // namespace ember::cuda
