// The CUDA twin of the fused GloVe trainer (models/glove_trainer.cpp): glove.c's AdaGrad update of
// one co-occurrence record per group of G lanes, Hogwild in global memory, the records in a
// fresh pseudo-random order each epoch (EpochOrder). Host-callable with device pointers; the
// trainer in models/glove_trainer.cpp owns the buffers.
#pragma once

#include <cstdint>

#include <ember/tensor/generator.h>

namespace ember::cuda {

// A co-occurrence record as the kernel reads it: data::CooccurrenceRecord's layout (the
// trainer checks that they agree).
struct GloVeRecord {
  int32_t row;  // word id
  int32_t col;  // context id
  float value;  // x > 0
};

struct GloVeLaunch {
  const GloVeRecord* records;  // [N], ids checked < V by the host
  int64_t num_records;         // N
  int64_t begin, end;          // this launch trains positions [begin, end) of the epoch's order
  // Row r of each side: [vector (S) | gradsq (S) | bias, bias gradsq, zeros] (glove.h).
  float* word;     // [V, stride]
  float* context;  // [V, stride]
  int64_t S, stride;
  float eta, x_max, alpha, grad_clip;
  uint64_t seed;
  int64_t epoch;
  double* cost_sum;  // += glove.c's cost J of every record trained (for the progress line)
  // At most this many records in flight (0: as many as the GPU holds). 1 trains the records
  // one after another in the epoch's order: the tests' deterministic replay of the CPU steps.
  int64_t groups;
};

// Queues the training kernel on ember's current stream.
void glove_train(const GloVeLaunch& launch);

// The order of an epoch: a pseudo-random permutation of [0, n), one per (seed, epoch), that
// any thread evaluates at any position without a table. A 4-round Feistel network permutes
// the 2h-bit numbers (the least h with 4^h >= n, so fewer than 4n of them) with a keyed
// 32-bit integer hash as round function (Wellons' lowbias32); a position that lands at or
// past n is permuted again until it lands inside (cycle walking: fewer than 4 steps on
// average), which keeps the map a bijection of [0, n).
class EpochOrder {
 public:
  EMBER_HOST_DEVICE EpochOrder(uint64_t n, uint64_t seed, int64_t epoch) : n_(n) {
    while (half_bits_ < 32 && (uint64_t(1) << (2 * half_bits_)) < n) ++half_bits_;
    const auto words = philox4x32(uint64_t(epoch), 4, seed);
    for (int r = 0; r < 4; ++r) keys_[r] = words[size_t(r)];
  }

  // The record trained at position i < n.
  EMBER_HOST_DEVICE uint64_t operator()(uint64_t i) const {
    if (n_ <= 1) return i;
    uint64_t x = i;
    do x = feistel(x);
    while (x >= n_);
    return x;
  }

 private:
  EMBER_HOST_DEVICE static uint32_t hash(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
  }
  EMBER_HOST_DEVICE uint64_t feistel(uint64_t x) const {
    const uint64_t mask = (uint64_t(1) << half_bits_) - 1;
    uint64_t left = x >> half_bits_, right = x & mask;
    for (int r = 0; r < 4; ++r) {
      const uint64_t next = left ^ (hash(uint32_t(right) ^ keys_[r]) & mask);
      left = right;
      right = next;
    }
    return (left << half_bits_) | right;
  }

  uint64_t n_;
  int half_bits_ = 1;
  uint32_t keys_[4] = {};
};

}  // namespace ember::cuda
