// The basic layers, as torch.nn's: each is a Module whose parameters carry PyTorch's names
// ("weight", "bias"), so state_dicts line up key for key with a PyTorch model's.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

#include <ember/nn/module.h>
#include <ember/tensor/generator.h>

namespace ember::nn {

// out = x weight^T + bias; x is [..., in_features], out is [..., out_features].
// weight [out, in] and bias [out] start as PyTorch's: kaiming_uniform(a = sqrt(5)), which is
// U(-1/sqrt(in), 1/sqrt(in)), and bias U(-1/sqrt(in), 1/sqrt(in)), drawn from gen
// (nullptr: the default generator), weight first.
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  void reset_parameters(Generator* gen = nullptr);

  int64_t in_features, out_features;
  Tensor weight;  // [out_features, in_features]
  Tensor bias;    // [out_features], undefined when built without bias
};

// Normalises the last dims (normalized_shape) of x; with elementwise_affine, a learnt
// weight (ones) and bias (zeros) of that shape scale and shift the result.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  Tensor forward(const Tensor& x) override;

  Shape normalized_shape;
  double eps;
  Tensor weight;  // normalized_shape, undefined without elementwise_affine
  Tensor bias;
};

// Inverted dropout while training (is_training()), the identity in eval mode.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;

  double p;
  Generator* generator;  // nullptr: the default generator
};

class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Tensor forward(const Tensor& x) override;
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Tensor forward(const Tensor& x) override;
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& x) override;
};

// Flattens dims start_dim..end_dim into one: [B, C, H, W] -> [B, C*H*W] by default.
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);
  Tensor forward(const Tensor& x) override;

  int64_t start_dim, end_dim;
};

// Children named "0", "1", ... in order; forward feeds each one's output to the next.
//   auto mlp = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<Module>>{
//       std::make_shared<nn::Linear>(4, 8), std::make_shared<nn::ReLU>()});
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  Tensor forward(const Tensor& x) override;

  void push_back(std::shared_ptr<Module> module);
  const std::shared_ptr<Module>& operator[](size_t index) const;
  size_t size() const { return modules_.size(); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

}  // namespace ember::nn
