#include <ember/models/word2vec_trainer.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <ember/config.h>
#include <ember/data/sampling.h>
#include <ember/models/internal/device_tables.h>
#include <ember/models/internal/hogwild.h>
#include <ember/models/internal/row_loops.h>
#include <ember/models/internal/sentence_loop.h>
#include <ember/tensor/error.h>
#include <ember/tensor/generator.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/runtime.h>
#include <ember/cuda/word2vec.h>
#endif

namespace ember::models {

namespace {

using row_loops::axpy;
using row_loops::predict;
using sentence_loop::Loss;

// What a worker thread reads; the tables are updated by all of them at once (Hogwild).
using Worker = sentence_loop::SentenceWorker<Word2VecOptions>;

// word2vec's step for one centre word w of a sentence, with scratch rows [S] of its own.
// Skip-gram: each context row input[u] predicts w against K negatives (one draw per context);
// CBOW: the mean of the context rows predicts w, and its gradient goes to every context row.
struct Word2VecStep {
  static constexpr int64_t kLossEvery = 16;

  Word2VecStep(const Worker& w)
      : input(w.input),
        output(w.output),
        S(w.S),
        K(w.options->negative),
        cbow(w.options->cbow),
        lr0(w.options->lr),
        lr_drop(w.options->lr * (1.0 - w.options->min_lr_ratio)),
        total_words(w.total_words),
        targets(size_t(K + 1)),
        context(size_t(2 * w.options->window)),
        scratch(static_cast<float*>(std::aligned_alloc(64, size_t(2 * S) * sizeof(float)))) {}
  ~Word2VecStep() { std::free(scratch); }
  Word2VecStep(const Word2VecStep&) = delete;
  Word2VecStep& operator=(const Word2VecStep&) = delete;

  // Linear from lr0 down to lr0 - lr_drop over all epochs' words.
  float lr_at(int64_t done) const {
    return float(lr0 - lr_drop * std::min(1.0, double(done) / double(total_words + 1)));
  }

  template <typename Draws>
  EMBER_ALWAYS_INLINE Loss operator()(const int32_t* sentence, int64_t i, int64_t lo, int64_t hi,
                                      int64_t slot, float lr, bool want_loss, Draws& draws) {
    float* __restrict grad = scratch;
    float* __restrict hidden = scratch + S;
    targets[0] = sentence[i];
    Loss loss;
    if (cbow) {
      int64_t c = 0;
      for (int64_t j = lo; j < hi; ++j)
        if (j != i) context[size_t(c++)] = sentence[j];
      std::memset(hidden, 0, size_t(S) * sizeof(float));
      for (int64_t k = 0; k < c; ++k)
        axpy(1.0f, input + int64_t(context[size_t(k)]) * S, hidden, S);
      const float inv = 1.0f / float(c);
      for (int64_t j = 0; j < S; ++j) hidden[j] *= inv;
      draws.draw_negatives(slot, 0, K, -1, targets.data() + 1);
      std::memset(grad, 0, size_t(S) * sizeof(float));
      loss.sum = predict(hidden, output, S, targets.data(), K + 1, lr, grad, want_loss);
      loss.count = 1;
      for (int64_t k = 0; k < c; ++k) axpy(1.0f, grad, input + int64_t(context[size_t(k)]) * S, S);
      return loss;
    }
    for (int64_t j = lo; j < hi; ++j) {
      if (j == i) continue;
      float* row = input + int64_t(sentence[j]) * S;
      draws.draw_negatives(slot, j - lo, K, -1, targets.data() + 1);
      std::memset(grad, 0, size_t(S) * sizeof(float));
      loss.sum += predict(row, output, S, targets.data(), K + 1, lr, grad, want_loss);
      ++loss.count;
      axpy(1.0f, grad, row, S);
    }
    return loss;
  }

  float* input;
  float* output;
  int64_t S, K;
  bool cbow;
  double lr0, lr_drop;
  int64_t total_words;
  std::vector<int32_t> targets;  // [1 + K]: the centre word, then its negatives
  std::vector<int32_t> context;  // [2 window]
  float* scratch;                // [2 S], 64-byte aligned: grad, hidden
};

}  // namespace

// ---- Word2VecTrainer ------------------------------------------------------------------

Word2VecTrainer::Word2VecTrainer(const data::Vocabulary& vocab, const Word2VecOptions& options)
    : vocab_(vocab), options_(options) {
  const Word2VecOptions& o = options;
  hogwild::check_corpus_options("word2vec", vocab.size(), o.dim, o.window, o.negative, o.epochs,
                                o.lr, o.sample, o.threads);
  input_ = RowTable(vocab.size(), o.dim);
  output_ = RowTable(vocab.size(), o.dim);
  input_.init_uniform(o.seed);
}

float Word2VecTrainer::step(const std::vector<int32_t>& inputs, const std::vector<int32_t>& targets,
                            float lr) {
  const int64_t S = input_.stride();
  for (int32_t id : inputs)
    EMBER_CHECK(id >= 0 && id < input_.rows(), "word2vec step: input id ", id, " out of range for ",
                input_.rows(), " rows");
  for (int32_t id : targets)
    EMBER_CHECK(id >= 0 && id < output_.rows(), "word2vec step: target id ", id,
                " out of range for ", output_.rows(), " rows");
  EMBER_CHECK(!inputs.empty() && !targets.empty(), "word2vec step: empty inputs or targets");
  std::vector<float> hidden(size_t(S), 0.0f), grad(size_t(S), 0.0f);
  for (int32_t id : inputs) axpy(1.0f, input_.row(id), hidden.data(), S);
  for (float& v : hidden) v /= float(inputs.size());
  float loss = predict(hidden.data(), output_.data(), S, targets.data(), int64_t(targets.size()),
                       lr, grad.data(), true);
  for (int32_t id : inputs) axpy(1.0f, grad.data(), input_.row(id), S);
  return loss;
}

void Word2VecTrainer::train(const data::EncodedCorpus& corpus, const ProgressCallback& progress,
                            int64_t first_epoch, const std::function<void(int64_t)>& after_epoch) {
  const Word2VecOptions& o = options_;
  hogwild::check_corpus_ids("word2vec", corpus, vocab_.size());
  if (o.device.is_cuda()) return train_cuda(corpus, progress, first_epoch, after_epoch);
  const sentence_loop::DrawTables draws(data::AliasTable::from_counts(vocab_.counts(), 0.75),
                                        /*window_from_top=*/true);
  const std::vector<uint32_t> keep =
      data::keep_thresholds(vocab_.counts(), vocab_.kept_tokens(), o.sample);

  sentence_loop::train<Word2VecStep, Worker>(corpus, o, draws, keep, input_, output_, first_epoch,
                                             progress, after_epoch);
}

// ---- the CUDA path ---------------------------------------------------------------------

void Word2VecTrainer::train_cuda(const data::EncodedCorpus& corpus,
                                 const ProgressCallback& progress, int64_t first_epoch,
                                 const std::function<void(int64_t)>& after_epoch) {
#if EMBER_WITH_CUDA
  using namespace device_tables;
  const Word2VecOptions& o = options_;
  const Device device = o.device;
  cuda::DeviceGuard guard(checked_device("word2vec", device));
  const data::AliasTable negatives = data::AliasTable::from_counts(vocab_.counts(), 0.75);
  const std::vector<uint32_t> keep =
      data::keep_thresholds(vocab_.counts(), vocab_.kept_tokens(), o.sample);

  cuda::Word2VecLaunch l{};
  l.cbow = o.cbow;
  l.lr_drop = o.lr * (1.0 - o.min_lr_ratio);
  train_sentences(
      corpus, o, keep, negatives, input_, output_, l, cuda::word2vec_train,
      [&](double fraction) { return o.lr - l.lr_drop * fraction; }, first_epoch, progress,
      after_epoch);
#else
  (void)corpus, (void)progress, (void)first_epoch, (void)after_epoch;
  EMBER_FAIL("word2vec: this ember was built without CUDA (EMBER_CUDA=OFF)");
#endif
}

}  // namespace ember::models
