// The elementwise family: forward values on hand-computed cases (broadcasting, 0-d operands,
// non-contiguous views, integer tensors), gradcheck of every differentiable op, the gradient
// conventions at kinks (relu, abs, clamp, pow), logsigmoid's stability, and error messages.
#include <ember/tensor/cpu.h>
#include <ember/tensor/generator.h>
#include <ember/tensor/ops/elementwise.h>
#include <ember/tensor/ops/internal/vector_math.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "testing.h"

namespace ember {
namespace {

using ::ember::testing::all_close;
using Inputs = const std::vector<Tensor>&;

Tensor f64(std::initializer_list<double> values, Shape sizes = {}) {
  Tensor t = tensor(values, kFloat64);
  return sizes.empty() ? t : t.view(sizes);
}

Tensor i64(const std::vector<int64_t>& values) { return tensor(values); }

// A float64 leaf of uniform values in [low, high).
Tensor leaf(const Shape& sizes, double low, double high, uint64_t seed) {
  Generator g(seed);
  return (rand(sizes, &g, kFloat64) * (high - low) + low).requires_grad_();
}

// A float64 leaf of the given values, all at least 0.2 from 0 (for relu, abs).
Tensor leaf(std::initializer_list<double> values, Shape sizes) {
  return f64(values, sizes).contiguous().requires_grad_();
}

::testing::AssertionResult grads_match(const std::function<Tensor(Inputs)>& f,
                                       const std::vector<Tensor>& inputs) {
  GradcheckResult result = gradcheck(f, inputs);
  if (result.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << result.report;
}

// ---- forward values ----

TEST(Elementwise, BinaryBroadcastColumnWithRow) {
  Tensor a = tensor({1.f, 2.f, 3.f}).view({3, 1});  // [3, 1]
  Tensor b = tensor({10.f, 20.f, 30.f, 40.f});      // [4]
  std::vector<float> sum, diff, prod, quot;
  for (float i : {1.f, 2.f, 3.f})
    for (float j : {10.f, 20.f, 30.f, 40.f}) {
      sum.push_back(i + j);
      diff.push_back(i - j);
      prod.push_back(i * j);
      quot.push_back(j / i);
    }
  EXPECT_TRUE(all_close(a + b, tensor(sum, {3, 4})));
  EXPECT_TRUE(all_close(a - b, tensor(diff, {3, 4})));
  EXPECT_TRUE(all_close(a * b, tensor(prod, {3, 4})));
  EXPECT_TRUE(all_close(b / a, tensor(quot, {3, 4})));
  EXPECT_TRUE(all_close(b + a, tensor(sum, {3, 4})));
}

TEST(Elementwise, ZeroDimWithMatrix) {
  Tensor s = scalar_tensor(2.0);
  Tensor x = tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}).view({2, 3});
  EXPECT_TRUE(all_close(s * x, tensor({2.f, 4.f, 6.f, 8.f, 10.f, 12.f}).view({2, 3})));
  EXPECT_TRUE(all_close(x - s, tensor({-1.f, 0.f, 1.f, 2.f, 3.f, 4.f}).view({2, 3})));
  EXPECT_TRUE(all_close(s / x, tensor({2.f, 1.f, 2.f / 3, 0.5f, 0.4f, 1.f / 3}).view({2, 3})));
  EXPECT_EQ((s + s).dim(), 0);
  EXPECT_EQ((s + s).item(), 4.0);
  // A double operand is a 0-d tensor of the other's dtype.
  EXPECT_TRUE(all_close(x * 0.5 + 1.0, tensor({1.5f, 2.f, 2.5f, 3.f, 3.5f, 4.f}).view({2, 3})));
  EXPECT_TRUE(all_close(1.0 - x, tensor({0.f, -1.f, -2.f, -3.f, -4.f, -5.f}).view({2, 3})));
  EXPECT_TRUE(all_close(6.0 / x, tensor({6.f, 3.f, 2.f, 1.5f, 1.2f, 1.f}).view({2, 3})));
  EXPECT_EQ((x * 2.0).dtype(), kFloat32);
}

TEST(Elementwise, NonContiguousInputs) {
  Tensor x = arange(6).to(kFloat32).view({2, 3});  // [[0, 1, 2], [3, 4, 5]]
  Tensor xt = x.t();                               // [[0, 3], [1, 4], [2, 5]]
  ASSERT_FALSE(xt.is_contiguous());
  EXPECT_TRUE(all_close(xt + full({3, 2}, 10.0),
                        tensor({10.f, 13.f, 11.f, 14.f, 12.f, 15.f}).view({3, 2})));
  EXPECT_TRUE(all_close(xt * tensor({1.f, 100.f}),
                        tensor({0.f, 300.f, 1.f, 400.f, 2.f, 500.f}).view({3, 2})));
  EXPECT_TRUE(all_close(neg(xt), tensor({0.f, -3.f, -1.f, -4.f, -2.f, -5.f}).view({3, 2})));
  Tensor every_other = x.slice(1, 0, 3, 2);  // [[0, 2], [3, 5]]
  EXPECT_TRUE(all_close(every_other * every_other, tensor({0.f, 4.f, 9.f, 25.f}).view({2, 2})));
  EXPECT_TRUE(all_close(xt.slice(0, 1, 3) - x.slice(1, 1, 3).t(), zeros({2, 2})));
  EXPECT_TRUE(
      all_close(gt(xt, 2.0).to(kFloat32), tensor({0.f, 1.f, 0.f, 1.f, 0.f, 1.f}).view({3, 2})));
}

TEST(Elementwise, IntegerTensors) {
  Tensor a = i64({7, -7, 5});
  Tensor b = i64({2, 2, -2});
  EXPECT_EQ((a + b).dtype(), kInt64);
  EXPECT_EQ((a + b).to_vector<int64_t>(), (std::vector<int64_t>{9, -5, 3}));
  EXPECT_EQ((a - b).to_vector<int64_t>(), (std::vector<int64_t>{5, -9, 7}));
  EXPECT_EQ((a * b).to_vector<int64_t>(), (std::vector<int64_t>{14, -14, -10}));
  EXPECT_EQ((a / b).to_vector<int64_t>(), (std::vector<int64_t>{3, -3, -2}));  // truncates
  EXPECT_EQ((a * 3.0).to_vector<int64_t>(), (std::vector<int64_t>{21, -21, 15}));
  EXPECT_EQ(neg(a).to_vector<int64_t>(), (std::vector<int64_t>{-7, 7, -5}));
  EXPECT_EQ(abs(a).to_vector<int64_t>(), (std::vector<int64_t>{7, 7, 5}));
  EXPECT_EQ(clamp(a, -1.0, 6.0).to_vector<int64_t>(), (std::vector<int64_t>{6, -1, 5}));
  EXPECT_EQ(lt(a, 0.5).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 0}));  // exact
  EXPECT_EQ(ge(a, b).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1}));
  Tensor c = a.to(kInt32);
  EXPECT_EQ((c + c).dtype(), kInt32);
  EXPECT_EQ((c + c).to_vector<int64_t>(), (std::vector<int64_t>{14, -14, 10}));
  Tensor mask = gt(a, 0.0);
  EXPECT_EQ(where(mask, a, i64({0, 0, 0})).to_vector<int64_t>(), (std::vector<int64_t>{7, 0, 5}));
  EXPECT_EQ(masked_fill(a, mask, -1.0).to_vector<int64_t>(), (std::vector<int64_t>{-1, -7, -1}));
}

TEST(Elementwise, UnaryValues) {
  const std::vector<double> v = {-2.0, -0.5, 0.0, 0.5, 3.0};
  Tensor x = f64({-2.0, -0.5, 0.0, 0.5, 3.0});
  auto expect = [&](const Tensor& actual, double (*f)(double)) {
    std::vector<double> e;
    for (double x : v) e.push_back(f(x));
    EXPECT_TRUE(all_close(actual, tensor(e, {5}, kFloat64), 1e-12, 1e-12));
  };
  expect(exp(x), [](double x) { return std::exp(x); });
  expect(abs(x), [](double x) { return std::abs(x); });
  expect(neg(x), [](double x) { return -x; });
  expect(sigmoid(x), [](double x) { return 1 / (1 + std::exp(-x)); });
  expect(tanh(x), [](double x) { return std::tanh(x); });
  expect(relu(x), [](double x) { return x > 0 ? x : 0.0; });
  expect(logsigmoid(x), [](double x) { return std::log(1 / (1 + std::exp(-x))); });
  expect(pow(x, 2.0), [](double x) { return x * x; });
  expect(pow(x, 3.0), [](double x) { return x * x * x; });
  expect(clamp(x, -1.0, 1.0), [](double x) { return std::min(std::max(x, -1.0), 1.0); });
  expect(clamp(x, std::nullopt, 0.0), [](double x) { return std::min(x, 0.0); });
  expect(clamp(x, 0.25, std::nullopt), [](double x) { return std::max(x, 0.25); });
  Tensor p = f64({0.25, 1.0, 4.0});
  EXPECT_TRUE(all_close(log(p), f64({std::log(0.25), 0.0, std::log(4.0)})));
  EXPECT_TRUE(all_close(sqrt(p), f64({0.5, 1.0, 2.0})));
  EXPECT_TRUE(all_close(pow(p, 0.5), f64({0.5, 1.0, 2.0})));
  EXPECT_TRUE(all_close(pow(p, f64({2.0, 5.0, -0.5})), f64({0.0625, 1.0, 0.5})));
  // float32 goes through the same kernels.
  EXPECT_TRUE(all_close(exp(tensor({0.f, 1.f})), tensor({1.f, float(std::exp(1.0))})));
  // NaN propagates through clamp and relu.
  Tensor nan = f64({std::nan("")});
  EXPECT_TRUE(std::isnan(clamp(nan, 0.0, 1.0).item()));
  EXPECT_TRUE(std::isnan(relu(nan).item()));
}

TEST(Elementwise, LogsigmoidAndSigmoidAreStableAtLargeInputs) {
  for (DType dtype : {kFloat32, kFloat64}) {
    Tensor x = tensor({-1000.0, -100.0, 0.0, 100.0, 1000.0}, dtype);
    std::vector<double> y = logsigmoid(x).to_vector<double>();
    for (double v : y) EXPECT_TRUE(std::isfinite(v)) << dtype;
    EXPECT_DOUBLE_EQ(y[0], -1000.0);
    EXPECT_DOUBLE_EQ(y[1], -100.0);
    EXPECT_NEAR(y[2], -std::log(2.0), 1e-6);
    EXPECT_NEAR(y[3], -std::exp(-100.0), 1e-40);
    EXPECT_EQ(y[4], 0.0);
    for (double v : sigmoid(x).to_vector<double>()) EXPECT_TRUE(std::isfinite(v)) << dtype;
  }
  // d/dx logsigmoid(x) = sigmoid(-x): 1 far left, 0 far right, never nan.
  Tensor x = f64({-100.0, 0.0, 100.0}).contiguous().requires_grad_();
  logsigmoid(x).sum().backward();
  EXPECT_TRUE(all_close(x.grad(), f64({1.0, 0.5, 0.0}), 0, 1e-15));
}

// float32 logsigmoid and its backward run polynomials for exp and log1p (eight at a time on
// AVX2): within 3 ulp of the formula in double over the whole range, specials as libm gives
// them, and an element's bits the same wherever it sits (in the vector body, in the padded
// tail, in a strided view).
TEST(Elementwise, LogsigmoidOfFloatIsWithinThreeUlpsAndPositionFree) {
  std::vector<float> x;
  for (double v = -120; v < 120; v += 3.1e-3) x.push_back(float(v));
  for (double v = -1e-3; v < 1e-3; v += 1.3e-6) x.push_back(float(v));
  while (x.size() % 8 != 5) x.push_back(17.0f);  // a length that leaves a tail
  const int64_t n = int64_t(x.size());
  Tensor t = tensor(x, {n});
  Tensor g = add(rand({n}), 0.5);
  const std::vector<float> y = logsigmoid(t).to_vector<float>();
  const std::vector<float> d = ops::logsigmoid_backward(g, t).to_vector<float>();
  const std::vector<float> gv = g.to_vector<float>();
  const auto ulps = [](float got, double want) {
    const float w = float(std::abs(want));
    return std::abs(double(got) - want) / double(std::nextafter(w, 2 * w + 1) - w);
  };
  double worst = 0, worst_backward = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = x[size_t(i)];
    worst =
        std::max(worst, ulps(y[size_t(i)], std::min(v, 0.0) - std::log1p(std::exp(-std::abs(v)))));
    const double slope = gv[size_t(i)] / (1 + std::exp(v));
    if (slope > 1e-37) worst_backward = std::max(worst_backward, ulps(d[size_t(i)], slope));
  }
  EXPECT_LE(worst, 3.0);
  EXPECT_LE(worst_backward, 3.0);
  // Both kernels, whichever this CPU runs above.
  using Forward = void (*)(const float*, float*, int64_t);
  using Backward = void (*)(const float*, const float*, float*, int64_t);
  std::vector<std::pair<Forward, Backward>> kernels = {
      {ops::vector_math::logsigmoid_floats_generic,
       ops::vector_math::logsigmoid_backward_floats_generic}};
#if defined(__x86_64__)
  if (cpu::has_avx2_fma())
    kernels.push_back({ops::vector_math::logsigmoid_floats_avx2,
                       ops::vector_math::logsigmoid_backward_floats_avx2});
#endif
  for (const auto& [forward, backward] : kernels) {
    std::vector<float> out(x.size()), slopes(x.size());
    forward(x.data(), out.data(), n);
    backward(gv.data(), x.data(), slopes.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const double v = x[size_t(i)], slope = gv[size_t(i)] / (1 + std::exp(v));
      ASSERT_LE(ulps(out[size_t(i)], std::min(v, 0.0) - std::log1p(std::exp(-std::abs(v)))), 3.0)
          << v;
      if (slope > 1e-37) {
        ASSERT_LE(ulps(slopes[size_t(i)], slope), 3.0) << v;
      }
    }
  }
  // The same elements three places on, and every other one through a strided view.
  const std::vector<float> shifted = logsigmoid(t.slice(0, 3, n, 1)).to_vector<float>();
  const std::vector<float> strided = logsigmoid(t.slice(0, 0, n, 2)).to_vector<float>();
  for (int64_t i = 3; i < n; ++i) ASSERT_EQ(shifted[size_t(i - 3)], y[size_t(i)]) << i;
  for (int64_t i = 0; i < n; i += 2) ASSERT_EQ(strided[size_t(i / 2)], y[size_t(i)]) << i;
  // Infinities, nan and signed zeros.
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> special =
      logsigmoid(tensor({inf, -inf, std::nanf(""), 0.0f, -0.0f})).to_vector<float>();
  EXPECT_EQ(special[0], 0.0f);
  EXPECT_EQ(special[1], -inf);
  EXPECT_TRUE(std::isnan(special[2]));
  EXPECT_FLOAT_EQ(special[3], -std::log(2.0f));
  EXPECT_FLOAT_EQ(special[4], -std::log(2.0f));
  const std::vector<float> slopes =
      ops::logsigmoid_backward(tensor({1.f, 1.f, 1.f}), tensor({inf, -inf, std::nanf("")}))
          .to_vector<float>();
  EXPECT_EQ(slopes[0], 0.0f);
  EXPECT_EQ(slopes[1], 1.0f);
  EXPECT_TRUE(std::isnan(slopes[2]));
}

TEST(Elementwise, WhereAndMaskedFillBroadcast) {
  Tensor condition = gt(tensor({1.f, -1.f}), 0.0).view({2, 1});  // [[true], [false]]
  Tensor a = tensor({1.f, 2.f, 3.f});                            // [3]
  Tensor b = scalar_tensor(-1.0);                                // []
  EXPECT_TRUE(
      all_close(where(condition, a, b), tensor({1.f, 2.f, 3.f, -1.f, -1.f, -1.f}).view({2, 3})));
  Tensor x = tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}).view({2, 3});
  Tensor mask = ne(tensor({0.f, 1.f, 0.f}), 1.0);  // [true, false, true]
  float inf = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(all_close(masked_fill(x, mask, -inf),
                        tensor({-inf, 2.f, -inf, -inf, 5.f, -inf}).view({2, 3})));
  EXPECT_TRUE(all_close(masked_fill(x.t(), mask.view({3, 1}), 0.0),
                        tensor({0.f, 0.f, 2.f, 5.f, 0.f, 0.f}).view({3, 2})));
}

TEST(Elementwise, Comparisons) {
  Tensor a = tensor({1.f, 2.f, 3.f});
  Tensor b = tensor({3.f, 2.f, 1.f});
  auto bits = [](const Tensor& t) {
    EXPECT_EQ(t.dtype(), kBool);
    return t.to_vector<int64_t>();
  };
  EXPECT_EQ(bits(eq(a, b)), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(bits(ne(a, b)), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(bits(lt(a, b)), (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(bits(le(a, b)), (std::vector<int64_t>{1, 1, 0}));
  EXPECT_EQ(bits(gt(a, b)), (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(bits(ge(a, b)), (std::vector<int64_t>{0, 1, 1}));
  EXPECT_EQ(bits(a < 2.0), (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(bits(a <= 2.0), (std::vector<int64_t>{1, 1, 0}));
  EXPECT_EQ(bits(a > 2.0), (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(bits(a >= 2.0), (std::vector<int64_t>{0, 1, 1}));
  EXPECT_EQ(bits(eq(a, 2.0)), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(bits(ne(a, 2.0)), (std::vector<int64_t>{1, 0, 1}));
  // A float32 tensor meets the scalar rounded to float32, as PyTorch.
  EXPECT_EQ(bits(eq(tensor({0.1f}), 0.1)), (std::vector<int64_t>{1}));
  EXPECT_EQ(bits(lt(a.view({3, 1}), b)),
            (std::vector<int64_t>{1, 1, 0, 1, 0, 0, 0, 0, 0}));  // [3, 1] vs [3]
  Tensor x = f64({1.0, -1.0}).contiguous().requires_grad_();
  EXPECT_FALSE(gt(x, 0.0).requires_grad());
  EXPECT_FALSE(eq(x, x).requires_grad());
}

// ---- gradients ----

TEST(Elementwise, GradcheckBinaryBroadcast) {
  Tensor a = leaf({3, 1}, -1, 1, 1);
  Tensor b = leaf({4}, 0.5, 2, 2);  // kept away from 0 for div
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0] + x[1]; }, {a, b}));
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0] - x[1]; }, {a, b}));
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0] * x[1]; }, {a, b}));
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0] / x[1]; }, {a, b}));
  Tensor s = leaf({}, 0.5, 2, 3);  // 0-d with [2, 3]
  Tensor m = leaf({2, 3}, 0.5, 2, 4);
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0] * x[1]; }, {s, m}));
  EXPECT_TRUE(grads_match([](Inputs x) { return x[1] / x[0]; }, {s, m}));
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0] / x[1] - x[1]; }, {s, m}));
}

TEST(Elementwise, GradcheckBinaryNonContiguous) {
  Tensor a = leaf({4, 3}, 0.5, 2, 5);
  Tensor b = leaf({3, 4}, 0.5, 2, 6);
  Tensor wide = leaf({3, 8}, 0.5, 2, 15);
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0].t() * x[1]; }, {a, b}));
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0].t() / x[1].slice(1, 0, 8, 2); }, {a, wide}));
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0].t() - x[1]; }, {a, b}));
  // A non-contiguous leaf.
  Tensor t = leaf({3, 4}, 0.5, 2, 7).detach().t().requires_grad_();
  ASSERT_FALSE(t.is_contiguous());
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0] * x[1] + x[0]; }, {t, a}));
}

TEST(Elementwise, GradcheckScalarOperands) {
  Tensor a = leaf({2, 3}, 0.5, 2, 8);
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0] + 1.5; }, {a}));
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0] - 1.5; }, {a}));
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0] * -3.0; }, {a}));
  EXPECT_TRUE(grads_match([](Inputs x) { return x[0] / 4.0; }, {a}));
  EXPECT_TRUE(grads_match([](Inputs x) { return 2.0 / x[0]; }, {a}));
  EXPECT_TRUE(grads_match([](Inputs x) { return 2.0 - x[0]; }, {a}));
  EXPECT_TRUE(grads_match([](Inputs x) { return 2.0 * x[0] + 1.0; }, {a}));
  EXPECT_TRUE(grads_match([](Inputs x) { return -x[0]; }, {a}));
}

TEST(Elementwise, GradcheckUnary) {
  Tensor any = leaf({2, 3}, -2, 2, 9);
  Tensor positive = leaf({2, 3}, 0.2, 3, 10);
  Tensor away_from_zero = leaf({-1.5, -0.7, -0.2, 0.3, 0.9, 2.1}, {2, 3});
  EXPECT_TRUE(grads_match([](Inputs x) { return neg(x[0]); }, {any}));
  EXPECT_TRUE(grads_match([](Inputs x) { return exp(x[0]); }, {any}));
  EXPECT_TRUE(grads_match([](Inputs x) { return sigmoid(x[0]); }, {any}));
  EXPECT_TRUE(grads_match([](Inputs x) { return tanh(x[0]); }, {any}));
  EXPECT_TRUE(grads_match([](Inputs x) { return logsigmoid(x[0]); }, {any}));
  EXPECT_TRUE(grads_match([](Inputs x) { return log(x[0]); }, {positive}));
  EXPECT_TRUE(grads_match([](Inputs x) { return sqrt(x[0]); }, {positive}));
  EXPECT_TRUE(grads_match([](Inputs x) { return abs(x[0]); }, {away_from_zero}));
  EXPECT_TRUE(grads_match([](Inputs x) { return relu(x[0]); }, {away_from_zero}));
  // The same ops on a transposed view.
  EXPECT_TRUE(grads_match([](Inputs x) { return exp(x[0].t()); }, {any}));
  EXPECT_TRUE(grads_match([](Inputs x) { return sigmoid(x[0].t()); }, {any}));
  EXPECT_TRUE(grads_match([](Inputs x) { return relu(x[0].t()); }, {away_from_zero}));
  EXPECT_TRUE(grads_match([](Inputs x) { return logsigmoid(x[0].slice(1, 0, 3, 2)); }, {any}));
  // logsigmoid far into both tails.
  Tensor tails = leaf({-30.0, -8.0, 8.0, 30.0}, {4});
  EXPECT_TRUE(grads_match([](Inputs x) { return logsigmoid(x[0]); }, {tails}));
}

TEST(Elementwise, GradcheckPow) {
  Tensor a = leaf({2, 3}, 0.5, 2, 11);
  EXPECT_TRUE(grads_match([](Inputs x) { return pow(x[0], 2.0); }, {a}));
  EXPECT_TRUE(grads_match([](Inputs x) { return pow(x[0], 3.0); }, {a}));
  EXPECT_TRUE(grads_match([](Inputs x) { return pow(x[0], 0.5); }, {a}));
  EXPECT_TRUE(grads_match([](Inputs x) { return pow(x[0], -1.5); }, {a}));
  EXPECT_TRUE(grads_match([](Inputs x) { return pow(x[0], 0.0); }, {a}));
  Tensor e = leaf({3}, -1, 2, 12);  // [3] broadcast against [2, 3]
  EXPECT_TRUE(grads_match([](Inputs x) { return pow(x[0], x[1]); }, {a, e}));
  EXPECT_TRUE(grads_match([](Inputs x) { return pow(x[0].t(), x[1].view({3, 1})); }, {a, e}));
}

TEST(Elementwise, GradcheckClampWhereMaskedFill) {
  // Values at least 0.05 from the bounds -0.5 and 0.5.
  Tensor a = leaf({-1.2, -0.6, -0.3, 0.1, 0.45, 0.9}, {2, 3});
  EXPECT_TRUE(grads_match([](Inputs x) { return clamp(x[0], -0.5, 0.5); }, {a}));
  EXPECT_TRUE(grads_match([](Inputs x) { return clamp(x[0], std::nullopt, 0.0); }, {a}));
  EXPECT_TRUE(grads_match([](Inputs x) { return clamp(x[0].t(), -0.5, std::nullopt); }, {a}));
  Tensor condition = gt(tensor({1.f, -1.f}), 0.0).view({2, 1});
  Tensor b = leaf({3}, -1, 1, 13);
  Tensor c = leaf({2, 3}, -1, 1, 14);
  EXPECT_TRUE(grads_match([&](Inputs x) { return where(condition, x[0], x[1]); }, {b, c}));
  EXPECT_TRUE(grads_match(
      [&](Inputs x) {
        return where(condition.view({1, 2}), x[1].t(), x[0].view({3, 1}));
      },
      {b, c}));
  Tensor mask = gt(tensor({1.f, -1.f, 1.f}), 0.0);
  EXPECT_TRUE(grads_match([&](Inputs x) { return masked_fill(x[0], mask, 7.0); }, {c}));
  EXPECT_TRUE(grads_match(
      [&](Inputs x) {
        return masked_fill(x[0].t(), mask.view({3, 1}), 7.0);
      },
      {c}));
}

TEST(Elementwise, GradientConventionsAtKinks) {
  auto grad_of = [](const Tensor& x, const std::function<Tensor(const Tensor&)>& f) {
    Tensor input = x.clone().requires_grad_();
    f(input).sum().backward();
    return input.grad();
  };
  Tensor x = f64({-1.0, 0.0, 2.0});
  EXPECT_TRUE(all_close(grad_of(x, [](const Tensor& t) { return relu(t); }), f64({0, 0, 1})));
  EXPECT_TRUE(all_close(grad_of(x, [](const Tensor& t) { return abs(t); }), f64({-1, 0, 1})));
  // clamp passes the gradient where min <= x <= max, bounds included.
  EXPECT_TRUE(all_close(
      grad_of(f64({-1.0, 0.0, 0.5, 1.0, 2.0}), [](const Tensor& t) { return clamp(t, 0.0, 1.0); }),
      f64({0, 1, 1, 1, 0})));
  // pow(x, 0) has gradient 0, even at x = 0.
  EXPECT_TRUE(all_close(grad_of(f64({0.0, 2.0}), [](const Tensor& t) { return pow(t, 0.0); }),
                        f64({0, 0})));
  // d/db a^b = a^b log a, taken as 0 at a = 0, b >= 0.
  Tensor a = f64({0.0, 2.0});
  EXPECT_TRUE(all_close(grad_of(f64({1.5, 3.0}), [&](const Tensor& b) { return pow(a, b); }),
                        f64({0.0, 8.0 * std::log(2.0)})));
  // where and masked_fill route the gradient, and only to the inputs that asked.
  Tensor condition = gt(f64({1, -1, 1}), 0.0);
  Tensor p = f64({1, 2, 3}).contiguous().requires_grad_();
  Tensor q = f64({4, 5, 6});
  where(condition, p, q).sum().backward();
  EXPECT_TRUE(all_close(p.grad(), f64({1, 0, 1})));
  EXPECT_FALSE(q.grad().defined());
  EXPECT_TRUE(all_close(grad_of(x, [&](const Tensor& t) { return masked_fill(t, condition, 0.0); }),
                        f64({0, 1, 0})));
}

TEST(Elementwise, BroadcastGradientIsSummed) {
  Tensor a = f64({1, 2, 3}, {3, 1}).contiguous().requires_grad_();
  Tensor b = f64({10, 20, 30, 40}).contiguous().requires_grad_();
  (a * b).sum().backward();
  EXPECT_TRUE(all_close(a.grad(), f64({100, 100, 100}, {3, 1})));
  EXPECT_TRUE(all_close(b.grad(), f64({6, 6, 6, 6})));
}

// ---- errors ----

TEST(Elementwise, Errors) {
  Tensor x = ones({2, 3});
  EXPECT_EMBER_ERROR(add(x, ones({4})), "cannot be broadcast");
  EXPECT_EMBER_ERROR(mul(x, ones({3, 2})), "cannot be broadcast");
  EXPECT_EMBER_ERROR(where(gt(ones({3}), 0.0), x, ones({2})), "cannot be broadcast");
  EXPECT_EMBER_ERROR(add(x, ones({2, 3}, kFloat64)), "dtype mismatch");
  EXPECT_EMBER_ERROR(lt(x, ones({3}, kInt64)), "dtype mismatch");
  EXPECT_EMBER_ERROR(pow(x, ones({3}, kFloat64)), "dtype mismatch");
  Tensor h = x.half();
  EXPECT_EMBER_ERROR(add(h, h), "float16 is storage only");
  EXPECT_EMBER_ERROR(exp(h), "float16 is storage only");
  EXPECT_EMBER_ERROR(h * 2.0, "float16 is storage only");
  EXPECT_EMBER_ERROR(sigmoid(h), "float16 is storage only");
  EXPECT_EMBER_ERROR(exp(i64({1, 2})), "expected a float32 or float64 tensor, got int64");
  EXPECT_EMBER_ERROR(i64({1, 2}) / i64({1, 0}), "integer division by zero");
  EXPECT_EMBER_ERROR(i64({1, 2}) * 2.5, "not a whole number");
  EXPECT_EMBER_ERROR(clamp(x, std::nullopt, std::nullopt), "at least one of min and max");
  EXPECT_EMBER_ERROR(where(x, x, x), "must be a bool tensor");
  EXPECT_EMBER_ERROR(masked_fill(x, gt(ones({3, 2, 3}), 0.0), 0.0), "does not broadcast");
  EXPECT_EMBER_ERROR(masked_fill(x, ones({3}), 0.0), "must be a bool tensor");
}

}  // namespace
}  // namespace ember
