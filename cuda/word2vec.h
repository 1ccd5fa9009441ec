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
  // true: the minibatch kernel (cuda/word2vec_window.cu), the twin of the CPU window steps;
  // false: the pair kernel (cuda/word2vec.cu), word2vec.c's order
  bool minibatch;
  // The minibatch kernel's CBOW: consecutive centres of a sentence that share one draw of
  // negatives (Word2VecOptions::cbow_centres_per_draw); 1 for skip-gram.
  int64_t centres_per_draw;
  // lr at corpus position p of this epoch: lr0 - lr_drop * min(1, (epoch * N + p) / total)
  double lr_drop;
};

// Queues the subsampling and training kernels on ember's current stream: the minibatch
// kernel where launch.minibatch, else the pair kernel.
void word2vec_train(const Word2VecLaunch& launch);
// The minibatch kernel alone (cuda/word2vec_window.cu): a window's context rows and its
// shared negatives trained as one step, the context rows kept in shared memory while within
// reach. Takes windows up to 16 and dims whose rows fit a block's shared memory (2 window + 1
// context rows twice, negative + 2 rows more; dim 300 with window 5 takes 36 KB a warp).
void word2vec_window_train(const Word2VecLaunch& launch);

// Largest dim and negative the kernels take (registers hold the rows).
constexpr int64_t kWord2VecMaxDim = 512;
constexpr int64_t kWord2VecMaxNegative = 15;

}  // namespace ember::cuda
