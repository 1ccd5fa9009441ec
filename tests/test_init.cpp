// nn::init: gains and fans as PyTorch computes them, then each init on a big tensor: its
// bounds, mean and standard deviation, the fan modes, seeding, and filling parameters that
// require grad without recording a graph.
#include <cmath>

#include <ember/nn/nn.h>

#include "testing.h"

namespace ember {
namespace {

namespace init = nn::init;
using init::FanMode;
using init::Nonlinearity;

struct Stats {
  double min, max, mean, std;
};

Stats stats_of(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  Stats s{v[0], v[0], 0, 0};
  for (double x : v) {
    s.min = std::min(s.min, x);
    s.max = std::max(s.max, x);
    s.mean += x;
  }
  s.mean /= double(v.size());
  for (double x : v) s.std += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(s.std / double(v.size()));
  return s;
}

TEST(Init, GainsMatchPyTorch) {
  EXPECT_DOUBLE_EQ(init::calculate_gain(Nonlinearity::kLinear), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(Nonlinearity::kSigmoid), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(Nonlinearity::kTanh), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(Nonlinearity::kReLU), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain(Nonlinearity::kLeakyReLU), std::sqrt(2.0 / 1.0001));
  EXPECT_DOUBLE_EQ(init::calculate_gain(Nonlinearity::kLeakyReLU, std::sqrt(5.0)),
                   std::sqrt(1.0 / 3.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain(Nonlinearity::kSELU), 0.75);
}

TEST(Init, FansCountTheReceptiveField) {
  EXPECT_EQ(init::calculate_fan_in_and_fan_out(zeros({30, 20})),
            std::make_pair(int64_t(20), int64_t(30)));
  // A conv weight [out, in, kh, kw]: fan_in = in * kh * kw, fan_out = out * kh * kw.
  EXPECT_EQ(init::calculate_fan_in_and_fan_out(zeros({8, 3, 5, 5})),
            std::make_pair(int64_t(75), int64_t(200)));
  EXPECT_EMBER_ERROR(init::calculate_fan_in_and_fan_out(zeros({5})),
                     "fewer than 2 dims, got sizes [5]");
  EXPECT_EMBER_ERROR(init::xavier_uniform_(zeros({5})), "fewer than 2 dims");
}

TEST(Init, UniformNormalConstant) {
  Generator gen(1);
  Tensor t = empty({1000, 1000});
  Stats u = stats_of(init::uniform_(t, -2.0, 3.0, &gen));
  EXPECT_GE(u.min, -2.0);
  EXPECT_LT(u.max, 3.0);
  EXPECT_NEAR(u.mean, 0.5, 0.01);
  EXPECT_NEAR(u.std, 5.0 / std::sqrt(12.0), 0.01);
  Stats n = stats_of(init::normal_(t, 1.5, 0.25, &gen));
  EXPECT_NEAR(n.mean, 1.5, 0.002);
  EXPECT_NEAR(n.std, 0.25, 0.002);
  Tensor d = empty({7, 3}, kFloat64);
  EXPECT_TRUE(testing::all_close(init::constant_(d, -0.5), full({7, 3}, -0.5, kFloat64), 0, 0));
  EXPECT_TRUE(testing::all_close(init::zeros_(d), zeros({7, 3}, kFloat64), 0, 0));
  EXPECT_TRUE(testing::all_close(init::ones_(d), ones({7, 3}, kFloat64), 0, 0));
}

TEST(Init, XavierBoundsAndStd) {
  Generator gen(2);
  Tensor t = empty({400, 600});  // fan_in 600, fan_out 400
  const double gain = 2.0;
  const double std = gain * std::sqrt(2.0 / 1000.0);
  const double bound = std::sqrt(3.0) * std;
  Stats u = stats_of(init::xavier_uniform_(t, gain, &gen));
  EXPECT_GE(u.min, -bound);
  EXPECT_LE(u.max, bound);
  EXPECT_GT(u.max, 0.999 * bound);
  EXPECT_NEAR(u.std, std, 0.01 * std);
  Stats n = stats_of(init::xavier_normal_(t, gain, &gen));
  EXPECT_NEAR(n.mean, 0.0, 0.01 * std);
  EXPECT_NEAR(n.std, std, 0.01 * std);
}

TEST(Init, KaimingFanModes) {
  Generator gen(3);
  Tensor t = empty({200, 50, 3, 3});  // fan_in 450, fan_out 1800
  for (FanMode mode : {FanMode::kFanIn, FanMode::kFanOut}) {
    const double fan = mode == FanMode::kFanIn ? 450.0 : 1800.0;
    const double std = std::sqrt(2.0) / std::sqrt(fan);  // relu gain
    const double bound = std::sqrt(3.0) * std;
    Stats u = stats_of(init::kaiming_uniform_(t, 0.0, mode, Nonlinearity::kReLU, &gen));
    EXPECT_GE(u.min, -bound);
    EXPECT_LE(u.max, bound);
    EXPECT_GT(u.max, 0.999 * bound);
    EXPECT_NEAR(u.std, std, 0.01 * std);
    Stats n = stats_of(init::kaiming_normal_(t, 0.0, mode, Nonlinearity::kReLU, &gen));
    EXPECT_NEAR(n.mean, 0.0, 0.01 * std);
    EXPECT_NEAR(n.std, std, 0.01 * std);
  }
  // The defaults (a = 0, fan_in, leaky_relu) give std sqrt(2) / sqrt(fan_in) too.
  Stats d =
      stats_of(init::kaiming_normal_(t, 0.0, FanMode::kFanIn, Nonlinearity::kLeakyReLU, &gen));
  EXPECT_NEAR(d.std, std::sqrt(2.0 / 450.0), 0.01 * std::sqrt(2.0 / 450.0));
}

TEST(Init, SameSeedSameValues) {
  Tensor a = empty({64, 32}), b = empty({64, 32});
  Generator g1(42), g2(42);
  init::xavier_uniform_(a, 1.0, &g1);
  init::xavier_uniform_(b, 1.0, &g2);
  EXPECT_TRUE(testing::all_close(a, b, 0, 0));
  manual_seed(9);
  init::normal_(a);
  manual_seed(9);
  init::normal_(b);
  EXPECT_TRUE(testing::all_close(a, b, 0, 0));
}

TEST(Init, FillsParametersWithoutRecordingAGraph) {
  Tensor w = zeros({10, 10}).requires_grad_();
  init::kaiming_uniform_(w);
  init::constant_(w.narrow(0, 0, 1), 7.0);  // a view of a parameter: in place on its storage
  EXPECT_TRUE(w.is_leaf());
  EXPECT_FALSE(w.grad_fn());
  EXPECT_TRUE(GradMode::is_enabled());
  EXPECT_EQ(w.to_vector<float>()[0], 7.0f);
  EXPECT_NE(w.to_vector<float>()[10], 0.0f);
}

TEST(Init, Errors) {
  EXPECT_EMBER_ERROR(init::normal_(zeros({3}, kInt64)), "init.normal_: expected a floating");
  EXPECT_EMBER_ERROR(init::normal_(zeros({3}), 0.0, -1.0), "std must be non-negative");
  EXPECT_EMBER_ERROR(init::uniform_(zeros({3}), 1.0, 0.0), "low 1 is above high 0");
  EXPECT_EMBER_ERROR(init::zeros_(Tensor()), "undefined");
}

}  // namespace
}  // namespace ember
