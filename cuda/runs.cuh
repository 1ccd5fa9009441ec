// Sort + run-length encode of ids on the GPU: the shared front of the deterministic scatters
// (the embedding backward and renorm, index_add, EmbeddingBag max's backward, scatter_add),
// which sum each id's rows in position order instead of with float atomics, so every run
// gives the same bits.
//   ids [4, 1, 4, 2]  ->  sorted [1, 2, 4, 4], positions [1, 3, 0, 2], unique [1, 2, 4],
//                         starts [0, 1, 2], counts [1, 1, 2]
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::cuda {

struct Runs {
  Tensor sorted_ids;  // [N] int64
  Tensor positions;   // [N] int64: where each sorted id was (a stable sort: in order per id)
  Tensor unique_ids;  // [N] int64, the first R set
  Tensor starts;      // [N] int64: run r is sorted[starts[r] .. starts[r] + counts[r]); N past R
  Tensor counts;      // [N] int64: 0 past R
  Tensor num_runs;    // [1] int64: R, on the device
};

// ids: [N] contiguous int64 on a GPU, each in [0, rows) (checked before). Reads nothing back:
// R stays on the device, where kernels launched for N runs read it (or a caller reads it back
// together with what it needs of its own).
Runs sort_into_runs(const Tensor& ids, int64_t rows);

// out[key] += src[src_at ? src_at[p] : p] for the positions p of each key's run, in order of
// p, one thread a run; the run whose key is skip_key is left out. The deterministic
// scatter-add of scalars: keys are flat offsets into out, sorted by sort_into_runs, whose run
// count the kernel reads on the device (launch it with threads for N runs).
template <typename T>
__global__ void add_runs_of_scalars_kernel(T* out, const T* src, const int64_t* src_at,
                                           const int64_t* unique_keys, const int64_t* positions,
                                           const int64_t* starts, const int64_t* counts,
                                           const int64_t* num_runs, int64_t skip_key) {
  const int64_t runs = *num_runs;
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < runs;
       r += int64_t(gridDim.x) * blockDim.x) {
    const int64_t key = unique_keys[r];
    if (key == skip_key) continue;
    T sum = out[key];
    for (int64_t i = starts[r]; i < starts[r] + counts[r]; ++i) {
      const int64_t p = positions[i];
      sum += src[src_at ? src_at[p] : p];
    }
    out[key] = sum;
  }
}

}  // namespace ember::cuda
