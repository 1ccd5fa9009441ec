// Gradient clipping by global norm, exactly torch.nn.utils.clip_grad_norm_.
#pragma once

#include <vector>

#include <ember/tensor/tensor.h>

namespace ember::optim {

// The norm of all gradients of `params` taken together (a RowSparse gradient counts its
// rows; parameters without a gradient are skipped), and when it exceeds max_norm every
// gradient is scaled in place by max_norm / (norm + 1e-6). Returns the norm before clipping.
// norm_type is p of the p-norm, or INFINITY for the largest |g|.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0);

}  // namespace ember::optim
