#include <cmath>
#include <string>

#include <ember/nn/functional.h>
#include <ember/nn/functional/dropout.h>
#include <ember/nn/functional/layer_norm.h>
#include <ember/nn/functional/linear.h>
#include <ember/nn/init.h>
#include <ember/nn/layers.h>

namespace ember::nn {

// ---- Linear ----

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, Generator* gen)
    : Module("Linear"), in_features(in_features), out_features(out_features) {
  EMBER_CHECK(in_features >= 0 && out_features >= 0, "Linear: sizes must be non-negative, got ",
              in_features, " and ", out_features);
  weight = register_parameter("weight", empty({out_features, in_features}));
  if (bias) this->bias = register_parameter("bias", empty({out_features}));
  reset_parameters(gen);
}

void Linear::reset_parameters(Generator* gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::kFanIn,
                         init::Nonlinearity::kLeakyReLU, gen);
  if (bias.defined()) {
    const double bound = in_features > 0 ? 1.0 / std::sqrt(double(in_features)) : 0.0;
    init::uniform_(bias, -bound, bound, gen);
  }
}

Tensor Linear::forward(const Tensor& x) { return functional::linear(x, weight, bias); }

// ---- LayerNorm ----

LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine)
    : Module("LayerNorm"), normalized_shape(std::move(normalized_shape)), eps(eps) {
  EMBER_CHECK(!this->normalized_shape.empty(), "LayerNorm: normalized_shape is empty");
  if (elementwise_affine) {
    weight = register_parameter("weight", ones(this->normalized_shape));
    bias = register_parameter("bias", zeros(this->normalized_shape));
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  return functional::layer_norm(x, normalized_shape, weight, bias, eps);
}

// ---- Dropout and the activations ----

Dropout::Dropout(double p, Generator* gen) : Module("Dropout"), p(p), generator(gen) {
  EMBER_CHECK(p >= 0.0 && p <= 1.0, "Dropout: probability p must be in [0, 1], got ", p);
}

Tensor Dropout::forward(const Tensor& x) {
  return functional::dropout(x, p, is_training(), generator);
}

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }

Flatten::Flatten(int64_t start_dim, int64_t end_dim)
    : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}

Tensor Flatten::forward(const Tensor& x) { return flatten(x, start_dim, end_dim); }

// ---- Sequential ----

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules)
    : Module("Sequential") {
  for (const auto& module : modules) push_back(module);
}

void Sequential::push_back(std::shared_ptr<Module> module) {
  EMBER_CHECK(module, "Sequential.push_back: module ", modules_.size(), " is null");
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

const std::shared_ptr<Module>& Sequential::operator[](size_t index) const {
  EMBER_CHECK(index < modules_.size(), "Sequential: index ", index, " out of range for ",
              modules_.size(), " modules");
  return modules_[index];
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor out = x;
  for (const auto& module : modules_) out = module->forward(out);
  return out;
}

}  // namespace ember::nn
