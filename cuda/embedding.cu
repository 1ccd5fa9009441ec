// The CUDA twins of tensor/ops/embedding.cpp and embedding_bag.cpp. Letters: V table rows,
// D dim, N ids, K unique ids, B bags. The backward never uses float atomics: it sorts the
// ids (CUB radix sort, positions as values), finds each id's run (run-length encode + scan),
// and sums each run in position order, a block for every 64 positions of it (cuda/pieces.h),
// then those pieces in order — the same bits on every run.
#include <cub/cub.cuh>

#include <algorithm>
#include <array>
#include <climits>

#include <ember/cuda/allocator.h>
#include <ember/cuda/check.cuh>
#include <ember/cuda/internal/embedding.h>
#include <ember/cuda/pieces.h>
#include <ember/cuda/runs.cuh>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/row_sparse.h>

namespace ember::cuda {

namespace {

// Device scratch memory for CUB and small results, returned to the cache when it goes.
struct Scratch {
  Storage storage;
  explicit Scratch(size_t bytes, int device)
      : storage(Storage::allocate(bytes, Device(kCUDA, device))) {}
  void* data() const { return storage.data(); }
};

int bits_for(int64_t rows) {  // radix sort only the bits ids can use
  int bits = 1;
  while (bits < 63 && (int64_t(1) << bits) < rows) ++bits;
  return bits;
}

// The N values at device_ptr, brought back to the host in one copy and one wait.
template <size_t N, typename T>
std::array<T, N> read_back(const T* device_ptr) {
  std::array<T, N> values;
  EMBER_CUDA_CHECK(cudaMemcpyAsync(values.data(), device_ptr, sizeof(values),
                                   cudaMemcpyDeviceToHost, current_stream()));
  EMBER_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
  return values;
}

template <typename T>
T read_one(const T* device_ptr) {
  return read_back<1>(device_ptr)[0];
}

// ---- id checks ----

__global__ void first_bad_id_kernel(const int64_t* ids, int64_t n, int64_t rows,
                                    unsigned long long* first) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    if (ids[i] < 0 || ids[i] >= rows) atomicMin(first, static_cast<unsigned long long>(i));
}

// ---- forward: out[n] = weight[ids[n]], rows copied as 16/8/4/2/1-byte words ----

template <typename Word>
__global__ void gather_rows_kernel(Word* out, const Word* table, const int64_t* ids, int64_t n,
                                   int64_t words_per_row) {
  const int64_t total = n * words_per_row;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = i / words_per_row, word = i - row * words_per_row;
    out[i] = table[ids[row] * words_per_row + word];
  }
}

template <typename Word>
void gather_rows(void* out, const void* table, const int64_t* ids, int64_t n, size_t row_bytes) {
  const int64_t words = int64_t(row_bytes / sizeof(Word));
  gather_rows_kernel<<<blocks_for(n * words), kThreads, 0, current_stream()>>>(
      static_cast<Word*>(out), static_cast<const Word*>(table), ids, n, words);
  EMBER_CUDA_CHECK_LAUNCH();
}

// ---- sort + run-length encode: the shared front of renorm and the backward ----

__global__ void iota_kernel(int64_t* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    out[i] = i;
}

}  // namespace

Runs sort_into_runs(const Tensor& ids, int64_t rows) {
  const int64_t n = ids.numel();
  const int device = ids.device().index;
  const TensorOptions long_options = TensorOptions(kInt64).device(ids.device());
  cudaStream_t stream = current_stream();
  Runs r;
  Tensor iota = empty({n}, long_options);
  iota_kernel<<<blocks_for(n), kThreads, 0, stream>>>(iota.device_data<int64_t>(), n);
  EMBER_CUDA_CHECK_LAUNCH();
  r.sorted_ids = empty({n}, long_options);
  r.positions = empty({n}, long_options);
  const int end_bit = bits_for(rows);
  size_t sort_bytes = 0;
  EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
      nullptr, sort_bytes, ids.device_data<int64_t>(), r.sorted_ids.device_data<int64_t>(),
      iota.device_data<int64_t>(), r.positions.device_data<int64_t>(), n, 0, end_bit, stream));
  Scratch sort_scratch(sort_bytes, device);
  EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
      sort_scratch.data(), sort_bytes, ids.device_data<int64_t>(),
      r.sorted_ids.device_data<int64_t>(), iota.device_data<int64_t>(),
      r.positions.device_data<int64_t>(), n, 0, end_bit, stream));

  // The counts past R stay 0, so the scan can run over all N slots without R on the host.
  r.unique_ids = empty({n}, long_options);
  r.counts = empty({n}, long_options);
  EMBER_CUDA_CHECK(cudaMemsetAsync(r.counts.raw_data(), 0, size_t(n) * sizeof(int64_t), stream));
  r.num_runs = empty({1}, long_options);
  size_t rle_bytes = 0;
  EMBER_CUDA_CHECK(cub::DeviceRunLengthEncode::Encode(
      nullptr, rle_bytes, r.sorted_ids.device_data<int64_t>(), r.unique_ids.device_data<int64_t>(),
      r.counts.device_data<int64_t>(), r.num_runs.device_data<int64_t>(), n, stream));
  Scratch rle_scratch(rle_bytes, device);
  EMBER_CUDA_CHECK(cub::DeviceRunLengthEncode::Encode(
      rle_scratch.data(), rle_bytes, r.sorted_ids.device_data<int64_t>(),
      r.unique_ids.device_data<int64_t>(), r.counts.device_data<int64_t>(),
      r.num_runs.device_data<int64_t>(), n, stream));

  r.starts = empty({n}, long_options);
  size_t scan_bytes = 0;
  EMBER_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(nullptr, scan_bytes,
                                                 r.counts.device_data<int64_t>(),
                                                 r.starts.device_data<int64_t>(), n, stream));
  Scratch scan_scratch(scan_bytes, device);
  EMBER_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(scan_scratch.data(), scan_bytes,
                                                 r.counts.device_data<int64_t>(),
                                                 r.starts.device_data<int64_t>(), n, stream));
  return r;
}

namespace {

// A run is summed in pieces of at most 64 positions, a block each (cuda/pieces.h).

// pieces[i] = piece_count(counts[i]): 0 past R, where counts are 0. Writes (=).
__global__ void pieces_kernel(int64_t* pieces, const int64_t* counts, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    pieces[i] = piece_count(counts[i]);
}

// What the host needs to size the backward, in one read: facts = {R, the index of padding_idx's
// run among the sorted unique ids or -1, the pieces of all runs, the first id out of range}
// (the last set by first_bad_id_kernel before). One thread.
__global__ void run_facts_kernel(int64_t* facts, const int64_t* num_runs, const int64_t* unique_ids,
                                 const int64_t* piece_starts, const int64_t* pieces, int64_t n,
                                 bool has_padding, int64_t padding_idx) {
  const int64_t runs = *num_runs;
  int64_t lo = 0, hi = runs;
  while (lo < hi) {
    const int64_t mid = (lo + hi) / 2;
    if (unique_ids[mid] < padding_idx)
      lo = mid + 1;
    else
      hi = mid;
  }
  facts[0] = runs;
  facts[1] = has_padding && lo < runs && unique_ids[lo] == padding_idx ? lo : -1;
  facts[2] = piece_starts[n - 1] + pieces[n - 1];
}

// ---- renorm: a block per unique id, R read on the device (the grid is sized for N) ----

struct MaxOp {
  __device__ double operator()(double a, double b) const { return fmax(a, b); }
};

template <typename T>
__global__ void renorm_kernel(T* table, const int64_t* unique_ids, const int64_t* num_runs,
                              int64_t d, double max_norm, double norm_type) {
  using Reduce = cub::BlockReduce<double, kThreads>;
  __shared__ typename Reduce::TempStorage storage;
  __shared__ double norm;
  const int64_t runs = *num_runs;
  const bool inf_norm = isinf(norm_type);
  for (int64_t r = blockIdx.x; r < runs; r += gridDim.x) {  // the same r for the whole block
    T* row = table + unique_ids[r] * d;
    double partial = 0;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      double v = fabs(double(row[j]));
      partial = inf_norm ? fmax(partial, v) : partial + pow(v, norm_type);
    }
    double total =
        inf_norm ? Reduce(storage).Reduce(partial, MaxOp()) : Reduce(storage).Sum(partial);
    if (threadIdx.x == 0) norm = inf_norm ? total : pow(total, 1.0 / norm_type);
    __syncthreads();
    if (norm > max_norm) {
      const T scale = T(max_norm / (norm + 1e-7));
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) row[j] *= scale;
    }
    __syncthreads();  // storage and norm are taken again by the next r
  }
}

// ---- backward: one block per piece of a run, threads over columns ----
// rows[k] = (sum over the run's positions p, in order, of scale[p] * grad[p]) / count when
// scale_by_freq. Output run k reads run k, or k + 1 past the skipped padding run.

// Blocks [0, R) sum run b's first piece into its output row (divided by the count when that
// is the whole run); blocks [R, R + extras) sum extra piece b - R into partial[b - R]. Writes (=).
template <typename T>
__global__ void reduce_pieces_kernel(T* rows, T* partial, const T* grad, const T* scale,
                                     const int64_t* positions, const int64_t* starts,
                                     const int64_t* counts, const int64_t* piece_starts,
                                     int64_t runs, int64_t extras, int64_t d, int64_t skip_run,
                                     bool scale_by_freq) {
  for (int64_t b = blockIdx.x; b < runs + extras; b += gridDim.x) {
    const Piece piece = piece_of_block(b, starts, counts, piece_starts, runs);
    const int64_t run = piece.run;
    if (run == skip_run) continue;
    const int64_t count = counts[run];
    const int64_t out = skip_run >= 0 && run > skip_run ? run - 1 : run;
    T* dst = b < runs ? rows + out * d : partial + (b - runs) * d;
    const bool whole = count <= kPiecePositions;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      T sum = 0;
      for (int64_t i = piece.begin; i < piece.end; ++i) {
        const int64_t p = positions[i];
        sum += (scale ? scale[p] : T(1)) * grad[p * d + j];
      }
      dst[j] = whole && scale_by_freq ? sum / T(count) : sum;
    }
  }
}

// A run of more than one piece: the block of its first extra piece adds the extras to the
// output row in order, then divides by the count when scale_by_freq. Writes (+=).
template <typename T>
__global__ void add_extra_pieces_kernel(T* rows, const T* partial, const int64_t* counts,
                                        const int64_t* piece_starts, const int64_t* pieces,
                                        int64_t runs, int64_t extras, int64_t d, int64_t skip_run,
                                        bool scale_by_freq) {
  for (int64_t e = blockIdx.x; e < extras; e += gridDim.x) {
    const int64_t run = run_of_extra(piece_starts, runs, e);
    if (run == skip_run || !is_first_extra(e, run, piece_starts)) continue;
    const int64_t out = skip_run >= 0 && run > skip_run ? run - 1 : run;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      T sum = rows[out * d + j];
      for (int64_t x = e; x < e + pieces[run] - 1; ++x) sum += partial[x * d + j];
      rows[out * d + j] = scale_by_freq ? sum / T(counts[run]) : sum;
    }
  }
}

__global__ void select_ids_kernel(int64_t* out, const int64_t* unique_ids, int64_t k,
                                  int64_t skip_run) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < k;
       i += int64_t(gridDim.x) * blockDim.x)
    out[i] = unique_ids[(i < skip_run || skip_run < 0) ? i : i + 1];
}

// dense[ids[k]] = rows[k] for unique ids (no two threads write one row).
template <typename T>
__global__ void scatter_rows_kernel(T* dense, const T* rows, const int64_t* ids, int64_t k,
                                    int64_t d) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < k * d;
       i += int64_t(gridDim.x) * blockDim.x)
    dense[ids[i / d] * d + i % d] = rows[i];
}

// The unique ids (padding removed) and their summed rows.
std::pair<Tensor, Tensor> backward_rows(const Tensor& grad_rows, const Tensor& ids,
                                        int64_t num_rows, std::optional<int64_t> padding_idx,
                                        bool scale_grad_by_freq, const Tensor& row_scale) {
  if (grad_rows.dtype() == kFloat16) {  // a half table: the sums in float, the rows stored half
    auto [unique, rows] = backward_rows(ops::to_dtype(grad_rows, kFloat32), ids, num_rows,
                                        padding_idx, scale_grad_by_freq, row_scale);
    return {unique, ops::to_dtype(rows, kFloat16)};
  }
  const int64_t n = ids.numel(), d = grad_rows.size(1);
  EMBER_CHECK(grad_rows.dim() == 2 && grad_rows.size(0) == n, "embedding backward: gradient ",
              grad_rows.sizes(), " does not have one row per id (", n, " ids)");
  const TensorOptions long_options = TensorOptions(kInt64).device(ids.device());
  if (n == 0)
    return {empty({0}, long_options),
            empty({0, d}, TensorOptions(grad_rows.dtype()).device(ids.device()))};
  // One read back: R, the padding run, the pieces and the first id out of range, after the
  // sort and the scans (none of which reads memory at an id, so a bad one is harmless until
  // the rows are summed, and found before).
  Tensor facts = empty({4}, long_options);
  EMBER_CUDA_CHECK(
      cudaMemsetAsync(facts.device_data<int64_t>() + 3, 0xff, sizeof(int64_t), current_stream()));
  first_bad_id_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
      ids.device_data<int64_t>(), n, num_rows,
      reinterpret_cast<unsigned long long*>(facts.device_data<int64_t>() + 3));
  EMBER_CUDA_CHECK_LAUNCH();
  Runs r = sort_into_runs(ids, num_rows);
  Tensor pieces = empty({n}, long_options), piece_starts = empty({n}, long_options);
  pieces_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
      pieces.device_data<int64_t>(), r.counts.device_data<int64_t>(), n);
  EMBER_CUDA_CHECK_LAUNCH();
  size_t scan_bytes = 0;
  EMBER_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(nullptr, scan_bytes, pieces.device_data<int64_t>(),
                                                 piece_starts.device_data<int64_t>(), n,
                                                 current_stream()));
  Scratch scan_scratch(scan_bytes, ids.device().index);
  EMBER_CUDA_CHECK(
      cub::DeviceScan::ExclusiveSum(scan_scratch.data(), scan_bytes, pieces.device_data<int64_t>(),
                                    piece_starts.device_data<int64_t>(), n, current_stream()));
  run_facts_kernel<<<1, 1, 0, current_stream()>>>(
      facts.device_data<int64_t>(), r.num_runs.device_data<int64_t>(),
      r.unique_ids.device_data<int64_t>(), piece_starts.device_data<int64_t>(),
      pieces.device_data<int64_t>(), n, padding_idx.has_value(), padding_idx.value_or(-1));
  EMBER_CUDA_CHECK_LAUNCH();
  const std::array<int64_t, 4> read = read_back<4>(facts.device_data<int64_t>());
  if (read[3] >= 0)
    EMBER_FAIL("embedding backward: id ", read_one(ids.device_data<int64_t>() + read[3]),
               " at position ", read[3], " out of range for a table of ", num_rows, " rows");
  const int64_t runs = read[0], skip = read[1], extras = read[2] - runs;
  const int64_t k = runs - (skip >= 0 ? 1 : 0);
  Tensor unique = empty({k}, long_options);
  if (k > 0) {
    select_ids_kernel<<<blocks_for(k), kThreads, 0, current_stream()>>>(
        unique.device_data<int64_t>(), r.unique_ids.device_data<int64_t>(), k, skip);
    EMBER_CUDA_CHECK_LAUNCH();
  }
  Tensor grad = ops::contiguous(grad_rows);
  const TensorOptions on_device = TensorOptions(grad.dtype()).device(grad.device());
  Tensor rows = empty({k, d}, on_device), partial = empty({extras, d}, on_device);
  Tensor scale =
      row_scale.defined() ? ops::contiguous(ops::to_dtype(row_scale, grad.dtype())) : Tensor();
  dispatch_floating(grad.dtype(), "embedding backward", [&](auto tag) {
    using T = decltype(tag);
    if (k == 0 || d == 0) return;
    const unsigned threads = unsigned(std::min<int64_t>(d, kThreads));
    reduce_pieces_kernel<<<unsigned(std::min<int64_t>(runs + extras, INT_MAX)), threads, 0,
                           current_stream()>>>(
        rows.device_data<T>(), partial.device_data<T>(), grad.device_data<T>(),
        scale.defined() ? scale.device_data<T>() : nullptr, r.positions.device_data<int64_t>(),
        r.starts.device_data<int64_t>(), r.counts.device_data<int64_t>(),
        piece_starts.device_data<int64_t>(), runs, extras, d, skip, scale_grad_by_freq);
    EMBER_CUDA_CHECK_LAUNCH();
    if (extras == 0) return;
    add_extra_pieces_kernel<<<unsigned(std::min<int64_t>(extras, INT_MAX)), threads, 0,
                              current_stream()>>>(
        rows.device_data<T>(), partial.device_data<T>(), r.counts.device_data<int64_t>(),
        piece_starts.device_data<int64_t>(), pieces.device_data<int64_t>(), runs, extras, d, skip,
        scale_grad_by_freq);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return {unique, rows};
}

// ---- EmbeddingBag: one block per bag, threads over columns ----

template <typename T>
__global__ void bag_forward_kernel(T* out, int64_t* max_indices, int64_t* bag_size, const T* table,
                                   const int64_t* ids, const int64_t* starts, const T* scale,
                                   int64_t d, int mode, int64_t padding_idx) {
  const int64_t b = blockIdx.x;
  const int64_t begin = starts[b], end = starts[b + 1];
  int64_t count = 0;
  for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
    T acc = 0;
    int64_t arg = -1;
    count = 0;
    for (int64_t n = begin; n < end; ++n) {
      const int64_t id = ids[n];
      if (id == padding_idx) continue;
      const T v = table[id * d + j];
      if (mode == int(ops::BagMode::kMax)) {
        if (count == 0 || v > acc) {
          acc = v;
          arg = id;
        }
      } else {
        acc += (scale ? scale[n] : T(1)) * v;
      }
      ++count;
    }
    if (mode == int(ops::BagMode::kMean) && count > 0) acc /= T(count);
    out[b * d + j] = acc;
    if (max_indices) max_indices[b * d + j] = arg;
  }
  if (threadIdx.x == 0) {
    count = 0;
    for (int64_t n = begin; n < end; ++n) count += ids[n] != padding_idx;
    bag_size[b] = count;
  }
}

// keys[b * d + j] = the flat offset of grad_weight[max_indices[b, j], j], or `none` for an
// empty bag (index -1). Writes (=).
__global__ void bag_max_keys_kernel(int64_t* keys, const int64_t* max_indices, int64_t total,
                                    int64_t d, int64_t none) {
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < total;
       p += int64_t(gridDim.x) * blockDim.x) {
    const int64_t id = max_indices[p];
    keys[p] = id >= 0 ? id * d + p % d : none;
  }
}

__global__ void first_bad_offset_kernel(const int64_t* starts, int64_t bags, int64_t n,
                                        unsigned long long* first) {
  for (int64_t b = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; b <= bags;
       b += int64_t(gridDim.x) * blockDim.x) {
    bool bad = b == 0 ? starts[0] != 0 : (starts[b] < starts[b - 1] || starts[b] > n);
    if (bad) atomicMin(first, static_cast<unsigned long long>(b));
  }
}

// bag_of[i] = b for i in [starts[b], starts[b + 1]): one block per bag. Writes (=).
__global__ void bag_of_kernel(int64_t* bag_of, const int64_t* starts) {
  const int64_t b = blockIdx.x;
  for (int64_t i = starts[b] + threadIdx.x; i < starts[b + 1]; i += blockDim.x) bag_of[i] = b;
}

template <typename T>
__global__ void mean_scale_kernel(T* scale, const int64_t* bag_size, const int64_t* bag_of,
                                  int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t size = bag_size[bag_of[i]];
    scale[i] = size > 0 ? T(1) / T(size) : T(0);
  }
}

// out[i] = grad[bag_of[i]] . weight[ids[i]] (0 for padding): a warp per id, the warps
// striding over the ids (the grid is capped). Writes (=).
template <typename T>
__global__ void psw_backward_kernel(T* out, const T* grad, const T* weight, const int64_t* ids,
                                    const int64_t* bag_of, int64_t n, int64_t d,
                                    int64_t padding_idx) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = int64_t(gridDim.x) * blockDim.x / 32;
  for (int64_t i = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / 32; i < n; i += warps) {
    T dot = 0;
    if (ids[i] != padding_idx)
      for (int64_t j = lane; j < d; j += 32)
        dot += grad[bag_of[i] * d + j] * weight[ids[i] * d + j];
    for (int offset = 16; offset > 0; offset /= 2)
      dot += __shfl_down_sync(0xffffffffu, dot, offset);
    if (lane == 0) out[i] = dot;
  }
}

}  // namespace

int64_t first_bad_offset(const Tensor& starts, int64_t n) {
  DeviceGuard guard(starts.device().index);
  const int64_t bags = starts.numel() - 1;
  Tensor first = full({1}, -1, TensorOptions(kInt64).device(starts.device()));
  first_bad_offset_kernel<<<blocks_for(bags + 1), kThreads, 0, current_stream()>>>(
      starts.device_data<int64_t>(), bags, n,
      reinterpret_cast<unsigned long long*>(first.device_data<int64_t>()));
  EMBER_CUDA_CHECK_LAUNCH();
  return read_one(first.device_data<int64_t>());
}

Tensor bag_of(const Tensor& starts, int64_t n) {
  DeviceGuard guard(starts.device().index);
  const int64_t bags = starts.numel() - 1;
  Tensor out = empty({n}, TensorOptions(kInt64).device(starts.device()));
  if (bags > 0 && n > 0) {
    bag_of_kernel<<<unsigned(bags), 128, 0, current_stream()>>>(out.device_data<int64_t>(),
                                                                starts.device_data<int64_t>());
    EMBER_CUDA_CHECK_LAUNCH();
  }
  return out;
}

Tensor embedding_bag_mean_scale(const Tensor& bag_size, const Tensor& bag_of, DType dtype) {
  DeviceGuard guard(bag_size.device().index);
  const int64_t n = bag_of.numel();
  Tensor scale = empty({n}, TensorOptions(dtype).device(bag_size.device()));
  dispatch_floating(dtype, "embedding_bag mean backward", [&](auto tag) {
    using T = decltype(tag);
    if (n == 0) return;
    mean_scale_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
        scale.device_data<T>(), bag_size.device_data<int64_t>(), bag_of.device_data<int64_t>(), n);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return scale;
}

Tensor embedding_bag_psw_backward(const Tensor& grad, const Tensor& weight, const ops::Bags& bags,
                                  std::optional<int64_t> padding_idx) {
  DeviceGuard guard(grad.device().index);
  const int64_t n = bags.ids.numel(), d = weight.size(1);
  Tensor g = ops::contiguous(grad), w = ops::contiguous(weight);
  Tensor out = empty({n}, TensorOptions(grad.dtype()).device(grad.device()));
  dispatch_floating(grad.dtype(), "embedding_bag per_sample_weights backward", [&](auto tag) {
    using T = decltype(tag);
    if (n == 0) return;
    psw_backward_kernel<<<blocks_for(n * 32), kThreads, 0, current_stream()>>>(
        out.device_data<T>(), g.device_data<T>(), w.device_data<T>(),
        bags.ids.device_data<int64_t>(), bags.bag_of.device_data<int64_t>(), n, d,
        padding_idx.value_or(-1));
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return out;
}

int64_t first_bad_id(const Tensor& ids, int64_t rows) {
  const int64_t n = ids.numel();
  if (n == 0) return -1;
  DeviceGuard guard(ids.device().index);
  Tensor first = full({1}, -1, TensorOptions(kInt64).device(ids.device()));  // all bits set
  first_bad_id_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
      ids.device_data<int64_t>(), n, rows,
      reinterpret_cast<unsigned long long*>(first.device_data<int64_t>()));
  EMBER_CUDA_CHECK_LAUNCH();
  return read_one(first.device_data<int64_t>());  // -1 (all bits set) when none is bad
}

Tensor embedding_forward(const Tensor& weight, const Tensor& ids, const Shape& out_sizes) {
  DeviceGuard guard(weight.device().index);
  Tensor table = ops::contiguous(weight);
  Tensor out = empty(out_sizes, TensorOptions(weight.dtype()).device(weight.device()));
  const int64_t n = ids.numel();
  const size_t row_bytes = size_t(weight.size(1)) * element_size(weight.dtype());
  if (n == 0 || row_bytes == 0) return out;
  auto aligned = [&](size_t word) {
    return row_bytes % word == 0 && reinterpret_cast<uintptr_t>(table.raw_data()) % word == 0 &&
           reinterpret_cast<uintptr_t>(out.raw_data()) % word == 0;
  };
  const int64_t* id = ids.device_data<int64_t>();
  if (aligned(16))
    gather_rows<uint4>(out.raw_data(), table.raw_data(), id, n, row_bytes);
  else if (aligned(8))
    gather_rows<uint2>(out.raw_data(), table.raw_data(), id, n, row_bytes);
  else if (aligned(4))
    gather_rows<uint32_t>(out.raw_data(), table.raw_data(), id, n, row_bytes);
  else if (aligned(2))
    gather_rows<uint16_t>(out.raw_data(), table.raw_data(), id, n, row_bytes);
  else
    gather_rows<uint8_t>(out.raw_data(), table.raw_data(), id, n, row_bytes);
  return out;
}

void embedding_renorm_(const Tensor& weight, const Tensor& ids, double max_norm, double norm_type) {
  EMBER_CHECK(weight.is_contiguous(), "embedding max_norm: weight must be contiguous");
  if (ids.numel() == 0) return;
  DeviceGuard guard(weight.device().index);
  Runs r = sort_into_runs(ids, weight.size(0));
  dispatch_floating(weight.dtype(), "embedding max_norm", [&](auto tag) {
    using T = decltype(tag);
    renorm_kernel<<<blocks_for(ids.numel(), 1), kThreads, 0, current_stream()>>>(
        weight.device_data<T>(), r.unique_ids.device_data<int64_t>(),
        r.num_runs.device_data<int64_t>(), weight.size(1), max_norm, norm_type);
    EMBER_CUDA_CHECK_LAUNCH();
  });
}

Tensor embedding_backward_sparse(const Tensor& grad_rows, const Tensor& ids, int64_t num_rows,
                                 std::optional<int64_t> padding_idx, bool scale_grad_by_freq,
                                 const Tensor& row_scale) {
  DeviceGuard guard(grad_rows.device().index);
  auto [unique, rows] =
      backward_rows(grad_rows, ids, num_rows, padding_idx, scale_grad_by_freq, row_scale);
  return ops::make_row_sparse(unique, rows, {num_rows, grad_rows.size(1)});
}

Tensor embedding_backward_dense(const Tensor& grad_rows, const Tensor& ids, int64_t num_rows,
                                std::optional<int64_t> padding_idx, bool scale_grad_by_freq,
                                const Tensor& row_scale) {
  DeviceGuard guard(grad_rows.device().index);
  if (grad_rows.dtype() == kFloat16)  // a half table: built in float, stored half
    return ops::to_dtype(embedding_backward_dense(ops::to_dtype(grad_rows, kFloat32), ids, num_rows,
                                                  padding_idx, scale_grad_by_freq, row_scale),
                         kFloat16);
  const auto unique_rows =
      backward_rows(grad_rows, ids, num_rows, padding_idx, scale_grad_by_freq, row_scale);
  const Tensor& unique = unique_rows.first;
  const Tensor& rows = unique_rows.second;
  const int64_t d = grad_rows.size(1), k = unique.numel();
  Tensor dense = zeros({num_rows, d}, TensorOptions(grad_rows.dtype()).device(grad_rows.device()));
  dispatch_floating(dense.dtype(), "embedding backward", [&](auto tag) {
    using T = decltype(tag);
    if (k * d == 0) return;
    scatter_rows_kernel<<<blocks_for(k * d), kThreads, 0, current_stream()>>>(
        dense.device_data<T>(), rows.device_data<T>(), unique.device_data<int64_t>(), k, d);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return dense;
}

ops::BagResult embedding_bag_forward(const Tensor& weight, const ops::Bags& bags, ops::BagMode mode,
                                     const Tensor& per_sample_weights,
                                     std::optional<int64_t> padding_idx) {
  DeviceGuard guard(weight.device().index);
  const int64_t b = bags.count, d = weight.size(1);
  const TensorOptions on_device = TensorOptions(weight.dtype()).device(weight.device());
  ops::BagResult result;
  result.out = empty({b, d}, on_device);
  result.bag_size = empty({b}, on_device.dtype(kInt64));
  if (mode == ops::BagMode::kMax) result.max_indices = empty({b, d}, on_device.dtype(kInt64));
  if (b == 0) return result;
  Tensor table = ops::contiguous(weight);
  Tensor scale = per_sample_weights.defined() ? ops::contiguous(per_sample_weights) : Tensor();
  dispatch_floating(weight.dtype(), "embedding_bag", [&](auto tag) {
    using T = decltype(tag);
    bag_forward_kernel<<<unsigned(b), unsigned(std::clamp<int64_t>(d, 32, kThreads)), 0,
                         current_stream()>>>(
        result.out.device_data<T>(),
        mode == ops::BagMode::kMax ? result.max_indices.device_data<int64_t>() : nullptr,
        result.bag_size.device_data<int64_t>(), table.device_data<T>(),
        bags.ids.device_data<int64_t>(), bags.starts.device_data<int64_t>(),
        scale.defined() ? scale.device_data<T>() : nullptr, d, int(mode), padding_idx.value_or(-1));
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return result;
}

// grad_weight[max_indices[b, j], j] += grad[b, j]: the B x D (element, bag) pairs sorted by
// the element they add to, each element's terms summed in bag order (one thread a touched
// element) into zeros: the bits of the CPU's loop over bags, and every element of the grid
// busy however few columns there are.
Tensor embedding_bag_max_backward(const Tensor& grad, const Tensor& max_indices, int64_t num_rows) {
  DeviceGuard guard(grad.device().index);
  const int64_t b = grad.size(0), d = grad.size(1), total = b * d, none = num_rows * d;
  Tensor dense = zeros({num_rows, d}, TensorOptions(grad.dtype()).device(grad.device()));
  if (total == 0) return dense;
  Tensor g = ops::contiguous(grad), indices = ops::contiguous(max_indices);
  Tensor keys = empty({total}, TensorOptions(kInt64).device(grad.device()));
  bag_max_keys_kernel<<<blocks_for(total), kThreads, 0, current_stream()>>>(
      keys.device_data<int64_t>(), indices.device_data<int64_t>(), total, d, none);
  EMBER_CUDA_CHECK_LAUNCH();
  const Runs r = sort_into_runs(keys, none + 1);
  dispatch_floating(grad.dtype(), "embedding_bag max backward", [&](auto tag) {
    using T = decltype(tag);
    add_runs_of_scalars_kernel<<<blocks_for(total), kThreads, 0, current_stream()>>>(
        dense.device_data<T>(), g.device_data<T>(), nullptr, r.unique_ids.device_data<int64_t>(),
        r.positions.device_data<int64_t>(), r.starts.device_data<int64_t>(),
        r.counts.device_data<int64_t>(), r.num_runs.device_data<int64_t>(), none);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return dense;
}

}  // namespace ember::cuda
