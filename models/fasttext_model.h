// fastText's skip-gram with subwords (Bojanowski et al. 2017; fastText 0.9.2 `skipgram`) as
// the seed's nn::Module: a word table, an n-gram bucket table and a context table, trained
// like the seed's SkipGram (batches of pairs, the loss summed, SGD; tests/test_fasttext.cpp
// has the loop). Its fused twin is FastTextTrainer (models/fasttext_trainer.h); tests pin one
// to the other.
//
// The arithmetic is fastText's (src/fasttext.cc skipgram, src/model.cc update,
// src/loss.cc NegativeSamplingLoss), not the seed tutorial's where they differ:
// - a word's rows are its own row and its n-gram rows (data::SubwordTable, fastText's
//   getSubwords; the input matrix is [V + bucket, D]); hidden = their MEAN (the seed adds
//   the word row to the mean of the n-grams);
// - for each center word w and each context word u within a window drawn uniformly from
//   1..window, hidden(w) predicts u (label 1) against `negative` words drawn from
//   unigram^0.5, a negative equal to u drawn again (fastText's getNegative);
// - the context words are rows of a separate output table, zero at the start (the seed
//   scores against its word table);
// - every row of the mean receives the hidden vector's WHOLE gradient: Model::update
//   divides it by the number of rows only for supervised models;
// - plain SGD, lr decaying linearly to 0 over all epochs' words; input rows start uniform
//   in [-1/D, 1/D]; subsampling keeps a word with p = sqrt(t/f) + t/f, f its count over
//   all tokens read.
// A word's vector is the mean of its rows (getWordVector); a word outside the vocabulary
// gets the mean of its n-gram rows alone. fastText also counts an end-of-line token "</s>"
// as a word; ember's corpus has no such token, and that is the one difference in the data.
// The sigmoid is computed, where fastText reads it from a 512-entry table.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <ember/data/fasttext_ngrams.h>
#include <ember/data/vocab.h>
#include <ember/nn/embedding.h>
#include <ember/nn/module.h>

namespace ember::models {

class FastTextModel : public nn::Module {
 public:
  // `vocab` must outlive the model. Word and n-gram rows uniform in [-1/D, 1/D] (fastText's
  // input matrix), context rows zero (its output matrix). Sparse gradients when `sparse`.
  FastTextModel(const data::Vocabulary& vocab, int64_t embedding_dim,
                const data::SubwordOptions& subwords = {}, bool sparse = true,
                Generator* gen = nullptr);

  // The n-gram rows of words [B] (bucket indices, 0-based in subword_embeddings) as one flat
  // list [N] with bag offsets [B], ready for hidden().
  std::pair<Tensor, Tensor> ngrams_of(const std::vector<int64_t>& words) const;

  // center [B], ngrams [N] with offsets [B] -> hidden [B, D]: the mean of each center's word
  // row and n-gram rows, whose backward gives each of those rows the whole gradient of
  // hidden (fastText's update): hidden = mean.detach() + (sum - sum.detach()).
  Tensor hidden(const Tensor& center, const Tensor& ngrams, const Tensor& offsets);

  // ... and context [B], negative [B, K] -> positive scores [B], negative scores [B, K]
  std::pair<Tensor, Tensor> forward(const Tensor& center, const Tensor& ngrams,
                                    const Tensor& offsets, const Tensor& context,
                                    const Tensor& negative);
  using nn::Module::forward;  // the one-input form stays visible (clang -Woverloaded-virtual)

  // fastText's getWordVector: the mean of the word's rows; n-gram rows only for a word
  // outside the vocabulary; zeros when it has none. [D]
  Tensor word_vector(std::string_view word) const;
  // word_vector of every vocabulary word: [V, D]
  Tensor word_vectors() const;

  const data::SubwordTable& subwords() const { return subwords_; }

  std::shared_ptr<nn::Embedding> word_embeddings;        // [V, D]
  std::shared_ptr<nn::EmbeddingBag> subword_embeddings;  // [bucket, D], bags summed
  std::shared_ptr<nn::Embedding> context_embeddings;     // [V, D]

 private:
  const data::Vocabulary& vocab_;
  data::SubwordTable subwords_;
};

}  // namespace ember::models
