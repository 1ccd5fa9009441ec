// Random draws made on the GPU with the numbers of tensor/ops/random.cpp: element i reads
// word i % 4 of Philox block first + i / 4, so a tensor drawn here equals the CPU's draw
// from a generator in the same state.
#pragma once

#include <ember/tensor/generator.h>

namespace ember::cuda {

// out[i] = uniform(i) < probs[i] ? 1 : 0, probs contiguous float32/64 on a GPU; a
// probability outside [0, 1] raises the CPU's error before any counter is used.
Tensor bernoulli(const Tensor& probs, Generator& gen);
// out [sizes] (options' dtype and GPU) = uniform(i) < p ? 1 : 0, p in [0, 1] checked before.
Tensor bernoulli(const Shape& sizes, double p, TensorOptions options, Generator& gen);

}  // namespace ember::cuda
