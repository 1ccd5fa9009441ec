// The CUDA twin of models/word2vec.cpp's Hogwild loop. One warp trains one sentence at a
// time; each lane holds C float4 chunks of a row (dim <= 128 * C), so a dot product is a
// per-lane FMA chain and a 5-step shuffle reduction. Random numbers are Philox, counted by
// corpus position, so a launch's draws do not depend on the grid shape:
//   counter (position, epoch << 16 | 0)               subsampling coin
//   counter (position, epoch << 16 | 1)               reduced window
//   counter (position, epoch << 16 | 2 + 8 slot + j)  negatives: 2 draws per call j
// Targets of one prediction are processed in groups of 4 (four rows loaded at once, four
// reductions in flight). Updates are float4 atomicAdds (sm_90): thousands of warps hit the
// frequent rows at once, and plain stores would lose most of their updates (measured on
// en7m: analogy 0.148 with stores); reads stay unsynchronised, as in Hogwild. Runs are
// therefore not bit-reproducible on the GPU, except a one-sentence corpus (one warp).
#include <ember/cuda/word2vec.h>

#include <algorithm>

#include <ember/cuda/check.cuh>
#include <ember/tensor/error.h>
#include <ember/tensor/generator.h>

namespace ember::cuda {

namespace {

constexpr int kWarp = 32;
constexpr int kWarpsPerBlock = 8;
constexpr int kGroup = 4;

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

// Subsampling: the kept tokens of each sentence, closed up, into kept[start...];
// kept_length[s] = how many.
__global__ void subsample_kernel(Word2VecLaunch l) {
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

// One prediction: hidden h (this lane's C chunks) predicts targets[0] against the rest.
// Output rows are updated in place (+=); h's gradient step is accumulated into grad (+=).
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

template <int C>
__device__ inline void load_row(float4 (&v)[C], const float4* row, int64_t stride4) {
  const int lane = threadIdx.x % kWarp;
#pragma unroll
  for (int c = 0; c < C; ++c) {
    const int64_t j = lane + c * kWarp;
    v[c] = j < stride4 ? row[j] : make_float4(0, 0, 0, 0);
  }
}

template <int C>
__device__ inline void add_row(float4* row, const float4 (&v)[C], int64_t stride4) {
  const int lane = threadIdx.x % kWarp;
#pragma unroll
  for (int c = 0; c < C; ++c) {
    const int64_t j = lane + c * kWarp;
    if (j < stride4) atomicAdd(row + j, v[c]);
  }
}

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
  const int lane = threadIdx.x % kWarp;
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
  if (lane == 0 && loss_count) {
    atomicAdd(l.loss_sum, double(loss_sum));
    atomicAdd(l.loss_count, loss_count);
  }
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
  int device = 0, sms = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&device));
  EMBER_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  const unsigned blocks = unsigned(std::max<int64_t>(
      1, std::min<int64_t>((sentences + kWarpsPerBlock - 1) / kWarpsPerBlock, int64_t(sms) * 16)));
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
