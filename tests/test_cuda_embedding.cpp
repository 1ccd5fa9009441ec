// cuda/embedding.cu against tensor/ops/embedding.cpp: the same lookups and gradients on
// random inputs (empty, repeated ids, padding, ragged and empty bags), a bit-identical
// sparse backward across runs, and out-of-range ids as errors. SKIPPED without a GPU.
#include "testing.h"

#include <ember/nn/functional/embedding.h>
#include <ember/tensor/ops/embedding.h>
#include <ember/tensor/ops/index.h>

namespace ember {
namespace {

namespace F = nn::functional;
using ::ember::testing::all_close;

F::EmbeddingOptions options(std::optional<int64_t> padding_idx, bool scale_grad_by_freq = false,
                            bool sparse = false, std::optional<double> max_norm = std::nullopt) {
  F::EmbeddingOptions o;
  o.padding_idx = padding_idx;
  o.scale_grad_by_freq = scale_grad_by_freq;
  o.sparse = sparse;
  o.max_norm = max_norm;
  return o;
}

struct Case {
  int64_t rows, dim, n;
};
const Case kCases[] = {{1, 1, 0}, {7, 3, 20}, {50, 128, 1000}, {1000, 33, 5000}, {3, 260, 64}};

TEST(CudaEmbedding, ForwardMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(1);
  for (const Case& c : kCases)
    for (DType dtype : {kFloat32, kFloat64, kFloat16}) {
      Tensor w = randn({c.rows, c.dim}, &g).to(dtype);
      Tensor ids = randint(0, c.rows, {c.n}, &g);
      Tensor cpu = F::embedding(ids, w);
      Tensor gpu = F::embedding(ids.cuda(), w.cuda());
      EXPECT_TRUE(all_close(gpu.cpu(), cpu, 0, 0)) << c.rows << "x" << c.dim << " n=" << c.n;
    }
}

TEST(CudaEmbedding, BackwardMatchesCpuAndIsDeterministic) {
  EMBER_REQUIRE_CUDA();
  Generator g(2);
  for (const Case& c : kCases)
    for (bool sparse : {false, true})
      for (bool by_freq : {false, true}) {
        Tensor w = randn({c.rows, c.dim}, &g);
        // Repeats, and with padding_idx 0 at least one id that is not padding.
        Tensor ids =
            randint(0, std::min<int64_t>(c.rows, std::max<int64_t>(2, c.rows / 2)), {c.n}, &g);
        Tensor upstream = randn({c.n, c.dim}, &g);
        F::EmbeddingOptions o;
        o.sparse = sparse;
        o.scale_grad_by_freq = by_freq;
        o.padding_idx = 0;
        auto grad_of = [&](const Tensor& table, const Tensor& index, const Tensor& up) {
          Tensor leaf = table.detach().clone().requires_grad_();
          F::embedding(index, leaf, o).backward(up);
          return leaf.grad();
        };
        Tensor cpu = grad_of(w, ids, upstream);
        Tensor gpu = grad_of(w.cuda(), ids.cuda(), upstream.cuda());
        Tensor again = grad_of(w.cuda(), ids.cuda(), upstream.cuda());
        EXPECT_EQ(gpu.is_row_sparse(), sparse);
        if (sparse) {
          EXPECT_EQ(gpu.indices().cpu().to_vector<int64_t>(), cpu.indices().to_vector<int64_t>());
          EXPECT_EQ(again.values().cpu().to_vector<float>(), gpu.values().cpu().to_vector<float>());
        }
        EXPECT_TRUE(all_close(gpu.to_dense().cpu(), cpu.to_dense(), 1e-5, 1e-5))
            << c.rows << "x" << c.dim << " n=" << c.n << " sparse=" << sparse;
        EXPECT_EQ(again.to_dense().cpu().to_vector<float>(),
                  gpu.to_dense().cpu().to_vector<float>())
            << "not bit-identical across runs";
      }
}

// Zipf-like ids: runs longer than the 64 positions one block sums (10,000 of id 3, 130 of id
// 7: two and three pieces past the first), a long padding run left out, and short runs;
// rows wider than a block. The pieces are added in order: close to the CPU's sequential sum,
// and the same bits on every run.
TEST(CudaEmbedding, BackwardSumsLongRunsInPiecesDeterministically) {
  EMBER_REQUIRE_CUDA();
  Generator g(6);
  std::vector<int64_t> id_list;
  for (int64_t i = 0; i < 10000; ++i) id_list.push_back(3);
  for (int64_t i = 0; i < 130; ++i) id_list.push_back(7);
  for (int64_t i = 0; i < 5000; ++i) id_list.push_back(0);
  const std::vector<int64_t> rest = randint(0, 1000, {4870}, &g).to_vector<int64_t>();
  id_list.insert(id_list.end(), rest.begin(), rest.end());
  Tensor order = randperm(int64_t(id_list.size()), &g);
  Tensor ids = ops::index_select(tensor(id_list), 0, order);
  for (int64_t dim : {100, 300})
    for (DType dtype : {kFloat32, kFloat64})
      for (bool sparse : {false, true})
        for (bool by_freq : {false, true}) {
          Tensor w = randn({1000, dim}, &g).to(dtype);
          Tensor upstream = randn({ids.numel(), dim}, &g).to(dtype);
          F::EmbeddingOptions o = options(0, by_freq, sparse);
          auto grad_of = [&](Device device) {
            Tensor leaf = w.to(device).detach().clone().requires_grad_();
            F::embedding(ids.to(device), leaf, o).backward(upstream.to(device));
            return leaf.grad();
          };
          const std::string what = "dim " + std::to_string(dim) + " " + dtype_name(dtype) +
                                   (sparse ? " sparse" : " dense") + (by_freq ? " by_freq" : "");
          Tensor cpu = grad_of(Device(kCPU)), gpu = grad_of(Device(kCUDA)),
                 again = grad_of(Device(kCUDA));
          if (sparse) {
            EXPECT_EQ(gpu.indices().cpu().to_vector<int64_t>(), cpu.indices().to_vector<int64_t>())
                << what;
          }
          // The CPU adds id 3's 10,000 float rows in one sequence, whose rounding reaches
          // ~1e-3 (eps x n / sqrt(2)); the GPU's pieces round less. Double: ~1e-12.
          const double atol = dtype == kFloat32 ? 5e-3 : 1e-10;
          EXPECT_TRUE(all_close(gpu.to_dense().cpu(), cpu.to_dense(), 1e-4, atol)) << what;
          EXPECT_TRUE(all_close(again.to_dense().cpu(), gpu.to_dense().cpu(), 0, 0))
              << "not bit-identical across runs: " << what;
        }
}

TEST(CudaEmbedding, MaxNormMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(3);
  Tensor w = randn({100, 16}, &g) * 2.0;
  Tensor ids = randint(0, 100, {300}, &g);
  Tensor w_gpu = w.cuda();
  F::embedding(ids, w, options(std::nullopt, false, false, 1.5));
  F::embedding(ids.cuda(), w_gpu, options(std::nullopt, false, false, 1.5));
  EXPECT_TRUE(all_close(w_gpu.cpu(), w, 1e-6, 1e-6));
}

// More unique ids than the renorm's grid has blocks (65,535 * 16): its blocks go round again.
TEST(CudaEmbedding, MaxNormPastOneGridMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(7);
  const int64_t rows = 65535 * 16 + 5000;
  Tensor w = randn({rows, 2}, &g) * 2.0;
  Tensor ids = randperm(rows, &g);
  Tensor w_gpu = w.cuda();
  F::embedding(ids, w, options(std::nullopt, false, false, 1.5));
  F::embedding(ids.cuda(), w_gpu, options(std::nullopt, false, false, 1.5));
  EXPECT_TRUE(all_close(w_gpu.cpu(), w, 1e-6, 1e-6));
}

TEST(CudaEmbedding, OutOfRangeIdIsAnError) {
  EMBER_REQUIRE_CUDA();
  Tensor w = zeros({10, 4}, Device(kCUDA));
  EXPECT_EMBER_ERROR(F::embedding(tensor({1, 2, 12, 3}).cuda(), w),
                     "id 12 at position 2 out of range for a table of 10 rows");
  // The context is still usable afterwards: no sticky CUDA error.
  EXPECT_EQ(F::embedding(tensor({1}).cuda(), w).cpu().to_vector<float>(),
            (std::vector<float>{0, 0, 0, 0}));
}

TEST(CudaEmbedding, BackwardChecksIdsAndRowScaleOnTheGpuToo) {
  EMBER_REQUIRE_CUDA();
  Tensor grad = ones({4, 3}, Device(kCUDA));
  EXPECT_EMBER_ERROR(ops::embedding_backward_sparse(grad, tensor({1, 2, 12, 3}).cuda(), 10,
                                                    std::nullopt, false, Tensor()),
                     "embedding backward: id 12 at position 2 out of range for a table of 10");
  EXPECT_EMBER_ERROR(ops::embedding_backward_dense(grad, tensor({1, 2, -1, 3}).cuda(), 10,
                                                   std::nullopt, false, Tensor()),
                     "id -1 at position 2");
  EXPECT_EMBER_ERROR(ops::embedding_backward_sparse(grad, tensor({1, 2, 3, 4}).cuda(), 10,
                                                    std::nullopt, false, ones({3}, Device(kCUDA))),
                     "row_scale has 3 entries for 4 ids");
}

TEST(CudaEmbeddingBag, ForwardAndBackwardMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(4);
  // Ragged bags, an empty one, repeated ids, padding id 0; then rows wider than a block and
  // thousands of bags.
  struct BagCase {
    int64_t rows, dim, n;
    std::vector<int64_t> offsets;
  };
  std::vector<int64_t> many_bags;
  for (int64_t b = 0; b < 3000; ++b) many_bags.push_back(b > 0 && b % 5 == 0 ? b * 7 - 3 : b * 7);
  const BagCase cases[] = {{40, 24, 200, {0, 5, 5, 37, 90, 91, 150}},
                           {300, 300, 400, {0, 1, 100, 100, 399}},
                           {5000, 64, 21000, many_bags}};
  for (const BagCase& c : cases)
    for (F::BagMode mode : {F::BagMode::kSum, F::BagMode::kMean, F::BagMode::kMax})
      for (bool sparse : {false, true}) {
        const int64_t rows = c.rows, dim = c.dim;
        Tensor ids = randint(0, rows, {c.n}, &g);
        Tensor offsets = tensor(c.offsets);
        Tensor w = randn({rows, dim}, &g);
        Tensor psw = randn({c.n}, &g);
        if (sparse && mode == F::BagMode::kMax) continue;
        F::EmbeddingBagOptions o;
        o.mode = mode;
        o.sparse = sparse;
        o.padding_idx = 0;
        bool weighted = mode == F::BagMode::kSum;
        auto run = [&](Device device) {
          Tensor leaf = w.to(device).detach().clone().requires_grad_();
          Tensor sample = weighted ? psw.to(device).detach().clone().requires_grad_() : Tensor();
          Tensor out = F::embedding_bag(ids.to(device), leaf, offsets.to(device), o, sample);
          out.backward(ones_like(out));
          return std::vector<Tensor>{out.cpu(), leaf.grad().to_dense().cpu(),
                                     weighted ? sample.grad().cpu() : Tensor()};
        };
        std::vector<Tensor> cpu = run(Device(kCPU)), gpu = run(Device(kCUDA));
        EXPECT_TRUE(all_close(gpu[0], cpu[0], 1e-5, 1e-5))
            << "forward, mode " << int(mode) << ", dim " << dim;
        EXPECT_TRUE(all_close(gpu[1], cpu[1], 1e-5, 1e-5))
            << "weight grad, mode " << int(mode) << ", dim " << dim;
        if (weighted) {
          EXPECT_TRUE(all_close(gpu[2], cpu[2], 1e-4, 1e-5)) << "psw grad, dim " << dim;
        }
      }
}

// More ids than the capped grid has warps (65535 * 16 blocks of 8 warps): the
// per-sample-weight gradient's warps go round a second time.
TEST(CudaEmbeddingBag, PerSampleWeightGradientPastOneGridOfWarps) {
  EMBER_REQUIRE_CUDA();
  Generator g(5);
  const int64_t n = 65535 * 16 * 8 + 4099, rows = 1000, dim = 2;
  Tensor ids = randint(0, rows, {n}, &g);
  Tensor offsets = arange(0, n, 3, kInt64);
  Tensor w = randn({rows, dim}, &g);
  Tensor psw = randn({n}, &g);
  F::EmbeddingBagOptions o;
  o.mode = F::BagMode::kSum;
  auto run = [&](Device device) {
    Tensor sample = psw.to(device).detach().clone().requires_grad_();
    Tensor out = F::embedding_bag(ids.to(device), w.to(device), offsets.to(device), o, sample);
    out.backward(ones_like(out));
    return sample.grad().cpu();
  };
  Tensor cpu = run(Device(kCPU)), gpu = run(Device(kCUDA));
  EXPECT_TRUE(all_close(gpu, cpu, 1e-5, 1e-5));
  EXPECT_EQ(gpu.to_vector<float>().back(), cpu.to_vector<float>().back());
}

// A table looked up twice (a word and its negatives, as skip-gram does) takes the sum of two
// row-sparse gradients, added on the GPU (ops::add_row_sparse) with the CPU's bits: ids and
// rows equal, a row in both a + b. Used by a dense op as well, the sparse gradient is added
// into the dense one in one kernel (ops::add_row_sparse_to_dense_), as on the CPU.
TEST(CudaEmbedding, TwoLookupsOfOneTableSumTheirSparseGradientsAsTheCpuDoes) {
  EMBER_REQUIRE_CUDA();
  Generator g(9);
  for (DType dtype : {kFloat32, kFloat64}) {
    Tensor w = randn({300, 40}, &g).to(dtype);
    Tensor first = randint(0, 200, {500}, &g), second = randint(100, 300, {700}, &g);
    Tensor up1 = randn({500, 40}, &g).to(dtype), up2 = randn({700, 40}, &g).to(dtype);
    auto grads = [&](Device device, bool dense_too) {
      Tensor leaf = w.to(device).detach().clone().requires_grad_();
      Tensor loss = (F::embedding(first.to(device), leaf, options(std::nullopt, false, true)) *
                     up1.to(device))
                        .sum() +
                    (F::embedding(second.to(device), leaf, options(std::nullopt, false, true)) *
                     up2.to(device))
                        .sum();
      if (dense_too) loss = loss + (leaf * 3.0).sum();
      loss.backward();
      return leaf.grad();
    };
    const Tensor cpu = grads(Device(kCPU), false), gpu = grads(Device(kCUDA), false);
    ASSERT_TRUE(gpu.is_row_sparse());
    EXPECT_EQ(gpu.indices().cpu().to_vector<int64_t>(), cpu.indices().to_vector<int64_t>());
    EXPECT_TRUE(all_close(gpu.values().cpu(), cpu.values(), 0, 0)) << dtype;
    EXPECT_TRUE(all_close(gpu.to_dense().cpu(), cpu.to_dense(), 0, 0)) << dtype;
    const Tensor cpu_dense = grads(Device(kCPU), true), gpu_dense = grads(Device(kCUDA), true);
    ASSERT_FALSE(gpu_dense.is_row_sparse());
    EXPECT_TRUE(all_close(gpu_dense.cpu(), cpu_dense, 0, 0)) << dtype;
  }
}

}  // namespace
}  // namespace ember
