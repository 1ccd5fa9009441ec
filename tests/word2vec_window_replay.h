// The CUDA minibatch word2vec kernel's arithmetic (cuda/internal/word2vec_window.h) replayed
// on the host: the kernel's sentence loop, one warp's 32 lanes run in turn, over the
// sentences in order (what the kernel does with one warp). Shared by the CPU replay test and
// the GPU parity test.
#pragma once

#include <vector>

#include <gtest/gtest.h>

#include <ember/cuda/internal/word2vec_window.h>
#include <ember/cuda/sentence_launch.h>
#include <ember/data/encoded_corpus.h>
#include <ember/data/sampling.h>
#include <ember/data/vocab.h>
#include <ember/models/row_table.h>
#include <ember/models/word2vec_trainer.h>

#include "testing.h"

namespace ember::testing {

// The CUDA word2vec parity tests' options: one thread with the kernels' counter-based draws,
// so that the CPU trainer is the kernels' twin (minibatch: the window steps and kernel); 2
// epochs, window 4, 6 negatives, a high lr and little subsampling, so that every row moves.
inline models::Word2VecOptions kernel_parity_options(bool cbow, int64_t dim) {
  models::Word2VecOptions o;
  o.cbow = cbow;
  o.dim = dim;
  o.epochs = 2;
  o.sample = 1e-2;
  o.negative = 6;
  o.window = 4;
  o.seed = 3;
  o.lr = 0.05;
  o.threads = 1;
  o.draws = models::SentenceDraws::kPhilox;
  o.minibatch = true;
  return o;
}

// to's tables = from's.
inline void copy_tables(const models::Word2VecTrainer& from, models::Word2VecTrainer& to) {
  to.input().copy_from(from.input().to_tensor());
  to.output().copy_from(from.output().to_tensor());
}

// Both tables of a within (rtol, atol) of b's, naming the table that is not.
inline ::testing::AssertionResult tables_close(const models::Word2VecTrainer& a,
                                               const models::Word2VecTrainer& b, double rtol,
                                               double atol) {
  ::testing::AssertionResult input =
      all_close(a.input().to_tensor(), b.input().to_tensor(), rtol, atol);
  if (!input) return input << " (input table)";
  ::testing::AssertionResult output =
      all_close(a.output().to_tensor(), b.output().to_tensor(), rtol, atol);
  if (!output) return output << " (output table)";
  return ::testing::AssertionSuccess();
}

// Trains o.epochs over corpus into input and output (RowTables of vocab.size() rows of
// o.dim) as the kernel does: subsampling by the keep coins, the lr at each sentence's start,
// cuda::word2vec_window::train_sentence on each sentence's kept tokens.
inline void replay_window_kernel(const data::Vocabulary& vocab, const models::Word2VecOptions& o,
                                 const data::EncodedCorpus& corpus, models::RowTable& input,
                                 models::RowTable& output) {
  namespace ww = cuda::word2vec_window;
  const std::vector<uint32_t> keep =
      data::keep_thresholds(vocab.counts(), vocab.kept_tokens(), o.sample);
  const std::vector<uint64_t> alias = data::AliasTable::from_counts(vocab.counts(), 0.75).packed();
  cuda::SentenceLaunch l{};
  l.alias = alias.data();
  l.vocab = vocab.size();
  l.window = o.window;
  l.negative = o.negative;
  l.seed = o.seed;
  l.input = input.data();
  l.output = output.data();
  l.stride = input.stride();
  l.dim = input.dim();
  const ww::Shape s = ww::shape_of(l);
  // 64-byte aligned, as shared memory is at least 16-byte aligned.
  std::vector<float> memory(size_t(ww::warp_floats(s) + 16));
  float* aligned = memory.data();
  while (reinterpret_cast<uintptr_t>(aligned) % 64) ++aligned;
  const ww::WarpMemory m = ww::carve(aligned, s);
  const int64_t N = corpus.num_ids(), total = o.epochs * N;
  const double lr_drop = o.lr * (1.0 - o.min_lr_ratio);
  std::vector<int32_t> kept;
  for (int64_t epoch = 0; epoch < o.epochs; ++epoch) {
    l.epoch = epoch;
    for (int64_t sentence = 0; sentence < corpus.num_sentences(); ++sentence) {
      const int64_t begin = corpus.sentence_starts[size_t(sentence)];
      const int64_t end = corpus.sentence_starts[size_t(sentence) + 1];
      kept.clear();
      for (int64_t p = begin; p < end; ++p)
        if (cuda::keep_coin(o.seed, epoch, p) <= keep[size_t(corpus.ids[size_t(p)])])
          kept.push_back(corpus.ids[size_t(p)]);
      const float lr = ww::lr_at(o.lr, lr_drop, epoch * N + begin, total);
      if (o.cbow)
        ww::train_sentence<true>(ww::HostWarp{}, l, m, s, kept.data(), int(kept.size()), begin, lr,
                                 int(o.cbow_centres_per_draw));
      else
        ww::train_sentence<false>(ww::HostWarp{}, l, m, s, kept.data(), int(kept.size()), begin, lr,
                                  1);
    }
  }
}

}  // namespace ember::testing
