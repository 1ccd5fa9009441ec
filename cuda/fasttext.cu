// The CUDA twin of models/fasttext_trainer.cpp's Hogwild loop, on cuda/word2vec.cu's skip-gram
// kernel: one warp trains one sentence at a time, each lane holding C float4 chunks of a row
// (cuda/sentence_warp.cuh). For each kept center word:
//   hidden   = mean of its n input rows (CSR: row_ids[row_offsets[w] ..])
//   for each context word u in the reduced window (slot = its place in the window):
//     negatives drawn by fasttext_negative (a draw equal to u drawn again), grad = 0,
//     predict(hidden -> u against the negatives): output rows +=, grad +=,
//     hidden += gain[w] * grad, grad_sum += grad
//   every one of the n rows += grad_sum (a repeated n-gram row gets it once per listing)
// Updates are float4 atomicAdds and reads unsynchronised (Hogwild, see word2vec.cu), so only
// a one-sentence corpus (one warp) runs bit-reproducibly.
#include <ember/cuda/fasttext.h>

#include <ember/cuda/check.cuh>
#include <ember/cuda/sentence_warp.cuh>
#include <ember/tensor/error.h>

namespace ember::cuda {

namespace {

using namespace sentence_warp;

template <int C>
__global__ void __launch_bounds__(kWarp* kWarpsPerBlock) train_kernel(FastTextLaunch l) {
  const int64_t warps = int64_t(gridDim.x) * kWarpsPerBlock;
  const int64_t stride4 = l.stride / 4;
  float4* input = reinterpret_cast<float4*>(l.input);
  float4* output = reinterpret_cast<float4*>(l.output);
  int32_t targets[1 + kFastTextMaxNegative];
  const int n_targets = int(1 + l.negative);
  float loss_sum = 0;
  unsigned long long loss_count = 0;

  for (int64_t s = l.begin_sentence + int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;
       s < l.end_sentence; s += warps) {
    const int64_t begin = l.sentence_starts[s];
    const int n = l.kept_length[s];
    const int32_t* sentence = l.kept + begin;
    const double progress = double(l.epoch * l.num_ids + begin) / double(l.total_words);
    const float lr = float(l.lr0 * fmax(0.0, 1.0 - progress));
    for (int i = 0; i < n; ++i) {
      const int64_t p = begin + i;  // the kept token's slot: unique per epoch
      const int64_t reach =
          1 + philox4x32(uint64_t(p), counter_hi(l.epoch, 1), l.seed)[0] % uint32_t(l.window);
      const int lo = int(max(int64_t(0), i - reach)), hi = int(min(int64_t(n), i + reach + 1));
      if (hi - lo <= 1) continue;  // no context word
      const int32_t center = sentence[i];
      const int64_t first = l.row_offsets[center], count = l.row_offsets[center + 1] - first;
      float4 hidden[C], grad_sum[C];
      for (int c = 0; c < C; ++c) hidden[c] = grad_sum[c] = make_float4(0, 0, 0, 0);
      for (int64_t k = 0; k < count; ++k) {
        float4 v[C];
        load_row(v, input + int64_t(l.row_ids[first + k]) * stride4, stride4);
        axpy(1.0f, v, hidden);
      }
      const float inv = 1.0f / float(count), gain = l.gain[center];
      for (int c = 0; c < C; ++c)
        hidden[c] =
            make_float4(hidden[c].x * inv, hidden[c].y * inv, hidden[c].z * inv, hidden[c].w * inv);
      const bool want_loss = (i & 7) == 0;
      float loss = 0;
      for (int j = lo; j < hi; ++j) {
        if (j == i) continue;
        targets[0] = sentence[j];
        for (int64_t k = 0; k < l.negative; ++k)
          targets[1 + k] =
              fasttext_negative(l.alias, l.vocab, l.seed, l.epoch, p, j - lo, k, targets[0]);
        float4 grad[C];
        for (int c = 0; c < C; ++c) grad[c] = make_float4(0, 0, 0, 0);
        loss += predict<C>(hidden, grad, targets, n_targets, output, stride4, lr, want_loss);
        axpy(gain, grad, hidden);
        axpy(1.0f, grad, grad_sum);
      }
      for (int64_t k = 0; k < count; ++k)
        add_row(input + int64_t(l.row_ids[first + k]) * stride4, grad_sum, stride4);
      if (want_loss) loss_sum += loss, loss_count += unsigned(hi - lo - 1);
    }
  }
  report_loss(loss_sum, loss_count, l.loss_sum, l.loss_count);
}

template <int C>
void launch_train(const FastTextLaunch& l, unsigned blocks) {
  train_kernel<C><<<blocks, kWarp * kWarpsPerBlock, 0, current_stream()>>>(l);
  EMBER_CUDA_CHECK_LAUNCH();
}

}  // namespace

void fasttext_train(const FastTextLaunch& l) {
  EMBER_CHECK(l.dim > 0 && l.dim <= kFastTextMaxDim, "fasttext (CUDA): dim ", l.dim,
              " is outside 1..", kFastTextMaxDim);
  EMBER_CHECK(l.negative >= 1 && l.negative <= kFastTextMaxNegative, "fasttext (CUDA): negative ",
              l.negative, " is outside 1..", kFastTextMaxNegative);
  EMBER_CHECK(l.window >= 1 && 2 * l.window * 8 + 2 < 65536, "fasttext (CUDA): window ", l.window,
              " is outside 1..4000");
  EMBER_CHECK(l.stride % 4 == 0 && l.stride >= l.dim, "fasttext (CUDA): bad row stride ", l.stride);
  EMBER_CHECK(l.num_ids < (int64_t(1) << 48) && l.total_words > 0, "fasttext (CUDA): a corpus of ",
              l.num_ids, " ids is outside 1..2^48");
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
