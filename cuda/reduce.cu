// The CUDA twins of tensor/ops/reduce.cpp. An input is seen as on the CPU
// (tensor/ops/internal/reduce_rows.h): as rows [outer, row] (the kept dims first, the reduced dims
// flattened into the row, a permuted copy when they are not last already) or, when
// contiguous with the reduced dims in one block, as [outer, row, inner] read in place by
// columns. A reduction is an op with four parts (identity, load, combine, store) run by one
// of three kernels:
//   lines:   a group of threads per row, each striding over it, then a tree in shared memory
//   columns: one thread per output, walking its column in order
//   split:   one long row (the all-elements case) cut into fixed chunks, then the chunks
// The group size and chunking depend on the shapes only: no atomics, the same bits each run
// (the trees are cuda/group_reduce.cuh's).
#include <cmath>
#include <type_traits>

#include <ember/cuda/check.cuh>
#include <ember/cuda/first_bad.cuh>
#include <ember/cuda/group_reduce.cuh>
#include <ember/cuda/internal/reduce.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/internal/reduce_rows.h>

namespace ember::cuda {

namespace {

constexpr int kBlock = 256;
constexpr int64_t kChunk = 8192;        // the split kernel's chunk of one long row
constexpr int64_t kSplitAbove = 65536;  // a single row longer than this is split
constexpr int64_t kColumnsFrom = 2048;  // enough outputs for one thread each

// ---- the ops: load(v, o, j) sees element j of output o's row ----

template <typename T, typename Acc, typename Out>
struct SumOp {
  Out* out;
  double divisor;  // 1 for sum, the count for mean
  __device__ Acc identity() const { return Acc(0); }
  __device__ Acc load(T v, int64_t, int64_t) const { return Acc(v); }
  __device__ Acc combine(Acc a, Acc b) const { return a + b; }
  __device__ void store(int64_t o, Acc s) const {
    out[o] = divisor == 1 ? Out(s) : Out(double(Out(s)) / divisor);  // as the CPU rounds
  }
};

template <typename T>
__device__ bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return isnan(v);
  } else {
    return false;
  }
}

template <typename T>
struct Best {
  T value;
  int64_t index;  // -1: nothing seen yet
};

// max (kMax) or min with the lowest index among equals; nan beats any number.
template <typename T, bool kMax>
struct BestOp {
  T* values;
  int64_t* indices;
  __device__ static bool better(T v, T best) {
    if (is_nan(best)) return false;
    if (is_nan(v)) return true;
    return kMax ? v > best : v < best;
  }
  __device__ Best<T> identity() const { return {T(0), -1}; }
  __device__ Best<T> load(T v, int64_t, int64_t j) const { return {v, j}; }
  __device__ Best<T> combine(Best<T> a, Best<T> b) const {
    if (a.index < 0) return b;
    if (b.index < 0) return a;
    if (better(b.value, a.value)) return b;
    if (better(a.value, b.value)) return a;
    return b.index < a.index ? b : a;
  }
  __device__ void store(int64_t o, Best<T> b) const {
    values[o] = b.value;
    indices[o] = b.index;
  }
};

// sum |x|^p, or max |x| (nan propagating) for p = inf; stores the p-th root.
template <typename T>
struct NormOp {
  T* out;
  double p;
  bool inf;
  __device__ double identity() const { return 0.0; }
  __device__ double load(T v, int64_t, int64_t) const {
    const double m = fabs(double(v));
    return inf || p == 1 ? m : p == 2 ? m * m : pow(m, p);
  }
  __device__ double combine(double a, double b) const {
    if (inf) return (b > a || isnan(b)) ? b : a;
    return a + b;
  }
  __device__ void store(int64_t o, double s) const {
    out[o] = T(inf || p == 1 ? s : p == 2 ? sqrt(s) : pow(s, 1.0 / p));
  }
};

// How many elements of each row reach the row's (inf-)norm.
template <typename T>
struct CountTiesOp {
  const T* norm;
  int64_t* out;
  __device__ int64_t identity() const { return 0; }
  __device__ int64_t load(T v, int64_t o, int64_t) const {
    return fabs(double(v)) == double(norm[o]) ? 1 : 0;
  }
  __device__ int64_t combine(int64_t a, int64_t b) const { return a + b; }
  __device__ void store(int64_t o, int64_t n) const { out[o] = n; }
};

// Keeps an op's partial results instead of storing them (the split kernel's first pass).
template <typename Op, typename Acc>
struct ToPartials {
  Op op;
  Acc* partials;
  __device__ Acc identity() const { return op.identity(); }
  template <typename T>
  __device__ Acc load(T v, int64_t o, int64_t j) const {
    return op.load(v, o, j);
  }
  __device__ Acc combine(Acc a, Acc b) const { return op.combine(a, b); }
  __device__ void store(int64_t l, Acc acc) const { partials[l] = acc; }
};

// ---- the kernels ----

// An op's combine as the functor group_reduce takes.
template <typename Op>
struct CombineWith {
  Op op;
  template <typename Acc>
  __device__ Acc operator()(Acc a, Acc b) const {
    return op.combine(a, b);
  }
};

// Lines of `length` elements of x, `group` threads each (a power of 2 <= kBlock). Line l
// holds x[l * length + j] for j < min(length, total - l * length). Unsplit, line l is
// output l and j its index; split (one output cut into chunks), output 0 and l * length + j.
template <typename T, typename Op>
__global__ void reduce_lines_kernel(const T* x, int64_t lines, int64_t length, int64_t total,
                                    bool split, int group, Op op) {
  using Acc = decltype(op.identity());
  __shared__ Acc partial[kBlock];
  const int lane = threadIdx.x % group;
  const int lines_per_block = kBlock / group;
  for (int64_t base = blockIdx.x * int64_t(lines_per_block); base < lines;
       base += int64_t(gridDim.x) * lines_per_block) {
    const int64_t l = base + threadIdx.x / group;
    Acc acc = op.identity();
    if (l < lines) {
      const int64_t begin = l * length;
      const int64_t n = min(length, total - begin);
      for (int64_t j = lane; j < n; j += group)
        acc = op.combine(acc,
                         split ? op.load(x[begin + j], 0, begin + j) : op.load(x[begin + j], l, j));
    }
    acc = group_reduce(acc, partial, group, CombineWith<Op>{op});
    if (lane == 0 && l < lines) op.store(l, acc);
  }
}

// The split kernel's second pass: one block combines `count` partials into output 0.
template <typename Acc, typename Op>
__global__ void reduce_partials_kernel(const Acc* partials, int64_t count, Op op) {
  __shared__ Acc partial[kBlock];
  Acc acc = op.identity();
  for (int64_t j = threadIdx.x; j < count; j += kBlock) acc = op.combine(acc, partials[j]);
  acc = group_reduce(acc, partial, kBlock, CombineWith<Op>{op});
  if (threadIdx.x == 0) op.store(0, acc);
}

// x is [outer, length, inner]: thread (o, i) reduces x[o, :, i] in order into output
// o * inner + i.
template <typename T, typename Op>
__global__ void reduce_columns_kernel(const T* x, int64_t outer, int64_t length, int64_t inner,
                                      Op op) {
  for (int64_t at = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; at < outer * inner;
       at += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = at / inner, i = at % inner;
    const T* column = x + o * length * inner + i;
    auto acc = op.identity();
    for (int64_t r = 0; r < length; ++r) acc = op.combine(acc, op.load(column[r * inner], at, r));
    op.store(at, acc);
  }
}

// Runs op over `a` reduced on `reduced`: op.store(o, .) for each output o in row-major
// order of the kept dims.
template <typename T, typename Op>
void reduce(const Tensor& a, const std::vector<bool>& reduced, Op op) {
  DeviceGuard guard(a.device().index);
  cudaStream_t stream = current_stream();
  ops::Columns c;
  if (ops::as_columns(a, reduced, &c) && c.outer * c.inner >= kColumnsFrom) {
    reduce_columns_kernel<<<blocks_for(c.outer * c.inner), kThreads, 0, stream>>>(
        a.device_data<T>(), c.outer, c.row, c.inner, op);
    EMBER_CUDA_CHECK_LAUNCH();
    return;
  }
  ops::Rows r = ops::to_rows(a, reduced);
  if (r.outer == 0) return;
  const T* x = r.data.device_data<T>();
  if (r.outer == 1 && r.row > kSplitAbove) {
    using Acc = decltype(op.identity());
    const int64_t chunks = (r.row + kChunk - 1) / kChunk;
    Storage partials = Storage::allocate(size_t(chunks) * sizeof(Acc), a.device());
    ToPartials<Op, Acc> first{op, static_cast<Acc*>(partials.data())};
    reduce_lines_kernel<<<blocks_for(chunks, 1), kBlock, 0, stream>>>(x, chunks, kChunk, r.row,
                                                                      true, kBlock, first);
    EMBER_CUDA_CHECK_LAUNCH();
    reduce_partials_kernel<<<1, kBlock, 0, stream>>>(static_cast<const Acc*>(partials.data()),
                                                     chunks, op);
    EMBER_CUDA_CHECK_LAUNCH();
    return;
  }
  const int group = group_for(r.row);
  reduce_lines_kernel<<<blocks_for(r.outer, kBlock / group), kBlock, 0, stream>>>(
      x, r.outer, r.row, r.outer * r.row, false, group, op);
  EMBER_CUDA_CHECK_LAUNCH();
}

// ---- norm backward and the scatter behind max/min/topk backward ----

// x, dx [outer, row]; g, norm [outer]; ties [outer] for p = inf. Writes dx (=).
template <typename T>
__global__ void norm_backward_kernel(T* dx, const T* x, const T* g, const T* norm,
                                     const int64_t* ties, int64_t outer, int64_t row, double p,
                                     bool inf) {
  for (int64_t at = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; at < outer * row;
       at += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = at / row;
    const double nrm = double(norm[o]);
    double scale = 0;  // what multiplies sign(x) |x|^(p-1)
    if (inf) {
      scale = ties[o] ? double(g[o]) / double(ties[o]) : 0.0;
    } else if (nrm != 0) {
      scale = double(g[o]) / (p == 1 ? 1.0 : p == 2 ? nrm : pow(nrm, p - 1));
    }
    const double xj = double(x[at]), m = fabs(xj);
    const double sign = xj > 0 ? 1.0 : xj < 0 ? -1.0 : 0.0;
    double d = 0;
    if (inf) {
      d = m == nrm ? sign * scale : 0.0;
    } else if (m != 0) {
      d = sign * scale * (p == 1 ? 1.0 : p == 2 ? m : pow(m, p - 1));
    }
    dx[at] = T(d);
  }
}

// out [outer, length, inner] (zeros), values and indices [outer, k, inner]: thread (o, i)
// adds its k values in order, out[o, indices[o, j, i], i] += values[o, j, i]. A bad index
// records its position in *first_bad and is skipped.
template <typename T>
__global__ void scatter_lines_kernel(T* out, const T* values, const int64_t* indices, int64_t outer,
                                     int64_t k, int64_t inner, int64_t length,
                                     unsigned long long* first_bad) {
  for (int64_t at = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; at < outer * inner;
       at += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = at / inner, i = at % inner;
    for (int64_t j = 0; j < k; ++j) {
      const int64_t from = (o * k + j) * inner + i;
      const int64_t id = indices[from];
      if (id < 0 || id >= length) {
        atomicMin(first_bad, static_cast<unsigned long long>(from));
        continue;
      }
      out[(o * length + id) * inner + i] += values[from];
    }
  }
}

}  // namespace

Tensor sum(const Tensor& a, const std::vector<bool>& reduced, const Shape& out_sizes,
           double divisor) {
  const DType out_dtype = is_integral(a.dtype()) ? kInt64 : a.dtype();
  Tensor out = empty(out_sizes, TensorOptions(out_dtype).device(a.device()));
  dispatch_numeric(a.dtype(), "sum", [&](auto tag) {
    using T = decltype(tag);
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    using Out = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;
    reduce<T>(a, reduced, SumOp<T, Acc, Out>{out.device_data<Out>(), divisor});
  });
  return out;
}

ops::ValuesIndices max_or_min(const Tensor& a, const std::vector<bool>& reduced,
                              const Shape& out_sizes, bool is_max) {
  ops::ValuesIndices out{empty(out_sizes, TensorOptions(a.dtype()).device(a.device())),
                         empty(out_sizes, TensorOptions(kInt64).device(a.device()))};
  dispatch_numeric(a.dtype(), is_max ? "max" : "min", [&](auto tag) {
    using T = decltype(tag);
    T* values = out.values.device_data<T>();
    int64_t* indices = out.indices.device_data<int64_t>();
    if (is_max) {
      reduce<T>(a, reduced, BestOp<T, true>{values, indices});
    } else {
      reduce<T>(a, reduced, BestOp<T, false>{values, indices});
    }
  });
  return out;
}

Tensor norm(const Tensor& a, double p, const std::vector<bool>& reduced, const Shape& out_sizes) {
  Tensor out = empty(out_sizes, TensorOptions(a.dtype()).device(a.device()));
  dispatch_floating(a.dtype(), "norm", [&](auto tag) {
    using T = decltype(tag);
    reduce<T>(a, reduced, NormOp<T>{out.device_data<T>(), p, std::isinf(p)});
  });
  return out;
}

Tensor norm_backward(const Tensor& grad, const Tensor& a, const Tensor& norm, double p,
                     const std::vector<bool>& reduced) {
  DeviceGuard guard(a.device().index);
  ops::Rows r = ops::to_rows(a, reduced);
  const Tensor g = ops::contiguous(ops::to_dtype(grad, a.dtype()));
  const Tensor n = ops::contiguous(norm);
  Tensor grad_rows = empty({r.outer, r.row}, TensorOptions(a.dtype()).device(a.device()));
  const bool inf = std::isinf(p);
  dispatch_floating(a.dtype(), "norm_backward", [&](auto tag) {
    using T = decltype(tag);
    const Tensor x = ops::view(r.data, {r.outer, r.row});
    Tensor ties;
    if (inf) {  // how many elements share each row's max |x|: the gradient splits among them
      ties = empty({r.outer}, TensorOptions(kInt64).device(a.device()));
      reduce<T>(x, {false, true}, CountTiesOp<T>{n.device_data<T>(), ties.device_data<int64_t>()});
    }
    const int64_t total = r.outer * r.row;
    if (total == 0) return;
    norm_backward_kernel<<<blocks_for(total), kThreads, 0, current_stream()>>>(
        grad_rows.device_data<T>(), x.device_data<T>(), g.device_data<T>(), n.device_data<T>(),
        inf ? ties.device_data<int64_t>() : nullptr, r.outer, r.row, p, inf);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return ops::from_rows(grad_rows, a.sizes(), r.perm);
}

Tensor scatter_into_zeros(const Shape& sizes, int64_t dim, const Tensor& indices,
                          const Tensor& values) {
  DeviceGuard guard(values.device().index);
  const int64_t ndim = int64_t(sizes.size());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= sizes[d];
  for (int64_t d = dim + 1; d < ndim; ++d) inner *= sizes[d];
  const int64_t length = ndim == 0 ? 1 : sizes[dim];
  const int64_t k = ndim == 0 ? 1 : values.size(dim);
  Tensor out = zeros(sizes, TensorOptions(values.dtype()).device(values.device()));
  const Tensor idx = ops::contiguous(indices), src = ops::contiguous(values);
  if (idx.numel() == 0) return out;
  FirstBad first_bad(values.device());
  dispatch_numeric(values.dtype(), "scatter_into_zeros", [&](auto tag) {
    using T = decltype(tag);
    scatter_lines_kernel<<<blocks_for(outer * inner), kThreads, 0, current_stream()>>>(
        out.device_data<T>(), src.device_data<T>(), idx.device_data<int64_t>(), outer, k, inner,
        length, first_bad.data());
    EMBER_CUDA_CHECK_LAUNCH();
  });
  const int64_t bad = first_bad.read();
  if (bad >= 0) {
    const int64_t id = ops::select(ops::view(idx, {-1}), 0, bad).item<int64_t>();
    EMBER_FAIL("scatter_into_zeros: index ", id, " out of range for dim ", dim, " of size ",
               length);
  }
  return out;
}

}  // namespace ember::cuda
