// The CUDA twin of models/glove_trainer.cpp's update(): glove.c's AdaGrad step for one record per
// group of G lanes (G = 4..32, the power of two that covers a vector's S / 4 float4s, so
// that dim 50 runs two records per warp). A group reads its record at EpochOrder(position),
// takes the dot product of the two vectors (float4 loads, a log2(G)-step shuffle reduction),
// then each lane updates its float4s of both vectors and their gradsq, and lane 0 the two
// biases; the arithmetic is the CPU loop's, float for float.
//
// Hogwild: tens of thousands of records are in flight, and a frequent word's rows are hit
// by many at once. Every += to a vector, gradsq, bias or bias gradsq is an atomicAdd (float4
// on sm_90) so that no update is lost; each step is computed from rows read without
// synchronisation, and the sqrt takes the gradsq as read plus this step's square. A launch
// whose records share no word row and no context row, or a launch with one group, gives the
// CPU's result up to float rounding (the dot product's order, logf, powf); otherwise runs
// differ in the last bits from run to run.
#include <ember/cuda/glove.h>

#include <ember/cuda/check.cuh>
#include <ember/tensor/error.h>

namespace ember::cuda {

namespace {

constexpr int kWarp = 32;
constexpr int kThreadsPerBlock = 256;

// Sum over the G lanes of a group (an aligned run of G lanes of the warp); every lane of the
// warp must call it.
template <int G>
__device__ inline float group_sum(float v) {
#pragma unroll
  for (int offset = G / 2; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

__device__ inline float clip(float x, float limit) {
  return x > limit ? limit : x < -limit ? -limit : x;
}

// One entry of the update: grad = fdiff * other, step = eta clip(grad); the parameter moves
// by -step / sqrt(gradsq + step^2) and gradsq by step^2. Returns (parameter +=, gradsq +=).
__device__ inline float2 adagrad(float fdiff, float other, float gradsq, float eta, float limit) {
  const float step = clip(fdiff * other, limit) * eta;
  const float sum = gradsq + step * step;
  return make_float2(-step / sqrtf(sum), step * step);
}

template <int G>
__global__ void __launch_bounds__(kThreadsPerBlock) train_kernel(GloVeLaunch l) {
  const int lane = threadIdx.x % G;
  const int64_t per_block = kThreadsPerBlock / G;
  const int64_t group = int64_t(blockIdx.x) * per_block + threadIdx.x / G;
  const int64_t all = int64_t(gridDim.x) * per_block;
  const int64_t groups = l.groups > 0 && l.groups < all ? l.groups : all;
  const int64_t S4 = l.S / 4, stride4 = l.stride / 4;
  const EpochOrder order(uint64_t(l.num_records), l.seed, l.epoch);
  double cost = 0;
  // Every thread runs the same number of iterations (shuffles need the whole warp); a group
  // past the end, or past `groups`, computes with zeros and updates nothing.
  for (int64_t base = l.begin; base < l.end; base += groups) {
    // Lane 0's bias updates of the last record become visible to the group's other lanes
    // (each lane reads back only the float4s it updated itself).
    __syncwarp();
    const int64_t position = base + group;
    const bool active = group < groups && position < l.end;
    GloVeRecord r{0, 0, 1.0f};
    if (active) r = l.records[order(uint64_t(position))];
    float4* w = reinterpret_cast<float4*>(l.word) + int64_t(r.row) * stride4;
    float4* c = reinterpret_cast<float4*>(l.context) + int64_t(r.col) * stride4;
    float part = 0;
    if (active)
      for (int64_t j = lane; j < S4; j += G) {
        const float4 a = w[j], b = c[j];
        part += a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
      }
    const float dot = group_sum<G>(part);
    if (!active) continue;
    float* w_bias = reinterpret_cast<float*>(w + 2 * S4);  // [bias, bias gradsq]
    float* c_bias = reinterpret_cast<float*>(c + 2 * S4);
    const float diff = dot + w_bias[0] + c_bias[0] - logf(r.value);
    const float fdiff = r.value > l.x_max ? diff : powf(r.value / l.x_max, l.alpha) * diff;
    if (!isfinite(diff) || !isfinite(fdiff)) continue;  // glove.c skips the record
    for (int64_t j = lane; j < S4; j += G) {
      const float4 a = w[j], b = c[j], ga = w[S4 + j], gb = c[S4 + j];
      const float2 wx = adagrad(fdiff, b.x, ga.x, l.eta, l.grad_clip);
      const float2 wy = adagrad(fdiff, b.y, ga.y, l.eta, l.grad_clip);
      const float2 wz = adagrad(fdiff, b.z, ga.z, l.eta, l.grad_clip);
      const float2 ww = adagrad(fdiff, b.w, ga.w, l.eta, l.grad_clip);
      const float2 cx = adagrad(fdiff, a.x, gb.x, l.eta, l.grad_clip);
      const float2 cy = adagrad(fdiff, a.y, gb.y, l.eta, l.grad_clip);
      const float2 cz = adagrad(fdiff, a.z, gb.z, l.eta, l.grad_clip);
      const float2 cw = adagrad(fdiff, a.w, gb.w, l.eta, l.grad_clip);
      atomicAdd(w + S4 + j, make_float4(wx.y, wy.y, wz.y, ww.y));
      atomicAdd(c + S4 + j, make_float4(cx.y, cy.y, cz.y, cw.y));
      atomicAdd(w + j, make_float4(wx.x, wy.x, wz.x, ww.x));
      atomicAdd(c + j, make_float4(cx.x, cy.x, cz.x, cw.x));
    }
    if (lane == 0) {
      // glove.c's bias step: gradsq += fdiff^2, then bias -= fdiff / sqrt(gradsq), no eta
      const float square = fdiff * fdiff;
      const float w_sum = atomicAdd(w_bias + 1, square) + square;
      const float c_sum = atomicAdd(c_bias + 1, square) + square;
      atomicAdd(w_bias, -fdiff / sqrtf(w_sum));
      atomicAdd(c_bias, -fdiff / sqrtf(c_sum));
      cost += double(0.5f * fdiff * diff);
    }
  }
  // The warp's cost in one atomic.
  for (int offset = kWarp / 2; offset > 0; offset >>= 1)
    cost += __shfl_xor_sync(0xffffffffu, cost, offset);
  if (threadIdx.x % kWarp == 0 && cost != 0) atomicAdd(l.cost_sum, cost);
}

template <int G>
void launch_train(const GloVeLaunch& l) {
  int device = 0, sms = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&device));
  EMBER_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  const int64_t per_block = kThreadsPerBlock / G;
  const int64_t records = l.groups > 0 && l.groups < l.end - l.begin ? l.groups : l.end - l.begin;
  const int64_t wanted = (records + per_block - 1) / per_block, most = int64_t(sms) * 16;
  const unsigned blocks = unsigned(wanted < most ? wanted : most);
  train_kernel<G><<<blocks, kThreadsPerBlock, 0, current_stream()>>>(l);
  EMBER_CUDA_CHECK_LAUNCH();
}

}  // namespace

void glove_train(const GloVeLaunch& l) {
  EMBER_CHECK(l.records && l.word && l.context && l.cost_sum,
              "glove (CUDA): the launch lacks its records, tables or cost counter");
  EMBER_CHECK(l.S > 0 && l.S % 4 == 0 && l.stride % 4 == 0 && l.stride >= 2 * l.S + 2,
              "glove (CUDA): bad row layout: S ", l.S, ", stride ", l.stride);
  EMBER_CHECK(0 <= l.begin && l.begin <= l.end && l.end <= l.num_records,
              "glove (CUDA): positions [", l.begin, ", ", l.end, ") outside the ", l.num_records,
              " records");
  if (l.begin == l.end) return;
  const int64_t S4 = l.S / 4;
  if (S4 <= 4)
    launch_train<4>(l);
  else if (S4 <= 8)
    launch_train<8>(l);
  else if (S4 <= 16)
    launch_train<16>(l);
  else
    launch_train<32>(l);
}

}  // namespace ember::cuda
