// Threads for CPU kernels: OpenMP, with a process-wide thread count and a grain size below
// which a loop runs on the calling thread.
#pragma once

#include <cstdint>

namespace ember {

void set_num_threads(int n);  // 0 = all cores
int get_num_threads();

// Runs f(begin, end) over [0, n) in contiguous chunks of at least `grain` items, in
// parallel when n > grain. The chunks depend on n and the thread count only.
template <typename F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  int threads = get_num_threads();
  if (n <= grain || threads <= 1) {
    f(int64_t(0), n);
    return;
  }
  int64_t chunks = (n + grain - 1) / grain;
  if (chunks > threads) chunks = threads;
  int64_t per_chunk = (n + chunks - 1) / chunks;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t begin = c * per_chunk;
    int64_t end = begin + per_chunk < n ? begin + per_chunk : n;
    if (begin < end) f(begin, end);
  }
}

}  // namespace ember
