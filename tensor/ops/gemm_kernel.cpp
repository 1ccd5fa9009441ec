#include <algorithm>

#include <ember/tensor/cpu.h>
#include <ember/tensor/ops/internal/gemm_kernel.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define EMBER_GEMM_X86 1
#else
#define EMBER_GEMM_X86 0
#endif

namespace ember::ops::gemm_kernel {

#define EMBER_INLINE inline __attribute__((always_inline))

// c = alpha * value (+ beta * c when beta != 0).
template <typename T>
EMBER_INLINE void store_c(T* c, T value, T alpha, T beta) {
  *c = beta == T(0) ? alpha * value : alpha * value + beta * *c;
}

// tile is [mr, ld] row-major; writes its top-left mr x nr corner to C.
template <typename T>
static void store_tile(const T* tile, int64_t ld, T* c, int64_t c_rs, int64_t c_cs, int64_t mr,
                       int64_t nr, T alpha, T beta) {
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nr; ++j)
      store_c(c + i * c_rs + j * c_cs, tile[i * ld + j], alpha, beta);
}

// ---- micro kernels ----

// Portable: the tile is done in column strips of 8 so that the float accumulators (MR x 8,
// 12 SSE2 registers) fit in the 16 xmm registers (8 suits double too).
template <typename T, int64_t MR, int64_t NR>
static void micro_kernel_generic(int64_t kc, const T* a, const T* b, T* c, int64_t c_rs,
                                 int64_t c_cs, int64_t mr, int64_t nr, T alpha, T beta) {
  constexpr int64_t kStrip = 8;
  for (int64_t j0 = 0; j0 < nr; j0 += kStrip) {
    T acc[MR][kStrip] = {};
    const T* ap = a;
    const T* bp = b + j0;
    for (int64_t p = 0; p < kc; ++p, ap += MR, bp += NR)
      for (int64_t i = 0; i < MR; ++i)
        for (int64_t j = 0; j < kStrip; ++j) acc[i][j] += ap[i] * bp[j];
    store_tile(&acc[0][0], kStrip, c + j0 * c_cs, c_rs, c_cs, mr, std::min(kStrip, nr - j0), alpha,
               beta);
  }
}

#if EMBER_GEMM_X86
#define EMBER_AVX2_INLINE static inline __attribute__((target("avx2,fma"), always_inline))

// The AVX2 operations the micro kernel uses, each overloaded for a ymm register of 8 floats
// (__m256) and of 4 doubles (__m256d); Ymm<T> names the register.
EMBER_AVX2_INLINE __m256 set1(float x) { return _mm256_set1_ps(x); }
EMBER_AVX2_INLINE __m256d set1(double x) { return _mm256_set1_pd(x); }
template <typename T>
using Ymm = decltype(set1(T(0)));
EMBER_AVX2_INLINE __m256 broadcast(const float* x) { return _mm256_broadcast_ss(x); }
EMBER_AVX2_INLINE __m256d broadcast(const double* x) { return _mm256_broadcast_sd(x); }
EMBER_AVX2_INLINE __m256 load(const float* x) { return _mm256_loadu_ps(x); }
EMBER_AVX2_INLINE __m256d load(const double* x) { return _mm256_loadu_pd(x); }
EMBER_AVX2_INLINE void store(float* x, __m256 v) { _mm256_storeu_ps(x, v); }
EMBER_AVX2_INLINE void store(double* x, __m256d v) { _mm256_storeu_pd(x, v); }
EMBER_AVX2_INLINE void store_aligned(float* x, __m256 v) { _mm256_store_ps(x, v); }
EMBER_AVX2_INLINE void store_aligned(double* x, __m256d v) { _mm256_store_pd(x, v); }
EMBER_AVX2_INLINE __m256 mul(__m256 a, __m256 b) { return _mm256_mul_ps(a, b); }
EMBER_AVX2_INLINE __m256d mul(__m256d a, __m256d b) { return _mm256_mul_pd(a, b); }
// a * b + c, rounded once.
EMBER_AVX2_INLINE __m256 fmadd(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }
EMBER_AVX2_INLINE __m256d fmadd(__m256d a, __m256d b, __m256d c) {
  return _mm256_fmadd_pd(a, b, c);
}

// MR = 6 rows by NR = 2 ymm of columns (float 6x16, double 6x8): 12 ymm accumulators, two
// ymm of B and one broadcast of A per step.
template <typename T>
__attribute__((target("avx2,fma"))) static void micro_kernel_avx2(int64_t kc, const T* a,
                                                                  const T* b, T* c, int64_t c_rs,
                                                                  int64_t c_cs, int64_t mr,
                                                                  int64_t nr, T alpha, T beta) {
  constexpr int kMr = 6, kLanes = 32 / sizeof(T), kNr = 2 * kLanes;
  static_assert(Blocking<T>::kMr == kMr && Blocking<T>::kNr == kNr, "the packed panels' shape");
  Ymm<T> acc[kMr][2];
#pragma GCC unroll 6
  for (int i = 0; i < kMr; ++i) acc[i][0] = acc[i][1] = set1(T(0));
  for (int64_t p = 0; p < kc; ++p, a += kMr, b += kNr) {
    Ymm<T> b0 = load(b);
    Ymm<T> b1 = load(b + kLanes);
#pragma GCC unroll 6
    for (int i = 0; i < kMr; ++i) {
      Ymm<T> ai = broadcast(a + i);
      acc[i][0] = fmadd(ai, b0, acc[i][0]);
      acc[i][1] = fmadd(ai, b1, acc[i][1]);
    }
  }
  if (mr == kMr && nr == kNr && c_cs == 1) {
    Ymm<T> va = set1(alpha);
    Ymm<T> vb = set1(beta);
#pragma GCC unroll 6
    for (int i = 0; i < kMr; ++i) {
      T* ci = c + i * c_rs;
      Ymm<T> r0 = mul(va, acc[i][0]);
      Ymm<T> r1 = mul(va, acc[i][1]);
      if (beta != T(0)) {
        r0 = fmadd(vb, load(ci), r0);
        r1 = fmadd(vb, load(ci + kLanes), r1);
      }
      store(ci, r0);
      store(ci + kLanes, r1);
    }
    return;
  }
  alignas(32) T tile[kMr * kNr];
#pragma GCC unroll 6
  for (int i = 0; i < kMr; ++i) {
    store_aligned(tile + i * kNr, acc[i][0]);
    store_aligned(tile + i * kNr + kLanes, acc[i][1]);
  }
  store_tile(tile, kNr, c, c_rs, c_cs, mr, nr, alpha, beta);
}
#endif

#if EMBER_GEMM_X86
#define EMBER_AVX512_INLINE static inline __attribute__((target("avx512f"), always_inline))
EMBER_AVX512_INLINE __m512 set1_512(float x) { return _mm512_set1_ps(x); }
EMBER_AVX512_INLINE __m512d set1_512(double x) { return _mm512_set1_pd(x); }
template <typename T>
using Zmm = decltype(set1_512(T(0)));
EMBER_AVX512_INLINE __m512 load_512(const float* x) { return _mm512_loadu_ps(x); }
EMBER_AVX512_INLINE __m512d load_512(const double* x) { return _mm512_loadu_pd(x); }
EMBER_AVX512_INLINE void store_512(float* x, __m512 v) { _mm512_storeu_ps(x, v); }
EMBER_AVX512_INLINE void store_512(double* x, __m512d v) { _mm512_storeu_pd(x, v); }
EMBER_AVX512_INLINE __m512 mul_512(__m512 a, __m512 b) { return _mm512_mul_ps(a, b); }
EMBER_AVX512_INLINE __m512d mul_512(__m512d a, __m512d b) { return _mm512_mul_pd(a, b); }
EMBER_AVX512_INLINE __m512 fmadd_512(__m512 a, __m512 b, __m512 c) {
  return _mm512_fmadd_ps(a, b, c);
}
EMBER_AVX512_INLINE __m512d fmadd_512(__m512d a, __m512d b, __m512d c) {
  return _mm512_fmadd_pd(a, b, c);
}

// The AVX2 kernel's tile and panels with one zmm per row (float 6x16, double 6x8): half the
// instructions per step. Each element of C is the same chain of fused multiply-adds over p
// as in the AVX2 kernel, and is scaled and stored the same way, so the two give the same bits
// for the alpha (1) and beta (0, or 1 for a later depth block) that gemm passes. (A partial
// tile's scalar alpha * acc + beta * c may be fused differently in the two; with those
// values no rounding depends on it.)
template <typename T>
__attribute__((target("avx512f"))) static void micro_kernel_avx512(int64_t kc, const T* a,
                                                                   const T* b, T* c, int64_t c_rs,
                                                                   int64_t c_cs, int64_t mr,
                                                                   int64_t nr, T alpha, T beta) {
  constexpr int kMr = 6, kNr = 64 / sizeof(T);
  static_assert(Blocking<T>::kMr == kMr && Blocking<T>::kNr == kNr, "the packed panels' shape");
  Zmm<T> acc[kMr];
#pragma GCC unroll 6
  for (int i = 0; i < kMr; ++i) acc[i] = set1_512(T(0));
  for (int64_t p = 0; p < kc; ++p, a += kMr, b += kNr) {
    Zmm<T> bp = load_512(b);
#pragma GCC unroll 6
    for (int i = 0; i < kMr; ++i) acc[i] = fmadd_512(set1_512(a[i]), bp, acc[i]);
  }
  if (mr == kMr && nr == kNr && c_cs == 1) {
    Zmm<T> va = set1_512(alpha);
    Zmm<T> vb = set1_512(beta);
#pragma GCC unroll 6
    for (int i = 0; i < kMr; ++i) {
      T* ci = c + i * c_rs;
      Zmm<T> r = mul_512(va, acc[i]);
      if (beta != T(0)) r = fmadd_512(vb, load_512(ci), r);
      store_512(ci, r);
    }
    return;
  }
  alignas(64) T tile[kMr * kNr];
#pragma GCC unroll 6
  for (int i = 0; i < kMr; ++i) store_512(tile + i * kNr, acc[i]);
  store_tile(tile, kNr, c, c_rs, c_cs, mr, nr, alpha, beta);
}
#endif

template <typename T>
MicroKernel<T> micro_kernel(Isa isa) {
  switch (isa) {
    case Isa::kPortable:
      return micro_kernel_generic<T, Blocking<T>::kMr, Blocking<T>::kNr>;
#if EMBER_GEMM_X86
    case Isa::kAvx2:
      return cpu::has_avx2_fma() ? micro_kernel_avx2<T> : nullptr;
    case Isa::kAvx512:
      return cpu::has_avx512() ? micro_kernel_avx512<T> : nullptr;
#endif
    default:
      return nullptr;
  }
}

template <typename T>
MicroKernel<T> micro_kernel() {
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2})
    if (MicroKernel<T> kernel = micro_kernel<T>(isa)) return kernel;
  return micro_kernel<T>(Isa::kPortable);
}

template MicroKernel<float> micro_kernel<float>(Isa);
template MicroKernel<double> micro_kernel<double>(Isa);
template MicroKernel<float> micro_kernel<float>();
template MicroKernel<double> micro_kernel<double>();

// ---- packing ----

// Portable: loops in the order that reads memory contiguously.
template <typename T, int64_t MR>
static void pack_a_generic(int64_t mc, int64_t kc, const T* a, int64_t rs, int64_t cs, T* packed) {
  for (int64_t ir = 0; ir < mc; ir += MR, packed += MR * kc) {
    const int64_t mr = std::min(MR, mc - ir);
    const T* src = a + ir * rs;
    if (mr == MR && cs == 1) {
      for (int64_t i = 0; i < MR; ++i)
        for (int64_t p = 0; p < kc; ++p) packed[p * MR + i] = src[i * rs + p];
    } else if (mr == MR && rs == 1) {
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t i = 0; i < MR; ++i) packed[p * MR + i] = src[p * cs + i];
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t i = 0; i < MR; ++i) packed[p * MR + i] = i < mr ? src[i * rs + p * cs] : T(0);
    }
  }
}

template <typename T, int64_t NR>
static void pack_b_generic(int64_t kc, int64_t nr, const T* b, int64_t rs, int64_t cs, T* packed) {
  if (nr == NR && cs == 1) {
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t j = 0; j < NR; ++j) packed[p * NR + j] = b[p * rs + j];
  } else if (nr == NR && rs == 1) {
    for (int64_t j = 0; j < NR; ++j)
      for (int64_t p = 0; p < kc; ++p) packed[p * NR + j] = b[j * cs + p];
  } else {
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t j = 0; j < NR; ++j) packed[p * NR + j] = j < nr ? b[p * rs + j * cs] : T(0);
  }
}

#if EMBER_GEMM_X86
// r[i][j] -> r[j][i] for 8 rows of 8 floats.
EMBER_AVX2_INLINE void transpose_8x8(__m256 r[8]) {
  __m256 t[8], s[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    s[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    s[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    s[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    s[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x31);
  }
}

// r[i][j] -> r[j][i] for 4 rows of 4 doubles.
EMBER_AVX2_INLINE void transpose_4x4(__m256d r[4]) {
  __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
  __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
  r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
  r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
  r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
  r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

// float, MR = 6: a row-major A is read as 6 rows x 8 columns, transposed, and written as 8
// panel rows of 6.
__attribute__((target("avx2,fma"))) static void pack_a_f32_avx2(int64_t mc, int64_t kc,
                                                                const float* a, int64_t rs,
                                                                int64_t cs, float* packed) {
  if (cs != 1) return pack_a_generic<float, 6>(mc, kc, a, rs, cs, packed);
  for (int64_t ir = 0; ir < mc; ir += 6, packed += 6 * kc) {
    const int64_t mr = std::min<int64_t>(6, mc - ir);
    const float* src = a + ir * rs;
    int64_t p = 0;
    for (; p + 8 <= kc; p += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i)
        r[i] = i < mr ? _mm256_loadu_ps(src + i * rs + p) : _mm256_setzero_ps();
      transpose_8x8(r);
      for (int q = 0; q < 8; ++q) {
        float* out = packed + (p + q) * 6;
        _mm_storeu_ps(out, _mm256_castps256_ps128(r[q]));
        _mm_storel_pi(reinterpret_cast<__m64*>(out + 4), _mm256_extractf128_ps(r[q], 1));
      }
    }
    for (; p < kc; ++p)
      for (int64_t i = 0; i < 6; ++i) packed[p * 6 + i] = i < mr ? src[i * rs + p] : 0.0f;
  }
}

// float, NR = 16: a transposed B (columns contiguous) is read as 2 x (8 columns x 8 depths).
__attribute__((target("avx2,fma"))) static void pack_b_f32_avx2(int64_t kc, int64_t nr,
                                                                const float* b, int64_t rs,
                                                                int64_t cs, float* packed) {
  if (cs == 1 && nr == 16) {
    for (int64_t p = 0; p < kc; ++p) {
      _mm256_storeu_ps(packed + p * 16, _mm256_loadu_ps(b + p * rs));
      _mm256_storeu_ps(packed + p * 16 + 8, _mm256_loadu_ps(b + p * rs + 8));
    }
    return;
  }
  if (rs != 1 || cs == 1) return pack_b_generic<float, 16>(kc, nr, b, rs, cs, packed);
  int64_t p = 0;
  for (; p + 8 <= kc; p += 8) {
    for (int half = 0; half < 16; half += 8) {
      __m256 r[8];
      for (int j = 0; j < 8; ++j)
        r[j] = half + j < nr ? _mm256_loadu_ps(b + (half + j) * cs + p) : _mm256_setzero_ps();
      transpose_8x8(r);
      for (int q = 0; q < 8; ++q) _mm256_storeu_ps(packed + (p + q) * 16 + half, r[q]);
    }
  }
  for (; p < kc; ++p)
    for (int64_t j = 0; j < 16; ++j) packed[p * 16 + j] = j < nr ? b[j * cs + p] : 0.0f;
}

// double, MR = 6: rows 0-3 and rows 4-5 (with two zero rows) as 4x4 tiles.
__attribute__((target("avx2,fma"))) static void pack_a_f64_avx2(int64_t mc, int64_t kc,
                                                                const double* a, int64_t rs,
                                                                int64_t cs, double* packed) {
  if (cs != 1) return pack_a_generic<double, 6>(mc, kc, a, rs, cs, packed);
  for (int64_t ir = 0; ir < mc; ir += 6, packed += 6 * kc) {
    const int64_t mr = std::min<int64_t>(6, mc - ir);
    const double* src = a + ir * rs;
    int64_t p = 0;
    for (; p + 4 <= kc; p += 4) {
      __m256d top[4], bottom[4];
      for (int i = 0; i < 4; ++i) {
        top[i] = i < mr ? _mm256_loadu_pd(src + i * rs + p) : _mm256_setzero_pd();
        bottom[i] =
            i < 2 && 4 + i < mr ? _mm256_loadu_pd(src + (4 + i) * rs + p) : _mm256_setzero_pd();
      }
      transpose_4x4(top);
      transpose_4x4(bottom);
      for (int q = 0; q < 4; ++q) {
        double* out = packed + (p + q) * 6;
        _mm256_storeu_pd(out, top[q]);
        _mm_storeu_pd(out + 4, _mm256_castpd256_pd128(bottom[q]));
      }
    }
    for (; p < kc; ++p)
      for (int64_t i = 0; i < 6; ++i) packed[p * 6 + i] = i < mr ? src[i * rs + p] : 0.0;
  }
}

// double, NR = 8: a transposed B is read as 2 x (4 columns x 4 depths).
__attribute__((target("avx2,fma"))) static void pack_b_f64_avx2(int64_t kc, int64_t nr,
                                                                const double* b, int64_t rs,
                                                                int64_t cs, double* packed) {
  if (cs == 1 && nr == 8) {
    for (int64_t p = 0; p < kc; ++p) {
      _mm256_storeu_pd(packed + p * 8, _mm256_loadu_pd(b + p * rs));
      _mm256_storeu_pd(packed + p * 8 + 4, _mm256_loadu_pd(b + p * rs + 4));
    }
    return;
  }
  if (rs != 1 || cs == 1) return pack_b_generic<double, 8>(kc, nr, b, rs, cs, packed);
  int64_t p = 0;
  for (; p + 4 <= kc; p += 4) {
    for (int half = 0; half < 8; half += 4) {
      __m256d r[4];
      for (int j = 0; j < 4; ++j)
        r[j] = half + j < nr ? _mm256_loadu_pd(b + (half + j) * cs + p) : _mm256_setzero_pd();
      transpose_4x4(r);
      for (int q = 0; q < 4; ++q) _mm256_storeu_pd(packed + (p + q) * 8 + half, r[q]);
    }
  }
  for (; p < kc; ++p)
    for (int64_t j = 0; j < 8; ++j) packed[p * 8 + j] = j < nr ? b[j * cs + p] : 0.0;
}
#endif

template <>
PackA<float> pack_a<float>() {
#if EMBER_GEMM_X86
  if (cpu::has_avx2_fma()) return pack_a_f32_avx2;
#endif
  return pack_a_generic<float, Blocking<float>::kMr>;
}

template <>
PackA<double> pack_a<double>() {
#if EMBER_GEMM_X86
  if (cpu::has_avx2_fma()) return pack_a_f64_avx2;
#endif
  return pack_a_generic<double, Blocking<double>::kMr>;
}

template <>
PackB<float> pack_b<float>() {
#if EMBER_GEMM_X86
  if (cpu::has_avx2_fma()) return pack_b_f32_avx2;
#endif
  return pack_b_generic<float, Blocking<float>::kNr>;
}

template <>
PackB<double> pack_b<double>() {
#if EMBER_GEMM_X86
  if (cpu::has_avx2_fma()) return pack_b_f64_avx2;
#endif
  return pack_b_generic<double, Blocking<double>::kNr>;
}

// ---- direct kernel ----
// Written once as always-inline bodies; the wrappers below compile them for the baseline
// ISA and again for AVX2+FMA.

// sum_p x[p] * y[p] over contiguous x and y, in independent lanes the compiler vectorises.
template <typename T>
EMBER_INLINE T dot(int64_t k, const T* x, const T* y) {
  constexpr int kLanes = 64 / sizeof(T);
  T lanes[kLanes] = {};
  int64_t p = 0;
  for (; p + kLanes <= k; p += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += x[p + l] * y[p + l];
  T sum = 0;
  for (int l = 0; l < kLanes; ++l) sum += lanes[l];
  for (; p < k; ++p) sum += x[p] * y[p];
  return sum;
}

// The column and row paths and the strided loop sum each C[i,j] alike: acc = 0, then
// acc += A[i,p] * B[p,j] for p in order; the dot sums in lanes. With k == 1 every path gives
// the one product 0 + A[i,0] * B[0,j]. So a depth-1 product (bmm's backward of
// [B,K,D] x [B,D,1] for the [B,K,D] operand) writes that product straight into C, and a
// matrix-vector product whose A has contiguous columns (the same backward for the [B,D,1]
// operand) sums whole columns at a time: both vectorised, with the bits the strided paths
// gave.
template <typename T>
EMBER_INLINE void direct_body(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t a_rs,
                              int64_t a_cs, const T* b, int64_t b_rs, int64_t b_cs, T beta, T* c,
                              int64_t c_rs, int64_t c_cs) {
  const bool one_column = n == 1 && a_rs == 1;
  if (k == 1 && b_cs == 1 && n > 1) {
    // An outer product: row i of C = A[i,0] * row 0 of B, no buffer between.
    for (int64_t i = 0; i < m; ++i) {
      const T ai = a[i * a_rs];
      T* ci = c + i * c_rs;
      for (int64_t j = 0; j < n; ++j) store_c(ci + j * c_cs, T(0) + ai * b[j], alpha, beta);
    }
  } else if (a_cs == 1 && b_rs == 1 && k > 1) {
    // C[i,j] = row i of A . column j of B, both contiguous.
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        store_c(c + i * c_rs + j * c_cs, dot(k, a + i * a_rs, b + j * b_cs), alpha, beta);
  } else if (one_column) {
    // The column of C = sum_p column p of A (contiguous) * B[p,0]; in chunks of rows.
    constexpr int64_t kChunk = 256;
    T column[kChunk];
    for (int64_t i0 = 0; i0 < m; i0 += kChunk) {
      const int64_t len = m - i0 < kChunk ? m - i0 : kChunk;
      for (int64_t i = 0; i < len; ++i) column[i] = 0;
      for (int64_t p = 0; p < k; ++p) {
        const T bp = b[p * b_rs];
        const T* ap = a + i0 + p * a_cs;
        for (int64_t i = 0; i < len; ++i) column[i] += ap[i] * bp;
      }
      for (int64_t i = 0; i < len; ++i) store_c(c + (i0 + i) * c_rs, column[i], alpha, beta);
    }
  } else if (b_cs == 1) {
    // Row i of C = sum_p A[i,p] * row p of B, rows of B contiguous; in chunks of columns.
    constexpr int64_t kChunk = 256;
    T row[kChunk];
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j0 = 0; j0 < n; j0 += kChunk) {
        int64_t len = n - j0 < kChunk ? n - j0 : kChunk;
        for (int64_t j = 0; j < len; ++j) row[j] = 0;
        for (int64_t p = 0; p < k; ++p) {
          T aip = a[i * a_rs + p * a_cs];
          const T* bp = b + p * b_rs + j0;
          for (int64_t j = 0; j < len; ++j) row[j] += aip * bp[j];
        }
        for (int64_t j = 0; j < len; ++j)
          store_c(c + i * c_rs + (j0 + j) * c_cs, row[j], alpha, beta);
      }
    }
  } else {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        T sum = 0;
        for (int64_t p = 0; p < k; ++p) sum += a[i * a_rs + p * a_cs] * b[p * b_rs + j * b_cs];
        store_c(c + i * c_rs + j * c_cs, sum, alpha, beta);
      }
  }
}

template <typename T>
static void direct_generic(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t a_rs,
                           int64_t a_cs, const T* b, int64_t b_rs, int64_t b_cs, T beta, T* c,
                           int64_t c_rs, int64_t c_cs) {
  direct_body(m, n, k, alpha, a, a_rs, a_cs, b, b_rs, b_cs, beta, c, c_rs, c_cs);
}

#if EMBER_GEMM_X86
template <typename T>
__attribute__((target("avx2,fma"))) static void direct_avx2(int64_t m, int64_t n, int64_t k,
                                                            T alpha, const T* a, int64_t a_rs,
                                                            int64_t a_cs, const T* b, int64_t b_rs,
                                                            int64_t b_cs, T beta, T* c,
                                                            int64_t c_rs, int64_t c_cs) {
  direct_body(m, n, k, alpha, a, a_rs, a_cs, b, b_rs, b_cs, beta, c, c_rs, c_cs);
}
#endif

template <typename T>
DirectKernel<T> direct_kernel() {
#if EMBER_GEMM_X86
  if (cpu::has_avx2_fma()) return direct_avx2<T>;
#endif
  return direct_generic<T>;
}

template DirectKernel<float> direct_kernel<float>();
template DirectKernel<double> direct_kernel<double>();

}  // namespace ember::ops::gemm_kernel
