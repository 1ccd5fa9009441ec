// The CUDA twin of the fused word2vec trainer (models/word2vec_trainer.cpp): one warp per
// sentence, Hogwild updates of the two tables in global memory, the same pairing, subsampling,
// negatives and linear lr decay as the CPU loop. Host-callable with device pointers; the
// trainer in models/word2vec_trainer.cpp owns the buffers.
#pragma once

#include <cstdint>

#include <ember/cuda/sentence_launch.h>

namespace ember::cuda {

// input: [V, stride] word2vec's syn0; output: [V, stride] its syn1neg.
struct Word2VecLaunch : SentenceLaunch {
  bool cbow;
  // lr at corpus position p of this epoch: lr0 - lr_drop * min(1, (epoch * N + p) / total)
  double lr_drop;
};

// Queues the subsampling and training kernels on ember's current stream.
void word2vec_train(const Word2VecLaunch& launch);

// Largest dim and negative the kernels take (registers hold the rows).
constexpr int64_t kWord2VecMaxDim = 512;
constexpr int64_t kWord2VecMaxNegative = 15;

}  // namespace ember::cuda
