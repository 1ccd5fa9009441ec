// Generator: a seeded, counter-based random source (Philox4x32-10, as cuRAND and PyTorch's
// CUDA generator use). Each draw of n numbers takes counters [offset, offset + ceil(n/4))
// and advances offset, so the numbers depend only on (seed, offset) and never on threads
// or launch shape: the same seed gives the same tensor on one thread, many, or a GPU.
#pragma once

#include <array>
#include <cstdint>

#include <ember/tensor/tensor.h>

// philox4x32 runs on the host and in CUDA kernels (cuda/word2vec.cu draws with it).
#if defined(__CUDACC__)
#define EMBER_HOST_DEVICE __host__ __device__
#else
#define EMBER_HOST_DEVICE
#endif

namespace ember {

// Philox4x32-10: 4 random 32-bit words from a 128-bit counter and a 64-bit key.
EMBER_HOST_DEVICE inline std::array<uint32_t, 4> philox4x32(uint64_t counter_lo,
                                                            uint64_t counter_hi, uint64_t key) {
  uint32_t c0 = uint32_t(counter_lo), c1 = uint32_t(counter_lo >> 32);
  uint32_t c2 = uint32_t(counter_hi), c3 = uint32_t(counter_hi >> 32);
  uint32_t k0 = uint32_t(key), k1 = uint32_t(key >> 32);
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = uint64_t(0xD2511F53u) * c0;
    uint64_t p1 = uint64_t(0xCD9E8D57u) * c2;
    uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0;
    uint32_t n2 = uint32_t(p0 >> 32) ^ c3 ^ k1;
    c1 = uint32_t(p1);
    c3 = uint32_t(p0);
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {c0, c1, c2, c3};
}

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}

  void manual_seed(uint64_t seed) {
    seed_ = seed;
    offset_ = 0;
  }
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t offset) { offset_ = offset; }

  // Reserves `blocks` Philox counters and returns the first; the caller draws
  // philox4x32(first + i, 0, seed()) for i < blocks.
  uint64_t reserve(uint64_t blocks) {
    uint64_t first = offset_;
    offset_ += blocks;
    return first;
  }

  // Sequential draws for algorithms that are sequential anyway (randperm, sampling).
  uint32_t next_u32();
  uint64_t next_u64() { return (uint64_t(next_u32()) << 32) | next_u32(); }
  double next_double() { return (next_u64() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
  std::array<uint32_t, 4> buffer_{};
  int buffered_ = 0;
};

// The process-wide generator used when none is passed; seeded with 0 until manual_seed.
Generator& default_generator();
void manual_seed(uint64_t seed);

// Word -> float in [0, 1) and (0, 1], with 24 random bits, as CUDA's curand_uniform uses.
inline float uniform_float(uint32_t word) { return (word >> 8) * 0x1.0p-24f; }
inline double uniform_double(uint32_t hi, uint32_t lo) {
  return ((uint64_t(hi) << 21) ^ (lo >> 11)) * 0x1.0p-53;
}

// ---- random tensors (tensor/ops/random.cpp); gen == nullptr uses default_generator() ----
Tensor rand(const Shape& sizes, Generator* gen = nullptr, TensorOptions options = {});
Tensor randn(const Shape& sizes, Generator* gen = nullptr, TensorOptions options = {});
// Integers uniform in [low, high).
Tensor randint(int64_t low, int64_t high, const Shape& sizes, Generator* gen = nullptr,
               TensorOptions options = kInt64);
Tensor randperm(int64_t n, Generator* gen = nullptr, TensorOptions options = kInt64);
// Each element 1 with probability p (a float tensor of the probabilities' dtype).
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);
// Each element 1 with the one probability p in [0, 1] (a float dtype in options): the numbers
// of bernoulli(full(sizes, p, options)), without the probabilities' tensor or their check.
Tensor bernoulli(const Shape& sizes, double p, TensorOptions options, Generator* gen = nullptr);
// Draws num_samples category ids from each row of non-negative weights ([C] or [B, C]).
Tensor multinomial(const Tensor& weights, int64_t num_samples, bool replacement = false,
                   Generator* gen = nullptr);
Tensor rand_like(const Tensor& t, Generator* gen = nullptr);
Tensor randn_like(const Tensor& t, Generator* gen = nullptr);

// In place fills (under no_grad; nn::init builds on these).
Tensor& uniform_(Tensor& t, double low, double high, Generator* gen = nullptr);
Tensor& normal_(Tensor& t, double mean, double std, Generator* gen = nullptr);

}  // namespace ember
