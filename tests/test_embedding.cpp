// Embedding and EmbeddingBag on the CPU: lookups, every option's gradient (gradcheck), the
// row-sparse gradient equal to the dense one, and the errors.
#include "testing.h"

#include <ember/nn/embedding.h>
#include <ember/tensor/ops/embedding.h>
#include <ember/tensor/ops/row_sparse.h>

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

Tensor table(int64_t rows, int64_t dim, uint64_t seed, DType dtype = kFloat64) {
  Generator g(seed);
  return randn({rows, dim}, &g, dtype).requires_grad_();
}

GradcheckResult check_table_grad(const Tensor& weight,
                                 const std::function<Tensor(const Tensor&)>& f) {
  return gradcheck([&](const std::vector<Tensor>& in) { return f(in[0]); }, {weight});
}

TEST(Embedding, LooksUpRows) {
  Tensor w = tensor(std::vector<float>{0, 1, 10, 11, 20, 21}, {3, 2});
  Tensor out = F::embedding(tensor({2, 0, 2}), w);
  EXPECT_EQ(out.sizes(), (Shape{3, 2}));
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{20, 21, 0, 1, 20, 21}));
  Tensor batch = F::embedding(tensor(std::vector<int32_t>{1, 2, 0, 1}, {2, 2}), w);
  EXPECT_EQ(batch.sizes(), (Shape{2, 2, 2}));
  EXPECT_EQ(F::embedding(zeros({0}, kInt64), w).sizes(), (Shape{0, 2}));
}

TEST(Embedding, Errors) {
  Tensor w = zeros({5, 2});
  EXPECT_EMBER_ERROR(F::embedding(tensor({1, 7, 2}), w),
                     "id 7 at position 1 out of range for a table of 5 rows");
  EXPECT_EMBER_ERROR(F::embedding(tensor({-1}), w), "id -1 at position 0");
  EXPECT_EMBER_ERROR(F::embedding(tensor({1.f}), w), "indices must be int64 or int32");
  EXPECT_EMBER_ERROR(F::embedding(tensor({1}), zeros({5})), "weight must be 2-D");
  EXPECT_EMBER_ERROR(F::embedding(tensor({1}), w, options(9)), "padding_idx 9");
}

TEST(Embedding, Gradcheck) {
  Tensor ids = tensor(std::vector<int64_t>{3, 1, 3, 0, 3, 4}, {2, 3});  // repeated ids
  Tensor w = table(6, 3, 1);
  for (bool sparse : {false, true}) {
    F::EmbeddingOptions o;
    o.sparse = sparse;
    auto r = check_table_grad(w, [&](const Tensor& t) { return F::embedding(ids, t, o); });
    EXPECT_TRUE(r.ok) << r.report << " sparse=" << sparse;
  }
}

// padding_idx and scale_grad_by_freq change the gradient on purpose (PyTorch's semantics),
// so finite differences cannot check them: the expected gradient is spelled out instead.
TEST(Embedding, PaddingAndFrequencyScaling) {
  Tensor ids = tensor({3, 1, 3, 4, 3});
  Tensor upstream = tensor(std::vector<double>{1, 2, 3, 4, 5}, {5, 1}, kFloat64);
  for (bool sparse : {false, true}) {
    Tensor w = table(5, 1, 2);
    F::embedding(ids, w, options(4, true, sparse)).backward(upstream);
    // id 3 appears 3 times: (1 + 3 + 5) / 3; id 1 once: 2; padding id 4: nothing.
    EXPECT_EQ(w.grad().to_dense().to_vector<double>(), (std::vector<double>{0, 2, 0, 3, 0}));
  }
}

TEST(Embedding, SparseGradientEqualsDense) {
  Tensor ids = tensor(std::vector<int64_t>{5, 2, 5, 9, 2, 5}, {2, 3});
  Tensor dense_w = table(10, 4, 2), sparse_w = dense_w.detach().clone().requires_grad_();
  Generator g(3);
  Tensor upstream = randn({2, 3, 4}, &g, kFloat64);
  F::embedding(ids, dense_w, options(9, true)).backward(upstream);
  F::embedding(ids, sparse_w, options(9, true, true)).backward(upstream);
  Tensor sparse = sparse_w.grad();
  ASSERT_TRUE(sparse.is_row_sparse());
  EXPECT_EQ(sparse.indices().to_vector<int64_t>(), (std::vector<int64_t>{2, 5}));  // no 9
  EXPECT_TRUE(all_close(sparse.to_dense(), dense_w.grad(), 0, 0));
  // Padding row: zero gradient; by_freq: id 5 (3 times) gets the mean of its rows.
  EXPECT_EQ(dense_w.grad().select(0, 9).to_vector<double>(), (std::vector<double>(4, 0.0)));
}

// The sparse backward's radix sort over many ids (several passes of 8 bits: 17 bits of
// position, 9 of id), every id repeated, against a plain loop that sums each id's rows in
// position order; the sums must match to the bit, as that order is the contract.
TEST(Embedding, SparseBackwardSumsEachIdInPositionOrder) {
  constexpr int64_t V = 300, D = 3, N = 70000;
  Generator g(4);
  Tensor ids = randint(0, V, {N}, &g);
  Tensor upstream = randn({N, D}, &g);
  Tensor w = table(V, D, 5, kFloat32);
  F::embedding(ids, w, options(7, false, true)).backward(upstream);
  Tensor sparse = w.grad();
  std::vector<float> expected(size_t(V * D), 0.0f);
  std::vector<bool> seen(size_t(V), false);
  const std::vector<int64_t> id = ids.to_vector<int64_t>();
  const std::vector<float> up = upstream.to_vector<float>();
  for (int64_t n = 0; n < N; ++n) {
    if (id[n] == 7) continue;  // padding_idx
    seen[id[n]] = true;
    for (int64_t j = 0; j < D; ++j) expected[id[n] * D + j] += up[n * D + j];
  }
  std::vector<int64_t> expected_ids;
  for (int64_t v = 0; v < V; ++v)
    if (seen[v]) expected_ids.push_back(v);
  EXPECT_EQ(sparse.indices().to_vector<int64_t>(), expected_ids);
  EXPECT_EQ(sparse.to_dense().to_vector<float>(), expected);
}

// A table so tall that (id, position) keys would pass 64 bits ([2^63 - 1, 1]): the backward
// sorts the positions by comparison instead of by radix, with the same result. A table past
// 2^63 elements is refused by name.
TEST(Embedding, SparseBackwardOfATableTooTallForRadixKeys) {
  const int64_t rows = std::numeric_limits<int64_t>::max(), high = int64_t(1) << 62;
  Tensor grad = tensor(std::vector<float>{1, 2, 3}, {3, 1});
  Tensor ids = tensor(std::vector<int64_t>{high, 5, high}, {3});
  Tensor sparse = ops::embedding_backward_sparse(grad, ids, rows, std::nullopt, false);
  EXPECT_EQ(sparse.indices().to_vector<int64_t>(), (std::vector<int64_t>{5, high}));
  EXPECT_EQ(sparse.values().to_vector<float>(), (std::vector<float>{2, 4}));
  EXPECT_EMBER_ERROR(ops::embedding_backward_sparse(tensor(std::vector<float>{1, 2}, {1, 2}),
                                                    tensor(std::vector<int64_t>{0}, {1}), rows,
                                                    std::nullopt, false),
                     "has more than 2^63 elements");
}

// Two sparse gradients of one table (a context table looked up twice) are merged: ids in
// both sum a's row then b's, as coalescing their concatenation does, to the bit.
TEST(Embedding, TwoSparseGradientsMergeLikeTheirConcatenation) {
  Generator g(6);
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> cases = {
      {{1, 4, 6}, {2, 4, 9}}, {{0, 3}, {0, 3}}, {{}, {5}}, {{2}, {}}, {{5, 8}, {1, 2}}};
  for (const auto& [ia, ib] : cases) {
    const int64_t ka = int64_t(ia.size()), kb = int64_t(ib.size());
    Tensor a = row_sparse(tensor(ia, {ka}, kInt64), randn({ka, 3}, &g), {10, 3});
    Tensor b = row_sparse(tensor(ib, {kb}, kInt64), randn({kb, 3}, &g), {10, 3});
    Tensor merged = ops::add_row_sparse(a, b);
    std::vector<int64_t> all = ia;
    all.insert(all.end(), ib.begin(), ib.end());
    Tensor concatenated =
        row_sparse(tensor(all, {ka + kb}, kInt64), cat({a.values(), b.values()}, 0), {10, 3});
    EXPECT_EQ(merged.indices().to_vector<int64_t>(), concatenated.indices().to_vector<int64_t>());
    EXPECT_EQ(merged.values().to_vector<float>(), concatenated.values().to_vector<float>());
  }
}

// row_of: position n's gradient row is grad[row_of[n]] (EmbeddingBag's bag of each id), read
// in place: both forms give the bits of gathering the rows first, with row_scale, padding and
// scale_grad_by_freq; a row_of of the wrong length or naming a row grad lacks is an error.
TEST(Embedding, BackwardReadsRowsThroughRowOfAsIfGathered) {
  Generator g(9);
  const int64_t V = 9, D = 4;
  Tensor grad = randn({3, D}, &g);
  Tensor ids = tensor({4, 1, 4, 0, 7, 4});
  Tensor row_of = tensor({0, 0, 1, 2, 2, 2});
  Tensor scale = rand({6}, &g);
  Tensor gathered = ops::embedding_forward(grad, row_of);
  for (bool by_freq : {false, true}) {
    Tensor dense = ops::embedding_backward_dense(grad, ids, V, 7, by_freq, scale, row_of);
    EXPECT_EQ(
        dense.to_vector<float>(),
        ops::embedding_backward_dense(gathered, ids, V, 7, by_freq, scale).to_vector<float>());
    Tensor sparse = ops::embedding_backward_sparse(grad, ids, V, std::nullopt, by_freq, {}, row_of);
    Tensor expected = ops::embedding_backward_sparse(gathered, ids, V, std::nullopt, by_freq);
    EXPECT_EQ(sparse.indices().to_vector<int64_t>(), expected.indices().to_vector<int64_t>());
    EXPECT_EQ(sparse.values().to_vector<float>(), expected.values().to_vector<float>());
  }
  EXPECT_EMBER_ERROR(
      ops::embedding_backward_dense(grad, ids, V, std::nullopt, false, {}, tensor({0, 1})),
      "row_of has 2 entries for 6 ids");
  EXPECT_EMBER_ERROR(ops::embedding_backward_sparse(grad, ids, V, std::nullopt, false, {},
                                                    tensor({0, 0, 1, 2, 3, 2})),
                     "id 3 at position 4");
}

TEST(Embedding, MaxNormRenormalisesLookedUpRowsInPlace) {
  Tensor w = tensor(std::vector<float>{3, 4, 0.3f, 0.4f, 6, 8}, {3, 2});
  Tensor out = F::embedding(tensor({0, 1}), w, options(std::nullopt, false, false, 1.0));
  // Row 0 (norm 5) and row 1 (norm 0.5) were looked up; only row 0 exceeded max_norm.
  EXPECT_TRUE(all_close(w.select(0, 0), tensor({0.6f, 0.8f}), 1e-6, 1e-6));
  EXPECT_TRUE(all_close(w.select(0, 1), tensor({0.3f, 0.4f}), 0, 0));
  EXPECT_TRUE(all_close(w.select(0, 2), tensor({6.f, 8.f}), 0, 0));  // not looked up
  EXPECT_TRUE(
      all_close(out, tensor(std::vector<float>{0.6f, 0.8f, 0.3f, 0.4f}, {2, 2}), 1e-6, 1e-6));
}

TEST(Embedding, ModuleFromPretrainedAndFreeze) {
  Tensor vectors = tensor(std::vector<float>{1, 2, 3, 4}, {2, 2});
  auto frozen = nn::Embedding::from_pretrained(vectors);
  EXPECT_FALSE(frozen->weight.requires_grad());
  EXPECT_EQ(frozen->forward(tensor({1})).to_vector<float>(), (std::vector<float>{3, 4}));
  auto trainable = nn::Embedding::from_pretrained(vectors, /*freeze=*/false);
  trainable->forward(tensor({1, 1})).sum().backward();
  EXPECT_EQ(trainable->weight.grad().to_vector<float>(), (std::vector<float>{0, 0, 2, 2}));
  nn::Embedding padded(4, 3, options(-1));
  EXPECT_EQ(padded.weight.select(0, 3).to_vector<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(padded.named_parameters()[0].first, "weight");
}

// ---- EmbeddingBag ----

TEST(EmbeddingBag, ModesOffsetsAndEmptyBags) {
  Tensor w = tensor(std::vector<float>{1, 10, 2, 20, 3, 30, 4, 40}, {4, 2});
  Tensor ids = tensor({3, 1, 3, 2});
  Tensor offsets = tensor({0, 2, 2});  // bags {3, 1}, {}, {3, 2}
  auto bag = [&](F::BagMode mode) {
    F::EmbeddingBagOptions o;
    o.mode = mode;
    return F::embedding_bag(ids, w, offsets, o).to_vector<float>();
  };
  EXPECT_EQ(bag(F::BagMode::kSum), (std::vector<float>{6, 60, 0, 0, 7, 70}));
  EXPECT_EQ(bag(F::BagMode::kMean), (std::vector<float>{3, 30, 0, 0, 3.5, 35}));
  EXPECT_EQ(bag(F::BagMode::kMax), (std::vector<float>{4, 40, 0, 0, 4, 40}));
  F::EmbeddingBagOptions last;
  last.mode = F::BagMode::kSum;
  last.include_last_offset = true;
  EXPECT_EQ(F::embedding_bag(ids, w, tensor({0, 2, 4}), last).to_vector<float>(),
            (std::vector<float>{6, 60, 7, 70}));
  // 2-D ids: each row a bag.
  EXPECT_EQ(
      F::embedding_bag(tensor(std::vector<int64_t>{0, 1, 2, 3}, {2, 2}), w).to_vector<float>(),
      (std::vector<float>{1.5, 15, 3.5, 35}));
  // padding_idx is skipped and not counted by mean.
  F::EmbeddingBagOptions pad;
  pad.padding_idx = 3;
  EXPECT_EQ(F::embedding_bag(ids, w, offsets, pad).to_vector<float>(),
            (std::vector<float>{2, 20, 0, 0, 3, 30}));
  F::EmbeddingBagOptions weighted;
  weighted.mode = F::BagMode::kSum;
  EXPECT_EQ(F::embedding_bag(ids, w, offsets, weighted, tensor({1.f, 2.f, 0.5f, -1.f}))
                .to_vector<float>(),
            (std::vector<float>{8, 80, 0, 0, -1, -10}));
}

TEST(EmbeddingBag, Errors) {
  Tensor w = zeros({4, 2});
  EXPECT_EMBER_ERROR(F::embedding_bag(tensor({1, 5}), w, tensor({0})),
                     "id 5 at position 1 out of range for a table of 4 rows");
  EXPECT_EMBER_ERROR(F::embedding_bag(tensor({1, 2}), w, tensor({1})), "offsets[0] must be 0");
  EXPECT_EMBER_ERROR(F::embedding_bag(tensor({1, 2}), w, tensor({0, 3})), "offsets[1] = 3");
  F::EmbeddingBagOptions max_sparse;
  max_sparse.mode = F::BagMode::kMax;
  max_sparse.sparse = true;
  EXPECT_EMBER_ERROR(F::embedding_bag(tensor({1}), w, tensor({0}), max_sparse),
                     "mode max does not support sparse");
  EXPECT_EMBER_ERROR(F::embedding_bag(tensor({1}), w, tensor({0}), {}, tensor({1.f})),
                     "per_sample_weights is only supported in mode sum");
}

TEST(EmbeddingBag, GradcheckEveryMode) {
  Tensor ids = tensor({3, 1, 3, 0, 5, 3, 2});
  Tensor offsets = tensor({0, 3, 3, 5});  // bags of 3, 0, 2 and 2 ids
  Tensor w = table(6, 3, 4);
  for (F::BagMode mode : {F::BagMode::kSum, F::BagMode::kMean, F::BagMode::kMax})
    for (bool sparse : {false, true})
      for (std::optional<int64_t> pad : {std::optional<int64_t>(), std::optional<int64_t>(3)}) {
        if (sparse && mode == F::BagMode::kMax) continue;
        F::EmbeddingBagOptions o;
        o.mode = mode;
        o.sparse = sparse;
        o.padding_idx = pad;
        auto r = check_table_grad(
            w, [&](const Tensor& t) { return F::embedding_bag(ids, t, offsets, o); });
        EXPECT_TRUE(r.ok) << r.report << " mode=" << int(mode) << " sparse=" << sparse;
      }
}

TEST(EmbeddingBag, GradcheckPerSampleWeights) {
  Tensor ids = tensor({3, 1, 3, 0, 5});
  Tensor offsets = tensor({0, 2});
  Generator g(5);
  Tensor psw = randn({5}, &g, kFloat64).requires_grad_();
  Tensor w = table(6, 3, 6);
  F::EmbeddingBagOptions o;
  o.mode = F::BagMode::kSum;
  o.padding_idx = 0;
  auto r = gradcheck(
      [&](const std::vector<Tensor>& in) {
        return F::embedding_bag(ids, in[0], offsets, o, in[1]);
      },
      {w, psw});
  EXPECT_TRUE(r.ok) << r.report;
}

}  // namespace
}  // namespace ember
