// Sort + run-length encode of ids on the GPU: the shared front of the deterministic scatters
// (the embedding backward and renorm, index_add), which sum each id's rows in position order
// instead of with float atomics, so every run gives the same bits.
//   ids [4, 1, 4, 2]  ->  sorted [1, 2, 4, 4], positions [1, 3, 0, 2], unique [1, 2, 4],
//                         starts [0, 1, 2], counts [1, 1, 2]
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::cuda {

struct Runs {
  Tensor sorted_ids;  // [N] int64
  Tensor positions;   // [N] int64: where each sorted id was (a stable sort: in order per id)
  Tensor unique_ids;  // [R] int64
  Tensor starts;      // [R] int64: run r is sorted[starts[r] .. starts[r] + counts[r])
  Tensor counts;      // [R] int64
  int64_t runs = 0;   // R
};

// ids: [N] contiguous int64 on a GPU, each in [0, rows) (checked before). Reads R back to the
// host (one int64).
Runs sort_into_runs(const Tensor& ids, int64_t rows);

}  // namespace ember::cuda
