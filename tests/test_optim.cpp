// The optimizers, schedules and clipping against steps worked out by hand, the sparse
// paths against the dense ones, the errors, and bit-identical resumption from a state_dict.
// (Parity with torch.optim over several steps is in test_parity_optim.cpp.)
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include <ember/optim/optim.h>
#include <ember/tensor/ops/row_sparse.h>

#include "testing.h"

namespace ember {
namespace {

using testing::all_close;

Tensor param(const std::vector<double>& values, Shape sizes = {}) {
  if (sizes.empty()) sizes = {int64_t(values.size())};
  Tensor p = tensor(values, sizes, kFloat64);
  p.requires_grad_(true);
  return p;
}

Tensor f64(const std::vector<double>& values, Shape sizes = {}) {
  if (sizes.empty()) sizes = {int64_t(values.size())};
  return tensor(values, sizes, kFloat64);
}

std::vector<double> values_of(const Tensor& t) { return t.to_dense().to_vector<double>(); }

// A deterministic gradient for step t of a tensor of `sizes`.
Tensor grad_at(int64_t t, const Shape& sizes) {
  std::vector<double> g(size_t(shape_numel(sizes)));
  for (size_t i = 0; i < g.size(); ++i) g[i] = std::sin(0.7 * double(i) + 1.3 * double(t)) - 0.2;
  return f64(g, sizes);
}

// ---- one or two steps by hand ----

TEST(OptimSGD, PlainStep) {
  Tensor p = param({1.0, 2.0});
  optim::SGD sgd({p}, 0.1);
  p.set_grad(f64({0.5, -1.0}));
  sgd.step();
  EXPECT_TRUE(all_close(p, f64({0.95, 2.1}), 0, 1e-15));
}

TEST(OptimSGD, MomentumAndNesterovTwoSteps) {
  // buf = g on step 1, then 0.9 * buf + g; p -= 0.1 * buf (or 0.1 * (g + 0.9 * buf)).
  Tensor a = param({1.0}), b = param({1.0});
  optim::SGD heavy_ball({a}, optim::SGDOptions(0.1).momentum(0.9));
  optim::SGD nesterov({b}, optim::SGDOptions(0.1).momentum(0.9).nesterov(true));
  for (int step = 0; step < 2; ++step) {
    a.set_grad(f64({1.0}));
    b.set_grad(f64({1.0}));
    heavy_ball.step();
    nesterov.step();
  }
  EXPECT_NEAR(a.item(), 1.0 - 0.1 - 0.19, 1e-15);
  EXPECT_NEAR(b.item(), 1.0 - 0.19 - 0.271, 1e-15);
}

TEST(OptimSGD, WeightDecayDampeningMaximize) {
  // g = -grad + 0.5 * p = -1 + 1 = 0 ... then buf = 0; p unchanged; step 2: buf = 0 + 0.75 * g.
  Tensor p = param({2.0});
  optim::SGD sgd(
      {p}, optim::SGDOptions(0.1).momentum(0.5).dampening(0.25).weight_decay(0.5).maximize(true));
  p.set_grad(f64({1.0}));
  sgd.step();
  EXPECT_EQ(p.item(), 2.0);
  p.set_grad(f64({3.0}));  // g = -3 + 1 = -2; buf = 0.5 * 0 + 0.75 * -2 = -1.5
  sgd.step();
  EXPECT_NEAR(p.item(), 2.15, 1e-15);
}

TEST(OptimAdam, ConstantGradientMovesLrPerStep) {
  // With a constant gradient the bias-corrected m / sqrt(v) is sign(g): each step moves lr.
  Tensor p = param({1.0, -1.0});
  optim::Adam adam({p}, 0.1);
  for (int step = 1; step <= 3; ++step) {
    p.set_grad(f64({0.5, -2.0}));
    adam.step();
    EXPECT_TRUE(all_close(p, f64({1.0 - 0.1 * step, -1.0 + 0.1 * step}), 0, 1e-7));
  }
  EXPECT_EQ(adam.state(0, 0).step, 3);
}

TEST(OptimAdam, FirstStepByHand) {
  // m = 0.1 g, v = 0.001 g^2, step_size = lr / 0.1, denom = |g| + eps.
  Tensor p = param({0.3});
  optim::Adam adam({p}, optim::AdamOptions(0.01).eps(0.5).weight_decay(1.0));
  p.set_grad(f64({0.7}));  // g = 0.7 + 1.0 * 0.3 = 1
  adam.step();
  double m = 0.1, denom = std::sqrt(0.001) / std::sqrt(1 - 0.999) + 0.5;
  EXPECT_NEAR(p.item(), 0.3 - 0.01 / 0.1 * m / denom, 1e-15);
}

TEST(OptimAdamW, DecoupledDecay) {
  // p *= 1 - lr * wd, then the Adam step of -lr * sign(g).
  Tensor p = param({1.0});
  optim::AdamW adamw({p}, optim::AdamWOptions(0.1).weight_decay(0.1));
  p.set_grad(f64({0.5}));
  adamw.step();
  EXPECT_NEAR(p.item(), 0.99 - 0.1, 1e-7);
}

TEST(OptimAdam, AmsgradKeepsTheLargestSecondMoment) {
  Tensor p = param({0.0});
  optim::Adam adam({p}, optim::AdamOptions(0.1).amsgrad(true));
  p.set_grad(f64({10.0}));
  adam.step();
  p.set_grad(f64({0.0}));
  adam.step();
  Tensor v = adam.state(0, 0).buffers.at("exp_avg_sq");
  Tensor v_max = adam.state(0, 0).buffers.at("max_exp_avg_sq");
  EXPECT_NEAR(v.item(), 0.999 * 0.1, 1e-12);
  EXPECT_NEAR(v_max.item(), 0.1, 1e-12);
}

TEST(OptimAdagrad, TwoStepsByHand) {
  Tensor p = param({1.0});
  optim::Adagrad adagrad({p}, 0.1);
  p.set_grad(f64({2.0}));
  adagrad.step();  // sum = 4, p = 1 - 0.1 * 2 / (2 + 1e-10)
  EXPECT_NEAR(p.item(), 0.9, 1e-10);
  p.set_grad(f64({2.0}));
  adagrad.step();  // sum = 8
  EXPECT_NEAR(p.item(), 0.9 - 0.2 / std::sqrt(8.0), 1e-10);
}

TEST(OptimAdagrad, LrDecayAndInitialAccumulator) {
  Tensor p = param({0.0});
  optim::Adagrad adagrad({p},
                         optim::AdagradOptions(1.0).lr_decay(0.5).initial_accumulator_value(5.0));
  p.set_grad(f64({2.0}));
  adagrad.step();  // lr 1, sum 9: p = -2 / 3
  p.set_grad(f64({4.0}));
  adagrad.step();  // lr 1 / 1.5, sum 25: p -= 4 / 5 / 1.5
  EXPECT_NEAR(p.item(), -2.0 / 3 - 0.8 / 1.5, 1e-9);
}

TEST(OptimAdam, MinimisesAQuadraticThroughAutograd) {
  // loss = sum((w - target)^2), gradients from backward(), 300 Adam steps.
  Tensor w = param({0.0, 0.0, 0.0});
  Tensor target = f64({1.0, -2.0, 0.5});
  optim::Adam adam({w}, 0.05);
  for (int step = 0; step < 300; ++step) {
    adam.zero_grad();
    Tensor diff = w - target;
    (diff * diff).sum().backward();
    adam.step();
  }
  EXPECT_TRUE(all_close(w, target, 0, 1e-3));
}

// ---- sparse gradients ----

TEST(OptimSGD, SparseUpdatesTouchedRowsLikeDense) {
  // Ids repeat (rows summed) and rows 0, 2, 5 are never touched.
  Tensor ids = tensor({4, 1, 4, 3});
  Tensor rows = f64({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2});
  Tensor start = f64({0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2}, {6, 2});
  Tensor sparse_p = start.clone().requires_grad_(true);
  Tensor dense_p = start.clone().requires_grad_(true);
  optim::SGD sparse_sgd({sparse_p}, 0.1), dense_sgd({dense_p}, 0.1);
  Tensor grad = row_sparse(ids, rows, {6, 2});
  sparse_p.set_grad(grad);
  dense_p.set_grad(grad.to_dense());
  sparse_sgd.step();
  dense_sgd.step();
  EXPECT_EQ(values_of(sparse_p), values_of(dense_p));
  std::vector<double> before = values_of(start), after = values_of(sparse_p);
  for (int row : {0, 2, 5})
    for (int j = 0; j < 2; ++j) EXPECT_EQ(after[row * 2 + j], before[row * 2 + j]) << row;
  EXPECT_NEAR(after[4 * 2], 0.9 - 0.1 * (1 + 5), 1e-15);
}

TEST(OptimSparseAdam, TenStepsWithRepeatedAndMissingRows) {
  const int64_t V = 7, D = 3;
  Tensor p = param(values_of(grad_at(99, {V, D})), {V, D});
  optim::SparseAdam adam({p}, optim::SparseAdamOptions(0.05).betas(0.8, 0.9));
  std::vector<double> m(V * D, 0.0), v(V * D, 0.0), ref = values_of(p);
  for (int64_t t = 1; t <= 10; ++t) {
    // Ids: t % 7 twice, (2t) % 7 once; row 6 only on the steps that reach it.
    std::vector<int64_t> id = {t % V, (2 * t) % V, t % V};
    Tensor g = row_sparse(tensor(id, {3}, kInt64), grad_at(t, {3, D}), {V, D});
    p.set_grad(g);
    std::vector<double> p_before = values_of(p);
    std::vector<double> m_before = t > 1 ? values_of(adam.state(0, 0).buffers.at("exp_avg")) : m;
    adam.step();
    std::vector<double> dense_g = values_of(g), after = values_of(p);
    std::vector<double> m_after = values_of(adam.state(0, 0).buffers.at("exp_avg"));
    // The reference: Adam's formula on the rows that have a gradient entry.
    std::vector<int64_t> touched = g.indices().to_vector<int64_t>();
    const double bc1 = 1 - std::pow(0.8, double(t)), bc2 = 1 - std::pow(0.9, double(t));
    for (int64_t row = 0; row < V; ++row) {
      bool hit = std::find(touched.begin(), touched.end(), row) != touched.end();
      for (int64_t j = 0; j < D; ++j) {
        const int64_t i = row * D + j;
        if (!hit) {
          EXPECT_EQ(after[i], p_before[i]) << "untouched row " << row << " moved at step " << t;
          EXPECT_EQ(m_after[i], m_before[i]) << "untouched moment of row " << row;
          continue;
        }
        m[i] = 0.8 * m[i] + 0.2 * dense_g[i];
        v[i] = 0.9 * v[i] + 0.1 * dense_g[i] * dense_g[i];
        ref[i] -= 0.05 * std::sqrt(bc2) / bc1 * m[i] / (std::sqrt(v[i]) + 1e-8);
        EXPECT_NEAR(after[i], ref[i], 1e-12) << "row " << row << " step " << t;
      }
    }
  }
  EXPECT_EQ(adam.state(0, 0).step, 10);
}

// The CPU row loop runs 8 floats at a time (AVX2) with the next rows prefetched; every
// element must still get the bits of the scalar formula, in float and double, for widths
// below, at and past one vector and with a tail, over rows in any order.
template <typename T>
void expect_sparse_adam_rows_match_scalar_formula() {
  for (int64_t D : {1, 7, 8, 13, 100}) {
    const int64_t V = 40;
    Generator gen(static_cast<uint64_t>(D));
    Tensor p = randn({V, D}, &gen, DTypeOf<T>::value).requires_grad_();
    optim::SparseAdam adam({p}, optim::SparseAdamOptions(0.01).betas(0.8, 0.95).eps(1e-6));
    std::vector<T> w = p.to_vector<T>(), m(size_t(V * D), T(0)), v(size_t(V * D), T(0));
    for (int64_t t = 1; t <= 3; ++t) {
      const std::vector<int64_t> ids = {37, 2, 19, 3, 4, 5, 6, 30, 8, 11};  // unique
      Tensor rows = randn({10, D}, &gen, DTypeOf<T>::value);
      p.set_grad(ops::make_row_sparse(tensor(ids, {10}, kInt64), rows, {V, D}));
      adam.step();
      const T step_size =
          T(0.01 * std::sqrt(1 - std::pow(0.95, double(t))) / (1 - std::pow(0.8, double(t))));
      const T c1 = T(1 - 0.8), c2 = T(1 - 0.95), eps = T(1e-6);
      const std::vector<T> g = rows.to_vector<T>();
      for (size_t k = 0; k < ids.size(); ++k)
        for (int64_t j = 0; j < D; ++j) {
          const size_t i = size_t(ids[k] * D + j);
          const T gj = g[k * size_t(D) + size_t(j)];
          m[i] = m[i] + (gj - m[i]) * c1;
          v[i] = v[i] + (gj * gj - v[i]) * c2;
          w[i] = w[i] + m[i] / (std::sqrt(v[i]) + eps) * -step_size;
        }
      EXPECT_EQ(p.to_vector<T>(), w) << "D " << D << " step " << t;
    }
  }
}

TEST(OptimSparseAdam, RowLoopGivesTheScalarFormulasBits) {
  expect_sparse_adam_rows_match_scalar_formula<float>();
  expect_sparse_adam_rows_match_scalar_formula<double>();
}

TEST(OptimSparseAdam, EqualsAdamWhenEveryRowIsTouched) {
  Tensor a = param(values_of(grad_at(5, {4, 2})), {4, 2});
  Tensor b = a.detach().clone().requires_grad_(true);
  // eps 0: torch's SparseAdam adds eps to sqrt(v) before the bias correction, Adam after.
  optim::SparseAdam sparse({a}, optim::SparseAdamOptions(0.01).eps(0));
  optim::Adam dense({b}, optim::AdamOptions(0.01).eps(0));
  for (int64_t t = 0; t < 5; ++t) {
    Tensor g = grad_at(t, {4, 2});
    a.set_grad(row_sparse(tensor({0, 1, 2, 3}), g, {4, 2}));
    b.set_grad(g);
    sparse.step();
    dense.step();
  }
  EXPECT_TRUE(all_close(a, b, 0, 1e-14));
}

TEST(OptimAdagrad, SparseUpdatesTouchedRowsLikeDense) {
  // Adagrad's dense step leaves a row with zero gradient in place, so on the touched rows
  // the sparse and dense updates agree, and untouched rows keep their accumulators.
  Tensor start = grad_at(7, {5, 2});
  Tensor sparse_p = start.clone().requires_grad_(true),
         dense_p = start.clone().requires_grad_(true);
  optim::Adagrad sparse({sparse_p}, optim::AdagradOptions(0.1).initial_accumulator_value(0.1));
  optim::Adagrad dense({dense_p}, optim::AdagradOptions(0.1).initial_accumulator_value(0.1));
  for (int64_t t = 0; t < 4; ++t) {
    Tensor g = row_sparse(tensor({3, 1, 3}), grad_at(t, {3, 2}), {5, 2});
    sparse_p.set_grad(g);
    dense_p.set_grad(g.to_dense());
    sparse.step();
    dense.step();
  }
  EXPECT_TRUE(all_close(sparse_p, dense_p, 0, 1e-14));
  std::vector<double> sum = values_of(sparse.state(0, 0).buffers.at("sum"));
  EXPECT_EQ(sum[0], 0.1);
  EXPECT_EQ(sum[9], 0.1);
}

// ---- errors ----

TEST(OptimErrors, AdamAndAdamWOnRowSparseNameSparseAdam) {
  Tensor p = param({1, 2, 3, 4}, {2, 2});
  Tensor g = row_sparse(tensor({1}), f64({1, 1}, {1, 2}), {2, 2});
  optim::Adam adam({p});
  p.set_grad(g);
  EXPECT_EMBER_ERROR(adam.step(), "SparseAdam");
  optim::AdamW adamw({p});
  EXPECT_EMBER_ERROR(adamw.step(), "SparseAdam");
  EXPECT_EQ(values_of(p), std::vector<double>({1, 2, 3, 4}));
}

TEST(OptimErrors, SparseAdamOnDenseNamesAdam) {
  Tensor p = param({1, 2});
  optim::SparseAdam adam({p});
  p.set_grad(f64({1, 1}));
  EXPECT_EMBER_ERROR(adam.step(), "use Adam");
}

TEST(OptimErrors, SparseGradientWithMomentumOrWeightDecay) {
  Tensor p = param({1, 2, 3, 4}, {2, 2});
  p.set_grad(row_sparse(tensor({0}), f64({1, 1}, {1, 2}), {2, 2}));
  optim::SGD momentum({p}, optim::SGDOptions(0.1).momentum(0.9));
  EXPECT_EMBER_ERROR(momentum.step(), "momentum");
  optim::SGD decay({p}, optim::SGDOptions(0.1).weight_decay(0.1));
  EXPECT_EMBER_ERROR(decay.step(), "weight_decay");
  optim::Adagrad adagrad({p}, optim::AdagradOptions().weight_decay(0.1));
  EXPECT_EMBER_ERROR(adagrad.step(), "weight_decay");
}

TEST(OptimErrors, BadParametersAndOptions) {
  EXPECT_EMBER_ERROR(optim::SGD({}, 0.1), "empty parameter list");
  Tensor p = param({1, 2});
  optim::SGD sgd({p}, 0.1);
  EXPECT_EMBER_ERROR(sgd.add_param_group({p}), "more than one group");
  EXPECT_EMBER_ERROR(optim::SGD({p}, optim::SGDOptions(0.1).nesterov(true)), "nesterov");
  EXPECT_EMBER_ERROR(optim::Adam({p}, optim::AdamOptions().betas(0.9, 1.0)), "betas");
  EXPECT_EMBER_ERROR(optim::SGD({p * 2.0}, 0.1), "non-leaf");

  Tensor base = f64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor strided = base.transpose(0, 1);  // a leaf view that is not contiguous
  strided.requires_grad_(true);
  optim::SGD on_view({strided}, 0.1);
  strided.set_grad(zeros({3, 2}, kFloat64));
  EXPECT_EMBER_ERROR(on_view.step(), "not contiguous");
}

// GPU parameters are updated on the GPU (tests/test_cuda_optim.cpp); a gradient left on
// another device is an error, not a silent copy.
TEST(OptimErrors, GradientOnAnotherDeviceIsAnError) {
  EMBER_REQUIRE_CUDA();
  Tensor p = zeros({4}, TensorOptions(kFloat32).device(Device(kCUDA)));
  p.requires_grad_(true);
  p.set_grad(zeros({4}));
  optim::Adam adam({p});
  EXPECT_EMBER_ERROR(adam.step(), "gradient is on cpu but its parameter on cuda:0");
}

// ---- groups, zero_grad ----

TEST(OptimGroups, EachGroupHasItsOwnLr) {
  Tensor embedding = param({1.0, 1.0}), head = param({1.0});
  optim::SGD sgd({embedding}, optim::SGDOptions(1e-4).momentum(0.5));
  sgd.add_param_group({head}, 1e-3);
  ASSERT_EQ(sgd.param_groups().size(), 2u);
  EXPECT_EQ(sgd.param_groups()[1].lr, 1e-3);
  EXPECT_EQ(sgd.param_groups()[1].momentum, 0.5);  // the rest from the defaults
  embedding.set_grad(f64({1.0, 1.0}));
  head.set_grad(f64({1.0}));
  sgd.step();
  EXPECT_EQ(embedding.to_vector<double>()[0], 1.0 - 1e-4);
  EXPECT_EQ(head.item(), 1.0 - 1e-3);
}

TEST(OptimGroups, SkipsParametersWithoutGradientAndZeroGradClears) {
  Tensor a = param({1.0}), b = param({1.0});
  optim::Adam adam({a, b}, 0.1);
  a.set_grad(f64({1.0}));
  adam.step();
  EXPECT_EQ(b.item(), 1.0);
  EXPECT_TRUE(adam.state(0, 1).empty());
  adam.zero_grad();
  EXPECT_FALSE(a.grad().defined());
}

// ---- schedules ----

std::vector<double> lrs_over(optim::LRScheduler& schedule, optim::Optimizer& opt, int steps,
                             size_t group = 0) {
  std::vector<double> lrs = {opt.param_groups()[group].lr};
  for (int i = 0; i < steps; ++i) {
    opt.step();
    schedule.step();
    lrs.push_back(opt.param_groups()[group].lr);
    EXPECT_EQ(schedule.get_last_lr()[group], lrs.back());
  }
  return lrs;
}

void expect_near_all(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-15) << i;
}

TEST(OptimSchedules, StepLR) {
  Tensor p = param({0.0});
  optim::SGD sgd({p}, 1.0);
  optim::StepLR schedule(sgd, 2, 0.1);
  expect_near_all(lrs_over(schedule, sgd, 5), {1, 1, 0.1, 0.1, 0.01, 0.01});
}

TEST(OptimSchedules, LinearLRDecaysToItsEndAndStays) {
  Tensor p = param({0.0});
  optim::SGD sgd({p}, 0.2);
  optim::LinearLR schedule(sgd, 1.0, 0.5, 4);
  expect_near_all(lrs_over(schedule, sgd, 5), {0.2, 0.175, 0.15, 0.125, 0.1, 0.1});
}

TEST(OptimSchedules, LambdaLRPerGroupFromInitialLr) {
  Tensor a = param({0.0}), b = param({0.0});
  optim::SGD sgd({a}, 0.1);
  sgd.add_param_group({b}, 0.01);
  optim::LambdaLR schedule(sgd, [](int64_t epoch) { return 1.0 / double(epoch + 1); });
  lrs_over(schedule, sgd, 3);
  EXPECT_NEAR(sgd.param_groups()[0].lr, 0.1 / 4, 1e-17);
  EXPECT_NEAR(sgd.param_groups()[1].lr, 0.01 / 4, 1e-18);
  EXPECT_EQ(*sgd.param_groups()[1].initial_lr, 0.01);
  EXPECT_EMBER_ERROR(optim::LambdaLR(sgd, std::vector<optim::LambdaLR::Lambda>(3)), "lambdas");
}

// ---- clipping ----

TEST(OptimClip, ScalesToMaxNormAndReturnsTheNorm) {
  Tensor a = param({0, 0}), b = param({0});
  a.set_grad(f64({3.0, 4.0}));
  b.set_grad(f64({12.0}));
  double norm = optim::clip_grad_norm_({a, b}, 1.0);
  EXPECT_DOUBLE_EQ(norm, 13.0);
  const double scale = 1.0 / (13.0 + 1e-6);
  EXPECT_TRUE(all_close(a.grad(), f64({3 * scale, 4 * scale}), 0, 1e-15));
  EXPECT_TRUE(all_close(b.grad(), f64({12 * scale}), 0, 1e-15));
}

TEST(OptimClip, BelowMaxNormLeavesGradientsAlone) {
  Tensor a = param({0, 0});
  a.set_grad(f64({0.3, 0.4}));
  EXPECT_DOUBLE_EQ(optim::clip_grad_norm_({a}, 1.0), 0.5);
  EXPECT_EQ(values_of(a.grad()), std::vector<double>({0.3, 0.4}));
}

TEST(OptimClip, RowSparseAndInfinityNorm) {
  Tensor table = param(std::vector<double>(8, 0.0), {4, 2});
  table.set_grad(row_sparse(tensor({2, 2, 0}), f64({1, 2, 2, 2, -6, 0}, {3, 2}), {4, 2}));
  Tensor bias = param({0});
  bias.set_grad(f64({-4.0}));
  // Rows after coalescing: [-6, 0] and [3, 4]; the norm is sqrt(36 + 25 + 16) = sqrt(77).
  EXPECT_NEAR(optim::clip_grad_norm_({table, bias}, 100.0), std::sqrt(77.0), 1e-14);
  EXPECT_EQ(optim::clip_grad_norm_({table, bias}, 3.0, std::numeric_limits<double>::infinity()),
            6.0);
  EXPECT_TRUE(table.grad().is_row_sparse());
  EXPECT_TRUE(all_close(table.grad().values(), f64({-3, 0, 1.5, 2}, {2, 2}), 1e-6, 0));
  EXPECT_EQ(optim::clip_grad_norm_({param({1})}, 1.0), 0.0);  // no gradients
}

// ---- frozen rows ----

// Rows 1 and 3 frozen: after Adam (dense) and SparseAdam (row-sparse) steps on gradients that
// reach every row, those rows are bit for bit the start's and the others have moved.
TEST(OptimFreezeRows, FrozenRowsStayBitIdenticalDenseAndSparse) {
  const int64_t V = 5, D = 2;
  Tensor frozen = zeros({V}, kBool);
  frozen.data<bool>()[1] = frozen.data<bool>()[3] = true;
  for (bool sparse : {false, true}) {
    Tensor p = param(values_of(grad_at(7, {V, D})), {V, D});
    const std::vector<double> start = values_of(p);
    std::unique_ptr<optim::Optimizer> opt;
    if (sparse)
      opt = std::make_unique<optim::SparseAdam>(std::vector<Tensor>{p},
                                                optim::SparseAdamOptions(0.1));
    else
      opt = std::make_unique<optim::Adam>(std::vector<Tensor>{p}, optim::AdamOptions(0.1));
    for (int64_t t = 1; t <= 3; ++t) {
      Tensor g = grad_at(t, {V, D});
      p.set_grad(sparse ? row_sparse(tensor({4, 3, 1, 0, 2, 3}), grad_at(t, {6, D}), {V, D}) : g);
      optim::zero_grad_rows_(p, frozen);
      EXPECT_EQ(p.grad().is_row_sparse(), sparse);
      opt->step();
    }
    const std::vector<double> after = values_of(p);
    for (int64_t row = 0; row < V; ++row)
      for (int64_t j = 0; j < D; ++j) {
        const size_t i = size_t(row * D + j);
        if (row == 1 || row == 3)
          EXPECT_EQ(after[i], start[i]) << "frozen row " << row << (sparse ? " sparse" : " dense");
        else
          EXPECT_NE(after[i], start[i]) << "row " << row << (sparse ? " sparse" : " dense");
      }
  }
}

TEST(OptimFreezeRows, ChecksTheMaskAndSkipsAMissingGradient) {
  Tensor p = param(std::vector<double>(6, 1.0), {3, 2});
  optim::zero_grad_rows_(p, zeros({3}, kBool));  // no gradient yet: nothing to do
  EXPECT_FALSE(p.grad().defined());
  EXPECT_EMBER_ERROR(optim::zero_grad_rows_(p, zeros({4}, kBool)), "one entry per row");
  EXPECT_EMBER_ERROR(optim::zero_grad_rows_(p, zeros({3})), "must be bool");
}

// ---- state_dict: resuming continues bit for bit ----

// Runs `steps` steps of `opt` on `params` with the deterministic gradients from step `from`.
void run(optim::Optimizer& opt, const std::vector<Tensor>& params, int64_t from, int64_t steps,
         bool sparse_first = false) {
  for (int64_t t = from; t < from + steps; ++t) {
    for (size_t i = 0; i < params.size(); ++i) {
      Tensor g = grad_at(t * 10 + int64_t(i), params[i].sizes());
      if (sparse_first && i == 0) {
        Tensor ids = tensor(std::vector<int64_t>{t % 3, 4, t % 3}, {3}, kInt64);
        g = row_sparse(ids, grad_at(t, {3, params[i].size(1)}), params[i].sizes());
      }
      params[i].set_grad(g);
    }
    opt.step();
  }
}

std::vector<Tensor> clone_params(const std::vector<Tensor>& params) {
  std::vector<Tensor> out;
  for (const Tensor& p : params) out.push_back(p.detach().clone().requires_grad_(true));
  return out;
}

// A checkpoint's trip through a file: every tensor copied.
optim::StateDict deep_copy(const optim::StateDict& state) {
  optim::StateDict out;
  for (const auto& [key, value] : state) out[key] = value.clone();
  return out;
}

template <typename MakeOptimizer>
void expect_resume_bit_identical(MakeOptimizer make, bool sparse_first = false) {
  std::vector<Tensor> params = {param(values_of(grad_at(1, {5, 3})), {5, 3}),
                                param(values_of(grad_at(2, {4})), {4})};
  auto original = make(params);
  run(*original, params, 0, 3, sparse_first);
  optim::StateDict saved = deep_copy(original->state_dict());

  std::vector<Tensor> resumed_params = clone_params(params);
  auto resumed = make(resumed_params);
  resumed->param_groups()[0].lr = 123.0;  // overwritten by the load
  resumed->load_state_dict(saved);
  run(*original, params, 3, 4, sparse_first);
  run(*resumed, resumed_params, 3, 4, sparse_first);
  for (size_t i = 0; i < params.size(); ++i)
    EXPECT_EQ(values_of(params[i]), values_of(resumed_params[i])) << original->name();
  for (const auto& [key, value] : original->state_dict())
    EXPECT_EQ(values_of(value), values_of(resumed->state_dict().at(key))) << key;
}

TEST(OptimStateDict, ResumeIsBitIdentical) {
  expect_resume_bit_identical([](const std::vector<Tensor>& p) {
    auto adam = std::make_unique<optim::Adam>(std::vector<Tensor>{p[0]},
                                              optim::AdamOptions(0.01).amsgrad(true));
    adam->add_param_group({p[1]}, 0.05, 0.1);
    return adam;
  });
  expect_resume_bit_identical([](const std::vector<Tensor>& p) {
    return std::make_unique<optim::AdamW>(p, optim::AdamWOptions(0.01));
  });
  expect_resume_bit_identical([](const std::vector<Tensor>& p) {
    return std::make_unique<optim::SGD>(p, optim::SGDOptions(0.1).momentum(0.9).nesterov(true));
  });
  expect_resume_bit_identical(
      [](const std::vector<Tensor>& p) {
        return std::make_unique<optim::Adagrad>(p, optim::AdagradOptions(0.1).lr_decay(0.01));
      },
      true);
  expect_resume_bit_identical(
      [](const std::vector<Tensor>& p) {
        auto adam = std::make_unique<optim::SparseAdam>(std::vector<Tensor>{p[0]}, 0.01);
        return adam;
      },
      true);
}

TEST(OptimStateDict, KeysAndMismatches) {
  Tensor a = param({1, 2}), b = param({3});
  optim::Adam adam({a, b}, optim::AdamOptions(0.01).betas(0.8, 0.9));
  a.set_grad(f64({1, 1}));
  adam.step();
  optim::StateDict state = adam.state_dict();
  EXPECT_EQ(state.at("param_groups.0.lr").item(), 0.01);
  EXPECT_EQ(state.at("param_groups.0.beta1").item(), 0.8);
  EXPECT_EQ(state.at("param_groups.0.num_params").item<int64_t>(), 2);
  EXPECT_EQ(state.at("state.0.0.step").item<int64_t>(), 1);
  EXPECT_EQ(state.at("state.0.0.exp_avg").sizes(), Shape({2}));
  EXPECT_EQ(state.count("state.0.1.step"), 0u);  // b had no gradient

  optim::Adam fewer({a}, 0.01);
  EXPECT_EMBER_ERROR(fewer.load_state_dict(state), "2");
  Tensor c = param({1, 2, 3});
  optim::Adam other_sizes({c, b}, 0.01);
  EXPECT_EMBER_ERROR(other_sizes.load_state_dict(state), "sizes");
  state["state.0.7.exp_avg"] = f64({1});
  EXPECT_EMBER_ERROR(adam.load_state_dict(state), "unexpected key");
}

TEST(OptimStateDict, ScheduleResumes) {
  Tensor p = param({0.0}), q = param({0.0});
  optim::SGD sgd({p}, 0.5);
  optim::StepLR schedule(sgd, 2, 0.5);
  lrs_over(schedule, sgd, 3);
  optim::StateDict opt_state = deep_copy(sgd.state_dict());
  optim::StateDict schedule_state = schedule.state_dict();

  optim::SGD sgd2({q}, 0.5);
  optim::StepLR schedule2(sgd2, 2, 0.5);
  sgd2.load_state_dict(opt_state);
  schedule2.load_state_dict(schedule_state);
  EXPECT_EQ(lrs_over(schedule, sgd, 4), lrs_over(schedule2, sgd2, 4));
  EXPECT_EQ(schedule2.last_epoch(), 7);
}

// ---- large tensors: the parallel loop gives what the serial one does ----

TEST(OptimParallel, LargeParameterMatchesItsSlices) {
  const int64_t n = 4 * optim::kUpdateGrain;
  Tensor big = param(std::vector<double>(size_t(n), 0.5), {n});
  std::vector<Tensor> slices;
  for (int s = 0; s < 4; ++s)
    slices.push_back(param(std::vector<double>(size_t(optim::kUpdateGrain), 0.5)));
  optim::Adam whole({big}, 0.01), parts(slices, 0.01);
  for (int64_t t = 0; t < 2; ++t) {
    Tensor g = grad_at(t, {n});
    big.set_grad(g);
    for (int s = 0; s < 4; ++s)
      slices[s].set_grad(
          g.slice(0, s * optim::kUpdateGrain, (s + 1) * optim::kUpdateGrain).contiguous());
    whole.step();
    parts.step();
  }
  std::vector<double> joined;
  for (const Tensor& s : slices)
    for (double v : values_of(s)) joined.push_back(v);
  EXPECT_EQ(values_of(big), joined);
}

}  // namespace
}  // namespace ember
