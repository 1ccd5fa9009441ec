// The sentence loop that word2vec and fastText share on the CPU (their CUDA twin is
// sentence_kernel in cuda/sentence_warp.cuh). For each sentence of a thread's share:
//   subsample its tokens (a token is kept when a coin <= keep[id]), the kept ones closing up;
//   for each kept token i: draw its reduced window reach in 1..window, its context is the
//   kept tokens lo..hi-1 but i (|j - i| <= reach), and the model's step trains it;
// while the lr follows the model's schedule and a sample of the steps' losses is reported.
//
// The model passes only its step, a struct with
//   static constexpr int64_t kLossEvery;   // want the loss of every kLossEvery-th centre
//   float lr_at(int64_t done) const;       // the lr after `done` corpus ids of all epochs
//   template <typename Draws>
//   Loss operator()(const int32_t* sentence, int64_t i, int64_t lo, int64_t hi, int64_t slot,
//                   float lr, bool want_loss, Draws& draws);   // slot: the token's slot
//   void before_sentence(const int32_t* sentence, int64_t n);  // its n kept tokens
//   template <typename Draws>
//   Loss after_sentence(float lr, Draws& draws);  // after a sentence's last centre
// A step may keep state across a sentence's centres (fastText's window step keeps each
// token's hidden row while windows reach it) and finishes with it in after_sentence, since
// the sentence's buffer is then reused. The losses it returns are summed as they come: a Loss
// counts only the predictions whose loss it computed (count 0 when it computed none).
// and the random numbers come from Draws (models::SentenceDraws says which):
//   LcgDraws     word2vec's generator, one stream per thread; the lr is set every 10,000 words
//                from the words all threads have done
//   PhiloxDraws  cuda/sentence_launch.h's counter-based draws, and the lr set at each sentence
//                from its position: what the CUDA kernels do, so this loop is their reference
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include <ember/cuda/sentence_launch.h>
#include <ember/data/encoded_corpus.h>
#include <ember/data/sampling.h>
#include <ember/data/sentence_chunks.h>
#include <ember/models/internal/hogwild.h>
#include <ember/models/internal/row_loops.h>
#include <ember/models/row_table.h>
#include <ember/models/sentence_draws.h>
#include <ember/tensor/generator.h>

namespace ember::models::sentence_loop {

// The summed loss of a step's predictions, and how many there were.
struct Loss {
  float sum = 0;
  int64_t count = 0;
};

// word2vec's linear congruential generator: fast, and only its high bits are used.
struct Lcg {
  uint64_t state;
  uint32_t next() {
    state = state * 25214903917ULL + 11;
    return uint32_t(state >> 16);
  }
  uint64_t next64() { return (uint64_t(next()) << 32) | next(); }
};

// What both kinds of draws read: the negatives' alias table, as a table and packed
// (data::AliasTable::packed), and how LcgDraws reduces the window: word2vec.c draws
// b = rand % window and reaches window - b, fastText 1 + b (the same distribution), so that
// each trainer reproduces its own runs.
struct DrawTables {
  data::AliasTable negatives;
  std::vector<uint64_t> packed;
  bool window_from_top;
  DrawTables(data::AliasTable table, bool window_from_top)
      : negatives(std::move(table)), packed(negatives.packed()), window_from_top(window_from_top) {}
};

struct LcgDraws {
  static constexpr bool kCounterBased = false;

  // Thread `thread`'s stream in `epoch`.
  LcgDraws(const DrawTables& tables, uint64_t seed, int64_t epoch, int64_t thread)
      : negatives_(tables.negatives), window_from_top_(tables.window_from_top) {
    const auto words = philox4x32(uint64_t(epoch), uint64_t(thread), seed);
    rng_.state = (uint64_t(words[1]) << 32) | words[0];
  }
  uint32_t keep_coin(int64_t /*position*/) { return rng_.next(); }
  int64_t reach(int64_t /*slot*/, int64_t window) {
    const int64_t b = int64_t(rng_.next() % uint32_t(window));
    return window_from_top_ ? window - b : 1 + b;
  }
  // negatives [K] for context c of the token at `slot`, each drawn again while it equals
  // `avoid` (cuda::draw_negatives' rule).
  void draw_negatives(int64_t /*slot*/, int64_t /*c*/, int64_t K, int32_t avoid,
                      int32_t* negatives) {
    for (int64_t k = 0; k < K; ++k) {
      negatives[k] = int32_t(negatives_.draw(rng_.next64()));
      for (int a = 1; avoid >= 0 && a < cuda::kMaxRedraws && negatives[k] == avoid; ++a)
        negatives[k] = int32_t(negatives_.draw(rng_.next64()));
    }
  }

 private:
  const data::AliasTable& negatives_;
  bool window_from_top_;
  Lcg rng_;
};

struct PhiloxDraws {
  static constexpr bool kCounterBased = true;

  // The draws of `epoch`, the same for every thread.
  PhiloxDraws(const DrawTables& tables, uint64_t seed, int64_t epoch, int64_t /*thread*/)
      : alias_(tables.packed), seed_(seed), epoch_(epoch) {}
  uint32_t keep_coin(int64_t position) { return cuda::keep_coin(seed_, epoch_, position); }
  int64_t reach(int64_t slot, int64_t window) {
    return cuda::reduced_window(seed_, epoch_, slot, window);
  }
  void draw_negatives(int64_t slot, int64_t c, int64_t K, int32_t avoid, int32_t* negatives) {
    cuda::draw_negatives(alias_.data(), int64_t(alias_.size()), seed_, epoch_, slot, c, K, avoid,
                         negatives);
  }

 private:
  const std::vector<uint64_t>& alias_;
  uint64_t seed_;
  int64_t epoch_;
};

// A centre's targets for the steps that share negatives (word2vec_steps.h, fastText's): its
// word, then K negatives drawn one draw ahead, so that the next draw's output rows are on
// their way to the cache while this one trains (counter-based draws give the same negatives
// either way: they are drawn by slot). Where `centres_per_draw` centres share a draw, the
// centres after the first of each take the same negatives, and the next draw is made for
// the slot that many centres on.
class TargetsAhead {
 public:
  explicit TargetsAhead(int64_t K, int64_t centres_per_draw = 1)
      : current_(size_t(K + 1)),
        next_(size_t(K + 1)),
        rows_(size_t(K + 1)),
        centres_per_draw_(centres_per_draw) {}

  // [K + 1]: `word`, the centre at `slot`, then its negatives: newly drawn for the first
  // centre of a draw, those of the last draw for the others. next_word: the next centre's
  // word, or -1 when there is none in this window.
  template <typename Draws>
  EMBER_ALWAYS_INLINE const int32_t* take(int32_t word, int32_t next_word, int64_t slot,
                                          Draws& draws, float* output, int64_t S) {
    const int64_t K = int64_t(current_.size()) - 1;
    if (shared_left_ > 0) {  // the last draw's negatives again
      --shared_left_;
      current_[0] = word;
      rows_[0] = output + int64_t(word) * S;
      if (next_word >= 0) row_loops::prefetch_row(output + int64_t(next_word) * S, S);
      return current_.data();
    }
    shared_left_ = centres_per_draw_ - 1;
    if (!have_next_) draws.draw_negatives(slot, 0, K, -1, next_.data() + 1);
    std::swap(current_, next_);
    current_[0] = word;
    for (int64_t t = 0; t <= K; ++t) rows_[size_t(t)] = output + int64_t(current_[size_t(t)]) * S;
    draws.draw_negatives(slot + centres_per_draw_, 0, K, -1, next_.data() + 1);
    have_next_ = true;
    for (int64_t k = 1; k <= K; ++k)
      row_loops::prefetch_row(output + int64_t(next_[size_t(k)]) * S, S);
    if (next_word >= 0) row_loops::prefetch_row(output + int64_t(next_word) * S, S);
    return current_.data();
  }
  // [K + 1]: the output rows of the last take()'s targets.
  float* const* rows() const { return rows_.data(); }
  // The next sentence's first centre draws its own.
  void after_sentence() {
    have_next_ = false;
    shared_left_ = 0;
  }

 private:
  std::vector<int32_t> current_, next_;
  std::vector<float*> rows_;
  int64_t centres_per_draw_;
  int64_t shared_left_ = 0;  // centres still to take the current draw
  bool have_next_ = false;
};

// What every thread of a sentence trainer reads: the draws, the subsampling thresholds, the
// model's options (window, seed and its own) and its two tables. A model with more (fastText's
// subword rows) derives its Worker from this.
template <typename Options>
struct SentenceWorker : hogwild::CorpusWorker {
  const DrawTables* draws = nullptr;
  const uint32_t* keep = nullptr;  // [V]: keep a token when its coin <= keep[id]
  const Options* options = nullptr;
  float* input = nullptr;  // the tables' rows, `S` floats apart (RowTable::stride)
  float* output = nullptr;
  int64_t S = 0;
};

// One epoch of one thread over its sentences [w.begin_sentence, w.end_sentence) of w.corpus,
// read a chunk at a time (data::SentenceChunks: all at once from memory).
// keep: [V] subsampling thresholds.
template <typename Draws, typename Step>
EMBER_ALWAYS_INLINE void run(hogwild::CorpusWorker& w, int64_t epoch, const uint32_t* keep,
                             int64_t window, Draws& draws, Step& step) {
  const int64_t N = w.corpus->num_ids();
  data::SentenceChunks chunks(*w.corpus, w.begin_sentence, w.end_sentence, w.chunk_bytes);
  std::vector<int32_t> sentence(static_cast<size_t>(data::EncodedCorpus::kMaxSentence));

  float lr = step.lr_at(epoch * N + w.corpus->sentence_start(w.begin_sentence));
  int64_t unreported = 0;
  uint64_t centres = 0;
  double loss_sum = 0;
  int64_t loss_count = 0;
  auto report = [&] {
    const int64_t done =
        w.words_done->fetch_add(unreported, std::memory_order_relaxed) + unreported;
    unreported = 0;
    if (!Draws::kCounterBased)
      lr = step.lr_at(done + (w.others_done ? w.others_done->load(std::memory_order_relaxed) : 0));
    w.lr.store(lr, std::memory_order_relaxed);
    if (loss_count) w.recent_loss.store(loss_sum / double(loss_count), std::memory_order_relaxed);
    loss_sum = 0;
    loss_count = 0;
  };
  report();

  while (chunks.next()) {
    const int64_t* starts = chunks.starts();  // [chunks.size() + 1]: corpus positions
    for (int64_t c = 0; c < chunks.size(); ++c) {
      const int64_t begin = starts[c], end = starts[c + 1];
      const int32_t* ids = chunks.ids() + (begin - starts[0]);  // [end - begin]
      if (Draws::kCounterBased) lr = step.lr_at(epoch * N + begin);
      int64_t n = 0;
      for (int64_t q = 0; q < end - begin; ++q)
        if (draws.keep_coin(begin + q) <= keep[ids[q]]) sentence[size_t(n++)] = ids[q];
      unreported += end - begin;
      if (unreported >= 10000) report();
      step.before_sentence(sentence.data(), n);

      for (int64_t i = 0; i < n; ++i) {
        const int64_t slot = begin + i;
        const int64_t reach = draws.reach(slot, window);
        const int64_t lo = std::max<int64_t>(0, i - reach), hi = std::min(n, i + reach + 1);
        if (hi - lo <= 1) continue;  // no context
        const bool want_loss = ++centres % Step::kLossEvery == 0;
        const Loss loss = step(sentence.data(), i, lo, hi, slot, lr, want_loss, draws);
        loss_sum += loss.sum, loss_count += loss.count;
      }
      const Loss loss = step.after_sentence(lr, draws);
      loss_sum += loss.sum, loss_count += loss.count;
    }
  }
  report();
}

// The body of a trainer's worker thread for one epoch: Worker derives from SentenceWorker and
// Step(const Worker&) is its model's step. hogwild::simd_build compiles it for each target.
template <typename Step, typename Draws, typename Worker>
EMBER_ALWAYS_INLINE void run_worker(Worker& w, int64_t epoch, int64_t thread) {
  Draws draws(*w.draws, w.options->seed, epoch, thread);
  Step step(w);
  run(w, epoch, w.keep, w.options->window, draws, step);
}

// That body for the draws `draws` names, compiled for this CPU, for hogwild::train_over_corpus;
// WideStep is the step of the AVX-512 body (Step's Wide16 twin, or Step).
template <typename Step, typename Worker, typename WideStep = Step>
auto worker_body(SentenceDraws draws) -> void (*)(Worker&, int64_t, int64_t) {
  if (draws == SentenceDraws::kPhilox)
    return hogwild::simd_build<Worker, run_worker<Step, PhiloxDraws, Worker>,
                               run_worker<WideStep, PhiloxDraws, Worker>>();
  return hogwild::simd_build<Worker, run_worker<Step, LcgDraws, Worker>,
                             run_worker<WideStep, LcgDraws, Worker>>();
}

// Trains epochs [first_epoch, o.epochs) over the corpus with o.threads Hogwild workers
// running Step (hogwild::train_over_corpus), syncing the two tables with the other ranks of
// a distributed run (o.distributed) as sync_rows {input's, output's} says. Each worker gets
// the draws, the thresholds keep [V], the options and the tables, then set_up(worker) adds
// what is its model's own. WideStep: the step where the CPU runs AVX-512 (worker_body).
template <typename Step, typename Worker, typename WideStep = Step, typename Options>
void train(const data::SentenceSource& corpus, const Options& o, const DrawTables& draws,
           const std::vector<uint32_t>& keep, RowTable& input, RowTable& output,
           int64_t first_epoch, const ProgressCallback& progress,
           const std::function<void(int64_t)>& after_epoch, std::vector<SyncRows> sync_rows,
           const std::function<void(Worker&)>& set_up = {}) {
  std::vector<Worker> workers(static_cast<size_t>(o.threads));
  for (Worker& w : workers) {
    w.draws = &draws;
    w.keep = keep.data();
    w.options = &o;
    w.input = input.data();
    w.output = output.data();
    w.S = input.stride();
    if (set_up) set_up(w);
  }
  hogwild::train_over_corpus(corpus, workers, first_epoch, o.epochs, o.lr,
                             worker_body<Step, Worker, WideStep>(o.draws), progress, after_epoch,
                             o.distributed, {&input, &output}, std::move(sync_rows));
}

}  // namespace ember::models::sentence_loop
