// What the one-warp-per-sentence trainers (cuda/word2vec.cu, cuda/fasttext.cu) share: the
// subsampling kernel, alias-table negatives, and the negative-sampling prediction of a hidden
// vector held in registers. A lane holds C float4 chunks of a row (dim <= 128 * C): chunk c of
// lane l is float4 l + 32 c of the row, and chunks at or past stride / 4 are zeros that are
// never stored. Random numbers are Philox counted by corpus position p:
//   counter (p, epoch << 16 | 0)               subsampling coin
//   counter (p, epoch << 16 | 1)               reduced window
//   counter (p, epoch << 16 | 2 + 8 slot + j)  negatives: 2 draws per call j
// Updates are float4 atomicAdds (sm_90) and reads unsynchronised: Hogwild (see word2vec.cu).
#pragma once

#include <cstdint>

#include <ember/cuda/check.cuh>
#include <ember/cuda/sentence_launch.h>
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

__device__ inline uint64_t counter_hi(int64_t epoch, int64_t tag) {
  return (uint64_t(epoch) << 16) | uint64_t(tag);
}

// data::AliasTable::draw: the high word picks the column, the low word is the coin.
__device__ inline int32_t draw_negative(const uint64_t* alias, int64_t V, uint32_t hi,
                                        uint32_t lo) {
  const uint32_t column = uint32_t((uint64_t(hi) * uint64_t(V)) >> 32);
  const uint64_t entry = __ldg(alias + column);
  return int32_t(lo < uint32_t(entry) ? column : uint32_t(entry >> 32));
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
        const uint32_t coin = philox4x32(uint64_t(p), counter_hi(l.epoch, 0), l.seed)[0];
        keep = coin <= __ldg(l.keep + id);
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

// One prediction: hidden h (this lane's C chunks) predicts targets[0] against the rest; a
// negative equal to targets[0] is skipped (word2vec). Output rows are updated in place (+=);
// h's gradient step is accumulated into grad (+=). Returns the summed loss when want_loss.
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
      const float4* r = output + int64_t(targets[k]) * stride4;
#pragma unroll
      for (int c = 0; c < C; ++c) {
        const int64_t j = lane + c * kWarp;
        row[t][c] = j < stride4 ? r[j] : make_float4(0, 0, 0, 0);
        part[t] += h[c].x * row[t][c].x + h[c].y * row[t][c].y + h[c].z * row[t][c].z +
                   h[c].w * row[t][c].w;
      }
    }
#pragma unroll
    for (int t = 0; t < kGroup; ++t) {
      const int k = first + t;
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

}  // namespace ember::cuda::sentence_warp
