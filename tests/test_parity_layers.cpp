// Parity with PyTorch for the nn layers: linear, layer_norm and a small MLP, on the inputs
// that tests/golden/make_golden_layers.py saved with PyTorch's outputs and gradients.
#include <ember/nn/nn.h>

#include "golden.h"

namespace ember {
namespace {

using namespace ::ember::golden;  // NOLINT: the test file is all golden checks
namespace F = nn::functional;

// An input the case may leave out (bias, weight): undefined when absent.
Tensor optional_arg(const Args& a, const std::string& name) {
  auto it = a.find(name);
  return it == a.end() ? Tensor() : it->second;
}

TEST(ParityLayers, Linear) {
  check_op("linear", [](const GoldenCase&, const Args& a) {
    return out(F::linear(arg(a, "x"), arg(a, "weight"), optional_arg(a, "bias")));
  });
}

TEST(ParityLayers, LayerNorm) {
  check_op("layer_norm", [](const GoldenCase& c, const Args& a) {
    return out(F::layer_norm(arg(a, "x"), c.ints("normalized_shape"), optional_arg(a, "weight"),
                             optional_arg(a, "bias"), c.real("eps")));
  });
}

TEST(ParityLayers, Mlp) {
  check_op("mlp", [](const GoldenCase&, const Args& a) {
    Tensor hidden = tanh(F::linear(arg(a, "x"), arg(a, "w0"), arg(a, "b0")));
    return out(F::linear(hidden, arg(a, "w2"), arg(a, "b2")));
  });
}

// The same MLP as an nn::Sequential whose state_dict is loaded with the golden weights
// under PyTorch's names ("0.weight", ..., as torch.nn.Sequential names them).
TEST(ParityLayers, SequentialModule) {
  for (const GoldenCase& c : read_golden("mlp")) {
    auto find = [&](const std::string& name) {
      for (const Record& r : c.inputs)
        if (r.name == name) return r.value;
      ADD_FAILURE() << c.where() << ": no input " << name;
      return Tensor();
    };
    nn::Sequential mlp({std::make_shared<nn::Linear>(4, 5), std::make_shared<nn::Tanh>(),
                        std::make_shared<nn::Linear>(5, 2)});
    mlp.to(kFloat64);
    mlp.load_state_dict({{"0.weight", find("w0")},
                         {"0.bias", find("b0")},
                         {"2.weight", find("w2")},
                         {"2.bias", find("b2")}});
    Tensor out = mlp.forward(find("x"));
    expect_matches(c, "Sequential output", out, c.outputs.at(0).value);
    out.backward(c.weights.at(0).value);
    for (const auto& [param, input] :
         std::vector<std::pair<std::string, std::string>>{{"0.weight", "w0"}, {"2.bias", "b2"}}) {
      Tensor grad;
      for (auto& [name, p] : mlp.named_parameters())
        if (name == param) grad = p.grad();
      expect_matches(c, "gradient of " + param, grad, c.grad(input)->value);
    }
  }
}

}  // namespace
}  // namespace ember
