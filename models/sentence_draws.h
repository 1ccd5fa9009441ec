// Where the random numbers of the CPU sentence loop (word2vec, fastText) come from.
#pragma once

namespace ember::models {

enum class SentenceDraws {
  // word2vec's linear congruential generator, one stream per thread: the fastest, and the
  // default. With one thread the same seed gives the same tables.
  kLcg,
  // Philox counted by corpus position (cuda/sentence_launch.h), and the lr set at each
  // sentence from its position: the CUDA kernels' draws and schedule, so that the CPU loop is
  // the reference they are tested against. Slower (one Philox call per draw).
  kPhilox,
};

}  // namespace ember::models
