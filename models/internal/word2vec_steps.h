// The CPU steps of the fused word2vec trainers (models/word2vec_trainer.h), each a Step of the
// sentence loop (models/internal/sentence_loop.h):
//   SkipGramPairStep    word2vec.c's skip-gram, one (context, centre) pair at a time
//   SkipGramWindowStep  a skip-gram window as one minibatch against negatives it shares
//   CbowStep            word2vec's CBOW, a window at a time
// In a header of their own so that the tests can run them on tables and draws they choose.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include <ember/models/internal/block_loops.h>
#include <ember/models/internal/row_loops.h>
#include <ember/models/internal/sentence_loop.h>
#include <ember/models/word2vec_trainer.h>

namespace ember::models::word2vec_steps {

using row_loops::axpy;
using row_loops::dot;
using row_loops::predict;
using row_loops::prefetch_row;
using row_loops::Rows;
using row_loops::softplus;
using sentence_loop::Loss;
using sentence_loop::TargetsAhead;

// What a worker thread reads; the tables are updated by all of them at once (Hogwild).
using Worker = sentence_loop::SentenceWorker<Word2VecOptions>;

// The lr, linear from lr down to lr * min_lr_ratio over all epochs' words.
struct Schedule {
  Schedule(const Word2VecOptions& o, int64_t total_words)
      : lr0(o.lr), lr_drop(o.lr * (1.0 - o.min_lr_ratio)), total_words(total_words) {}
  float lr_at(int64_t done) const {
    return float(lr0 - lr_drop * std::min(1.0, double(done) / double(total_words + 1)));
  }
  double lr0, lr_drop;
  int64_t total_words;
};

// Skip-gram as word2vec.c trains it: each context row input[u] of centre w predicts w
// against K negatives of its own, one pair at a time, each pair seeing the rows the previous
// one left.
struct SkipGramPairStep {
  static constexpr int64_t kLossEvery = 16;

  SkipGramPairStep(const Worker& w)
      : input(w.input),
        output(w.output),
        S(w.S),
        K(w.options->negative),
        schedule(*w.options, w.total_words),
        targets(size_t(K + 1)),
        grad(S) {}

  float lr_at(int64_t done) const { return schedule.lr_at(done); }

  template <typename Draws>
  EMBER_ALWAYS_INLINE Loss operator()(const int32_t* sentence, int64_t i, int64_t lo, int64_t hi,
                                      int64_t slot, float lr, bool want_loss, Draws& draws) {
    targets[0] = sentence[i];
    Loss loss;
    for (int64_t j = lo; j < hi; ++j) {
      if (j == i) continue;
      float* row = input + int64_t(sentence[j]) * S;
      draws.draw_negatives(slot, j - lo, K, -1, targets.data() + 1);
      std::memset(grad.data(), 0, size_t(S) * sizeof(float));
      loss.sum += predict(row, output, S, targets.data(), K + 1, lr, grad.data(), want_loss);
      loss.count += want_loss;
      axpy(1.0f, grad.data(), row, S);
    }
    return loss;
  }
  void before_sentence(const int32_t* /*sentence*/, int64_t /*n*/) {}
  template <typename Draws>
  Loss after_sentence(float /*lr*/, Draws& /*draws*/) {
    return {};
  }

  float* input;
  float* output;
  int64_t S, K;
  Schedule schedule;
  std::vector<int32_t> targets;  // [1 + K]: the centre word, then its negatives
  Rows grad;                     // [S]
};

// Skip-gram, one window as a minibatch: the C context rows I predict the centre word's row
// and K negatives drawn once for the window, the T = K + 1 output rows O. One SGD step on
// the window's summed loss, every gradient taken before any row moves
// (block_loops::window_step):
//   G = lr (label - sigmoid(O I^T))   [T, C]; label 1 for the centre, 0 for the negatives,
//                                     0 where a negative is the centre word itself
//   grad_I = G^T O;  O += G I;  I += grad_I
// The arithmetic per pair is word2vec's; what changes is that a window's pairs share
// negatives and see each other's rows as they were at the window's start. Each output row
// is read and written once per window instead of once per context word.
template <typename Lanes = block_loops::Pair8>  // block_loops.h: Pair8 or Wide16
struct SkipGramWindowStep {
  static constexpr int64_t kLossEvery = 16;

  SkipGramWindowStep(const Worker& w)
      : input(w.input),
        output(w.output),
        S(w.S),
        K(w.options->negative),
        schedule(*w.options, w.total_words),
        ahead(K),
        in_rows(size_t(2 * w.options->window)),
        grad_rows(size_t(2 * w.options->window)),
        logits(size_t((K + 1) * 2 * w.options->window)),
        grads(2 * w.options->window * S) {
    for (size_t c = 0; c < grad_rows.size(); ++c) grad_rows[c] = grads.data() + int64_t(c) * S;
  }

  float lr_at(int64_t done) const { return schedule.lr_at(done); }

  template <typename Draws>
  EMBER_ALWAYS_INLINE Loss operator()(const int32_t* sentence, int64_t i, int64_t lo, int64_t hi,
                                      int64_t slot, float lr, bool want_loss, Draws& draws) {
    const int64_t T = K + 1;
    int64_t C = 0;
    for (int64_t j = lo; j < hi; ++j)
      if (j != i) in_rows[size_t(C++)] = input + int64_t(sentence[j]) * S;
    const int32_t* targets =
        ahead.take(sentence[i], i + 1 < hi ? sentence[i + 1] : -1, slot, draws, output, S);
    float* const* out_rows = ahead.rows();

    Loss loss;
    loss.sum = block_loops::window_step<Lanes>(out_rows, targets, T, in_rows.data(), C, S, lr,
                                               want_loss, logits.data(), grad_rows.data());
    loss.count = want_loss ? C : 0;
    for (int64_t c = 0; c < C; ++c) axpy(1.0f, grad_rows[size_t(c)], in_rows[size_t(c)], S);
    return loss;
  }
  void before_sentence(const int32_t* /*sentence*/, int64_t /*n*/) {}
  template <typename Draws>
  Loss after_sentence(float /*lr*/, Draws& /*draws*/) {
    ahead.after_sentence();
    return {};
  }

  float* input;
  float* output;
  int64_t S, K;
  Schedule schedule;
  TargetsAhead ahead;             // the centre word, then the window's negatives; their rows
  std::vector<float*> in_rows;    // [C]: the context words' input rows
  std::vector<float*> grad_rows;  // [2 window]: rows of grads
  std::vector<float> logits;      // [T, C]: logits, then G
  Rows grads;                     // [2 window, S]: grad_I
};

// CBOW as word2vec trains it, a window at a time: the hidden row h, the mean of the C
// context rows, predicts the centre word's output row and K negatives, the T = K + 1 rows O:
//   g = lr (label - sigmoid(O h))   [T]: label 1 for the centre, 0 for the negatives; 0 where
//                                   a negative is the centre word itself
//   grad_h = g O;  O += g h;  every context row += grad_h (the mean's gradient, undivided)
// A window is already a minibatch here (one hidden row against shared negatives); its
// products run a few rows at a time (block_loops) and its negatives come from TargetsAhead,
// one draw for Word2VecOptions::cbow_centres_per_draw consecutive centres (with minibatch):
// fewer random output rows fetched a centre. Two keep the quality; four cost 0.03 analogy
// on en7m (consecutive hidden rows are nearly the same, so a negative shared by many took
// one step several times over).
template <typename Lanes = block_loops::Pair8>  // block_loops.h: Pair8 or Wide16
struct CbowStep {
  static constexpr int64_t kLossEvery = 16;

  CbowStep(const Worker& w)
      : input(w.input),
        output(w.output),
        S(w.S),
        K(w.options->negative),
        schedule(*w.options, w.total_words),
        ahead(K, w.options->centres_per_draw()),
        in_rows(size_t(2 * w.options->window)),
        g(size_t(std::max(K + 1, 2 * w.options->window))),
        rows(2 * S) {}

  float lr_at(int64_t done) const { return schedule.lr_at(done); }

  template <typename Draws>
  EMBER_ALWAYS_INLINE Loss operator()(const int32_t* sentence, int64_t i, int64_t lo, int64_t hi,
                                      int64_t slot, float lr, bool want_loss, Draws& draws) {
    const int64_t T = K + 1;
    const int32_t* targets =
        ahead.take(sentence[i], i + 1 < hi ? sentence[i + 1] : -1, slot, draws, output, S);
    float* const* out_rows = ahead.rows();
    int64_t C = 0;
    for (int64_t j = lo; j < hi; ++j)
      if (j != i) in_rows[size_t(C++)] = input + int64_t(sentence[j]) * S;

    float* hidden = rows.data();
    float* grad = rows.data() + S;
    const float inv = 1.0f / float(C);
    std::fill(g.begin(), g.begin() + C, inv);
    block_loops::combine<Lanes>(g.data(), 0, 1, in_rows.data(), C, &hidden, 1, S, /*add=*/false);
    block_loops::dots<Lanes>(&hidden, 1, out_rows, T, S, g.data());
    Loss loss;
    loss.sum = block_loops::logits_to_gradients(g.data(), targets, T, 1, lr, want_loss);
    loss.count = want_loss;
    block_loops::gradient_and_update<Lanes>(g.data(), out_rows, T, hidden, grad, S);
    for (int64_t c = 0; c < C; ++c) axpy(1.0f, grad, in_rows[size_t(c)], S);
    return loss;
  }
  void before_sentence(const int32_t* /*sentence*/, int64_t /*n*/) {}
  template <typename Draws>
  Loss after_sentence(float /*lr*/, Draws& /*draws*/) {
    ahead.after_sentence();
    return {};
  }

  float* input;
  float* output;
  int64_t S, K;
  Schedule schedule;
  TargetsAhead ahead;           // the centre word, then its negatives (Word2VecOptions::
                                // cbow_centres_per_draw centres a draw); their rows
  std::vector<float*> in_rows;  // [C]: the context words' input rows
  std::vector<float> g;         // [max(T, 2 window)]: weights, logits, gradients
  Rows rows;                    // [2 S]: hidden, grad_h
};

}  // namespace ember::models::word2vec_steps
