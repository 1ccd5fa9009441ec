// What a parallel_for costs beyond its work, on 2 threads: ember's pool (tensor/parallel.h)
// against the OpenMP loop it replaced (kept below as omp_parallel_for, as it was in
// tensor/parallel.h, built where the compiler has OpenMP).
//   BM_Pool*/BM_OpenMp*  Empty/N:    N chunks' worth of nothing (n = N, grain 1): the bare
//                                    hand-off and join
//                        Axpy/N:     y += a * x over N floats, grain 1024
//                        AfterGap/U: the empty loop after U us of serial work, so that the
//                                    waiting threads have spun longer (or gone to sleep)
// bench/results/2026-12-06-thread-pool.md has the numbers.
#include <benchmark/benchmark.h>

#include <chrono>
#include <vector>

#include <ember/ember.h>

namespace {

#if defined(EMBER_BENCH_OPENMP)
// tensor/parallel.h's loop before ember had its own pool.
template <typename F>
void omp_parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  int threads = ember::get_num_threads();
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
#endif

struct PoolLoop {
  template <typename F>
  static void run(int64_t n, int64_t grain, F&& f) {
    ember::parallel_for(n, grain, f);
  }
};

#if defined(EMBER_BENCH_OPENMP)
struct OpenMpLoop {
  template <typename F>
  static void run(int64_t n, int64_t grain, F&& f) {
    omp_parallel_for(n, grain, f);
  }
};
#endif

// Serial work of about `us` microseconds (a clock-checked busy loop).
void busy_for(int64_t us) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(us);
  while (std::chrono::steady_clock::now() < until) {
  }
}

template <typename Loop>
void BM_Empty(benchmark::State& state) {
  ember::set_num_threads(2);
  const int64_t n = state.range(0);
  for (auto _ : state)
    Loop::run(n, 1, [](int64_t begin, int64_t end) { benchmark::DoNotOptimize(begin + end); });
}

template <typename Loop>
void BM_Axpy(benchmark::State& state) {
  ember::set_num_threads(2);
  const int64_t n = state.range(0);
  std::vector<float> x(size_t(n), 1.0f), y(size_t(n), 0.0f);
  for (auto _ : state) {
    Loop::run(n, 1024, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) y[size_t(i)] += 0.5f * x[size_t(i)];
    });
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 12);
}

template <typename Loop>
void BM_AfterGap(benchmark::State& state) {
  ember::set_num_threads(2);
  const int64_t gap_us = state.range(0);
  for (auto _ : state) {
    busy_for(gap_us);
    Loop::run(2, 1, [](int64_t begin, int64_t end) { benchmark::DoNotOptimize(begin + end); });
  }
}

BENCHMARK_TEMPLATE(BM_Empty, PoolLoop)->Name("BM_PoolEmpty")->Arg(2)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Axpy, PoolLoop)->Name("BM_PoolAxpy")->Arg(4096)->Arg(65536)->UseRealTime();
BENCHMARK_TEMPLATE(BM_AfterGap, PoolLoop)
    ->Name("BM_PoolAfterGap")
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->UseRealTime();
#if defined(EMBER_BENCH_OPENMP)
BENCHMARK_TEMPLATE(BM_Empty, OpenMpLoop)->Name("BM_OpenMpEmpty")->Arg(2)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Axpy, OpenMpLoop)
    ->Name("BM_OpenMpAxpy")
    ->Arg(4096)
    ->Arg(65536)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_AfterGap, OpenMpLoop)
    ->Name("BM_OpenMpAfterGap")
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->UseRealTime();
#endif

}  // namespace

BENCHMARK_MAIN();
