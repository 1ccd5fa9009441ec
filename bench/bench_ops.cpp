// The engine's hot CPU ops on the embedding workload's shapes, on 2 threads:
//   index_select  [100000,300] table, 65536 ids (the embedding lookup)
//   bmm           [4096,5,100] x [4096,100,1] (skip-gram scores of 5 contexts)
//   matmul        512 x 512 x 512 float32 (reports GFLOP/s)
//   mm layouts    512^3 and 32x1024x256 with A or B a transposed view (mm's backward)
//   softmax, log_softmax [4096,1000] over dim 1;  sum [4096,1000] over dim 1 and dim 0
// bench/torch_ops.py times the same ops in PyTorch and bench/compare_ops.sh puts them side by
// side; the results are in bench/RESULTS.md. index_select allocates its output on every call,
// so its time includes faulting in fresh pages, not only the gather.
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

// mm with an operand stored transposed, as mm's backward passes them (g * B^T, A^T * g):
// args m, k, n, layout (0: both row-major, 1: A is a transposed view, 2: B is).
void BM_MmLayout(benchmark::State& state) {
  setup_threads();
  const int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  const int64_t layout = state.range(3);
  Tensor a = layout == 1 ? ember::randn({k, m}).t() : ember::randn({m, k});
  Tensor b = layout == 2 ? ember::randn({n, k}).t() : ember::randn({k, n});
  for (auto _ : state) benchmark::DoNotOptimize(ember::mm(a, b));
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * m * n * k * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MmLayout)
    ->Args({512, 512, 512, 0})
    ->Args({512, 512, 512, 1})
    ->Args({512, 512, 512, 2})
    ->Args({32, 1024, 256, 0})
    ->Args({32, 1024, 256, 1})
    ->Args({32, 1024, 256, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Softmax(benchmark::State& state) {
  setup_threads();
  Tensor x = ember::randn({4096, 1000});
  for (auto _ : state) benchmark::DoNotOptimize(ember::softmax(x, 1));
  state.SetBytesProcessed(state.iterations() * 4096 * 1000 * 4);
}
BENCHMARK(BM_Softmax)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LogSoftmax(benchmark::State& state) {
  setup_threads();
  Tensor x = ember::randn({4096, 1000});
  for (auto _ : state) benchmark::DoNotOptimize(ember::log_softmax(x, 1));
  state.SetBytesProcessed(state.iterations() * 4096 * 1000 * 4);
}
BENCHMARK(BM_LogSoftmax)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SumDim1(benchmark::State& state) {
  setup_threads();
  Tensor x = ember::randn({4096, 1000});
  for (auto _ : state) benchmark::DoNotOptimize(ember::sum(x, {1}));
  state.SetBytesProcessed(state.iterations() * 4096 * 1000 * 4);
}
BENCHMARK(BM_SumDim1)->Unit(benchmark::kMillisecond)->UseRealTime();

// sum over the leading dim of [4096,1000]: strided columns (named so that compare_ops.sh
// does not pair it with PyTorch's sum over dim 1).
void BM_ColumnSum(benchmark::State& state) {
  setup_threads();
  Tensor x = ember::randn({4096, 1000});
  for (auto _ : state) benchmark::DoNotOptimize(ember::sum(x, {0}));
  state.SetBytesProcessed(state.iterations() * 4096 * 1000 * 4);
}
BENCHMARK(BM_ColumnSum)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
