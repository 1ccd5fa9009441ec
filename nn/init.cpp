#include <cmath>

#include <ember/autograd/grad_mode.h>
#include <ember/nn/init.h>
#include <ember/tensor/ops/copy.h>

namespace ember::nn::init {

namespace {

void check_floating(const Tensor& t, const char* op) {
  EMBER_CHECK(t.defined(), "init.", op, ": got an undefined tensor");
  EMBER_CHECK(is_floating(t.dtype()), "init.", op, ": expected a floating tensor, got ", t.dtype());
}

int64_t fan(const Tensor& t, FanMode mode) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return mode == FanMode::kFanIn ? fan_in : fan_out;
}

}  // namespace

double calculate_gain(Nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
    case Nonlinearity::kLinear:
    case Nonlinearity::kConv:
    case Nonlinearity::kSigmoid:
      return 1.0;
    case Nonlinearity::kTanh:
      return 5.0 / 3.0;
    case Nonlinearity::kReLU:
      return std::sqrt(2.0);
    case Nonlinearity::kLeakyReLU:
      return std::sqrt(2.0 / (1.0 + param * param));
    case Nonlinearity::kSELU:
      return 3.0 / 4.0;
  }
  EMBER_FAIL("init.calculate_gain: unknown nonlinearity");
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  EMBER_CHECK(t.defined() && t.dim() >= 2,
              "init: fan in and fan out can not be computed for a tensor with fewer than 2 "
              "dims, got sizes ",
              t.defined() ? t.sizes() : Shape{});
  int64_t receptive_field = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive_field *= t.size(d);
  return {t.size(1) * receptive_field, t.size(0) * receptive_field};
}

Tensor uniform_(const Tensor& t, double low, double high, Generator* gen) {
  check_floating(t, "uniform_");
  EMBER_CHECK(low <= high, "init.uniform_: low ", low, " is above high ", high);
  NoGradGuard no_grad;
  Tensor handle = t;
  ember::uniform_(handle, low, high, gen);
  return t;
}

Tensor normal_(const Tensor& t, double mean, double std, Generator* gen) {
  check_floating(t, "normal_");
  EMBER_CHECK(std >= 0, "init.normal_: std must be non-negative, got ", std);
  NoGradGuard no_grad;
  Tensor handle = t;
  ember::normal_(handle, mean, std, gen);
  return t;
}

Tensor constant_(const Tensor& t, double value) {
  check_floating(t, "constant_");
  NoGradGuard no_grad;
  ops::fill_(t, value);
  return t;
}

Tensor zeros_(const Tensor& t) { return constant_(t, 0.0); }
Tensor ones_(const Tensor& t) { return constant_(t, 1.0); }

Tensor xavier_uniform_(const Tensor& t, double gain, Generator* gen) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  const double std = gain * std::sqrt(2.0 / double(fan_in + fan_out));
  const double a = std::sqrt(3.0) * std;
  return uniform_(t, -a, a, gen);
}

Tensor xavier_normal_(const Tensor& t, double gain, Generator* gen) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return normal_(t, 0.0, gain * std::sqrt(2.0 / double(fan_in + fan_out)), gen);
}

Tensor kaiming_uniform_(const Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity,
                        Generator* gen) {
  if (t.defined() && t.numel() == 0) return t;  // nothing to fill (PyTorch warns)
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(double(fan(t, mode)));
  const double bound = std::sqrt(3.0) * std;
  return uniform_(t, -bound, bound, gen);
}

Tensor kaiming_normal_(const Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity,
                       Generator* gen) {
  if (t.defined() && t.numel() == 0) return t;
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(double(fan(t, mode)));
  return normal_(t, 0.0, std, gen);
}

}  // namespace ember::nn::init
