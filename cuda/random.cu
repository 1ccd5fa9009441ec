// The GPU side of tensor/ops/random.cpp's bernoulli (behind dropout): Philox4x32-10 on the
// device, the same function as philox4x32 in tensor/generator.h, so both give one tensor.
#include <ember/cuda/check.cuh>
#include <ember/cuda/first_bad.cuh>
#include <ember/cuda/internal/random.h>
#include <ember/tensor/ops/copy.h>

namespace ember::cuda {

namespace {

// Philox4x32-10 of counter (lo 64 bits; the high ones 0) and key: must match tensor/generator.h.
__device__ uint4 philox(uint64_t counter_lo, uint64_t key) {
  uint32_t c0 = uint32_t(counter_lo), c1 = uint32_t(counter_lo >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = uint32_t(key), k1 = uint32_t(key >> 32);
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t(0xD2511F53u) * c0;
    const uint64_t p1 = uint64_t(0xCD9E8D57u) * c2;
    const uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0;
    const uint32_t n2 = uint32_t(p0 >> 32) ^ c3 ^ k1;
    c1 = uint32_t(p1);
    c3 = uint32_t(p0);
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return make_uint4(c0, c1, c2, c3);
}

// A 32-bit word to a float in [0, 1) with 24 random bits, as uniform_float in generator.h.
__device__ float uniform_float(uint32_t word) { return (word >> 8) * 0x1.0p-24f; }

template <typename T>
__global__ void check_probabilities_kernel(const T* p, int64_t n, unsigned long long* first_bad) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    if (!(p[i] >= T(0) && p[i] <= T(1))) atomicMin(first_bad, static_cast<unsigned long long>(i));
}

// One thread per Philox block b: out[4b + j] = uniform(word j) < p[4b + j], or < p_all where
// p is null (=).
template <typename T>
__global__ void bernoulli_kernel(T* out, const T* p, T p_all, int64_t n, uint64_t first,
                                 uint64_t key) {
  const int64_t blocks = (n + 3) / 4;
  for (int64_t b = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; b < blocks;
       b += int64_t(gridDim.x) * blockDim.x) {
    const uint4 w = philox(first + uint64_t(b), key);
    const uint32_t words[4] = {w.x, w.y, w.z, w.w};
    for (int j = 0; j < 4; ++j) {
      const int64_t i = 4 * b + j;
      if (i < n) out[i] = uniform_float(words[j]) < (p ? p[i] : p_all) ? T(1) : T(0);
    }
  }
}

}  // namespace

Tensor bernoulli(const Tensor& probs, Generator& gen) {
  Tensor out = empty(probs.sizes(), TensorOptions(probs.dtype()).device(probs.device()));
  const int64_t n = probs.numel();
  if (n == 0) return out;
  DeviceGuard guard(probs.device().index);
  dispatch_floating(probs.dtype(), "bernoulli", [&](auto tag) {
    using T = decltype(tag);
    FirstBad first_bad(probs.device());
    check_probabilities_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
        probs.device_data<T>(), n, first_bad.data());
    EMBER_CUDA_CHECK_LAUNCH();
    const int64_t at = first_bad.read();
    if (at >= 0) {
      EMBER_FAIL("bernoulli: probability ", ops::select(ops::view(probs, {-1}), 0, at).item<T>(),
                 " at position ", at, " is outside [0, 1]");
    }
    const uint64_t blocks = uint64_t((n + 3) / 4);
    const uint64_t first = gen.reserve(blocks);
    bernoulli_kernel<<<blocks_for(int64_t(blocks)), kThreads, 0, current_stream()>>>(
        out.device_data<T>(), probs.device_data<T>(), T(0), n, first, gen.seed());
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return out;
}

Tensor bernoulli(const Shape& sizes, double p, TensorOptions options, Generator& gen) {
  Tensor out = empty(sizes, options);
  const int64_t n = out.numel();
  if (n == 0) return out;
  DeviceGuard guard(out.device().index);
  dispatch_floating(out.dtype(), "bernoulli", [&](auto tag) {
    using T = decltype(tag);
    const uint64_t blocks = uint64_t((n + 3) / 4);
    const uint64_t first = gen.reserve(blocks);
    bernoulli_kernel<<<blocks_for(int64_t(blocks)), kThreads, 0, current_stream()>>>(
        out.device_data<T>(), static_cast<const T*>(nullptr), T(p), n, first, gen.seed());
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return out;
}

}  // namespace ember::cuda
