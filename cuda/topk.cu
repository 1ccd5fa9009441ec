// The CUDA twin of topk in tensor/ops/reduce.cpp: every row [outer, row] (the input permuted
// so that dim is last) is sorted by value with its indices, CUB's segmented radix sort,
// descending for the largest; the sort is stable, so ties keep the lower index first, as on
// the CPU. A nan sorts above +inf (the CPU's "nan is largest") when its sign bit is clear.
#include <cub/cub.cuh>

#include <algorithm>
#include <climits>
#include <vector>

#include <ember/cuda/check.cuh>
#include <ember/cuda/internal/reduce.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/internal/reduce_rows.h>

namespace ember::cuda {

namespace {

// out[r * row + j] = j: each row's own positions, the values the sort carries along.
__global__ void row_positions_kernel(int64_t* out, int64_t total, int64_t row) {
  for (int64_t at = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; at < total;
       at += int64_t(gridDim.x) * blockDim.x)
    out[at] = at % row;
}

// offsets[r] = r * row for r <= outer: segment r is [offsets[r], offsets[r + 1]).
__global__ void segment_offsets_kernel(int64_t* offsets, int64_t outer, int64_t row) {
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r <= outer;
       r += int64_t(gridDim.x) * blockDim.x)
    offsets[r] = r * row;
}

}  // namespace

ops::ValuesIndices topk(const Tensor& a, int64_t k, int64_t dim, bool largest) {
  DeviceGuard guard(a.device().index);
  std::vector<bool> reduced(size_t(a.dim()), false);
  if (a.dim() > 0) reduced[dim] = true;
  const ops::Rows r = ops::to_rows(a, reduced);  // keys [outer, row]
  const int64_t outer = r.outer, row = r.row, total = outer * row;
  const TensorOptions long_options = TensorOptions(kInt64).device(a.device());
  Tensor sorted_keys = empty({outer, row}, TensorOptions(a.dtype()).device(a.device()));
  Tensor sorted_positions = empty({outer, row}, long_options);
  if (total > 0 && k > 0) {
    EMBER_CHECK(total <= INT_MAX, "topk: ", total, " elements are too many for one sort");
    cudaStream_t stream = current_stream();
    Tensor positions = empty({total}, long_options);
    row_positions_kernel<<<blocks_for(total), kThreads, 0, stream>>>(
        positions.device_data<int64_t>(), total, row);
    EMBER_CUDA_CHECK_LAUNCH();
    Tensor offsets = empty({outer + 1}, long_options);
    segment_offsets_kernel<<<blocks_for(outer + 1), kThreads, 0, stream>>>(
        offsets.device_data<int64_t>(), outer, row);
    EMBER_CUDA_CHECK_LAUNCH();
    const int64_t* begins = offsets.device_data<int64_t>();
    dispatch_numeric(a.dtype(), "topk", [&](auto tag) {
      using T = decltype(tag);
      const T* keys = r.data.device_data<T>();
      auto sort = [&](void* scratch, size_t& bytes) {
        if (largest)
          return cub::DeviceSegmentedRadixSort::SortPairsDescending(
              scratch, bytes, keys, sorted_keys.device_data<T>(), positions.device_data<int64_t>(),
              sorted_positions.device_data<int64_t>(), int(total), int(outer), begins, begins + 1,
              0, int(sizeof(T) * 8), stream);
        return cub::DeviceSegmentedRadixSort::SortPairs(
            scratch, bytes, keys, sorted_keys.device_data<T>(), positions.device_data<int64_t>(),
            sorted_positions.device_data<int64_t>(), int(total), int(outer), begins, begins + 1, 0,
            int(sizeof(T) * 8), stream);
      };
      size_t bytes = 0;
      EMBER_CUDA_CHECK(sort(nullptr, bytes));
      Storage scratch = Storage::allocate(std::max<size_t>(bytes, 1), a.device());
      EMBER_CUDA_CHECK(sort(scratch.data(), bytes));
    });
  }
  Shape out_sizes = a.sizes();
  if (a.dim() > 0) out_sizes[dim] = k;
  const Tensor values = ops::contiguous(ops::slice(sorted_keys, 1, 0, k, 1));
  const Tensor indices = ops::contiguous(ops::slice(sorted_positions, 1, 0, k, 1));
  return {ops::from_rows(values, out_sizes, r.perm), ops::from_rows(indices, out_sizes, r.perm)};
}

}  // namespace ember::cuda
