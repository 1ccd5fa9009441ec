// The CUDA twins of tensor/ops/index.cpp. Gathers are one thread per output element;
// scatter_add gives each thread a line of the output that no other thread touches (or, for a
// few long lines, each touched element), and index_add each id's row to one block (the ids sorted
// into runs, cuda/runs.cuh); both add their contributions in index order, so sums are deterministic
// without atomics.
#include <ember/cuda/check.cuh>
#include <ember/cuda/first_bad.cuh>
#include <ember/cuda/internal/index.h>
#include <ember/cuda/runs.cuh>
#include <ember/tensor/ops/copy.h>

namespace ember::cuda {

namespace {

constexpr int kMaxDims = 12;

// The sizes of an index tensor and the strides of up to three operands over it.
struct Lines {
  int ndim;
  int64_t sizes[kMaxDims];
  int64_t strides[3][kMaxDims];
  int64_t offsets[3];
};

Lines lines_of(const Shape& sizes, const std::vector<const Tensor*>& operands) {
  EMBER_CHECK(sizes.size() <= size_t(kMaxDims), "cuda index ops: at most ", kMaxDims, " dims, got ",
              sizes);
  Lines l{};
  l.ndim = int(sizes.size());
  for (int d = 0; d < l.ndim; ++d) l.sizes[d] = sizes[d];
  for (size_t k = 0; k < operands.size(); ++k) {
    for (int d = 0; d < l.ndim; ++d) l.strides[k][d] = operands[k]->stride(d);
    l.offsets[k] = operands[k]->offset();
  }
  return l;
}

// Offsets of operand k at the element `flat` of the index sizes, with coordinate `dim`
// taken as 0 (skip_dim true) or as is.
__device__ void locate(const Lines& l, int64_t flat, int dim, bool skip_dim, int n, int64_t* at) {
  for (int k = 0; k < n; ++k) at[k] = l.offsets[k];
  for (int d = l.ndim - 1; d >= 0; --d) {
    const int64_t c = flat % l.sizes[d];
    flat /= l.sizes[d];
    if (skip_dim && d == dim) continue;
    for (int k = 0; k < n; ++k) at[k] += c * l.strides[k][d];
  }
}

template <typename I>
__global__ void first_bad_kernel(const I* ids, int64_t n, int64_t size, unsigned long long* first) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    if (ids[i] < 0 || int64_t(ids[i]) >= size) atomicMin(first, static_cast<unsigned long long>(i));
}

// out [outer, N, inner] = table [outer, V, inner] at ids[N] (=).
template <typename T, typename I>
__global__ void index_select_kernel(T* out, const T* table, const I* ids, int64_t outer, int64_t n,
                                    int64_t v, int64_t inner) {
  const int64_t total = outer * n * inner;
  for (int64_t at = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; at < total;
       at += int64_t(gridDim.x) * blockDim.x) {
    const int64_t k = at % inner, i = (at / inner) % n, o = at / (inner * n);
    out[at] = table[(o * v + int64_t(ids[i])) * inner + k];
  }
}

// out (ids' sizes, contiguous) = a at ids along dim (=). Operands: 0 ids/out, 1 a.
template <typename T, typename I>
__global__ void gather_kernel(T* out, const T* a, const I* ids, int64_t total, Lines l, int dim) {
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < total;
       p += int64_t(gridDim.x) * blockDim.x) {
    int64_t at[2];
    locate(l, p, dim, true, 2, at);
    out[p] = a[at[1] + int64_t(ids[p]) * l.strides[1][dim]];
  }
}

// One thread per line of ids along dim (all other coordinates fixed): out at ids += src, in
// order (+=). Operands: 0 ids (contiguous), 1 src, 2 out.
template <typename T, typename I>
__global__ void scatter_add_kernel(T* out, const T* src, const I* ids, int64_t lines, Lines l,
                                   int dim) {
  const int64_t length = l.sizes[dim];
  for (int64_t line = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; line < lines;
       line += int64_t(gridDim.x) * blockDim.x) {
    // The line's first element: its flat index in ids with coordinate dim = 0.
    int64_t rest = line, flat = 0, scale = 1;
    for (int d = l.ndim - 1; d >= 0; --d) {
      if (d == dim) {
        scale *= l.sizes[d];
        continue;
      }
      flat += (rest % l.sizes[d]) * scale;
      rest /= l.sizes[d];
      scale *= l.sizes[d];
    }
    int64_t at[3];
    locate(l, flat, dim, true, 3, at);
    for (int64_t i = 0; i < length; ++i)
      out[at[2] + int64_t(ids[at[0] + i * l.strides[0][dim]]) * l.strides[2][dim]] +=
          src[at[1] + i * l.strides[1][dim]];
  }
}

// For the element p of ids (flat, row-major): keys[p] = the offset in out it adds to,
// src_at[p] = the offset in src it adds from. Elements of one key differ only along dim, and
// there a larger p is a larger index: a stable sort by key keeps the CPU's order. Operands:
// 0 ids (contiguous), 1 src, 2 out. Writes (=).
template <typename I>
__global__ void scatter_keys_kernel(int64_t* keys, int64_t* src_at, const I* ids, int64_t n,
                                    Lines l, int dim) {
  int64_t inner = 1;
  for (int d = dim + 1; d < l.ndim; ++d) inner *= l.sizes[d];
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < n;
       p += int64_t(gridDim.x) * blockDim.x) {
    int64_t at[3];
    locate(l, p, dim, false, 3, at);
    const int64_t i = (p / inner) % l.sizes[dim];
    keys[p] = at[2] + (int64_t(ids[at[0]]) - i) * l.strides[2][dim];
    src_at[p] = at[1];
  }
}

// out [outer, V, inner]; src [outer, N, inner] contiguous; the ids sorted into runs. A block
// takes a (run, o) pair at a time and its threads the pair's row of inner elements, each adding
// the run's values in position order: out[o, id, k] += alpha * src[o, i, k] for the run's i, the
// CPU's order for every element, with no two blocks on one row.
template <typename T>
__global__ void index_add_kernel(T* out, const T* src, const int64_t* unique_ids,
                                 const int64_t* positions, const int64_t* starts,
                                 const int64_t* counts, const int64_t* num_runs, int64_t outer,
                                 int64_t n, int64_t v, int64_t inner, T alpha) {
  const int64_t runs = *num_runs;  // R, read on the device: the grid is sized for N
  for (int64_t pair = blockIdx.x; pair < runs * outer; pair += gridDim.x) {
    const int64_t r = pair % runs, o = pair / runs;
    const int64_t begin = starts[r], end = begin + counts[r];
    T* row = out + (o * v + unique_ids[r]) * inner;
    for (int64_t k = threadIdx.x; k < inner; k += blockDim.x) {
      T sum = row[k];
      for (int64_t i = begin; i < end; ++i) sum += alpha * src[(o * n + positions[i]) * inner + k];
      row[k] = sum;
    }
  }
}

// dense[ids[i], k] += alpha * rows[i, k] for every (i, k) of rows [K, inner]; ids unique.
template <typename T>
__global__ void add_rows_kernel(T* dense, const int64_t* ids, const T* rows, int64_t count,
                                int64_t inner, T alpha) {
  for (int64_t at = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; at < count;
       at += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = at / inner, k = at % inner;
    dense[ids[i] * inner + k] += alpha * rows[at];
  }
}

// out [count, classes] zeroed before: out[p, ids[p]] = 1.
template <typename I>
__global__ void one_hot_kernel(int64_t* out, const I* ids, int64_t count, int64_t classes) {
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < count;
       p += int64_t(gridDim.x) * blockDim.x)
    out[p * classes + int64_t(ids[p])] = 1;
}

int64_t prod(const Shape& sizes, int64_t begin, int64_t end) {
  int64_t n = 1;
  for (int64_t d = begin; d < end; ++d) n *= sizes[d];
  return n;
}

}  // namespace

int64_t first_bad_index(const Tensor& ids, int64_t size) {
  const int64_t n = ids.numel();
  if (n == 0) return -1;
  DeviceGuard guard(ids.device().index);
  FirstBad first_bad(ids.device());
  dispatch_index(ids.dtype(), "index", [&](auto tag) {
    using I = decltype(tag);
    first_bad_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(ids.device_data<I>(), n,
                                                                       size, first_bad.data());
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return first_bad.read();
}

Tensor index_select(const Tensor& table, int64_t dim, const Tensor& ids) {
  const int64_t n = ids.numel(), v = table.size(dim);
  Shape out_sizes = table.sizes();
  out_sizes[dim] = n;
  Tensor out = empty(out_sizes, TensorOptions(table.dtype()).device(table.device()));
  if (out.numel() == 0) return out;
  DeviceGuard guard(table.device().index);
  const int64_t outer = prod(table.sizes(), 0, dim),
                inner = prod(table.sizes(), dim + 1, table.dim());
  dispatch_index(ids.dtype(), "index_select", [&](auto index_tag) {
    using I = decltype(index_tag);
    dispatch(table.dtype(), "index_select", [&](auto tag) {
      using T = decltype(tag);
      index_select_kernel<<<blocks_for(out.numel()), kThreads, 0, current_stream()>>>(
          out.device_data<T>(), table.device_data<T>(), ids.device_data<I>(), outer, n, v, inner);
      EMBER_CUDA_CHECK_LAUNCH();
    });
  });
  return out;
}

Tensor gather(const Tensor& a, int64_t dim, const Tensor& ids) {
  Tensor out = empty(ids.sizes(), TensorOptions(a.dtype()).device(a.device()));
  if (out.numel() == 0) return out;
  DeviceGuard guard(a.device().index);
  const Lines l = lines_of(ids.sizes(), {&ids, &a});
  dispatch_index(ids.dtype(), "gather", [&](auto index_tag) {
    using I = decltype(index_tag);
    dispatch(a.dtype(), "gather", [&](auto tag) {
      using T = decltype(tag);
      gather_kernel<<<blocks_for(out.numel()), kThreads, 0, current_stream()>>>(
          out.device_data<T>(), static_cast<const T*>(a.storage().data()), ids.device_data<I>(),
          out.numel(), l, int(dim));
      EMBER_CUDA_CHECK_LAUNCH();
    });
  });
  return out;
}

// A thread per line of ids along dim where there are lines enough to fill the GPU or the
// lines are short; otherwise (a few long lines: a [N, D] src scattered along N) the elements
// sorted by the output element they add to and a thread per touched element. Both add in the
// CPU's order.
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& ids, const Tensor& src) {
  Tensor out = ops::clone(a);  // contiguous
  const int64_t n = ids.numel();
  if (n == 0) return out;
  DeviceGuard guard(a.device().index);
  const Lines l = lines_of(ids.sizes(), {&ids, &src, &out});
  const int64_t length = ids.size(dim), lines = n / length;
  constexpr int64_t kLinesToFill = 65536, kShortLine = 16;
  if (lines >= kLinesToFill || length <= kShortLine) {
    dispatch_index(ids.dtype(), "scatter_add", [&](auto index_tag) {
      using I = decltype(index_tag);
      dispatch_numeric(a.dtype(), "scatter_add", [&](auto tag) {
        using T = decltype(tag);
        scatter_add_kernel<<<blocks_for(lines), kThreads, 0, current_stream()>>>(
            static_cast<T*>(out.storage().data()), static_cast<const T*>(src.storage().data()),
            ids.device_data<I>(), lines, l, int(dim));
        EMBER_CUDA_CHECK_LAUNCH();
      });
    });
    return out;
  }
  const TensorOptions long_options = TensorOptions(kInt64).device(a.device());
  Tensor keys = empty({n}, long_options), src_at = empty({n}, long_options);
  dispatch_index(ids.dtype(), "scatter_add", [&](auto index_tag) {
    using I = decltype(index_tag);
    scatter_keys_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
        keys.device_data<int64_t>(), src_at.device_data<int64_t>(), ids.device_data<I>(), n, l,
        int(dim));
    EMBER_CUDA_CHECK_LAUNCH();
  });
  const Runs r = sort_into_runs(keys, out.offset() + out.numel());
  dispatch_numeric(a.dtype(), "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    add_runs_of_scalars_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
        static_cast<T*>(out.storage().data()), static_cast<const T*>(src.storage().data()),
        src_at.device_data<int64_t>(), r.unique_ids.device_data<int64_t>(),
        r.positions.device_data<int64_t>(), r.starts.device_data<int64_t>(),
        r.counts.device_data<int64_t>(), r.num_runs.device_data<int64_t>(), -1);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return out;
}

Tensor index_add(const Tensor& a, int64_t dim, const Tensor& ids, const Tensor& src, double alpha) {
  Tensor out = ops::clone(a);
  const int64_t n = ids.numel();
  const int64_t outer = prod(a.sizes(), 0, dim), inner = prod(a.sizes(), dim + 1, a.dim());
  if (n == 0 || outer == 0 || inner == 0) return out;
  DeviceGuard guard(a.device().index);
  const Tensor rows = ops::contiguous(src);
  // The grid is sized for N runs; the kernel reads R.
  const Runs r = sort_into_runs(ops::contiguous(ops::to_dtype(ids, kInt64)), a.size(dim));
  dispatch_numeric(a.dtype(), "index_add", [&](auto tag) {
    using T = decltype(tag);
    index_add_kernel<<<blocks_for(n * outer, 1), unsigned(std::min<int64_t>(inner, kThreads)), 0,
                       current_stream()>>>(
        out.device_data<T>(), rows.device_data<T>(), r.unique_ids.device_data<int64_t>(),
        r.positions.device_data<int64_t>(), r.starts.device_data<int64_t>(),
        r.counts.device_data<int64_t>(), r.num_runs.device_data<int64_t>(), outer, n, a.size(dim),
        inner, T(alpha));
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return out;
}

void add_rows_(const Tensor& dense, const Tensor& ids, const Tensor& rows, double alpha) {
  const int64_t count = rows.numel();
  if (count == 0) return;
  DeviceGuard guard(dense.device().index);
  const int64_t inner = count / ids.numel();
  dispatch_numeric(dense.dtype(), "add_rows_", [&](auto tag) {
    using T = decltype(tag);
    add_rows_kernel<<<blocks_for(count), kThreads, 0, current_stream()>>>(
        dense.device_data<T>(), ids.device_data<int64_t>(), rows.device_data<T>(), count, inner,
        T(alpha));
    EMBER_CUDA_CHECK_LAUNCH();
  });
}

Tensor one_hot(const Tensor& ids, int64_t num_classes) {
  Shape out_sizes = ids.sizes();
  out_sizes.push_back(num_classes);
  Tensor out = zeros(out_sizes, TensorOptions(kInt64).device(ids.device()));
  const int64_t count = ids.numel();
  if (count == 0 || num_classes == 0) return out;
  DeviceGuard guard(ids.device().index);
  dispatch_index(ids.dtype(), "one_hot", [&](auto tag) {
    using I = decltype(tag);
    one_hot_kernel<<<blocks_for(count), kThreads, 0, current_stream()>>>(
        out.device_data<int64_t>(), ids.device_data<I>(), count, num_classes);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return out;
}

}  // namespace ember::cuda
