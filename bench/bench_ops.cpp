// The engine's hot CPU ops on the embedding workload's shapes, on 2 threads:
//   index_select  [100000,300] table, 65536 ids (the embedding lookup)
//   bmm           [4096,5,100] x [4096,100,1] (skip-gram scores of 5 contexts)
//   matmul        512 x 512 x 512 float32 (reports GFLOP/s)
//   softmax       [4096,1000] over dim 1;  sum  [4096,1000] over dim 1
// Measured on the 2-core AMD EPYC dev VM (median of 3, 2 threads), ember vs the Debian
// PyTorch 1.13 CPU build (best of 30) on the same machine:
//   matmul 512 f32   1.51 ms (178 GFLOP/s)   PyTorch 41 ms
//   matmul 512 f64   2.87 ms  (94 GFLOP/s)   PyTorch 42 ms
//   matmul 1024 f32  11.0 ms (196 GFLOP/s)   PyTorch 320 ms
//   bmm              0.21 ms                 PyTorch 3.3 ms
//   index_select     155 ms                  PyTorch 156 ms (both: page faults on the fresh
//                                            78 MB output; ~10 ms into reused memory)
#include <benchmark/benchmark.h>

#include <ember/ember.h>

namespace {

using ember::Tensor;

void setup_threads() { ember::set_num_threads(2); }

void BM_IndexSelect(benchmark::State& state) {
  setup_threads();
  Tensor table = ember::randn({100000, 300});
  Tensor ids = ember::randint(0, 100000, {65536});
  for (auto _ : state) benchmark::DoNotOptimize(ember::index_select(table, 0, ids));
  state.SetBytesProcessed(state.iterations() * 65536 * 300 * 4);
}
BENCHMARK(BM_IndexSelect)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BmmEmbeddingScores(benchmark::State& state) {
  setup_threads();
  Tensor contexts = ember::randn({4096, 5, 100});
  Tensor centers = ember::randn({4096, 100, 1});
  for (auto _ : state) benchmark::DoNotOptimize(ember::bmm(contexts, centers));
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * 4096 * 5 * 100 * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BmmEmbeddingScores)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_Matmul(benchmark::State& state) {
  setup_threads();
  const int64_t n = state.range(0);
  const ember::DType dtype = state.range(1) ? ember::kFloat64 : ember::kFloat32;
  Tensor a = ember::randn({n, n}).to(dtype);
  Tensor b = ember::randn({n, n}).to(dtype);
  for (auto _ : state) benchmark::DoNotOptimize(ember::matmul(a, b));
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * n * n * n * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Matmul)
    ->Args({512, 0})
    ->Args({512, 1})
    ->Args({1024, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Softmax(benchmark::State& state) {
  setup_threads();
  Tensor x = ember::randn({4096, 1000});
  for (auto _ : state) benchmark::DoNotOptimize(ember::softmax(x, 1));
  state.SetBytesProcessed(state.iterations() * 4096 * 1000 * 4);
}
BENCHMARK(BM_Softmax)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SumDim1(benchmark::State& state) {
  setup_threads();
  Tensor x = ember::randn({4096, 1000});
  for (auto _ : state) benchmark::DoNotOptimize(ember::sum(x, {1}));
  state.SetBytesProcessed(state.iterations() * 4096 * 1000 * 4);
}
BENCHMARK(BM_SumDim1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
