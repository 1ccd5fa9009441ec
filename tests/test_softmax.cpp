// softmax and log_softmax: values, any dim, stability at +-1000, and gradcheck.
#include <cmath>
#include <limits>
#include <vector>

#include <ember/tensor/ops/softmax.h>

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

TEST(Softmax, VectorisedExpMatchesStdExp) {
  // A sweep of the range where exp is a normal float, in a length that leaves a tail.
  std::vector<float> x;
  for (double v = -87.3; v < 88.7; v += 1.77e-4) x.push_back(float(v));
  for (float v : {0.0f, -0.0f, 1e-8f, -1e-8f, 0.5f, -0.5f, 1.0f, 88.72f, -87.33f}) x.push_back(v);
  std::vector<float> y(x.size());
  ops::exp_floats(x.data(), y.data(), int64_t(x.size()));
  double worst = 0;
  float worst_at = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double expected = std::exp(x[i]);
    const double relative = std::abs(y[i] - expected) / expected;
    if (relative > worst) worst = relative, worst_at = x[i];
  }
  EXPECT_LE(worst, 2e-7) << "at x = " << worst_at;
  // Overflow, underflow (subnormal and zero), infinities and nan.
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> special = {
      88.8f,    100.0f,  inf,     -inf,
      -1000.0f, -100.0f, -104.0f, std::numeric_limits<float>::quiet_NaN()};
  std::vector<float> out(special.size());
  ops::exp_floats(special.data(), out.data(), int64_t(special.size()));
  EXPECT_EQ(out[0], inf);
  EXPECT_EQ(out[1], inf);
  EXPECT_EQ(out[2], inf);
  EXPECT_EQ(out[3], 0.0f);
  EXPECT_EQ(out[4], 0.0f);
  EXPECT_NEAR(out[5], std::exp(-100.0f), 2e-45);  // subnormal
  EXPECT_NEAR(out[6], 0.0f, 2e-45);
  EXPECT_TRUE(std::isnan(out[7]));
}

// softmax and log_softmax of float32 rows against a double reference, along the last dim
// (rows in place) and along dim 0 (lines gathered), with lengths that leave vector tails.
TEST(Softmax, Float32MatchesDoubleReference) {
  for (int64_t length : {1, 7, 16, 33, 1000, 1003}) {
    Tensor x = (randn({5, length}) * 4.0).detach();
    std::vector<float> xv = x.to_vector<float>();
    std::vector<double> expected(xv.size()), expected_log(xv.size());
    for (int64_t r = 0; r < 5; ++r) {
      double max = -INFINITY, total = 0;
      for (int64_t j = 0; j < length; ++j) max = std::max(max, double(xv[r * length + j]));
      for (int64_t j = 0; j < length; ++j) total += std::exp(double(xv[r * length + j]) - max);
      for (int64_t j = 0; j < length; ++j) {
        const double shifted = double(xv[r * length + j]) - max;
        expected[r * length + j] = std::exp(shifted) / total;
        expected_log[r * length + j] = shifted - std::log(total);
      }
    }
    Tensor want = tensor(expected, {5, length}, kFloat64);
    Tensor want_log = tensor(expected_log, {5, length}, kFloat64);
    EXPECT_TRUE(all_close(softmax(x, 1), want, 1e-6, 1e-12)) << length;
    EXPECT_TRUE(all_close(log_softmax(x, 1), want_log, 1e-6, 1e-6)) << length;
    Tensor xt = x.t().contiguous();  // [length, 5]: the same lines along dim 0
    EXPECT_TRUE(all_close(softmax(xt, 0), want.t(), 1e-6, 1e-12)) << length;
    EXPECT_TRUE(all_close(log_softmax(xt, 0), want_log.t(), 1e-6, 1e-6)) << length;
  }
}

TEST(Softmax, MinusInfinityIsMaskedOut) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> row(37, -inf);
  row[3] = 1.0f;
  row[30] = 1.0f;
  Tensor x = tensor(row, {1, 37}, kFloat32);
  std::vector<float> y = softmax(x, 1).to_vector<float>();
  std::vector<float> logs = log_softmax(x, 1).to_vector<float>();
  for (int j = 0; j < 37; ++j) {
    EXPECT_EQ(y[j], j == 3 || j == 30 ? 0.5f : 0.0f) << j;
    EXPECT_EQ(logs[j], j == 3 || j == 30 ? -std::log(2.0f) : -inf) << j;
  }
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

TEST(SoftmaxGrad, Float32KernelsMatchDoubleFormulas) {
  // The vectorised float32 backward lines (dim 1) and the strided ones (dim 0) against the
  // formulas in double, on rows whose length leaves vector tails.
  const int64_t rows = 3, length = 1003;
  Tensor y = softmax(randn({rows, length}), 1);
  Tensor logs = log_softmax(randn({rows, length}), 1);
  Tensor g = randn({rows, length});
  std::vector<double> yv = y.to_vector<double>(), lv = logs.to_vector<double>();
  std::vector<double> gv = g.to_vector<double>();
  std::vector<double> want(yv.size()), want_log(yv.size());
  for (int64_t r = 0; r < rows; ++r) {
    double dot = 0, total = 0;
    for (int64_t j = 0; j < length; ++j) {
      dot += gv[r * length + j] * yv[r * length + j];
      total += gv[r * length + j];
    }
    for (int64_t j = 0; j < length; ++j) {
      const int64_t at = r * length + j;
      want[at] = yv[at] * (gv[at] - dot);
      want_log[at] = gv[at] - std::exp(lv[at]) * total;
    }
  }
  Tensor expected = tensor(want, {rows, length}, kFloat64);
  Tensor expected_log = tensor(want_log, {rows, length}, kFloat64);
  EXPECT_TRUE(all_close(ops::softmax_backward(g, y, 1), expected, 1e-5, 1e-6));
  EXPECT_TRUE(all_close(ops::log_softmax_backward(g, logs, 1), expected_log, 1e-5, 1e-6));
  Tensor gt = g.t().contiguous(), yt = y.t().contiguous(), lt = logs.t().contiguous();
  EXPECT_TRUE(all_close(ops::softmax_backward(gt, yt, 0), expected.t(), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(ops::log_softmax_backward(gt, lt, 0), expected_log.t(), 1e-5, 1e-6));
}

}  // namespace
}  // namespace ember
