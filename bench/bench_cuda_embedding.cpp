// The embedding kernels on a GPU (issue 6's shapes): lookup forward, forward + backward with
// a row-sparse and a dense gradient (uniform ids, and Zipf ids as words come: id r drawn with
// probability ~ 1 / (r + 1), so that a few ids take long runs of the backward's sort),
// EmbeddingBag sum/mean, and a device-to-device copy of the same bytes as the lookup for the
// bandwidth reference. Each iteration synchronises.
// bench/compare_cuda_embedding.sh runs this beside PyTorch and prints the ratios.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include <ember/ember.h>
#include <ember/nn/functional/embedding.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/runtime.h>
#endif

namespace {

namespace F = ember::nn::functional;
constexpr int64_t kRows = 1 << 20, kDim = 128, kIds = 1 << 20;  // V = 1M, D = 128, N = 1M
constexpr int64_t kBags = 65536, kBagSize = 32;

bool have_gpu(benchmark::State& state) {
  if (ember::cuda_is_available()) return true;
  state.SkipWithError("no CUDA GPU");
  return false;
}

void sync() {
#if EMBER_WITH_CUDA
  ember::cuda::synchronize();
#endif
}

// kIds ids in [0, kRows) with P(id >= x) = 1 - ln(x + 1) / ln(kRows + 1): density ~ 1 / (x + 1),
// Zipf's law with exponent 1 (bench/torch_cuda_embedding.py draws the same law).
ember::Tensor zipf_ids(ember::Device device) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<int64_t> ids(kIds);
  for (int64_t& id : ids)
    id = std::min<int64_t>(kRows - 1, int64_t(std::exp(u(rng) * std::log(double(kRows + 1)))) - 1);
  return ember::tensor(ids).to(device);
}

struct Inputs {
  ember::Tensor table, ids, zipf, upstream;
  Inputs() {
    ember::Generator g(0);
    ember::Device gpu(ember::kCUDA);
    table = ember::randn({kRows, kDim}, &g, gpu);
    ids = ember::randint(0, kRows, {kIds}, &g, ember::TensorOptions(ember::kInt64).device(gpu));
    zipf = zipf_ids(gpu);
    upstream = ember::randn({kIds, kDim}, &g, gpu);
  }
};

Inputs& inputs() {
  static Inputs in;
  return in;
}

// bytes: the lookup reads N rows and writes N rows (+ the ids).
void set_bytes(benchmark::State& state, int64_t bytes) {
  state.SetBytesProcessed(int64_t(state.iterations()) * bytes);
}

void BM_DeviceCopy(benchmark::State& state) {
  if (!have_gpu(state)) return;
  ember::Tensor src = inputs().upstream, dst = ember::empty_like(src);
  for (auto _ : state) {
    dst.copy_(src);
    sync();
  }
  set_bytes(state, 2 * src.numel() * 4);
}
BENCHMARK(BM_DeviceCopy)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_EmbeddingForward(benchmark::State& state) {
  if (!have_gpu(state)) return;
  ember::NoGradGuard no_grad;
  for (auto _ : state) {
    ember::Tensor out = F::embedding(inputs().ids, inputs().table);
    sync();
  }
  set_bytes(state, 2 * kIds * kDim * 4 + kIds * 8);
}
BENCHMARK(BM_EmbeddingForward)->UseRealTime()->Unit(benchmark::kMillisecond);

void forward_backward(benchmark::State& state, bool sparse, bool zipf) {
  if (!have_gpu(state)) return;
  ember::Tensor table = inputs().table.detach().requires_grad_();
  const ember::Tensor& ids = zipf ? inputs().zipf : inputs().ids;
  F::EmbeddingOptions o;
  o.sparse = sparse;
  for (auto _ : state) {
    F::embedding(ids, table, o).backward(inputs().upstream);
    table.set_grad(ember::Tensor());
    sync();
  }
}
void BM_EmbeddingForwardBackwardSparse(benchmark::State& s) { forward_backward(s, true, false); }
void BM_EmbeddingForwardBackwardDense(benchmark::State& s) { forward_backward(s, false, false); }
void BM_EmbeddingForwardBackwardSparseZipf(benchmark::State& s) { forward_backward(s, true, true); }
void BM_EmbeddingForwardBackwardDenseZipf(benchmark::State& s) { forward_backward(s, false, true); }
BENCHMARK(BM_EmbeddingForwardBackwardSparse)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EmbeddingForwardBackwardDense)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EmbeddingForwardBackwardSparseZipf)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EmbeddingForwardBackwardDenseZipf)->UseRealTime()->Unit(benchmark::kMillisecond);

void bag(benchmark::State& state, F::BagMode mode) {
  if (!have_gpu(state)) return;
  ember::Generator g(1);
  ember::Device gpu(ember::kCUDA);
  ember::Tensor ids = ember::randint(0, kRows, {kBags * kBagSize}, &g,
                                     ember::TensorOptions(ember::kInt64).device(gpu));
  ember::Tensor offsets = ember::arange(0, double(kBags * kBagSize), double(kBagSize),
                                        ember::TensorOptions(ember::kInt64).device(gpu));
  F::EmbeddingBagOptions o;
  o.mode = mode;
  ember::NoGradGuard no_grad;
  for (auto _ : state) {
    ember::Tensor out = F::embedding_bag(ids, inputs().table, offsets, o);
    sync();
  }
  set_bytes(state, kBags * kBagSize * (kDim * 4 + 8) + kBags * kDim * 4);
}
void BM_EmbeddingBagSum(benchmark::State& s) { bag(s, F::BagMode::kSum); }
void BM_EmbeddingBagMean(benchmark::State& s) { bag(s, F::BagMode::kMean); }
BENCHMARK(BM_EmbeddingBagSum)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EmbeddingBagMean)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
