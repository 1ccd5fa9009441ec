// What the fused CPU trainers (word2vec, fastText, GloVe) share:
// the inner loops over padded rows, word2vec's fast generator, and the Hogwild runner that
// starts one thread per worker for each epoch and reports progress while they run.
//
// The inner loops take rows padded to a stride S that is a multiple of 16 floats whose
// padding stays zero (models::RowTable), so they run over the whole stride with no tail.
// They are always inline: each trainer compiles its worker body twice, once with
// __attribute__((target("avx2,fma"))) and once generic, and picks one with cpu_has_avx2().
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include <ember/data/encoded_corpus.h>

#include <ember/models/train_progress.h>

namespace ember::models::hogwild {

#define EMBER_HOGWILD_INLINE static inline __attribute__((always_inline))

// sum_j a[j] * b[j] over the stride S
EMBER_HOGWILD_INLINE float dot(const float* __restrict a, const float* __restrict b, int64_t S) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t j = 0; j < S; ++j) sum += a[j] * b[j];
  return sum;
}

// y += alpha * x
EMBER_HOGWILD_INLINE void axpy(float alpha, const float* __restrict x, float* __restrict y,
                               int64_t S) {
#pragma omp simd
  for (int64_t j = 0; j < S; ++j) y[j] += alpha * x[j];
}

// log(1 + exp(x)) without overflow: the loss of a prediction with logit -x.
EMBER_HOGWILD_INLINE float softplus(float x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// One negative-sampling prediction for the hidden vector h [S]: targets[0] the true word
// (label 1), the rest negatives (label 0). For each: logit = h . row, g = lr * (label -
// sigmoid(logit)); grad += g * row, then row += g * h (output rows updated in place, h's
// gradient step accumulated in grad). A negative equal to the true word is skipped when
// skip_true_negatives (word2vec; fastText draws again instead and uses targets as given).
// Returns the summed loss, softplus(-logit) for the true word and softplus(logit) for the
// others, when want_loss, else 0.
EMBER_HOGWILD_INLINE float predict(const float* __restrict h, float* __restrict output, int64_t S,
                                   const int32_t* targets, int64_t T, float lr,
                                   float* __restrict grad, bool want_loss,
                                   bool skip_true_negatives) {
  float loss = 0;
  for (int64_t t = 0; t < T; ++t) {
    if (skip_true_negatives && t > 0 && targets[t] == targets[0]) continue;
    float* row = output + int64_t(targets[t]) * S;
    const float logit = dot(h, row, S);
    const float label = t == 0 ? 1.0f : 0.0f;
    const float g = lr * (label - 1.0f / (1.0f + std::exp(-logit)));
    if (want_loss) loss += softplus(t == 0 ? -logit : logit);
    axpy(g, row, grad, S);
    axpy(g, h, row, S);
  }
  return loss;
}

// word2vec's linear congruential generator: fast, and only its high bits are used.
struct Lcg {
  uint64_t state;
  uint32_t next() {
    state = state * 25214903917ULL + 11;
    return uint32_t(state >> 16);
  }
  uint64_t next64() { return (uint64_t(next()) << 32) | next(); }
};

// The checks every corpus trainer makes of its options; errors start with `trainer`
// ("word2vec: dim must be positive, got 0").
void check_corpus_options(const char* trainer, int64_t vocab_size, int64_t dim, int64_t window,
                          int64_t negative, int64_t epochs, double lr, double sample,
                          int64_t threads);

// True when the CPU runs AVX2 and FMA (checked once).
bool cpu_has_avx2();

// Turns counters into a TrainProgress: `done` units (corpus ids, records) of `total` are
// done, `done_at_start` of them before this run started `elapsed` seconds ago; each unit is
// `words_per_unit` raw corpus words; `loss` and `lr` are the workers' latest.
struct ProgressMeter {
  int64_t done_at_start = 0, total = 0, threads = 1;
  double words_per_unit = 1;
  TrainProgress at(int64_t epoch, int64_t done, double elapsed, double loss, double lr) const;
};

// Runs work(epoch, thread) on `threads` threads for each epoch in [first_epoch, epochs),
// calling progress(snapshot(epoch)) about ten times a second while they run and once at the
// end, and after_epoch(epoch) after each epoch (the CLI writes its checkpoint there).
void run_epochs(int64_t threads, int64_t first_epoch, int64_t epochs,
                const std::function<void(int64_t epoch, int64_t thread)>& work,
                const std::function<TrainProgress(int64_t epoch)>& snapshot,
                const ProgressCallback& progress, const std::function<void(int64_t)>& after_epoch);

// What every worker of a corpus trainer (word2vec, fastText) has: its share of the
// sentences, the counter of corpus ids done by all threads, and what it last reported.
// A trainer's Worker derives from it and adds its tables and options.
struct CorpusWorker {
  const data::EncodedCorpus* corpus = nullptr;
  int64_t begin_sentence = 0, end_sentence = 0;
  std::atomic<int64_t>* words_done = nullptr;  // corpus ids processed by all threads
  int64_t total_words = 0;                     // epochs x corpus ids
  std::atomic<double> recent_loss{0};          // mean loss per prediction, lately
  std::atomic<double> lr{0};                   // the worker's current learning rate
};

// Trains epochs [first_epoch, epochs) with one thread per worker: gives worker t the t-th
// share of the sentences, runs run(worker, epoch, t), and reports progress in raw corpus
// words per second (run_epochs above) with the workers' mean loss and highest lr.
template <typename Worker>
void train_over_corpus(const data::EncodedCorpus& corpus, std::vector<Worker>& workers,
                       int64_t first_epoch, int64_t epochs, double lr,
                       void (*run)(Worker&, int64_t epoch, int64_t thread),
                       const ProgressCallback& progress,
                       const std::function<void(int64_t)>& after_epoch) {
  const int64_t threads = int64_t(workers.size());
  const std::vector<int64_t> bounds = corpus.split(threads);
  std::atomic<int64_t> words_done{first_epoch * corpus.num_ids()};
  const int64_t total_words = epochs * corpus.num_ids();
  for (int64_t t = 0; t < threads; ++t) {
    CorpusWorker& w = workers[size_t(t)];
    w.corpus = &corpus;
    w.begin_sentence = bounds[size_t(t)];
    w.end_sentence = bounds[size_t(t) + 1];
    w.words_done = &words_done;
    w.total_words = total_words;
    w.lr.store(lr);
  }
  const double raw_per_id =
      corpus.num_ids() ? double(corpus.raw_tokens) / double(corpus.num_ids()) : 1.0;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const ProgressMeter meter{words_done.load(), total_words, threads, raw_per_id};
  auto snapshot = [&](int64_t epoch) {
    double loss = 0, highest_lr = 0;
    for (const CorpusWorker& w : workers) {
      loss += w.recent_loss.load(std::memory_order_relaxed);
      highest_lr = std::max(highest_lr, w.lr.load(std::memory_order_relaxed));
    }
    return meter.at(epoch, words_done.load(std::memory_order_relaxed),
                    std::chrono::duration<double>(Clock::now() - start).count(),
                    loss / double(threads), highest_lr);
  };
  run_epochs(
      threads, first_epoch, epochs,
      [&](int64_t epoch, int64_t thread) { run(workers[size_t(thread)], epoch, thread); }, snapshot,
      progress, after_epoch);
}

}  // namespace ember::models::hogwild
