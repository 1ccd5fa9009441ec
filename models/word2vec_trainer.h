// Fused word2vec trainers (skip-gram and CBOW with negative sampling): the arithmetic of the
// composable SkipGramModel / CBOW models (models/word2vec_model.h), done the way word2vec.c
// and fastText do it — Hogwild threads updating two tables in place, SGD steps on small
// minibatches, SIMD loops over raw rows, no allocation in the hot loop. The threads run the
// sentence loop of models/internal/sentence_loop.h with this trainer's step
// (models/internal/word2vec_steps.h); on a GPU, cuda/word2vec.cu runs the pairs' step.
//
// Tables, V words by D dims, rows padded to `stride` floats (a multiple of 16, 64-byte
// aligned, so the inner loops have no tails):
//   input  [V, stride]  word2vec's syn0: the word vectors that get written out
//   output [V, stride]  word2vec's syn1neg: the vectors of words as prediction targets
// Skip-gram: for each kept center word w and each context word u within a window drawn
// uniformly from 1..window, input[u] learns to predict w (label 1) against `negative`
// words drawn from unigram^0.75 (label 0) — word2vec.c's and gensim's sg pairing. By default
// a window's context words share their negatives and train as one minibatch (`minibatch`).
// CBOW: h = mean of the context rows input[u] predicts w against negatives; the gradient
// for h is added to every context row (word2vec.c, gensim cbow_mean=1).
// Learning rate decays linearly from lr to lr * min_lr_ratio (0.2) over all epochs' words;
// input rows start uniform in [-1/dim, 1/dim) as in gensim 4 and fastText (word2vec.c
// uses half that range), output rows at zero.
//
// Reproducibility: with threads = 1 the same seed gives bit-identical tables, with either
// SentenceDraws. With more threads, updates race on shared rows (Hogwild, as in
// word2vec/fastText/gensim): results differ run to run in the last bits, and quality does
// not. So do the GPU's, but for a corpus of one sentence.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ember/data/encoded_corpus.h>
#include <ember/data/encoded_corpus_file.h>
#include <ember/data/sentence_chunks.h>
#include <ember/data/vocab.h>
#include <ember/models/distributed.h>
#include <ember/models/row_table.h>
#include <ember/models/sentence_draws.h>
#include <ember/models/train_progress.h>
#include <ember/tensor/tensor.h>

namespace ember::models {

struct Word2VecOptions {
  bool cbow = false;
  int64_t dim = 100;
  int64_t window = 5;
  int64_t negative = 5;
  int64_t epochs = 5;
  double lr = 0.025;  // word2vec: 0.025 skip-gram, 0.05 CBOW
  // The lr falls linearly from lr to lr * min_lr_ratio over all epochs' words. word2vec C
  // ends at 1e-4; gensim's corpus_file mode, the peer of bench/compare_train.sh, ends each
  // worker's epoch only 1/workers of an epoch further down (its progress counts one
  // worker's sentences against the whole corpus's): with 2 workers it ends at 0.1 and its
  // mean lr is 0.55 lr. Ending at 0.2 (mean 0.6 lr) trains better vectors than ending at
  // 1e-4 (bench/RESULTS.md has the measurements).
  double min_lr_ratio = 0.2;
  double sample = 1e-3;
  int64_t threads = 4;
  uint64_t seed = 1;
  SentenceDraws draws = SentenceDraws::kLcg;  // the CPU loop's random numbers
  // Skip-gram's CPU update. true: each window is one minibatch, its context words against the
  // centre word and K negatives drawn once for the window, one SGD step of small dense
  // products (Intel's pWord2Vec; ~2.5x the pairs' words/s at equal quality, bench/RESULTS.md).
  // false: word2vec.c's update, one (context, centre) pair at a time with negatives of its
  // own. CBOW's window is a minibatch either way on the CPU; true also lets
  // cbow_centres_per_draw consecutive centres share one draw of negatives. On a GPU, true
  // runs the minibatch kernel (cuda/word2vec_window.cu: the CPU window steps' arithmetic,
  // skip-gram and CBOW, one launch an epoch) and false the pair kernel (word2vec.c's order,
  // CBOW's targets updated one after the other).
  bool minibatch = true;
  // CBOW with minibatch: this many consecutive centres of a sentence (those with context)
  // train, one after the other, against the same K negatives, drawn for the first of them.
  // Fewer random output rows to fetch: 2 trains 1.2x the words/s of 1 (word2vec's, a draw
  // each) at dims 100 and 300, within 0.01 analogy of 1 and of gensim; 4 costs 0.03 analogy
  // (bench/RESULTS.md). In [1, 16].
  int64_t cbow_centres_per_draw = 2;
  // How many consecutive centres share a draw of negatives in this run: the above for CBOW
  // with minibatch, else 1.
  int64_t centres_per_draw() const { return cbow && minibatch ? cbow_centres_per_draw : 1; }
  // Device(kCUDA): train with the CUDA kernels (cuda/word2vec_window.cu or cuda/word2vec.cu,
  // as `minibatch` says; one warp per sentence, Hogwild, Philox draws counted by corpus
  // position); the tables stay on the GPU during training and come back to input()/output()
  // after every epoch.
  Device device;
  // Training with other processes (models/distributed.h): this rank's shard of the corpus,
  // the tables synced with theirs (on a GPU, between kernel launches:
  // models/internal/tensor_sync.h).
  Distributed distributed;
  // A corpus on disk (train(const data::EncodedCorpusFile&)): the bytes of the buffers its
  // sentences are read through, all threads' together (a thread's share must hold the longest
  // sentence: 40 KB at most).
  int64_t corpus_budget = int64_t(64) << 20;
};

class Word2VecTrainer {
 public:
  // Tables are initialised word2vec's way (input uniform, output zero).
  Word2VecTrainer(const data::Vocabulary& vocab, const Word2VecOptions& options);

  // Trains epochs [first_epoch, options.epochs) over the corpus; `after_epoch(e)` runs
  // after each epoch (the CLI writes its checkpoint there).
  void train(const data::EncodedCorpus& corpus, const ProgressCallback& progress = {},
             int64_t first_epoch = 0, const std::function<void(int64_t)>& after_epoch = {});
  // The same over a corpus on disk, larger than memory, read through options().corpus_budget
  // bytes of buffers: the same tables to the bit. The CPU trainer only.
  void train(const data::EncodedCorpusFile& corpus, const ProgressCallback& progress = {},
             int64_t first_epoch = 0, const std::function<void(int64_t)>& after_epoch = {});

  RowTable& input() { return input_; }
  const RowTable& input() const { return input_; }
  RowTable& output() { return output_; }
  const RowTable& output() const { return output_; }
  const Word2VecOptions& options() const { return options_; }

  // One SGD step on one example, exactly the update the training loop makes: `inputs`
  // are the input rows (one for skip-gram, the context for CBOW), targets[0] the true
  // word, targets[1..] negatives. Returns the example's loss. For the tests that pin the
  // fused path to the composable models.
  float step(const std::vector<int32_t>& inputs, const std::vector<int32_t>& targets, float lr);

 private:
  void train_cpu(const data::SentenceSource& corpus, const ProgressCallback& progress,
                 int64_t first_epoch, const std::function<void(int64_t)>& after_epoch);
  void train_cuda(const data::EncodedCorpus& corpus, const ProgressCallback& progress,
                  int64_t first_epoch, const std::function<void(int64_t)>& after_epoch);

  const data::Vocabulary& vocab_;
  Word2VecOptions options_;
  RowTable input_, output_;
};

}  // namespace ember::models
