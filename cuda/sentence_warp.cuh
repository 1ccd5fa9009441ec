// What the one-warp-per-sentence trainers (cuda/word2vec.cu, cuda/fasttext.cu) share: the
// subsampling kernel, the sentence loop (sentence_kernel: the CUDA twin of
// models/internal/sentence_loop.h, into which each model passes its per-centre step), and the
// negative-sampling prediction of a hidden vector held in registers. A lane holds C float4
// chunks of a row (dim <= 128 * C): chunk c of lane l is float4 l + 32 c of the row, and
// chunks at or past stride / 4 are zeros that are never stored. Random numbers are the
// counter-based draws of cuda/sentence_launch.h. Updates are float4 atomicAdds (sm_90) and
// reads unsynchronised: Hogwild (see word2vec.cu).
#pragma once

#include <cstdint>

#include <ember/cuda/check.cuh>
#include <ember/cuda/sentence_launch.h>
#include <ember/tensor/error.h>
#include <ember/tensor/generator.h>

namespace ember::cuda::sentence_warp {

constexpr int kWarp = 32;
constexpr int kWarpsPerBlock = 8;
constexpr int kGroup = 4;  // targets whose rows are loaded at once in predict()

__device__ inline float warp_sum(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// Subsampling: the kept tokens of each sentence of [begin_sentence, end_sentence), closed up,
// into kept[start...]; kept_length[s] = how many. Launch: a SentenceLaunch (a template, so
// that each .cu file that includes this one has its own instantiation).
template <typename Launch>
__global__ void subsample_kernel(Launch l) {
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = int64_t(gridDim.x) * kWarpsPerBlock;
  for (int64_t s = l.begin_sentence + int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;
       s < l.end_sentence; s += warps) {
    const int64_t begin = l.sentence_starts[s], end = l.sentence_starts[s + 1];
    int count = 0;
    for (int64_t base = begin; base < end; base += kWarp) {
      const int64_t p = base + lane;
      bool keep = false;
      int32_t id = 0;
      if (p < end) {
        id = l.ids[p];
        keep = keep_coin(l.seed, l.epoch, p) <= __ldg(l.keep + id);
      }
      const unsigned mask = __ballot_sync(0xffffffffu, keep);
      if (keep) l.kept[begin + count + __popc(mask & ((1u << lane) - 1u))] = id;
      count += __popc(mask);
    }
    if (lane == 0) l.kept_length[s] = count;
  }
}

// The blocks for a launch over `sentences` sentences: one warp each, at most 16 blocks per SM
// (the warps loop over the rest).
inline unsigned sentence_blocks(int64_t sentences) {
  int device = 0, sms = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&device));
  EMBER_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  const int64_t wanted = (sentences + kWarpsPerBlock - 1) / kWarpsPerBlock;
  const int64_t most = int64_t(sms) * 16;
  return unsigned(wanted < 1 ? 1 : wanted < most ? wanted : most);
}

// v = row (this lane's chunks; zeros past the stride); returns this lane's part of v . h.
template <int C>
__device__ inline float load_dot(float4 (&v)[C], const float4* row, const float4 (&h)[C],
                                 int64_t stride4) {
  const int lane = threadIdx.x % kWarp;
  float part = 0;
#pragma unroll
  for (int c = 0; c < C; ++c) {
    const int64_t j = lane + c * kWarp;
    v[c] = j < stride4 ? row[j] : make_float4(0, 0, 0, 0);
    part += h[c].x * v[c].x + h[c].y * v[c].y + h[c].z * v[c].z + h[c].w * v[c].w;
  }
  return part;
}

// One prediction: hidden h (this lane's C chunks) predicts targets[0] against the rest; a
// negative equal to targets[0] is skipped. Output rows are updated in place (+=); h's gradient
// step is accumulated into grad (+=). Returns the summed loss when want_loss. Targets go
// kGroup at a time: their rows are loaded (four reductions in flight), then each is updated in
// turn; a row drawn twice in one group is read again after its first update, so the result is
// the CPU loop's, which reads each row as it updates it.
template <int C>
__device__ inline float predict(const float4 (&h)[C], float4 (&grad)[C], const int32_t* targets,
                                int n_targets, float4* output, int64_t stride4, float lr,
                                bool want_loss) {
  const int lane = threadIdx.x % kWarp;
  float loss = 0;
  for (int first = 0; first < n_targets; first += kGroup) {
    float4 row[kGroup][C];
    float part[kGroup];
#pragma unroll
    for (int t = 0; t < kGroup; ++t) {
      part[t] = 0;
      const int k = first + t;
      if (k >= n_targets) continue;
      part[t] = load_dot(row[t], output + int64_t(targets[k]) * stride4, h, stride4);
    }
#pragma unroll
    for (int t = 0; t < kGroup; ++t) {
      const int k = first + t;
      bool updated = false;  // since it was loaded: listed earlier in the group (warp-uniform)
#pragma unroll
      for (int u = 0; u < t; ++u) updated |= k < n_targets && targets[first + u] == targets[k];
      // A lane reads back only the chunks it added to itself, so it sees its own updates.
      if (updated) part[t] = load_dot(row[t], output + int64_t(targets[k]) * stride4, h, stride4);
      const float logit = warp_sum(part[t]);
      if (k >= n_targets || (k > 0 && targets[k] == targets[0])) continue;
      const float label = k == 0 ? 1.0f : 0.0f;
      const float e = __expf(-logit);
      const float g = (label - 1.0f / (1.0f + e)) * lr;
      if (want_loss) {
        const float x = k == 0 ? -logit : logit;  // loss = log(1 + exp(x))
        loss += x > 0 ? x + log1pf(__expf(-x)) : log1pf(__expf(x));
      }
      float4* r = output + int64_t(targets[k]) * stride4;
#pragma unroll
      for (int c = 0; c < C; ++c) {
        const int64_t j = lane + c * kWarp;
        if (j >= stride4) continue;
        grad[c].x += g * row[t][c].x;
        grad[c].y += g * row[t][c].y;
        grad[c].z += g * row[t][c].z;
        grad[c].w += g * row[t][c].w;
        atomicAdd(r + j, make_float4(g * h[c].x, g * h[c].y, g * h[c].z, g * h[c].w));
      }
    }
  }
  return loss;
}

// v = row (this lane's chunks; zeros past the stride)
template <int C>
__device__ inline void load_row(float4 (&v)[C], const float4* row, int64_t stride4) {
  const int lane = threadIdx.x % kWarp;
#pragma unroll
  for (int c = 0; c < C; ++c) {
    const int64_t j = lane + c * kWarp;
    v[c] = j < stride4 ? row[j] : make_float4(0, 0, 0, 0);
  }
}

// row += v
template <int C>
__device__ inline void add_row(float4* row, const float4 (&v)[C], int64_t stride4) {
  const int lane = threadIdx.x % kWarp;
#pragma unroll
  for (int c = 0; c < C; ++c) {
    const int64_t j = lane + c * kWarp;
    if (j < stride4) atomicAdd(row + j, v[c]);
  }
}

// y += a * x
template <int C>
__device__ inline void axpy(float a, const float4 (&x)[C], float4 (&y)[C]) {
#pragma unroll
  for (int c = 0; c < C; ++c)
    y[c] = make_float4(y[c].x + a * x[c].x, y[c].y + a * x[c].y, y[c].z + a * x[c].z,
                       y[c].w + a * x[c].w);
}

// Lane 0 adds the warp's sampled losses to the launch's totals.
__device__ inline void report_loss(float loss_sum, unsigned long long loss_count,
                                   double* total_loss, unsigned long long* total_count) {
  if (threadIdx.x % kWarp == 0 && loss_count) {
    atomicAdd(total_loss, double(loss_sum));
    atomicAdd(total_count, loss_count);
  }
}

// A launch's tables as rows of stride4 float4s.
struct Rows4 {
  float4* input;
  float4* output;
  int64_t stride4;
};
__device__ inline Rows4 rows4(const SentenceLaunch& l) {
  return {reinterpret_cast<float4*>(l.input), reinterpret_cast<float4*>(l.output), l.stride / 4};
}

// The summed loss of a step's predictions, and how many there were.
struct Loss {
  float sum = 0;
  unsigned long long count = 0;
};

// The sentence loop, one warp per sentence of [l.begin_sentence, l.end_sentence), over the
// tokens subsample_kernel kept: for each kept token i, its reduced window, then the model's
// step for the centre i and its context lo..hi-1 but i. Step (word2vec.cu, fasttext.cu) has
//   using Launch = ...;                                // a SentenceLaunch with its tables
//   static constexpr int kLossEvery;                   // sample every kLossEvery-th centre
//   static float lr_at(const Launch&, int64_t done);   // the lr after `done` corpus ids
//   template <int C> static Loss centre(const Launch&, const int32_t* sentence, int i,
//                                       int lo, int hi, int64_t slot, float lr, bool want_loss);
// The lr is set at each sentence from its position, as the CPU loop with PhiloxDraws does.
template <int C, typename Step>
__global__ void __launch_bounds__(kWarp* kWarpsPerBlock) sentence_kernel(typename Step::Launch l) {
  const int64_t warps = int64_t(gridDim.x) * kWarpsPerBlock;
  float loss_sum = 0;
  unsigned long long loss_count = 0;
  for (int64_t s = l.begin_sentence + int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;
       s < l.end_sentence; s += warps) {
    const int64_t begin = l.sentence_starts[s];
    const int n = l.kept_length[s];
    const int32_t* sentence = l.kept + begin;
    const float lr = Step::lr_at(l, l.epoch * l.num_ids + begin);
    for (int i = 0; i < n; ++i) {
      const int64_t slot = begin + i;
      const int64_t reach = reduced_window(l.seed, l.epoch, slot, l.window);
      const int lo = int(max(int64_t(0), i - reach)), hi = int(min(int64_t(n), i + reach + 1));
      if (hi - lo <= 1) continue;  // no context
      const bool want_loss = i % Step::kLossEvery == 0;
      const Loss loss = Step::template centre<C>(l, sentence, i, lo, hi, slot, lr, want_loss);
      if (want_loss) loss_sum += loss.sum, loss_count += loss.count;
    }
  }
  report_loss(loss_sum, loss_count, l.loss_sum, l.loss_count);
}

// What a sentence launch must pass before its kernels may index blindly; errors name
// `trainer`.
inline void check_sentence_launch(const char* trainer, const SentenceLaunch& l, int64_t max_dim,
                                  int64_t max_negative) {
  const int64_t stride = l.stride, dim = l.dim;
  EMBER_CHECK(dim > 0 && dim <= max_dim, trainer, " (CUDA): dim ", dim, " is outside 1..", max_dim);
  EMBER_CHECK(l.negative >= 1 && l.negative <= max_negative, trainer, " (CUDA): negative ",
              l.negative, " is outside 1..", max_negative);
  EMBER_CHECK(l.window >= 1 && 2 * l.window * 8 + 2 < 65536, trainer, " (CUDA): window ", l.window,
              " is outside 1..4000");
  EMBER_CHECK(stride % 4 == 0 && stride >= dim, trainer, " (CUDA): bad row stride ", stride);
  EMBER_CHECK(l.num_ids < (int64_t(1) << 48) && l.total_words > 0, trainer, " (CUDA): a corpus of ",
              l.num_ids, " ids is outside 1..2^48");
}

// Queues the subsampling kernel, then sentence_kernel<C, Step> with C the float4 chunks a
// lane holds of a row, on ember's current stream.
template <typename Step>
void launch_sentences(const typename Step::Launch& l) {
  const int64_t sentences = l.end_sentence - l.begin_sentence;
  if (sentences <= 0) return;
  const unsigned blocks = sentence_blocks(sentences), threads = kWarp * kWarpsPerBlock;
  subsample_kernel<<<blocks, threads, 0, current_stream()>>>(l);
  EMBER_CUDA_CHECK_LAUNCH();
  const int64_t chunks = (l.stride / 4 + kWarp - 1) / kWarp;
  if (chunks <= 1)
    sentence_kernel<1, Step><<<blocks, threads, 0, current_stream()>>>(l);
  else if (chunks <= 2)
    sentence_kernel<2, Step><<<blocks, threads, 0, current_stream()>>>(l);
  else
    sentence_kernel<4, Step><<<blocks, threads, 0, current_stream()>>>(l);
  EMBER_CUDA_CHECK_LAUNCH();
}

}  // namespace ember::cuda::sentence_warp
