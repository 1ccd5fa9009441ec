// What a launch of a one-warp-per-sentence trainer (cuda/word2vec.cu, cuda/fasttext.cu)
// holds whatever the model: the corpus and its subsampling, the negatives, the schedule and
// the loss counters. Word2VecLaunch and FastTextLaunch add their tables to it.
#pragma once

#include <cstdint>

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
};

}  // namespace ember::cuda
