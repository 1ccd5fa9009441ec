// index_select, gather, scatter_add, index_add, one_hot, cat and stack: hand cases with
// int64 and int32 ids and repeated ids, thread-count independence, error messages, and
// gradcheck of each differentiable op.
#include <random>

#include "testing.h"

namespace ember {
namespace {

using testing::all_close;

Tensor random_tensor(const Shape& sizes, uint32_t seed, DType dtype = kFloat64) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> values(size_t(shape_numel(sizes)));
  for (double& v : values) v = dist(rng);
  return tensor(values, sizes, kFloat64).to(dtype);
}

Tensor ids64(std::vector<int64_t> v, Shape sizes = {}) {
  if (sizes.empty()) sizes = {int64_t(v.size())};
  return tensor(v, sizes, kInt64);
}

Tensor ids32(std::vector<int32_t> v, Shape sizes = {}) {
  if (sizes.empty()) sizes = {int64_t(v.size())};
  return tensor(v, sizes, kInt32);
}

// a is [3, 2] = [[0, 1], [2, 3], [4, 5]].
Tensor table() { return tensor({0.f, 1.f, 2.f, 3.f, 4.f, 5.f}).view({3, 2}); }

TEST(Index, IndexSelectRowsAndColumns) {
  Tensor a = table();
  Tensor rows = index_select(a, 0, ids64({2, 0, 2}));
  EXPECT_TRUE(all_close(rows, tensor({4.f, 5.f, 0.f, 1.f, 4.f, 5.f}).view({3, 2})));
  Tensor cols = index_select(a, 1, ids32({1, 1, 0}));
  EXPECT_TRUE(all_close(cols, tensor({1.f, 1.f, 0.f, 3.f, 3.f, 2.f, 5.f, 5.f, 4.f}).view({3, 3})));
  Tensor none = index_select(a, 0, ids64({}));
  EXPECT_EQ(none.sizes(), (Shape{0, 2}));
  // A non-contiguous input: the transpose [2, 3].
  Tensor picked = index_select(a.t(), 1, ids64({2, 1}));
  EXPECT_TRUE(all_close(picked, tensor({4.f, 2.f, 5.f, 3.f}).view({2, 2})));
}

TEST(Index, IndexSelectIsTheEmbeddingLookup) {
  Tensor weights = random_tensor({1000, 37}, 1, kFloat32);
  std::mt19937 rng(2);
  std::vector<int64_t> v(5000);
  for (int64_t& id : v) id = int64_t(rng() % 1000);
  Tensor ids = ids64(v);
  set_num_threads(1);
  Tensor one = index_select(weights, 0, ids);
  set_num_threads(2);
  Tensor two = index_select(weights, 0, ids);
  set_num_threads(0);
  EXPECT_TRUE(all_close(one, two, 0, 0));
  for (int64_t i : {0, 17, 4999})
    EXPECT_TRUE(all_close(one[i], weights[v[i]], 0, 0)) << "row " << i;
}

TEST(Index, GatherAlongEachDim) {
  Tensor a = table();
  // dim 1: out[i][j] = a[i][index[i][j]]
  Tensor out = gather(a, 1, ids64({1, 0, 0, 0, 1, 1}, {3, 2}));
  EXPECT_TRUE(all_close(out, tensor({1.f, 0.f, 2.f, 2.f, 5.f, 5.f}).view({3, 2})));
  // dim 0 with a smaller index: out[i][j] = a[index[i][j]][j]
  out = gather(a, 0, ids32({2, 0}, {1, 2}));
  EXPECT_TRUE(all_close(out, tensor({4.f, 1.f}).view({1, 2})));
  out = gather(a, -1, ids64({1, 1, 0}, {3, 1}));
  EXPECT_TRUE(all_close(out, tensor({1.f, 3.f, 4.f}).view({3, 1})));
}

TEST(Index, ScatterAddRepeatedIds) {
  Tensor a = zeros({3, 2});
  Tensor src = tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}).view({3, 2});
  // dim 0: out[index[i][j]][j] += src[i][j]; ids 2, 2 repeat in column 0.
  Tensor out = scatter_add(a, 0, ids64({2, 0, 2, 2, 0, 0}, {3, 2}), src);
  EXPECT_TRUE(all_close(out, tensor({5.f, 2.f + 6.f, 0.f, 0.f, 1.f + 3.f, 4.f}).view({3, 2})));
  // dim 1, int32 ids, and a not zero: row i of out = a[i] + sums of src[i] by id
  out = scatter_add(ones({3, 2}), 1, ids32({1, 1, 0, 1, 0, 0}, {3, 2}), src);
  EXPECT_TRUE(all_close(out, tensor({1.f, 4.f, 4.f, 5.f, 12.f, 1.f}).view({3, 2})));
}

TEST(Index, IndexAddRepeatedIdsAndAlpha) {
  Tensor a = ones({3, 2});
  Tensor src = tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f}).view({4, 2});
  Tensor out = index_add(a, 0, ids64({2, 0, 2, 2}), src, 0.5);
  EXPECT_TRUE(all_close(out, tensor({2.5f, 3.f, 1.f, 1.f, 7.5f, 9.f}).view({3, 2})));
  out = index_add(zeros({2, 3}), 1, ids32({2, 2}), tensor({1.f, 2.f, 3.f, 4.f}).view({2, 2}));
  EXPECT_TRUE(all_close(out, tensor({0.f, 0.f, 3.f, 0.f, 0.f, 7.f}).view({2, 3})));
}

TEST(Index, IndexAddAndScatterAddDoNotDependOnThreads) {
  const int64_t v = 50, d = 300, n = 20000;
  Tensor base = random_tensor({v, d}, 3, kFloat32);
  Tensor rows = random_tensor({n, d}, 4, kFloat32);
  std::mt19937 rng(5);
  std::vector<int64_t> ids(n);
  for (int64_t& id : ids) id = int64_t(rng() % v);
  Tensor index = ids64(ids);
  Tensor scatter_index = index.view({n, 1}).expand({n, d}).contiguous();
  set_num_threads(1);
  Tensor add1 = index_add(base, 0, index, rows);
  Tensor scatter1 = scatter_add(base, 0, scatter_index, rows);
  set_num_threads(2);
  Tensor add2 = index_add(base, 0, index, rows);
  Tensor scatter2 = scatter_add(base, 0, scatter_index, rows);
  set_num_threads(0);
  EXPECT_TRUE(all_close(add1, add2, 0, 0));
  EXPECT_TRUE(all_close(scatter1, scatter2, 0, 0));
  EXPECT_TRUE(all_close(add1, scatter1, 0, 0));  // same sums in the same order
}

TEST(Index, OneHot) {
  Tensor out = one_hot(ids64({0, 2, 1}), 4);
  EXPECT_EQ(out.dtype(), kInt64);
  EXPECT_EQ(out.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0}));
  EXPECT_EQ(one_hot(ids64({1, 2}, {2, 1})).sizes(), (Shape{2, 1, 3}));
  EXPECT_EMBER_ERROR(one_hot(ids64({0, 4}), 3), "one_hot: index 4 at position 1");
  EXPECT_EMBER_ERROR(one_hot(ids64({})), "one_hot");
}

TEST(Index, OutOfRangeIdsNameValuePositionAndSize) {
  Tensor a = zeros({5, 2});
  EXPECT_EMBER_ERROR(index_select(a, 0, ids64({0, 1, 2, 7})),
                     "index_select: index 7 at position 3 out of range for dim 0 of size 5");
  EXPECT_EMBER_ERROR(index_select(a, 0, ids32({-1})), "index_select: index -1 at position 0");
  EXPECT_EMBER_ERROR(index_select(a, 0, tensor({1.f})), "int64 or int32");
  EXPECT_EMBER_ERROR(gather(a, 1, ids64({0, 1, 2, 0}, {2, 2})),
                     "gather: index 2 at position [1, 0] out of range for dim 1 of size 2");
  EXPECT_EMBER_ERROR(scatter_add(a, 0, ids64({5}, {1, 1}), ones({1, 1})),
                     "scatter_add: index 5 at position [0, 0] out of range for dim 0 of size 5");
  EXPECT_EMBER_ERROR(index_add(a, 0, ids64({1, 9}), ones({2, 2})),
                     "index_add: index 9 at position 1 out of range for dim 0 of size 5");
  EXPECT_EMBER_ERROR(index_add(a, 0, ids64({1, 2}), ones({3, 2})), "index_add: src [3, 2]");
  EXPECT_EMBER_ERROR(gather(a, 0, ids64({0}, {1})), "needs as many dims");
}

TEST(IndexJoin, CatAndStack) {
  Tensor a = table();                          // [3, 2]
  Tensor b = tensor({6.f, 7.f}).view({1, 2});  // [1, 2]
  Tensor rows = cat({a, b}, 0);
  EXPECT_TRUE(all_close(rows, tensor({0.f, 1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f}).view({4, 2})));
  Tensor cols = cat({a, a.slice(1, 1, 2)}, -1);
  EXPECT_TRUE(all_close(cols, tensor({0.f, 1.f, 1.f, 2.f, 3.f, 3.f, 4.f, 5.f, 5.f}).view({3, 3})));
  Tensor skipped = cat({zeros({0}), b, zeros({0})}, 0);  // [0] tensors are left out
  EXPECT_TRUE(all_close(skipped, b));
  Tensor stacked = stack({b[0], b[0] * 2.0}, 1);
  EXPECT_TRUE(all_close(stacked, tensor({6.f, 12.f, 7.f, 14.f}).view({2, 2})));
  EXPECT_EQ(stack({a, a, a}).sizes(), (Shape{3, 3, 2}));
}

TEST(IndexJoin, MismatchErrorsNameTensorAndShapes) {
  Tensor a = zeros({2, 3});
  EXPECT_EMBER_ERROR(cat({a, zeros({2, 3}), zeros({2, 4})}, 0),
                     "cat: sizes must match except in dim 0, but tensor 2 has sizes [2, 4] and "
                     "tensor 0 has [2, 3]");
  EXPECT_EMBER_ERROR(cat({a, zeros({2, 3}, kFloat64)}), "cat: tensor 1 has dtype float64");
  EXPECT_EMBER_ERROR(cat({}), "non-empty");
  EXPECT_EMBER_ERROR(cat({a, zeros({6})}), "tensor 1 has sizes [6]");
  EXPECT_EMBER_ERROR(stack({a, zeros({3, 2})}),
                     "stack: all tensors need equal sizes, but tensor 1 has sizes [3, 2]");
}

// ---- gradients ----

Tensor leaf(const Shape& sizes, uint32_t seed) {
  return random_tensor(sizes, seed).requires_grad_();
}

TEST(IndexGrad, IndexSelectRepeatedIds) {
  Tensor index = ids64({2, 0, 2, 3, 2});
  for (int64_t dim : {0, 1}) {
    auto result =
        gradcheck([&](const std::vector<Tensor>& x) { return index_select(x[0], dim, index); },
                  {leaf({4, 4}, 10)});
    EXPECT_TRUE(result.ok) << "dim " << dim << ": " << result.report;
  }
}

TEST(IndexGrad, Gather) {
  Tensor index = ids32({1, 0, 0, 2, 2, 2}, {2, 3});
  auto result = gradcheck([&](const std::vector<Tensor>& x) { return gather(x[0], 1, index); },
                          {leaf({2, 4}, 11)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(IndexGrad, ScatterAdd) {
  Tensor index = ids64({2, 0, 2, 2, 1, 0}, {2, 3});
  auto result =
      gradcheck([&](const std::vector<Tensor>& x) { return scatter_add(x[0], 0, index, x[1]); },
                {leaf({3, 3}, 12), leaf({2, 3}, 13)});
  EXPECT_TRUE(result.ok) << result.report;
  // src larger than index: its extra elements get zero gradient.
  result =
      gradcheck([&](const std::vector<Tensor>& x) { return scatter_add(x[0], 1, index, x[1]); },
                {leaf({2, 4}, 14), leaf({3, 5}, 15)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(IndexGrad, IndexAdd) {
  Tensor index = ids64({1, 1, 0});
  auto result =
      gradcheck([&](const std::vector<Tensor>& x) { return index_add(x[0], 1, index, x[1], -2.5); },
                {leaf({2, 3}, 16), leaf({2, 3}, 17)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(IndexJoinGrad, CatAndStack) {
  auto result = gradcheck(
      [](const std::vector<Tensor>& x) {
        return cat({x[0], x[1], x[0]}, 1);
      },
      {leaf({2, 3}, 18), leaf({2, 1}, 19)});
  EXPECT_TRUE(result.ok) << result.report;
  result = gradcheck(
      [](const std::vector<Tensor>& x) {
        return stack({x[0], x[1]}, -1);
      },
      {leaf({2, 3}, 20), leaf({2, 3}, 21)});
  EXPECT_TRUE(result.ok) << result.report;
}

}  // namespace
}  // namespace ember
