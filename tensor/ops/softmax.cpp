// Softmax and log-softmax along one dim. A line along the last dim is processed in place;
// a line along another dim is gathered into a buffer first. Per line: the max, exp(x - max)
// (a Cephes polynomial, within 1 ulp of std::exp) with its sum in double, then the scale
// (softmax) or x - max - log(sum) (log_softmax). For float32 on AVX2+FMA CPUs the max and
// exp-and-sum are 8-wide intrinsics (GCC does not vectorise the clamps and compares under
// -ftrapping-math); elsewhere plain loops. Picked at run time.
#include <ember/tensor/ops/softmax.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <ember/config.h>
#include <ember/tensor/cpu.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/internal/checks.h>
#include <ember/tensor/ops/internal/vector_math.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/internal/softmax.h>
#endif

namespace ember::ops {

namespace {

using vector_math::exp8;
using vector_math::exp_poly;

#define EMBER_INLINE inline __attribute__((always_inline))

template <typename T>
void exp_shifted_generic(const T* in, T shift, T* out, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    if constexpr (std::is_same_v<T, float>) {
      out[j] = exp_poly(in[j] - shift);
    } else {
      out[j] = std::exp(in[j] - shift);
    }
  }
}

// max(in[0, n)), in 16 lanes.
template <typename T>
T max_generic(const T* in, int64_t n) {
  constexpr int kLanes = 16;
  T lanes[kLanes];
  for (int l = 0; l < kLanes; ++l) lanes[l] = -std::numeric_limits<T>::infinity();
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] = lanes[l] < in[j + l] ? in[j + l] : lanes[l];
  for (int l = 0; j < n; ++j, ++l) lanes[l] = lanes[l] < in[j] ? in[j] : lanes[l];
  T max = lanes[0];
  for (int l = 1; l < kLanes; ++l) max = max < lanes[l] ? lanes[l] : max;
  return max;
}

// out[j] = exp(in[j] - shift); returns the sum of out, in 8 double lanes.
template <typename T>
double exp_sum_generic(const T* in, T shift, T* out, int64_t n) {
  exp_shifted_generic(in, shift, out, n);
  constexpr int kLanes = 8;
  double lanes[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += double(out[j + l]);
  for (int l = 0; j < n; ++j, ++l) lanes[l] += double(out[j]);
  double sum = 0;
  for (int l = 0; l < kLanes; ++l) sum += lanes[l];
  return sum;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void exp_shifted_avx2(const float* in, float shift, float* out,
                                                          int64_t n) {
  const __m256 s = _mm256_set1_ps(shift);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    _mm256_storeu_ps(out + j, exp8(_mm256_sub_ps(_mm256_loadu_ps(in + j), s)));
  for (; j < n; ++j) out[j] = exp_poly(in[j] - shift);
}

__attribute__((target("avx2,fma"))) float max_avx2(const float* in, int64_t n) {
  __m256 lanes[4];
  for (int l = 0; l < 4; ++l) lanes[l] = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  int64_t j = 0;
  for (; j + 32 <= n; j += 32)
    for (int l = 0; l < 4; ++l) lanes[l] = _mm256_max_ps(lanes[l], _mm256_loadu_ps(in + j + 8 * l));
  alignas(32) float all[32];
  for (int l = 0; l < 4; ++l) _mm256_store_ps(all + 8 * l, lanes[l]);
  float max = all[0];
  for (int l = 1; l < 32; ++l) max = std::max(max, all[l]);
  for (; j < n; ++j) max = std::max(max, in[j]);
  return max;
}

__attribute__((target("avx2,fma"))) double exp_sum_avx2(const float* in, float shift, float* out,
                                                        int64_t n) {
  const __m256 s = _mm256_set1_ps(shift);
  __m256d low = _mm256_setzero_pd(), high = _mm256_setzero_pd();
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(in + j), s));
    _mm256_storeu_ps(out + j, e);
    low = _mm256_add_pd(low, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    high = _mm256_add_pd(high, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
  }
  alignas(32) double lanes[8];
  _mm256_store_pd(lanes, low);
  _mm256_store_pd(lanes + 4, high);
  double sum = 0;
  for (; j < n; ++j) sum += double(out[j] = exp_poly(in[j] - shift));
  for (int l = 0; l < 8; ++l) sum += lanes[l];
  return sum;
}
#endif

// One contiguous line: in and out are [n], distinct. The kernels: max_of(in, n), and
// exp_sum(in, shift, out, n), which writes out[j] = exp(in[j] - shift) and returns its sum.
template <typename T, T (*max_of)(const T*, int64_t), double (*exp_sum)(const T*, T, T*, int64_t)>
EMBER_INLINE void softmax_line_body(const T* in, T* out, int64_t n, bool log) {
  const T max = max_of(in, n);
  const double sum = exp_sum(in, max, out, n);
  if (log) {
    const T log_sum = T(std::log(sum));
    for (int64_t j = 0; j < n; ++j) out[j] = (in[j] - max) - log_sum;
  } else {
    const T scale = T(1.0 / sum);
    for (int64_t j = 0; j < n; ++j) out[j] *= scale;
  }
}

// One contiguous line of the backward: grad_y, y and grad_x are [n]; grad_x is written (=).
//   softmax:     grad_x = y * (grad_y - sum(grad_y * y))
//   log_softmax: grad_x = grad_y - exp(y) * sum(grad_y)
template <typename T, void (*exp_shifted)(const T*, T, T*, int64_t)>
EMBER_INLINE void backward_line_body(const T* grad_y, const T* y, T* grad_x, int64_t n, bool log) {
  constexpr int kSumLanes = 8;
  double sums[kSumLanes] = {};
  int64_t j = 0;
  if (log) {
    for (; j + kSumLanes <= n; j += kSumLanes)
      for (int l = 0; l < kSumLanes; ++l) sums[l] += double(grad_y[j + l]);
    for (int l = 0; j < n; ++j, ++l) sums[l] += double(grad_y[j]);
  } else {
    for (; j + kSumLanes <= n; j += kSumLanes)
      for (int l = 0; l < kSumLanes; ++l) sums[l] += double(grad_y[j + l]) * double(y[j + l]);
    for (int l = 0; j < n; ++j, ++l) sums[l] += double(grad_y[j]) * double(y[j]);
  }
  double sum = 0;
  for (int l = 0; l < kSumLanes; ++l) sum += sums[l];
  const T s = T(sum);
  if (log) {
    exp_shifted(y, T(0), grad_x, n);
    for (j = 0; j < n; ++j) grad_x[j] = grad_y[j] - grad_x[j] * s;
  } else {
    for (j = 0; j < n; ++j) grad_x[j] = y[j] * (grad_y[j] - s);
  }
}

template <typename T>
void softmax_line_generic(const T* in, T* out, int64_t n, bool log) {
  softmax_line_body<T, max_generic<T>, exp_sum_generic<T>>(in, out, n, log);
}

template <typename T>
void backward_line_generic(const T* grad_y, const T* y, T* grad_x, int64_t n, bool log) {
  backward_line_body<T, exp_shifted_generic<T>>(grad_y, y, grad_x, n, log);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void softmax_line_avx2(const float* in, float* out, int64_t n,
                                                           bool log) {
  softmax_line_body<float, max_avx2, exp_sum_avx2>(in, out, n, log);
}

__attribute__((target("avx2,fma"))) void backward_line_avx2(const float* grad_y, const float* y,
                                                            float* grad_x, int64_t n, bool log) {
  backward_line_body<float, exp_shifted_avx2>(grad_y, y, grad_x, n, log);
}
#endif

template <typename T>
using LineKernel = void (*)(const T* in, T* out, int64_t n, bool log);
template <typename T>
using BackwardLineKernel = void (*)(const T* grad_y, const T* y, T* grad_x, int64_t n, bool log);

template <typename T>
LineKernel<T> line_kernel() {
#if defined(__x86_64__)
  if constexpr (std::is_same_v<T, float>)
    if (cpu::has_avx2_fma()) return softmax_line_avx2;
#endif
  return softmax_line_generic<T>;
}

template <typename T>
BackwardLineKernel<T> backward_line_kernel() {
#if defined(__x86_64__)
  if constexpr (std::is_same_v<T, float>)
    if (cpu::has_avx2_fma()) return backward_line_avx2;
#endif
  return backward_line_generic<T>;
}

// A contiguous tensor seen as [outer, length, inner] around `dim`: each (outer, inner)
// pair is one line of `length` elements, `inner` apart. Calls line(base, step, length) for
// every line, in parallel over lines.
template <typename Line>
void for_each_line(const Shape& sizes, int64_t dim, Line line) {
  const int64_t ndim = int64_t(sizes.size());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= sizes[d];
  for (int64_t d = dim + 1; d < ndim; ++d) inner *= sizes[d];
  const int64_t length = ndim == 0 ? 1 : sizes[dim];
  if (length == 0) return;
  const int64_t grain = std::max<int64_t>(1, 32768 / length);
  parallel_for(outer * inner, grain, [&](int64_t begin, int64_t end) {
    for (int64_t l = begin; l < end; ++l) {
      int64_t o = l / inner, i = l % inner;
      line(o * length * inner + i, inner, length);
    }
  });
}

// The (log-)softmax forward; `log` picks which.
Tensor forward(const Tensor& x_in, int64_t dim, bool log, const char* op) {
  check_strided(x_in, op);
  dim = wrap_dim(dim, x_in.dim(), op);
  Tensor x = contiguous(x_in);
#if EMBER_WITH_CUDA
  if (x.is_cuda()) return cuda::softmax_forward(x, dim, log);
#endif
  Tensor y = empty(x.sizes(), x.dtype());
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    const LineKernel<T> kernel = line_kernel<T>();
    for_each_line(x.sizes(), dim, [&](int64_t base, int64_t step, int64_t n) {
      if (step == 1) return kernel(xp + base, yp + base, n, log);
      thread_local std::vector<T> buffer;  // the line gathered, then its result
      buffer.resize(size_t(2 * n));
      for (int64_t j = 0; j < n; ++j) buffer[j] = xp[base + j * step];
      kernel(buffer.data(), buffer.data() + n, n, log);
      for (int64_t j = 0; j < n; ++j) yp[base + j * step] = buffer[n + j];
    });
  });
  return y;
}

// The (log-)softmax backward; `log` picks which.
Tensor backward(const Tensor& grad_in, const Tensor& y_in, int64_t dim, bool log, const char* op) {
  check_same_device(grad_in, y_in, op);
  EMBER_CHECK(grad_in.sizes() == y_in.sizes(), op, ": gradient ", grad_in.sizes(),
              " does not match the output ", y_in.sizes());
  check_same_dtype(grad_in, y_in, op);
  dim = wrap_dim(dim, y_in.dim(), op);
  Tensor g = contiguous(grad_in);
  Tensor y = contiguous(y_in);
#if EMBER_WITH_CUDA
  if (y.is_cuda()) return cuda::softmax_backward(g, y, dim, log);
#endif
  Tensor grad_x = empty(y.sizes(), y.dtype());
  dispatch_floating(y.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* gp = g.data<T>();
    const T* yp = y.data<T>();
    T* dp = grad_x.data<T>();
    const BackwardLineKernel<T> kernel = backward_line_kernel<T>();
    for_each_line(y.sizes(), dim, [&](int64_t base, int64_t step, int64_t n) {
      if (step == 1) return kernel(gp + base, yp + base, dp + base, n, log);
      const T* gl = gp + base;
      const T* yl = yp + base;
      T* dl = dp + base;
      double sum = 0;  // sum(g * y) for softmax, sum(g) for log_softmax
      for (int64_t j = 0; j < n; ++j)
        sum += log ? double(gl[j * step]) : double(gl[j * step]) * double(yl[j * step]);
      const T s = T(sum);
      for (int64_t j = 0; j < n; ++j) {
        const int64_t at = j * step;
        dl[at] = log ? gl[at] - std::exp(yl[at]) * s : yl[at] * (gl[at] - s);
      }
    });
  });
  return grad_x;
}

}  // namespace

void exp_floats(const float* x, float* out, int64_t n) {
#if defined(__x86_64__)
  if (cpu::has_avx2_fma()) return exp_shifted_avx2(x, 0.0f, out, n);
#endif
  exp_shifted_generic<float>(x, 0.0f, out, n);
}

Tensor softmax(const Tensor& x, int64_t dim) { return forward(x, dim, false, "softmax"); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return forward(x, dim, true, "log_softmax"); }

Tensor softmax_backward(const Tensor& grad_y, const Tensor& y, int64_t dim) {
  return backward(grad_y, y, dim, false, "softmax_backward");
}
Tensor log_softmax_backward(const Tensor& grad_y, const Tensor& y, int64_t dim) {
  return backward(grad_y, y, dim, true, "log_softmax_backward");
}

}  // namespace ember::ops
