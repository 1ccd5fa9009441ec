// The nn layers: Linear (init, forward, gradcheck with and without bias, 3-D input),
// LayerNorm (normalisation, gradcheck of x, weight, bias, errors), Dropout (the mask is
// seeded and reused by its backward; statistics; train/eval; p = 0 and 1), the activations,
// Flatten and Sequential.
#include <cmath>

#include <ember/nn/nn.h>

#include "testing.h"

namespace ember {
namespace {

namespace F = nn::functional;
using testing::all_close;

Tensor leaf(const Shape& sizes, uint64_t seed) {
  Generator gen(seed);
  return randn(sizes, &gen, kFloat64).requires_grad_();
}

// ---- Linear ----

TEST(Layers, LinearParametersAndInitBounds) {
  Generator gen(7);
  nn::Linear linear(400, 30, true, &gen);
  auto named = linear.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "weight");
  EXPECT_EQ(named[1].first, "bias");
  EXPECT_EQ(linear.weight.sizes(), (Shape{30, 400}));
  EXPECT_EQ(linear.bias.sizes(), (Shape{30}));
  EXPECT_TRUE(linear.weight.requires_grad());
  // kaiming_uniform(a = sqrt(5)) on [out, in] is U(-1/sqrt(in), 1/sqrt(in)); so is the bias.
  const double bound = 1.0 / std::sqrt(400.0);
  for (const Tensor& p : linear.parameters()) {
    EXPECT_LE(max(p).item(), bound);
    EXPECT_GE(min(p).item(), -bound);
  }
  EXPECT_GT(max(linear.weight).item(), 0.95 * bound);  // 12000 draws reach the edges
  EXPECT_LT(min(linear.weight).item(), -0.95 * bound);
  Generator again(7);
  nn::Linear same(400, 30, true, &again);
  EXPECT_TRUE(all_close(same.weight, linear.weight, 0, 0));
  EXPECT_TRUE(all_close(same.bias, linear.bias, 0, 0));
}

TEST(Layers, LinearForwardMatchesMatmul) {
  nn::Linear linear(4, 3);
  Tensor x = randn({2, 5, 4});
  Tensor expected = matmul(x, linear.weight.t()) + linear.bias;
  EXPECT_TRUE(all_close(linear.forward(x), expected));
  EXPECT_EQ(linear.forward(x).sizes(), (Shape{2, 5, 3}));
  nn::Linear no_bias(4, 3, false);
  EXPECT_FALSE(no_bias.bias.defined());
  EXPECT_EQ(no_bias.named_parameters().size(), 1u);
  EXPECT_TRUE(all_close(no_bias(x), matmul(x, no_bias.weight.t())));
}

TEST(Layers, LinearErrorsNameTheShapes) {
  Tensor w = randn({3, 4});
  EXPECT_EMBER_ERROR(F::linear(randn({2, 5}), w), "does not end in in_features = 4");
  EXPECT_EMBER_ERROR(F::linear(randn({2, 4}), randn({4})), "weight must be [out, in]");
  EXPECT_EMBER_ERROR(F::linear(randn({2, 4}), w, randn({4})), "bias must be [3]");
}

TEST(Layers, LinearGradcheck) {
  Tensor w = leaf({3, 4}, 1), b = leaf({3}, 2);
  for (const Shape& x_sizes : {Shape{2, 4}, Shape{2, 3, 4}, Shape{4}}) {
    Tensor x = leaf(x_sizes, 3);
    auto with_bias =
        gradcheck([](const auto& in) { return F::linear(in[0], in[1], in[2]); }, {x, w, b});
    EXPECT_TRUE(with_bias) << shape_str(x_sizes) << ": " << with_bias.report;
    auto without = gradcheck([](const auto& in) { return F::linear(in[0], in[1]); }, {x, w});
    EXPECT_TRUE(without) << shape_str(x_sizes) << ": " << without.report;
  }
}

// ---- LayerNorm ----

TEST(Layers, LayerNormNormalisesEachRow) {
  nn::LayerNorm norm({6});
  EXPECT_TRUE(all_close(norm.weight, ones({6}), 0, 0));
  EXPECT_TRUE(all_close(norm.bias, zeros({6}), 0, 0));
  Tensor x = randn({4, 6}, nullptr, kFloat64) * 3.0 + 5.0;
  norm.to(kFloat64);
  Tensor y = norm(x);
  EXPECT_TRUE(all_close(mean(y, {1}), zeros({4}, kFloat64), 0, 1e-12));
  Tensor var = mean(pow(y, 2.0), {1});
  EXPECT_TRUE(all_close(var, ones({4}, kFloat64), 1e-5, 0));  // var / (var + eps) ~ 1
  nn::LayerNorm plain({2, 3}, 1e-5, false);
  EXPECT_TRUE(plain.parameters().empty());
  Tensor x3 = randn({5, 2, 3});
  Tensor flat = F::layer_norm(x3.reshape({5, 6}), {6});
  EXPECT_TRUE(all_close(plain(x3), flat.reshape({5, 2, 3}), 1e-5, 1e-6));
}

TEST(Layers, LayerNormGradcheck) {
  Tensor x = leaf({3, 2, 4}, 4), w = leaf({2, 4}, 5), b = leaf({2, 4}, 6);
  auto all = gradcheck(
      [](const auto& in) {
        return F::layer_norm(in[0], {2, 4}, in[1], in[2], 1e-5);
      },
      {x, w, b});
  EXPECT_TRUE(all) << all.report;
  auto last_dim = gradcheck([](const auto& in) { return F::layer_norm(in[0], {4}); }, {x});
  EXPECT_TRUE(last_dim) << last_dim.report;
  // Only the weight requires grad: the kernel computes just that gradient.
  Tensor x_const = leaf({3, 4}, 7).detach();
  Tensor w4 = leaf({4}, 8);
  auto weight_only =
      gradcheck([](const auto& in) { return F::layer_norm(in[0], {4}, in[1], Tensor(), 0.1); },
                {x_const, w4});
  EXPECT_TRUE(weight_only) << weight_only.report;
}

// A float32 row far from zero (mean 1000, std 0.01): sums in double and a float64 mean and
// rstd saved for the backward keep the output and gradients near the float64 result.
TEST(Layers, LayerNormFloat32FarFromZero) {
  Generator gen(21);
  Tensor x32 = (randn({3, 16}, &gen, kFloat64) * 0.01 + 1000.0).to(kFloat32).requires_grad_();
  Tensor x64 = x32.detach().to(kFloat64).requires_grad_();
  Tensor w64 = randn({16}, &gen, kFloat64), upstream = randn({3, 16}, &gen, kFloat64);
  Tensor y32 = F::layer_norm(x32, {16}, w64.to(kFloat32));
  Tensor y64 = F::layer_norm(x64, {16}, w64);
  EXPECT_TRUE(all_close(y32.to(kFloat64), y64, 1e-5, 1e-5));
  y32.backward(upstream.to(kFloat32));
  y64.backward(upstream);
  EXPECT_TRUE(all_close(x32.grad().to(kFloat64), x64.grad(), 1e-4, 1e-2));  // grads ~ 100s
}

// Many rows (the parallel path) against the formula written with the differentiable ops.
TEST(Layers, LayerNormManyRowsMatchesComposedOps) {
  Generator gen(22);
  Tensor x = randn({3000, 40}, &gen, kFloat64);
  Tensor centred = x - mean(x, {1}, true);
  Tensor expected = centred / sqrt(mean(pow(centred, 2.0), {1}, true) + 1e-5);
  EXPECT_TRUE(all_close(F::layer_norm(x, {40}), expected, 1e-10, 1e-12));
}

TEST(Layers, LayerNormErrors) {
  EXPECT_EMBER_ERROR(F::layer_norm(randn({3, 5}), {4}), "does not end in normalized_shape [4]");
  EXPECT_EMBER_ERROR(F::layer_norm(randn({3, 4}), {4}, ones({3})), "weight has sizes [3]");
  EXPECT_EMBER_ERROR(F::layer_norm(randn({3, 4}), {4}, ones({4}, kFloat64)), "dtype mismatch");
  EXPECT_EMBER_ERROR(F::layer_norm(randn({3, 4}), {}), "at least one dim");
}

// ---- Dropout ----

TEST(Layers, DropoutGradcheckReusesTheMask) {
  Tensor x = leaf({4, 5}, 9);
  // Each evaluation draws its mask from a fresh generator of the same seed: the same mask
  // in the forward, the finite differences and the backward.
  auto result = gradcheck(
      [](const auto& in) {
        Generator gen(1234);
        return F::dropout(in[0], 0.4, true, &gen);
      },
      {x});
  EXPECT_TRUE(result) << result.report;
  Generator gen(1234);
  x = x.detach().requires_grad_();  // a fresh leaf: no gradient left from gradcheck
  Tensor y = F::dropout(x, 0.4, true, &gen);
  y.backward(ones_like(y));
  // grad = mask / (1 - p): where y kept x (scaled), the gradient is 1/0.6; else 0.
  std::vector<double> out = y.to_vector<double>(), grad = x.grad().to_vector<double>();
  std::vector<double> in = x.to_vector<double>();
  for (size_t i = 0; i < out.size(); ++i) {
    if (grad[i] == 0.0) {
      EXPECT_EQ(out[i], 0.0);
    } else {
      EXPECT_NEAR(grad[i], 1.0 / 0.6, 1e-12);
      EXPECT_NEAR(out[i], in[i] / 0.6, 1e-12);
    }
  }
}

TEST(Layers, DropoutStatistics) {
  const double p = 0.3;
  Generator gen(5);
  Tensor x = ones({200000});
  Tensor y = F::dropout(x, p, true, &gen);
  const double dropped = sum(eq(y, 0.0).to(kFloat32)).item();
  EXPECT_NEAR(dropped / 200000.0, p, 0.005);
  EXPECT_NEAR(mean(y).item(), 1.0, 0.01);  // inverted dropout keeps the expectation
  EXPECT_NEAR(max(y).item(), 1.0 / (1.0 - p), 1e-6);
  Generator same(5);
  EXPECT_TRUE(all_close(F::dropout(x, p, true, &same), y, 0, 0));
  Tensor other = F::dropout(x, p, true, &gen);  // the generator moved on: a new mask
  EXPECT_FALSE(all_close(other, y, 0, 0));
}

TEST(Layers, DropoutEdgeCasesAndErrors) {
  Tensor x = randn({3, 4}).requires_grad_();
  EXPECT_TRUE(F::dropout(x, 0.5, false).is_same(x));  // eval: x itself
  EXPECT_TRUE(F::dropout(x, 0.0, true).is_same(x));
  Tensor zeroed = F::dropout(x, 1.0, true);
  EXPECT_TRUE(all_close(zeroed, zeros({3, 4}), 0, 0));
  sum(zeroed).backward();
  EXPECT_TRUE(all_close(x.grad(), zeros({3, 4}), 0, 0));
  EXPECT_EMBER_ERROR(F::dropout(x, 1.5, true), "p must be in [0, 1], got 1.5");
  EXPECT_EMBER_ERROR(F::dropout(x, -0.1, false), "p must be in [0, 1]");
  EXPECT_EMBER_ERROR(nn::Dropout(2.0), "p must be in [0, 1]");
}

TEST(Layers, DropoutModuleFollowsTrainAndEval) {
  Generator gen(3);
  nn::Dropout dropout(0.5, &gen);
  Tensor x = ones({1000});
  EXPECT_TRUE(dropout.is_training());
  Tensor trained = dropout(x);
  EXPECT_GT(sum(eq(trained, 0.0).to(kFloat32)).item(), 300.0);
  dropout.eval();
  EXPECT_TRUE(dropout(x).is_same(x));
  dropout.train();
  EXPECT_FALSE(dropout(x).is_same(x));
}

// ---- activations, Flatten, Sequential ----

TEST(Layers, ActivationsAndFlatten) {
  Tensor x = randn({2, 3, 4});
  EXPECT_TRUE(all_close(nn::ReLU()(x), relu(x), 0, 0));
  EXPECT_TRUE(all_close(nn::Tanh()(x), tanh(x), 0, 0));
  EXPECT_TRUE(all_close(nn::Sigmoid()(x), sigmoid(x), 0, 0));
  EXPECT_EQ(nn::Flatten()(x).sizes(), (Shape{2, 12}));
  EXPECT_EQ(nn::Flatten(0, 1)(x).sizes(), (Shape{6, 4}));
  EXPECT_TRUE(nn::ReLU().parameters().empty());
}

TEST(Layers, SequentialChainsItsChildren) {
  Generator gen(11);
  auto first = std::make_shared<nn::Linear>(4, 8, true, &gen);
  nn::Sequential seq({first, std::make_shared<nn::ReLU>()});
  seq.push_back(std::make_shared<nn::Linear>(8, 2, true, &gen));
  ASSERT_EQ(seq.size(), 3u);
  EXPECT_EQ(seq[0].get(), first.get());
  EXPECT_EQ(seq[1]->type_name(), "ReLU");
  auto last = std::dynamic_pointer_cast<nn::Linear>(seq[2]);
  ASSERT_TRUE(last);
  Tensor x = randn({5, 4});
  Tensor expected = last->forward(relu(first->forward(x)));
  EXPECT_TRUE(all_close(seq(x), expected, 0, 0));
  std::vector<std::string> names;
  for (auto& [name, _] : seq.named_children()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EMBER_ERROR(seq[3], "index 3 out of range for 3 modules");
  EXPECT_EMBER_ERROR(seq.push_back(nullptr), "is null");
  nn::Sequential empty_seq;
  EXPECT_TRUE(empty_seq(x).is_same(x));
}

}  // namespace
}  // namespace ember
