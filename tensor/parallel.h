// Threads for CPU kernels: ember's own pool (tensor/internal/thread_pool.h), with a
// process-wide thread count and a grain size below which a loop runs on the calling thread.
// An idle pool thread spins a few microseconds for the next loop, then sleeps: on a machine
// busy with other work, waiting threads take no core from the working ones.
#pragma once

#include <cstdint>

namespace ember {

// 0 = all cores this process may run on (its affinity mask), or OMP_NUM_THREADS where set.
void set_num_threads(int n);
int get_num_threads();
// How long an idle pool thread spins before it sleeps, in microseconds (EMBER_SPIN_US where
// set when the pool starts, else 50).
int thread_spin_microseconds();

namespace detail {

// Runs chunk(context, c) for every c in [0, chunks) on the pool, chunk 0 on the calling
// thread; returns when all are done, rethrowing the exception of the lowest chunk that threw.
// Nested in another loop, beside a loop another thread is running, or in a forked child, it
// runs the chunks one after another on the calling thread.
void run_chunks(int64_t chunks, void (*chunk)(void* context, int64_t c), void* context);

}  // namespace detail

// Runs f(begin, end) over [0, n) in contiguous chunks of at least `grain` items, in
// parallel when n > grain. The chunks depend on n and the thread count only (never on which
// thread runs them), so a loop's results are the same from run to run.
template <typename F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  const int threads = get_num_threads();
  if (n <= grain || threads <= 1) {
    f(int64_t(0), n);
    return;
  }
  int64_t chunks = (n + grain - 1) / grain;
  if (chunks > threads) chunks = threads;
  const int64_t per_chunk = (n + chunks - 1) / chunks;
  auto body = [&](int64_t c) {
    const int64_t begin = c * per_chunk;
    const int64_t end = begin + per_chunk < n ? begin + per_chunk : n;
    if (begin < end) f(begin, end);
  };
  using Body = decltype(body);
  detail::run_chunks(
      chunks, [](void* context, int64_t c) { (*static_cast<Body*>(context))(c); }, &body);
}

}  // namespace ember
