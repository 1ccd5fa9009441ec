// The small dense products of the minibatched word2vec steps (models/word2vec_trainer.cpp):
// a few rows of a table against a few others, with the rows given by pointers into the
// tables, so that nothing is gathered or scattered. Rows are RowTable rows: S floats, S a
// multiple of 16, 64-byte aligned, zero padding. Like row_loops.h these are always inline and
// get compiled into each trainer's AVX-512, AVX2/FMA and generic worker bodies. They run
// sixteen floats of a row at a time, held as a Lanes type: Pair8 (two 8-float GCC/Clang
// vector extensions, two ymm registers under AVX2, four xmm ones otherwise) for the AVX2 and
// generic bodies, Wide16 (one zmm register) for the AVX-512 one. GCC splits a 16-float vector
// extension badly where the target has no such register, so the type is the step's choice,
// not the compiler's.
//
// Each output value is summed in a fixed order, the same for both Lanes types: the AVX-512 and
// AVX2 bodies (both with FMA) give the same bits.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include <ember/models/internal/row_loops.h>

// The vectors are passed by value only between always-inline functions, so that GCC's note
// that an AVX argument changes the ABI of a generic build does not apply.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace ember::models::block_loops {

typedef float Vec8 __attribute__((vector_size(32)));

EMBER_ALWAYS_INLINE Vec8 load(const float* p) {
  Vec8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
EMBER_ALWAYS_INLINE void store(float* p, const Vec8& v) { std::memcpy(p, &v, sizeof v); }
EMBER_ALWAYS_INLINE float sum(const Vec8& v) {
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

// Sixteen floats as two 8-float vectors.
struct Pair8 {
  Vec8 lo, hi;
  static EMBER_ALWAYS_INLINE Pair8 load(const float* p) {
    return {block_loops::load(p), block_loops::load(p + 8)};
  }
  EMBER_ALWAYS_INLINE void store(float* p) const {
    block_loops::store(p, lo);
    block_loops::store(p + 8, hi);
  }
  EMBER_ALWAYS_INLINE Pair8& operator+=(const Pair8& o) {
    lo += o.lo;
    hi += o.hi;
    return *this;
  }
  friend EMBER_ALWAYS_INLINE Pair8 operator*(float c, const Pair8& v) {
    return {c * v.lo, c * v.hi};
  }
  friend EMBER_ALWAYS_INLINE Pair8 operator*(const Pair8& a, const Pair8& b) {
    return {a.lo * b.lo, a.hi * b.hi};
  }
  friend EMBER_ALWAYS_INLINE Pair8 operator+(const Pair8& a, const Pair8& b) {
    return {a.lo + b.lo, a.hi + b.hi};
  }
  // The halves added, then the eight sums.
  EMBER_ALWAYS_INLINE float sum() const { return block_loops::sum(lo + hi); }
};

// Sixteen floats as one vector (a zmm register under AVX-512).
struct Wide16 {
  typedef float Vec16 __attribute__((vector_size(64)));
  Vec16 v;
  static EMBER_ALWAYS_INLINE Wide16 load(const float* p) {
    Wide16 w;
    std::memcpy(&w.v, p, sizeof w.v);
    return w;
  }
  EMBER_ALWAYS_INLINE void store(float* p) const { std::memcpy(p, &v, sizeof v); }
  EMBER_ALWAYS_INLINE Wide16& operator+=(const Wide16& o) {
    v += o.v;
    return *this;
  }
  friend EMBER_ALWAYS_INLINE Wide16 operator*(float c, const Wide16& w) { return {c * w.v}; }
  friend EMBER_ALWAYS_INLINE Wide16 operator*(const Wide16& a, const Wide16& b) {
    return {a.v * b.v};
  }
  friend EMBER_ALWAYS_INLINE Wide16 operator+(const Wide16& a, const Wide16& b) {
    return {a.v + b.v};
  }
  // The halves added, then the eight sums: as Pair8 sums.
  EMBER_ALWAYS_INLINE float sum() const {
    Vec8 lo, hi;
    std::memcpy(&lo, &v, sizeof lo);
    std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
    return block_loops::sum(lo + hi);
  }
};

// out[a * B + b] = a_rows[a] . b_rows[b] for a < A, b < B: out is [A, B]. Four b rows at a
// time share each load of a row of A. Each product is summed sixteen floats at a time into a
// Lanes, then its two halves added and the eight sums summed (Lanes::sum).
template <typename Lanes>
EMBER_ALWAYS_INLINE void dots(const float* const* a_rows, int64_t A, const float* const* b_rows,
                              int64_t B, int64_t S, float* __restrict out) {
  for (int64_t a = 0; a < A; ++a) {
    const float* x = a_rows[a];
    int64_t b = 0;
    for (; b + 4 <= B; b += 4) {
      const float *y0 = b_rows[b], *y1 = b_rows[b + 1], *y2 = b_rows[b + 2], *y3 = b_rows[b + 3];
      Lanes s0{}, s1{}, s2{}, s3{};
      for (int64_t j = 0; j < S; j += 16) {
        const Lanes v = Lanes::load(x + j);
        s0 += v * Lanes::load(y0 + j);
        s1 += v * Lanes::load(y1 + j);
        s2 += v * Lanes::load(y2 + j);
        s3 += v * Lanes::load(y3 + j);
      }
      out[a * B + b] = s0.sum();
      out[a * B + b + 1] = s1.sum();
      out[a * B + b + 2] = s2.sum();
      out[a * B + b + 3] = s3.sum();
    }
    for (; b < B; ++b) {
      const float* y = b_rows[b];
      Lanes s{};
      for (int64_t j = 0; j < S; j += 16) s += Lanes::load(x + j) * Lanes::load(y + j);
      out[a * B + b] = s.sum();
    }
  }
}

// y_rows[r] = (add ? y_rows[r] : 0) + sum over k < K of w[r * wr + k * wk] * x_rows[k], for
// r < R: a [R, K] matrix (strides wr, wk, so that it can be read transposed) times K rows.
// Sixteen floats of a y row at a time (a Lanes), its K terms summed in registers before one
// store. y rows must not be x rows.
template <typename Lanes>
EMBER_ALWAYS_INLINE void combine(const float* __restrict w, int64_t wr, int64_t wk,
                                 const float* const* x_rows, int64_t K, float* const* y_rows,
                                 int64_t R, int64_t S, bool add) {
  for (int64_t r = 0; r < R; ++r) {
    float* y = y_rows[r];
    const float* wrow = w + r * wr;
    for (int64_t j = 0; j < S; j += 16) {
      Lanes s = add ? Lanes::load(y + j) : Lanes{};
      for (int64_t k = 0; k < K; ++k) s += wrow[k * wk] * Lanes::load(x_rows[k] + j);
      s.store(y + j);
    }
  }
}

// Negative sampling's gradients in place of its logits: G [T, C] holds the logits of T
// targets (targets [T]: row 0 the positive, label 1; the rest negatives, label 0) against C
// inputs and becomes G = lr (label - sigmoid(G)), 0 in the rows of negatives equal to
// targets[0]. Returns the summed loss (softplus(-logit) for the positive, softplus(logit) for
// the others) when want_loss, else 0.
EMBER_ALWAYS_INLINE float logits_to_gradients(float* __restrict G, const int32_t* targets,
                                              int64_t T, int64_t C, float lr, bool want_loss) {
  float loss = 0;
  for (int64_t t = 0; t < T; ++t) {
    const bool skip = t > 0 && targets[t] == targets[0];
    const float label = t == 0 ? 1.0f : 0.0f;
    for (int64_t c = 0; c < C; ++c) {
      const float logit = G[t * C + c];
      if (want_loss && !skip) loss += row_loops::softplus(t == 0 ? -logit : logit);
      G[t * C + c] = skip ? 0.0f : lr * (label - 1.0f / (1.0f + std::exp(-logit)));
    }
  }
  return loss;
}

// One hidden row h against T rows, in one pass over them: grad = sum_t g[t] rows[t] (=), then
// rows[t] += g[t] h. Each row is read once; a row listed twice gives its second gradient term
// from the first's update (word2vec's order within a prediction). Sixteen floats at a time.
template <typename Lanes>
EMBER_ALWAYS_INLINE void gradient_and_update(const float* __restrict g, float* const* rows,
                                             int64_t T, const float* __restrict h,
                                             float* __restrict grad, int64_t S) {
  for (int64_t j = 0; j < S; j += 16) {
    const Lanes hj = Lanes::load(h + j);
    Lanes s{};
    for (int64_t t = 0; t < T; ++t) {
      float* row = rows[t] + j;
      const Lanes r = Lanes::load(row);
      s += g[t] * r;
      (r + g[t] * hj).store(row);
    }
    s.store(grad + j);
  }
}

// One SGD step of a window of skip-gram pairs (Intel's pWord2Vec): the C rows I each predict
// the T rows O, row 0 the positive (label 1) and the rest negatives (label 0), targets [T]
// their ids, a negative equal to targets[0] skipped. Every gradient is taken before any row
// moves:
//   G = lr (label - sigmoid(O I^T))   [T, C], in logits
//   grad_I = G^T O                    [C, S], into grad_rows (=)
//   O += G I
// The caller applies grad_I to whatever I stands for. Returns the summed loss when want_loss.
template <typename Lanes>
EMBER_ALWAYS_INLINE float window_step(float* const* out_rows, const int32_t* targets, int64_t T,
                                      float* const* in_rows, int64_t C, int64_t S, float lr,
                                      bool want_loss, float* __restrict logits,
                                      float* const* grad_rows) {
  float* G = logits;
  dots<Lanes>(out_rows, T, in_rows, C, S, G);
  const float loss = logits_to_gradients(G, targets, T, C, lr, want_loss);
  combine<Lanes>(G, 1, C, out_rows, T, grad_rows, C, S, /*add=*/false);
  combine<Lanes>(G, C, 1, in_rows, C, out_rows, T, S, /*add=*/true);
  return loss;
}

}  // namespace ember::models::block_loops

#pragma GCC diagnostic pop
