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
#include <ember/models/internal/word2vec_steps.h>
#include <ember/tensor/error.h>
#include <ember/tensor/generator.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/runtime.h>
#include <ember/cuda/word2vec.h>
#endif

namespace ember::models {

namespace {

// A distributed run's SyncRows {input's, output's}: both tables in row order (the vocabulary
// is sorted by count), their saturating rows from each row's expected updates, and with 3
// ranks or more the rows past the hot ones synced in tiers and scaled at the epoch's end
// (models/distributed.h).
std::vector<SyncRows> sync_rows(const data::Vocabulary& vocab, const std::vector<uint32_t>& keep,
                                const Word2VecOptions& o) {
  if (!o.distributed.active()) return {};
  const WordUpdates u = word_updates(vocab.counts(), keep, o.window,
                                     double(o.negative) / double(o.centres_per_draw()), 0.75,
                                     o.distributed.sync_every);
  std::vector<SyncRows> rows = {rows_in_row_order(u.input, o.lr),
                                rows_in_row_order(u.output, o.lr)};
  for (SyncRows& r : rows) r.scale_rest_at_end = r.tiers = true;
  return rows;
}

}  // namespace

// ---- Word2VecTrainer ------------------------------------------------------------------

Word2VecTrainer::Word2VecTrainer(const data::Vocabulary& vocab, const Word2VecOptions& options)
    : vocab_(vocab), options_(options) {
  const Word2VecOptions& o = options;
  hogwild::check_corpus_options("word2vec", vocab.size(), o.dim, o.window, o.negative, o.epochs,
                                o.lr, o.sample, o.threads);
  EMBER_CHECK(o.cbow_centres_per_draw >= 1 && o.cbow_centres_per_draw <= 16,
              "word2vec: cbow_centres_per_draw must be in [1, 16], got ", o.cbow_centres_per_draw);
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
  using row_loops::axpy;
  std::vector<float> hidden(size_t(S), 0.0f), grad(size_t(S), 0.0f);
  for (int32_t id : inputs) axpy(1.0f, input_.row(id), hidden.data(), S);
  for (float& v : hidden) v /= float(inputs.size());
  float loss = row_loops::predict(hidden.data(), output_.data(), S, targets.data(),
                                  int64_t(targets.size()), lr, grad.data(), true);
  for (int32_t id : inputs) axpy(1.0f, grad.data(), input_.row(id), S);
  return loss;
}

void Word2VecTrainer::train(const data::EncodedCorpus& corpus, const ProgressCallback& progress,
                            int64_t first_epoch, const std::function<void(int64_t)>& after_epoch) {
  const Word2VecOptions& o = options_;
  if (o.device.is_cuda()) {
    hogwild::check_corpus("word2vec", data::SentenceSource(corpus), vocab_.size(), o.threads);
    return train_cuda(corpus, progress, first_epoch, after_epoch);
  }
  train_cpu(data::SentenceSource(corpus), progress, first_epoch, after_epoch);
}

void Word2VecTrainer::train(const data::EncodedCorpusFile& corpus, const ProgressCallback& progress,
                            int64_t first_epoch, const std::function<void(int64_t)>& after_epoch) {
  EMBER_CHECK(!options_.device.is_cuda(), "word2vec: a corpus on disk (", corpus.path(),
              ") trains on the CPU; the CUDA trainer takes an EncodedCorpus in memory");
  train_cpu(data::SentenceSource(corpus, options_.corpus_budget), progress, first_epoch,
            after_epoch);
}

void Word2VecTrainer::train_cpu(const data::SentenceSource& corpus,
                                const ProgressCallback& progress, int64_t first_epoch,
                                const std::function<void(int64_t)>& after_epoch) {
  hogwild::check_corpus("word2vec", corpus, vocab_.size(), options_.threads);
  const std::vector<uint32_t> keep =
      data::keep_thresholds(vocab_.counts(), vocab_.kept_tokens(), options_.sample);
  const Word2VecOptions& o = options_;
  const std::vector<SyncRows> sync = sync_rows(vocab_, keep, o);
  const sentence_loop::DrawTables draws(data::AliasTable::from_counts(vocab_.counts(), 0.75),
                                        /*window_from_top=*/true);

  using namespace word2vec_steps;
  if (o.cbow)
    sentence_loop::train<CbowStep<>, Worker, CbowStep<block_loops::Wide16>>(
        corpus, o, draws, keep, input_, output_, first_epoch, progress, after_epoch, sync);
  else if (o.minibatch)
    sentence_loop::train<SkipGramWindowStep<>, Worker, SkipGramWindowStep<block_loops::Wide16>>(
        corpus, o, draws, keep, input_, output_, first_epoch, progress, after_epoch, sync);
  else
    sentence_loop::train<SkipGramPairStep, Worker>(corpus, o, draws, keep, input_, output_,
                                                   first_epoch, progress, after_epoch, sync);
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
  l.minibatch = o.minibatch;  // the window kernel, one persistent launch an epoch; or pairs
  l.centres_per_draw = o.centres_per_draw();
  l.lr_drop = o.lr * (1.0 - o.min_lr_ratio);
  train_sentences(
      corpus, o, keep, negatives, input_, output_, sync_rows(vocab_, keep, o), l,
      cuda::word2vec_train, [&](double fraction) { return o.lr - l.lr_drop * fraction; },
      first_epoch, progress, after_epoch, /*persistent=*/o.minibatch);
#else
  (void)corpus, (void)progress, (void)first_epoch, (void)after_epoch;
  EMBER_FAIL("word2vec: this ember was built without CUDA (EMBER_CUDA=OFF)");
#endif
}

}  // namespace ember::models
