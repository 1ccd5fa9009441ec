// Inverted dropout: in training, each element is zeroed with probability p and the rest
// are scaled by 1 / (1 - p), so the expected value is unchanged and eval needs no rescale.
#pragma once

#include <ember/tensor/generator.h>
#include <ember/tensor/tensor.h>

namespace ember::nn::functional {

// x any shape; out has x's sizes. The keep-mask is drawn from `gen` (nullptr: the default
// generator), so the same seed and offset give the same mask. p = 0 or !training returns x
// itself; p = 1 gives zeros; p outside [0, 1] is an error.
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen = nullptr);

}  // namespace ember::nn::functional
