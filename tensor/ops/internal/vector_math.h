// Float exp and log1p as polynomials, one float at a time and eight (AVX2 with FMA), and the
// kernels that would otherwise call libm per element (softmax's exp, logsigmoid and its
// backward): libm's take 5-20 ns an element and do not vectorise. The eight-float forms use
// FMA, the one-float forms plain multiplies and adds, so the two round differently; each is
// within 3 ulp (tests/test_elementwise.cpp, tests/test_softmax.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ember::ops::vector_math {

// exp as Cephes' expf: x = n ln2 + r with |r| <= ln2/2 (ln2 in two parts so that n ln2 is
// exact), exp(r) = 1 + r + r^2 P(r) with P of degree 5, times 2^n built in the exponent
// bits as 2^(n/2) 2^(n - n/2) so that results that overflow or are subnormal come out
// right. x is first clamped to [-104, 88.8]: exp(-104) rounds to 0, exp(88.8) overflows.
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2High = 0.693359375f, kLn2Low = -2.12194440e-4f;
constexpr float kExpP[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                            4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

// log1p(t) for t in [0, 1] as 2 atanh(s), s = t / (2 + t) <= 1/3: 2s + s z P(z), z = s^2,
// P(z) = 2/3 + 2/5 z + ... + 2/15 z^6 (the series' next term is below 2e-9 of the sum).
constexpr float kLog1pP[7] = {2.0f / 15, 2.0f / 13, 2.0f / 11, 2.0f / 9,
                              2.0f / 7,  2.0f / 5,  2.0f / 3};

inline __attribute__((always_inline)) float float_from_bits(int32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline __attribute__((always_inline)) float exp_poly(float x) {
  if (std::isnan(x)) return x;
  x = std::min(std::max(x, -104.0f), 88.8f);
  const float n = std::nearbyint(x * kLog2e);
  const float r = (x - n * kLn2High) - n * kLn2Low;
  float p = kExpP[0];
  for (int i = 1; i < 6; ++i) p = p * r + kExpP[i];
  p = p * (r * r) + r + 1.0f;
  const int32_t half = int32_t(n) >> 1, rest = int32_t(n) - half;
  return p * float_from_bits((half + 127) << 23) * float_from_bits((rest + 127) << 23);
}

inline __attribute__((always_inline)) float log1p_unit_poly(float t) {
  const float s = t / (2.0f + t), z = s * s;
  float p = kLog1pP[0];
  for (int i = 1; i < 7; ++i) p = p * z + kLog1pP[i];
  return 2.0f * s + (s * z) * p;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) inline __m256 exp8(__m256 x) {
  const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
  const __m256 c = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-104.0f)), _mm256_set1_ps(88.8f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(c, _mm256_set1_ps(kLog2e)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2High), c);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Low), r);
  __m256 p = _mm256_set1_ps(kExpP[0]);
  for (int i = 1; i < 6; ++i) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kExpP[i]));
  p = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i half = _mm256_srai_epi32(ni, 1), rest = _mm256_sub_epi32(ni, half);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 scale_half =
      _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, bias), 23));
  const __m256 scale_rest =
      _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(rest, bias), 23));
  const __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, scale_half), scale_rest);
  return _mm256_blendv_ps(y, x, nan);
}

__attribute__((target("avx2,fma"))) inline __m256 log1p_unit8(__m256 t) {
  const __m256 s = _mm256_div_ps(t, _mm256_add_ps(_mm256_set1_ps(2.0f), t));
  const __m256 z = _mm256_mul_ps(s, s);
  __m256 p = _mm256_set1_ps(kLog1pP[0]);
  for (int i = 1; i < 7; ++i) p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(kLog1pP[i]));
  return _mm256_fmadd_ps(_mm256_mul_ps(s, z), p, _mm256_add_ps(s, s));
}
#endif

// logsigmoid(x) = min(x, 0) - log1p(exp(-|x|)) and its derivative g / (1 + exp(x)) with
// internal/vector_math.h's exp and log1p in place of libm's (5-20 ns an element): eight at a
// time where the CPU has AVX2 and FMA, one at a time elsewhere. A vector tail runs through the
// same eight-float code, padded, so an element's bits do not depend on where it sits.

inline void logsigmoid_floats_generic(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = std::min(x[i], 0.0f) - log1p_unit_poly(exp_poly(-std::abs(x[i])));
}

inline void logsigmoid_backward_floats_generic(const float* g, const float* x, float* out,
                                               int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = g[i] / (1.0f + exp_poly(x[i]));
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) inline __m256 logsigmoid8(__m256 x) {
  const __m256 t = exp8(_mm256_or_ps(x, _mm256_set1_ps(-0.0f)));  // exp(-|x|)
  return _mm256_sub_ps(_mm256_min_ps(x, _mm256_setzero_ps()), log1p_unit8(t));
}

__attribute__((target("avx2,fma"))) inline __m256 logsigmoid_backward8(__m256 g, __m256 x) {
  return _mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), exp8(x)));
}

// The last n < 8 floats at x, padded with zeros; and the first n of v stored at out.
__attribute__((target("avx2,fma"))) inline __m256 load_tail(const float* x, int64_t n) {
  float padded[8] = {};
  std::copy(x, x + n, padded);
  return _mm256_loadu_ps(padded);
}
__attribute__((target("avx2,fma"))) inline void store_tail(__m256 v, float* out, int64_t n) {
  float all[8];
  _mm256_storeu_ps(all, v);
  std::copy(all, all + n, out);
}

__attribute__((target("avx2,fma"))) inline void logsigmoid_floats_avx2(const float* x, float* out,
                                                                       int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, logsigmoid8(_mm256_loadu_ps(x + i)));
  if (i < n) store_tail(logsigmoid8(load_tail(x + i, n - i)), out + i, n - i);
}

__attribute__((target("avx2,fma"))) inline void logsigmoid_backward_floats_avx2(const float* g,
                                                                                const float* x,
                                                                                float* out,
                                                                                int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, logsigmoid_backward8(_mm256_loadu_ps(g + i), _mm256_loadu_ps(x + i)));
  if (i < n)
    store_tail(logsigmoid_backward8(load_tail(g + i, n - i), load_tail(x + i, n - i)), out + i,
               n - i);
}
#endif

}  // namespace ember::ops::vector_math
