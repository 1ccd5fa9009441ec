// The seeds' SkipGramDataset and CBOWDataset (seed 000, "Practical Word Embeddings with PyTorch":
// prepare_data, get_negative_samples, __getitem__), streaming the corpus once, holding ids:
// - skip-gram: (center, context) pairs from a dynamic window (uniform in 1..window per
//   center, as word2vec), optional word2vec subsampling, K negatives per pair drawn from
//   unigram^0.75 by an alias table, redrawn when equal to the positive word (as the seed);
// - CBOW: the 2C words around each center with a full window (the seed's fixed context).
// Words outside the vocabulary are dropped before windows are taken (they take no place).
// Negatives of example i depend on (seed, epoch, i) only (a Philox counter), so batches are
// the same whatever the order, the batch size or the number of DataLoader workers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ember/data/dataset.h>
#include <ember/data/sampling.h>
#include <ember/data/vocab.h>
#include <ember/tensor/generator.h>

namespace ember::data {

struct SkipGramOptions {
  int64_t window = 5;     // the seed's window_size: the largest distance to a context word
  int64_t negatives = 5;  // K, the seed's negative_samples
  double sample = 0.0;    // word2vec subsampling threshold (1e-3, 1e-4); 0 keeps every token
  double power = 0.75;    // negatives ~ count^power
  uint64_t seed = 0;      // windows, subsampling and negatives
};

class SkipGramDataset : public Dataset {
 public:
  // One pass over a corpus file (plain or gzip), a line a sentence.
  SkipGramDataset(const std::string& corpus_path, const Vocabulary& vocab,
                  const SkipGramOptions& options = {});
  // From sentences already as vocabulary ids (the seed's corpus of token lists).
  SkipGramDataset(const std::vector<std::vector<int64_t>>& sentences, const Vocabulary& vocab,
                  const SkipGramOptions& options = {});

  int64_t size() const override { return int64_t(centers_.size()); }
  // center [], positive [], negatives [K]: int64 ids.
  Batch get(int64_t index) const override;
  // center [B], positive [B], negatives [B, K].
  Batch get_batch(const std::vector<int64_t>& indices) const override;

  int64_t center(int64_t index) const { return centers_[size_t(index)]; }
  int64_t context(int64_t index) const { return contexts_[size_t(index)]; }
  const AliasTable& negative_table() const { return negative_table_; }

 private:
  void init(const Vocabulary& vocab);
  void add_sentence(std::vector<int32_t>& ids, Generator& gen);
  // Writes the K negatives of example `index` (none equal to its positive word) to out.
  void draw_negatives(int64_t index, int64_t* out) const;

  SkipGramOptions options_;
  std::vector<uint32_t> keep_;  // subsampling thresholds per id
  AliasTable negative_table_;
  std::vector<int32_t> centers_, contexts_;  // pair i is (centers_[i], contexts_[i])
};

struct CBOWOptions {
  int64_t context_size = 2;  // C: the seed's context_size, C words on each side
  int64_t negatives = 0;     // K > 0 adds a "negatives" field (CBOW with negative sampling)
  double power = 0.75;
  uint64_t seed = 0;
};

class CBOWDataset : public Dataset {
 public:
  CBOWDataset(const std::string& corpus_path, const Vocabulary& vocab,
              const CBOWOptions& options = {});
  CBOWDataset(const std::vector<std::vector<int64_t>>& sentences, const Vocabulary& vocab,
              const CBOWOptions& options = {});

  int64_t size() const override { return int64_t(centers_.size()); }
  // context [2C] (the C words before the target, then the C after), target [],
  // and negatives [K] when K > 0 (never the target).
  Batch get(int64_t index) const override;
  // context [B, 2C], target [B], negatives [B, K].
  Batch get_batch(const std::vector<int64_t>& indices) const override;

 private:
  void init(const Vocabulary& vocab);
  void add_sentence(const std::vector<int32_t>& ids);
  void fill(int64_t index, int64_t* context, int64_t* target, int64_t* negatives) const;

  CBOWOptions options_;
  AliasTable negative_table_;
  std::vector<int32_t> tokens_;   // every sentence's ids, one after another
  std::vector<int64_t> centers_;  // example i's target is tokens_[centers_[i]]
};

}  // namespace ember::data
