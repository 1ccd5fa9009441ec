// sum: rows in 16 double lanes (an AVX2 clone for float32) and leading or middle dims read
// as strided columns in place, no permuted copy (bench/RESULTS.md has their times).
#include <ember/tensor/ops/internal/reduce_rows.h>
#include <ember/tensor/ops/reduce.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>

#include <ember/config.h>
#include <ember/tensor/cpu.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/internal/checks.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/internal/reduce.h>
#endif

namespace ember::ops {

namespace {

// A row is reduced in chunks of kChunk elements whose partials combine in chunk order: the
// arithmetic depends on the row length only, never on how many threads share the work.
constexpr int64_t kChunk = 4096;
constexpr int64_t kGrainElements = 32768;

// sum of x[0, n) in kLanes independent accumulators (the compiler vectorises the lane loop),
// then the lanes in order: the arithmetic depends on n only.
template <typename Acc, typename T>
inline __attribute__((always_inline)) Acc sum_contiguous(const T* x, int64_t n) {
  constexpr int kLanes = 16;
  Acc lanes[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += Acc(x[j + l]);
  for (int l = 0; j < n; ++j, ++l) lanes[l] += Acc(x[j]);
  Acc s = 0;
  for (int l = 0; l < kLanes; ++l) s += lanes[l];
  return s;
}

// sums[i] = sum over r < rows of x[r * ld + i], for i < columns; x holds rows of `ld`.
template <typename Acc, typename T>
inline __attribute__((always_inline)) void sum_columns(const T* x, int64_t rows, int64_t ld,
                                                       int64_t columns, Acc* sums) {
  for (int64_t i = 0; i < columns; ++i) sums[i] = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const T* line = x + r * ld;
    for (int64_t i = 0; i < columns; ++i) sums[i] += Acc(line[i]);
  }
}

// The float32 versions of both, compiled for baseline x86-64 and for AVX2 (4 float -> double
// conversions per instruction instead of 2), picked at run time; the arithmetic is the same.
double sum_floats_generic(const float* x, int64_t n) { return sum_contiguous<double>(x, n); }
void sum_float_columns_generic(const float* x, int64_t rows, int64_t ld, int64_t columns,
                               double* sums) {
  sum_columns(x, rows, ld, columns, sums);
}
#if defined(__x86_64__)
__attribute__((target("avx2"))) double sum_floats_avx2(const float* x, int64_t n) {
  return sum_contiguous<double>(x, n);
}
__attribute__((target("avx2"))) void sum_float_columns_avx2(const float* x, int64_t rows,
                                                            int64_t ld, int64_t columns,
                                                            double* sums) {
  sum_columns(x, rows, ld, columns, sums);
}
#endif

template <typename Acc, typename T>
Acc sum_row(const T* x, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
#if defined(__x86_64__)
    if (cpu::has_avx2()) return sum_floats_avx2(x, n);
#endif
    return sum_floats_generic(x, n);
  } else {
    return sum_contiguous<Acc>(x, n);
  }
}

template <typename Acc, typename T>
void sum_column_block(const T* x, int64_t rows, int64_t ld, int64_t columns, Acc* sums) {
  if constexpr (std::is_same_v<T, float>) {
#if defined(__x86_64__)
    if (cpu::has_avx2()) return sum_float_columns_avx2(x, rows, ld, columns, sums);
#endif
    return sum_float_columns_generic(x, rows, ld, columns, sums);
  } else {
    sum_columns(x, rows, ld, columns, sums);
  }
}

int64_t grain_for(int64_t work_per_item) {
  return std::max<int64_t>(1, kGrainElements / std::max<int64_t>(1, work_per_item));
}

// One result per row: chunk(r, begin, end) reduces elements [begin, end) of row r, and
// combine(acc, part) folds the chunk results of a row left to right, starting from `init`.
template <typename Acc, typename Chunk, typename Combine>
std::vector<Acc> reduce_rows(int64_t outer, int64_t row, Acc init, Chunk chunk, Combine combine) {
  const int64_t chunks = std::max<int64_t>(1, (row + kChunk - 1) / kChunk);
  std::vector<Acc> partial(size_t(outer * chunks), init);
  parallel_for(outer * chunks, grain_for(std::min(row, kChunk)), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      int64_t r = i / chunks, lo = (i % chunks) * kChunk;
      partial[i] = chunk(r, lo, std::min(row, lo + kChunk));
    }
  });
  std::vector<Acc> out(size_t(outer), init);
  for (int64_t r = 0; r < outer; ++r)
    for (int64_t c = 0; c < chunks; ++c) out[r] = combine(out[r], partial[r * chunks + c]);
  return out;
}

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

// Whether v replaces best in a max (min) scan; nan beats any number, as in PyTorch.
template <bool kMax, typename T>
bool better(T v, T best) {
  if (is_nan(best)) return false;
  if (is_nan(v)) return true;
  return kMax ? v > best : v < best;
}

template <typename T>
struct Best {
  T value{};
  int64_t index = -1;  // -1: nothing seen yet
};

// max (kMax) or min of each row, with the index of its first occurrence.
template <bool kMax, typename T>
std::vector<Best<T>> best_of_rows(const Rows& r) {
  const T* x = r.data.data<T>();
  const int64_t row = r.row;
  return reduce_rows<Best<T>>(
      r.outer, row, Best<T>{},
      [&](int64_t i, int64_t lo, int64_t hi) {
        const T* p = x + i * row;
        Best<T> b{p[lo], lo};
        for (int64_t j = lo + 1; j < hi; ++j)
          if (better<kMax>(p[j], b.value)) b = {p[j], j};
        return b;
      },
      [](Best<T> acc, Best<T> part) {
        return acc.index < 0 || better<kMax>(part.value, acc.value) ? part : acc;
      });
}

// max (kMax) or min over the `reduced` dims (the indices count along the flattened row).
template <bool kMax>
ValuesIndices max_or_min(const Tensor& a, const std::vector<bool>& reduced, bool keepdim,
                         const char* op) {
  check_strided(a, op);
  Shape out_sizes = reduced_sizes(a.sizes(), reduced, keepdim);
#if EMBER_WITH_CUDA
  if (a.is_cuda()) return cuda::max_or_min(a, reduced, out_sizes, kMax);
#endif
  ValuesIndices out{empty(out_sizes, a.dtype()), empty(out_sizes, kInt64)};
  dispatch_numeric(a.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Rows r = to_rows(a, reduced);
    std::vector<Best<T>> best = best_of_rows<kMax, T>(r);
    T* values = out.values.data<T>();
    int64_t* indices = out.indices.data<int64_t>();
    for (int64_t i = 0; i < r.outer; ++i) {
      values[i] = best[i].value;
      indices[i] = best[i].index;
    }
  });
  return out;
}

template <bool kMax>
ValuesIndices max_or_min_dim(const Tensor& a, int64_t dim, bool keepdim, const char* op) {
  std::vector<bool> reduced = reduced_dims(a.dim(), {dim}, op);
  dim = wrap_dim(dim, a.dim(), op);
  EMBER_CHECK(a.dim() == 0 || a.size(dim) > 0, op, ": cannot reduce over an empty dim (dim ", dim,
              " of sizes ", a.sizes(), ")");
  return max_or_min<kMax>(a, reduced, keepdim, op);
}

template <bool kMax>
ValuesIndices max_or_min_all(const Tensor& a, const char* op) {
  EMBER_CHECK(a.numel() > 0, op, ": cannot reduce on an empty tensor (sizes ", a.sizes(), ")");
  return max_or_min<kMax>(a, reduced_dims(a.dim(), {}, op), false, op);
}

}  // namespace

// ---- the shapes of a reduction (tensor/ops/internal/reduce_rows.h) ----

Rows to_rows(const Tensor& a, const std::vector<bool>& reduced) {
  Rows r;
  Shape moved;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (reduced[d]) {
      moved.push_back(d);
      r.row *= a.size(d);
    } else {
      r.perm.push_back(d);
      r.outer *= a.size(d);
    }
  }
  r.perm.insert(r.perm.end(), moved.begin(), moved.end());
  r.data = contiguous(permute(a, r.perm));
  return r;
}

Tensor from_rows(const Tensor& rows, const Shape& sizes, const Shape& perm) {
  Shape permuted_sizes, inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    permuted_sizes.push_back(sizes[perm[i]]);
    inverse[perm[i]] = int64_t(i);
  }
  return contiguous(permute(view(rows, permuted_sizes), inverse));
}

bool as_columns(const Tensor& a, const std::vector<bool>& reduced, Columns* c) {
  if (!a.is_contiguous()) return false;
  int part = 0;  // 0: kept dims before the block, 1: in the block, 2: kept dims after it
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (a.size(d) == 1) continue;
    if (reduced[d]) {
      if (part == 2) return false;
      part = 1;
      c->row *= a.size(d);
    } else if (part == 0) {
      c->outer *= a.size(d);
    } else {
      part = 2;
      c->inner *= a.size(d);
    }
  }
  return part == 2;
}

std::vector<bool> reduced_dims(int64_t ndim, const Shape& dims, const char* op) {
  std::vector<bool> reduced(size_t(ndim), dims.empty());
  std::vector<bool> seen(size_t(std::max<int64_t>(ndim, 1)), false);
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, ndim, op);
    EMBER_CHECK(!seen[w], op, ": dim ", w, " appears more than once in the list of dims ", dims);
    seen[w] = true;
    if (ndim > 0) reduced[w] = true;
  }
  return reduced;
}

Shape reduced_sizes(const Shape& sizes, const std::vector<bool>& reduced, bool keepdim) {
  Shape out;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (!reduced[d]) {
      out.push_back(sizes[d]);
    } else if (keepdim) {
      out.push_back(1);
    }
  }
  return out;
}

// ---- sum and mean ----

Tensor sum(const Tensor& a) { return sum(a, {}, false); }

Tensor sum(const Tensor& a, const Shape& dims, bool keepdim) {
  check_strided(a, "sum");
  if (a.dtype() == kBool) return sum(to_dtype(a, kInt64), dims, keepdim);
  std::vector<bool> reduced = reduced_dims(a.dim(), dims, "sum");
  Shape out_sizes = reduced_sizes(a.sizes(), reduced, keepdim);
#if EMBER_WITH_CUDA
  if (a.is_cuda()) {
    dispatch_numeric(a.dtype(), "sum", [](auto) {});  // float16 raises here, as on the CPU
    return cuda::sum(a, reduced, out_sizes, 1.0);
  }
#endif
  DType out_dtype = is_integral(a.dtype()) ? kInt64 : a.dtype();
  Tensor out = empty(out_sizes, out_dtype);
  dispatch_numeric(a.dtype(), "sum", [&](auto tag) {
    using T = decltype(tag);
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    using Out = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;
    Out* o = out.data<Out>();
    Columns c;
    if (as_columns(a, reduced, &c)) {
      // Work item = (o, chunk of kChunk rows, block of kColumns columns); the chunks of a
      // column combine in order, as in reduce_rows.
      constexpr int64_t kColumns = 256;
      const T* x = a.data<T>();
      const int64_t chunks = (c.row + kChunk - 1) / kChunk;
      const int64_t blocks = (c.inner + kColumns - 1) / kColumns;
      std::vector<Acc> partial(size_t(c.outer * chunks * c.inner));
      parallel_for(c.outer * chunks * blocks, grain_for(std::min(c.row, kChunk) * kColumns),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t item = begin; item < end; ++item) {
                       const int64_t block = item % blocks, rest = item / blocks;
                       const int64_t chunk = rest % chunks, outer = rest / chunks;
                       const int64_t r0 = chunk * kChunk, i0 = block * kColumns;
                       sum_column_block(x + (outer * c.row + r0) * c.inner + i0,
                                        std::min(kChunk, c.row - r0), c.inner,
                                        std::min(kColumns, c.inner - i0),
                                        partial.data() + rest * c.inner + i0);
                     }
                   });
      for (int64_t outer = 0; outer < c.outer; ++outer)
        for (int64_t i = 0; i < c.inner; ++i) {
          Acc s = 0;
          for (int64_t chunk = 0; chunk < chunks; ++chunk)
            s += partial[(outer * chunks + chunk) * c.inner + i];
          o[outer * c.inner + i] = Out(s);
        }
      return;
    }
    Rows r = to_rows(a, reduced);  // no copy when the reduced dims are already the last
    const T* x = r.data.data<T>();
    const int64_t row = r.row;
    std::vector<Acc> sums = reduce_rows<Acc>(
        r.outer, row, Acc(0),
        [&](int64_t i, int64_t lo, int64_t hi) { return sum_row<Acc>(x + i * row + lo, hi - lo); },
        [](Acc acc, Acc part) { return acc + part; });
    for (int64_t i = 0; i < r.outer; ++i) o[i] = Out(sums[i]);
  });
  return out;
}

Tensor mean(const Tensor& a) { return mean(a, {}, false); }

Tensor mean(const Tensor& a, const Shape& dims, bool keepdim) {
  dispatch_floating(a.dtype(), "mean", [](auto) {});  // ints and float16 raise here
  std::vector<bool> reduced = reduced_dims(a.dim(), dims, "mean");
  int64_t count = 1;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (reduced[d]) count *= a.size(d);
#if EMBER_WITH_CUDA
  if (a.is_cuda()) {
    check_strided(a, "mean");
    return cuda::sum(a, reduced, reduced_sizes(a.sizes(), reduced, keepdim), double(count));
  }
#endif
  Tensor out = sum(a, dims, keepdim);
  dispatch_floating(a.dtype(), "mean", [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    for (int64_t i = 0; i < out.numel(); ++i) o[i] = T(double(o[i]) / double(count));
  });
  return out;
}

// ---- max, min, argmax ----

ValuesIndices max(const Tensor& a, int64_t dim, bool keepdim) {
  return max_or_min_dim<true>(a, dim, keepdim, "max");
}
ValuesIndices min(const Tensor& a, int64_t dim, bool keepdim) {
  return max_or_min_dim<false>(a, dim, keepdim, "min");
}
Tensor max(const Tensor& a) { return max_or_min_all<true>(a, "max").values; }
Tensor min(const Tensor& a) { return max_or_min_all<false>(a, "min").values; }

Tensor argmax(const Tensor& a, int64_t dim, bool keepdim) {
  return max_or_min_dim<true>(a, dim, keepdim, "argmax").indices;
}
Tensor argmax(const Tensor& a) { return max_or_min_all<true>(a, "argmax").indices; }

// ---- norm ----

Tensor norm(const Tensor& a, double p) { return norm(a, p, {}, false); }

Tensor norm(const Tensor& a, double p, const Shape& dims, bool keepdim) {
  check_strided(a, "norm");
  EMBER_CHECK(p > 0, "norm: p must be > 0 (or inf), got ", p);
  std::vector<bool> reduced = reduced_dims(a.dim(), dims, "norm");
#if EMBER_WITH_CUDA
  if (a.is_cuda()) return cuda::norm(a, p, reduced, reduced_sizes(a.sizes(), reduced, keepdim));
#endif
  Tensor out = empty(reduced_sizes(a.sizes(), reduced, keepdim), a.dtype());
  dispatch_floating(a.dtype(), "norm", [&](auto tag) {
    using T = decltype(tag);
    Rows r = to_rows(a, reduced);
    const T* x = r.data.data<T>();
    const int64_t row = r.row;
    const bool inf = std::isinf(p);
    // Per chunk: sum |x|^p, or max |x| for p = inf (nan propagates).
    std::vector<double> acc = reduce_rows<double>(
        r.outer, row, 0.0,
        [&](int64_t i, int64_t lo, int64_t hi) {
          const T* v = x + i * row;
          double s = 0;
          for (int64_t j = lo; j < hi; ++j) {
            double m = std::abs(double(v[j]));
            if (inf) {
              s = (m > s || std::isnan(m)) ? m : s;
            } else {
              s += p == 1 ? m : p == 2 ? m * m : std::pow(m, p);
            }
          }
          return s;
        },
        [&](double s, double part) {
          if (inf) return (part > s || std::isnan(part)) ? part : s;
          return s + part;
        });
    T* o = out.data<T>();
    for (int64_t i = 0; i < r.outer; ++i) {
      double s = acc[i];
      o[i] = T(inf || p == 1 ? s : p == 2 ? std::sqrt(s) : std::pow(s, 1.0 / p));
    }
  });
  return out;
}

Tensor norm_backward(const Tensor& grad, const Tensor& a, const Tensor& norm, double p,
                     const Shape& dims, bool /*keepdim*/) {
  std::vector<bool> reduced = reduced_dims(a.dim(), dims, "norm_backward");
#if EMBER_WITH_CUDA
  if (a.is_cuda()) {
    check_same_device(grad, a, "norm_backward");
    check_same_device(norm, a, "norm_backward");
    return cuda::norm_backward(grad, a, norm, p, reduced);
  }
#endif
  Rows r = to_rows(a, reduced);
  Tensor g = contiguous(to_dtype(grad, a.dtype()));
  Tensor n = contiguous(norm);
  Tensor grad_rows = empty({r.outer, r.row}, a.dtype());
  dispatch_floating(a.dtype(), "norm_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* x = r.data.data<T>();
    const T* gp = g.data<T>();
    const T* np = n.data<T>();
    T* out = grad_rows.data<T>();
    const int64_t row = r.row;
    const bool inf = std::isinf(p);
    parallel_for(r.outer, grain_for(row), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const T* v = x + i * row;
        T* dv = out + i * row;
        const double nrm = double(np[i]);
        double scale = 0;  // what multiplies sign(x) |x|^(p-1)
        if (inf) {
          int64_t ties = 0;
          for (int64_t j = 0; j < row; ++j) ties += std::abs(double(v[j])) == nrm;
          scale = ties ? double(gp[i]) / double(ties) : 0.0;
        } else if (nrm != 0) {
          scale = double(gp[i]) / (p == 1 ? 1.0 : p == 2 ? nrm : std::pow(nrm, p - 1));
        }
        for (int64_t j = 0; j < row; ++j) {
          double xj = double(v[j]), m = std::abs(xj);
          double sign = xj > 0 ? 1.0 : xj < 0 ? -1.0 : 0.0;
          double d = 0;
          if (inf) {
            d = m == nrm ? sign * scale : 0.0;
          } else if (m != 0) {
            d = sign * scale * (p == 1 ? 1.0 : p == 2 ? m : std::pow(m, p - 1));
          }
          dv[j] = T(d);
        }
      }
    });
  });
  return from_rows(grad_rows, a.sizes(), r.perm);
}

// ---- topk ----

ValuesIndices topk(const Tensor& a, int64_t k, int64_t dim, bool largest, bool /*sorted*/) {
  check_strided(a, "topk");
  std::vector<bool> reduced = reduced_dims(a.dim(), {dim}, "topk");
  dim = wrap_dim(dim, a.dim(), "topk");
  const int64_t length = a.dim() == 0 ? 1 : a.size(dim);
  EMBER_CHECK(k >= 0, "topk: k must be >= 0, got ", k);
  EMBER_CHECK(length > 0 || k == 0, "topk: cannot reduce over an empty dim (dim ", dim,
              " of sizes ", a.sizes(), ", k = ", k, ")");
  EMBER_CHECK(k <= length, "topk: k = ", k, " is larger than the size ", length, " of dim ", dim,
              " (sizes ", a.sizes(), ")");
#if EMBER_WITH_CUDA
  if (a.is_cuda()) {
    dispatch_numeric(a.dtype(), "topk", [](auto) {});  // as the CPU path raises
    return cuda::topk(a, k, dim, largest);
  }
#endif
  Rows r = to_rows(a, reduced);
  Tensor value_rows = empty({r.outer, k}, a.dtype());
  Tensor index_rows = empty({r.outer, k}, kInt64);
  dispatch_numeric(a.dtype(), "topk", [&](auto tag) {
    using T = decltype(tag);
    const T* x = r.data.data<T>();
    T* values = value_rows.data<T>();
    int64_t* indices = index_rows.data<int64_t>();
    const int64_t row = r.row;
    parallel_for(r.outer, grain_for(row), [&](int64_t begin, int64_t end) {
      std::vector<int64_t> order(static_cast<size_t>(row));
      for (int64_t i = begin; i < end; ++i) {
        const T* v = x + i * row;
        // Strict order: by value (nan largest), then by index; the first k come first.
        auto before = [&](int64_t s, int64_t t) {
          if (v[s] == v[t] || (is_nan(v[s]) && is_nan(v[t]))) return s < t;
          return largest ? better<true>(v[s], v[t]) : !better<true>(v[s], v[t]);
        };
        std::iota(order.begin(), order.end(), int64_t(0));
        std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
        for (int64_t j = 0; j < k; ++j) {
          values[i * k + j] = v[order[j]];
          indices[i * k + j] = order[j];
        }
      }
    });
  });
  Shape out_sizes = a.sizes();
  if (a.dim() > 0) out_sizes[dim] = k;
  return {from_rows(value_rows, out_sizes, r.perm), from_rows(index_rows, out_sizes, r.perm)};
}

// ---- the scatter behind max/min/topk backward ----

Tensor scatter_into_zeros(const Shape& sizes, int64_t dim, const Tensor& indices,
                          const Tensor& values) {
  const int64_t ndim = int64_t(sizes.size());
  dim = wrap_dim(dim, ndim, "scatter_into_zeros");
  EMBER_CHECK(indices.dtype() == kInt64 && indices.sizes() == values.sizes() &&
                  int64_t(values.sizes().size()) == ndim,
              "scatter_into_zeros: indices ", indices.sizes(), " (", indices.dtype(),
              ") and values ", values.sizes(), " do not match ", sizes);
  // out is [outer, length, inner]; indices and values are [outer, k, inner].
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= sizes[d];
  for (int64_t d = dim + 1; d < ndim; ++d) inner *= sizes[d];
  const int64_t length = ndim == 0 ? 1 : sizes[dim];
  const int64_t k = ndim == 0 ? 1 : values.size(dim);
  check_same_device(indices, values, "scatter_into_zeros");
#if EMBER_WITH_CUDA
  if (values.is_cuda()) return cuda::scatter_into_zeros(sizes, dim, indices, values);
#endif
  Tensor out = zeros(sizes, values.dtype());
  Tensor idx = contiguous(indices);
  Tensor src = contiguous(values);
  const int64_t* ip = idx.data<int64_t>();
  for (int64_t at = 0; at < idx.numel(); ++at)
    EMBER_CHECK(ip[at] >= 0 && ip[at] < length, "scatter_into_zeros: index ", ip[at],
                " out of range for dim ", dim, " of size ", length);
  dispatch_numeric(values.dtype(), "scatter_into_zeros", [&](auto tag) {
    using T = decltype(tag);
    const T* sp = src.data<T>();
    T* op = out.data<T>();
    parallel_for(outer, grain_for(k * inner), [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o)
        for (int64_t j = 0; j < k; ++j)
          for (int64_t i = 0; i < inner; ++i) {
            int64_t at = (o * k + j) * inner + i;
            op[(o * length + ip[at]) * inner + i] += sp[at];
          }
    });
  });
  return out;
}

}  // namespace ember::ops
