// Sampling for word2vec-style training: the alias table that draws negatives from
// unigram^0.75 in O(1) with O(V) memory (instead of word2vec's 1e8-entry table), and the
// frequent-word subsampling of word2vec/fastText as probabilities and integer thresholds.
#pragma once

#include <cstdint>
#include <vector>

namespace ember::data {

// Vose's alias method. Column i of V is kept with probability threshold/2^32, otherwise its
// alias is taken: one random column, one comparison, one 8-byte table entry per draw.
// Draws take random bits from the caller's generator so a trainer can use its own fast one.
class AliasTable {
 public:
  AliasTable() = default;
  // weights [V], non-negative, not all zero. P(i) = weights[i] / sum(weights).
  explicit AliasTable(const std::vector<double>& weights);
  // P(i) proportional to counts[i]^power (word2vec's unigram^0.75 for negatives).
  static AliasTable from_counts(const std::vector<int64_t>& counts, double power = 0.75);

  int64_t size() const { return int64_t(entries_.size()); }

  // One draw from 64 random bits: the high 32 pick the column, the low 32 the coin.
  uint32_t draw(uint64_t random) const {
    uint32_t column = uint32_t(((random >> 32) * entries_.size()) >> 32);
    const Entry& e = entries_[column];
    return uint32_t(random) < e.threshold ? column : e.alias;
  }
  // One draw from 32 random bits: the column is the high part of random * V and the coin its
  // low 32 bits, so the coin has 32 - log2(V) bits of resolution; prefer the 64-bit draw.
  uint32_t draw(uint32_t random) const {
    uint64_t product = uint64_t(random) * entries_.size();
    uint32_t column = uint32_t(product >> 32);
    const Entry& e = entries_[column];
    return uint32_t(product) < e.threshold ? column : e.alias;
  }

  // The entries as 64-bit words, threshold | uint64(alias) << 32, for the CUDA trainer's
  // copy of the table (cuda/word2vec.cu draws exactly as draw(uint64_t) does).
  std::vector<uint64_t> packed() const {
    std::vector<uint64_t> words(entries_.size());
    for (size_t i = 0; i < entries_.size(); ++i)
      words[i] = entries_[i].threshold | (uint64_t(entries_[i].alias) << 32);
    return words;
  }

  // The probability of drawing i that the table encodes (the tests check it).
  double probability(int64_t i) const;

 private:
  struct Entry {
    uint32_t threshold;  // keep the column when coin < threshold, else take alias
    uint32_t alias;      // a full column is its own alias
  };
  std::vector<Entry> entries_;
};

// word2vec.c's subsampling (and fastText's, which is the same formula): with f = count /
// total, a token is kept with probability sqrt(sample / f) + sample / f, clamped to 1;
// sample <= 0 or count == 0 keeps everything. total is the token count the trainer counts
// frequencies against (word2vec: the vocabulary's kept tokens; fastText: all tokens read).
double keep_probability(int64_t count, int64_t total, double sample);

// keep_probability for every id as a 32-bit threshold: keep a token when
// random_u32 <= thresholds[id]; a probability of 1 is 0xFFFFFFFF (always kept).
std::vector<uint32_t> keep_thresholds(const std::vector<int64_t>& counts, int64_t total,
                                      double sample);

}  // namespace ember::data
