// The CUDA twin of the fused word2vec trainer (models/word2vec_trainer.cpp) with
// minibatch = false, word2vec.c's order (the minibatch kernel is cuda/word2vec_window.cu): its
// per-centre steps, run by sentence_kernel (cuda/sentence_warp.cuh), one warp per sentence. Each
// lane holds C float4 chunks of a row (dim <= 128 * C), so a dot product is a per-lane FMA chain
// and a 5-step shuffle reduction. Updates are float4 atomicAdds (sm_90): thousands of warps hit
// the frequent rows at once, and plain stores would lose most of their updates; reads stay
// unsynchronised, as in Hogwild. Runs are therefore not bit-reproducible on the GPU, except a
// one-sentence corpus (one warp).
#include <ember/cuda/word2vec.h>

#include <ember/cuda/check.cuh>
#include <ember/cuda/sentence_warp.cuh>
#include <ember/tensor/error.h>

namespace ember::cuda {

namespace {

using namespace sentence_warp;

template <bool kCBOW>
struct Word2VecStep {
  using Launch = Word2VecLaunch;
  static constexpr int kLossEvery = 16;

  // Linear from lr0 down to lr0 - lr_drop over all epochs' words.
  __device__ static float lr_at(const Launch& l, int64_t done) {
    return float(l.lr0 - l.lr_drop * fmin(1.0, double(done) / double(l.total_words + 1)));
  }

  // Skip-gram: each context row predicts the centre word against its own negatives.
  // CBOW: the mean of the context rows does, and its gradient goes to every context row.
  template <int C>
  __device__ static Loss centre(const Launch& l, const int32_t* sentence, int i, int lo, int hi,
                                int64_t slot, float lr, bool want_loss) {
    const auto [input, output, stride4] = rows4(l);
    int32_t targets[1 + kWord2VecMaxNegative];
    const int n_targets = int(1 + l.negative);
    targets[0] = sentence[i];
    Loss loss;
    if constexpr (kCBOW) {
      float4 h[C], grad[C];
      for (int c = 0; c < C; ++c) h[c] = grad[c] = make_float4(0, 0, 0, 0);
      for (int j = lo; j < hi; ++j) {
        if (j == i) continue;
        float4 v[C];
        load_row(v, input + int64_t(sentence[j]) * stride4, stride4);
        axpy(1.0f, v, h);
      }
      const float inv = 1.0f / float(hi - lo - 1);
      for (int c = 0; c < C; ++c)
        h[c] = make_float4(h[c].x * inv, h[c].y * inv, h[c].z * inv, h[c].w * inv);
      draw_negatives(l.alias, l.vocab, l.seed, l.epoch, slot, 0, l.negative, -1, targets + 1);
      loss.sum = predict<C>(h, grad, targets, n_targets, output, stride4, lr, want_loss);
      loss.count = 1;
      for (int j = lo; j < hi; ++j)
        if (j != i) add_row(input + int64_t(sentence[j]) * stride4, grad, stride4);
    } else {
      for (int j = lo; j < hi; ++j) {
        if (j == i) continue;
        float4* row = input + int64_t(sentence[j]) * stride4;
        float4 h[C], grad[C];
        load_row(h, row, stride4);
        for (int c = 0; c < C; ++c) grad[c] = make_float4(0, 0, 0, 0);
        draw_negatives(l.alias, l.vocab, l.seed, l.epoch, slot, j - lo, l.negative, -1,
                       targets + 1);
        loss.sum += predict<C>(h, grad, targets, n_targets, output, stride4, lr, want_loss);
        ++loss.count;
        add_row(row, grad, stride4);
      }
    }
    return loss;
  }
};

}  // namespace

void word2vec_train(const Word2VecLaunch& l) {
  if (l.minibatch) return word2vec_window_train(l);
  check_sentence_launch("word2vec", l, kWord2VecMaxDim, kWord2VecMaxNegative);
  if (l.cbow)
    launch_sentences<Word2VecStep<true>>(l);
  else
    launch_sentences<Word2VecStep<false>>(l);
}

}  // namespace ember::cuda
