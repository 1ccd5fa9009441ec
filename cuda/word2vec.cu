// The CUDA twin of models/word2vec_trainer.cpp's Hogwild loop. One warp trains one sentence at a
// time; each lane holds C float4 chunks of a row (dim <= 128 * C), so a dot product is a
// per-lane FMA chain and a 5-step shuffle reduction. Random numbers are Philox, counted by
// corpus position (cuda/sentence_warp.cuh lists the counters), so a launch's draws do not
// depend on the grid shape.
// Targets of one prediction are processed in groups of 4 (four rows loaded at once, four
// reductions in flight). Updates are float4 atomicAdds (sm_90): thousands of warps hit the
// frequent rows at once, and plain stores would lose most of their updates (measured on
// en7m: analogy 0.148 with stores); reads stay unsynchronised, as in Hogwild. Runs are
// therefore not bit-reproducible on the GPU, except a one-sentence corpus (one warp).
#include <ember/cuda/word2vec.h>

#include <algorithm>

#include <ember/cuda/check.cuh>
#include <ember/cuda/sentence_warp.cuh>
#include <ember/tensor/error.h>
#include <ember/tensor/generator.h>

namespace ember::cuda {

namespace {

using namespace sentence_warp;

// targets[1..K]: K negatives for prediction `slot` of the center at corpus position p.
__device__ inline void draw_negatives(const Word2VecLaunch& l, int64_t p, int64_t slot,
                                      int32_t* targets) {
  for (int64_t k = 0; k < l.negative; k += 2) {
    const auto words = philox4x32(uint64_t(p), counter_hi(l.epoch, 2 + 8 * slot + k / 2), l.seed);
    targets[1 + k] = draw_negative(l.alias, l.vocab, words[0], words[1]);
    if (k + 1 < l.negative) targets[2 + k] = draw_negative(l.alias, l.vocab, words[2], words[3]);
  }
}

template <int C, bool kCBOW>
__global__ void __launch_bounds__(kWarp* kWarpsPerBlock) train_kernel(Word2VecLaunch l) {
  const int64_t warps = int64_t(gridDim.x) * kWarpsPerBlock;
  const int64_t stride4 = l.stride / 4;
  float4* input = reinterpret_cast<float4*>(l.input);
  float4* output = reinterpret_cast<float4*>(l.output);
  int32_t targets[1 + kWord2VecMaxNegative];
  const int n_targets = int(1 + l.negative);
  float loss_sum = 0;
  unsigned long long loss_count = 0;

  for (int64_t s = l.begin_sentence + int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;
       s < l.end_sentence; s += warps) {
    const int64_t begin = l.sentence_starts[s];
    const int n = l.kept_length[s];
    const int32_t* sentence = l.kept + begin;
    const double progress = double(l.epoch * l.num_ids + begin) / double(l.total_words + 1);
    const float lr = float(l.lr0 - l.lr_drop * fmin(1.0, progress));
    for (int i = 0; i < n; ++i) {
      const int64_t p = begin + i;  // the kept token's slot: unique per epoch
      const int64_t reach =
          1 + philox4x32(uint64_t(p), counter_hi(l.epoch, 1), l.seed)[0] % uint32_t(l.window);
      const int lo = int(max(int64_t(0), i - reach)), hi = int(min(int64_t(n), i + reach + 1));
      targets[0] = sentence[i];
      const bool want_loss = (i & 15) == 0;
      if (kCBOW) {
        float4 h[C], grad[C];
        for (int c = 0; c < C; ++c) h[c] = grad[c] = make_float4(0, 0, 0, 0);
        for (int j = lo; j < hi; ++j) {
          if (j == i) continue;
          float4 v[C];
          load_row(v, input + int64_t(sentence[j]) * stride4, stride4);
          for (int c = 0; c < C; ++c)
            h[c] = make_float4(h[c].x + v[c].x, h[c].y + v[c].y, h[c].z + v[c].z, h[c].w + v[c].w);
        }
        const int count = hi - lo - 1;
        if (count <= 0) continue;
        const float inv = 1.0f / float(count);
        for (int c = 0; c < C; ++c)
          h[c] = make_float4(h[c].x * inv, h[c].y * inv, h[c].z * inv, h[c].w * inv);
        draw_negatives(l, p, 0, targets);
        const float loss = predict<C>(h, grad, targets, n_targets, output, stride4, lr, want_loss);
        for (int j = lo; j < hi; ++j)
          if (j != i) add_row(input + int64_t(sentence[j]) * stride4, grad, stride4);
        if (want_loss) loss_sum += loss, ++loss_count;
      } else {
        for (int j = lo; j < hi; ++j) {
          if (j == i) continue;
          float4* row = input + int64_t(sentence[j]) * stride4;
          float4 h[C], grad[C];
          load_row(h, row, stride4);
          for (int c = 0; c < C; ++c) grad[c] = make_float4(0, 0, 0, 0);
          draw_negatives(l, p, j - lo, targets);
          const float loss =
              predict<C>(h, grad, targets, n_targets, output, stride4, lr, want_loss);
          add_row(row, grad, stride4);
          if (want_loss) loss_sum += loss, ++loss_count;
        }
      }
    }
  }
  report_loss(loss_sum, loss_count, l.loss_sum, l.loss_count);
}

template <int C>
void launch_train(const Word2VecLaunch& l, unsigned blocks) {
  if (l.cbow)
    train_kernel<C, true><<<blocks, kWarp * kWarpsPerBlock, 0, current_stream()>>>(l);
  else
    train_kernel<C, false><<<blocks, kWarp * kWarpsPerBlock, 0, current_stream()>>>(l);
  EMBER_CUDA_CHECK_LAUNCH();
}

}  // namespace

void word2vec_train(const Word2VecLaunch& l) {
  EMBER_CHECK(l.dim > 0 && l.dim <= kWord2VecMaxDim, "word2vec (CUDA): dim ", l.dim,
              " is outside 1..", kWord2VecMaxDim);
  EMBER_CHECK(l.negative >= 1 && l.negative <= kWord2VecMaxNegative, "word2vec (CUDA): negative ",
              l.negative, " is outside 1..", kWord2VecMaxNegative);
  EMBER_CHECK(l.window >= 1 && 2 * l.window * 8 + 2 < 65536, "word2vec (CUDA): window ", l.window,
              " is outside 1..4000");
  EMBER_CHECK(l.stride % 4 == 0 && l.stride >= l.dim, "word2vec (CUDA): bad row stride ", l.stride);
  const int64_t sentences = l.end_sentence - l.begin_sentence;
  if (sentences <= 0) return;
  const unsigned blocks = sentence_blocks(sentences);
  subsample_kernel<<<blocks, kWarp * kWarpsPerBlock, 0, current_stream()>>>(l);
  EMBER_CUDA_CHECK_LAUNCH();
  const int64_t chunks = (l.stride / 4 + kWarp - 1) / kWarp;
  if (chunks <= 1)
    launch_train<1>(l, blocks);
  else if (chunks <= 2)
    launch_train<2>(l, blocks);
  else
    launch_train<4>(l, blocks);
}

}  // namespace ember::cuda
