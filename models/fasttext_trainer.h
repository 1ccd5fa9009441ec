// The fused fastText trainer: fastText 0.9.2's `skipgram` with subwords on Hogwild threads
// (or one CUDA kernel), the arithmetic of FastTextModel (models/fasttext_model.h, which says
// where fastText's arithmetic and the seed's differ) done in place on two RowTables.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include <ember/data/encoded_corpus.h>
#include <ember/data/encoded_corpus_file.h>
#include <ember/data/fasttext_ngrams.h>
#include <ember/data/sentence_chunks.h>
#include <ember/data/vocab.h>
#include <ember/models/distributed.h>
#include <ember/models/row_table.h>
#include <ember/models/sentence_draws.h>
#include <ember/models/train_progress.h>
#include <ember/tensor/tensor.h>

namespace ember::models {

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
  SentenceDraws draws = SentenceDraws::kLcg;  // the CPU loop's random numbers
  // The CPU update. true: each window is one minibatch, as skip-gram's
  // (Word2VecOptions::minibatch): the context words' hidden rows predict the centre word
  // against K negatives shared by the window (2.2x the words/s of false, quality equal or
  // better on en7m, bench/RESULTS.md). false: fastText's order, the centre's hidden row
  // predicting each context word against K negatives of its own. The CUDA kernel trains the
  // latter.
  bool minibatch = true;
  // Device(kCUDA): train with the kernel of cuda/fasttext.cu (one warp per sentence,
  // Hogwild, Philox draws counted by corpus position); the tables stay on the GPU during
  // training and come back to input()/output() after every epoch.
  Device device;
  // Training with other processes (models/distributed.h): this rank's shard of the corpus,
  // the tables (word and n-gram rows, output rows) synced with theirs (on a GPU, between
  // kernel launches: models/internal/tensor_sync.h).
  Distributed distributed;
  // A corpus on disk (train(const data::EncodedCorpusFile&)): Word2VecOptions::corpus_budget.
  int64_t corpus_budget = int64_t(64) << 20;
};

class FastTextTrainer {
 public:
  // Tables initialised as fastText does (input uniform in [-1/D, 1/D], output zero).
  FastTextTrainer(const data::Vocabulary& vocab, const FastTextOptions& options);

  // Trains epochs [first_epoch, options.epochs) over the corpus; `after_epoch(e)` runs after
  // each epoch. Progress reports raw corpus words per second per thread.
  void train(const data::EncodedCorpus& corpus, const ProgressCallback& progress = {},
             int64_t first_epoch = 0, const std::function<void(int64_t)>& after_epoch = {});
  // The same over a corpus on disk, larger than memory, read through options().corpus_budget
  // bytes of buffers: the same tables to the bit. The CPU trainer only.
  void train(const data::EncodedCorpusFile& corpus, const ProgressCallback& progress = {},
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
  // What train() does for one window with `minibatch`: the words of `window` other than
  // window[i] (the context) predict window[i] against `negatives` [K], one SGD step on the
  // summed loss, which it returns; each context word's rows take the whole gradient of its
  // hidden row.
  float window_step(const std::vector<int32_t>& window, int64_t i,
                    const std::vector<int32_t>& negatives, float lr);

 private:
  // The subsampling thresholds for `sentences` sentences (fastText counts a "</s>" each).
  std::vector<uint32_t> keep_thresholds(int64_t sentences) const;
  void train_cpu(const data::SentenceSource& corpus, const ProgressCallback& progress,
                 int64_t first_epoch, const std::function<void(int64_t)>& after_epoch);
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
