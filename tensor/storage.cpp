// Host memory: small blocks come from aligned_alloc; blocks of 1 MiB and more are rounded
// to 2 MiB, asked to be backed by huge pages, and kept in a cache when freed, from which a
// later request takes the smallest block that fits (up to twice its size), so a training
// loop that allocates large tensors every step, of the same or of varying sizes, stops
// paying for page faults (first-touching a fresh buffer clears every page of it).
#include <ember/tensor/storage.h>

#include <sys/mman.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdlib>
#include <map>
#include <mutex>

#include <ember/config.h>
#include <ember/tensor/error.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/allocator.h>
#endif

namespace ember {

namespace {

constexpr size_t kLargeBlock = size_t(1) << 20;      // cached from this size on
constexpr size_t kHugePage = size_t(2) << 20;        // rounding and alignment of those
constexpr size_t kHostCacheLimit = size_t(1) << 30;  // at most this much kept unused

size_t host_block_size(size_t nbytes) {
  if (nbytes >= kLargeBlock) return (nbytes + kHugePage - 1) / kHugePage * kHugePage;
  size_t rounded = (nbytes + 63) / 64 * 64;
  return rounded ? rounded : 64;
}

// A cached block serves a request up to this factor smaller than itself (best fit: the
// smallest such block), so that tensors whose sizes vary step to step (length-batched LSTM
// activations) reuse blocks instead of faulting in fresh pages.
constexpr size_t kReuseSlack = 2;

struct HostCache {
  std::mutex mutex;
  std::multimap<size_t, void*> free_blocks;  // block size -> blocks
  size_t cached = 0;
};

HostCache& host_cache() {
  static HostCache* cache = new HostCache;  // never destroyed: storages may outlive statics
  return *cache;
}

// Blocks under 1 MiB come from glibc's heap, which by default serves blocks over 128 KiB by
// mmap and gives memory at the heap's top back to the OS once 128 KiB sit free there: a
// training step that frees its activations and allocates them again next step page-faults
// them in every time (~20% of a small LSTM's step). So: mmap only from 1 MiB (where the
// cache above takes over) and keep up to 64 MiB of free heap.
void tune_heap_once() {
#if defined(__GLIBC__)
  static const bool tuned = [] {
    mallopt(M_MMAP_THRESHOLD, int(kLargeBlock));
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    return true;
  }();
  (void)tuned;
#endif
}

// A block of at least nbytes; *block_size says how large it is (host_release wants it).
void* host_allocate(size_t nbytes, size_t* block_size) {
  tune_heap_once();
  const size_t size = host_block_size(nbytes);
  *block_size = size;
  if (size >= kLargeBlock) {
    HostCache& cache = host_cache();
    std::lock_guard<std::mutex> lock(cache.mutex);
    auto it = cache.free_blocks.lower_bound(size);
    if (it != cache.free_blocks.end() && it->first <= size * kReuseSlack) {
      void* block = it->second;
      *block_size = it->first;
      cache.free_blocks.erase(it);
      cache.cached -= *block_size;
      return block;
    }
  }
  void* block = std::aligned_alloc(size >= kLargeBlock ? kHugePage : 64, size);
  EMBER_CHECK(block, "out of host memory allocating ", nbytes, " bytes");
#ifdef MADV_HUGEPAGE
  if (size >= kLargeBlock) madvise(block, size, MADV_HUGEPAGE);  // a hint; failure is fine
#endif
  return block;
}

// Frees (or caches) a block host_allocate gave, of `size` bytes (its *block_size).
void host_release(void* block, size_t size) {
  if (size >= kLargeBlock) {
    HostCache& cache = host_cache();
    std::lock_guard<std::mutex> lock(cache.mutex);
    if (cache.cached + size <= kHostCacheLimit) {
      cache.free_blocks.emplace(size, block);
      cache.cached += size;
      return;
    }
  }
  std::free(block);
}

}  // namespace

void release_host_cache() {
  HostCache& cache = host_cache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  for (auto& [_, block] : cache.free_blocks) std::free(block);
  cache.free_blocks.clear();
  cache.cached = 0;
}

Storage Storage::allocate(size_t nbytes, Device device) {
  Storage s;
  s.impl_ = std::make_shared<Impl>();
  s.impl_->nbytes = nbytes;
  s.impl_->device = device;
  if (device.is_cpu()) {
    s.impl_->data = host_allocate(nbytes, &s.impl_->block_bytes);
  } else {
#if EMBER_WITH_CUDA
    s.impl_->data = cuda::allocate(nbytes, device.index);
#else
    EMBER_FAIL("cannot allocate on ", device,
               ": this ember was built without CUDA (EMBER_CUDA=OFF)");
#endif
  }
  return s;
}

Storage::Impl::~Impl() {
  if (!data) return;
  if (device.is_cpu()) {
    host_release(data, block_bytes);
  } else {
#if EMBER_WITH_CUDA
    cuda::release(data, device.index);
#endif
  }
}

}  // namespace ember
