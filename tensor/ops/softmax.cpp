#include <ember/tensor/ops/softmax.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include <ember/tensor/ops/checks.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/parallel.h>

namespace ember::ops {

namespace {

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
  check_cpu(x_in, op);
  check_strided(x_in, op);
  dim = wrap_dim(dim, x_in.dim(), op);
  Tensor x = contiguous(x_in);
  Tensor y = empty(x.sizes(), x.dtype());
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    for_each_line(x.sizes(), dim, [&](int64_t base, int64_t step, int64_t n) {
      const T* in = xp + base;
      T* out = yp + base;
      T max = -std::numeric_limits<T>::infinity();
      for (int64_t j = 0; j < n; ++j) max = std::max(max, in[j * step]);
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) {
        T e = std::exp(in[j * step] - max);
        if (!log) out[j * step] = e;
        sum += double(e);
      }
      if (log) {
        const T log_sum = T(std::log(sum));
        for (int64_t j = 0; j < n; ++j) out[j * step] = (in[j * step] - max) - log_sum;
      } else {
        const T scale = T(1.0 / sum);
        for (int64_t j = 0; j < n; ++j) out[j * step] *= scale;
      }
    });
  });
  return y;
}

// The (log-)softmax backward; `log` picks which.
Tensor backward(const Tensor& grad_in, const Tensor& y_in, int64_t dim, bool log, const char* op) {
  check_cpu(y_in, op);
  EMBER_CHECK(grad_in.sizes() == y_in.sizes(), op, ": gradient ", grad_in.sizes(),
              " does not match the output ", y_in.sizes());
  check_same_dtype(grad_in, y_in, op);
  dim = wrap_dim(dim, y_in.dim(), op);
  Tensor g = contiguous(grad_in);
  Tensor y = contiguous(y_in);
  Tensor grad_x = empty(y.sizes(), y.dtype());
  dispatch_floating(y.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* gp = g.data<T>();
    const T* yp = y.data<T>();
    T* dp = grad_x.data<T>();
    for_each_line(y.sizes(), dim, [&](int64_t base, int64_t step, int64_t n) {
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

Tensor softmax(const Tensor& x, int64_t dim) { return forward(x, dim, false, "softmax"); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return forward(x, dim, true, "log_softmax"); }

Tensor softmax_backward(const Tensor& grad_y, const Tensor& y, int64_t dim) {
  return backward(grad_y, y, dim, false, "softmax_backward");
}
Tensor log_softmax_backward(const Tensor& grad_y, const Tensor& y, int64_t dim) {
  return backward(grad_y, y, dim, true, "log_softmax_backward");
}

}  // namespace ember::ops
