// The nn path of a word-embedding model on the CPU, float32, 2 threads; bench/torch_nn.py
// times the same in PyTorch and bench/compare_nn.sh puts them side by side (with the LSTM
// rows of bench_lstm). Table [V=100000, D=300]:
//   Embedding forward+backward, N = 65536 ids [N] -> [N, D], upstream gradient given;
//     sparse: the RowSparse gradient (K ~ 48,000 unique rows); dense: a [V, D] gradient
//   EmbeddingBag mode mean, 4096 bags of 16 ids (offsets) -> [4096, D], forward+backward
//   SparseAdam step on the sparse Embedding gradient above (state already created)
//   the sparse path: lookup, backward and SparseAdam step, as one training step does them
//   the seed's SkipGramModel training step (batch 1024, SparseAdam), see below, with the
//     bytes it moves; and the copy bandwidth those bytes are measured against
// Each iteration starts with no gradient on the table (zero_grad's set_to_none); every
// benchmark warms up for 1 s first (the first calls fault in fresh pages).
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include <ember/ember.h>
#include <ember/models/word2vec_model.h>
#include <ember/nn/embedding.h>
#include <ember/optim/optim.h>

namespace {

using ember::Tensor;
namespace F = ember::nn::functional;

constexpr int64_t kRows = 100000, kDim = 300, kIds = 65536, kBags = 4096, kBagSize = 16;

struct Workload {
  Tensor weight = ember::randn({kRows, kDim}).requires_grad_(true);
  Tensor ids = ember::randint(0, kRows, {kIds});
  Tensor upstream = ember::randn({kIds, kDim});  // d loss / d out of the lookup
  Tensor offsets = ember::arange(0, kIds, kBagSize);
  Tensor bag_upstream = ember::randn({kBags, kDim});
};

Workload& workload() {
  static Workload w;
  return w;
}

F::EmbeddingOptions embedding_options(bool sparse) {
  F::EmbeddingOptions o;
  o.sparse = sparse;
  return o;
}

void BM_EmbeddingForwardBackward(benchmark::State& state) {
  ember::set_num_threads(2);
  Workload& w = workload();
  const F::EmbeddingOptions o = embedding_options(state.range(0) != 0);
  for (auto _ : state) {
    w.weight.set_grad(Tensor());
    F::embedding(w.ids, w.weight, o).backward(w.upstream);
    benchmark::DoNotOptimize(w.weight.grad());
  }
  w.weight.set_grad(Tensor());
}
BENCHMARK(BM_EmbeddingForwardBackward)
    ->ArgName("sparse")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond)
    ->MinWarmUpTime(1.0)
    ->UseRealTime();

void BM_EmbeddingBagMeanForwardBackward(benchmark::State& state) {
  ember::set_num_threads(2);
  Workload& w = workload();
  F::EmbeddingBagOptions o;
  o.mode = F::BagMode::kMean;
  o.sparse = state.range(0) != 0;
  for (auto _ : state) {
    w.weight.set_grad(Tensor());
    F::embedding_bag(w.ids, w.weight, w.offsets, o).backward(w.bag_upstream);
    benchmark::DoNotOptimize(w.weight.grad());
  }
  w.weight.set_grad(Tensor());
}
BENCHMARK(BM_EmbeddingBagMeanForwardBackward)
    ->ArgName("sparse")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond)
    ->MinWarmUpTime(1.0)
    ->UseRealTime();

void BM_SparseAdamStep(benchmark::State& state) {
  ember::set_num_threads(2);
  Workload& w = workload();
  Tensor weight = w.weight.detach().clone().requires_grad_(true);
  F::embedding(w.ids, weight, embedding_options(true)).backward(w.upstream);
  Tensor grad = weight.grad();
  ember::optim::SparseAdam adam({weight}, 1e-3);
  adam.step();  // creates the moments of the whole table outside the timing
  for (auto _ : state) {
    weight.set_grad(grad);
    adam.step();
  }
  state.counters["rows"] = double(grad.indices().numel());
}
BENCHMARK(BM_SparseAdamStep)->Unit(benchmark::kMillisecond)->MinWarmUpTime(1.0)->UseRealTime();

void BM_SparseEmbeddingAdamPath(benchmark::State& state) {
  ember::set_num_threads(2);
  Workload& w = workload();
  Tensor weight = w.weight.detach().clone().requires_grad_(true);
  ember::optim::SparseAdam adam({weight}, 1e-3);
  const F::EmbeddingOptions o = embedding_options(true);
  F::embedding(w.ids, weight, o).backward(w.upstream);
  adam.step();
  for (auto _ : state) {
    adam.zero_grad();
    F::embedding(w.ids, weight, o).backward(w.upstream);
    adam.step();
  }
}
BENCHMARK(BM_SparseEmbeddingAdamPath)
    ->Unit(benchmark::kMillisecond)
    ->MinWarmUpTime(1.0)
    ->UseRealTime();

// The seed's SkipGramModel batches: V 54280, D 100, B 1024, 5 negatives, 16 batches in turn,
// each with the unique rows it touches in the center and the context table.
constexpr int64_t kSkipGramV = 54280, kSkipGramD = 100, kSkipGramB = 1024, kSkipGramK = 5;
struct SkipGramBatch {
  Tensor center, positive, negative;
  std::vector<int64_t> center_rows, context_rows;  // unique, in first-use order
};

const std::vector<SkipGramBatch>& skipgram_batches() {
  static const std::vector<SkipGramBatch> batches = [] {
    constexpr int64_t V = kSkipGramV, B = kSkipGramB, K = kSkipGramK, kBatches = 16;
    std::vector<SkipGramBatch> out;
    for (int64_t b = 0; b < kBatches; ++b) {
      SkipGramBatch batch{ember::randint(0, V, {B}),
                          ember::randint(0, V, {B}),
                          ember::randint(0, V, {B, K}),
                          {},
                          {}};
      std::vector<char> center_seen(V, 0), context_seen(V, 0);
      for (int64_t id : batch.center.to_vector<int64_t>())
        if (!std::exchange(center_seen[size_t(id)], 1)) batch.center_rows.push_back(id);
      for (const Tensor& ids : {batch.positive, batch.negative})
        for (int64_t id : ids.to_vector<int64_t>())
          if (!std::exchange(context_seen[size_t(id)], 1)) batch.context_rows.push_back(id);
      out.push_back(std::move(batch));
    }
    return out;
  }();
  return batches;
}

// The seed's skip-gram training step (issue 4's composable SkipGramModel): sparse center
// and context tables [54280, 100] (en7m's vocabulary), batch 1024 pairs with 5 negatives,
// SkipGramLoss, SparseAdam; zero_grad + forward + loss + backward + step. The step cycles
// through 16 fixed batches of uniform ids. pairs/s = 1024 / the time of one step.
void BM_SkipGramTrainingStep(benchmark::State& state) {
  ember::set_num_threads(2);
  constexpr int64_t V = kSkipGramV, D = kSkipGramD, B = kSkipGramB, K = kSkipGramK;
  ember::models::SkipGramModel model(V, D, /*sparse=*/true);
  ember::models::SkipGramLoss criterion;
  ember::optim::SparseAdam adam(model.parameters(), 1e-3);
  const std::vector<SkipGramBatch>& batches = skipgram_batches();
  // The bytes a step must move, its memory-traffic bound over BM_CopyBandwidth's rate: the
  // lookups read N = B + B + B * K rows and write them out, the backward writes the N rows'
  // gradient and the coalesce reads it (4 N rows); each of the U unique rows of both tables
  // has its coalesced gradient row written and read, and its weight, exp_avg and exp_avg_sq
  // read and written by SparseAdam (8 U rows).
  double bytes = 0;
  for (const SkipGramBatch& batch : batches) {
    const auto unique = int64_t(batch.center_rows.size() + batch.context_rows.size());
    bytes += double(4 * (B + B + B * K) + 8 * unique) * D * sizeof(float) / double(batches.size());
  }
  state.counters["MB_per_step"] = bytes / 1e6;
  size_t next = 0;
  for (auto _ : state) {
    const SkipGramBatch& batch = batches[next++ % batches.size()];
    adam.zero_grad();
    auto [positive_scores, negative_scores] =
        model.forward(batch.center, batch.positive, batch.negative);
    criterion.forward(positive_scores, negative_scores).backward();
    adam.step();
  }
  state.SetItemsProcessed(state.iterations() * B);
}
BENCHMARK(BM_SkipGramTrainingStep)
    ->Unit(benchmark::kMillisecond)
    ->MinWarmUpTime(1.0)
    ->UseRealTime();

// The step's random-row traffic alone: the lookups' gathers of N = B + B + B * K rows, then
// for each unique row of both tables a read and a write of its weight, exp_avg and exp_avg_sq
// (SparseAdam's rows), the rows a few ahead prefetched as SparseAdam prefetches them. No
// arithmetic, no gradient, no allocation: what this machine gives for rows at random places
// in 130 MB (where BM_CopyBandwidth streams), a floor under the step's time.
void BM_SkipGramRowTraffic(benchmark::State& state) {
  ember::set_num_threads(2);
  constexpr int64_t V = kSkipGramV, D = kSkipGramD, B = kSkipGramB, K = kSkipGramK;
  constexpr int64_t N = B + B + B * K, kAhead = 4;
  std::array<std::array<Tensor, 3>, 2> tables;  // [center, context][weight, exp_avg, exp_avg_sq]
  for (auto& table : tables)
    for (Tensor& t : table) t = ember::zeros({V, D});
  std::array<std::array<float*, 3>, 2> base;
  for (size_t t = 0; t < 2; ++t)
    for (size_t a = 0; a < 3; ++a) base[t][a] = tables[t][a].data<float>();
  Tensor gathered = ember::zeros({N, D});
  const std::vector<SkipGramBatch>& batches = skipgram_batches();
  size_t next = 0;
  for (auto _ : state) {
    const SkipGramBatch& batch = batches[next++ % batches.size()];
    const std::array<std::pair<const float*, const Tensor*>, 3> lookups = {
        {{base[0][0], &batch.center},
         {base[1][0], &batch.positive},
         {base[1][0], &batch.negative}}};
    int64_t at = 0;
    for (const auto& [table, ids] : lookups) {
      const int64_t* id = ids->data<int64_t>();
      float* out = gathered.data<float>() + at * D;
      ember::parallel_for(ids->numel(), 655, [&](int64_t begin, int64_t end) {
        for (int64_t n = begin; n < end; ++n)
          std::memcpy(out + n * D, table + id[n] * D, D * sizeof(float));
      });
      at += ids->numel();
    }
    for (int t = 0; t < 2; ++t) {
      const std::vector<int64_t>& ids = t == 0 ? batch.center_rows : batch.context_rows;
      const int64_t U = int64_t(ids.size());
      ember::parallel_for(U, 64, [&](int64_t begin, int64_t end) {
        for (int64_t k = begin; k < end; ++k) {
          if (k + kAhead < end)
            for (float* array : base[size_t(t)])
              ember::cpu::prefetch_for_writing(array + ids[size_t(k + kAhead)] * D,
                                               size_t(D) * sizeof(float));
          for (float* array : base[size_t(t)]) {
            float* r = array + ids[size_t(k)] * D;
            for (int64_t j = 0; j < D; ++j) r[j] += 1.0f;
          }
        }
      });
    }
    benchmark::DoNotOptimize(gathered.data<float>());
  }
  state.SetItemsProcessed(state.iterations() * B);
}
BENCHMARK(BM_SkipGramRowTraffic)->Unit(benchmark::kMillisecond)->MinWarmUpTime(1.0)->UseRealTime();

// The machine's copy bandwidth, the denominator of the step's bound above: memcpy of a
// 1 GiB buffer into another on 2 threads, each copying its half. 2 GiB in all are past the
// caches of any CPU here (one had a 300 MB L3, which held much of 2 x 256 MiB: 61-66 GB/s
// against DRAM's 46-50). bytes_per_second counts the bytes read and written.
void BM_CopyBandwidth(benchmark::State& state) {
  ember::set_num_threads(2);
  constexpr int64_t kBytes = int64_t(1) << 30;
  Tensor from = ember::ones({kBytes / 4}), to = ember::zeros({kBytes / 4});
  const char* src = static_cast<const char*>(from.raw_data());
  char* dst = static_cast<char*>(to.raw_data());
  for (auto _ : state)
    ember::parallel_for(2, 1, [&](int64_t begin, int64_t end) {
      for (int64_t half = begin; half < end; ++half)
        std::memcpy(dst + half * kBytes / 2, src + half * kBytes / 2, kBytes / 2);
    });
  state.SetBytesProcessed(state.iterations() * 2 * kBytes);  // printed in GiB/s
  // The same rate in 10^9 bytes a second, the unit of the step's MB_per_step bound.
  state.counters["GB_per_s"] =
      benchmark::Counter(double(2 * kBytes) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CopyBandwidth)->Unit(benchmark::kMillisecond)->MinWarmUpTime(0.5)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
