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
#include <ember/tensor/error.h>
#include <ember/tensor/generator.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/runtime.h>
#include <ember/cuda/word2vec.h>
#endif

namespace ember::models {

namespace {

// ---- the inner loops -------------------------------------------------------------------
// Rows are padded to a multiple of 16 floats and the padding stays zero, so every loop
// runs over the whole stride S with no tail; GCC vectorises them (AVX2 in the avx2 build
// of the worker below).

using hogwild::axpy;

// Every prediction skips a negative equal to the true word, as word2vec does.
EMBER_HOGWILD_INLINE float predict(const float* __restrict h, float* __restrict output, int64_t S,
                                   const int32_t* targets, int64_t T, float lr,
                                   float* __restrict grad, bool want_loss) {
  return hogwild::predict(h, output, S, targets, T, lr, grad, want_loss,
                          /*skip_true_negatives=*/true);
}

// What one worker thread reads and writes; the tables are shared by all (Hogwild).
struct Worker : hogwild::CorpusWorker {
  const data::AliasTable* negatives;
  const std::vector<uint32_t>* keep_threshold;  // [V]: keep a word when a random u32 <= it
  float* input;
  float* output;
  int64_t S;
  const Word2VecOptions* options;
  uint64_t seed;
};

// One epoch of one thread over its sentences.
EMBER_HOGWILD_INLINE void run_worker(Worker& w, int64_t epoch, int64_t thread) {
  const Word2VecOptions& o = *w.options;
  const int64_t S = w.S, window = o.window, K = o.negative;
  const int32_t* ids = w.corpus->ids.data();
  const int64_t* starts = w.corpus->sentence_starts.data();
  const uint32_t* keep = w.keep_threshold->data();
  float* __restrict input = w.input;
  float* __restrict output = w.output;

  const auto seed_words = philox4x32(uint64_t(epoch), uint64_t(thread), w.seed);
  hogwild::Lcg rng{(uint64_t(seed_words[1]) << 32) | seed_words[0]};
  std::vector<int32_t> sentence(size_t(data::EncodedCorpus::kMaxSentence));
  std::vector<int32_t> targets(size_t(K + 1));
  std::vector<int32_t> context(size_t(2 * window));
  float* grad = static_cast<float*>(std::aligned_alloc(64, size_t(2 * S) * sizeof(float)));
  float* hidden = grad + S;

  const double lr0 = o.lr, lr_drop = o.lr * (1.0 - o.min_lr_ratio);
  float lr = float(lr0);
  int64_t unreported = 0, predictions = 0;
  double loss_sum = 0;
  int64_t loss_count = 0;
  auto report = [&] {
    int64_t done = w.words_done->fetch_add(unreported, std::memory_order_relaxed) + unreported;
    unreported = 0;
    lr = float(lr0 - lr_drop * std::min(1.0, double(done) / double(w.total_words + 1)));
    w.lr.store(lr, std::memory_order_relaxed);
    if (loss_count) w.recent_loss.store(loss_sum / double(loss_count), std::memory_order_relaxed);
    loss_sum = 0;
    loss_count = 0;
  };
  report();

  for (int64_t s = w.begin_sentence; s < w.end_sentence; ++s) {
    // Frequent-word subsampling: the kept words close up, as in word2vec.
    int64_t n = 0;
    for (int64_t p = starts[s]; p < starts[s + 1]; ++p)
      if (rng.next() <= keep[ids[p]]) sentence[size_t(n++)] = ids[p];
    unreported += starts[s + 1] - starts[s];
    if (unreported >= 10000) report();

    for (int64_t i = 0; i < n; ++i) {
      const int64_t reach = window - int64_t(rng.next() % uint32_t(window));  // 1..window
      const int64_t lo = std::max<int64_t>(0, i - reach), hi = std::min(n, i + reach + 1);
      targets[0] = sentence[size_t(i)];
      const bool want_loss = (++predictions & 15) == 0;
      if (o.cbow) {
        int64_t c = 0;
        for (int64_t j = lo; j < hi; ++j)
          if (j != i) context[size_t(c++)] = sentence[size_t(j)];
        if (c == 0) continue;
        std::memset(hidden, 0, size_t(S) * sizeof(float));
        for (int64_t k = 0; k < c; ++k)
          axpy(1.0f, input + int64_t(context[size_t(k)]) * S, hidden, S);
        const float inv = 1.0f / float(c);
        for (int64_t j = 0; j < S; ++j) hidden[j] *= inv;
        for (int64_t k = 1; k <= K; ++k)
          targets[size_t(k)] = int32_t(w.negatives->draw(rng.next64()));
        std::memset(grad, 0, size_t(S) * sizeof(float));
        float loss = predict(hidden, output, S, targets.data(), K + 1, lr, grad, want_loss);
        for (int64_t k = 0; k < c; ++k)
          axpy(1.0f, grad, input + int64_t(context[size_t(k)]) * S, S);
        if (want_loss) loss_sum += loss, ++loss_count;
      } else {
        for (int64_t j = lo; j < hi; ++j) {
          if (j == i) continue;
          float* row = input + int64_t(sentence[size_t(j)]) * S;
          for (int64_t k = 1; k <= K; ++k)
            targets[size_t(k)] = int32_t(w.negatives->draw(rng.next64()));
          std::memset(grad, 0, size_t(S) * sizeof(float));
          float loss = predict(row, output, S, targets.data(), K + 1, lr, grad, want_loss);
          axpy(1.0f, grad, row, S);
          if (want_loss) loss_sum += loss, ++loss_count;
        }
      }
    }
  }
  report();
  std::free(grad);
}

__attribute__((target("avx2,fma"))) void run_worker_avx2(Worker& w, int64_t epoch, int64_t thread) {
  run_worker(w, epoch, thread);
}
void run_worker_generic(Worker& w, int64_t epoch, int64_t thread) { run_worker(w, epoch, thread); }

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
  const int64_t V = vocab_.size();
  for (size_t p = 0; p < corpus.ids.size(); ++p)
    EMBER_CHECK(corpus.ids[p] >= 0 && corpus.ids[p] < V, "word2vec: corpus id ", corpus.ids[p],
                " at position ", p, " out of range for a vocabulary of ", V, " words");
  if (o.device.is_cuda()) return train_cuda(corpus, progress, first_epoch, after_epoch);
  const data::AliasTable negatives = data::AliasTable::from_counts(vocab_.counts(), 0.75);
  std::vector<uint32_t> keep =
      data::keep_thresholds(vocab_.counts(), vocab_.kept_tokens(), o.sample);

  std::vector<Worker> workers(static_cast<size_t>(o.threads));
  for (Worker& w : workers) {
    w.negatives = &negatives;
    w.keep_threshold = &keep;
    w.input = input_.data();
    w.output = output_.data();
    w.S = input_.stride();
    w.options = &options_;
    w.seed = o.seed;
  }
  hogwild::train_over_corpus(corpus, workers, first_epoch, o.epochs, o.lr,
                             hogwild::cpu_has_avx2() ? run_worker_avx2 : run_worker_generic,
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

  const SentenceBuffers buffers(corpus, keep, negatives, device);
  Tensor input = table_to_device(input_, device), output = table_to_device(output_, device);

  cuda::Word2VecLaunch l{};
  buffers.point(l);
  l.vocab = vocab_.size();
  l.input = static_cast<float*>(input.raw_data());
  l.output = static_cast<float*>(output.raw_data());
  l.stride = input_.stride();
  l.dim = input_.dim();
  l.window = o.window;
  l.negative = o.negative;
  l.cbow = o.cbow;
  l.seed = o.seed;
  l.lr0 = o.lr;
  l.lr_drop = o.lr * (1.0 - o.min_lr_ratio);
  l.num_ids = corpus.num_ids();
  l.total_words = o.epochs * corpus.num_ids();

  run_sentence_epochs(
      corpus, l, first_epoch, o.epochs, cuda::word2vec_train, buffers,
      [&](double fraction) { return o.lr - l.lr_drop * fraction; }, progress,
      [&] {
        table_from_device(input_, input);
        table_from_device(output_, output);
      },
      after_epoch);
#else
  (void)corpus, (void)progress, (void)first_epoch, (void)after_epoch;
  EMBER_FAIL("word2vec: this ember was built without CUDA (EMBER_CUDA=OFF)");
#endif
}

}  // namespace ember::models
