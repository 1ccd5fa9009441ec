// Reductions: values on hand cases, dims and keepdim, ties, empty tensors and their errors,
// results that do not depend on the thread count, and gradcheck of every backward.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "testing.h"

namespace ember {
namespace {

using ember::testing::all_close;

Tensor f32(std::vector<float> values, Shape sizes) { return tensor(values, sizes, kFloat32); }
Tensor f64(std::vector<double> values, Shape sizes) { return tensor(values, sizes, kFloat64); }
Tensor i64(std::vector<int64_t> values) { return tensor(values, {int64_t(values.size())}); }

// Uniform in [low, high) from a fixed seed; no two values tie.
Tensor uniform(Shape sizes, double low, double high, DType dtype = kFloat64, uint32_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(low, high);
  std::vector<double> values(size_t(shape_numel(sizes)));
  for (double& v : values) v = dist(rng);
  return tensor(values, sizes, kFloat64).to(dtype);
}

// |x| in [0.5, 1.5) with a random sign: away from the kinks of abs at 0.
Tensor away_from_zero(Shape sizes, uint32_t seed = 2) {
  Tensor magnitude = uniform(sizes, 0.5, 1.5, kFloat64, seed);
  Tensor sign = uniform(sizes, -1, 1, kFloat64, seed + 1);
  std::vector<double> m = magnitude.to_vector<double>(), s = sign.to_vector<double>();
  for (size_t i = 0; i < m.size(); ++i) m[i] = s[i] < 0 ? -m[i] : m[i];
  return tensor(m, sizes, kFloat64);
}

Tensor leaf(Tensor t) {
  t.requires_grad_(true);
  return t;
}

std::vector<double> values_of(const Tensor& t) { return t.to_vector<double>(); }

// ---- sum and mean ----

TEST(Reduce, SumAllAndDims) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(sum(x).dim(), 0);
  EXPECT_EQ(sum(x).item(), 21);
  EXPECT_EQ(values_of(sum(x, {0})), (std::vector<double>{5, 7, 9}));
  EXPECT_EQ(values_of(sum(x, {1})), (std::vector<double>{6, 15}));
  EXPECT_EQ(values_of(sum(x, {-1})), (std::vector<double>{6, 15}));
  EXPECT_EQ(sum(x, {1}, true).sizes(), (Shape{2, 1}));
  EXPECT_EQ(sum(x, {0, 1}).item(), 21);
  EXPECT_EQ(sum(x, {0, 1}, true).sizes(), (Shape{1, 1}));
  EXPECT_EQ(x.sum(0).sizes(), (Shape{3}));
  EXPECT_EQ(sum(x).dtype(), kFloat32);
}

TEST(Reduce, SumMultiDimList) {
  Tensor x = arange(24, kFloat64).reshape({2, 3, 4});
  // sum over dims 0 and 2: out[j] = sum_i sum_k (12 i + 4 j + k)
  Tensor out = sum(x, {2, 0});
  EXPECT_EQ(out.sizes(), (Shape{3}));
  for (int64_t j = 0; j < 3; ++j) {
    double expected = 0;
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 4; ++k) expected += 12 * i + 4 * j + k;
    EXPECT_EQ(out[j].item(), expected);
  }
  EXPECT_EQ(sum(x, {0, 2}, true).sizes(), (Shape{1, 3, 1}));
  EXPECT_EMBER_ERROR(sum(x, {1, -2}), "more than once");
  EXPECT_EMBER_ERROR(sum(x, {3}), "out of range");
}

TEST(Reduce, SumNonContiguous) {
  Tensor x = arange(12, kFloat32).reshape({3, 4});
  Tensor xt = x.transpose(0, 1);  // [4, 3], not contiguous
  ASSERT_FALSE(xt.is_contiguous());
  EXPECT_TRUE(all_close(sum(xt, {0}), sum(x, {1})));
  EXPECT_TRUE(all_close(sum(xt, {1}), sum(x, {0})));
  EXPECT_TRUE(all_close(mean(xt, {1}, true), mean(x, {0}).reshape({4, 1})));
}

TEST(Reduce, SumIntsGiveInt64) {
  Tensor x = tensor(std::vector<int32_t>{1, 2, 3, 4}, {2, 2});
  Tensor s = sum(x, {0});
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_EQ(s.to_vector<int64_t>(), (std::vector<int64_t>{4, 6}));
  EXPECT_EQ(sum(i64({5, 6, 7})).item<int64_t>(), 18);
  Tensor flags = tensor(std::vector<bool>{true, false, true}, {3});
  EXPECT_EQ(sum(flags).dtype(), kInt64);
  EXPECT_EQ(sum(flags).item<int64_t>(), 2);
}

TEST(Reduce, Mean) {
  Tensor x = f64({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_DOUBLE_EQ(mean(x).item(), 3.5);
  EXPECT_EQ(values_of(mean(x, {0})), (std::vector<double>{2.5, 3.5, 4.5}));
  EXPECT_EQ(values_of(x.mean(-1, true)), (std::vector<double>{2, 5}));
  EXPECT_EQ(x.mean(-1, true).sizes(), (Shape{2, 1}));
  EXPECT_EMBER_ERROR(mean(i64({1, 2})), "mean");
}

TEST(Reduce, FloatSumIsAccurate) {
  // 2^20 copies of 0.1f: a float accumulator drifts by ~1%; a double one does not.
  Tensor x = full({1 << 20}, 0.1, kFloat32);
  EXPECT_NEAR(sum(x).item(), 0.1f * double(1 << 20), 1e-2);
  EXPECT_NEAR(mean(x).item(), 0.1f, 1e-7);
}

// sum over `dims` of a [A, B, C] float32 tensor, in double with plain loops.
std::vector<double> naive_sum3(const Tensor& x, std::vector<bool> reduced) {
  const int64_t A = x.size(0), B = x.size(1), C = x.size(2);
  std::vector<double> v = values_of(x);
  const int64_t oa = reduced[0] ? 1 : A, ob = reduced[1] ? 1 : B, oc = reduced[2] ? 1 : C;
  std::vector<double> out(size_t(oa * ob * oc), 0.0);
  for (int64_t a = 0; a < A; ++a)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t c = 0; c < C; ++c) {
        int64_t at = ((reduced[0] ? 0 : a) * ob + (reduced[1] ? 0 : b)) * oc + (reduced[2] ? 0 : c);
        out[at] += v[(a * B + b) * C + c];
      }
  return out;
}

TEST(Reduce, SumRowsColumnsAndMiddleDims) {
  // Rows of every length from 1 to 40 (the 16-lane loop and its tail), leading dims (read as
  // strided columns in place), a middle dim, and columns longer than one chunk of 4096.
  for (Shape sizes : {Shape{3, 5, 1}, Shape{2, 3, 17}, Shape{4, 7, 40}, Shape{9000, 2, 3},
                      Shape{3, 5000, 300}, Shape{1, 4100, 513}}) {
    Tensor x = uniform(sizes, -1, 1, kFloat32, 11);
    for (std::vector<bool> reduced : {std::vector<bool>{false, false, true},
                                      {true, false, false},
                                      {false, true, false},
                                      {true, true, false},
                                      {false, true, true},
                                      {true, false, true}}) {
      Shape dims;
      for (int64_t d = 0; d < 3; ++d)
        if (reduced[d]) dims.push_back(d);
      std::vector<double> expected = naive_sum3(x, reduced);
      std::vector<double> actual = values_of(sum(x, dims, true));
      ASSERT_EQ(actual.size(), expected.size());
      double worst = 0;  // beyond float32 rounding of the exact sum
      for (size_t i = 0; i < actual.size(); ++i)
        worst = std::max(worst, std::abs(actual[i] - expected[i]) - 1e-7 * std::abs(expected[i]));
      EXPECT_LE(worst, 1e-6) << shape_str(sizes) << " over " << shape_str(dims);
    }
  }
  for (int64_t n = 1; n <= 40; ++n) {
    Tensor row = arange(n, kFloat32);
    EXPECT_EQ(sum(row).item(), double(n * (n - 1) / 2)) << n;
    Tensor ints = arange(n, kInt64).reshape({n, 1}).expand({n, 3}).contiguous();
    EXPECT_EQ(sum(ints, {0}).to_vector<int64_t>(), (std::vector<int64_t>(3, n * (n - 1) / 2)));
  }
}

TEST(Reduce, ColumnSumsSameBitsOnAnyThreadCount) {
  Tensor x = uniform({9000, 7, 33}, -1, 1, kFloat32, 12);  // columns of 9000: three chunks
  auto run = [&] { return std::vector<Tensor>{sum(x, {0}), sum(x, {0, 1}), mean(x, {1})}; };
  int before = get_num_threads();
  set_num_threads(1);
  std::vector<Tensor> one = run();
  set_num_threads(3);
  std::vector<Tensor> three = run();
  set_num_threads(before);
  for (size_t i = 0; i < one.size(); ++i)
    EXPECT_TRUE(all_close(one[i], three[i], 0, 0)) << "result " << i;
}

TEST(Reduce, ZeroDimTensor) {
  Tensor x = scalar_tensor(4.0, kFloat64);
  EXPECT_EQ(sum(x).item(), 4);
  EXPECT_EQ(sum(x, {0}).dim(), 0);
  EXPECT_EQ(max(x, 0).indices.item<int64_t>(), 0);
  EXPECT_EQ(norm(x).item(), 4);
  EXPECT_EQ(max(x).item(), 4);
  EXPECT_EQ(argmax(x).item<int64_t>(), 0);
}

// ---- empty tensors ----

TEST(Reduce, EmptyTensors) {
  Tensor none = zeros({0}, kFloat32);
  EXPECT_EQ(sum(none).item(), 0);
  EXPECT_TRUE(std::isnan(mean(none).item()));
  Tensor rows = zeros({2, 0}, kFloat64);
  EXPECT_EQ(values_of(sum(rows, {1})), (std::vector<double>{0, 0}));
  EXPECT_EQ(sum(rows, {0}).sizes(), (Shape{0}));
  EXPECT_TRUE(std::isnan(mean(rows, {1})[0].item()));
  EXPECT_EQ(norm(rows, 2.0, {1})[0].item(), 0);
  EXPECT_EQ(max(rows, 0).values.sizes(), (Shape{0}));  // reducing a non-empty dim is fine

  EXPECT_EMBER_ERROR(max(none), "max: cannot reduce on an empty tensor");
  EXPECT_EMBER_ERROR(min(none), "min: cannot reduce on an empty tensor");
  EXPECT_EMBER_ERROR(argmax(none), "argmax: cannot reduce on an empty tensor");
  EXPECT_EMBER_ERROR(max(rows, 1), "max: cannot reduce over an empty dim");
  EXPECT_EMBER_ERROR(min(rows, -1), "min: cannot reduce over an empty dim");
  EXPECT_EMBER_ERROR(argmax(rows, 1), "argmax: cannot reduce over an empty dim");
  EXPECT_EMBER_ERROR(topk(rows, 1, 1), "topk: cannot reduce over an empty dim");
}

// ---- max, min, argmax ----

TEST(Reduce, MaxMinOverDim) {
  Tensor x = f32({1, 5, 2, 7, 0, 3}, {2, 3});
  ValuesIndices m = max(x, 1);
  EXPECT_EQ(values_of(m.values), (std::vector<double>{5, 7}));
  EXPECT_EQ(m.indices.dtype(), kInt64);
  EXPECT_EQ(m.indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  ValuesIndices n = min(x, 0, true);
  EXPECT_EQ(n.values.sizes(), (Shape{1, 3}));
  EXPECT_EQ(values_of(n.values), (std::vector<double>{1, 0, 2}));
  EXPECT_EQ(n.indices.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(max(x, -2).indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1}));
  // Over a transposed (non-contiguous) view.
  EXPECT_EQ(max(x.t(), 0).indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
}

TEST(Reduce, TiesGiveTheFirstIndex) {
  Tensor x = f32({1, 3, 3, 2, 1, 1}, {6});
  EXPECT_EQ(max(x, 0).indices.item<int64_t>(), 1);
  EXPECT_EQ(min(x, 0).indices.item<int64_t>(), 0);
  EXPECT_EQ(argmax(x).item<int64_t>(), 1);
  // Ties across chunk boundaries of a long row: the first still wins.
  Tensor flat = ones({10000}, kFloat32);
  EXPECT_EQ(argmax(flat).item<int64_t>(), 0);
  EXPECT_EQ(min(flat, 0).indices.item<int64_t>(), 0);
}

TEST(Reduce, MaxMinAllAndInts) {
  Tensor x = tensor(std::vector<int32_t>{4, -2, 9, 9, 0, -7}, {2, 3});
  EXPECT_EQ(max(x).dtype(), kInt32);
  EXPECT_EQ(max(x).item<int64_t>(), 9);
  EXPECT_EQ(min(x).item<int64_t>(), -7);
  EXPECT_EQ(max(x, 1).indices.to_vector<int64_t>(), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(argmax(x).item<int64_t>(), 2);
  EXPECT_EQ(argmax(x, 0).to_vector<int64_t>(), (std::vector<int64_t>{1, 1, 0}));
  EXPECT_EQ(argmax(x, 1, true).sizes(), (Shape{2, 1}));
}

TEST(Reduce, NanWinsMaxAndMin) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = f32({1, nan, 3}, {3});
  EXPECT_TRUE(std::isnan(max(x).item()));
  EXPECT_TRUE(std::isnan(min(x).item()));
  EXPECT_EQ(argmax(x).item<int64_t>(), 1);
}

// ---- norm ----

TEST(Reduce, Norm) {
  Tensor x = f64({3, -4, 0, 1, -1, 2}, {2, 3});
  EXPECT_DOUBLE_EQ(norm(x, 1).item(), 11);
  EXPECT_DOUBLE_EQ(norm(x).item(), std::sqrt(31.0));
  EXPECT_DOUBLE_EQ(norm(x, INFINITY).item(), 4);
  EXPECT_NEAR(norm(x, 3).item(), std::cbrt(27 + 64 + 1 + 1 + 8.0), 1e-12);
  EXPECT_TRUE(all_close(norm(x, 2, {1}), f64({5, std::sqrt(6.0)}, {2})));
  EXPECT_EQ(norm(x, 2, {1}, true).sizes(), (Shape{2, 1}));
  EXPECT_TRUE(all_close(norm(x, INFINITY, {0}), f64({3, 4, 2}, {3})));
  EXPECT_TRUE(all_close(norm(x.t(), 1, {0}), f64({7, 4}, {2})));
  EXPECT_EMBER_ERROR(norm(x, 0), "norm: p must be > 0");
  EXPECT_EMBER_ERROR(norm(i64({1, 2})), "norm");
}

// ---- topk ----

TEST(Reduce, Topk) {
  Tensor x = f32({1, 9, 3, 7, 5, 2, 8, 4}, {2, 4});
  ValuesIndices top = topk(x, 2);
  EXPECT_EQ(top.values.sizes(), (Shape{2, 2}));
  EXPECT_EQ(values_of(top.values), (std::vector<double>{9, 7, 8, 5}));
  EXPECT_EQ(top.indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 3, 2, 0}));
  ValuesIndices low = topk(x, 3, 1, /*largest=*/false);
  EXPECT_EQ(values_of(low.values), (std::vector<double>{1, 3, 7, 2, 4, 5}));
  EXPECT_EQ(low.indices.to_vector<int64_t>(), (std::vector<int64_t>{0, 2, 3, 1, 3, 0}));
  ValuesIndices col = topk(x, 1, 0);  // along dim 0
  EXPECT_EQ(col.values.sizes(), (Shape{1, 4}));
  EXPECT_EQ(values_of(col.values), (std::vector<double>{5, 9, 8, 7}));
  EXPECT_EQ(col.indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1, 0}));
  EXPECT_EQ(topk(x, 0).values.sizes(), (Shape{2, 0}));
  ValuesIndices ints = topk(i64({3, 1, 2}), 2);
  EXPECT_EQ(ints.values.to_vector<int64_t>(), (std::vector<int64_t>{3, 2}));
}

TEST(Reduce, TopkTiesAndErrors) {
  Tensor x = f32({2, 5, 5, 1, 5}, {5});
  EXPECT_EQ(topk(x, 3).indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 4}));
  EXPECT_EQ(topk(x, 2, 0, false).indices.to_vector<int64_t>(), (std::vector<int64_t>{3, 0}));
  EXPECT_EMBER_ERROR(topk(x, 6), "k = 6 is larger than the size 5");
  EXPECT_EMBER_ERROR(topk(x, -1), "k must be >= 0");
}

// ---- the thread count does not change results ----

TEST(Reduce, SameBitsOnAnyThreadCount) {
  Tensor x = uniform({1000, 3001}, -1, 1, kFloat32, 7);
  auto run = [&] {
    return std::vector<Tensor>{sum(x),           sum(x, {0}), sum(x, {1}),
                               mean(x.t(), {0}), norm(x, 2),  norm(x, 3, {0}),
                               max(x, 0).values, argmax(x),   topk(x, 5, 0).values};
  };
  int before = get_num_threads();
  set_num_threads(1);
  std::vector<Tensor> one = run();
  set_num_threads(2);
  std::vector<Tensor> two = run();
  set_num_threads(5);
  std::vector<Tensor> many = run();
  set_num_threads(before);
  for (size_t i = 0; i < one.size(); ++i) {
    std::vector<double> a = values_of(one[i]), b = values_of(two[i]), c = values_of(many[i]);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0) << "result " << i;
    EXPECT_EQ(std::memcmp(a.data(), c.data(), a.size() * sizeof(double)), 0) << "result " << i;
  }
}

// ---- gradients ----

TEST(ReduceGrad, SumAndMean) {
  Tensor x = leaf(uniform({2, 3, 4}, -1, 1));
  auto check = [&](auto f) { return gradcheck([&](const auto& in) { return f(in[0]); }, {x}); };
  EXPECT_TRUE(check([](const Tensor& a) { return sum(a); }));
  EXPECT_TRUE(check([](const Tensor& a) { return sum(a, {1}); }));
  EXPECT_TRUE(check([](const Tensor& a) { return sum(a, {0, 2}, true); }));
  EXPECT_TRUE(check([](const Tensor& a) { return sum(a.transpose(0, 2), {-1}); }));
  EXPECT_TRUE(check([](const Tensor& a) { return mean(a); }));
  EXPECT_TRUE(check([](const Tensor& a) { return mean(a, {2}); }));
  EXPECT_TRUE(check([](const Tensor& a) { return mean(a, {0, 1}, true); }));
}

TEST(ReduceGrad, MaxMin) {
  Tensor x = leaf(uniform({3, 4}, -1, 1, kFloat64, 3));
  auto check = [&](auto f) { return gradcheck([&](const auto& in) { return f(in[0]); }, {x}); };
  EXPECT_TRUE(check([](const Tensor& a) { return max(a); }));
  EXPECT_TRUE(check([](const Tensor& a) { return min(a); }));
  EXPECT_TRUE(check([](const Tensor& a) { return max(a, 1).values; }));
  EXPECT_TRUE(check([](const Tensor& a) { return max(a, 0, true).values; }));
  EXPECT_TRUE(check([](const Tensor& a) { return min(a, -1).values; }));
  EXPECT_TRUE(check([](const Tensor& a) { return min(a, 0, true).values; }));
}

TEST(ReduceGrad, MaxAllSplitsAmongTies) {
  Tensor x = leaf(f64({1, 3, 3, 2}, {4}));
  max(x).backward();
  EXPECT_EQ(values_of(x.grad()), (std::vector<double>{0, 0.5, 0.5, 0}));
  Tensor y = leaf(f64({1, 3, 3, 2}, {4}));
  max(y, 0).values.backward();  // over a dim: all to the first index
  EXPECT_EQ(values_of(y.grad()), (std::vector<double>{0, 1, 0, 0}));
}

TEST(ReduceGrad, Norm) {
  Tensor x = leaf(away_from_zero({3, 4}));
  auto check = [&](auto f) { return gradcheck([&](const auto& in) { return f(in[0]); }, {x}); };
  EXPECT_TRUE(check([](const Tensor& a) { return norm(a, 1); }));
  EXPECT_TRUE(check([](const Tensor& a) { return norm(a); }));
  EXPECT_TRUE(check([](const Tensor& a) { return norm(a, 3); }));
  EXPECT_TRUE(check([](const Tensor& a) { return norm(a, INFINITY); }));
  EXPECT_TRUE(check([](const Tensor& a) { return norm(a, 2, {1}); }));
  EXPECT_TRUE(check([](const Tensor& a) { return norm(a, 3, {0}, true); }));
  EXPECT_TRUE(check([](const Tensor& a) { return norm(a, 1.5, {-1}); }));
}

TEST(ReduceGrad, NormAtZeroIsZero) {
  Tensor x = leaf(zeros({3}, kFloat64));
  norm(x).backward();
  EXPECT_EQ(values_of(x.grad()), (std::vector<double>{0, 0, 0}));
}

TEST(ReduceGrad, Topk) {
  Tensor x = leaf(uniform({3, 5}, -1, 1, kFloat64, 4));
  auto check = [&](auto f) { return gradcheck([&](const auto& in) { return f(in[0]); }, {x}); };
  EXPECT_TRUE(check([](const Tensor& a) { return topk(a, 2).values; }));
  EXPECT_TRUE(check([](const Tensor& a) { return topk(a, 2, 0, false).values; }));
}

TEST(ReduceGrad, SumTo) {
  Tensor x = leaf(uniform({2, 3, 4}, -1, 1, kFloat64, 5));
  auto check = [&](Shape sizes) {
    return gradcheck([&](const auto& in) { return sum_to(in[0], sizes); }, {x});
  };
  EXPECT_TRUE(check({3, 1}));
  EXPECT_TRUE(check({1, 3, 4}));
  EXPECT_TRUE(check({4}));
  EXPECT_TRUE(check({2, 3, 4}));
  EXPECT_TRUE(check({}));
}

TEST(Reduce, SumToValues) {
  Tensor x = arange(24, kFloat64).reshape({2, 3, 4});
  EXPECT_TRUE(sum_to(x, {2, 3, 4}).is_same(x));
  EXPECT_TRUE(all_close(sum_to(x, {3, 1}), sum(sum(x, {0}), {1}, true)));
  EXPECT_TRUE(all_close(sum_to(x, {4}), sum(x, {0, 1})));
  EXPECT_EQ(sum_to(x, {}).item(), 276);
  EXPECT_EMBER_ERROR(sum_to(x, {2, 4}), "sum_to: cannot sum");
  EXPECT_EMBER_ERROR(sum_to(x, {1, 2, 3, 4}), "sum_to: cannot sum");
}

}  // namespace
}  // namespace ember
