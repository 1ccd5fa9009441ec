// The caching allocator: device memory is taken from CUDA once and kept in free lists by
// size class, so the cudaMalloc/cudaFree of every temporary tensor disappears after
// warm-up; a request takes the smallest cached block that fits it up to twice over. Blocks are tied
// to the stream they were used on (one default stream for now).
#pragma once

#include <cstddef>

namespace ember::cuda {

void* allocate(size_t nbytes, int device);
void release(void* ptr, int device);

struct MemoryStats {
  size_t in_use = 0;       // bytes handed out to tensors now
  size_t peak_in_use = 0;  // the most ever handed out at once
  size_t reserved = 0;     // bytes held from CUDA (in use + cached)
};
MemoryStats memory_stats(int device = 0);
// Returns the cached (unused) blocks to CUDA.
void empty_cache();

}  // namespace ember::cuda
