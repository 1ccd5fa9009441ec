// The CUDA twin of the fused word2vec trainer (models/word2vec.cpp): one warp per sentence,
// Hogwild updates of the two tables in global memory, the same pairing, subsampling,
// negatives and linear lr decay as the CPU loop. Host-callable with device pointers; the
// trainer in models/word2vec.cpp owns the buffers.
#pragma once

#include <cstdint>

namespace ember::cuda {

struct Word2VecLaunch {
  // The corpus: ids [N] and sentence_starts [S + 1] (data::EncodedCorpus), on the device.
  const int32_t* ids;
  const int64_t* sentence_starts;
  int64_t begin_sentence, end_sentence;  // this launch trains sentences [begin, end)
  const uint32_t* keep;                  // [V] keep a token when a random u32 <= keep[id]
  const uint64_t* alias;                 // [V] alias table entries: threshold | uint64(alias) << 32
  int64_t vocab;                         // V
  float* input;                          // [V, stride] word2vec's syn0
  float* output;                         // [V, stride] word2vec's syn1neg
  int64_t stride, dim;                   // stride: a multiple of 4 floats, padding zero
  int32_t* kept;                         // [N] scratch: the subsampled sentences
  int32_t* kept_length;                  // [S] scratch
  int64_t window, negative;
  bool cbow;
  uint64_t seed;
  int64_t epoch;
  // lr at corpus position p of this epoch: lr0 - lr_drop * min(1, (epoch * N + p) / total)
  double lr0, lr_drop;
  int64_t num_ids, total_words;  // N and epochs * N
  double* loss_sum;              // += sampled losses (for the progress line)
  unsigned long long* loss_count;
};

// Queues the subsampling and training kernels on ember's current stream.
void word2vec_train(const Word2VecLaunch& launch);

// Largest dim and negative the kernels take (registers hold the rows).
constexpr int64_t kWord2VecMaxDim = 512;
constexpr int64_t kWord2VecMaxNegative = 15;

}  // namespace ember::cuda
