// The inner loops of the fused CPU trainers (word2vec, fastText, GloVe) over rows padded to a
// stride S that is a multiple of 16 floats whose padding stays zero (models::RowTable), so
// they run over the whole stride with no tail. They are always inline: each trainer compiles
// its worker body for AVX2 with FMA and for any x86-64 (and some for AVX-512), and picks one
// with ember::cpu's checks (hogwild::simd_build).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include <ember/tensor/cpu.h>

#define EMBER_ALWAYS_INLINE inline __attribute__((always_inline))

namespace ember::models::row_loops {

// n floats of scratch, zeroed, 64-byte aligned (n a multiple of 16, as RowTable strides are).
class Rows {
 public:
  explicit Rows(int64_t n)
      : data_(static_cast<float*>(std::aligned_alloc(64, size_t(n) * sizeof(float)))) {
    if (!data_) throw std::bad_alloc();
    std::memset(data_, 0, size_t(n) * sizeof(float));
  }
  ~Rows() { std::free(data_); }
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  float* data() { return data_; }

 private:
  float* data_;
};

// sum_j a[j] * b[j] over the stride S
EMBER_ALWAYS_INLINE float dot(const float* __restrict a, const float* __restrict b, int64_t S) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t j = 0; j < S; ++j) sum += a[j] * b[j];
  return sum;
}

// y += alpha * x
EMBER_ALWAYS_INLINE void axpy(float alpha, const float* __restrict x, float* __restrict y,
                              int64_t S) {
#pragma omp simd
  for (int64_t j = 0; j < S; ++j) y[j] += alpha * x[j];
}

// Asks the cache for a row's S floats ahead of their use, for writing: every row prefetched is
// updated (PREFETCHW where the worker is compiled with prfchw, hogwild.h; CBOW 1.1-1.2x the
// words/s, skip-gram and fastText the same).
EMBER_ALWAYS_INLINE void prefetch_row(const float* row, int64_t S) {
  cpu::prefetch_for_writing(row, size_t(S) * sizeof(float));
}

// out [S] = the mean of the n rows ids [n] of table (rows S floats apart), summed in order.
EMBER_ALWAYS_INLINE void mean_of_rows(const float* __restrict table, int64_t S, const int32_t* ids,
                                      int64_t n, float* __restrict out) {
  std::memset(out, 0, size_t(S) * sizeof(float));
  for (int64_t k = 0; k < n; ++k) axpy(1.0f, table + int64_t(ids[k]) * S, out, S);
  const float inv = 1.0f / float(n);
  for (int64_t j = 0; j < S; ++j) out[j] *= inv;
}

// log(1 + exp(x)) without overflow: the loss of a prediction with logit -x.
EMBER_ALWAYS_INLINE float softplus(float x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// One negative-sampling prediction for the hidden vector h [S]: targets[0] the true word
// (label 1), the rest negatives (label 0); a negative equal to the true word is skipped. For
// each: logit = h . row, g = lr * (label - sigmoid(logit)); grad += g * row, then row += g * h
// (output rows updated in place, h's gradient step accumulated in grad). Returns the summed
// loss, softplus(-logit) for the true word and softplus(logit) for the others, when
// want_loss, else 0.
EMBER_ALWAYS_INLINE float predict(const float* __restrict h, float* __restrict output, int64_t S,
                                  const int32_t* targets, int64_t T, float lr,
                                  float* __restrict grad, bool want_loss) {
  float loss = 0;
  for (int64_t t = 0; t < T; ++t) {
    if (t > 0 && targets[t] == targets[0]) continue;
    float* row = output + int64_t(targets[t]) * S;
    const float logit = dot(h, row, S);
    const float label = t == 0 ? 1.0f : 0.0f;
    const float g = lr * (label - 1.0f / (1.0f + std::exp(-logit)));
    if (want_loss) loss += softplus(t == 0 ? -logit : logit);
    axpy(g, row, grad, S);
    axpy(g, h, row, S);
  }
  return loss;
}

}  // namespace ember::models::row_loops
