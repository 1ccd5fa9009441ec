// softmax and log_softmax: values, any dim, stability at +-1000, and gradcheck.
#include <cmath>
#include <vector>

#include "testing.h"

namespace ember {
namespace {

using ember::testing::all_close;

Tensor f64(std::vector<double> values, Shape sizes) { return tensor(values, sizes, kFloat64); }

// A reference softmax of one row, computed directly.
std::vector<double> softmax_row(const std::vector<double>& x) {
  double total = 0;
  for (double v : x) total += std::exp(v);
  std::vector<double> y;
  for (double v : x) y.push_back(std::exp(v) / total);
  return y;
}

TEST(Softmax, ValuesOnARow) {
  Tensor x = tensor({1.f, 2.f, 3.f});
  std::vector<double> expected = softmax_row({1, 2, 3});
  EXPECT_TRUE(all_close(softmax(x, 0), tensor(expected, {3}, kFloat64).to(kFloat32)));
  EXPECT_EQ(softmax(x, -1).dtype(), kFloat32);
  std::vector<double> logs;
  for (double v : expected) logs.push_back(std::log(v));
  EXPECT_TRUE(all_close(log_softmax(x, 0), tensor(logs, {3}, kFloat64).to(kFloat32)));
}

TEST(Softmax, EachDim) {
  Tensor x = arange(24, kFloat64).reshape({2, 3, 4}) * 0.1;
  for (int64_t dim = -3; dim < 3; ++dim) {
    Tensor y = softmax(x, dim);
    EXPECT_EQ(y.sizes(), x.sizes());
    Tensor ones_expected = ones(sum(y, {dim}).sizes(), kFloat64);
    EXPECT_TRUE(all_close(sum(y, {dim}), ones_expected, 1e-12, 1e-12)) << "dim " << dim;
    EXPECT_TRUE(all_close(log_softmax(x, dim), log(y), 1e-12, 1e-12)) << "dim " << dim;
  }
  // One line along dim 1 against the reference.
  Tensor line = softmax(x, 1).select(0, 1).select(1, 2);  // x[1, :, 2] = 1.4, 1.8, 2.2
  EXPECT_TRUE(all_close(line, tensor(softmax_row({1.4, 1.8, 2.2}), {3}, kFloat64)));
  EXPECT_EMBER_ERROR(softmax(x, 3), "out of range");
}

TEST(Softmax, NonContiguousInput) {
  Tensor x = arange(12, kFloat32).reshape({3, 4}) * 0.25;
  Tensor xt = x.t();
  ASSERT_FALSE(xt.is_contiguous());
  EXPECT_TRUE(all_close(softmax(xt, 1), softmax(x, 0).t()));
  EXPECT_TRUE(all_close(log_softmax(xt, 0), log_softmax(x, 1).t()));
}

TEST(Softmax, StableAtLargeInputs) {
  Tensor x = f64({1000, 1000, -1000, 0, 1000, 0}, {3, 2});
  Tensor y = softmax(x, 1);
  EXPECT_TRUE(all_close(y, f64({0.5, 0.5, 0, 1, 1, 0}, {3, 2})));
  Tensor logs = log_softmax(x, 1);
  EXPECT_TRUE(all_close(logs, f64({-std::log(2.0), -std::log(2.0), -1000, 0, 0, -1000}, {3, 2})));
  Tensor xf = x.to(kFloat32);
  EXPECT_TRUE(all_close(softmax(xf, 1), y.to(kFloat32)));
  EXPECT_TRUE(all_close(log_softmax(xf, 1), logs.to(kFloat32)));
}

TEST(Softmax, EmptyAndDtypes) {
  EXPECT_EQ(softmax(zeros({2, 0}), 1).sizes(), (Shape{2, 0}));
  EXPECT_EQ(log_softmax(zeros({0, 3}), 1).sizes(), (Shape{0, 3}));
  EXPECT_EMBER_ERROR(softmax(tensor(std::vector<int64_t>{1, 2}), 0), "softmax");
  EXPECT_DOUBLE_EQ(softmax(scalar_tensor(3.0, kFloat64), 0).item(), 1.0);
}

TEST(SoftmaxGrad, Gradcheck) {
  Tensor x = arange(24, kFloat64).reshape({2, 3, 4});
  x = (x * 0.37 - 4.0).detach();  // spread values, no ties needed
  x.requires_grad_(true);
  for (int64_t dim : {0, 1, -1}) {
    EXPECT_TRUE(gradcheck([dim](const auto& in) { return softmax(in[0], dim); }, {x}))
        << "softmax dim " << dim;
    EXPECT_TRUE(gradcheck([dim](const auto& in) { return log_softmax(in[0], dim); }, {x}))
        << "log_softmax dim " << dim;
  }
  // Through a transposed view.
  EXPECT_TRUE(gradcheck([](const auto& in) { return softmax(in[0].transpose(0, 2), 1); }, {x}));
}

TEST(SoftmaxGrad, KernelsMatchTheirFormulas) {
  // softmax: grad_x = y * (g - sum(g * y)); log_softmax: grad_x = g - exp(y) * sum(g).
  Tensor x = f64({0.5, -1, 2}, {3}).requires_grad_(true);
  Tensor g = f64({1, 2, -3}, {3});
  softmax(x, 0).backward(g);
  std::vector<double> y = softmax_row({0.5, -1, 2}), gv = {1, 2, -3}, expected(3);
  double dot = 0;
  for (int i = 0; i < 3; ++i) dot += gv[i] * y[i];
  for (int i = 0; i < 3; ++i) expected[i] = y[i] * (gv[i] - dot);
  EXPECT_TRUE(all_close(x.grad(), tensor(expected, {3}, kFloat64), 1e-12, 1e-12));
}

}  // namespace
}  // namespace ember
