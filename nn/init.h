// Parameter initialisation, as torch.nn.init: each fills a tensor in place (under no_grad,
// so parameters that require grad can be filled) from a Generator (nullptr: the default
// one) and returns it. Fan-based inits read fan_in = size(1) * receptive field and
// fan_out = size(0) * receptive field, the receptive field being the product of the sizes
// past dim 1 (1 for a matrix), exactly as PyTorch's _calculate_fan_in_and_fan_out.
#pragma once

#include <utility>

#include <ember/tensor/generator.h>
#include <ember/tensor/tensor.h>

namespace ember::nn::init {

enum class FanMode { kFanIn, kFanOut };
enum class Nonlinearity { kLinear, kConv, kSigmoid, kTanh, kReLU, kLeakyReLU, kSELU };

// The recommended gain for a nonlinearity: linear, conv, sigmoid 1; tanh 5/3; relu sqrt(2);
// leaky_relu sqrt(2 / (1 + slope^2)) with slope = param; selu 3/4.
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);

// {fan_in, fan_out} of a tensor of 2 or more dims; fewer is an error.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t);

Tensor uniform_(const Tensor& t, double low = 0.0, double high = 1.0, Generator* gen = nullptr);
Tensor normal_(const Tensor& t, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);
Tensor constant_(const Tensor& t, double value);
Tensor zeros_(const Tensor& t);
Tensor ones_(const Tensor& t);

// U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(const Tensor& t, double gain = 1.0, Generator* gen = nullptr);
// N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(const Tensor& t, double gain = 1.0, Generator* gen = nullptr);
// U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)
// and fan picked by mode. nn::Linear uses a = sqrt(5): bound = 1 / sqrt(fan_in).
Tensor kaiming_uniform_(const Tensor& t, double a = 0.0, FanMode mode = FanMode::kFanIn,
                        Nonlinearity nonlinearity = Nonlinearity::kLeakyReLU,
                        Generator* gen = nullptr);
// N(0, std^2) with std = gain / sqrt(fan).
Tensor kaiming_normal_(const Tensor& t, double a = 0.0, FanMode mode = FanMode::kFanIn,
                       Nonlinearity nonlinearity = Nonlinearity::kLeakyReLU,
                       Generator* gen = nullptr);

}  // namespace ember::nn::init
