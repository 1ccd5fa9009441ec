#include <algorithm>

#include <ember/tensor/ops/gemm_kernel.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define EMBER_GEMM_X86 1
#else
#define EMBER_GEMM_X86 0
#endif

namespace ember::ops::gemm_kernel {

#define EMBER_INLINE inline __attribute__((always_inline))

bool cpu_has_avx2_fma() {
#if EMBER_GEMM_X86
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

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
// 12 SSE2 registers) fit in the 16 xmm registers (8 measured best for double too).
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
// float 6x16: 12 ymm accumulators, two ymm of B and one broadcast of A per step.
__attribute__((target("avx2,fma"))) static void micro_kernel_f32_avx2(int64_t kc, const float* a,
                                                                      const float* b, float* c,
                                                                      int64_t c_rs, int64_t c_cs,
                                                                      int64_t mr, int64_t nr,
                                                                      float alpha, float beta) {
  __m256 acc[6][2];
#pragma GCC unroll 6
  for (int i = 0; i < 6; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; ++p, a += 6, b += 16) {
    __m256 b0 = _mm256_loadu_ps(b);
    __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) {
      __m256 ai = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
  if (mr == 6 && nr == 16 && c_cs == 1) {
    __m256 va = _mm256_set1_ps(alpha);
    __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) {
      float* ci = c + i * c_rs;
      __m256 r0 = _mm256_mul_ps(va, acc[i][0]);
      __m256 r1 = _mm256_mul_ps(va, acc[i][1]);
      if (beta != 0.0f) {
        r0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci), r0);
        r1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci + 8), r1);
      }
      _mm256_storeu_ps(ci, r0);
      _mm256_storeu_ps(ci + 8, r1);
    }
    return;
  }
  alignas(32) float tile[6 * 16];
#pragma GCC unroll 6
  for (int i = 0; i < 6; ++i) {
    _mm256_store_ps(tile + i * 16, acc[i][0]);
    _mm256_store_ps(tile + i * 16 + 8, acc[i][1]);
  }
  store_tile(tile, 16, c, c_rs, c_cs, mr, nr, alpha, beta);
}

// double 6x8: the same shape with 4 lanes per ymm.
__attribute__((target("avx2,fma"))) static void micro_kernel_f64_avx2(int64_t kc, const double* a,
                                                                      const double* b, double* c,
                                                                      int64_t c_rs, int64_t c_cs,
                                                                      int64_t mr, int64_t nr,
                                                                      double alpha, double beta) {
  __m256d acc[6][2];
#pragma GCC unroll 6
  for (int i = 0; i < 6; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_pd();
  for (int64_t p = 0; p < kc; ++p, a += 6, b += 8) {
    __m256d b0 = _mm256_loadu_pd(b);
    __m256d b1 = _mm256_loadu_pd(b + 4);
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) {
      __m256d ai = _mm256_broadcast_sd(a + i);
      acc[i][0] = _mm256_fmadd_pd(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_pd(ai, b1, acc[i][1]);
    }
  }
  if (mr == 6 && nr == 8 && c_cs == 1) {
    __m256d va = _mm256_set1_pd(alpha);
    __m256d vb = _mm256_set1_pd(beta);
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) {
      double* ci = c + i * c_rs;
      __m256d r0 = _mm256_mul_pd(va, acc[i][0]);
      __m256d r1 = _mm256_mul_pd(va, acc[i][1]);
      if (beta != 0.0) {
        r0 = _mm256_fmadd_pd(vb, _mm256_loadu_pd(ci), r0);
        r1 = _mm256_fmadd_pd(vb, _mm256_loadu_pd(ci + 4), r1);
      }
      _mm256_storeu_pd(ci, r0);
      _mm256_storeu_pd(ci + 4, r1);
    }
    return;
  }
  alignas(32) double tile[6 * 8];
#pragma GCC unroll 6
  for (int i = 0; i < 6; ++i) {
    _mm256_store_pd(tile + i * 8, acc[i][0]);
    _mm256_store_pd(tile + i * 8 + 4, acc[i][1]);
  }
  store_tile(tile, 8, c, c_rs, c_cs, mr, nr, alpha, beta);
}
#endif

template <>
MicroKernel<float> micro_kernel<float>() {
#if EMBER_GEMM_X86
  if (cpu_has_avx2_fma()) return micro_kernel_f32_avx2;
#endif
  return micro_kernel_generic<float, Blocking<float>::kMr, Blocking<float>::kNr>;
}

template <>
MicroKernel<double> micro_kernel<double>() {
#if EMBER_GEMM_X86
  if (cpu_has_avx2_fma()) return micro_kernel_f64_avx2;
#endif
  return micro_kernel_generic<double, Blocking<double>::kMr, Blocking<double>::kNr>;
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

template <typename T>
EMBER_INLINE void direct_body(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t a_rs,
                              int64_t a_cs, const T* b, int64_t b_rs, int64_t b_cs, T beta, T* c,
                              int64_t c_rs, int64_t c_cs) {
  if (a_cs == 1 && b_rs == 1) {
    // C[i,j] = row i of A . column j of B, both contiguous.
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        store_c(c + i * c_rs + j * c_cs, dot(k, a + i * a_rs, b + j * b_cs), alpha, beta);
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
  if (cpu_has_avx2_fma()) return direct_avx2<T>;
#endif
  return direct_generic<T>;
}

template DirectKernel<float> direct_kernel<float>();
template DirectKernel<double> direct_kernel<double>();

}  // namespace ember::ops::gemm_kernel
