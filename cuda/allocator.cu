// Size classes: requests round up to 512 B below 1 MiB and to 2 MiB above, and a freed block
// goes to the free list of its class. A request takes the smallest cached block of its class or
// larger, up to twice its size (best fit, as the host cache does): a run whose sizes drift (a
// sparse gradient's unique rows, batches of varying length) reuses its blocks instead of
// holding one of every size it ever asked for.
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <ember/cuda/allocator.h>
#include <ember/cuda/check.cuh>

namespace ember::cuda {

namespace {

constexpr size_t kSmall = size_t(1) << 20;
constexpr size_t kSmallRound = 512;
constexpr size_t kLargeRound = size_t(2) << 20;

size_t size_class(size_t nbytes) {
  size_t round = nbytes < kSmall ? kSmallRound : kLargeRound;
  size_t rounded = (nbytes + round - 1) / round * round;
  return rounded ? rounded : kSmallRound;
}

struct DeviceCache {
  std::map<size_t, std::vector<void*>> free_blocks;  // size class -> cached blocks
  std::unordered_map<void*, size_t> block_size;      // every block we hold
  MemoryStats stats;
};

std::mutex g_mutex;
std::vector<DeviceCache>& caches() {
  static std::vector<DeviceCache> c(size_t(device_count() > 0 ? device_count() : 1));
  return c;
}

DeviceCache& cache_of(int device) {
  EMBER_CHECK(device >= 0 && device < int(caches().size()), "cuda allocator: no device ", device);
  return caches()[size_t(device)];
}

}  // namespace

void* allocate(size_t nbytes, int device) {
  EMBER_CHECK(device_count() > 0, "cuda: no CUDA GPU is present");
  const size_t size = size_class(nbytes);
  std::lock_guard<std::mutex> lock(g_mutex);
  DeviceCache& cache = cache_of(device);
  void* ptr = nullptr;
  auto it = cache.free_blocks.lower_bound(size);  // classes with no blocks are erased
  if (it != cache.free_blocks.end() && it->first / 2 <= size) {
    ptr = it->second.back();
    it->second.pop_back();
    if (it->second.empty()) cache.free_blocks.erase(it);
  } else {
    DeviceGuard guard(device);
    cudaError_t status = cudaMalloc(&ptr, size);
    if (status == cudaErrorMemoryAllocation) {  // give the cache back, then try once more
      cudaGetLastError();
      for (auto& [_, blocks] : cache.free_blocks)
        for (void* p : blocks) {
          cudaFree(p);
          cache.stats.reserved -= cache.block_size[p];
          cache.block_size.erase(p);
        }
      cache.free_blocks.clear();
      status = cudaMalloc(&ptr, size);
    }
    EMBER_CHECK(status == cudaSuccess, "cuda: out of memory allocating ", nbytes,
                " bytes on cuda:", device, " (", cache.stats.in_use, " bytes in use by tensors)");
    cache.block_size[ptr] = size;
    cache.stats.reserved += size;
  }
  cache.stats.in_use += cache.block_size[ptr];
  if (cache.stats.in_use > cache.stats.peak_in_use) cache.stats.peak_in_use = cache.stats.in_use;
  return ptr;
}

void release(void* ptr, int device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  DeviceCache& cache = cache_of(device);
  size_t size = cache.block_size.at(ptr);
  cache.stats.in_use -= size;
  cache.free_blocks[size].push_back(ptr);
}

MemoryStats memory_stats(int device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return cache_of(device).stats;
}

void empty_cache() {
  std::lock_guard<std::mutex> lock(g_mutex);
  for (size_t d = 0; d < caches().size(); ++d) {
    DeviceGuard guard(int(d));
    DeviceCache& cache = caches()[d];
    EMBER_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
    for (auto& [_, blocks] : cache.free_blocks)
      for (void* p : blocks) {
        EMBER_CUDA_CHECK(cudaFree(p));
        cache.stats.reserved -= cache.block_size[p];
        cache.block_size.erase(p);
      }
    cache.free_blocks.clear();
  }
}

}  // namespace ember::cuda
