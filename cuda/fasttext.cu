// The CUDA twin of the fused fastText trainer (models/fasttext_trainer.cpp): its per-centre
// step, run by sentence_kernel (cuda/sentence_warp.cuh), one warp per sentence, each lane
// holding C float4 chunks of a row. For each kept center word:
//   hidden   = mean of its n input rows (CSR: row_ids[row_offsets[w] ..])
//   for each context word u in the reduced window (c = its place in the window):
//     negatives drawn by draw_negatives (a draw equal to u drawn again), grad = 0,
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

struct FastTextStep {
  using Launch = FastTextLaunch;
  static constexpr int kLossEvery = 8;

  // Linear from lr0 down to 0 over all epochs' words.
  __device__ static float lr_at(const Launch& l, int64_t done) {
    return float(l.lr0 * fmax(0.0, 1.0 - double(done) / double(l.total_words)));
  }

  template <int C>
  __device__ static Loss centre(const Launch& l, const int32_t* sentence, int i, int lo, int hi,
                                int64_t slot, float lr, bool want_loss) {
    const auto [input, output, stride4] = rows4(l);
    int32_t targets[1 + kFastTextMaxNegative];
    const int n_targets = int(1 + l.negative);
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
    Loss loss;
    for (int j = lo; j < hi; ++j) {
      if (j == i) continue;
      targets[0] = sentence[j];
      draw_negatives(l.alias, l.vocab, l.seed, l.epoch, slot, j - lo, l.negative, targets[0],
                     targets + 1);
      float4 grad[C];
      for (int c = 0; c < C; ++c) grad[c] = make_float4(0, 0, 0, 0);
      loss.sum += predict<C>(hidden, grad, targets, n_targets, output, stride4, lr, want_loss);
      ++loss.count;
      axpy(gain, grad, hidden);
      axpy(1.0f, grad, grad_sum);
    }
    for (int64_t k = 0; k < count; ++k)
      add_row(input + int64_t(l.row_ids[first + k]) * stride4, grad_sum, stride4);
    return loss;
  }
};

}  // namespace

void fasttext_train(const FastTextLaunch& l) {
  check_sentence_launch("fasttext", l, kFastTextMaxDim, kFastTextMaxNegative);
  launch_sentences<FastTextStep>(l);
}

}  // namespace ember::cuda
