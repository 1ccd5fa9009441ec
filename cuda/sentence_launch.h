// What a launch of a one-warp-per-sentence trainer (cuda/word2vec.cu, cuda/fasttext.cu)
// holds whatever the model: the corpus and its subsampling, the negatives, the schedule and
// the loss counters and the two tables. Word2VecLaunch and FastTextLaunch add what is theirs.
//
// Below it, the counter-based draws of those trainers: every random number is Philox of
// (corpus position, epoch, what it is for), so the draws do not depend on threads, warps or
// launch shape. They run on the host too: the CPU sentence loop run with them
// (models/internal/sentence_loop.h, SentenceDraws::kPhilox) is the kernels' reference.
//   counter (p, epoch << 16 | 0)                   subsampling coin of the token at position p
//   counter (s, epoch << 16 | 1)                   reduced window of the kept token at slot s
//   counter (s | a << 48, epoch << 16 | 2 + 8 c + k / 2)   negatives k, k + 1 of context c of
//                                                  that token; a > 0 only to draw again
// A kept token's slot s is its sentence's start plus its index among the kept tokens: unique
// in an epoch.
#pragma once

#include <cstdint>

#include <ember/tensor/generator.h>

namespace ember::cuda {

struct SentenceLaunch {
  // The corpus: ids [N] and sentence_starts [S + 1] (data::EncodedCorpus), on the device.
  const int32_t* ids;
  const int64_t* sentence_starts;
  int64_t begin_sentence, end_sentence;  // this launch trains sentences [begin, end)
  const uint32_t* keep;                  // [V] keep a token when a random u32 <= keep[id]
  const uint64_t* alias;                 // [V] alias table entries: threshold | uint64(alias) << 32
  int64_t vocab;                         // V
  int32_t* kept;                         // [N] scratch: the subsampled sentences
  int32_t* kept_length;                  // [S] scratch
  int64_t window, negative;
  uint64_t seed;
  int64_t epoch;
  double lr0;                    // the lr at the start (each model says how it decays)
  int64_t num_ids, total_words;  // N and epochs * N
  double* loss_sum;              // += sampled losses (for the progress line)
  unsigned long long* loss_count;
  float* input;         // [rows, stride] the rows a centre's hidden vector is made of
  float* output;        // [V, stride] the rows of the words it predicts
  int64_t stride, dim;  // stride: a multiple of 4 floats, padding zero
};

// A negative equal to the word it must avoid is drawn again up to this many times.
constexpr int kMaxRedraws = 64;

EMBER_HOST_DEVICE inline uint64_t counter_hi(int64_t epoch, int64_t tag) {
  return (uint64_t(epoch) << 16) | uint64_t(tag);
}

// The subsampling coin of the token at corpus position p: kept when coin <= keep[id].
EMBER_HOST_DEVICE inline uint32_t keep_coin(uint64_t seed, int64_t epoch, int64_t p) {
  return philox4x32(uint64_t(p), counter_hi(epoch, 0), seed)[0];
}

// The reduced window of the kept token at slot s: uniform in 1..window.
EMBER_HOST_DEVICE inline int64_t reduced_window(uint64_t seed, int64_t epoch, int64_t s,
                                                int64_t window) {
  return 1 + philox4x32(uint64_t(s), counter_hi(epoch, 1), seed)[0] % uint32_t(window);
}

// data::AliasTable::draw of the 64 bits (high, low): high picks the column, low is the coin.
// alias: [V] packed entries (data::AliasTable::packed).
EMBER_HOST_DEVICE inline int32_t alias_draw(const uint64_t* alias, int64_t V, uint32_t high,
                                            uint32_t low) {
  const uint32_t column = uint32_t((uint64_t(high) * uint64_t(V)) >> 32);
#if defined(__CUDA_ARCH__)
  const uint64_t entry = __ldg(alias + column);
#else
  const uint64_t entry = alias[column];
#endif
  return int32_t(low < uint32_t(entry) ? column : uint32_t(entry >> 32));
}

// negatives [K]: the negatives of context c of the kept token at slot s, two per Philox call.
// One equal to `avoid` is drawn again (fastText's getNegative) up to kMaxRedraws times; the
// loops skip one still equal after that. word2vec passes avoid = -1: it never draws again,
// and skips a negative equal to the true word instead.
EMBER_HOST_DEVICE inline void draw_negatives(const uint64_t* alias, int64_t V, uint64_t seed,
                                             int64_t epoch, int64_t s, int64_t c, int64_t K,
                                             int32_t avoid, int32_t* negatives) {
  for (int64_t k = 0; k < K; k += 2) {
    const auto words = philox4x32(uint64_t(s), counter_hi(epoch, 2 + 8 * c + k / 2), seed);
    negatives[k] = alias_draw(alias, V, words[0], words[1]);
    if (k + 1 < K) negatives[k + 1] = alias_draw(alias, V, words[2], words[3]);
  }
  if (avoid < 0) return;  // word2vec: the draws as they are (and the redraws compiled out)
  for (int64_t k = 0; k < K; ++k)
    for (uint64_t a = 1; a < uint64_t(kMaxRedraws) && negatives[k] == avoid; ++a) {
      const auto words =
          philox4x32(uint64_t(s) | (a << 48), counter_hi(epoch, 2 + 8 * c + k / 2), seed);
      negatives[k] = alias_draw(alias, V, words[2 * (k % 2)], words[2 * (k % 2) + 1]);
    }
}

}  // namespace ember::cuda
