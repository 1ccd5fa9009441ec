// Some rows of a table frozen while the others train: the per-row form of
// requires_grad_(false), for fine-tuning a pretrained embedding whose words without a vector
// still have to learn (ember classify --pretrained). Call it between backward() and step().
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::optim {

// Zeroes the gradient of param [V, ...] on the rows where frozen [V] (bool, on param's device)
// is true; the gradient may be dense or row-sparse. A row whose gradient is zero from the
// first step on is left bit for bit as it is by SGD, Adam, SparseAdam and Adagrad (their
// state on it stays zero), not by weight decay. Does nothing before the first backward.
void zero_grad_rows_(const Tensor& param, const Tensor& frozen);

}  // namespace ember::optim
