// AliasTable (encoded probabilities, draw frequencies against a chi-square bound) and
// word2vec subsampling (the formula against hand-computed values, integer thresholds).
#include <cmath>
#include <vector>

#include <ember/data/sampling.h>
#include <ember/tensor/generator.h>

#include "testing.h"

namespace {

using ember::data::AliasTable;

TEST(AliasTable, EncodesTheGivenProbabilities) {
  std::vector<double> weights = {5, 0, 1, 3, 0.5, 10, 0.25, 2};
  double sum = 0;
  for (double w : weights) sum += w;
  AliasTable table(weights);
  ASSERT_EQ(table.size(), 8);
  for (size_t i = 0; i < weights.size(); ++i)
    EXPECT_NEAR(table.probability(int64_t(i)), weights[i] / sum, 1e-9) << "entry " << i;
}

// Draws 1e6 times and compares the counts with the expected ones: Pearson's chi-square with
// V - 1 degrees of freedom must stay below a bound it exceeds with probability ~1e-6.
void expect_frequencies(const AliasTable& table, const std::vector<double>& p, bool wide) {
  const int64_t draws = 1000000;
  std::vector<int64_t> counts(p.size(), 0);
  ember::Generator gen(1234);
  for (int64_t k = 0; k < draws; ++k)
    ++counts[wide ? table.draw(gen.next_u64()) : table.draw(gen.next_u32())];
  double chi2 = 0;
  int64_t dof = -1;
  for (size_t i = 0; i < p.size(); ++i) {
    double expected = p[i] * draws;
    if (expected == 0) {
      EXPECT_EQ(counts[i], 0) << "entry " << i << " has probability 0";
      continue;
    }
    chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
    ++dof;
  }
  // Wilson-Hilferty: the chi-square quantile at z = 4.75 (one-sided p ~ 1e-6).
  double z = 4.75, k = double(dof);
  double bound = k * std::pow(1 - 2 / (9 * k) + z * std::sqrt(2 / (9 * k)), 3);
  EXPECT_LT(chi2, bound) << "chi-square " << chi2 << " with " << dof << " degrees of freedom";
}

TEST(AliasTable, DrawFrequenciesMatchUnigramPower) {
  // A Zipf-like vocabulary of 1000 words, weights count^0.75 as word2vec.
  std::vector<int64_t> counts(1000);
  for (size_t i = 0; i < counts.size(); ++i) counts[i] = int64_t(100000 / (i + 1));
  counts[7] = 0;
  AliasTable table = AliasTable::from_counts(counts);
  std::vector<double> p(counts.size());
  double sum = 0;
  for (size_t i = 0; i < counts.size(); ++i) sum += p[i] = std::pow(double(counts[i]), 0.75);
  for (double& x : p) x /= sum;
  expect_frequencies(table, p, /*wide=*/true);
  expect_frequencies(table, p, /*wide=*/false);
}

TEST(AliasTable, SingleEntryAndBadWeights) {
  AliasTable one(std::vector<double>{3.0});
  EXPECT_EQ(one.draw(uint64_t(0xFFFFFFFFFFFFFFFFull)), 0u);
  EXPECT_EQ(one.draw(uint32_t(12345)), 0u);
  EXPECT_EMBER_ERROR(AliasTable(std::vector<double>{1, -1}), "weight 1 is -1");
  EXPECT_EMBER_ERROR(AliasTable(std::vector<double>{0, 0}), "all 2 weights are zero");
  EXPECT_EMBER_ERROR(AliasTable(std::vector<double>{}), "no weights");
}

TEST(AliasTable, IsDeterministic) {
  std::vector<int64_t> counts = {50, 20, 20, 5, 5, 1};
  AliasTable a = AliasTable::from_counts(counts), b = AliasTable::from_counts(counts);
  for (uint64_t r = 0; r < 100000; r += 7) {
    uint64_t x = r * 0x9E3779B97F4A7C15ull;
    ASSERT_EQ(a.draw(x), b.draw(x));
  }
}

TEST(Subsampling, MatchesWord2vecFormula) {
  using ember::data::keep_probability;
  // total 1e6 tokens, sample 1e-3: threshold sample * total = 1000.
  // count 100000: (sqrt(100000 / 1000) + 1) * 1000 / 100000 = (10 + 1) / 100 = 0.11
  EXPECT_NEAR(keep_probability(100000, 1000000, 1e-3), 0.11, 1e-12);
  // count 4000: (sqrt(4) + 1) * 1000 / 4000 = 0.75
  EXPECT_NEAR(keep_probability(4000, 1000000, 1e-3), 0.75, 1e-12);
  // count 250000, sample 1e-4 (threshold 100): (sqrt(2500) + 1) * 100 / 250000 = 0.0204
  EXPECT_NEAR(keep_probability(250000, 1000000, 1e-4), 0.0204, 1e-12);
  // Rare words are always kept (the formula exceeds 1 and is clamped).
  EXPECT_EQ(keep_probability(1000, 1000000, 1e-3), 1.0);
  EXPECT_EQ(keep_probability(10, 1000000, 1e-3), 1.0);
  EXPECT_EQ(keep_probability(500000, 1000000, 0.0), 1.0);  // sample 0: off
  EXPECT_EQ(keep_probability(0, 1000000, 1e-3), 1.0);      // special tokens
}

TEST(Subsampling, ThresholdsCompareAsIntegers) {
  std::vector<int64_t> counts = {100000, 4000, 10, 0};
  std::vector<uint32_t> t = ember::data::keep_thresholds(counts, 1000000, 1e-3);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[2], 0xFFFFFFFFu);
  EXPECT_EQ(t[3], 0xFFFFFFFFu);
  // random <= t[i] holds for (t[i] + 1) of 2^32 values: the keep probability.
  EXPECT_NEAR((double(t[0]) + 1) / 4294967296.0, 0.11, 1e-9);
  EXPECT_EQ(t[1], 0xBFFFFFFFu);  // 0.75 * 2^32 - 1
  // Kept fraction over many draws.
  ember::Generator gen(7);
  int64_t kept = 0, draws = 200000;
  for (int64_t k = 0; k < draws; ++k) kept += gen.next_u32() <= t[0];
  EXPECT_NEAR(double(kept) / draws, 0.11, 0.005);
}

}  // namespace
