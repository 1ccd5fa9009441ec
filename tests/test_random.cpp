// The Philox generator: same seed, same numbers, whatever the thread count; sane statistics.
#include <algorithm>
#include <numeric>

#include "testing.h"

namespace ember {
namespace {

TEST(Random, PhiloxKnownAnswer) {
  // Random123's known-answer test for Philox4x32-10 with zero counter and key.
  auto w = philox4x32(0, 0, 0);
  EXPECT_EQ(w[0], 0x6627e8d5u);
  EXPECT_EQ(w[1], 0xe169c58du);
  EXPECT_EQ(w[2], 0xbc57ac4cu);
  EXPECT_EQ(w[3], 0x9b00dbd8u);
}

TEST(Random, SameSeedSameNumbers) {
  Generator a(42), b(42), c(43);
  std::vector<float> x = randn({1000}, &a).to_vector<float>();
  std::vector<float> y = randn({1000}, &b).to_vector<float>();
  std::vector<float> z = randn({1000}, &c).to_vector<float>();
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  EXPECT_NE(randn({1000}, &a).to_vector<float>(), x);  // the offset moved on
}

TEST(Random, IndependentOfThreadCount) {
  set_num_threads(1);
  Generator a(7);
  std::vector<double> one = rand({100000}, &a, kFloat64).to_vector<double>();
  set_num_threads(2);
  Generator b(7);
  std::vector<double> two = rand({100000}, &b, kFloat64).to_vector<double>();
  set_num_threads(0);
  EXPECT_EQ(one, two);
}

TEST(Random, Statistics) {
  Generator g(1);
  std::vector<float> n = randn({200000}, &g).to_vector<float>();
  double mean = 0, var = 0;
  for (float v : n) mean += v;
  mean /= n.size();
  for (float v : n) var += (v - mean) * (v - mean);
  var /= n.size();
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(var, 1.0, 0.02);
  std::vector<float> u = rand({100000}, &g).to_vector<float>();
  for (float v : u) ASSERT_TRUE(v >= 0.f && v < 1.f);
  std::vector<int64_t> r = randint(3, 7, {10000}, &g).to_vector<int64_t>();
  std::vector<int> counts(4);
  for (int64_t v : r) {
    ASSERT_TRUE(v >= 3 && v < 7);
    ++counts[v - 3];
  }
  for (int c : counts) EXPECT_NEAR(c, 2500, 200);
}

TEST(Random, PermutationBernoulliMultinomial) {
  Generator g(3);
  std::vector<int64_t> p = randperm(100, &g).to_vector<int64_t>();
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_NE(p, sorted);

  std::vector<double> b = bernoulli(full({10000}, 0.3, kFloat64), &g).to_vector<double>();
  double ones = std::accumulate(b.begin(), b.end(), 0.0);
  EXPECT_NEAR(ones / 10000, 0.3, 0.02);

  Tensor w = tensor({0.f, 1.f, 3.f});
  std::vector<int64_t> draws = multinomial(w, 4000, true, &g).to_vector<int64_t>();
  int64_t twos = std::count(draws.begin(), draws.end(), 2);
  EXPECT_EQ(std::count(draws.begin(), draws.end(), 0), 0);
  EXPECT_NEAR(double(twos) / 4000, 0.75, 0.03);
  std::vector<int64_t> without = multinomial(w, 2, false, &g).to_vector<int64_t>();
  std::sort(without.begin(), without.end());
  EXPECT_EQ(without, (std::vector<int64_t>{1, 2}));
  EXPECT_EMBER_ERROR(multinomial(w, 3, false, &g), "only 2 categories with positive weight");
  EXPECT_EMBER_ERROR(bernoulli(tensor({1.5f}), &g), "probability 1.5 at position 0");
}

// One probability for every element (dropout's mask): the numbers of a tensor of it, the
// generator advanced alike.
TEST(Random, BernoulliOfOneProbabilityDrawsAsATensorOfIt) {
  for (DType dtype : {kFloat32, kFloat64})
    for (double p : {0.0, 0.3, 0.9, 1.0}) {
      Generator a(11), b(11);
      Tensor of_tensor = bernoulli(full({7, 1001}, p, dtype), &a);
      Tensor of_scalar = bernoulli({7, 1001}, p, dtype, &b);
      EXPECT_EQ(of_scalar.dtype(), dtype);
      EXPECT_EQ(of_scalar.sizes(), (Shape{7, 1001}));
      EXPECT_EQ(of_scalar.to(kFloat64).to_vector<double>(),
                of_tensor.to(kFloat64).to_vector<double>())
          << "p " << p << " " << dtype_name(dtype);
      EXPECT_EQ(a.offset(), b.offset());
    }
  Generator g(12);
  EXPECT_EMBER_ERROR(bernoulli({3}, 1.5, kFloat32, &g),
                     "bernoulli: probability 1.5 is outside [0, 1]");
  EXPECT_EMBER_ERROR(bernoulli({3}, 0.5, kInt64, &g), "expected a floating dtype");
}

}  // namespace
}  // namespace ember
