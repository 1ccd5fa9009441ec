// fastText's skip-gram with subwords (Bojanowski et al. 2017; fastText 0.9.2 `skipgram`), in
// the two forms of ../shared/DESIGN.md:
//   FastTextModel    the seed's model as an nn::Module: a word table, an n-gram bucket
//                    table and a context table; trained like the seed's SkipGram (batches
//                    of pairs, the loss summed, SGD; tests/test_fasttext.cpp has the loop)
//   FastTextTrainer  the fused CPU trainer: Hogwild threads updating the tables in place
// Tests pin one to the other (tests/test_fasttext.cpp).
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
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <ember/data/encoded_corpus.h>
#include <ember/data/fasttext_ngrams.h>
#include <ember/data/vocab.h>
#include <ember/models/word2vec.h>
#include <ember/nn/embedding.h>
#include <ember/nn/module.h>

namespace ember::models {

// ---- the composable model -----------------------------------------------------------------

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

// ---- the fused trainer ----------------------------------------------------------------------

struct FastTextOptions {
  int64_t dim = 100;              // -dim
  int64_t window = 5;             // -ws
  int64_t negative = 5;           // -neg
  int64_t epochs = 5;             // -epoch
  double lr = 0.05;               // -lr
  double sample = 1e-4;           // -t
  data::SubwordOptions subwords;  // -minn 3 -maxn 6 -bucket 2000000
  int64_t threads = 4;
  uint64_t seed = 1;
  // Device(kCUDA): train with the kernel of cuda/fasttext.cu (one warp per sentence,
  // Hogwild, Philox draws counted by corpus position); the tables stay on the GPU during
  // training and come back to input()/output() after every epoch.
  Device device;
};

class FastTextTrainer {
 public:
  // Tables initialised as fastText does (input uniform in [-1/D, 1/D], output zero).
  FastTextTrainer(const data::Vocabulary& vocab, const FastTextOptions& options);

  // Trains epochs [first_epoch, options.epochs) over the corpus; `after_epoch(e)` runs after
  // each epoch. Progress reports raw corpus words per second per thread.
  void train(const data::EncodedCorpus& corpus, const ProgressCallback& progress = {},
             int64_t first_epoch = 0, const std::function<void(int64_t)>& after_epoch = {});

  RowTable& input() { return input_; }    // [V + bucket, D]: word rows, then n-gram rows
  RowTable& output() { return output_; }  // [V, D]
  const data::SubwordTable& subwords() const { return subwords_; }
  const FastTextOptions& options() const { return options_; }

  Tensor word_vector(std::string_view word) const;  // [D], as FastTextModel::word_vector
  Tensor word_vectors() const;                      // [V, D]

  // One SGD step, fastText's Model::update: hidden = mean of input rows `rows`, targets[0]
  // the true (context) word, targets[1..] negatives (used as given). Returns the loss.
  float step(const std::vector<int32_t>& rows, const std::vector<int32_t>& targets, float lr);
  // What train() does for one center word: the steps for each of its contexts
  // (targets[c] as in step), with the input rows updated once at the end. Equal to calling
  // step() for each context in turn (the hidden vector moves by the same amount; see
  // fasttext.cpp). Returns the summed loss.
  float center_step(const std::vector<int32_t>& rows,
                    const std::vector<std::vector<int32_t>>& targets, float lr);

 private:
  void train_cuda(const data::EncodedCorpus& corpus, const std::vector<uint32_t>& keep,
                  const ProgressCallback& progress, int64_t first_epoch,
                  const std::function<void(int64_t)>& after_epoch);

  const data::Vocabulary& vocab_;
  FastTextOptions options_;
  data::SubwordTable subwords_;
  std::vector<float> gain_;  // [V]: how far hidden moves per unit of gradient (1 without repeats)
  RowTable input_, output_;
};

}  // namespace ember::models
