// One optimizer step on a word-embedding table [100000, 300] float32, on 2 threads:
//   SparseAdam / SGD / Adagrad with a RowSparse gradient of 4096 rows (a batch's unique ids)
//   Adam with a dense gradient of the whole table, for scale: O(V D) against O(K D).
// The state is created before timing. The sparse steps read and write the p, m, v rows of the
// K touched ids only (memory bound); the dense Adam step touches every row, which is why
// sparse embeddings need SparseAdam. Results are in bench/RESULTS.md.
#include <benchmark/benchmark.h>

#include <ember/ember.h>
#include <ember/optim/optim.h>

namespace {

using ember::Tensor;

constexpr int64_t kRows = 100000, kDim = 300, kTouched = 4096;

Tensor table() { return ember::randn({kRows, kDim}).requires_grad_(true); }

Tensor sparse_grad() {
  Tensor ids = ember::randint(0, kRows, {kTouched});
  return ember::row_sparse(ids, ember::randn({kTouched, kDim}), {kRows, kDim});
}

template <typename Optimizer, typename Options>
void run_sparse(benchmark::State& state, Options options) {
  ember::set_num_threads(2);
  Tensor weight = table();
  Tensor grad = sparse_grad();
  Optimizer opt({weight}, options);
  weight.set_grad(grad);
  opt.step();  // creates the state (moments of the whole table) outside the timing
  for (auto _ : state) {
    weight.set_grad(grad);
    opt.step();
  }
  state.SetItemsProcessed(state.iterations() * grad.values().numel());
}

void BM_SparseAdamStep(benchmark::State& state) {
  run_sparse<ember::optim::SparseAdam>(state, ember::optim::SparseAdamOptions(1e-3));
}
BENCHMARK(BM_SparseAdamStep)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_SGDSparseStep(benchmark::State& state) {
  run_sparse<ember::optim::SGD>(state, ember::optim::SGDOptions(0.025));
}
BENCHMARK(BM_SGDSparseStep)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_AdagradSparseStep(benchmark::State& state) {
  run_sparse<ember::optim::Adagrad>(state, ember::optim::AdagradOptions(0.05));
}
BENCHMARK(BM_AdagradSparseStep)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_AdamDenseStep(benchmark::State& state) {
  ember::set_num_threads(2);
  Tensor weight = table();
  Tensor grad = ember::randn({kRows, kDim});
  ember::optim::Adam adam({weight}, 1e-3);
  weight.set_grad(grad);
  adam.step();
  for (auto _ : state) {
    weight.set_grad(grad);
    adam.step();
  }
  state.SetItemsProcessed(state.iterations() * grad.numel());
}
BENCHMARK(BM_AdamDenseStep)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
