#include <algorithm>
#include <cmath>

#include <ember/data/sampling.h>
#include <ember/tensor/error.h>

namespace ember::data {

namespace {
constexpr double kTwo32 = 4294967296.0;
}

// Vose, "A linear algorithm for generating random numbers with a given distribution" (1991):
// scale the weights so they average 1, then repeatedly fill a column below 1 ("small") with
// the excess of one at or above 1 ("large"). Each column ends as (its own share, one alias).
AliasTable::AliasTable(const std::vector<double>& weights) {
  size_t n = weights.size();
  EMBER_CHECK(n > 0, "AliasTable: no weights");
  EMBER_CHECK(n <= size_t(UINT32_MAX), "AliasTable: ", n, " weights, more than 2^32 - 1");
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    EMBER_CHECK(std::isfinite(weights[i]) && weights[i] >= 0.0, "AliasTable: weight ", i, " is ",
                weights[i], " (must be finite and >= 0)");
    sum += weights[i];
  }
  EMBER_CHECK(sum > 0.0, "AliasTable: all ", n, " weights are zero");

  std::vector<double> scaled(n);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * double(n) / sum;
    (scaled[i] < 1.0 ? small : large).push_back(uint32_t(i));
  }
  entries_.resize(n);
  while (!small.empty() && !large.empty()) {
    uint32_t below = small.back();
    small.pop_back();
    uint32_t above = large.back();
    large.pop_back();
    double share = std::ldexp(scaled[below], 32);
    entries_[below] = {uint32_t(std::min(share, kTwo32 - 1.0)), above};
    scaled[above] = (scaled[above] + scaled[below]) - 1.0;
    (scaled[above] < 1.0 ? small : large).push_back(above);
  }
  // What is left is 1 up to rounding: a full column, its own alias.
  for (uint32_t i : large) entries_[i] = {UINT32_MAX, i};
  for (uint32_t i : small) entries_[i] = {UINT32_MAX, i};
}

AliasTable AliasTable::from_counts(const std::vector<int64_t>& counts, double power) {
  std::vector<double> weights(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    EMBER_CHECK(counts[i] >= 0, "AliasTable::from_counts: count ", i, " is negative (", counts[i],
                ")");
    weights[i] = std::pow(double(counts[i]), power);
  }
  return AliasTable(weights);
}

double AliasTable::probability(int64_t i) const {
  EMBER_CHECK(i >= 0 && i < size(), "AliasTable::probability: ", i, " out of range for ", size(),
              " entries");
  double p = 0.0;
  for (size_t c = 0; c < entries_.size(); ++c) {
    double keep = entries_[c].threshold / kTwo32;
    if (int64_t(c) == i) p += keep;
    if (int64_t(entries_[c].alias) == i) p += 1.0 - keep;
  }
  return p / double(entries_.size());
}

double keep_probability(int64_t count, int64_t total, double sample) {
  EMBER_CHECK(count >= 0 && total >= 0, "keep_probability: negative count ", count, " or total ",
              total);
  if (sample <= 0.0 || count == 0) return 1.0;
  EMBER_CHECK(total > 0, "keep_probability: total is 0 for a word of count ", count);
  // word2vec.c: ran = (sqrt(cn / (sample * train_words)) + 1) * (sample * train_words) / cn
  double threshold = sample * double(total);
  double p = (std::sqrt(double(count) / threshold) + 1.0) * threshold / double(count);
  return std::min(p, 1.0);
}

std::vector<uint32_t> keep_thresholds(const std::vector<int64_t>& counts, int64_t total,
                                      double sample) {
  std::vector<uint32_t> thresholds(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    double p = keep_probability(counts[i], total, sample);
    // P(random <= t) = (t + 1) / 2^32 = p.
    double t = std::ceil(std::ldexp(p, 32)) - 1.0;
    thresholds[i] = p >= 1.0 ? UINT32_MAX : uint32_t(std::max(0.0, std::min(t, kTwo32 - 1.0)));
  }
  return thresholds;
}

}  // namespace ember::data
